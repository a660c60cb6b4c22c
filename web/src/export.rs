//! What was built, as `aws ecs` commands ready for real ECS: each task definition family's
//! latest revision as a `register-task-definition --cli-input-json` (the read-only members
//! describe-task-definition adds are left out), the cluster, and each ACTIVE service as a
//! `create-service --cli-input-json` naming its family (so it takes the revision the
//! register command makes). Pure, so it is tested natively.

use berth_model::inputs::{create_service_input, register_input};
use serde_json::{json, Value};

/// A shell word: JSON inside single quotes (a quote inside is closed, escaped and reopened).
fn quoted(value: &Value) -> String {
    format!("'{}'", value.to_string().replace('\'', "'\\''"))
}

/// The commands that build `cluster`'s task definitions and ACTIVE services on real ECS.
pub fn commands(cluster: &str, task_definitions: &[Value], services: &[Value]) -> String {
    let mut out = String::from(
        "# Made by the Berth playground: run with the AWS CLI against a real account.\n# Task definitions (the latest revision of each family)\n",
    );
    for td in task_definitions {
        out.push_str(&format!(
            "aws ecs register-task-definition --cli-input-json {}\n",
            quoted(&register_input(td))
        ));
    }
    out.push_str(&format!(
        "# The cluster\naws ecs create-cluster --cluster-name {cluster}\n# Services\n"
    ));
    for service in services.iter().filter(|s| s["status"] == "ACTIVE") {
        out.push_str(&format!(
            "aws ecs create-service --cli-input-json {}\n",
            quoted(&create_service_input(service))
        ));
    }
    out
}

/// What a share link carries: the ECS calls that rebuild `cluster` on another Berth — its
/// task definitions, the cluster, instances of the same sizes, types and zones, and its ACTIVE
/// services — as `{"cluster", "calls": [[operation, body], ...]}`.
pub fn session(
    cluster: &str,
    task_definitions: &[Value],
    instances: &[Value],
    services: &[Value],
) -> Value {
    let mut calls: Vec<Value> = task_definitions
        .iter()
        .map(|td| json!(["RegisterTaskDefinition", register_input(td)]))
        .collect();
    calls.push(json!(["CreateCluster", {"clusterName": cluster}]));
    for instance in instances.iter().filter(|i| i["status"] != "INACTIVE") {
        let resource = |name: &str| {
            instance["registeredResources"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["name"] == name)
                .map_or(Value::Null, |r| r["integerValue"].clone())
        };
        let attribute = |name: &str| {
            instance["attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["name"] == name)
                .map_or(Value::Null, |a| a["value"].clone())
        };
        let identity = json!({"instanceType": attribute("ecs.instance-type"),
                              "availabilityZone": attribute("ecs.availability-zone")});
        calls.push(json!(["RegisterContainerInstance", {
            "cluster": cluster,
            "instanceIdentityDocument": identity.to_string(),
            "totalResources": [
                {"name": "CPU", "type": "INTEGER", "integerValue": resource("CPU")},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": resource("MEMORY")}],
        }]));
    }
    for service in services.iter().filter(|s| s["status"] == "ACTIVE") {
        calls.push(json!(["CreateService", create_service_input(service)]));
    }
    json!({"cluster": cluster, "calls": calls})
}

/// The calls of a shared session: `(operation, body)`, in order; none if it is not one.
pub fn session_calls(session: &Value) -> Vec<(String, Value)> {
    session["calls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|call| Some((call[0].as_str()?.to_owned(), call[1].clone())))
        .filter(|(operation, _)| {
            [
                "RegisterTaskDefinition",
                "CreateCluster",
                "RegisterContainerInstance",
                "CreateService",
            ]
            .contains(&operation.as_str())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_rebuilds_the_cluster_elsewhere() {
        let td = json!({"family": "web", "revision": 2, "status": "ACTIVE",
                        "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 64}]});
        let instance = json!({"status": "ACTIVE",
            "registeredResources": [{"name": "CPU", "integerValue": 2048}, {"name": "MEMORY", "integerValue": 3904}],
            "attributes": [{"name": "ecs.instance-type", "value": "t3.medium"},
                           {"name": "ecs.availability-zone", "value": "us-east-1b"}]});
        let service = json!({"serviceName": "web", "status": "ACTIVE", "desiredCount": 1,
            "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/demo",
            "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/web:2",
            "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100}});
        let shared = session("demo", &[td], &[instance], &[service]);
        // A link carries it as text: it must come back the same.
        let back: Value = serde_json::from_str(&shared.to_string()).unwrap();
        let calls = session_calls(&back);
        let operations: Vec<&str> = calls.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(
            operations,
            [
                "RegisterTaskDefinition",
                "CreateCluster",
                "RegisterContainerInstance",
                "CreateService"
            ]
        );
        assert_eq!(
            calls[0].1,
            json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 64}]})
        );
        assert_eq!(calls[2].1["totalResources"][1]["integerValue"], 3904);
        assert!(calls[2].1["instanceIdentityDocument"]
            .as_str()
            .unwrap()
            .contains("us-east-1b"));
        assert_eq!(calls[3].1["cluster"], "demo");
        // Nothing but those four operations is ever replayed from a link.
        let hostile =
            json!({"calls": [["DeleteCluster", {"cluster": "default"}], ["CreateCluster", {}]]});
        assert_eq!(session_calls(&hostile).len(), 1);
    }

    #[test]
    fn commands_for_real_ecs() {
        let td = json!({
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/web:3", "revision": 3,
            "family": "web", "status": "ACTIVE", "compatibilities": ["EC2"],
            "requiresAttributes": [], "registeredAt": 1.0, "registeredBy": "me",
            "containerDefinitions": [{"name": "web", "image": "httpd:2.4", "memory": 128,
                "command": ["sh", "-c", "echo it's up"]}],
        });
        let service = json!({
            "serviceName": "web", "status": "ACTIVE", "desiredCount": 2,
            "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/default",
            "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/web:3",
            "launchType": "EC2", "placementConstraints": [], "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
            "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100},
            "schedulingStrategy": "REPLICA", "deploymentController": {"type": "ECS"},
        });
        let inactive = json!({"serviceName": "old", "status": "INACTIVE"});
        let text = commands(
            "default",
            std::slice::from_ref(&td),
            &[service.clone(), inactive],
        );
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("aws ")).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            register_input(&td),
            json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "httpd:2.4", "memory": 128,
                "command": ["sh", "-c", "echo it's up"]}]})
        );
        // The quote in the command survives the shell.
        assert!(lines[0].contains(r#"echo it'\''s up"#), "{}", lines[0]);
        assert_eq!(lines[1], "aws ecs create-cluster --cluster-name default");
        assert_eq!(
            create_service_input(&service),
            json!({"cluster": "default", "serviceName": "web", "taskDefinition": "web", "desiredCount": 2,
                   "launchType": "EC2", "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
                   "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100}})
        );
    }
}
