//! The calls that make load balancers again somewhere else — another Berth (a share link) or
//! a real account (the page's export): each an action and its input as the AWS CLI's JSON
//! (`--cli-input-json`, plain lists), with `$lb:NAME`, `$tg:NAME` and `$listener:NAME:PORT`
//! where the new resource's ARN goes ([`Elb::names`]). Targets are left out: ECS registers
//! its tasks itself, and instance ids are another fleet's.

use serde_json::{Map, Value};

use crate::actions::{load_balancer_attributes, target_group_attributes};
use crate::documents::{Attribute, Protocol};
use crate::Elb;

/// One call: the action (`CreateTargetGroup`) and its input.
pub type Call = (&'static str, Value);

impl Elb {
    /// The calls that build `target_groups` again, with the load balancers whose listeners
    /// forward to any of them, those load balancers' listeners and rules, and every other
    /// target group those forward to — in an order that replays: target groups, load
    /// balancers, listeners, rules. Attributes and tags come along where they differ from
    /// ELB's defaults; an unknown ARN is skipped.
    pub fn rebuild_calls(&self, target_groups: &[String]) -> Vec<Call> {
        let balancers: Vec<&str> = self
            .load_balancers
            .iter()
            .map(|lb| lb.doc.load_balancer_arn.as_str())
            .filter(|lb| {
                self.forwarded_by(lb)
                    .iter()
                    .any(|g| target_groups.iter().any(|t| t == g))
            })
            .collect();
        let mut groups: Vec<&str> = target_groups.iter().map(String::as_str).collect();
        groups.extend(balancers.iter().flat_map(|lb| self.forwarded_by(lb)));
        let names = self.names();
        let named = |value: Value| by_name(value, &names);
        let mut calls = Vec::new();
        // In creation order, each once.
        for group in self
            .target_groups
            .iter()
            .filter(|g| groups.contains(&g.doc.target_group_arn.as_str()))
        {
            let doc = &group.doc;
            let mut input = pick(
                cli_shape(serde_json::to_value(doc).unwrap_or_default()),
                &[
                    "Protocol",
                    "ProtocolVersion",
                    "Port",
                    "VpcId",
                    "HealthCheckProtocol",
                    "HealthCheckPort",
                    "HealthCheckEnabled",
                    "HealthCheckPath",
                    "HealthCheckIntervalSeconds",
                    "HealthCheckTimeoutSeconds",
                    "HealthyThresholdCount",
                    "UnhealthyThresholdCount",
                    "Matcher",
                    "TargetType",
                    "IpAddressType",
                ],
            );
            input.insert("Name".into(), doc.target_group_name.clone().into());
            self.tagged(&mut input, &doc.target_group_arn);
            calls.push(("CreateTargetGroup", Value::Object(input)));
            let protocol = doc.protocol.clone().unwrap_or(Protocol::Http);
            let defaults = target_group_attributes(&protocol, &doc.target_type);
            if let Some(changed) = changed(&group.attributes, &defaults) {
                calls.push((
                    "ModifyTargetGroupAttributes",
                    serde_json::json!({"TargetGroupArn": format!("$tg:{}", doc.target_group_name),
                                       "Attributes": changed}),
                ));
            }
        }
        for lb in self
            .load_balancers
            .iter()
            .filter(|lb| balancers.contains(&lb.doc.load_balancer_arn.as_str()))
        {
            let doc = &lb.doc;
            let mut input = Map::new();
            input.insert("Name".into(), doc.load_balancer_name.clone().into());
            input.insert("Type".into(), doc.kind.as_str().into());
            input.insert("Scheme".into(), doc.scheme.as_str().into());
            let subnets: Vec<Value> = doc
                .availability_zones
                .member
                .iter()
                .map(|z| z.subnet_id.clone().into())
                .collect();
            input.insert("Subnets".into(), subnets.into());
            if let Some(groups) = &doc.security_groups {
                input.insert("SecurityGroups".into(), groups.member.clone().into());
            }
            input.insert("IpAddressType".into(), doc.ip_address_type.clone().into());
            self.tagged(&mut input, &doc.load_balancer_arn);
            calls.push(("CreateLoadBalancer", Value::Object(input)));
            if let Some(changed) = changed(&lb.attributes, &load_balancer_attributes(&doc.kind)) {
                calls.push((
                    "ModifyLoadBalancerAttributes",
                    serde_json::json!({"LoadBalancerArn": format!("$lb:{}", doc.load_balancer_name),
                                       "Attributes": changed}),
                ));
            }
        }
        for listener in self
            .listeners
            .iter()
            .filter(|l| balancers.contains(&l.doc.load_balancer_arn.as_str()))
        {
            let mut input = pick(
                cli_shape(serde_json::to_value(&listener.doc).unwrap_or_default()),
                &[
                    "LoadBalancerArn",
                    "Protocol",
                    "Port",
                    "SslPolicy",
                    "Certificates",
                    "DefaultActions",
                ],
            );
            self.tagged(&mut input, &listener.doc.listener_arn);
            calls.push(("CreateListener", named(Value::Object(input))));
        }
        for listener in self
            .listeners
            .iter()
            .filter(|l| balancers.contains(&l.doc.load_balancer_arn.as_str()))
        {
            let mut rules: Vec<_> = self
                .rules
                .iter()
                .filter(|r| r.listener_arn == listener.doc.listener_arn && !r.doc.is_default)
                .collect();
            rules.sort_by_key(|r| r.order());
            for rule in rules {
                let doc = cli_shape(serde_json::to_value(&rule.doc).unwrap_or_default());
                let mut input = Map::new();
                input.insert("ListenerArn".into(), rule.listener_arn.clone().into());
                input.insert("Priority".into(), rule.order().into());
                input.insert("Conditions".into(), conditions(&doc["Conditions"]));
                input.insert("Actions".into(), doc["Actions"].clone());
                self.tagged(&mut input, &rule.doc.rule_arn);
                calls.push(("CreateRule", named(Value::Object(input))));
            }
        }
        calls
    }

    /// The target groups `load_balancer`'s listeners and rules forward to, in rule order.
    pub(crate) fn forwarded_by(&self, load_balancer: &str) -> Vec<&str> {
        let mut groups: Vec<&str> = self
            .listeners
            .iter()
            .filter(|l| l.doc.load_balancer_arn == load_balancer)
            .flat_map(|l| {
                self.rules
                    .iter()
                    .filter(move |r| r.listener_arn == l.doc.listener_arn)
            })
            .flat_map(|r| r.doc.actions.iter())
            .flat_map(crate::actions::forwarded)
            .map(String::as_str)
            .collect();
        groups.dedup();
        groups
    }

    /// `Tags` of the input, if `resource` has any.
    fn tagged(&self, input: &mut Map<String, Value>, resource: &str) {
        if let Some((_, tags)) = self.tags.iter().find(|(r, _)| r == resource) {
            if !tags.is_empty() {
                let tags = serde_json::to_value(tags).unwrap_or_default();
                input.insert("Tags".into(), cli_shape(tags));
            }
        }
    }
}

/// The attributes that differ from `defaults`, if any.
fn changed(attributes: &[Attribute], defaults: &[Attribute]) -> Option<Value> {
    let changed: Vec<&Attribute> = attributes
        .iter()
        .filter(|a| !defaults.contains(a))
        .collect();
    (!changed.is_empty()).then(|| cli_shape(serde_json::to_value(&changed).unwrap_or_default()))
}

/// The members of `value` named in `keys`, in that order.
fn pick(value: Value, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|key| Some(((*key).to_owned(), value.get(*key)?.clone())))
        .collect()
}

/// A rule's conditions as CreateRule takes them: the field's own config where there is one
/// (DescribeRules also lists its patterns as the older `Values`, which CreateRule would take
/// as a second set).
fn conditions(conditions: &Value) -> Value {
    let list = conditions.as_array().cloned().unwrap_or_default();
    list.into_iter()
        .map(|mut condition| {
            let has_config = condition
                .as_object()
                .is_some_and(|c| c.keys().any(|k| k.ends_with("Config")));
            if has_config {
                if let Some(c) = condition.as_object_mut() {
                    c.remove("Values");
                }
            }
            condition
        })
        .collect()
}

/// Every string that is a known ARN, as its `$kind:NAME`.
fn by_name(value: Value, names: &[(String, String)]) -> Value {
    match value {
        Value::String(s) => match names.iter().find(|(_, arn)| *arn == s) {
            Some((name, _)) => Value::String(format!("${name}")),
            None => Value::String(s),
        },
        Value::Array(items) => items.into_iter().map(|v| by_name(v, names)).collect(),
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| (k, by_name(v, names)))
            .collect(),
        other => other,
    }
}

/// The Query protocol's shape (`{"member": [...]}`) as the AWS CLI's JSON (plain lists).
pub fn cli_shape(value: Value) -> Value {
    match value {
        Value::Object(mut map)
            if map.len() == 1 && map.get("member").is_some_and(Value::is_array) =>
        {
            let items = map.remove("member").unwrap_or_default();
            cli_shape(items)
        }
        Value::Array(items) => items.into_iter().map(cli_shape).collect(),
        Value::Object(map) => map.into_iter().map(|(k, v)| (k, cli_shape(v))).collect(),
        other => other,
    }
}

/// The AWS CLI's JSON (plain lists) in the Query protocol's shape (`{"member": [...]}`), as
/// [`crate::Request::decode`] reads it.
pub fn query_shape(value: Value) -> Value {
    match value {
        Value::Array(items) => {
            serde_json::json!({"member": items.into_iter().map(query_shape).collect::<Vec<_>>()})
        }
        Value::Object(map) => map.into_iter().map(|(k, v)| (k, query_shape(v))).collect(),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use berth_model::SimTime;
    use serde_json::json;

    use super::*;
    use crate::{Hosts, Request};

    struct NoHosts;

    impl Hosts for NoHosts {
        fn is_running_instance(&self, _: &str) -> bool {
            false
        }
    }

    /// An AWS CLI call (plain lists) with `$kind:NAME` resolved: the output as JSON.
    fn call(elb: &mut Elb, action: &str, input: Value) -> Value {
        let mut text = input.to_string();
        for (name, arn) in elb.names() {
            text = text.replace(&format!("${name}"), &arn);
        }
        let input = query_shape(serde_json::from_str(&text).unwrap());
        let request = Request::decode(action, input).unwrap().unwrap();
        let response = elb
            .handle(request, SimTime(0), &NoHosts)
            .unwrap_or_else(|e| panic!("{action}: {e}"));
        serde_json::to_value(response).unwrap()
    }

    /// A region's load balancing, with ARNs, ids and times taken out.
    fn picture(elb: &Elb) -> Value {
        let mut view = serde_json::to_value(elb.view(SimTime(0), &|_, _, _| None)).unwrap();
        view.as_object_mut().unwrap().remove("names");
        let text = view.to_string();
        let mut text = text.clone();
        for (_, arn) in elb.names() {
            text = text.replace(&arn, "ARN");
        }
        let mut view: Value = serde_json::from_str(&text).unwrap();
        for lb in view["loadBalancers"].as_array_mut().unwrap() {
            lb.as_object_mut().unwrap().remove("dnsName");
        }
        view
    }

    /// What the calls build elsewhere is what they were made from: the load balancer, its
    /// listener's weighted default and path rule, both target groups' settings, their changed
    /// attributes and tags — and nothing of an unrelated load balancer.
    #[test]
    fn the_calls_build_the_same_load_balancing_elsewhere() {
        let mut here = Elb::new("us-east-1", "123456789012", 1);
        call(
            &mut here,
            "CreateLoadBalancer",
            json!({"Name": "web", "Subnets": ["subnet-1", "subnet-2"],
            "Tags": [{"Key": "team", "Value": "a"}]}),
        );
        call(
            &mut here,
            "CreateLoadBalancer",
            json!({"Name": "other", "Subnets": ["subnet-1", "subnet-2"]}),
        );
        call(
            &mut here,
            "CreateTargetGroup",
            json!({"Name": "blue", "Protocol": "HTTP", "Port": 80,
            "VpcId": "vpc-1", "HealthCheckPath": "/health", "HealthCheckIntervalSeconds": 10,
            "Matcher": {"HttpCode": "200-299"}}),
        );
        call(
            &mut here,
            "CreateTargetGroup",
            json!({"Name": "green", "Protocol": "HTTP", "Port": 8080,
            "VpcId": "vpc-1", "TargetType": "ip"}),
        );
        call(
            &mut here,
            "CreateTargetGroup",
            json!({"Name": "unrelated", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1"}),
        );
        call(
            &mut here,
            "ModifyTargetGroupAttributes",
            json!({"TargetGroupArn": "$tg:blue",
            "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]}),
        );
        call(
            &mut here,
            "ModifyLoadBalancerAttributes",
            json!({"LoadBalancerArn": "$lb:web",
            "Attributes": [{"Key": "idle_timeout.timeout_seconds", "Value": "120"}]}),
        );
        call(
            &mut here,
            "CreateListener",
            json!({"LoadBalancerArn": "$lb:web", "Protocol": "HTTP", "Port": 80,
            "DefaultActions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
                {"TargetGroupArn": "$tg:blue", "Weight": 80}, {"TargetGroupArn": "$tg:green", "Weight": 20}]}}]}),
        );
        call(
            &mut here,
            "CreateRule",
            json!({"ListenerArn": "$listener:web:80", "Priority": 5,
            "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
            "Actions": [{"Type": "forward", "TargetGroupArn": "$tg:green"}]}),
        );
        call(
            &mut here,
            "CreateListener",
            json!({"LoadBalancerArn": "$lb:other", "Protocol": "HTTP", "Port": 81,
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": "$tg:unrelated"}]}),
        );

        let calls = here.rebuild_calls(&[here
            .names()
            .into_iter()
            .find(|(n, _)| n == "tg:blue")
            .unwrap()
            .1]);
        let actions: Vec<&str> = calls.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            actions,
            [
                "CreateTargetGroup",
                "ModifyTargetGroupAttributes",
                "CreateTargetGroup",
                "CreateLoadBalancer",
                "ModifyLoadBalancerAttributes",
                "CreateListener",
                "CreateRule"
            ]
        );
        // No ARN of here goes elsewhere.
        let text = serde_json::to_string(&calls).unwrap();
        assert!(!text.contains("arn:aws"), "{text}");

        let mut there = Elb::new("us-east-1", "123456789012", 2);
        for (action, input) in calls {
            call(&mut there, action, input);
        }
        let mut expected = picture(&here);
        expected["loadBalancers"]
            .as_array_mut()
            .unwrap()
            .retain(|lb| lb["name"] == "web");
        assert_eq!(picture(&there), expected);
        let attribute = |elb: &Elb, group: &str| {
            elb.target_groups
                .iter()
                .find(|g| g.doc.target_group_name == group)
                .unwrap()
                .deregistration_delay_ms()
        };
        assert_eq!(attribute(&there, "blue"), 30_000);
        let tagged: Vec<&Vec<crate::documents::Tag>> = there
            .tags
            .iter()
            .map(|(_, t)| t)
            .filter(|t| !t.is_empty())
            .collect();
        assert_eq!(tagged.len(), 1, "the load balancer's tag");
    }
}
