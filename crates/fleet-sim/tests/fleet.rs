//! The virtual fleet end to end: the seeds' stories on virtual instances and a virtual
//! clock, checked in ECS's words. Runs natively and in headless Chromium.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use berth_control_plane::requests::*;
use berth_control_plane::{Request, Response};
use berth_fleet_sim::Simulation;
use berth_model::resources::{Resource, Service, Task};
use berth_model::states::{HealthStatus, RolloutState, TaskStatus, TaskStopCode};
use berth_model::{parse_task_definition, SimTime};

const T0: SimTime = SimTime::from_secs(1_415_836_800);

fn json(response: Response) -> serde_json::Value {
    serde_json::to_value(response).unwrap()
}

fn register(sim: &mut Simulation, text: &str, family: Option<&str>) {
    let parsed = parse_task_definition(text, family).unwrap();
    sim.request(Request::RegisterTaskDefinition(parsed.task_definition))
        .unwrap();
}

fn tasks(sim: &mut Simulation, cluster: &str, desired: &str) -> Vec<Task> {
    let list = json(
        sim.request(Request::ListTasks(ListTasksRequest {
            cluster: Some(cluster.into()),
            desired_status: Some(desired.into()),
            ..Default::default()
        }))
        .unwrap(),
    );
    let arns: Vec<String> = serde_json::from_value(list["taskArns"].clone()).unwrap();
    if arns.is_empty() {
        return Vec::new();
    }
    let described = json(
        sim.request(Request::DescribeTasks(DescribeTasksRequest {
            cluster: Some(cluster.into()),
            tasks: Some(arns),
            ..Default::default()
        }))
        .unwrap(),
    );
    serde_json::from_value(described["tasks"].clone()).unwrap()
}

fn service(sim: &mut Simulation) -> Service {
    let described = json(
        sim.request(Request::DescribeServices(DescribeServicesRequest {
            services: Some(vec!["web".into()]),
            ..Default::default()
        }))
        .unwrap(),
    );
    serde_json::from_value(described["services"][0].clone()).unwrap()
}

/// Seed 000: MyCluster with two instances registering 1024 CPU / 3768 MiB; sleep360 run with
/// count 10 runs, and six minutes later every task has exited on its own.
#[test]
fn seed_000_sleep360() {
    let mut sim = Simulation::new(0, T0);
    sim.request(Request::CreateCluster(CreateClusterRequest {
        cluster_name: Some("MyCluster".into()),
        ..Default::default()
    }))
    .unwrap();
    for _ in 0..2 {
        sim.request(Request::RegisterContainerInstance(
            RegisterContainerInstanceRequest {
                cluster: Some("MyCluster".into()),
                total_resources: Some(vec![
                    Resource::integer("CPU", 1024),
                    Resource::integer("MEMORY", 3768),
                ]),
                ..Default::default()
            },
        ))
        .unwrap();
    }
    register(
        &mut sim,
        r#"[{"name": "sleep", "image": "busybox", "cpu": 10, "command": ["sleep", "360"], "memory": 10, "essential": true}]"#,
        Some("sleep360"),
    );
    let run = json(
        sim.request(Request::RunTask(RunTaskRequest {
            cluster: Some("MyCluster".into()),
            task_definition: Some("sleep360:1".into()),
            count: Some(10),
            ..Default::default()
        }))
        .unwrap(),
    );
    assert_eq!(run["tasks"].as_array().unwrap().len(), 10);
    sim.advance(10_000);
    let running = tasks(&mut sim, "MyCluster", "RUNNING");
    assert_eq!(running.len(), 10);
    assert!(running
        .iter()
        .all(|t| t.last_status == TaskStatus::Running && t.pull_started_at == Some(T0)));
    sim.advance(360_000);
    assert!(tasks(&mut sim, "MyCluster", "RUNNING").is_empty());
    let stopped = tasks(&mut sim, "MyCluster", "STOPPED");
    assert_eq!(stopped.len(), 10);
    assert!(stopped.iter().all(
        |t| t.stop_code == Some(TaskStopCode::EssentialContainerExited)
            && t.containers[0].exit_code == Some(0)
    ));
    assert_eq!(stopped[0].stopped_at, Some(T0.plus_millis(4_000 + 360_000)));
}

const WEB_80: &str = r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "httpd:2.4", "memory": 256, "portMappings": [{"containerPort": 80, "hostPort": 80}]}]}"#;
const WEB_80_NEXT: &str = r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "httpd:2.4.58", "memory": 256, "portMappings": [{"containerPort": 80, "hostPort": 80}]}]}"#;

/// Seed 002 on the virtual clock: the update stalls on port 80 for as long as you wait, and
/// completes within minutes once a second instance joins.
#[test]
fn seed_002_stall_and_recovery() {
    let mut sim = Simulation::new(2, T0);
    let first = sim
        .launch_instance("default", "t3.medium", "us-east-1a")
        .unwrap();
    register(&mut sim, WEB_80, None);
    register(&mut sim, WEB_80_NEXT, None);
    sim.request(Request::CreateService(CreateServiceRequest {
        service_name: Some("web".into()),
        task_definition: Some("web:1".into()),
        desired_count: Some(1),
        ..Default::default()
    }))
    .unwrap();
    sim.advance(120_000);
    assert_eq!(
        service(&mut sim).deployments[0].rollout_state,
        RolloutState::Completed
    );
    sim.request(Request::UpdateService(UpdateServiceRequest {
        service: Some("web".into()),
        task_definition: Some("web:2".into()),
        ..Default::default()
    }))
    .unwrap();
    sim.advance(3_600_000);
    let stuck = service(&mut sim);
    assert_eq!(stuck.deployments.len(), 2);
    let id = first.rsplit('/').next().unwrap();
    assert!(stuck.events[0].message.contains(&format!("The closest matching (container-instance {id}) is already using a port required by your task.")));
    sim.launch_instance("default", "t3.medium", "us-east-1b")
        .unwrap();
    sim.advance(120_000);
    let done = service(&mut sim);
    assert_eq!(
        (
            done.deployments.len(),
            done.deployments[0].rollout_state.as_str()
        ),
        (1, "COMPLETED")
    );
    assert_eq!(
        done.events[0].message,
        "(service web) has reached a steady state."
    );
}

/// An image that cannot be pulled: the task stops before running, with the agent's reason.
/// A health check makes the task HEALTHY after its first interval.
#[test]
fn pull_failures_and_health() {
    let mut sim = Simulation::new(3, T0);
    sim.launch_instance("default", "m5.large", "us-east-1a")
        .unwrap();
    sim.make_unpullable("private/nope:1");
    register(
        &mut sim,
        r#"{"family": "bad", "containerDefinitions": [{"name": "app", "image": "private/nope:1", "memory": 64}]}"#,
        None,
    );
    register(
        &mut sim,
        r#"{"family": "good", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 64,
        "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "interval": 10}}]}"#,
        None,
    );
    for family in ["bad", "good"] {
        sim.request(Request::RunTask(RunTaskRequest {
            task_definition: Some(family.into()),
            ..Default::default()
        }))
        .unwrap();
    }
    sim.advance(5_000);
    let stopped = tasks(&mut sim, "default", "STOPPED");
    assert_eq!(stopped[0].stop_code, Some(TaskStopCode::TaskFailedToStart));
    assert!(stopped[0]
        .stopped_reason
        .as_deref()
        .unwrap()
        .starts_with("CannotPullContainerError: "));
    assert_eq!(
        tasks(&mut sim, "default", "RUNNING")[0].health_status,
        HealthStatus::Undetermined
    );
    sim.advance(10_000);
    assert_eq!(
        tasks(&mut sim, "default", "RUNNING")[0].health_status,
        HealthStatus::Healthy
    );
}

/// The same seed and inputs give the same event log, byte for byte; another seed does not.
#[test]
fn replays_byte_for_byte() {
    let session = |seed| {
        let mut sim = Simulation::new(seed, T0);
        for zone in ["us-east-1a", "us-east-1b", "us-east-1c"] {
            sim.launch_instance("default", "c5.large", zone).unwrap();
        }
        register(
            &mut sim,
            r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 128, "portMappings": [{"containerPort": 80}]}]}"#,
            None,
        );
        sim.request(Request::CreateService(CreateServiceRequest {
            service_name: Some("web".into()),
            task_definition: Some("web".into()),
            desired_count: Some(5),
            ..Default::default()
        }))
        .unwrap();
        sim.advance(600_000);
        serde_json::to_string(sim.log()).unwrap()
    };
    let first = session(11);
    assert_eq!(first, session(11));
    assert_ne!(first, session(12));
}

/// A snapshot taken mid-deployment, with reports still on their way, restores a simulation
/// that goes on exactly as the original does: the same events, byte for byte.
#[test]
fn snapshot_mid_deployment() {
    let mut sim = Simulation::new(31, T0);
    sim.set_failures(Some(berth_fleet_sim::Failures { mean_ms: 600_000 }));
    for zone in ["us-east-1a", "us-east-1b"] {
        sim.launch_instance("default", "m5.large", zone).unwrap();
    }
    register(
        &mut sim,
        r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 128, "portMappings": [{"containerPort": 80}]}]}"#,
        None,
    );
    register(
        &mut sim,
        r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:2", "memory": 128, "portMappings": [{"containerPort": 80}]}]}"#,
        None,
    );
    sim.request(Request::CreateService(CreateServiceRequest {
        service_name: Some("web".into()),
        task_definition: Some("web:1".into()),
        desired_count: Some(6),
        ..Default::default()
    }))
    .unwrap();
    sim.run_until(T0.plus_millis(120_000));
    sim.request(Request::UpdateService(UpdateServiceRequest {
        service: Some("web".into()),
        task_definition: Some("web:2".into()),
        ..Default::default()
    }))
    .unwrap();
    sim.run_until(T0.plus_millis(121_500)); // mid-deployment: pulls in flight
    let snapshot = sim.snapshot();
    let mut restored = Simulation::restore(&snapshot).expect("a valid snapshot");
    sim.take_log();
    for s in [&mut sim, &mut restored] {
        s.run_until(T0.plus_millis(3_600_000));
    }
    let log = |s: &Simulation| serde_json::to_string(s.log()).unwrap();
    assert!(sim.log().len() > 50, "an hour of events");
    assert_eq!(log(&sim), log(&restored));
    assert_eq!(service(&mut sim), service(&mut restored));
    assert!(Simulation::restore("{}").is_err());
}

/// A sleep longer than any session never schedules an exit, so a snapshot stays loadable.
#[test]
fn snapshot_with_an_endless_sleep() {
    let mut sim = Simulation::new(32, T0);
    sim.launch_instance("default", "m5.large", "us-east-1a")
        .unwrap();
    register(
        &mut sim,
        r#"[{"name": "s", "image": "busybox", "memory": 8, "command": ["sleep", "10000000000000"]}]"#,
        Some("forever"),
    );
    sim.request(Request::RunTask(RunTaskRequest {
        task_definition: Some("forever".into()),
        ..Default::default()
    }))
    .unwrap();
    sim.run_until(T0.plus_millis(60_000));
    let snapshot = sim.snapshot();
    assert!(Simulation::restore(&snapshot).is_ok());
    assert_eq!(tasks(&mut sim, "default", "RUNNING").len(), 1);
}

/// A container its restart policy restarts in place keeps its task RUNNING, and the fleet
/// summary counts its restarts (ECS's documents do not): `sleep 90; exit 3` with a 60 s
/// attempt period restarts every 90 s.
#[test]
fn restarts_in_place_are_counted_in_the_fleet_summary() {
    let mut sim = Simulation::new(0, T0);
    sim.launch_instance("default", "t3.medium", "us-east-1a")
        .unwrap();
    register(
        &mut sim,
        r#"{"family": "worker", "containerDefinitions": [{"name": "worker", "image": "busybox", "memory": 64, "command": ["sh", "-c", "sleep 90; exit 3"], "restartPolicy": {"enabled": true, "restartAttemptPeriod": 60}}]}"#,
        None,
    );
    sim.request(Request::RunTask(RunTaskRequest {
        task_definition: Some("worker".into()),
        ..Default::default()
    }))
    .unwrap();
    sim.advance(60_000);
    let arn = tasks(&mut sim, "default", "RUNNING")[0].task_arn.clone();
    assert!(sim.fleet_summary(None).unwrap().restarts.is_empty());
    // Started at 4 s: it exits at 94 s and 184 s, each time after running its period.
    sim.advance(140_000);
    let running = tasks(&mut sim, "default", "RUNNING");
    assert_eq!(running.len(), 1, "restarted in place, not replaced");
    let summary = sim.fleet_summary(None).unwrap();
    assert_eq!(summary.restarts, [(arn.clone(), "worker".to_owned(), 2)]);
    let wire = serde_json::to_value(&summary).unwrap();
    assert_eq!(wire["restarts"], serde_json::json!([[arn, "worker", 2]]));
}
