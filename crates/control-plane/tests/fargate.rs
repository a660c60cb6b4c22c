//! Fargate: tasks without container instances, each with an ENI in one of its subnets, run
//! by the agent of the region's Fargate capacity. Runs natively and in headless Chromium.

use berth_model::states::TaskStatus;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;

use berth_agent_protocol::{AgentEvent, ContainerStateChange, Status, TaskStateChange};
use common::Session;
use serde_json::json;

const FARGATE_TD: &str = r#"{"family": "sample-fargate", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "app", "image": "httpd:2.4", "portMappings": [{"containerPort": 80}]}]}"#;

#[test]
fn a_fargate_task_document() {
    let mut s = Session::new(21);
    s.cli("create-cluster", json!({})).unwrap();
    s.register_task_definition(FARGATE_TD, None);
    let run = s
        .cli(
            "run-task",
            json!({"taskDefinition": "sample-fargate", "launchType": "FARGATE",
                   "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"]}}}),
        )
        .unwrap();
    let task = &run["tasks"][0];
    assert_eq!(task["launchType"], "FARGATE");
    assert_eq!(task["lastStatus"], "PROVISIONING");
    assert_eq!(task["platformVersion"], "1.4.0");
    assert_eq!(task["cpu"], "256");
    assert_eq!(task["memory"], "512");
    assert!(task.get("containerInstanceArn").is_none());
    let attachment = &task["attachments"][0];
    assert_eq!(attachment["type"], "ElasticNetworkInterface");
    assert_eq!(
        attachment["details"][0],
        json!({"name": "subnetId", "value": "subnet-1"})
    );
    let ip = attachment["details"][4]["value"].as_str().unwrap();
    assert!(ip.starts_with("10.0."), "{ip}");
    assert_eq!(
        task["containers"][0]["networkInterfaces"][0]["privateIpv4Address"],
        ip
    );

    // Only the Fargate capacity's agent may report on it; it was told to start the task.
    let (agent, _) = s.cp.poll_instruction().expect("a StartTask");
    assert_eq!(
        agent,
        "arn:aws:ecs:us-east-1:123456789012:capacity-provider/FARGATE"
    );
    let task_arn = task["taskArn"].as_str().unwrap().to_owned();
    let running = |status| TaskStateChange {
        task_arn: task_arn.clone(),
        status,
        pull_started_at: None,
        pull_stopped_at: None,
        containers: vec![ContainerStateChange {
            name: "app".into(),
            status,
            runtime_id: None,
            exit_code: None,
            reason: None,
            port_bindings: vec![],
            health_status: None,
            image_digest: None,
            restart_count: 0,
        }],
    };
    s.cp.handle_agent_event(
        s.now,
        "arn:aws:ecs:us-east-1:123456789012:container-instance/default/x",
        AgentEvent::TaskStateChange(running(Status::Running)),
    );
    assert_eq!(
        s.describe("default", &task_arn).last_status,
        TaskStatus::Provisioning
    );
    s.cp.handle_agent_event(
        s.now,
        &agent,
        AgentEvent::TaskStateChange(running(Status::Pending)),
    );
    assert_eq!(
        s.describe("default", &task_arn).last_status,
        TaskStatus::Pending
    );
    s.cp.handle_agent_event(
        s.now,
        &agent,
        AgentEvent::TaskStateChange(running(Status::Running)),
    );
    assert_eq!(
        s.describe("default", &task_arn).last_status,
        TaskStatus::Running
    );
    // StopTask goes to the same agent.
    s.cli("stop-task", json!({"task": task_arn})).unwrap();
    let (to, _) = s.cp.poll_instruction().expect("a StopTask");
    assert_eq!(to, agent);
}

#[test]
fn fargate_refusals() {
    let mut s = Session::new(22);
    s.cli("create-cluster", json!({})).unwrap();
    s.register_task_definition(FARGATE_TD, None);
    let net = json!({"awsvpcConfiguration": {"subnets": ["subnet-1"]}});
    assert_eq!(
        s.cli("run-task", json!({"taskDefinition": "sample-fargate", "launchType": "FARGATE",
                                 "networkConfiguration": net,
                                 "placementStrategy": [{"type": "random"}]}))
            .unwrap_err(),
        "InvalidParameterException: Task placement constraints and strategies are not supported for the Fargate launch type."
    );
    assert!(s
        .cli(
            "create-service",
            json!({"serviceName": "d", "taskDefinition": "sample-fargate",
                                       "launchType": "FARGATE", "schedulingStrategy": "DAEMON",
                                       "networkConfiguration": net})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
    assert!(s
        .cli(
            "run-task",
            json!({"taskDefinition": "sample-fargate", "launchType": "SPOT"})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: 1 validation error detected"));
}

/// A new network configuration is a new deployment; a new revision must suit Fargate.
#[test]
fn fargate_service_updates() {
    let mut s = Session::new(23);
    s.cli("create-cluster", json!({})).unwrap();
    s.register_task_definition(FARGATE_TD, None);
    s.register_task_definition(
        r#"{"family": "ec2", "containerDefinitions": [{"name": "a", "image": "b", "memory": 8}]}"#,
        None,
    );
    let created = s
        .cli(
            "create-service",
            json!({"serviceName": "f", "taskDefinition": "sample-fargate", "desiredCount": 1,
               "launchType": "FARGATE",
               "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"]}}}),
        )
        .unwrap();
    let first = created["service"]["deployments"][0]["id"].clone();
    let updated = s
        .cli(
            "update-service",
            json!({"service": "f",
                   "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-2"]}}}),
        )
        .unwrap();
    assert_ne!(
        updated["service"]["deployments"][0]["id"], first,
        "a new deployment"
    );
    assert_eq!(
        updated["service"]["deployments"][0]["networkConfiguration"]["awsvpcConfiguration"]
            ["subnets"][0],
        "subnet-2"
    );
    // No instances, but an active service: the cluster cannot be deleted.
    assert_eq!(
        s.cli("delete-cluster", json!({})).unwrap_err(),
        "ClusterContainsServicesException: The Cluster cannot be deleted while Services are active."
    );
    assert_eq!(
        s.cli(
            "update-service",
            json!({"service": "f", "taskDefinition": "ec2:1"})
        )
        .unwrap_err(),
        "InvalidParameterException: Task definition does not support launch_type FARGATE."
    );
}

/// FARGATE and FARGATE_SPOT capacity providers: a cluster's default strategy spreads a
/// RunTask's tasks, the base first, then by weight.
#[test]
fn capacity_provider_strategies() {
    let mut s = Session::new(24);
    s.cli("create-cluster", json!({})).unwrap();
    s.register_task_definition(FARGATE_TD, None);
    let providers = s.cli("describe-capacity-providers", json!({})).unwrap();
    assert_eq!(providers["capacityProviders"][0]["name"], "FARGATE");
    assert_eq!(
        providers["capacityProviders"][1]["capacityProviderArn"],
        "arn:aws:ecs:us-east-1:123456789012:capacity-provider/FARGATE_SPOT"
    );
    let net = json!({"awsvpcConfiguration": {"subnets": ["subnet-1"]}});
    assert!(s
        .cli("run-task", json!({"taskDefinition": "sample-fargate", "networkConfiguration": net,
                                 "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}]}))
        .unwrap_err()
        .contains("not associated with the cluster"));
    let cluster = s
        .cli(
            "put-cluster-capacity-providers",
            json!({"cluster": "default", "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
                   "defaultCapacityProviderStrategy": [
                       {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                       {"capacityProvider": "FARGATE_SPOT", "weight": 3}]}),
        )
        .unwrap();
    assert_eq!(
        cluster["cluster"]["capacityProviders"],
        json!(["FARGATE", "FARGATE_SPOT"])
    );
    let run = s
        .cli(
            "run-task",
            json!({"taskDefinition": "sample-fargate", "count": 5, "networkConfiguration": net}),
        )
        .unwrap();
    let names: Vec<&str> = run["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["capacityProviderName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.iter().filter(|n| **n == "FARGATE").count(),
        2,
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == "FARGATE_SPOT").count(),
        3,
        "{names:?}"
    );
    assert_eq!(names[0], "FARGATE", "the base first");
    assert!(run["tasks"][0]["launchType"] == "FARGATE");
    assert_eq!(
        s.cli(
            "run-task",
            json!({"taskDefinition": "sample-fargate", "launchType": "FARGATE", "networkConfiguration": net,
                   "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}]})
        )
        .unwrap_err(),
        "InvalidParameterException: Specify either Launch Type or Capacity Provider Strategy, but not both."
    );
    assert!(s
        .cli(
            "put-cluster-capacity-providers",
            json!({"cluster": "default", "capacityProviders": ["my-asg-provider"]})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
    // A service without a launch type follows the cluster's default strategy.
    let service = s
        .cli(
            "create-service",
            json!({"serviceName": "spot", "taskDefinition": "sample-fargate", "desiredCount": 5,
                   "networkConfiguration": net}),
        )
        .unwrap();
    assert!(service["service"].get("launchType").is_none());
    assert_eq!(
        service["service"]["capacityProviderStrategy"][1]["capacityProvider"],
        "FARGATE_SPOT"
    );
    let arns = s.list_tasks("default", None);
    let mut on = |provider: &str| {
        arns.iter()
            .map(|arn| s.describe("default", arn))
            .filter(|t| t.group == "service:spot")
            .filter(|t| t.capacity_provider_name.as_deref() == Some(provider))
            .count()
    };
    assert_eq!((on("FARGATE"), on("FARGATE_SPOT")), (2, 3));
}

/// A strategy's base applies to each deployment, and a provider a service runs on cannot be
/// taken off its cluster.
#[test]
fn strategy_base_per_deployment() {
    let mut s = Session::new(25);
    s.cli("create-cluster", json!({})).unwrap();
    s.register_task_definition(FARGATE_TD, None);
    s.register_task_definition(&FARGATE_TD.replace("httpd:2.4", "httpd:2.4.58"), None);
    s.cli(
        "put-cluster-capacity-providers",
        json!({"cluster": "default", "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
               "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]}),
    )
    .unwrap();
    let net = json!({"awsvpcConfiguration": {"subnets": ["subnet-1"]}});
    s.cli(
        "create-service",
        json!({"serviceName": "web", "taskDefinition": "sample-fargate:1", "desiredCount": 2,
               "networkConfiguration": net,
               "capacityProviderStrategy": [
                   {"capacityProvider": "FARGATE", "base": 2, "weight": 0},
                   {"capacityProvider": "FARGATE_SPOT", "weight": 1}]}),
    )
    .unwrap();
    let on_fargate = |s: &mut Session, revision: &str| {
        s.list_tasks("default", None)
            .iter()
            .map(|arn| s.describe("default", arn))
            .filter(|t| t.task_definition_arn.ends_with(revision))
            .filter(|t| t.capacity_provider_name.as_deref() == Some("FARGATE"))
            .count()
    };
    assert_eq!(on_fargate(&mut s, "sample-fargate:1"), 2);
    s.cli(
        "update-service",
        json!({"service": "web", "taskDefinition": "sample-fargate:2"}),
    )
    .unwrap();
    assert_eq!(on_fargate(&mut s, "sample-fargate:2"), 2, "the base again");
    assert!(s
        .cli(
            "put-cluster-capacity-providers",
            json!({"cluster": "default", "capacityProviders": ["FARGATE_SPOT"],
                   "defaultCapacityProviderStrategy": []}),
        )
        .unwrap_err()
        .starts_with("ResourceInUseException: "));
    assert!(s
        .cli(
            "put-cluster-capacity-providers",
            json!({"cluster": "default"})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
}

/// A Fargate task's state-change events name the ENI attachment `eni`, as EventBridge does.
#[test]
fn eni_attachments_in_events() {
    let mut s = Session::new(26);
    s.cli("create-cluster", json!({})).unwrap();
    s.register_task_definition(FARGATE_TD, None);
    s.log.clear();
    let run = s
        .cli(
            "run-task",
            json!({"taskDefinition": "sample-fargate", "launchType": "FARGATE",
                   "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"]}}}),
        )
        .unwrap();
    assert_eq!(
        run["tasks"][0]["attachments"][0]["type"],
        "ElasticNetworkInterface"
    );
    let event: serde_json::Value = serde_json::from_str(
        s.log
            .iter()
            .find(|e| e.contains("ECS Task State Change"))
            .expect("a task event"),
    )
    .unwrap();
    assert_eq!(event["detail"]["attachments"][0]["type"], "eni");
}

/// Stopping a deployment that only changed the network configuration rolls the network back.
#[test]
fn rollback_restores_the_network() {
    let mut s = Session::new(27);
    s.cli("create-cluster", json!({})).unwrap();
    s.register_task_definition(FARGATE_TD, None);
    s.cli(
        "create-service",
        json!({"serviceName": "f", "taskDefinition": "sample-fargate", "desiredCount": 1,
               "launchType": "FARGATE",
               "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-good"]}}}),
    )
    .unwrap();
    for _ in 0..3 {
        s.agents_obey();
        s.advance(30_000);
    }
    s.cli(
        "update-service",
        json!({"service": "f", "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-bad"]}}}),
    )
    .unwrap();
    let listed = s
        .cli("list-service-deployments", json!({"service": "f"}))
        .unwrap();
    let arn = listed["serviceDeployments"][0]["serviceDeploymentArn"].clone();
    s.cli(
        "stop-service-deployment",
        json!({"serviceDeploymentArn": arn}),
    )
    .unwrap();
    let service = s
        .cli("describe-services", json!({"services": ["f"]}))
        .unwrap();
    assert_eq!(
        service["services"][0]["deployments"][0]["networkConfiguration"]["awsvpcConfiguration"]
            ["subnets"][0],
        "subnet-good"
    );
}
