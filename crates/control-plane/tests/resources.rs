//! The operations around the core: UpdateCluster, attributes, tags and DeleteTaskDefinitions,
//! driven by operation name and `--cli-input-json` body as the AWS CLI sends them.
//! Runs natively and in headless Chromium.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;

use common::Session;
use serde_json::json;

const WEB: &str =
    r#"[{"name": "web", "image": "nginx", "cpu": 128, "memory": 128, "essential": true}]"#;

fn session_with_instances(n: usize) -> (Session, Vec<String>) {
    let mut s = Session::new(7);
    s.cli("create-cluster", json!({})).unwrap();
    let arns = (0..n)
        .map(|_| s.register_instance("default", 1024, 2048))
        .collect();
    (s, arns)
}

/// UpdateCluster and UpdateClusterSettings merge settings by name and refuse unknown ones.
#[test]
fn update_cluster_settings() {
    let (mut s, _) = session_with_instances(0);
    let updated = s
        .cli(
            "update-cluster",
            json!({"cluster": "default", "settings": [{"name": "containerInsights", "value": "enabled"}],
                   "configuration": {"executeCommandConfiguration": {"logging": "DEFAULT"}}}),
        )
        .unwrap();
    assert_eq!(
        updated["cluster"]["settings"],
        json!([{"name": "containerInsights", "value": "enabled"}])
    );
    assert_eq!(
        updated["cluster"]["configuration"]["executeCommandConfiguration"]["logging"],
        "DEFAULT"
    );
    let described = s
        .cli("describe-clusters", json!({"include": ["SETTINGS"]}))
        .unwrap();
    assert_eq!(
        described["clusters"][0]["settings"][0]["value"], "enabled",
        "the setting is kept"
    );
    let again = s
        .cli(
            "UpdateClusterSettings",
            json!({"cluster": "default", "settings": [{"name": "containerInsights", "value": "disabled"}]}),
        )
        .unwrap();
    assert_eq!(again["cluster"]["settings"].as_array().unwrap().len(), 1);
    let refused = s
        .cli(
            "update-cluster",
            json!({"cluster": "default", "settings": [{"name": "nope", "value": "enabled"}]}),
        )
        .unwrap_err();
    assert!(
        refused.starts_with("InvalidParameterException: "),
        "{refused}"
    );
    assert_eq!(
        s.cli("update-cluster", json!({"cluster": "missing"}))
            .unwrap_err(),
        "ClusterNotFoundException: Cluster not found."
    );
}

/// Custom attributes: put, matched by placement constraints and ListContainerInstances
/// filters, listed, limited to 10 per resource, deleted.
#[test]
fn attributes() {
    let (mut s, instances) = session_with_instances(2);
    let put = s
        .cli(
            "put-attributes",
            json!({"attributes": [{"name": "stack", "value": "prod", "targetId": instances[1]}]}),
        )
        .unwrap();
    assert_eq!(put["attributes"][0]["name"], "stack");
    let filtered = s
        .cli(
            "list-container-instances",
            json!({"filter": "attribute:stack == prod"}),
        )
        .unwrap();
    assert_eq!(filtered["containerInstanceArns"], json!([instances[1]]));

    // Placement sees the attribute at once.
    s.register_task_definition(WEB, Some("web"));
    let run = s
        .cli(
            "run-task",
            json!({"taskDefinition": "web", "count": 4,
                   "placementConstraints": [{"type": "memberOf", "expression": "attribute:stack == prod"}]}),
        )
        .unwrap();
    let tasks = run["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 4);
    assert!(tasks
        .iter()
        .all(|t| t["containerInstanceArn"] == instances[1]));

    let listed = s
        .cli(
            "list-attributes",
            json!({"targetType": "container-instance", "attributeName": "stack"}),
        )
        .unwrap();
    assert_eq!(
        listed["attributes"],
        json!([{"name": "stack", "value": "prod", "targetType": "container-instance", "targetId": instances[1]}])
    );
    let built_in = s
        .cli(
            "list-attributes",
            json!({"targetType": "container-instance", "attributeName": "ecs.availability-zone"}),
        )
        .unwrap();
    assert_eq!(built_in["attributes"].as_array().unwrap().len(), 2);

    // A short id needs targetType; an unknown target is TargetNotFoundException.
    let id = instances[0].rsplit('/').next().unwrap();
    assert!(s
        .cli(
            "put-attributes",
            json!({"attributes": [{"name": "a", "targetId": id}]})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
    s.cli(
        "put-attributes",
        json!({"attributes": [{"name": "a", "targetId": id, "targetType": "container-instance"}]}),
    )
    .unwrap();
    assert_eq!(
        s.cli(
            "put-attributes",
            json!({"attributes": [{"name": "a", "targetId": "0123456789abcdef0123456789abcdef", "targetType": "container-instance"}]}),
        )
        .unwrap_err(),
        "TargetNotFoundException: Could not find 0123456789abcdef0123456789abcdef"
    );

    // Ten custom attributes per resource; the refused call changes nothing.
    let ten: Vec<_> = (0..10)
        .map(|i| json!({"name": format!("k{i}"), "value": "v", "targetId": instances[1]}))
        .collect();
    let refused = s
        .cli("put-attributes", json!({"attributes": ten}))
        .unwrap_err();
    assert!(
        refused.starts_with("AttributeLimitExceededException: "),
        "{refused}"
    );
    let custom = s
        .cli(
            "list-attributes",
            json!({"targetType": "container-instance", "attributeName": "k0"}),
        )
        .unwrap();
    assert_eq!(custom["attributes"], json!([]));
    assert!(s
        .cli(
            "put-attributes",
            json!({"attributes": [{"name": "bad name", "targetId": instances[1]}]})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));

    s.cli(
        "delete-attributes",
        json!({"attributes": [{"name": "stack", "targetId": instances[1]}]}),
    )
    .unwrap();
    let filtered = s
        .cli(
            "list-container-instances",
            json!({"filter": "attribute:stack == prod"}),
        )
        .unwrap();
    assert_eq!(filtered["containerInstanceArns"], json!([]));
    assert!(s
        .cli("list-attributes", json!({}))
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
}

/// Tags on every taggable resource, by ARN; unknown resources and reserved keys refused.
#[test]
fn tags() {
    let (mut s, instances) = session_with_instances(1);
    let td = s.register_task_definition(WEB, Some("web"));
    let td_arn = td["taskDefinition"]["taskDefinitionArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let task_arn = s.run("default", "web", 1)["tasks"][0]["taskArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let service = s
        .cli(
            "create-service",
            json!({"serviceName": "site", "taskDefinition": "web", "desiredCount": 1}),
        )
        .unwrap();
    let service_arn = service["service"]["serviceArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let cluster_arn = s.cli("describe-clusters", json!({})).unwrap()["clusters"][0]["clusterArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let provider_arn = s
        .cli(
            "create-capacity-provider",
            json!({"name": "cp", "autoScalingGroupProvider": {"autoScalingGroupArn":
                "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f3c7e2a-1111-2222-3333-444455556666:autoScalingGroupName/asg"}}),
        )
        .unwrap()["capacityProvider"]["capacityProviderArn"]
        .as_str()
        .unwrap()
        .to_owned();
    for arn in [
        &cluster_arn,
        &instances[0],
        &td_arn,
        &task_arn,
        &service_arn,
        &provider_arn,
    ] {
        let tagged = s
            .cli(
                "tag-resource",
                json!({"resourceArn": arn, "tags": [{"key": "team", "value": "a"}, {"key": "env", "value": "dev"}]}),
            )
            .unwrap();
        assert_eq!(tagged, json!({}));
        s.cli(
            "tag-resource",
            json!({"resourceArn": arn, "tags": [{"key": "team", "value": "b"}]}),
        )
        .unwrap();
        s.cli(
            "untag-resource",
            json!({"resourceArn": arn, "tagKeys": ["env"]}),
        )
        .unwrap();
        let listed = s
            .cli("list-tags-for-resource", json!({"resourceArn": arn}))
            .unwrap();
        assert_eq!(
            listed,
            json!({"tags": [{"key": "team", "value": "b"}]}),
            "{arn}"
        );
    }
    // The tags show where the resources are described with TAGS.
    let described = s
        .cli(
            "describe-services",
            json!({"services": ["site"], "include": ["TAGS"]}),
        )
        .unwrap();
    assert_eq!(described["services"][0]["tags"][0]["value"], "b");
    let providers = s
        .cli(
            "describe-capacity-providers",
            json!({"capacityProviders": ["cp"], "include": ["TAGS"]}),
        )
        .unwrap();
    assert_eq!(
        providers["capacityProviders"][0]["tags"],
        json!([{"key": "team", "value": "b"}])
    );

    let missing = cluster_arn.replace("cluster/default", "cluster/nope");
    assert!(s
        .cli("list-tags-for-resource", json!({"resourceArn": missing}))
        .unwrap_err()
        .starts_with("ResourceNotFoundException: "));
    assert!(s
        .cli(
            "list-tags-for-resource",
            json!({"resourceArn": "not-an-arn"})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
    assert!(s
        .cli(
            "tag-resource",
            json!({"resourceArn": cluster_arn, "tags": [{"key": "aws:owner", "value": "x"}]}),
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
    let fifty_one: Vec<_> = (0..51)
        .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
        .collect();
    assert_eq!(
        s.cli(
            "tag-resource",
            json!({"resourceArn": cluster_arn, "tags": fifty_one}),
        )
        .unwrap_err(),
        "InvalidParameterException: Too many tags. The maximum is 50."
    );
}

/// DeleteTaskDefinitions: only INACTIVE revisions; they stay DELETE_IN_PROGRESS while a task
/// still refers to them and are gone once none does. Revision numbers are never reused.
#[test]
fn delete_task_definitions() {
    let (mut s, _) = session_with_instances(1);
    s.register_task_definition(WEB, Some("web"));
    s.run("default", "web:1", 1);
    s.agents_obey();
    let refused = s
        .cli(
            "delete-task-definitions",
            json!({"taskDefinitions": ["web:1"]}),
        )
        .unwrap();
    assert_eq!(refused["taskDefinitions"], json!([]));
    assert_eq!(refused["failures"][0]["arn"], "web:1");
    s.cli(
        "deregister-task-definition",
        json!({"taskDefinition": "web:1"}),
    )
    .unwrap();
    let deleted = s
        .cli(
            "delete-task-definitions",
            json!({"taskDefinitions": ["web:1", "web:9"]}),
        )
        .unwrap();
    assert_eq!(
        deleted["taskDefinitions"][0]["status"],
        "DELETE_IN_PROGRESS"
    );
    assert!(deleted["taskDefinitions"][0]["deleteRequestedAt"].is_number());
    assert_eq!(deleted["failures"][0]["arn"], "web:9");
    assert_eq!(
        deleted["failures"][0]["reason"],
        "The specified task definition does not exist. Specify a valid account, family, revision and try again."
    );
    // Its task still runs: the revision is still there.
    let described = s
        .cli(
            "describe-task-definition",
            json!({"taskDefinition": "web:1"}),
        )
        .unwrap();
    assert_eq!(described["taskDefinition"]["status"], "DELETE_IN_PROGRESS");
    let listed = s
        .cli(
            "list-task-definitions",
            json!({"status": "DELETE_IN_PROGRESS"}),
        )
        .unwrap();
    assert_eq!(listed["taskDefinitionArns"].as_array().unwrap().len(), 1);

    // Stop the task; an hour later the STOPPED task is gone, and with it the revision.
    let task = s.list_tasks("default", None)[0].clone();
    s.cli("stop-task", json!({"task": task})).unwrap();
    s.agents_obey();
    s.advance(60 * 60 * 1000 + 1);
    assert_eq!(
        s.cli(
            "describe-task-definition",
            json!({"taskDefinition": "web:1"})
        )
        .unwrap_err(),
        "ClientException: Unable to describe task definition."
    );
    let next = s.register_task_definition(WEB, Some("web"));
    assert_eq!(next["taskDefinition"]["revision"], 2);
    assert!(s
        .cli("delete-task-definitions", json!({"taskDefinitions": []}))
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
}

/// ListTaskDefinitions' familyPrefix is the full family name, not a prefix.
#[test]
fn list_task_definitions_family() {
    let (mut s, _) = session_with_instances(0);
    s.register_task_definition(WEB, Some("web"));
    s.register_task_definition(WEB, Some("website"));
    let listed = s
        .cli("list-task-definitions", json!({"familyPrefix": "web"}))
        .unwrap();
    assert_eq!(listed["taskDefinitionArns"].as_array().unwrap().len(), 1);
    let families = s
        .cli(
            "list-task-definition-families",
            json!({"familyPrefix": "web"}),
        )
        .unwrap();
    assert_eq!(families["families"], json!(["web", "website"]));
}

/// Account settings: own values, the account default, AWS's default; containerInsights
/// becomes the default of new clusters; the long ARN formats cannot be turned off.
#[test]
fn account_settings() {
    let (mut s, _) = session_with_instances(0);
    let effective = |s: &mut Session| {
        s.cli(
            "list-account-settings",
            json!({"name": "containerInsights", "effectiveSettings": true}),
        )
        .unwrap()["settings"][0]["value"]
            .clone()
    };
    assert_eq!(effective(&mut s), "disabled");
    s.cli(
        "put-account-setting-default",
        json!({"name": "containerInsights", "value": "enabled"}),
    )
    .unwrap();
    assert_eq!(effective(&mut s), "enabled");
    let own = s
        .cli(
            "put-account-setting",
            json!({"name": "containerInsights", "value": "enhanced"}),
        )
        .unwrap();
    assert_eq!(
        own["setting"],
        json!({"name": "containerInsights", "value": "enhanced",
               "principalArn": "arn:aws:iam::123456789012:root", "type": "user"})
    );
    assert_eq!(effective(&mut s), "enhanced");
    let cluster = s
        .cli("create-cluster", json!({"clusterName": "insights"}))
        .unwrap();
    assert_eq!(
        cluster["cluster"]["settings"],
        json!([{"name": "containerInsights", "value": "enhanced"}])
    );
    let listed = s.cli("list-account-settings", json!({})).unwrap();
    assert_eq!(
        listed["settings"].as_array().unwrap().len(),
        1,
        "only own ones"
    );
    let all = s
        .cli(
            "list-account-settings",
            json!({"effectiveSettings": true, "maxResults": 10}),
        )
        .unwrap();
    assert_eq!(all["settings"].as_array().unwrap().len(), 10);
    assert!(all["nextToken"].is_string(), "11 settings, pages of 10");
    s.cli(
        "delete-account-setting",
        json!({"name": "containerInsights"}),
    )
    .unwrap();
    assert_eq!(effective(&mut s), "enabled", "back to the account default");
    assert!(s
        .cli(
            "put-account-setting",
            json!({"name": "nope", "value": "enabled"})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: 1 validation error detected"));
    assert!(s
        .cli(
            "put-account-setting",
            json!({"name": "containerInsights", "value": "maybe"})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: 1 validation error detected"));
    assert!(s
        .cli(
            "put-account-setting",
            json!({"name": "taskLongArnFormat", "value": "disabled"}),
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
}

/// An agent's reports through the API take the same path as over agent-protocol.
#[test]
fn submitted_state_changes() {
    let (mut s, _) = session_with_instances(1);
    s.register_task_definition(WEB, Some("web"));
    let task = s.run("default", "web", 1)["tasks"][0]["taskArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let ack = s
        .cli(
            "submit-task-state-change",
            json!({"task": task, "status": "RUNNING", "pullStartedAt": 1415836800,
                   "containers": [{"containerName": "web", "status": "RUNNING", "runtimeId": "abc",
                                   "networkBindings": [{"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 32768}]}]}),
        )
        .unwrap();
    assert_eq!(ack, json!({"acknowledgment": "ACK"}));
    let described = s.describe("default", &task);
    assert_eq!(described.last_status.as_str(), "RUNNING");
    assert_eq!(described.containers[0].network_bindings[0].host_port, 32768);
    s.cli(
        "submit-container-state-change",
        json!({"task": task, "containerName": "web", "status": "STOPPED", "exitCode": 1}),
    )
    .unwrap();
    let described = s.describe("default", &task);
    assert_eq!(
        described.desired_status.as_str(),
        "STOPPED",
        "the essential container exited"
    );
    assert_eq!(described.containers[0].exit_code, Some(1));
    assert!(s
        .cli(
            "submit-task-state-change",
            json!({"task": task, "status": "SLEEPING"})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
    assert!(s
        .cli(
            "submit-task-state-change",
            json!({"task": "0123456789abcdef0123456789abcdef", "status": "RUNNING"})
        )
        .unwrap_err()
        .starts_with("InvalidParameterException: "));
}

/// Where ECS's answers were checked against its reference and real outputs: families are
/// listed ACTIVE and INACTIVE unless a status is given ("By default, both ACTIVE and INACTIVE
/// task definition families are listed"), a missing service's failure names it without its
/// cluster, and a list filter outside its enum is refused rather than answered with nothing.
#[test]
fn list_filters_and_missing_services_answer_as_ecs_does() {
    let (mut s, _) = session_with_instances(0);
    s.register_task_definition(WEB, Some("web"));
    s.register_task_definition(WEB, Some("gone"));
    s.cli(
        "deregister-task-definition",
        json!({"taskDefinition": "gone:1"}),
    )
    .unwrap();
    let families = |s: &mut Session, body| {
        s.cli("list-task-definition-families", body).unwrap()["families"].clone()
    };
    assert_eq!(families(&mut s, json!({})), json!(["gone", "web"]));
    assert_eq!(
        families(&mut s, json!({"status": "ALL"})),
        json!(["gone", "web"])
    );
    assert_eq!(
        families(&mut s, json!({"status": "ACTIVE"})),
        json!(["web"])
    );
    assert_eq!(
        families(&mut s, json!({"status": "INACTIVE"})),
        json!(["gone"])
    );

    let cluster_arn = s.cli("describe-clusters", json!({})).unwrap()["clusters"][0]["clusterArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let described = s
        .cli("describe-services", json!({"services": ["nope"]}))
        .unwrap();
    assert_eq!(
        described["failures"],
        json!([{"arn": cluster_arn.replace("cluster/default", "service/nope"), "reason": "MISSING"}])
    );

    for (operation, body, member) in [
        ("list-tasks", json!({"launchType": "EC3"}), "launchType"),
        (
            "list-services",
            json!({"launchType": "fargate"}),
            "launchType",
        ),
        (
            "list-services",
            json!({"schedulingStrategy": "ALL"}),
            "schedulingStrategy",
        ),
        (
            "list-container-instances",
            json!({"status": "INACTIVE"}),
            "status",
        ),
        ("list-task-definitions", json!({"status": "GONE"}), "status"),
        ("list-task-definitions", json!({"sort": "UP"}), "sort"),
        (
            "list-task-definition-families",
            json!({"status": "DELETE_IN_PROGRESS"}),
            "status",
        ),
    ] {
        let error = s.cli(operation, body).unwrap_err();
        assert!(
            error.starts_with("InvalidParameterException: 1 validation error detected: Value '")
                && error.contains(&format!("' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [")),
            "{operation}: {error}"
        );
    }
    // A structure given as a scalar is a wrong type, refused before anything is stored.
    for (operation, body) in [
        (
            "create-cluster",
            json!({"clusterName": "x", "configuration": "str"}),
        ),
        (
            "update-cluster",
            json!({"cluster": "default", "serviceConnectDefaults": 7}),
        ),
        (
            "run-task",
            json!({"taskDefinition": "web", "networkConfiguration": ["awsvpc"]}),
        ),
        (
            "create-service",
            json!({"serviceName": "s", "taskDefinition": "web", "deploymentController": "ECS"}),
        ),
    ] {
        let error = s.cli(operation, body).unwrap_err();
        assert!(
            error.starts_with("SerializationException: invalid type: ")
                && error.contains("expected a structure"),
            "{operation}: {error}"
        );
    }
    assert_eq!(
        s.cli("list-clusters", json!({})).unwrap()["clusterArns"],
        json!([cluster_arn])
    );
    // Values inside the enums still list.
    s.cli("list-tasks", json!({"launchType": "MANAGED_INSTANCES"}))
        .unwrap();
    s.cli("list-services", json!({"schedulingStrategy": "DAEMON"}))
        .unwrap();
    s.cli(
        "list-container-instances",
        json!({"status": "REGISTRATION_FAILED"}),
    )
    .unwrap();
}
