//! Berth's own picture of the load balancers, for the page (`/berth/load-balancers`): each
//! load balancer with its listeners and their rules in the order they are matched, the target
//! groups they forward to with their health-check settings, and every target with its health,
//! the time left in its drain, its traffic and the task it belongs to.

use std::collections::BTreeMap;

use berth_model::SimTime;
use serde::Serialize;

use crate::documents::{Action, ActionType, RuleCondition};
use crate::records::Health;
use crate::traffic::Counts;
use crate::Elb;

/// Every load balancer of the region.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancingView {
    /// In creation order.
    pub load_balancers: Vec<LoadBalancerView>,
    /// Every resource's ARN by the name [`Elb::names`] gives it (`tg:web`, `lb:web`,
    /// `listener:web:80`), target groups behind no listener too: how the page's lessons and
    /// share links refer to what they made.
    pub names: BTreeMap<String, String>,
    /// The calls that build the asked-for target groups again ([`Elb::rebuild_calls`]), when
    /// asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rebuild: Vec<crate::rebuild::Call>,
}

/// One load balancer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerView {
    /// Its ARN.
    pub load_balancer_arn: String,
    /// Its name.
    pub name: String,
    /// `application` or `network`.
    pub kind: String,
    /// Its DNS name.
    pub dns_name: String,
    /// The virtual fleet's offered load, requests a second.
    pub requests_per_second: u32,
    /// What it carried.
    pub counts: Counts,
    /// Its listeners, by port.
    pub listeners: Vec<ListenerView>,
    /// The target groups its listeners forward to.
    pub target_groups: Vec<TargetGroupView>,
    /// The offered load's profile when it follows one (the fleet's: `shape` and its fields,
    /// with `base` and `startedAt`, epoch milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<serde_json::Value>,
}

/// A listener and its rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListenerView {
    /// Its ARN.
    pub listener_arn: String,
    /// Its port.
    pub port: u32,
    /// `HTTP`, `TCP`, ...
    pub protocol: String,
    /// Its rules in the order they are matched, the default rule last.
    pub rules: Vec<RuleView>,
    /// All of it on a line: `HTTP :80 — 1 path-pattern /api/* → api · default → blue 80%,
    /// green 20%`.
    pub summary: String,
}

/// A rule: when it applies and what it does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    /// `1` ... `50000`, or `default`.
    pub priority: String,
    /// Its conditions, each as `field value, value` (none for the default rule).
    pub conditions: Vec<String>,
    /// `forward`, `redirect` or `fixed-response 404`.
    pub action: String,
    /// A forward's target groups: name and weight.
    pub forwards: Vec<(String, u32)>,
}

/// A target group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetGroupView {
    /// Its ARN.
    pub target_group_arn: String,
    /// Its name.
    pub name: String,
    /// `instance` or `ip`.
    pub target_type: String,
    /// What its checks ask for: `HTTP /health`, `TCP`.
    pub checks: String,
    /// Seconds between two checks of a target.
    pub interval_seconds: u32,
    /// Passes in a row that bring an unhealthy target back.
    pub healthy_threshold: u32,
    /// Failures in a row that take a target out.
    pub unhealthy_threshold: u32,
    /// `deregistration_delay.timeout_seconds`.
    pub deregistration_delay_seconds: u64,
    /// Its targets, in registration order.
    pub targets: Vec<TargetView>,
}

/// A registered target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetView {
    /// Instance id or IP address.
    pub id: String,
    /// Its traffic port.
    pub port: u32,
    /// `initial`, `healthy`, `unhealthy`, `draining`, `unused`.
    pub state: String,
    /// The reason code, if any.
    pub reason: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Milliseconds of draining left.
    pub draining_for_ms: Option<u64>,
    /// What it carried.
    pub counts: Counts,
    /// The task registered as this target, if any.
    pub task_arn: Option<String>,
}

impl Elb {
    /// The picture at `now`; `owner` names the task registered as a target (group, id, port).
    pub fn view(
        &self,
        now: SimTime,
        owner: &dyn Fn(&str, &str, u32) -> Option<String>,
    ) -> LoadBalancingView {
        let load_balancers = self
            .load_balancers
            .iter()
            .map(|lb| {
                let arn = &lb.doc.load_balancer_arn;
                let mut listeners: Vec<ListenerView> = self
                    .listeners
                    .iter()
                    .filter(|l| l.doc.load_balancer_arn == *arn)
                    .map(|l| {
                        let mut rules: Vec<_> = self
                            .rules
                            .iter()
                            .filter(|r| r.listener_arn == l.doc.listener_arn)
                            .collect();
                        rules.sort_by_key(|r| r.order());
                        let rules: Vec<RuleView> = rules
                            .into_iter()
                            .map(|r| {
                                self.rule_view(
                                    &r.doc.priority,
                                    &r.doc.conditions.member,
                                    &r.doc.actions.member,
                                )
                            })
                            .collect();
                        let protocol = l.doc.protocol.as_str().to_owned();
                        ListenerView {
                            summary: summary(&protocol, l.doc.port, &rules),
                            listener_arn: l.doc.listener_arn.clone(),
                            port: l.doc.port,
                            protocol,
                            rules,
                        }
                    })
                    .collect();
                listeners.sort_by_key(|l| l.port);
                let forwarded = self.forwarded_by(arn);
                let target_groups = self
                    .target_groups
                    .iter()
                    .filter(|g| forwarded.contains(&g.doc.target_group_arn.as_str()))
                    .map(|g| {
                        let doc = &g.doc;
                        let protocol = doc
                            .health_check_protocol
                            .as_ref()
                            .map_or("HTTP", |p| p.as_str());
                        let path = doc.health_check_path.as_deref().unwrap_or_default();
                        TargetGroupView {
                            target_group_arn: doc.target_group_arn.clone(),
                            name: doc.target_group_name.clone(),
                            target_type: doc.target_type.as_str().to_owned(),
                            checks: format!("{protocol} {path}").trim_end().to_owned(),
                            interval_seconds: doc.health_check_interval_seconds,
                            healthy_threshold: doc.healthy_threshold_count,
                            unhealthy_threshold: doc.unhealthy_threshold_count,
                            deregistration_delay_seconds: g.deregistration_delay_ms() / 1000,
                            targets: g
                                .targets
                                .iter()
                                .map(|t| {
                                    let health = g.health_of(t);
                                    TargetView {
                                        id: t.id.clone(),
                                        port: t.port,
                                        state: health.state.as_str().to_owned(),
                                        reason: health.reason.map(|r| r.as_str().to_owned()),
                                        description: health.description,
                                        draining_for_ms: match t.health {
                                            Health::Draining { until } => Some(
                                                until.as_millis().saturating_sub(now.as_millis()),
                                            ),
                                            _ => None,
                                        },
                                        counts: t.served,
                                        task_arn: owner(&doc.target_group_arn, &t.id, t.port),
                                    }
                                })
                                .collect(),
                        }
                    })
                    .collect();
                LoadBalancerView {
                    load_balancer_arn: arn.clone(),
                    name: lb.doc.load_balancer_name.clone(),
                    kind: lb.doc.kind.as_str().to_owned(),
                    dns_name: lb.doc.dns_name.clone(),
                    requests_per_second: self
                        .loads
                        .iter()
                        .find(|l| l.load_balancer_arn == *arn)
                        .map_or(0, |l| l.per_second),
                    counts: lb.counts,
                    listeners,
                    target_groups,
                    profile: None,
                }
            })
            .collect();
        LoadBalancingView {
            load_balancers,
            names: self.names().into_iter().collect(),
            rebuild: Vec::new(),
        }
    }

    fn rule_view(
        &self,
        priority: &str,
        conditions: &[RuleCondition],
        actions: &[Action],
    ) -> RuleView {
        let conditions = conditions.iter().map(condition_text).collect();
        let last = crate::traffic::terminal(actions);
        let (action, forwards) = match last {
            Some(a) if a.kind == Some(ActionType::FixedResponse) => (
                format!(
                    "fixed-response {}",
                    a.fixed_response_config
                        .as_ref()
                        .map_or("", |c| c.status_code.as_str())
                ),
                Vec::new(),
            ),
            Some(a) if a.kind == Some(ActionType::Redirect) => ("redirect".to_owned(), Vec::new()),
            Some(a) => (
                "forward".to_owned(),
                a.forward_config
                    .iter()
                    .flat_map(|f| f.target_groups.iter())
                    .filter_map(|t| {
                        let arn = t.target_group_arn.as_deref()?;
                        let name = self
                            .target_groups
                            .iter()
                            .find(|g| g.doc.target_group_arn == arn)
                            .map_or(arn, |g| g.doc.target_group_name.as_str());
                        Some((name.to_owned(), t.weight.unwrap_or(1)))
                    })
                    .collect(),
            ),
            None => (String::new(), Vec::new()),
        };
        RuleView {
            priority: priority.to_owned(),
            conditions,
            action,
            forwards,
        }
    }
}

/// `path-pattern /api/*, /v2/*`.
fn condition_text(condition: &RuleCondition) -> String {
    let field = condition.field.clone().unwrap_or_default();
    let mut values: Vec<String> = condition
        .values
        .iter()
        .flat_map(|v| v.iter().cloned())
        .collect();
    for config in [
        &condition.host_header_config,
        &condition.path_pattern_config,
        &condition.http_request_method_config,
        &condition.source_ip_config,
    ] {
        values.extend(config.iter().flat_map(|c| c.values.iter().cloned()));
    }
    if let Some(header) = &condition.http_header_config {
        let name = header.http_header_name.as_deref().unwrap_or_default();
        values.extend(header.values.iter().map(|v| format!("{name}: {v}")));
    }
    if let Some(query) = &condition.query_string_config {
        values.extend(query.values.iter().map(|p| match &p.key {
            Some(k) => format!("{k}={}", p.value),
            None => p.value.clone(),
        }));
    }
    format!("{field} {}", values.join(", "))
}

/// A listener on a line: each rule's conditions (or its priority) and where it sends
/// requests, weights as percentages, in the order rules are matched.
fn summary(protocol: &str, port: u32, rules: &[RuleView]) -> String {
    let rules: Vec<String> = rules
        .iter()
        .map(|rule| {
            let when = if rule.conditions.is_empty() {
                rule.priority.clone()
            } else {
                rule.conditions.join(" & ")
            };
            let total: u32 = rule.forwards.iter().map(|(_, w)| w).sum();
            let then = match rule.forwards.as_slice() {
                [] => rule.action.clone(),
                [(name, _)] => name.clone(),
                many => many
                    .iter()
                    .map(|(name, w)| {
                        format!("{name} {}%", (w * 100).checked_div(total).unwrap_or(0))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let rank = if rule.priority == "default" {
                ""
            } else {
                rule.priority.as_str()
            };
            format!("{rank} {when} → {then}").trim().to_owned()
        })
        .collect();
    format!("{protocol} :{port} — {}", rules.join(" · "))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_listener_reads_on_a_line() {
        let rule = |priority: &str, conditions: &[&str], forwards: &[(&str, u32)]| RuleView {
            priority: priority.to_owned(),
            conditions: conditions.iter().map(|c| (*c).to_owned()).collect(),
            action: "forward".to_owned(),
            forwards: forwards
                .iter()
                .map(|(n, w)| ((*n).to_owned(), *w))
                .collect(),
        };
        let rules = [
            rule("1", &["path-pattern /api/*"], &[("api", 1)]),
            rule("default", &[], &[("blue", 80), ("green", 20)]),
        ];
        assert_eq!(
            summary("HTTP", 80, &rules),
            "HTTP :80 — 1 path-pattern /api/* → api · default → blue 80%, green 20%"
        );
    }
}
