//! The control plane driven the way ECS is: API requests in ECS's shapes, agents answering
//! instructions, time passing. Each test reads as an AWS CLI session and checks ECS's words.
//! Runs natively and in headless Chromium.

use berth_model::states::{Connectivity, TaskStatus, TaskStopCode};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;

use berth_agent_protocol::{
    AgentEvent, AgentInstruction, ContainerStateChange, Status, TaskStateChange,
};
use berth_control_plane::requests::*;
use berth_control_plane::Request;
use common::{Session, T0};

const SLEEP360: &str = r#"[{"name": "sleep", "image": "busybox", "cpu": 10, "command": ["sleep", "360"], "memory": 10, "essential": true}]"#;

/// Seed 000's walkthrough: MyCluster, two instances of 1024 CPU / 3768 MiB, sleep360 run with
/// count 10, list-tasks; then a StopTask, and the stopped task gone after an hour.
#[test]
fn first_cluster_walkthrough() {
    let mut s = Session::new(1);
    let created = s.ok(Request::CreateCluster(CreateClusterRequest {
        cluster_name: Some("MyCluster".into()),
        ..Default::default()
    }));
    assert_eq!(created["cluster"]["clusterName"], "MyCluster");
    assert_eq!(created["cluster"]["status"], "ACTIVE");
    assert_eq!(
        created["cluster"]["clusterArn"],
        "arn:aws:ecs:us-east-1:123456789012:cluster/MyCluster"
    );
    let a = s.register_instance("MyCluster", 1024, 3768);
    let b = s.register_instance("MyCluster", 1024, 3768);
    assert!(a.starts_with("arn:aws:ecs:us-east-1:123456789012:container-instance/MyCluster/"));
    let listed = s.ok(Request::ListContainerInstances(
        ListContainerInstancesRequest {
            cluster: Some("MyCluster".into()),
            ..Default::default()
        },
    ));
    assert_eq!(listed["containerInstanceArns"], serde_json::json!([a, b]));
    let described = s.ok(Request::DescribeContainerInstances(
        DescribeContainerInstancesRequest {
            cluster: Some("MyCluster".into()),
            container_instances: Some(vec![a.clone()]),
            ..Default::default()
        },
    ));
    let registered = &described["containerInstances"][0]["registeredResources"];
    assert_eq!(
        registered[0],
        serde_json::json!({"name": "CPU", "type": "INTEGER", "doubleValue": 0.0, "longValue": 0, "integerValue": 1024})
    );
    assert_eq!(registered[1]["integerValue"], 3768);

    let td = s.register_task_definition(SLEEP360, Some("sleep360"));
    assert_eq!(
        td["taskDefinition"]["taskDefinitionArn"],
        "arn:aws:ecs:us-east-1:123456789012:task-definition/sleep360:1"
    );
    let run = s.run("MyCluster", "sleep360:1", 10);
    assert_eq!(run["tasks"].as_array().unwrap().len(), 10);
    assert_eq!(run["failures"], serde_json::json!([]));
    assert_eq!(run["tasks"][0]["lastStatus"], "PENDING");
    assert_eq!(run["tasks"][0]["group"], "family:sleep360");
    s.agents_obey();
    let running = s.list_tasks("MyCluster", None);
    assert_eq!(running.len(), 10);
    let task = s.describe("MyCluster", &running[0]);
    assert_eq!(
        (task.last_status.as_str(), task.desired_status.as_str()),
        ("RUNNING", "RUNNING")
    );
    assert_eq!(task.started_at, Some(T0));
    assert_eq!(task.containers[0].last_status, TaskStatus::Running);
    let instance = s.ok(Request::DescribeContainerInstances(
        DescribeContainerInstancesRequest {
            cluster: Some("MyCluster".into()),
            container_instances: Some(vec![a.clone(), b.clone()]),
            ..Default::default()
        },
    ));
    let used_cpu: i64 = (0..2)
        .map(|i| {
            1024 - instance["containerInstances"][i]["remainingResources"][0]["integerValue"]
                .as_i64()
                .unwrap()
        })
        .sum();
    assert_eq!(used_cpu, 100, "ten tasks of 10 CPU units");

    // StopTask: desired STOPPED at once, STOPPED when the agent says so.
    let stopped = s.ok(Request::StopTask(StopTaskRequest {
        cluster: Some("MyCluster".into()),
        task: Some(running[0].clone()),
        reason: None,
    }));
    assert_eq!(stopped["task"]["desiredStatus"], "STOPPED");
    assert_eq!(stopped["task"]["stoppedReason"], "Task stopped by user");
    s.advance(2_000);
    s.agents_obey();
    let task = s.describe("MyCluster", &running[0]);
    assert_eq!(
        (
            task.last_status.as_str(),
            task.stop_code.as_ref().map(|c| c.as_str())
        ),
        ("STOPPED", Some("UserInitiated"))
    );
    assert_eq!(s.list_tasks("MyCluster", None).len(), 9);
    assert_eq!(
        s.list_tasks("MyCluster", Some("STOPPED")),
        vec![running[0].clone()]
    );
    assert_eq!(s.cp.poll_timeout(), Some(T0.plus_millis(2_000 + 3_600_000)));
    s.advance(3_600_000);
    let missing = s.ok(Request::DescribeTasks(DescribeTasksRequest {
        cluster: Some("MyCluster".into()),
        tasks: Some(vec![running[0].clone()]),
        ..Default::default()
    }));
    assert_eq!(missing["failures"][0]["reason"], "MISSING");
    assert!(s
        .log
        .iter()
        .any(|e| e.contains("\"detail-type\":\"ECS Task State Change\"")));
}

/// Seed 002's lesson in RunTask form: a static host port 80 fits once per instance, and the
/// rest fail with RESOURCE:PORTS per instance.
#[test]
fn ports_are_resources() {
    let mut s = Session::new(2);
    s.ok(Request::CreateCluster(CreateClusterRequest::default()));
    s.register_instance("default", 2048, 3768);
    s.register_instance("default", 2048, 3768);
    s.register_task_definition(
        r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "httpd", "memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 80}]}]}"#,
        None,
    );
    let run = s.run("default", "web", 3);
    assert_eq!(run["tasks"].as_array().unwrap().len(), 2);
    let reasons: Vec<&str> = run["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["RESOURCE:PORTS", "RESOURCE:PORTS"]);
    s.agents_obey();
    let task = s.describe("default", run["tasks"][0]["taskArn"].as_str().unwrap());
    assert_eq!(task.containers[0].network_bindings[0].host_port, 80);
    // Seed 003: dynamic ports fix it.
    s.register_task_definition(
        r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "httpd", "memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 0}]}]}"#,
        None,
    );
    let run = s.run("default", "web:2", 4);
    assert_eq!(run["tasks"].as_array().unwrap().len(), 4);
    s.agents_obey();
    let task = s.describe("default", run["tasks"][0]["taskArn"].as_str().unwrap());
    assert!(task.containers[0].network_bindings[0].host_port >= 49153);
}

/// An essential container's exit stops the task with ECS's code and words; an image that
/// cannot be pulled fails the task before it runs, with the agent's reason.
#[test]
fn stop_codes() {
    let mut s = Session::new(3);
    s.ok(Request::CreateCluster(CreateClusterRequest::default()));
    let instance = s.register_instance("default", 2048, 3768);
    s.register_task_definition(SLEEP360, Some("sleep360"));
    let first = s.run("default", "sleep360", 1)["tasks"][0]["taskArn"]
        .as_str()
        .unwrap()
        .to_owned();
    s.agents_obey();
    s.advance(360_000);
    let exited = ContainerStateChange {
        name: "sleep".into(),
        status: Status::Stopped,
        runtime_id: None,
        exit_code: Some(0),
        reason: None,
        port_bindings: vec![],
        health_status: None,
        image_digest: None,
        restart_count: 0,
    };
    s.cp.handle_agent_event(
        s.now,
        &instance,
        AgentEvent::TaskStateChange(TaskStateChange {
            task_arn: first.clone(),
            status: Status::Stopped,
            pull_started_at: None,
            pull_stopped_at: None,
            containers: vec![exited],
        }),
    );
    let task = s.describe("default", &first);
    assert_eq!(task.stop_code, Some(TaskStopCode::EssentialContainerExited));
    assert_eq!(
        task.stopped_reason.as_deref(),
        Some("Essential container in task exited")
    );
    assert_eq!(task.containers[0].exit_code, Some(0));

    let second = s.run("default", "sleep360", 1)["tasks"][0]["taskArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let _ = s.cp.poll_instruction();
    let pull_failed = ContainerStateChange {
        name: "sleep".into(),
        status: Status::Stopped,
        runtime_id: None,
        exit_code: None,
        reason: Some(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found"
                .into(),
        ),
        port_bindings: vec![],
        health_status: None,
        image_digest: None,
        restart_count: 0,
    };
    s.cp.handle_agent_event(
        s.now,
        &instance,
        AgentEvent::TaskStateChange(TaskStateChange {
            task_arn: second.clone(),
            status: Status::Stopped,
            pull_started_at: Some(s.now.as_millis()),
            pull_stopped_at: None,
            containers: vec![pull_failed],
        }),
    );
    let task = s.describe("default", &second);
    assert_eq!(task.stop_code, Some(TaskStopCode::TaskFailedToStart));
    assert!(task
        .stopped_reason
        .unwrap()
        .starts_with("CannotPullContainerError: "));
}

/// ECS's errors, in ECS's words.
#[test]
fn errors() {
    let mut s = Session::new(4);
    assert_eq!(
        s.err(Request::RunTask(RunTaskRequest {
            task_definition: Some("x".into()),
            ..Default::default()
        })),
        "ClusterNotFoundException: Cluster not found."
    );
    assert_eq!(
        s.err(Request::CreateCluster(CreateClusterRequest { cluster_name: Some("my cluster".into()), ..Default::default() })),
        "InvalidParameterException: Cluster must match ^[a-zA-Z0-9\\-_]{1,255}$, but was my cluster"
    );
    s.ok(Request::CreateCluster(CreateClusterRequest::default()));
    s.register_task_definition(SLEEP360, Some("sleep360"));
    assert_eq!(
        s.err(Request::RunTask(RunTaskRequest {
            task_definition: Some("sleep360".into()),
            ..Default::default()
        })),
        "InvalidParameterException: No Container Instances were found in your cluster."
    );
    s.register_instance("default", 1024, 3768);
    assert_eq!(
        s.err(Request::RunTask(RunTaskRequest {
            task_definition: Some("nope".into()),
            ..Default::default()
        })),
        "ClientException: TaskDefinition not found."
    );
    assert_eq!(
        s.err(Request::RunTask(RunTaskRequest {
            task_definition: Some("sleep360:x".into()),
            ..Default::default()
        })),
        "InvalidParameterException: Invalid revision number."
    );
    assert_eq!(
        s.err(Request::RunTask(RunTaskRequest {
            task_definition: Some("sleep360".into()),
            count: Some(11),
            ..Default::default()
        })),
        "InvalidParameterException: Count must be between 1 and 10."
    );
    assert_eq!(
        s.err(Request::DescribeTasks(DescribeTasksRequest::default())),
        "InvalidParameterException: Tasks cannot be empty."
    );
    assert_eq!(
        s.err(Request::StopTask(StopTaskRequest {
            task: Some("0123456789abcdef0123456789abcdef".into()),
            ..Default::default()
        })),
        "InvalidParameterException: The referenced task was not found."
    );
    assert_eq!(
        s.err(Request::DescribeTaskDefinition(
            DescribeTaskDefinitionRequest {
                task_definition: Some("nope".into()),
                ..Default::default()
            }
        )),
        "ClientException: Unable to describe task definition."
    );
    assert_eq!(
        s.err(Request::DeregisterTaskDefinition(
            DeregisterTaskDefinitionRequest {
                task_definition: Some("sleep360".into())
            }
        )),
        "ClientException: Revision is missing."
    );
    s.ok(Request::DeregisterTaskDefinition(
        DeregisterTaskDefinitionRequest {
            task_definition: Some("sleep360:1".into()),
        },
    ));
    assert_eq!(
        s.err(Request::RunTask(RunTaskRequest {
            task_definition: Some("sleep360:1".into()),
            ..Default::default()
        })),
        "ClientException: TaskDefinition is inactive"
    );
    assert_eq!(s.err(Request::DeleteCluster(DeleteClusterRequest::default())), "ClusterContainsContainerInstancesException: The Cluster cannot be deleted while Container Instances are active or draining.");
    let td = s.register_task_definition(SLEEP360, Some("sleep360"));
    assert_eq!(
        td["taskDefinition"]["revision"], 2,
        "revisions are never reused"
    );
    let families = s.ok(Request::ListTaskDefinitions(ListTaskDefinitionsRequest {
        status: Some("INACTIVE".into()),
        ..Default::default()
    }));
    assert_eq!(
        families["taskDefinitionArns"],
        serde_json::json!(["arn:aws:ecs:us-east-1:123456789012:task-definition/sleep360:1"])
    );
}

/// The same seed and inputs give the same responses and event log, byte for byte.
#[test]
fn deterministic() {
    let session = |seed| {
        let mut s = Session::new(seed);
        s.ok(Request::CreateCluster(CreateClusterRequest::default()));
        for _ in 0..3 {
            s.register_instance("default", 2048, 3768);
        }
        s.register_task_definition(SLEEP360, Some("sleep360"));
        let run = s.run("default", "sleep360", 10);
        s.agents_obey();
        (run.to_string(), s.log.join("\n"))
    };
    assert_eq!(session(7), session(7));
    assert_ne!(session(7).0, session(8).0);
}

/// Pages of ListTasks: maxResults and nextToken walk the whole list once.
#[test]
fn pagination() {
    let mut s = Session::new(5);
    s.ok(Request::CreateCluster(CreateClusterRequest::default()));
    s.register_instance("default", 4096, 8000);
    s.register_task_definition(SLEEP360, Some("sleep360"));
    s.run("default", "sleep360", 10);
    s.run("default", "sleep360", 5);
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = s.ok(Request::ListTasks(ListTasksRequest {
            max_results: Some(4),
            next_token: token.clone(),
            ..Default::default()
        }));
        seen.extend(
            page["taskArns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned()),
        );
        token = page["nextToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 15);
    seen.dedup();
    assert_eq!(seen.len(), 15);
    assert_eq!(
        s.err(Request::ListTasks(ListTasksRequest {
            next_token: Some("zz".into()),
            ..Default::default()
        })),
        "InvalidParameterException: Invalid nextToken: zz"
    );
}

/// An instance whose agent disconnects takes no tasks (AGENT, with ECS's closest-match
/// sentence in services), and its tasks show DISCONNECTED until the agent is back.
#[test]
fn agent_disconnects() {
    let mut s = Session::new(9);
    s.ok(Request::CreateCluster(CreateClusterRequest::default()));
    let instance = s.register_instance("default", 2048, 3768);
    s.register_task_definition(SLEEP360, Some("sleep360"));
    let task = s.run("default", "sleep360", 1)["tasks"][0]["taskArn"]
        .as_str()
        .unwrap()
        .to_owned();
    s.agents_obey();
    s.cp.handle_agent_event(
        s.now,
        &instance,
        AgentEvent::Connection { connected: false },
    );
    assert_eq!(
        s.describe("default", &task).connectivity,
        Connectivity::Disconnected
    );
    let run = s.run("default", "sleep360", 1);
    assert_eq!(run["failures"][0]["reason"], "AGENT");
    s.cp.handle_agent_event(s.now, &instance, AgentEvent::Connection { connected: true });
    assert_eq!(
        s.describe("default", &task).connectivity,
        Connectivity::Connected
    );
    // Back, the agent learns which tasks it should run (and stops any other it has).
    let reconcile = AgentInstruction::Reconcile {
        task_arns: vec![task.clone()],
    };
    assert_eq!(
        s.cp.poll_instruction(),
        Some((instance.clone(), reconcile.clone()))
    );
    // Every (re)connection says so, even one the control plane never saw drop.
    s.cp.handle_agent_event(s.now, &instance, AgentEvent::Connection { connected: true });
    assert_eq!(s.cp.poll_instruction(), Some((instance.clone(), reconcile)));
    assert_eq!(
        s.run("default", "sleep360", 1)["tasks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
