//! UpdateContainerAgent, ListServicesByNamespace and SubmitAttachmentStateChanges.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use berth_model::views::{Explanation, VerdictKind};
use common::Session;
use serde_json::json;

const SLEEP360: &str = r#"[{"name": "sleep", "image": "busybox", "cpu": 10, "command": ["sleep", "360"], "memory": 10, "essential": true}]"#;
const FARGATE_TD: &str = r#"{"family": "sample-fargate", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "app", "image": "httpd:2.4"}]}"#;

/// An old agent is updated in stages, each visible in the instance's document; once UPDATED
/// it reports the new version and has nothing more to update to.
#[test]
fn an_agent_update_goes_through_its_stages() {
    let mut s = Session::new(31);
    s.cli("create-cluster", json!({})).unwrap();
    let arn = s.register_instance("default", 2048, 3768);
    let status = |s: &mut Session| {
        let described = s
            .cli(
                "describe-container-instances",
                json!({"containerInstances": [arn]}),
            )
            .unwrap();
        let instance = &described["containerInstances"][0];
        (
            instance["agentUpdateStatus"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
            instance["versionInfo"]["agentVersion"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        )
    };
    let update = json!({"containerInstance": arn});
    let first = s.cli("update-container-agent", update.clone()).unwrap();
    assert_eq!(first["containerInstance"]["agentUpdateStatus"], "PENDING");
    assert_eq!(
        s.cli("update-container-agent", update.clone()).unwrap_err(),
        "UpdateInProgressException: There is already a current agent update in progress."
    );
    let mut seen = Vec::new();
    for _ in 0..4 {
        s.advance(5_000);
        seen.push(status(&mut s).0);
    }
    assert_eq!(seen, ["STAGING", "STAGED", "UPDATING", "UPDATED"]);
    assert_eq!(status(&mut s).1, berth_control_plane::LATEST_AGENT_VERSION);
    assert_eq!(
        s.cli("update-container-agent", update).unwrap_err(),
        "NoUpdateAvailableException: There is no update available for your container instance."
    );
    assert_eq!(
        s.cli(
            "update-container-agent",
            json!({"containerInstance": "nope"})
        )
        .unwrap_err(),
        "InvalidParameterException: Container instance nope not found."
    );
}

/// Services are found by their own namespace or their cluster's default one.
#[test]
fn services_by_namespace() {
    let mut s = Session::new(32);
    s.cli(
        "create-cluster",
        json!({"clusterName": "mesh", "serviceConnectDefaults": {"namespace": "internal"}}),
    )
    .unwrap();
    s.register_task_definition(SLEEP360, Some("sleep360"));
    for (name, config) in [
        ("a", json!({"enabled": true})),
        (
            "b",
            json!({"enabled": true, "namespace": "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-other"}),
        ),
        ("c", json!(null)),
    ] {
        let mut body = json!({"cluster": "mesh", "serviceName": name, "taskDefinition": "sleep360", "desiredCount": 0});
        if !config.is_null() {
            body["serviceConnectConfiguration"] = config;
        }
        s.cli("create-service", body).unwrap();
    }
    let names = |s: &mut Session, namespace: &str| -> Vec<String> {
        s.cli(
            "list-services-by-namespace",
            json!({"namespace": namespace}),
        )
        .unwrap()["serviceArns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().rsplit('/').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&mut s, "internal"), ["a"]);
    assert_eq!(names(&mut s, "ns-other"), ["b"]);
    assert_eq!(
        s.cli("describe-clusters", json!({"clusters": ["mesh"]}))
            .unwrap()["clusters"][0]["serviceConnectDefaults"],
        json!({"namespace": "internal"})
    );
    assert_eq!(
        s.cli(
            "list-services-by-namespace",
            json!({"namespace": "nowhere"})
        )
        .unwrap_err(),
        "NamespaceNotFoundException: The specified namespace wasn't found."
    );
}

/// An agent's attachment reports move the task's ENI attachment status.
#[test]
fn attachment_state_changes() {
    let mut s = Session::new(33);
    s.cli("create-cluster", json!({})).unwrap();
    s.register_task_definition(FARGATE_TD, None);
    let run = s
        .cli(
            "run-task",
            json!({"taskDefinition": "sample-fargate", "launchType": "FARGATE",
                   "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"]}}}),
        )
        .unwrap();
    let task = run["tasks"][0]["taskArn"].as_str().unwrap().to_owned();
    let id = run["tasks"][0]["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let arn = format!("arn:aws:ecs:us-east-1:123456789012:attachment/{id}");
    assert_eq!(
        s.cli(
            "submit-attachment-state-changes",
            json!({"attachments": [{"attachmentArn": arn, "status": "DETACHED"}]})
        )
        .unwrap(),
        json!({"acknowledgment": "ACK"})
    );
    let described = s.cli("describe-tasks", json!({"tasks": [task]})).unwrap();
    assert_eq!(
        described["tasks"][0]["attachments"][0]["status"],
        "DETACHED"
    );
    assert_eq!(
        s.cli(
            "submit-attachment-state-changes",
            json!({"attachments": [{"attachmentArn": "arn:aws:ecs:us-east-1:123456789012:attachment/x", "status": "ATTACHED"}]})
        )
        .unwrap_err(),
        "InvalidParameterException: Attachment arn:aws:ecs:us-east-1:123456789012:attachment/x not found."
    );
    assert!(s
        .cli(
            "submit-attachment-state-changes",
            json!({"attachments": [{"attachmentArn": arn, "status": "GONE"}]})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: 1 validation error detected: Value 'GONE'"));
}

/// Why here, why not there: with port 80 taken on both instances, the next task of the
/// service has nowhere to go, and each instance says why; a task needing no port goes to one.
#[test]
fn placement_explained_per_instance() {
    let mut s = Session::new(34);
    s.cli("create-cluster", json!({})).unwrap();
    let a = s.register_instance("default", 2048, 3768);
    let b = s.register_instance("default", 2048, 3768);
    s.register_task_definition(
        r#"[{"name": "web", "image": "httpd", "memory": 128, "portMappings": [{"containerPort": 80, "hostPort": 80}]}]"#,
        Some("web"),
    );
    s.cli(
        "create-service",
        json!({"serviceName": "web", "taskDefinition": "web", "desiredCount": 2}),
    )
    .unwrap();
    s.agents_obey();
    let explained = s.cp.explain_placement(None, Some("web"), None).unwrap();
    assert_eq!(explained.chosen, None);
    assert_eq!(explained.instances.len(), 2);
    for (row, arn) in explained.instances.iter().zip([&a, &b]) {
        assert_eq!(&row.container_instance_arn, arn);
        assert_eq!(row.verdict, VerdictKind::Exhausted);
        assert_eq!(row.reason, "RESOURCE:PORTS");
        assert_eq!(row.detail, "RESOURCE:PORTS (port 80 in use)");
    }
    assert!(explained
        .closest_match
        .as_deref()
        .unwrap()
        .ends_with("is already using a port required by your task."));
    // Asking changes nothing: the same answer twice, and the service still has two tasks.
    assert_eq!(
        s.cp.explain_placement(None, Some("web"), None).unwrap(),
        explained
    );
    s.register_task_definition(SLEEP360, Some("sleep360"));
    let free =
        s.cp.explain_placement(None, None, Some("sleep360"))
            .unwrap();
    let chosen = free.chosen.as_deref().unwrap();
    assert!(chosen == a || chosen == b);
    let chosen_rows = free
        .instances
        .iter()
        .filter(|r| r.verdict == VerdictKind::Chosen)
        .count();
    assert_eq!(chosen_rows, 1);
    assert_eq!(free.group, "family:sleep360");
    // The page reads what the server writes: the document survives the wire.
    let wire = serde_json::to_value(&free).unwrap();
    assert_eq!(Explanation::from_value(&wire).unwrap(), free);
    assert_eq!(
        s.cp.explain_placement(None, Some("nope"), None)
            .unwrap_err()
            .to_string(),
        "ServiceNotFoundException: Service not found."
    );
}

/// What the explainer predicts is where the task lands: RunTask's random placement and a
/// service's spread both draw from the control plane's generator, and the explanation draws
/// from a copy of it as it stands, so run after run (each moving the generator on) the
/// prediction and the placement agree.
#[test]
fn the_explanation_is_where_the_next_task_lands() {
    let mut s = Session::new(35);
    s.cli("create-cluster", json!({})).unwrap();
    for _ in 0..6 {
        s.register_instance("default", 4096, 7680);
    }
    s.register_task_definition(SLEEP360, Some("sleep360"));
    let landed = |response: &serde_json::Value| {
        response["tasks"][0]["containerInstanceArn"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..12 {
        let predicted =
            s.cp.explain_placement(None, None, Some("sleep360"))
                .unwrap()
                .chosen
                .unwrap();
        let run = s
            .cli("run-task", json!({"taskDefinition": "sleep360"}))
            .unwrap();
        assert_eq!(landed(&run), predicted);
        seen.insert(predicted);
    }
    // Random placement: the runs went to more than one instance.
    assert!(seen.len() > 1, "{seen:?}");
    s.agents_obey();
    s.cli(
        "create-service",
        json!({"serviceName": "svc", "taskDefinition": "sleep360", "desiredCount": 1}),
    )
    .unwrap();
    s.agents_obey();
    let tasks_of_svc = |s: &mut Session| -> Vec<(String, String)> {
        let listed = s.cli("list-tasks", json!({"serviceName": "svc"})).unwrap();
        let described = s
            .cli("describe-tasks", json!({"tasks": listed["taskArns"]}))
            .unwrap();
        described["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let field = |key: &str| t[key].as_str().unwrap().to_owned();
                (field("taskArn"), field("containerInstanceArn"))
            })
            .collect()
    };
    for desired in 2..6 {
        let predicted =
            s.cp.explain_placement(None, Some("svc"), None)
                .unwrap()
                .chosen
                .unwrap();
        let before = tasks_of_svc(&mut s);
        s.cli(
            "update-service",
            json!({"service": "svc", "desiredCount": desired}),
        )
        .unwrap();
        let started: Vec<(String, String)> = tasks_of_svc(&mut s)
            .into_iter()
            .filter(|task| !before.contains(task))
            .collect();
        assert_eq!(started.len(), 1);
        assert_eq!(started[0].1, predicted, "desired {desired}");
        s.agents_obey();
    }
}
