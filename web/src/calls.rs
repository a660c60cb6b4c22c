//! What the page does for the user at a click — a lesson's step, a share link's rebuild: ECS
//! operations, Elastic Load Balancing actions and the virtual fleet's actions, in order. A
//! string `$tg:NAME`, `$lb:NAME` or `$listener:LB:PORT` stands for an ARN not known when the
//! call was written (what an earlier call of the same click makes), as in scenarios. Pure;
//! [`crate::api::perform`] makes the call.

use serde_json::Value;

/// One call.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    /// An ECS operation (`CreateService`) and its JSON body.
    Ecs { operation: String, body: Value },
    /// An ELB action (`CreateTargetGroup`) and its input as the AWS CLI's JSON (plain lists),
    /// sent as the Query protocol's form ([`query_form`]).
    Elb { action: String, input: Value },
    /// A CloudWatch operation (`PutMetricAlarm`) and its input, sent as JSON 1.0 (the
    /// protocol botocore sends).
    CloudWatch { operation: String, input: Value },
    /// An Application Auto Scaling operation (`PutScalingPolicy`) and its input, sent as
    /// JSON 1.1.
    AutoScaling { operation: String, input: Value },
    /// A fleet action (`/berth/fleet`): what happens around ECS.
    Fleet(Value),
}

impl Call {
    /// An ECS operation.
    pub fn ecs(operation: &str, body: Value) -> Call {
        Call::Ecs {
            operation: operation.to_owned(),
            body,
        }
    }

    /// An ELB action.
    pub fn elb(action: &str, input: Value) -> Call {
        Call::Elb {
            action: action.to_owned(),
            input,
        }
    }

    /// Its name in the page's outcome line: the operation, the action or the fleet action.
    pub fn name(&self) -> &str {
        match self {
            Call::Ecs { operation, .. } => operation,
            Call::Elb { action, .. } => action,
            Call::CloudWatch { operation, .. } | Call::AutoScaling { operation, .. } => operation,
            Call::Fleet(action) => action["action"].as_str().unwrap_or("fleet"),
        }
    }

    /// Whether it names something by `$kind:NAME`: resolving it with no names fails.
    pub fn refers(&self) -> bool {
        self.clone().resolve(&Value::Null).is_err()
    }

    /// Replaces each `$kind:NAME` with the ARN `names` (the load-balancing view's `names`)
    /// gives it; the first unknown one is an error.
    pub fn resolve(&mut self, names: &Value) -> Result<(), String> {
        fn resolve(value: &mut Value, names: &Value) -> Result<(), String> {
            match value {
                Value::String(s) => {
                    if let Some(name) = reference(s) {
                        // `$dimension:lb:NAME`: the load balancer as CloudWatch's dimension
                        // names it, its ARN after `loadbalancer/`.
                        let (dimension, name) = match name.strip_prefix("dimension:") {
                            Some(name) => (true, name),
                            None => (false, name),
                        };
                        let arn = names[name]
                            .as_str()
                            .ok_or_else(|| format!("{s}: there is no {name} yet"))?;
                        *s = match arn.split_once(":loadbalancer/") {
                            Some((_, rest)) if dimension => rest.to_owned(),
                            _ => arn.to_owned(),
                        };
                    }
                }
                Value::Array(items) => {
                    for item in items {
                        resolve(item, names)?;
                    }
                }
                Value::Object(map) => {
                    for item in map.values_mut() {
                        resolve(item, names)?;
                    }
                }
                _ => {}
            }
            Ok(())
        }
        let value = match self {
            Call::Ecs { body, .. } => body,
            Call::Elb { input, .. }
            | Call::CloudWatch { input, .. }
            | Call::AutoScaling { input, .. } => input,
            Call::Fleet(action) => action,
        };
        resolve(value, names)
    }
}

impl Call {
    /// Calls as share links and lessons write them, in order: `[operation, body]` for ECS,
    /// `["elbv2", action, input]` for ELB, `["cloudwatch", operation, input]` for CloudWatch,
    /// `["application-autoscaling", operation, input]` for Application Auto Scaling,
    /// `["fleet", action]` for the fleet; anything else is left out.
    pub fn list(calls: &Value) -> Vec<Call> {
        calls
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|call| {
                Some(match call[0].as_str()? {
                    "elbv2" => Call::elb(call[1].as_str()?, call[2].clone()),
                    "cloudwatch" => Call::CloudWatch {
                        operation: call[1].as_str()?.to_owned(),
                        input: call[2].clone(),
                    },
                    "application-autoscaling" => Call::AutoScaling {
                        operation: call[1].as_str()?.to_owned(),
                        input: call[2].clone(),
                    },
                    "fleet" => Call::Fleet(call[1].clone()),
                    operation => Call::ecs(operation, call[1].clone()),
                })
            })
            .collect()
    }

    /// [`Call::list`] from JSON text, each `$cluster` in it the lesson's cluster (a lesson
    /// writes its steps as text: data compresses where `json!` would be code).
    pub fn template(text: &str, cluster: &str) -> Vec<Call> {
        let text = text.replace("$cluster", cluster);
        Call::list(&serde_json::from_str(&text).unwrap_or_default())
    }
}

/// The name a `$kind:NAME` string refers to (`tg:web`, `dimension:lb:web`).
pub(crate) fn reference(text: &str) -> Option<&str> {
    let name = text.strip_prefix('$')?;
    ["tg:", "lb:", "listener:", "rule:", "dimension:lb:"]
        .iter()
        .any(|kind| name.starts_with(kind))
        .then_some(name)
}

/// The body the AWS CLI sends for `action` with `input`: the Query protocol's form
/// (`Action=CreateListener&Version=2015-12-01&DefaultActions.member.1.Type=forward`).
pub fn query_form(action: &str, input: &Value) -> String {
    fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        let key = |name: &str| match prefix {
            "" => name.to_owned(),
            _ => format!("{prefix}.{name}"),
        };
        match value {
            Value::Null => {}
            Value::Object(map) => map.iter().for_each(|(k, v)| flatten(&key(k), v, out)),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| {
                flatten(&format!("{prefix}.member.{}", i + 1), v, out);
            }),
            Value::String(s) => out.push((prefix.to_owned(), s.clone())),
            other => out.push((prefix.to_owned(), other.to_string())),
        }
    }
    let mut pairs = Vec::new();
    flatten("", input, &mut pairs);
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", action)
        .append_pair("Version", "2015-12-01");
    for (key, value) in &pairs {
        form.append_pair(key, value);
    }
    form.finish()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_aws_cli_form() {
        let input = json!({"LoadBalancerArn": "arn:aws:x/a b", "Port": 80, "Enabled": true,
            "DefaultActions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
                {"TargetGroupArn": "t1", "Weight": 80}, {"TargetGroupArn": "t2", "Weight": 20}]}}],
            "Nothing": null});
        assert_eq!(
            query_form("CreateListener", &input),
            "Action=CreateListener&Version=2015-12-01&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=t1\
             &DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight=80\
             &DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn=t2\
             &DefaultActions.member.1.ForwardConfig.TargetGroups.member.2.Weight=20\
             &DefaultActions.member.1.Type=forward&Enabled=true&LoadBalancerArn=arn%3Aaws%3Ax%2Fa+b&Port=80"
        );
    }

    #[test]
    fn a_list_of_calls() {
        let calls = Call::template(
            r#"[["CreateCluster", {"clusterName": "$cluster"}],
                ["elbv2", "CreateTargetGroup", {"Name": "$cluster"}],
                ["fleet", {"action": "offered-load"}], [7], "nonsense"]"#,
            "lesson",
        );
        assert_eq!(
            calls,
            [
                Call::ecs("CreateCluster", json!({"clusterName": "lesson"})),
                Call::elb("CreateTargetGroup", json!({"Name": "lesson"})),
                Call::Fleet(json!({"action": "offered-load"}))
            ]
        );
        assert_eq!(calls[2].name(), "offered-load");
        assert!(Call::template("not json", "x").is_empty());
    }

    #[test]
    fn names_become_arns() {
        let call = Call::elb(
            "CreateListener",
            json!({"LoadBalancerArn": "$lb:web", "Port": 80, "Note": "$5",
                   "DefaultActions": [{"TargetGroupArn": "$tg:web-2"}]}),
        );
        assert!(call.refers());
        assert!(!Call::ecs("ListClusters", json!({"x": "$5"})).refers());
        let names = json!({"lb:web": "arn:lb", "tg:web": "arn:tg", "tg:web-2": "arn:tg2"});
        let mut resolved = call.clone();
        resolved.resolve(&names).unwrap();
        assert_eq!(
            resolved,
            Call::elb(
                "CreateListener",
                json!({"LoadBalancerArn": "arn:lb", "Port": 80, "Note": "$5",
                       "DefaultActions": [{"TargetGroupArn": "arn:tg2"}]})
            )
        );
        assert_eq!(
            call.clone().resolve(&json!({})).unwrap_err(),
            "$tg:web-2: there is no tg:web-2 yet",
            "the first in the body's order"
        );
    }
}
