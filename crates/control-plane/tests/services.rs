//! Services in ECS's words: rolling deployments bounded by minimumHealthyPercent and
//! maximumPercent, the seeds' port-80 stall and its ways out, the circuit breaker, deletion.
//! Runs natively and in headless Chromium.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;

use berth_control_plane::requests::*;
use berth_control_plane::Request;
use berth_model::resources::{DeploymentCircuitBreaker, DeploymentConfiguration, Service};
use berth_model::states::{HealthStatus, RolloutState, ServiceStatus, TaskStatus, TaskStopCode};
use common::Session;

fn web(host_port: u16, image: &str) -> String {
    format!(
        r#"{{"family": "web", "containerDefinitions": [{{"name": "web", "image": "{image}", "memory": 256, "portMappings": [{{"containerPort": 80, "hostPort": {host_port}}}]}}]}}"#
    )
}

impl Session {
    fn service(&mut self) -> Service {
        let response = self.ok(Request::DescribeServices(DescribeServicesRequest {
            services: Some(vec!["web".into()]),
            ..Default::default()
        }));
        serde_json::from_value(response["services"][0].clone()).expect("a service")
    }

    fn create_service(&mut self, desired: i64, configuration: Option<DeploymentConfiguration>) {
        self.ok(Request::CreateService(CreateServiceRequest {
            service_name: Some("web".into()),
            task_definition: Some("web:1".into()),
            desired_count: Some(desired),
            deployment_configuration: configuration,
            ..Default::default()
        }));
    }

    fn update(&mut self, request: UpdateServiceRequest) {
        self.ok(Request::UpdateService(UpdateServiceRequest {
            service: Some("web".into()),
            ..request
        }));
    }

    /// Agents act, then a minute passes (tasks without health checks count as healthy after
    /// 40 s), then agents act on whatever the scheduler decided.
    fn settle(&mut self) {
        for _ in 0..4 {
            self.agents_obey();
            self.advance(60_000);
        }
        self.agents_obey();
    }

    /// Seed 002's one instance and port 80: a service of one task, updated 1 s after its task
    /// started (so before it counts as healthy); the service 5 s later.
    fn update_while_warming(&mut self, request: UpdateServiceRequest) -> Service {
        self.setup(1, 80);
        self.create_service(1, None);
        self.agents_obey();
        self.advance(1_000);
        self.update(request);
        self.agents_obey();
        self.advance(5_000);
        self.agents_obey();
        self.service()
    }

    fn events(&mut self) -> Vec<String> {
        self.service()
            .events
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    fn setup(&mut self, instances: usize, host_port: u16) {
        self.ok(Request::CreateCluster(CreateClusterRequest::default()));
        for _ in 0..instances {
            self.register_instance("default", 2048, 3768);
        }
        self.register_task_definition(&web(host_port, "httpd:2.4"), None);
        self.register_task_definition(&web(host_port, "httpd:2.4.58"), None);
    }
}

/// A new service starts its tasks, and once they have run 40 s its deployment completes and
/// the service reaches a steady state.
#[test]
fn service_reaches_steady_state() {
    let mut s = Session::new(10);
    s.setup(2, 0);
    s.create_service(3, None);
    let service = s.service();
    assert_eq!(
        (
            service.desired_count,
            service.pending_count,
            service.running_count
        ),
        (3, 3, 0)
    );
    assert_eq!(
        service.deployments[0].rollout_state,
        RolloutState::InProgress
    );
    assert!(
        service.deployments[0].id.starts_with("ecs-svc/") && service.deployments[0].id.len() == 27
    );
    s.settle();
    let service = s.service();
    assert_eq!((service.running_count, service.deployments.len()), (3, 1));
    assert_eq!(
        service.deployments[0].rollout_state,
        RolloutState::Completed
    );
    let events = s.events();
    assert_eq!(events[0], "(service web) has reached a steady state.");
    assert!(events
        .last()
        .unwrap()
        .starts_with("(service web) has started 3 tasks: (task "));
}

/// Seed 002: one instance, host port 80, a new revision. The new task cannot be placed while
/// the old one holds port 80, and the old one cannot stop while minimumHealthyPercent is 100:
/// ECS says so once, and the deployment never completes.
#[test]
fn seed_002_port_80_stalls_a_rolling_update() {
    let mut s = Session::new(2);
    s.setup(1, 80);
    s.create_service(1, None);
    s.settle();
    s.update(UpdateServiceRequest {
        task_definition: Some("web:2".into()),
        ..Default::default()
    });
    for _ in 0..5 {
        s.settle();
    }
    let service = s.service();
    assert_eq!(
        service.deployments.len(),
        2,
        "stuck between two deployments"
    );
    assert_eq!(
        service.deployments[0].rollout_state,
        RolloutState::InProgress
    );
    assert_eq!(service.running_count, 1);
    let events = s.events();
    let instance = s.cp_instance_id(0);
    let stall = format!(
        "(service web) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance {instance}) is already using a port required by your task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
    );
    assert_eq!(events[0], stall);
    assert_eq!(
        events.iter().filter(|e| **e == stall).count(),
        1,
        "repeated placement failures are not written again"
    );

    // Way out 1: a second instance. The new task lands there, the old one stops, done.
    s.register_instance("default", 2048, 3768);
    s.settle();
    let service = s.service();
    assert_eq!((service.deployments.len(), service.running_count), (1, 1));
    assert_eq!(
        service.deployments[0].rollout_state,
        RolloutState::Completed
    );
    assert!(service.task_definition.ends_with("task-definition/web:2"));
    assert_eq!(s.events()[0], "(service web) has reached a steady state.");
}

/// Seed 002, updated at once: a task that has run for less than 40 s does not count towards
/// minimumHealthyPercent yet, but it is not unhealthy either. The update must not stop it to
/// make room (which would let the new revision take port 80): it waits, and then stalls.
#[test]
fn an_update_does_not_stop_tasks_that_are_still_warming_up() {
    let mut s = Session::new(2);
    let service = s.update_while_warming(UpdateServiceRequest {
        task_definition: Some("web:2".into()),
        ..Default::default()
    });
    assert_eq!(
        (service.running_count, service.deployments.len()),
        (1, 2),
        "the warming task of web:1 still runs beside the new deployment"
    );
    s.settle();
    let service = s.service();
    assert_eq!(service.deployments.len(), 2, "stuck");
    assert!(service.deployments[1].task_definition.ends_with("web:1"));
    assert_eq!(service.deployments[1].running_count, 1);
    assert!(s.events()[0].contains("is already using a port required by your task"));
}

/// ... but when minimumHealthyPercent needs no task at all, a warming task of an older
/// deployment is not kept either.
#[test]
fn a_warming_task_goes_at_once_when_no_healthy_task_is_needed() {
    let mut s = Session::new(2);
    let service = s.update_while_warming(UpdateServiceRequest {
        task_definition: Some("web:2".into()),
        deployment_configuration: Some(DeploymentConfiguration {
            minimum_healthy_percent: 0,
            maximum_percent: 100,
            ..Default::default()
        }),
        // ECS refuses maximumPercent 100 while AZ rebalancing is on.
        availability_zone_rebalancing: Some("DISABLED".into()),
        ..Default::default()
    });
    assert_eq!(service.running_count, 1);
    assert!(
        service
            .deployments
            .iter()
            .all(|d| d.task_definition.ends_with("web:2") || d.running_count == 0),
        "web:1's task stopped at once and web:2's took port 80: {:?}",
        service.deployments
    );
}

/// Seed 002's other way out: scale to 0, then back to 1.
#[test]
fn seed_002_desired_count_zero_workaround() {
    let mut s = Session::new(3);
    s.setup(1, 80);
    s.create_service(1, None);
    s.settle();
    s.update(UpdateServiceRequest {
        task_definition: Some("web:2".into()),
        ..Default::default()
    });
    s.settle();
    assert_eq!(s.service().deployments.len(), 2);
    s.update(UpdateServiceRequest {
        desired_count: Some(0),
        ..Default::default()
    });
    s.settle();
    assert_eq!(s.service().running_count, 0);
    s.update(UpdateServiceRequest {
        desired_count: Some(1),
        ..Default::default()
    });
    s.settle();
    let service = s.service();
    assert_eq!((service.deployments.len(), service.running_count), (1, 1));
    assert_eq!(
        service.deployments[0].rollout_state,
        RolloutState::Completed
    );
}

/// Seed 003: with dynamic host ports the same update completes on one instance.
#[test]
fn seed_003_dynamic_ports_complete_on_one_instance() {
    let mut s = Session::new(4);
    s.setup(1, 0);
    s.create_service(1, None);
    s.settle();
    s.update(UpdateServiceRequest {
        task_definition: Some("web:2".into()),
        ..Default::default()
    });
    s.settle();
    let service = s.service();
    assert_eq!((service.deployments.len(), service.running_count), (1, 1));
    assert_eq!(
        service.deployments[0].rollout_state,
        RolloutState::Completed
    );
    let task = s.list_tasks("default", None)[0].clone();
    let task = s.describe("default", &task);
    assert!(task.containers[0].network_bindings[0].host_port >= 49153);
}

/// minimumHealthyPercent 100 with maximumPercent 100: no bound lets the deployment move, and
/// ECS says so.
#[test]
fn hundred_hundred_cannot_progress() {
    let mut s = Session::new(5);
    s.setup(2, 0);
    let config = DeploymentConfiguration {
        maximum_percent: 100,
        minimum_healthy_percent: 100,
        ..Default::default()
    };
    s.create_service(2, Some(config));
    s.settle();
    s.update(UpdateServiceRequest {
        task_definition: Some("web:2".into()),
        ..Default::default()
    });
    s.settle();
    assert_eq!(
        s.events()[0],
        "(service web) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."
    );
    assert_eq!(s.service().deployments.len(), 2);
    // 50/100 lets it through: stop one, start one, and so on.
    s.update(UpdateServiceRequest {
        deployment_configuration: Some(DeploymentConfiguration {
            maximum_percent: 100,
            minimum_healthy_percent: 50,
            ..Default::default()
        }),
        ..Default::default()
    });
    s.settle();
    assert_eq!(
        s.service().deployments[0].rollout_state,
        RolloutState::Completed
    );
}

/// A deployment whose image cannot be pulled trips the circuit breaker (3 failed tasks: 50 %
/// of 2 desired, at least 3) and rolls back to the last completed deployment.
#[test]
fn circuit_breaker_rolls_back() {
    let mut s = Session::new(6);
    s.setup(2, 0);
    s.register_task_definition(&web(0, "nope/missing:1"), None);
    s.unpullable.push("nope/missing:1".into());
    let breaker = DeploymentCircuitBreaker {
        enable: true,
        rollback: true,
        ..Default::default()
    };
    s.create_service(
        2,
        Some(DeploymentConfiguration {
            deployment_circuit_breaker: breaker,
            ..Default::default()
        }),
    );
    s.settle();
    s.update(UpdateServiceRequest {
        task_definition: Some("web:3".into()),
        ..Default::default()
    });
    for _ in 0..6 {
        s.settle();
    }
    let service = s.service();
    assert!(
        service.task_definition.ends_with("task-definition/web:1"),
        "rolled back to {}",
        service.task_definition
    );
    assert_eq!(
        service.deployments[0].rollout_state,
        RolloutState::Completed
    );
    let events = s.events();
    assert!(events
        .iter()
        .any(|e| e.ends_with("deployment failed: tasks failed to start.")));
    let stopped = s.list_tasks("default", Some("STOPPED"));
    let failed: Vec<_> = stopped
        .iter()
        .map(|arn| s.describe("default", arn))
        .filter(|t| t.stop_code == Some(TaskStopCode::TaskFailedToStart))
        .collect();
    assert_eq!(failed.len(), 3, "the threshold for 2 desired tasks is 3");
    assert!(failed[0]
        .stopped_reason
        .as_deref()
        .unwrap()
        .starts_with("CannotPullContainerError: "));

    // The deployment history: the first deployment succeeded; the second failed and was
    // rolled back, to the first one's revision; the rollback is not listed on its own.
    let listed = s
        .cli(
            "list-service-deployments",
            serde_json::json!({"service": "web"}),
        )
        .unwrap();
    let briefs = listed["serviceDeployments"].as_array().unwrap();
    let statuses: Vec<&str> = briefs
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["ROLLBACK_SUCCESSFUL", "SUCCESSFUL"],
        "newest first"
    );
    let arns: Vec<String> = briefs
        .iter()
        .map(|b| b["serviceDeploymentArn"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        arns[0].contains(":service-deployment/default/web/"),
        "{}",
        arns[0]
    );
    let described = s
        .cli(
            "describe-service-deployments",
            serde_json::json!({"serviceDeploymentArns": [arns[0], "arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/0"]}),
        )
        .unwrap();
    let failed_deployment = &described["serviceDeployments"][0];
    assert_eq!(
        failed_deployment["deploymentCircuitBreaker"]["status"],
        "TRIGGERED"
    );
    assert_eq!(
        failed_deployment["deploymentCircuitBreaker"]["threshold"],
        3
    );
    assert_eq!(
        failed_deployment["statusReason"],
        "ECS deployment circuit breaker: tasks failed to start."
    );
    let first_revision = briefs[1]["targetServiceRevisionArn"].as_str().unwrap();
    assert_eq!(
        failed_deployment["sourceServiceRevisions"][0]["arn"], first_revision,
        "it replaced the first revision"
    );
    assert_eq!(described["failures"][0]["reason"], "MISSING");
    let revisions = s
        .cli(
            "describe-service-revisions",
            serde_json::json!({"serviceRevisionArns": [
                first_revision,
                failed_deployment["targetServiceRevision"]["arn"],
                failed_deployment["rollback"]["serviceRevisionArn"]]}),
        )
        .unwrap();
    let revisions = revisions["serviceRevisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 3);
    assert!(revisions[0]["taskDefinition"]
        .as_str()
        .unwrap()
        .ends_with("web:1"));
    assert!(revisions[1]["taskDefinition"]
        .as_str()
        .unwrap()
        .ends_with("web:3"));
    assert_eq!(
        revisions[1]["containerImages"][0]["image"],
        "nope/missing:1"
    );
    assert!(
        revisions[2]["taskDefinition"]
            .as_str()
            .unwrap()
            .ends_with("web:1"),
        "rolled back to web:1"
    );
    assert!(s
        .cli(
            "list-service-deployments",
            serde_json::json!({"service": "ghost"})
        )
        .unwrap_err()
        .starts_with("ServiceNotFoundException: "));
}

/// DeleteService: refused while scaled up unless forced; then DRAINING, then INACTIVE.
#[test]
fn delete_service() {
    let mut s = Session::new(7);
    s.setup(1, 0);
    s.create_service(2, None);
    s.settle();
    assert_eq!(
        s.err(Request::DeleteService(DeleteServiceRequest {
            service: Some("web".into()),
            ..Default::default()
        })),
        "InvalidParameterException: The service cannot be stopped while it is scaled above 0."
    );
    assert_eq!(
        s.err(Request::CreateService(CreateServiceRequest {
            service_name: Some("web".into()),
            task_definition: Some("web".into()),
            desired_count: Some(1),
            ..Default::default()
        })),
        "InvalidParameterException: Creation of service was not idempotent."
    );
    let deleted = s.ok(Request::DeleteService(DeleteServiceRequest {
        service: Some("web".into()),
        force: Some(true),
        ..Default::default()
    }));
    assert_eq!(deleted["service"]["status"], "DRAINING");
    s.settle();
    assert_eq!(s.service().status, ServiceStatus::Inactive);
    let listed = s.ok(Request::ListServices(ListServicesRequest::default()));
    assert_eq!(listed["serviceArns"], serde_json::json!([]));
    assert_eq!(
        s.err(Request::UpdateService(UpdateServiceRequest {
            service: Some("web".into()),
            desired_count: Some(1),
            ..Default::default()
        })),
        "ServiceNotActiveException: Service was not ACTIVE."
    );
    assert_eq!(
        s.err(Request::UpdateService(UpdateServiceRequest {
            service: Some("api".into()),
            ..Default::default()
        })),
        "ServiceNotFoundException: Service not found."
    );
}

/// Draining an instance replaces its service tasks within the service's bounds: with 50/200
/// they move to the other instance; with 100/100 nothing can move and ECS says why.
/// Standalone tasks on the instance are left alone.
#[test]
fn draining_an_instance() {
    for (min, max, moves) in [(50, 200, true), (100, 100, false)] {
        let mut s = Session::new(8);
        s.setup(2, 0);
        let config = DeploymentConfiguration {
            maximum_percent: max,
            minimum_healthy_percent: min,
            ..Default::default()
        };
        s.create_service(2, Some(config));
        s.run("default", "web:1", 1);
        s.settle();
        let drained = s.ok(Request::ListContainerInstances(
            ListContainerInstancesRequest::default(),
        ))["containerInstanceArns"][0]
            .as_str()
            .unwrap()
            .to_owned();
        let updated = s.ok(Request::UpdateContainerInstancesState(
            UpdateContainerInstancesStateRequest {
                container_instances: Some(vec![drained.clone()]),
                status: Some("DRAINING".into()),
                ..Default::default()
            },
        ));
        assert_eq!(updated["containerInstances"][0]["status"], "DRAINING");
        s.settle();
        let on_drained = |s: &mut Session| {
            let arns = s.ok(Request::ListTasks(ListTasksRequest {
                container_instance: Some(drained.clone()),
                ..Default::default()
            }));
            let arns: Vec<String> = serde_json::from_value(arns["taskArns"].clone()).unwrap();
            arns.iter()
                .map(|a| s.describe("default", a).group)
                .collect::<Vec<_>>()
        };
        let groups = on_drained(&mut s);
        assert_eq!(s.service().running_count, 2);
        if moves {
            assert_eq!(groups, ["family:web"], "only the standalone task stays");
        } else {
            assert!(
                groups.contains(&"service:web".to_owned()),
                "100/100 cannot move the service task"
            );
            assert_eq!(
                s.events()[0],
                "(service web) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."
            );
        }
    }
}

/// A snapshot restores the whole state: the restored control plane answers the same inputs
/// with the same responses and events as the original, byte for byte.
#[test]
fn snapshot_and_restore() {
    let mut original = Session::new(12);
    original.setup(2, 0);
    original.create_service(3, None);
    original.settle();
    original.run("default", "web:1", 2);
    let snapshot = original.cp.snapshot();
    let mut restored = Session::new(0);
    restored.cp = berth_control_plane::ControlPlane::restore(&snapshot).expect("a valid snapshot");
    restored.now = original.now;
    restored.unpullable = original.unpullable.clone();
    original.log.clear();
    for s in [&mut original, &mut restored] {
        s.update(UpdateServiceRequest {
            task_definition: Some("web:2".into()),
            ..Default::default()
        });
        s.settle();
        s.run("default", "web:2", 3);
        s.settle();
    }
    assert_eq!(original.log, restored.log);
    assert_eq!(
        serde_json::to_value(original.service()).unwrap(),
        serde_json::to_value(restored.service()).unwrap()
    );
    assert_eq!(original.cp.snapshot(), restored.cp.snapshot());
    let newer = snapshot.replacen("\"berthSnapshot\":2", "\"berthSnapshot\":3", 1);
    assert_eq!(
        berth_control_plane::ControlPlane::restore(&newer).err(),
        Some("snapshot format 3 is not a format this Berth reads (1 to 2)".to_owned())
    );
    // Format 1 (timers as bare times, under "wakeups") still restores, to the same state
    // but for the timers' reasons.
    let mut older: serde_json::Value = serde_json::from_str(&snapshot).unwrap();
    older["berthSnapshot"] = 1.into();
    let state = older["controlPlane"].as_object_mut().unwrap();
    let timers = state.remove("timers").unwrap();
    let mut bare: Vec<serde_json::Value> = timers
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| pair[0].clone())
        .collect();
    // One timer at the epoch's first second, so there is one to read back.
    bare.push(1.into());
    state.insert("wakeups".into(), bare.into());
    let mut restored_old =
        berth_control_plane::ControlPlane::restore(&older.to_string()).expect("format 1 restores");
    assert_eq!(
        restored_old.poll_timeout(),
        Some(berth_model::SimTime::from_secs(1))
    );
    let refused = berth_control_plane::ControlPlane::restore("{}")
        .err()
        .unwrap_or_default();
    assert!(
        refused.starts_with("not a Berth control-plane snapshot"),
        "{refused}"
    );
}

/// The launch back-off (§7.9): tasks that keep failing to start are launched less and less
/// often, ECS says so once, and a new task definition launches at once again.
#[test]
fn launch_back_off() {
    let mut s = Session::new(14);
    s.setup(2, 0);
    s.register_task_definition(&web(0, "registry.example.com/web:broken"), None);
    s.unpullable = vec!["registry.example.com/web:broken".into()];
    s.ok(Request::CreateService(CreateServiceRequest {
        service_name: Some("web".into()),
        task_definition: Some("web:3".into()),
        desired_count: Some(1),
        ..Default::default()
    }));
    // Agents fail each launch at once; note when the service launches.
    let mut launches = Vec::new();
    let start = s.now;
    for _ in 0..(60 * 60) {
        let before = s.log.len();
        s.agents_obey();
        let launched = s.log[before..]
            .iter()
            .any(|e| e.contains("\"PENDING\"") && e.contains("ECS Task State Change"));
        if launched {
            launches.push((s.now.as_millis() - start.as_millis()) / 1000);
        }
        s.advance(1_000);
    }
    s.agents_obey();
    // Three failures at once, then waits of 30 s, 60 s, 120 s, ... up to 27 minutes.
    let gaps: Vec<u64> = launches.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, [30, 60, 120, 240, 480, 960, 1620], "{launches:?}");
    let throttled: Vec<String> = s
        .events()
        .into_iter()
        .filter(|e| e == "(service web) is unable to consistently start tasks successfully.")
        .collect();
    assert_eq!(throttled.len(), 1);
    assert!(s
        .log
        .iter()
        .any(|e| e.contains("SERVICE_TASK_START_IMPAIRED")));

    // A good revision resets the back-off: its task starts at once.
    s.update(UpdateServiceRequest {
        task_definition: Some("web:1".into()),
        ..Default::default()
    });
    s.settle();
    let service = s.service();
    assert_eq!(service.running_count, 1);
    assert_eq!(
        service.deployments[0].rollout_state,
        RolloutState::Completed
    );
}

/// Scale-in protection: a protected task survives its service's scale-in until the
/// protection expires; standalone tasks cannot be protected.
#[test]
fn task_scale_in_protection() {
    let mut s = Session::new(15);
    s.setup(2, 0);
    s.create_service(3, None);
    s.settle();
    let tasks: Vec<String> = s.list_tasks("default", None);
    assert_eq!(tasks.len(), 3);
    let protected = tasks[1].clone();
    let response = s
        .cli(
            "update-task-protection",
            serde_json::json!({"tasks": [protected], "protectionEnabled": true, "expiresInMinutes": 10}),
        )
        .unwrap();
    assert_eq!(response["protectedTasks"][0]["protectionEnabled"], true);
    let expires = response["protectedTasks"][0]["expirationDate"]
        .as_f64()
        .unwrap();
    assert_eq!(expires as u64, s.now.as_millis() / 1000 + 600);
    s.update(UpdateServiceRequest {
        desired_count: Some(0),
        ..Default::default()
    });
    s.settle();
    assert_eq!(
        s.list_tasks("default", None),
        vec![protected.clone()],
        "the protected task stays"
    );
    // Ten minutes later the protection has expired and scale-in finishes.
    for _ in 0..10 {
        s.advance(60_000);
        s.agents_obey();
    }
    assert!(s.list_tasks("default", None).is_empty());
    let got = s
        .cli(
            "get-task-protection",
            serde_json::json!({"tasks": [protected]}),
        )
        .unwrap();
    assert_eq!(got["protectedTasks"], serde_json::json!([]));
    assert_eq!(
        got["failures"][0]["reason"], "TASK_NOT_VALID",
        "a stopped task"
    );

    let standalone = s.run("default", "web:1", 1)["tasks"][0]["taskArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = s
        .cli(
            "update-task-protection",
            serde_json::json!({"tasks": [standalone, "0123456789abcdef0123456789abcdef"], "protectionEnabled": true}),
        )
        .unwrap();
    assert_eq!(refused["failures"][0]["reason"], "TASK_NOT_VALID");
    assert_eq!(refused["failures"][1]["reason"], "MISSING");
    assert!(s
        .cli(
            "update-task-protection",
            serde_json::json!({"tasks": [protected], "protectionEnabled": true, "expiresInMinutes": 2881}),
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
}

/// A RunTask whose group reads like a service's is not that service's; desiredCount has
/// ECS's quota.
#[test]
fn services_own_only_their_tasks() {
    let mut s = Session::new(16);
    s.setup(2, 0);
    s.create_service(1, None);
    s.settle();
    let imposter = s
        .cli(
            "run-task",
            serde_json::json!({"taskDefinition": "web:1", "group": "service:web"}),
        )
        .unwrap()["tasks"][0]["taskArn"]
        .as_str()
        .unwrap()
        .to_owned();
    s.settle();
    assert_eq!(
        s.describe("default", &imposter).desired_status,
        TaskStatus::Running
    );
    assert_eq!(
        s.service().running_count,
        1,
        "the service counts its own task only"
    );
    assert!(s
        .cli(
            "update-service",
            serde_json::json!({"service": "web", "desiredCount": 5001})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: desiredCount 5001 is out of range"));
    assert_eq!(
        s.service().desired_count,
        1,
        "a refused update changes nothing"
    );
}

/// Failed container health checks within the grace period are ignored; after it, the task
/// is replaced.
#[test]
fn health_check_grace_period() {
    use berth_agent_protocol::{AgentEvent, ContainerStateChange, Status, TaskStateChange};
    let mut s = Session::new(17);
    s.ok(Request::CreateCluster(CreateClusterRequest::default()));
    s.register_instance("default", 2048, 3768);
    s.register_task_definition(
        r#"{"family": "checked", "containerDefinitions": [{"name": "app", "image": "x", "memory": 64, "healthCheck": {"command": ["CMD", "true"]}}]}"#,
        None,
    );
    s.cli(
        "create-service",
        serde_json::json!({"serviceName": "web", "taskDefinition": "checked:1", "desiredCount": 1,
                           "healthCheckGracePeriodSeconds": 120}),
    )
    .unwrap();
    s.agents_obey();
    let task = s.list_tasks("default", None)[0].clone();
    let instance = s.describe("default", &task).container_instance_arn.unwrap();
    let unhealthy = TaskStateChange {
        task_arn: task.clone(),
        status: Status::Running,
        pull_started_at: None,
        pull_stopped_at: None,
        containers: vec![ContainerStateChange {
            name: "app".into(),
            status: Status::Running,
            runtime_id: None,
            exit_code: None,
            reason: None,
            port_bindings: vec![],
            health_status: Some("UNHEALTHY".into()),
            image_digest: None,
            restart_count: 0,
        }],
    };
    s.advance(30_000);
    s.cp.handle_agent_event(s.now, &instance, AgentEvent::TaskStateChange(unhealthy));
    s.drain_events();
    assert_eq!(
        s.describe("default", &task).health_status,
        HealthStatus::Unhealthy
    );
    assert_eq!(
        s.describe("default", &task).desired_status,
        TaskStatus::Running,
        "within the grace period"
    );
    // The control plane wakes itself when the period ends, and replaces the task.
    let wake =
        s.cp.poll_timeout()
            .expect("a wake-up at the end of the grace period");
    s.now = wake;
    s.cp.handle_timeout(wake);
    assert_eq!(
        s.describe("default", &task).desired_status,
        TaskStatus::Stopped
    );
}

/// StopServiceDeployment rolls a deployment in progress back to the last completed revision.
#[test]
fn stop_service_deployment() {
    let mut s = Session::new(18);
    s.setup(2, 0);
    s.create_service(2, None);
    s.settle();
    s.update(UpdateServiceRequest {
        task_definition: Some("web:2".into()),
        ..Default::default()
    });
    let listed = s
        .cli(
            "list-service-deployments",
            serde_json::json!({"service": "web"}),
        )
        .unwrap();
    let in_progress = listed["serviceDeployments"][0].clone();
    assert_eq!(in_progress["status"], "IN_PROGRESS");
    let arn = in_progress["serviceDeploymentArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let stopped = s
        .cli(
            "stop-service-deployment",
            serde_json::json!({"serviceDeploymentArn": arn}),
        )
        .unwrap();
    assert_eq!(stopped["serviceDeploymentArn"], arn.as_str());
    s.settle();
    let service = s.service();
    assert!(
        service.task_definition.ends_with("web:1"),
        "{}",
        service.task_definition
    );
    assert_eq!(service.deployments.len(), 1);
    let described = s
        .cli(
            "describe-service-deployments",
            serde_json::json!({"serviceDeploymentArns": [arn]}),
        )
        .unwrap();
    assert_eq!(
        described["serviceDeployments"][0]["status"],
        "ROLLBACK_SUCCESSFUL"
    );
    assert!(s
        .cli(
            "stop-service-deployment",
            serde_json::json!({"serviceDeploymentArn": arn})
        )
        .unwrap_err()
        .starts_with("ConflictException: "));
    assert!(s
        .cli(
            "stop-service-deployment",
            serde_json::json!({"serviceDeploymentArn": "arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/1"})
        )
        .unwrap_err()
        .starts_with("ServiceDeploymentNotFoundException: "));
    assert!(s
        .cli(
            "stop-service-deployment",
            serde_json::json!({"serviceDeploymentArn": arn, "stopType": "ABORT"})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
}
