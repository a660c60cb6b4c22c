//! ECS's documents as the requests that make them again: a registered task definition
//! (describe-task-definition's `taskDefinition`) as RegisterTaskDefinition input, without the
//! read-only members registration adds; a service (DescribeServices) as CreateService input.
//! The page's export (`aws ecs ... --cli-input-json`) and its share links use them, so which
//! members are read-only is said once, beside [`crate::register`], which sets them.

use serde_json::{json, Map, Value};

/// The members [`crate::register::register`] fills in, which RegisterTaskDefinition does not
/// take.
pub const READ_ONLY_MEMBERS: [&str; 9] = [
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "deleteRequestedAt",
];

/// A registered task definition as the RegisterTaskDefinition input that registers it again.
pub fn register_input(task_definition: &Value) -> Value {
    let mut input: Map<String, Value> = task_definition.as_object().cloned().unwrap_or_default();
    for key in READ_ONLY_MEMBERS {
        input.remove(key);
    }
    Value::Object(input)
}

/// A service (DescribeServices) as CreateService input: its cluster, name, task definition
/// family (so it takes the revision a register of the family makes), count or DAEMON, launch
/// type or capacity providers, network, load balancers, placement, AZ rebalancing, deployment
/// configuration and an EXTERNAL deployment controller.
pub fn create_service_input(service: &Value) -> Value {
    let mut input = Map::new();
    let family = service["taskDefinition"]
        .as_str()
        .and_then(|arn| arn.rsplit('/').next())
        .and_then(|rev| rev.split(':').next())
        .unwrap_or_default();
    let cluster = service["clusterArn"]
        .as_str()
        .and_then(|arn| arn.rsplit('/').next())
        .unwrap_or("default");
    input.insert("cluster".into(), json!(cluster));
    input.insert("serviceName".into(), service["serviceName"].clone());
    if !family.is_empty() {
        input.insert("taskDefinition".into(), json!(family));
    }
    if service["schedulingStrategy"] == "DAEMON" {
        input.insert("schedulingStrategy".into(), json!("DAEMON"));
    } else {
        input.insert("desiredCount".into(), service["desiredCount"].clone());
    }
    for key in [
        "launchType",
        "capacityProviderStrategy",
        "platformVersion",
        "networkConfiguration",
        "healthCheckGracePeriodSeconds",
        "loadBalancers",
        "availabilityZoneRebalancing",
    ] {
        let value = &service[key];
        let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
        if !empty {
            input.insert(key.into(), value.clone());
        }
    }
    for key in ["placementConstraints", "placementStrategy"] {
        if service[key].as_array().is_some_and(|a| !a.is_empty()) {
            input.insert(key.into(), service[key].clone());
        }
    }
    input.insert(
        "deploymentConfiguration".into(),
        service["deploymentConfiguration"].clone(),
    );
    if service["deploymentController"]["type"] == "EXTERNAL" {
        input.insert(
            "deploymentController".into(),
            service["deploymentController"].clone(),
        );
    }
    Value::Object(input)
}

/// An operation's name from the AWS CLI's (`create-target-group` → `CreateTargetGroup`); a
/// name without hyphens is taken as it is.
pub fn operation_name(cli: &str) -> String {
    if !cli.contains('-') {
        return cli.to_owned();
    }
    cli.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::{check_text, Outcome, RegistrationContext};
    use crate::{ArnScope, SimTime};

    fn registered(text: &str, revision: u32) -> Value {
        let context = RegistrationContext {
            scope: ArnScope {
                region: "us-east-1".into(),
                account_id: "123456789012".into(),
            },
            revision,
            now: SimTime(5_000),
        };
        match check_text(text, None, &context) {
            Outcome::Registered {
                task_definition, ..
            } => serde_json::to_value(&*task_definition).unwrap(),
            other => panic!("not registered: {other:?}"),
        }
    }

    /// The input registers to the same document (but for its revision and time): every member
    /// left out is one registration makes, and none it takes is lost.
    #[test]
    fn a_registered_definition_registers_again_from_its_input() {
        let first = registered(
            r#"{"family": "web", "cpu": "256", "memory": "512", "containerDefinitions": [
                {"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80}]}]}"#,
            1,
        );
        for member in READ_ONLY_MEMBERS {
            let set = first.get(member).is_some();
            let cleared = ["deregisteredAt", "deleteRequestedAt"].contains(&member);
            assert!(set || cleared, "{member} is not a member registration sets");
        }
        let input = register_input(&first);
        let again = registered(&input.to_string(), 1);
        assert_eq!(again, first);
    }

    /// An EFS volume registered without a root directory comes back with "/", as ECS stores
    /// it; one with its own keeps it.
    #[test]
    fn an_efs_volume_mounts_the_root_unless_told() {
        let td = registered(
            r#"{"family": "files", "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 64}],
                "volumes": [{"name": "a", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}},
                            {"name": "b", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "rootDirectory": "/data"}},
                            {"name": "c"}]}"#,
            1,
        );
        assert_eq!(
            td["volumes"][0]["efsVolumeConfiguration"]["rootDirectory"],
            "/"
        );
        assert_eq!(
            td["volumes"][1]["efsVolumeConfiguration"]["rootDirectory"],
            "/data"
        );
        assert!(td["volumes"][2].get("efsVolumeConfiguration").is_none());
    }
}
