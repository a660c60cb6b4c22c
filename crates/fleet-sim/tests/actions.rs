//! What a user does to the virtual world (the playground's fleet controls), and how ECS
//! learns of it: a killed essential container stops its task, which its service replaces; a
//! disconnected agent takes no tasks; a terminated instance takes its tasks with it; a
//! broken image fails its pulls.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use berth_control_plane::Request;
use berth_fleet_sim::{FleetAction, Simulation};
use berth_model::SimTime;
use serde_json::{json, Value};

fn ok(sim: &mut Simulation, operation: &str, body: Value) -> Value {
    let request = Request::from_operation(operation, body).unwrap();
    serde_json::to_value(sim.request(request).unwrap()).unwrap()
}

fn tasks(sim: &mut Simulation, status: &str) -> Vec<Value> {
    let arns = ok(sim, "ListTasks", json!({"desiredStatus": status}))["taskArns"].clone();
    if arns.as_array().unwrap().is_empty() {
        return Vec::new();
    }
    ok(sim, "DescribeTasks", json!({"tasks": arns}))["tasks"]
        .as_array()
        .unwrap()
        .clone()
}

/// Each container's name and exit code.
fn exit_codes(task: &Value) -> Vec<(Value, Value)> {
    task["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].clone(), c["exitCode"].clone()))
        .collect()
}

fn fleet() -> (Simulation, Vec<String>) {
    let mut sim = Simulation::new(3, SimTime::from_secs(1_700_000_000));
    let launched: Vec<String> = ["us-east-1a", "us-east-1b"]
        .iter()
        .map(|zone| {
            let action = FleetAction::Launch {
                cluster: "default".into(),
                instance_type: "t3.medium".into(),
                zone: (*zone).into(),
            };
            let said = sim.act(&action).unwrap();
            said.rsplit(": ").next().unwrap().to_owned()
        })
        .collect();
    ok(
        &mut sim,
        "RegisterTaskDefinition",
        json!({"family": "web", "containerDefinitions": [
            {"name": "web", "image": "nginx", "memory": 128, "essential": true},
            {"name": "log", "image": "busybox", "memory": 32, "essential": false}]}),
    );
    ok(
        &mut sim,
        "CreateService",
        json!({"serviceName": "web", "taskDefinition": "web", "desiredCount": 2}),
    );
    sim.advance(10_000);
    (sim, launched)
}

#[test]
fn a_killed_essential_container_stops_its_task_and_the_service_replaces_it() {
    let (mut sim, _) = fleet();
    let running = tasks(&mut sim, "RUNNING");
    assert_eq!(running.len(), 2);
    let victim = running[0]["taskArn"].as_str().unwrap().to_owned();
    let said = sim
        .act(&FleetAction::Kill {
            task: victim.clone(),
            container: None,
        })
        .unwrap();
    assert!(said.starts_with("web of"), "{said}");
    let stopped = ok(&mut sim, "DescribeTasks", json!({"tasks": [victim]}))["tasks"][0].clone();
    assert_eq!(stopped["lastStatus"], "STOPPED");
    assert_eq!(stopped["stopCode"], "EssentialContainerExited");
    assert_eq!(
        stopped["stoppedReason"],
        "Essential container in task exited"
    );
    let codes = exit_codes(&stopped);
    // The agent stops the others; SIGTERM ends them (143).
    assert_eq!(
        codes,
        [(json!("web"), json!(137)), (json!("log"), json!(143))]
    );
    sim.advance(10_000);
    assert_eq!(tasks(&mut sim, "RUNNING").len(), 2);

    // A non-essential container dies alone; its task runs on.
    let other = tasks(&mut sim, "RUNNING")[0]["taskArn"]
        .as_str()
        .unwrap()
        .to_owned();
    sim.act(&FleetAction::Kill {
        task: other.clone(),
        container: Some("log".into()),
    })
    .unwrap();
    let still = ok(&mut sim, "DescribeTasks", json!({"tasks": [other]}))["tasks"][0].clone();
    assert_eq!(still["lastStatus"], "RUNNING");
    let log = still["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "log")
        .unwrap()
        .clone();
    assert_eq!(
        (log["lastStatus"].clone(), log["exitCode"].clone()),
        (json!("STOPPED"), json!(137))
    );
    // Stopped later, it keeps the exit code it died with: only web ends on the SIGTERM.
    ok(&mut sim, "StopTask", json!({"task": other}));
    sim.advance(10_000);
    let stopped = ok(&mut sim, "DescribeTasks", json!({"tasks": [other]}))["tasks"][0].clone();
    let codes = exit_codes(&stopped);
    assert_eq!(
        codes,
        [(json!("web"), json!(143)), (json!("log"), json!(137))]
    );
    let error = sim
        .act(&FleetAction::Kill {
            task: "0123456789abcdef0123456789abcdef".into(),
            container: None,
        })
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("not running on the virtual fleet"),
        "{error}"
    );
}

#[test]
fn a_lost_agent_a_lost_instance_and_a_broken_image() {
    let (mut sim, instances) = fleet();
    sim.act(&FleetAction::Disconnect {
        container_instance: instances[0].clone(),
    })
    .unwrap();
    let described = ok(
        &mut sim,
        "DescribeContainerInstances",
        json!({"containerInstances": [instances[0]]}),
    );
    assert_eq!(described["containerInstances"][0]["agentConnected"], false);
    // Cut off, the agent hears no StopTask and ECS hears nothing of it: the task stays
    // RUNNING (desired STOPPED, DISCONNECTED) until the agent is back.
    let there = tasks(&mut sim, "RUNNING")
        .into_iter()
        .find(|t| t["containerInstanceArn"] == instances[0])
        .unwrap()["taskArn"]
        .clone();
    ok(
        &mut sim,
        "StopTask",
        json!({"task": there, "reason": "while away"}),
    );
    sim.advance(30_000);
    let away = ok(&mut sim, "DescribeTasks", json!({"tasks": [there]}))["tasks"][0].clone();
    assert_eq!(
        (
            away["lastStatus"].clone(),
            away["desiredStatus"].clone(),
            away["connectivity"].clone()
        ),
        (json!("RUNNING"), json!("STOPPED"), json!("DISCONNECTED"))
    );
    sim.act(&FleetAction::Reconnect {
        container_instance: instances[0].clone(),
    })
    .unwrap();
    sim.advance(5_000);
    let back = ok(&mut sim, "DescribeTasks", json!({"tasks": [there]}))["tasks"][0].clone();
    assert_eq!(back["lastStatus"], "STOPPED");
    assert_eq!(back["stoppedReason"], "while away");

    sim.act(&FleetAction::Terminate {
        container_instance: instances[1].clone(),
    })
    .unwrap();
    let listed = ok(&mut sim, "ListContainerInstances", json!({}))["containerInstanceArns"].clone();
    assert_eq!(listed, json!([instances[0]]));
    sim.advance(10_000);
    // The service put its lost task back on the instance left.
    let running = tasks(&mut sim, "RUNNING");
    assert_eq!(running.len(), 2);
    assert!(running
        .iter()
        .all(|t| t["containerInstanceArn"] == instances[0]));

    sim.act(&FleetAction::Unpullable {
        image: "nginx:broken".into(),
    })
    .unwrap();
    ok(
        &mut sim,
        "RegisterTaskDefinition",
        json!({"family": "broken", "containerDefinitions": [
            {"name": "app", "image": "nginx:broken", "memory": 64, "essential": true}]}),
    );
    let run = ok(&mut sim, "RunTask", json!({"taskDefinition": "broken"}));
    let arn = run["tasks"][0]["taskArn"].clone();
    sim.advance(10_000);
    let task = ok(&mut sim, "DescribeTasks", json!({"tasks": [arn]}))["tasks"][0].clone();
    assert_eq!(task["stopCode"], "TaskFailedToStart");
    assert!(task["containers"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("CannotPullContainerError"));
    let error = sim
        .act(&FleetAction::Launch {
            cluster: "default".into(),
            instance_type: "t9.huge".into(),
            zone: "us-east-1a".into(),
        })
        .unwrap_err();
    assert!(error.to_string().contains("Unknown instance type t9.huge"));
}

/// A snapshot of format 1 (which scheduled agent reports ahead, before the agents shared
/// their rules) restores, and what it had scheduled still happens: the service's health
/// checks report, the sleeper exits 0, a pull under way finishes.
#[test]
fn a_format_1_snapshot_goes_on() {
    let snapshot = include_str!("fixtures/format-1-snapshot.json");
    let mut sim = Simulation::restore(snapshot).expect("format 1 is read");
    assert_eq!(tasks(&mut sim, "RUNNING").len(), 3);
    sim.advance(120_000);
    let running = tasks(&mut sim, "RUNNING");
    assert_eq!(running.len(), 2, "{running:#?}");
    for task in &running {
        assert_eq!(task["healthStatus"], "HEALTHY", "{task:#}");
        let ports = &task["containers"][0]["networkBindings"];
        assert_eq!(ports[0]["containerPort"], 80, "{task:#}");
    }
    let napped = tasks(&mut sim, "STOPPED");
    assert_eq!(napped.len(), 1);
    assert_eq!(napped[0]["containers"][0]["exitCode"], 0);
    assert_eq!(napped[0]["stopCode"], "EssentialContainerExited");
    let again = Simulation::restore(&sim.snapshot()).expect("format 2 is read");
    drop(again);
}

/// The virtual registry: a push moves the tag to a new digest (`nginx` is `latest` on Docker
/// Hub, so the two names are one image), a digest reference resolves to itself and cannot be
/// pushed, and a task that ran before the push keeps the digest it pulled.
#[test]
fn a_push_moves_the_tag_to_a_new_digest() {
    let (mut sim, _) = fleet();
    let before = sim.digest("nginx");
    assert!(
        before.starts_with("sha256:") && before.len() == 71,
        "{before}"
    );
    assert_eq!(sim.digest("docker.io/library/nginx:latest"), before);
    assert_ne!(sim.digest("nginx:1.27"), before);
    ok(
        &mut sim,
        "RegisterTaskDefinition",
        json!({"family": "pinned", "containerDefinitions": [
            {"name": "app", "image": "nginx", "memory": 64, "command": ["sleep", "3600"]}]}),
    );
    let run = ok(&mut sim, "RunTask", json!({"taskDefinition": "pinned"}));
    let arn = run["tasks"][0]["taskArn"].clone();
    sim.advance(10_000);
    let said = sim
        .act(&FleetAction::Push {
            image: "nginx:latest".into(),
        })
        .unwrap();
    let after = sim.digest("nginx");
    assert_ne!(after, before);
    assert!(said.contains(&after), "{said}");
    let task = ok(&mut sim, "DescribeTasks", json!({"tasks": [arn]}))["tasks"][0].clone();
    assert_eq!(task["containers"][0]["imageDigest"], json!(before));
    let pinned = format!("nginx@{before}");
    assert_eq!(sim.digest(&pinned), before);
    let error = sim.act(&FleetAction::Push { image: pinned }).unwrap_err();
    assert!(error.to_string().contains("names a digest"), "{error}");
}
