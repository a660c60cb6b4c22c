//! Task sets: a service with the EXTERNAL deployment controller runs what its task sets ask
//! for, each `ceil(desiredCount × scale%)` tasks of its own task definition.

mod common;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use common::Session;
use serde_json::{json, Value};

fn definition(image: &str) -> String {
    format!(r#"[{{"name": "web", "image": "{image}", "memory": 64, "essential": true}}]"#)
}

fn sets(s: &mut Session) -> Vec<Value> {
    s.cli("describe-task-sets", json!({"service": "blue-green"}))
        .unwrap()["taskSets"]
        .as_array()
        .unwrap()
        .clone()
}

/// Blue/green the way an external controller does it: a blue set at 100 %, a green one
/// started at 50 % beside it, green made PRIMARY and scaled to 100 %, blue deleted.
#[test]
fn an_external_blue_green_deployment() {
    let mut s = Session::new(41);
    s.cli("create-cluster", json!({})).unwrap();
    s.register_instance("default", 4096, 8000);
    s.register_task_definition(&definition("web:blue"), Some("web"));
    s.register_task_definition(&definition("web:green"), Some("web"));
    let service = s
        .cli(
            "create-service",
            json!({"serviceName": "blue-green", "desiredCount": 4,
                   "deploymentController": {"type": "EXTERNAL"}}),
        )
        .unwrap();
    assert_eq!(
        service["service"]["deploymentController"]["type"],
        "EXTERNAL"
    );
    assert_eq!(service["service"]["deployments"], json!([]));
    assert!(s.list_tasks("default", None).is_empty());

    let blue = s
        .cli(
            "create-task-set",
            json!({"service": "blue-green", "taskDefinition": "web:1", "externalId": "blue"}),
        )
        .unwrap()["taskSet"]
        .clone();
    assert_eq!(blue["status"], "ACTIVE");
    assert_eq!(blue["computedDesiredCount"], 4);
    assert_eq!(blue["scale"], json!({"value": 100.0, "unit": "PERCENT"}));
    assert!(blue["taskSetArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:ecs:us-east-1:123456789012:task-set/default/blue-green/ecs-svc/"));
    let blue_id = blue["id"].as_str().unwrap().to_owned();
    s.cli(
        "update-service-primary-task-set",
        json!({"service": "blue-green", "primaryTaskSet": blue_id}),
    )
    .unwrap();
    s.agents_obey();
    s.advance(1000);
    let now = sets(&mut s);
    assert_eq!(now[0]["runningCount"], 4);
    assert_eq!(now[0]["status"], "PRIMARY");
    assert_eq!(now[0]["stabilityStatus"], "STEADY_STATE");

    let green = s
        .cli(
            "create-task-set",
            json!({"service": "blue-green", "taskDefinition": "web:2",
                   "scale": {"value": 50, "unit": "PERCENT"}}),
        )
        .unwrap()["taskSet"]
        .clone();
    let green_id = green["id"].as_str().unwrap().to_owned();
    assert_eq!(green["computedDesiredCount"], 2);
    s.agents_obey();
    s.advance(1000);
    assert_eq!(s.list_tasks("default", None).len(), 6, "blue 4 + green 2");

    let primary = s
        .cli(
            "update-service-primary-task-set",
            json!({"service": "blue-green", "primaryTaskSet": green_id}),
        )
        .unwrap();
    assert_eq!(primary["taskSet"]["status"], "PRIMARY");
    s.cli(
        "update-task-set",
        json!({"service": "blue-green", "taskSet": green_id, "scale": {"value": 100, "unit": "PERCENT"}}),
    )
    .unwrap();
    assert_eq!(
        s.cli("delete-task-set", json!({"service": "blue-green", "taskSet": blue_id}))
            .unwrap_err(),
        "InvalidParameterException: The task set cannot be deleted because it has not been scaled down to zero. Use force to delete it anyway."
    );
    s.cli(
        "update-task-set",
        json!({"service": "blue-green", "taskSet": blue_id, "scale": {"value": 0, "unit": "PERCENT"}}),
    )
    .unwrap();
    let deleted = s
        .cli(
            "delete-task-set",
            json!({"service": "blue-green", "taskSet": blue_id}),
        )
        .unwrap();
    assert_eq!(deleted["taskSet"]["status"], "DRAINING");
    s.agents_obey();
    s.advance(1000);
    let now = sets(&mut s);
    assert_eq!(now.len(), 1, "the drained blue set is gone");
    assert_eq!(now[0]["id"], green_id.as_str());
    assert_eq!(now[0]["runningCount"], 4);
    let service = s
        .cli("describe-services", json!({"services": ["blue-green"]}))
        .unwrap()["services"][0]
        .clone();
    assert!(service["taskDefinition"]
        .as_str()
        .unwrap()
        .ends_with("web:2"));
    assert_eq!(service["runningCount"], 4);
    let events: Vec<&str> = service["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        events.iter().any(|e| e.starts_with(&format!(
            "(service blue-green, taskSet {green_id}) has started 2 tasks:"
        ))),
        "{events:?}"
    );
    assert!(events.contains(&"(service blue-green) has reached a steady state."));
}

#[test]
fn task_set_refusals() {
    let mut s = Session::new(42);
    s.cli("create-cluster", json!({})).unwrap();
    s.register_task_definition(&definition("web"), Some("web"));
    s.cli(
        "create-service",
        json!({"serviceName": "plain", "taskDefinition": "web", "desiredCount": 0}),
    )
    .unwrap();
    assert_eq!(
        s.cli("create-task-set", json!({"service": "plain", "taskDefinition": "web"}))
            .unwrap_err(),
        "InvalidParameterException: Task sets can only be created for services that use the EXTERNAL or CODE_DEPLOY deployment controller."
    );
    s.cli(
        "create-service",
        json!({"serviceName": "blue-green", "desiredCount": 1, "deploymentController": {"type": "EXTERNAL"}}),
    )
    .unwrap();
    assert_eq!(
        s.cli(
            "create-task-set",
            json!({"service": "blue-green", "taskDefinition": "web", "scale": {"value": 120, "unit": "PERCENT"}})
        )
        .unwrap_err(),
        "InvalidParameterException: Scale value must be between 0 and 100."
    );
    assert_eq!(
        s.cli("update-task-set", json!({"service": "blue-green", "taskSet": "ecs-svc/1", "scale": {"value": 10, "unit": "PERCENT"}}))
            .unwrap_err(),
        "TaskSetNotFoundException: The specified task set does not exist."
    );
    assert!(s
        .cli(
            "update-service",
            json!({"service": "blue-green", "taskDefinition": "web"})
        )
        .unwrap_err()
        .starts_with(
            "InvalidParameterException: A service using the EXTERNAL deployment controller"
        ));
    let missing = s
        .cli(
            "describe-task-sets",
            json!({"service": "blue-green", "taskSets": ["ecs-svc/9"]}),
        )
        .unwrap();
    assert_eq!(missing["failures"][0]["reason"], "MISSING");
    assert!(s
        .cli("create-service", json!({"serviceName": "cd", "taskDefinition": "web", "desiredCount": 1, "deploymentController": {"type": "CODE_DEPLOY"}}))
        .unwrap_err()
        .starts_with("UnsupportedFeatureException: "));
}
