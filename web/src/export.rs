//! What was built, as `aws` commands ready for real ECS: each task definition family's
//! latest revision as a `register-task-definition --cli-input-json` (the read-only members
//! describe-task-definition adds are left out), the cluster, the load balancing its services
//! use (target groups, load balancers, listeners, rules: `aws elbv2`, each new ARN kept in a
//! shell variable for the commands after it), and each ACTIVE service as a `create-service
//! --cli-input-json` naming its family (so it takes the revision the register command makes).
//! A share link carries the same as calls another Berth makes. Pure, so it is tested natively.

use berth_model::inputs::{create_service_input, register_input};
use serde_json::{json, Value};

use crate::calls::Call;

/// The ELB actions a share link may make: it builds, it never deletes.
const LINK_ELB_ACTIONS: &[&str] = &[
    "CreateTargetGroup",
    "ModifyTargetGroupAttributes",
    "CreateLoadBalancer",
    "ModifyLoadBalancerAttributes",
    "CreateListener",
    "CreateRule",
];

/// The ECS operations a share link may make.
const LINK_ECS_OPERATIONS: &[&str] = &[
    "RegisterTaskDefinition",
    "CreateCluster",
    "RegisterContainerInstance",
    "CreateService",
];

/// A shell word: JSON inside single quotes (a quote inside is closed, escaped and reopened),
/// each `"$kind:NAME"` string the shell variable that holds that ARN.
fn quoted(value: &Value) -> String {
    let mut text = value.to_string().replace('\'', "'\\''");
    for name in references(value) {
        text = text.replace(
            &format!("\"{name}\""),
            &format!("\"'\"${}\"'\"", variable(&name)),
        );
    }
    format!("'{text}'")
}

/// Every `$kind:NAME` string in `value` (each replaced as a whole JSON string, so `$tg:web`
/// never matches inside `$tg:web-2`).
fn references(value: &Value) -> Vec<String> {
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::String(s) if crate::calls::reference(s).is_some() => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            Value::Object(map) => map.values().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    collect(value, &mut out);
    out
}

/// The shell variable for `$tg:web-2`: `TG_WEB_2`.
fn variable(reference: &str) -> String {
    reference
        .trim_start_matches('$')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The AWS CLI's name for an action: `CreateTargetGroup` → `create-target-group`.
fn cli_name(action: &str) -> String {
    let mut out = String::new();
    for c in action.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The `$tg:NAME` that `names` (the load-balancing view's) gives `arn`, or `arn` itself.
fn name_of(arn: &Value, names: &Value) -> Value {
    names
        .as_object()
        .and_then(|names| names.iter().find(|(_, a)| *a == arn))
        .map_or_else(|| arn.clone(), |(name, _)| json!(format!("${name}")))
}

/// `service` as CreateService input, its target groups named as the rebuild names them.
fn service_input(service: &Value, names: &Value) -> Value {
    let mut input = create_service_input(service);
    if let Some(balancers) = input.get_mut("loadBalancers").and_then(Value::as_array_mut) {
        for lb in balancers {
            lb["targetGroupArn"] = name_of(&lb["targetGroupArn"], names);
        }
    }
    input
}

/// The target groups `services` are behind (ACTIVE ones): what the export rebuilds.
pub fn target_groups(services: &[Value]) -> Vec<String> {
    let mut arns: Vec<String> = services
        .iter()
        .filter(|s| s["status"] == "ACTIVE")
        .flat_map(|s| s["loadBalancers"].as_array().cloned().unwrap_or_default())
        .filter_map(|lb| lb["targetGroupArn"].as_str().map(str::to_owned))
        .collect();
    arns.dedup();
    arns
}

/// What a cluster is made of, as the page knows it: ECS's documents and the load-balancing
/// view's `rebuild` calls and `names` (see [`target_groups`]).
pub struct Built<'a> {
    pub cluster: &'a str,
    pub task_definitions: &'a [Value],
    pub instances: &'a [Value],
    pub services: &'a [Value],
    /// `[[action, input], ...]`.
    pub load_balancing: &'a Value,
    pub names: &'a Value,
}

impl Built<'_> {
    fn elb_calls(&self) -> Vec<(&str, &Value)> {
        self.load_balancing
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|call| Some((call[0].as_str()?, &call[1])))
            .collect()
    }

    fn active_services(&self) -> impl Iterator<Item = &Value> {
        self.services.iter().filter(|s| s["status"] == "ACTIVE")
    }

    /// The commands that build it on real ECS and ELB.
    pub fn commands(&self) -> String {
        let mut out = String::from(
            "# Made by the Berth playground: run with the AWS CLI against a real account.\n# Task definitions (the latest revision of each family)\n",
        );
        for td in self.task_definitions {
            out.push_str(&format!(
                "aws ecs register-task-definition --cli-input-json {}\n",
                quoted(&register_input(td))
            ));
        }
        out.push_str(&format!(
            "# The cluster\naws ecs create-cluster --cluster-name {}\n",
            self.cluster
        ));
        let calls = self.elb_calls();
        if !calls.is_empty() {
            out.push_str("# Load balancing (put your own subnets and VPC in)\n");
        }
        for (action, input) in calls {
            let command = format!(
                "aws elbv2 {} --cli-input-json {}",
                cli_name(action),
                quoted(input)
            );
            let kept = match action {
                "CreateTargetGroup" => Some(("tg", "TargetGroups[0].TargetGroupArn")),
                "CreateLoadBalancer" => Some(("lb", "LoadBalancers[0].LoadBalancerArn")),
                "CreateListener" => Some(("listener", "Listeners[0].ListenerArn")),
                _ => None,
            };
            match kept {
                Some((kind, query)) => {
                    let name = match kind {
                        "listener" => {
                            let lb = input["LoadBalancerArn"].as_str().unwrap_or_default();
                            format!(
                                "$listener:{}:{}",
                                lb.trim_start_matches("$lb:"),
                                input["Port"]
                            )
                        }
                        _ => format!("${kind}:{}", input["Name"].as_str().unwrap_or_default()),
                    };
                    out.push_str(&format!(
                        "{}=$({command} --query '{query}' --output text)\n",
                        variable(&name)
                    ));
                }
                None => out.push_str(&format!("{command}\n")),
            }
        }
        out.push_str("# Services\n");
        for service in self.active_services() {
            out.push_str(&format!(
                "aws ecs create-service --cli-input-json {}\n",
                quoted(&service_input(service, self.names))
            ));
        }
        out
    }

    /// What a share link carries: the calls that rebuild it on another Berth — its task
    /// definitions, the cluster, instances of the same sizes, types and zones, its load
    /// balancing, and its ACTIVE services — as `{"cluster", "calls": [...]}`, an ECS call
    /// as `[operation, body]`, an ELB call as `["elbv2", action, input]`.
    pub fn session(&self) -> Value {
        let mut calls: Vec<Value> = self
            .task_definitions
            .iter()
            .map(|td| json!(["RegisterTaskDefinition", register_input(td)]))
            .collect();
        calls.push(json!(["CreateCluster", {"clusterName": self.cluster}]));
        for instance in self.instances.iter().filter(|i| i["status"] != "INACTIVE") {
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
                "cluster": self.cluster,
                "instanceIdentityDocument": identity.to_string(),
                "totalResources": [
                    {"name": "CPU", "type": "INTEGER", "integerValue": resource("CPU")},
                    {"name": "MEMORY", "type": "INTEGER", "integerValue": resource("MEMORY")}],
            }]));
        }
        for (action, input) in self.elb_calls() {
            calls.push(json!(["elbv2", action, input]));
        }
        for service in self.active_services() {
            calls.push(json!(["CreateService", service_input(service, self.names)]));
        }
        json!({"cluster": self.cluster, "calls": calls})
    }
}

/// The calls of a shared session, in order: only the operations and actions that build
/// (none if it is not one).
pub fn session_calls(session: &Value) -> Vec<Call> {
    Call::list(&session["calls"])
        .into_iter()
        .filter(|call| match call {
            Call::Ecs { operation, .. } => LINK_ECS_OPERATIONS.contains(&operation.as_str()),
            Call::Elb { action, .. } => LINK_ELB_ACTIONS.contains(&action.as_str()),
            Call::CloudWatch { .. } | Call::AutoScaling { .. } | Call::Fleet(_) => false,
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
        let none = Value::Null;
        let built = Built {
            cluster: "demo",
            task_definitions: &[td],
            instances: &[instance],
            services: &[service],
            load_balancing: &none,
            names: &none,
        };
        let shared = built.session();
        // A link carries it as text: it must come back the same.
        let back: Value = serde_json::from_str(&shared.to_string()).unwrap();
        let calls = session_calls(&back);
        let operations: Vec<&str> = calls.iter().map(Call::name).collect();
        let body = |i: usize| match &calls[i] {
            Call::Ecs { body, .. } => body.clone(),
            other => panic!("{other:?}"),
        };
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
            body(0),
            json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 64}]})
        );
        assert_eq!(body(2)["totalResources"][1]["integerValue"], 3904);
        assert!(body(2)["instanceIdentityDocument"]
            .as_str()
            .unwrap()
            .contains("us-east-1b"));
        assert_eq!(body(3)["cluster"], "demo");
        // Nothing but what builds is ever replayed from a link.
        let hostile = json!({"calls": [["DeleteCluster", {"cluster": "default"}], ["CreateCluster", {}],
            ["elbv2", "DeleteLoadBalancer", {}], ["elbv2", "CreateListener", {}]]});
        assert_eq!(
            session_calls(&hostile)
                .iter()
                .map(Call::name)
                .collect::<Vec<_>>(),
            ["CreateCluster", "CreateListener"]
        );
    }

    /// A service behind a load balancer: the link carries the ELB calls between the cluster
    /// and the service, the service names its target group as they do; the commands keep
    /// each new ARN in a shell variable the later commands read.
    #[test]
    fn load_balancing_goes_along() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/0123";
        let service = json!({"serviceName": "web", "status": "ACTIVE", "desiredCount": 2,
            "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/demo",
            "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/web:2",
            "loadBalancers": [{"targetGroupArn": arn, "containerName": "web", "containerPort": 80}],
            "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100}});
        assert_eq!(target_groups(std::slice::from_ref(&service)), [arn]);
        let rebuild = json!([
            ["CreateTargetGroup", {"Name": "web", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1"}],
            ["ModifyTargetGroupAttributes", {"TargetGroupArn": "$tg:web",
                "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]}],
            ["CreateLoadBalancer", {"Name": "web", "Subnets": ["subnet-1", "subnet-2"]}],
            ["CreateListener", {"LoadBalancerArn": "$lb:web", "Port": 80, "Protocol": "HTTP",
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": "$tg:web"}]}],
            ["CreateRule", {"ListenerArn": "$listener:web:80", "Priority": 1,
                "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/it's/*"]}}],
                "Actions": [{"Type": "forward", "TargetGroupArn": "$tg:web"}]}],
        ]);
        let names = json!({"tg:web": arn, "lb:web": "arn:lb"});
        let built = Built {
            cluster: "demo",
            task_definitions: &[],
            instances: &[],
            services: std::slice::from_ref(&service),
            load_balancing: &rebuild,
            names: &names,
        };
        let calls = session_calls(&serde_json::from_str(&built.session().to_string()).unwrap());
        let names: Vec<&str> = calls.iter().map(Call::name).collect();
        assert_eq!(
            names,
            [
                "CreateCluster",
                "CreateTargetGroup",
                "ModifyTargetGroupAttributes",
                "CreateLoadBalancer",
                "CreateListener",
                "CreateRule",
                "CreateService"
            ]
        );
        let Call::Ecs { body, .. } = &calls[6] else {
            panic!()
        };
        assert_eq!(body["loadBalancers"][0]["targetGroupArn"], "$tg:web");
        assert!(calls[6].refers());

        let text = built.commands();
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(
            lines[1].starts_with("TG_WEB=$(aws elbv2 create-target-group --cli-input-json '{"),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].ends_with("}' --query 'TargetGroups[0].TargetGroupArn' --output text)"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with(
            r#"aws elbv2 modify-target-group-attributes --cli-input-json '{"Attributes":"#
        ));
        assert!(
            lines[2].contains(r#""TargetGroupArn":"'"$TG_WEB"'"}'"#),
            "{}",
            lines[2]
        );
        assert!(lines[3].starts_with("LB_WEB=$(aws elbv2 create-load-balancer"));
        assert!(
            lines[4].starts_with("LISTENER_WEB_80=$(aws elbv2 create-listener"),
            "{}",
            lines[4]
        );
        assert!(lines[4].contains(r#""LoadBalancerArn":"'"$LB_WEB"'""#));
        assert!(
            lines[5].contains(r#""ListenerArn":"'"$LISTENER_WEB_80"'""#),
            "{}",
            lines[5]
        );
        assert!(lines[5].contains(r#"/it'\''s/*"#), "{}", lines[5]);
        assert!(
            lines[6].contains(r#""targetGroupArn":"'"$TG_WEB"'""#),
            "{}",
            lines[6]
        );
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
        let none = Value::Null;
        let text = Built {
            cluster: "default",
            task_definitions: std::slice::from_ref(&td),
            instances: &[],
            services: &[service.clone(), inactive],
            load_balancing: &none,
            names: &none,
        }
        .commands();
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("aws ")).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            register_input(&td),
            json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "httpd:2.4", "memory": 128,
                "command": ["sh", "-c", "echo it's up"]}]})
        );
        assert!(!lines[2].contains("null"), "{}", lines[2]);
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
