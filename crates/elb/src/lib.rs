//! Elastic Load Balancing v2 as a sans-IO state machine: load balancers, target groups,
//! listeners and rules as the 2015-12-01 API has them, and each target's health from the
//! checks its host answers.
//!
//! [`Elb::handle`] takes a request and the time; [`Elb::poll_probe`] hands out the health
//! checks that are due (after [`Elb::handle_timeout`]), [`Elb::handle_probe`] takes their
//! answers, and [`Elb::poll_event`] gives what the load balancer's clients (ECS) need to
//! hear: a target's health changed, a target finished draining. Whoever hosts it answers
//! the checks: the virtual fleet at once, `berth serve` with real HTTP requests to Docker
//! containers. It reads no clock and draws no entropy (ids come from a generator seeded by
//! the caller), so a session replays byte for byte.
//!
//! Berth has no EC2 API: a subnet's zone comes from berth-model's `network`, the VPC is the
//! region's one, and an instance target exists if the [`Hosts`] say so.

#![warn(missing_docs, unreachable_pub)]

mod actions;
pub mod documents;
mod errors;
pub mod rebuild;
mod records;
pub mod requests;
mod traffic;
pub mod view;

use std::collections::VecDeque;

use berth_model::SimTime;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use documents::{TargetDescription, TargetGroup, TargetHealth, TargetHealthState};
pub use errors::ElbError;
pub use requests::{Request, Response};
pub use traffic::{
    Counts, HttpRequest, ListenerPort, LoadBalancerTraffic, Routing, Served, TargetTraffic,
    TrafficView,
};

use records::{Health, ListenerRecord, LoadBalancerRecord, RuleRecord, TargetGroupRecord};

/// What ELB asks of the machines its targets run on.
pub trait Hosts {
    /// True for a running instance of the region (an instance target may be registered).
    fn is_running_instance(&self, instance_id: &str) -> bool;

    /// How the target a request (or check) is for answers it, if these hosts can tell at
    /// once: the virtual fleet can; real containers are reached by real requests.
    fn answer(&self, _request: &Probe) -> Option<ProbeOutcome> {
        None
    }
}

/// The region's ELB.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Elb {
    region: String,
    account: String,
    rng: ChaCha8Rng,
    load_balancers: Vec<LoadBalancerRecord>,
    target_groups: Vec<TargetGroupRecord>,
    listeners: Vec<ListenerRecord>,
    rules: Vec<RuleRecord>,
    /// Each resource's tags, in the order they were added.
    tags: Vec<(String, Vec<documents::Tag>)>,
    next_probe: u64,
    probes: VecDeque<Probe>,
    events: VecDeque<ElbEvent>,
    /// Each load balancer's offered load (the virtual fleet's synthetic requests).
    #[serde(default)]
    loads: Vec<traffic::Load>,
}

/// A health check to make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// Its id, for [`Elb::handle_probe`].
    pub id: u64,
    /// The target group.
    pub target_group_arn: String,
    /// The target: an instance id or an IP address.
    pub target_id: String,
    /// The target's traffic port.
    pub target_port: u32,
    /// The port the check goes to.
    pub port: u32,
    /// `HTTP`, `HTTPS` or `TCP`.
    pub protocol: String,
    /// The path HTTP checks ask for.
    pub path: Option<String>,
    /// How long to wait for an answer.
    pub timeout_ms: u64,
}

/// What a health check got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProbeOutcome {
    /// An HTTP answer with this status.
    Answered(u16),
    /// A TCP connection was made.
    Connected,
    /// Nothing came within the timeout.
    TimedOut,
    /// The connection was refused, or there is nothing there.
    Refused,
}

/// What ELB tells its clients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ElbEvent {
    /// A target's health changed (initial, healthy, unhealthy, draining).
    TargetHealth {
        /// The target group.
        target_group_arn: String,
        /// The target.
        target: TargetDescription,
        /// Its health now.
        health: TargetHealth,
    },
    /// A target finished draining, or was deregistered without draining: it is gone.
    TargetDeregistered {
        /// The target group.
        target_group_arn: String,
        /// The target.
        target: TargetDescription,
    },
}

impl Elb {
    /// An ELB with nothing in it; `seed` seeds its ids.
    pub fn new(region: &str, account: &str, seed: u64) -> Elb {
        Elb {
            region: region.to_owned(),
            account: account.to_owned(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            load_balancers: Vec::new(),
            target_groups: Vec::new(),
            listeners: Vec::new(),
            rules: Vec::new(),
            tags: Vec::new(),
            next_probe: 1,
            probes: VecDeque::new(),
            events: VecDeque::new(),
            loads: Vec::new(),
        }
    }

    /// True when there is nothing in it (a snapshot may leave it out).
    pub fn is_empty(&self) -> bool {
        self.load_balancers.is_empty() && self.target_groups.is_empty()
    }

    /// An operation at `now`.
    pub fn handle(
        &mut self,
        request: Request,
        now: SimTime,
        hosts: &dyn Hosts,
    ) -> Result<Response, ElbError> {
        let response = actions::dispatch(self, request, now, hosts)?;
        self.refresh_usage(now);
        Ok(response)
    }

    /// The earliest time something is due: a health check or the end of a drain.
    pub fn poll_timeout(&self) -> Option<SimTime> {
        self.target_groups
            .iter()
            .flat_map(|group| {
                group.targets.iter().filter_map(move |t| match t.health {
                    Health::Draining { until } => Some(until),
                    _ if group.in_use && t.probe.is_none() => Some(t.next_check),
                    _ if group.in_use => t.probe_deadline,
                    _ => None,
                })
            })
            .min()
    }

    /// Makes what is due at `now`: health checks (taken from [`Elb::poll_probe`]) and the
    /// ends of drains.
    pub fn handle_timeout(&mut self, now: SimTime) {
        // A check nobody answered within its timeout failed: Request timed out.
        let overdue: Vec<u64> = self
            .target_groups
            .iter()
            .flat_map(|g| g.targets.iter())
            .filter(|t| t.probe_deadline.is_some_and(|at| at <= now))
            .filter_map(|t| t.probe)
            .collect();
        for id in overdue {
            self.handle_probe(id, ProbeOutcome::TimedOut);
        }
        for group in &mut self.target_groups {
            let arn = group.doc.target_group_arn.clone();
            let interval = group.interval_ms();
            let mut drained = Vec::new();
            for (i, target) in group.targets.iter_mut().enumerate() {
                match target.health {
                    Health::Draining { until } if until <= now => drained.push(i),
                    Health::Draining { .. } => {}
                    _ if group.in_use && target.probe.is_none() && target.next_check <= now => {
                        let id = self.next_probe;
                        self.next_probe += 1;
                        target.probe = Some(id);
                        let timeout = u64::from(group.doc.health_check_timeout_seconds) * 1000;
                        target.probe_deadline = Some(now.plus_millis(timeout));
                        target.next_check = now.plus_millis(interval);
                        let port = match group.doc.health_check_port.as_deref() {
                            None | Some("traffic-port") => target.port,
                            Some(p) => p.parse().unwrap_or(target.port),
                        };
                        self.probes.push_back(Probe {
                            id,
                            target_group_arn: arn.clone(),
                            target_id: target.id.clone(),
                            target_port: target.port,
                            port,
                            protocol: group
                                .doc
                                .health_check_protocol
                                .as_ref()
                                .map_or("HTTP", |p| p.as_str())
                                .to_owned(),
                            path: group.doc.health_check_path.clone(),
                            timeout_ms: u64::from(group.doc.health_check_timeout_seconds) * 1000,
                        });
                    }
                    _ => {}
                }
            }
            for i in drained.into_iter().rev() {
                let target = group.targets.remove(i);
                self.events.push_back(ElbEvent::TargetDeregistered {
                    target_group_arn: arn.clone(),
                    target: target.description(),
                });
            }
        }
    }

    /// The next health check to make.
    pub fn poll_probe(&mut self) -> Option<Probe> {
        self.probes.pop_front()
    }

    /// A health check's answer. A check for a target gone since is ignored.
    pub fn handle_probe(&mut self, id: u64, outcome: ProbeOutcome) {
        let found = self
            .target_groups
            .iter()
            .enumerate()
            .find_map(|(g, group)| {
                let t = group.targets.iter().position(|t| t.probe == Some(id))?;
                Some((g, t))
            });
        let Some((g, t)) = found else {
            return;
        };
        let group = &mut self.target_groups[g];
        let (healthy_after, unhealthy_after) = (
            group.doc.healthy_threshold_count,
            group.doc.unhealthy_threshold_count,
        );
        let failure = actions::judge(&group.doc, outcome);
        let in_use = group.in_use;
        let target = &mut group.targets[t];
        target.probe = None;
        target.probe_deadline = None;
        if matches!(target.health, Health::Draining { .. }) || !in_use {
            return;
        }
        let before = target.health.clone();
        match failure {
            None => {
                target.fails = 0;
                target.passes += 1;
                let healthy = match target.health {
                    // One passing check puts a new target in service (FACTS §1.3).
                    Health::Initial { .. } => true,
                    _ => target.passes >= healthy_after,
                };
                if healthy {
                    target.health = Health::Healthy;
                }
            }
            Some((reason, description)) => {
                target.passes = 0;
                target.fails += 1;
                if target.fails >= unhealthy_after {
                    target.health = Health::Unhealthy {
                        reason,
                        description,
                    };
                } else if let Health::Initial { checked } = &mut target.health {
                    *checked = true;
                } else if let Health::Unhealthy {
                    reason: was,
                    description: said,
                } = &mut target.health
                {
                    *was = reason;
                    *said = description;
                }
            }
        }
        // Clients hear of a change of state; a failing target's newest reason is only shown.
        if std::mem::discriminant(&target.health) != std::mem::discriminant(&before) {
            let group = &self.target_groups[g];
            let target = &group.targets[t];
            self.events.push_back(ElbEvent::TargetHealth {
                target_group_arn: group.doc.target_group_arn.clone(),
                target: target.description(),
                health: group.health_of(target),
            });
        }
    }

    /// The next event for ELB's clients.
    pub fn poll_event(&mut self) -> Option<ElbEvent> {
        self.events.pop_front()
    }

    /// A target group as DescribeTargetGroups shows it.
    pub fn target_group(&self, arn: &str) -> Option<TargetGroup> {
        let group = self
            .target_groups
            .iter()
            .find(|g| g.doc.target_group_arn == arn)?;
        Some(actions::render_target_group(self, group))
    }

    /// What ECS needs to know of every target group.
    pub fn target_group_facts(&self) -> Vec<berth_model::load_balancing::TargetGroupFacts> {
        self.target_groups
            .iter()
            .map(|group| {
                let doc = actions::render_target_group(self, group);
                berth_model::load_balancing::TargetGroupFacts {
                    target_group_arn: doc.target_group_arn,
                    target_type: doc.target_type.as_str().to_owned(),
                    load_balancer_arns: doc.load_balancer_arns.member,
                }
            })
            .collect()
    }

    /// `tg:NAME`, `lb:NAME`, `listener:LB-NAME:PORT` and `rule:LB-NAME:PORT:PRIORITY`
    /// (`default` for a listener's default rule) with the ARN of each target group, load
    /// balancer, listener and rule: how scenarios, lessons and share links name what they
    /// have not made yet.
    pub fn names(&self) -> Vec<(String, String)> {
        let groups = self.target_groups.iter().map(|g| {
            (
                format!("tg:{}", g.doc.target_group_name),
                g.doc.target_group_arn.clone(),
            )
        });
        let lbs = self.load_balancers.iter().map(|lb| {
            (
                format!("lb:{}", lb.doc.load_balancer_name),
                lb.doc.load_balancer_arn.clone(),
            )
        });
        let listeners = self.listeners.iter().filter_map(|l| {
            let lb = self
                .load_balancers
                .iter()
                .find(|lb| lb.doc.load_balancer_arn == l.doc.load_balancer_arn)?;
            Some((
                format!("listener:{}:{}", lb.doc.load_balancer_name, l.doc.port),
                l.doc.listener_arn.clone(),
            ))
        });
        let rules = self.rules.iter().filter_map(|r| {
            let listener = self
                .listeners
                .iter()
                .find(|l| l.doc.listener_arn == r.listener_arn)?;
            let lb = self
                .load_balancers
                .iter()
                .find(|lb| lb.doc.load_balancer_arn == listener.doc.load_balancer_arn)?;
            Some((
                format!(
                    "rule:{}:{}:{}",
                    lb.doc.load_balancer_name, listener.doc.port, r.doc.priority
                ),
                r.doc.rule_arn.clone(),
            ))
        });
        // Longer names first, so `$tg:web-2` is not read as `$tg:web` and `-2`.
        let mut all: Vec<(String, String)> =
            groups.chain(lbs).chain(listeners).chain(rules).collect();
        all.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        all
    }

    /// Every listener's and listener rule's ARN: what a traffic-shifting ECS service may
    /// name as its production or test listener rule.
    pub fn listener_rule_arns(&self) -> Vec<String> {
        let listeners = self.listeners.iter().map(|l| l.doc.listener_arn.clone());
        let rules = self.rules.iter().map(|r| r.doc.rule_arn.clone());
        listeners.chain(rules).collect()
    }

    /// The request by which ECS points a listener rule (ModifyRule), or a listener's default
    /// rule or a listener (ModifyListener), at weighted target groups: a forward with
    /// `(target group ARN, weight)` each. `None` for an ARN ELB does not know.
    pub fn weigh_request(&self, rule: &str, weights: &[(String, u32)]) -> Option<Request> {
        let forward = documents::Action {
            kind: Some(documents::ActionType::Forward),
            target_group_arn: None,
            order: None,
            redirect_config: None,
            fixed_response_config: None,
            forward_config: Some(documents::ForwardConfig {
                target_groups: weights
                    .iter()
                    .map(|(arn, weight)| documents::TargetGroupTuple {
                        target_group_arn: Some(arn.clone()),
                        weight: Some(*weight),
                    })
                    .collect::<Vec<_>>()
                    .into(),
                target_group_stickiness_config: None,
            }),
        };
        let listener = |listener_arn: String| {
            Request::ModifyListener(requests::ModifyListenerInput {
                listener_arn: Some(listener_arn),
                default_actions: Some(vec![forward.clone()].into()),
                ..Default::default()
            })
        };
        if let Some(l) = self.listeners.iter().find(|l| l.doc.listener_arn == rule) {
            return Some(listener(l.doc.listener_arn.clone()));
        }
        let found = self.rules.iter().find(|r| r.doc.rule_arn == rule)?;
        Some(if found.doc.is_default {
            listener(found.listener_arn.clone())
        } else {
            Request::ModifyRule(requests::ModifyRuleInput {
                rule_arn: Some(rule.to_owned()),
                conditions: None,
                actions: Some(vec![forward].into()),
            })
        })
    }

    /// Every target group's ARN.
    pub fn target_group_arns(&self) -> impl Iterator<Item = &str> {
        self.target_groups
            .iter()
            .map(|g| g.doc.target_group_arn.as_str())
    }

    /// A target group's targets and their health, as DescribeTargetHealth shows them.
    pub fn target_health(&self, arn: &str) -> Vec<(TargetDescription, TargetHealth)> {
        self.target_groups
            .iter()
            .find(|g| g.doc.target_group_arn == arn)
            .map(|g| {
                g.targets
                    .iter()
                    .map(|t| (t.description(), g.health_of(t)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Recomputes which target groups a listener or rule uses. A group that comes into use
    /// starts its targets' checks afresh; one that goes out of use stops them.
    fn refresh_usage(&mut self, now: SimTime) {
        let used: Vec<String> = actions::used_target_groups(self);
        for group in &mut self.target_groups {
            let in_use = used.contains(&group.doc.target_group_arn);
            if in_use == group.in_use {
                continue;
            }
            group.in_use = in_use;
            let first =
                group.interval_ms() * berth_model::messages::ELB_FIRST_CHECK_AFTER_INTERVALS;
            for target in &mut group.targets {
                if matches!(target.health, Health::Draining { .. }) {
                    continue;
                }
                target.health = Health::Initial { checked: false };
                target.passes = 0;
                target.fails = 0;
                target.probe = None;
                target.probe_deadline = None;
                target.next_check = now.plus_millis(first);
            }
        }
    }
}

/// A load balancer's or target group's ARN as CloudWatch's `AWS/ApplicationELB` dimensions
/// (`LoadBalancer`, `TargetGroup`) name it: `app/web/50dc6c495c0c9188` for
/// a load balancer, `targetgroup/web/73e2d6bc24d8a067` for a target group.
pub fn metric_dimension(arn: &str) -> String {
    let resource = arn.rsplit(':').next().unwrap_or(arn);
    resource
        .strip_prefix("loadbalancer/")
        .unwrap_or(resource)
        .to_owned()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use serde_json::{json, Value};

    use super::*;
    use crate::documents::TargetHealthReason;

    #[test]
    fn metric_dimensions_are_the_arns_resources() {
        assert_eq!(
            metric_dimension(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
            ),
            "app/web/50dc6c495c0c9188"
        );
        assert_eq!(
            metric_dimension(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067"
            ),
            "targetgroup/web/73e2d6bc24d8a067"
        );
    }

    struct Everything;

    impl Hosts for Everything {
        fn is_running_instance(&self, id: &str) -> bool {
            id.starts_with("i-")
        }

        /// Instance `i-bad` answers 500; the others 200.
        fn answer(&self, request: &Probe) -> Option<ProbeOutcome> {
            Some(ProbeOutcome::Answered(if request.target_id == "i-bad" {
                500
            } else {
                200
            }))
        }
    }

    fn call(elb: &mut Elb, now: u64, action: &str, input: Value) -> Result<Value, ElbError> {
        let request = Request::decode(action, input).unwrap().unwrap();
        elb.handle(request, SimTime(now), &Everything)
            .map(|r| serde_json::to_value(r).unwrap())
    }

    /// A load balancer, a target group (checks every 10 s, 3 to heal, 2 to fail) and, when
    /// `listen`, a listener forwarding to it: the group's ARN.
    fn setup(elb: &mut Elb, listen: bool) -> String {
        let lb = call(
            elb,
            0,
            "CreateLoadBalancer",
            json!({"Name": "web", "Subnets": {"member": ["subnet-1", "subnet-2"]}}),
        )
        .unwrap();
        let tg = call(elb, 0, "CreateTargetGroup", json!({
            "Name": "web", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1",
            "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 3, "UnhealthyThresholdCount": 2,
        })).unwrap();
        let tg = tg["TargetGroups"]["member"][0]["TargetGroupArn"]
            .as_str()
            .unwrap()
            .to_owned();
        if listen {
            let lb = lb["LoadBalancers"]["member"][0]["LoadBalancerArn"]
                .as_str()
                .unwrap();
            call(
                elb,
                0,
                "CreateListener",
                json!({
                    "LoadBalancerArn": lb, "Protocol": "HTTP", "Port": 80,
                    "DefaultActions": {"member": [{"Type": "forward", "TargetGroupArn": tg}]},
                }),
            )
            .unwrap();
        }
        tg
    }

    /// Runs the checks due at `now`, each answered with `outcome`; the health events.
    fn check(elb: &mut Elb, now: u64, outcome: ProbeOutcome) -> Vec<TargetHealthState> {
        elb.handle_timeout(SimTime(now));
        while let Some(probe) = elb.poll_probe() {
            elb.handle_probe(probe.id, outcome);
        }
        std::iter::from_fn(|| elb.poll_event())
            .filter_map(|e| match e {
                ElbEvent::TargetHealth { health, .. } => Some(health.state),
                ElbEvent::TargetDeregistered { .. } => None,
            })
            .collect()
    }

    fn state(elb: &Elb, tg: &str) -> (TargetHealthState, Option<TargetHealthReason>) {
        let (_, health) = elb.target_health(tg).remove(0);
        (health.state, health.reason)
    }

    /// One passing check puts a new target in service; two failures take it out; only
    /// three passes in a row bring it back (FACTS §1.3).
    #[test]
    fn checks_move_a_target_through_its_states() {
        let mut elb = Elb::new("us-east-1", "123456789012", 7);
        let tg = setup(&mut elb, true);
        call(
            &mut elb,
            1_000,
            "RegisterTargets",
            json!({"TargetGroupArn": tg, "Targets": {"member": [{"Id": "i-1", "Port": 32768}]}}),
        )
        .unwrap();
        assert_eq!(
            state(&elb, &tg),
            (
                TargetHealthState::Initial,
                Some(TargetHealthReason::RegistrationInProgress)
            )
        );
        // The first check is one interval after registration.
        assert_eq!(elb.poll_timeout(), Some(SimTime(11_000)));
        assert_eq!(
            check(&mut elb, 11_000, ProbeOutcome::Answered(200)),
            [TargetHealthState::Healthy]
        );
        assert_eq!(check(&mut elb, 21_000, ProbeOutcome::Answered(502)), []);
        assert_eq!(
            check(&mut elb, 31_000, ProbeOutcome::Answered(502)),
            [TargetHealthState::Unhealthy]
        );
        let (_, health) = elb.target_health(&tg).remove(0);
        assert_eq!(
            health.reason,
            Some(TargetHealthReason::ResponseCodeMismatch)
        );
        assert_eq!(
            health.description.as_deref(),
            Some("Health checks failed with these codes: [502]")
        );
        assert_eq!(check(&mut elb, 41_000, ProbeOutcome::Answered(200)), []);
        assert_eq!(check(&mut elb, 51_000, ProbeOutcome::TimedOut), []);
        let (_, health) = elb.target_health(&tg).remove(0);
        assert_eq!(
            health.description.as_deref(),
            Some("Request timed out"),
            "the latest failure's reason"
        );
        for at in [61_000, 71_000] {
            assert_eq!(check(&mut elb, at, ProbeOutcome::Answered(200)), []);
        }
        assert_eq!(
            check(&mut elb, 81_000, ProbeOutcome::Answered(200)),
            [TargetHealthState::Healthy]
        );
    }

    /// What a real listener carried adds to the load balancer's and the target's counts; a
    /// target or load balancer gone since is left out, and nothing else changes.
    #[test]
    fn served_requests_are_counted() {
        let mut elb = Elb::new("us-east-1", "123456789012", 7);
        let tg = setup(&mut elb, true);
        call(
            &mut elb,
            0,
            "RegisterTargets",
            json!({"TargetGroupArn": tg, "Targets": {"member": [{"Id": "i-1", "Port": 32768}]}}),
        )
        .unwrap();
        let lb = elb.load_balancers[0].doc.load_balancer_arn.clone();
        let counts = |requests, target5xx, elb5xx| Counts {
            requests,
            target5xx,
            elb5xx,
        };
        elb.count_served(&[
            Served {
                load_balancer_arn: lb.clone(),
                target: Some((tg.clone(), "i-1".into(), 32768)),
                counts: counts(10, 2, 1),
            },
            Served {
                load_balancer_arn: lb.clone(),
                target: None,
                counts: counts(3, 0, 3),
            },
            Served {
                load_balancer_arn: lb.clone(),
                target: Some((tg.clone(), "i-9".into(), 1)),
                counts: counts(1, 0, 0),
            },
            Served {
                load_balancer_arn: "arn:gone".into(),
                target: None,
                counts: counts(5, 0, 0),
            },
        ]);
        let view = elb.view(SimTime(0), &|_, _, _| None);
        assert_eq!(view.load_balancers[0].counts, counts(14, 2, 4));
        assert_eq!(
            view.load_balancers[0].target_groups[0].targets[0].counts,
            counts(10, 2, 1)
        );
    }

    /// A target group no listener uses is not checked and its targets are unused; a
    /// listener brings them in, from initial.
    #[test]
    fn an_unused_group_checks_nothing() {
        let mut elb = Elb::new("us-east-1", "123456789012", 7);
        let tg = setup(&mut elb, false);
        call(
            &mut elb,
            0,
            "RegisterTargets",
            json!({"TargetGroupArn": tg, "Targets": {"member": [{"Id": "10.0.0.1"}]}}),
        )
        .unwrap_err();
        call(
            &mut elb,
            0,
            "RegisterTargets",
            json!({"TargetGroupArn": tg, "Targets": {"member": [{"Id": "i-1"}]}}),
        )
        .unwrap();
        assert_eq!(
            state(&elb, &tg),
            (
                TargetHealthState::Unused,
                Some(TargetHealthReason::NotInUse)
            )
        );
        assert_eq!(elb.poll_timeout(), None);
        let lb = call(&mut elb, 5_000, "DescribeLoadBalancers", json!({})).unwrap();
        let lb = lb["LoadBalancers"]["member"][0]["LoadBalancerArn"]
            .as_str()
            .unwrap()
            .to_owned();
        call(
            &mut elb,
            5_000,
            "CreateListener",
            json!({
                "LoadBalancerArn": lb, "Protocol": "HTTP", "Port": 80,
                "DefaultActions": {"member": [{"Type": "forward", "TargetGroupArn": tg}]},
            }),
        )
        .unwrap();
        assert_eq!(state(&elb, &tg).0, TargetHealthState::Initial);
        assert_eq!(elb.poll_timeout(), Some(SimTime(15_000)));
    }

    /// A deregistered target drains for the group's delay, then ECS hears it is gone.
    #[test]
    fn a_deregistered_target_drains_for_the_delay() {
        let mut elb = Elb::new("us-east-1", "123456789012", 7);
        let tg = setup(&mut elb, true);
        call(&mut elb, 0, "ModifyTargetGroupAttributes", json!({"TargetGroupArn": tg, "Attributes": {"member": [{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]}})).unwrap();
        let targets = json!({"TargetGroupArn": tg, "Targets": {"member": [{"Id": "i-1"}]}});
        call(&mut elb, 0, "RegisterTargets", targets.clone()).unwrap();
        check(&mut elb, 10_000, ProbeOutcome::Answered(200));
        call(&mut elb, 12_000, "DeregisterTargets", targets.clone()).unwrap();
        assert_eq!(
            state(&elb, &tg),
            (
                TargetHealthState::Draining,
                Some(TargetHealthReason::DeregistrationInProgress)
            )
        );
        assert_eq!(elb.poll_timeout(), Some(SimTime(42_000)));
        elb.poll_event();
        elb.handle_timeout(SimTime(42_000));
        let Some(ElbEvent::TargetDeregistered { target, .. }) = elb.poll_event() else {
            panic!("the drain ends with the target gone")
        };
        assert_eq!((target.id.as_str(), target.port), ("i-1", Some(80)));
        assert!(elb.target_health(&tg).is_empty());
        let asked = call(&mut elb, 43_000, "DescribeTargetHealth", targets).unwrap();
        assert_eq!(
            asked["TargetHealthDescriptions"]["member"][0]["TargetHealth"]["Reason"],
            "Target.NotRegistered"
        );
    }

    /// SetRulePriorities may swap two rules in one call; a clash with a rule left alone is
    /// PriorityInUse; the default rule sorts last.
    #[test]
    fn rule_priorities_are_reordered_without_clashes() {
        let mut elb = Elb::new("us-east-1", "123456789012", 7);
        let tg = setup(&mut elb, true);
        let lb = elb.load_balancers[0].doc.load_balancer_arn.clone();
        let listener = call(
            &mut elb,
            0,
            "DescribeListeners",
            json!({"LoadBalancerArn": lb}),
        )
        .unwrap();
        let listener = listener["Listeners"]["member"][0]["ListenerArn"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut rules = Vec::new();
        for (priority, path) in [(1, "/a"), (2, "/b"), (3, "/c")] {
            let rule = call(&mut elb, 0, "CreateRule", json!({
                "ListenerArn": listener, "Priority": priority,
                "Conditions": {"member": [{"Field": "path-pattern", "Values": {"member": [path]}}]},
                "Actions": {"member": [{"Type": "forward", "TargetGroupArn": tg}]},
            })).unwrap();
            rules.push(
                rule["Rules"]["member"][0]["RuleArn"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let swap = json!({"RulePriorities": {"member": [{"RuleArn": rules[0], "Priority": 2}, {"RuleArn": rules[1], "Priority": 1}]}});
        call(&mut elb, 0, "SetRulePriorities", swap).unwrap();
        let clash = json!({"RulePriorities": {"member": [{"RuleArn": rules[0], "Priority": 3}]}});
        assert_eq!(
            call(&mut elb, 0, "SetRulePriorities", clash)
                .unwrap_err()
                .code,
            "PriorityInUse"
        );
        let listed = call(
            &mut elb,
            0,
            "DescribeRules",
            json!({"ListenerArn": listener}),
        )
        .unwrap();
        let order: Vec<&str> = listed["Rules"]["member"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Priority"].as_str().unwrap())
            .collect();
        assert_eq!(order, ["1", "2", "3", "default"]);
        assert_eq!(listed["Rules"]["member"][0]["RuleArn"], rules[1].as_str());
    }

    fn arn(value: &Value, list: &str, key: &str) -> String {
        value[list]["member"][0][key].as_str().unwrap().to_owned()
    }

    /// A weighted forward splits the offered load by weight, exactly, each group round
    /// robin over its healthy targets; a path rule takes its own; a group with only
    /// unhealthy targets fails open; one with none gets the load balancer's 503s.
    #[test]
    fn offered_load_follows_the_rules_and_the_weights() {
        let mut elb = Elb::new("us-east-1", "123456789012", 7);
        let blue = setup(&mut elb, true);
        let lb = elb.load_balancers[0].doc.load_balancer_arn.clone();
        let listener = elb.listeners[0].doc.listener_arn.clone();
        let green = call(
            &mut elb,
            0,
            "CreateTargetGroup",
            json!({
                "Name": "green", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1",
                "HealthCheckIntervalSeconds": 10,
            }),
        )
        .unwrap();
        let green = arn(&green, "TargetGroups", "TargetGroupArn");
        let api = call(
            &mut elb,
            0,
            "CreateTargetGroup",
            json!({
                "Name": "api", "Protocol": "HTTP", "Port": 80, "VpcId": "vpc-1",
            }),
        )
        .unwrap();
        let api = arn(&api, "TargetGroups", "TargetGroupArn");
        call(&mut elb, 0, "ModifyListener", json!({
            "ListenerArn": listener,
            "DefaultActions": {"member": [{"Type": "forward", "ForwardConfig": {"TargetGroups": {"member": [
                {"TargetGroupArn": blue, "Weight": 80}, {"TargetGroupArn": green, "Weight": 20}]}}}]},
        })).unwrap();
        let rule = call(&mut elb, 0, "CreateRule", json!({
            "ListenerArn": listener, "Priority": 1,
            "Conditions": {"member": [{"Field": "path-pattern", "Values": {"member": ["/api/*"]}}]},
            "Actions": {"member": [{"Type": "forward", "TargetGroupArn": api}]},
        })).unwrap();
        let rule = arn(&rule, "Rules", "RuleArn");
        for (group, ids) in [(&blue, vec!["i-1", "i-2"]), (&green, vec!["i-bad"])] {
            let members: Vec<Value> = ids.iter().map(|id| json!({"Id": id})).collect();
            call(
                &mut elb,
                0,
                "RegisterTargets",
                json!({"TargetGroupArn": group, "Targets": {"member": members}}),
            )
            .unwrap();
        }
        check(&mut elb, 10_000, ProbeOutcome::Answered(200));
        elb.set_offered_load("web", 100, None, SimTime(10_000), &Everything)
            .unwrap();
        elb.accrue(SimTime(20_000), &Everything);
        let traffic = elb.traffic();
        let lb_traffic = &traffic.load_balancers[0];
        assert_eq!(lb_traffic.load_balancer_arn, lb);
        assert_eq!(
            lb_traffic.counts,
            Counts {
                requests: 1000,
                target5xx: 200,
                elb5xx: 0
            }
        );
        let got: Vec<(&str, u64)> = lb_traffic
            .targets
            .iter()
            .map(|t| (t.id.as_str(), t.counts.requests))
            .collect();
        assert_eq!(got, [("i-1", 400), ("i-2", 400), ("i-bad", 200)]);

        // One request at a time routes the same way: 80 of every 100 turns to blue.
        let request = HttpRequest {
            path: "/".into(),
            method: "GET".into(),
            ..HttpRequest::default()
        };
        let routed: Vec<String> = (0..100)
            .map(|turn| match elb.route(&listener, &request, turn).unwrap() {
                Routing::Forward { id, .. } => id,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(routed.iter().filter(|id| *id == "i-bad").count(), 20);
        assert_eq!(routed[..4], ["i-1", "i-2", "i-1", "i-2"]);
        let api_call = HttpRequest {
            path: "/api/users".into(),
            ..request.clone()
        };
        assert_eq!(
            elb.route(&listener, &api_call, 0),
            Some(Routing::NoTarget {
                target_group_arn: Some(api.clone())
            }),
            "the rule's group has no targets: 503"
        );
        // The path rule's group, empty, turns the offered load into 503s.
        elb.set_offered_load(&lb, 10, Some("/api/v1"), SimTime(20_000), &Everything)
            .unwrap();
        elb.accrue(SimTime(30_000), &Everything);
        assert_eq!(
            elb.traffic().load_balancers[0].counts,
            Counts {
                requests: 1100,
                target5xx: 200,
                elb5xx: 100
            }
        );
        // Every target fails its checks: with no healthy target, each group still sends
        // green its share (fail open).
        call(&mut elb, 30_000, "DeleteRule", json!({"RuleArn": rule})).unwrap();
        elb.set_offered_load(&lb, 10, None, SimTime(30_000), &Everything)
            .unwrap();
        check(&mut elb, 30_000, ProbeOutcome::Answered(500));
        check(&mut elb, 40_000, ProbeOutcome::Answered(500));
        let before = elb.traffic().load_balancers[0].targets[2].counts.requests;
        elb.accrue(SimTime(50_000), &Everything);
        let after = elb.traffic().load_balancers[0].targets[2].counts.requests;
        assert_eq!(after - before, 40, "fails open: 20% of 20 s at 10 a second");
    }

    /// The same seed and requests give the same ARNs and DNS names.
    #[test]
    fn ids_come_from_the_seed() {
        let names = |seed| {
            let mut elb = Elb::new("us-east-1", "123456789012", seed);
            setup(&mut elb, true);
            serde_json::to_string(&elb).unwrap()
        };
        assert_eq!(names(1), names(1));
        assert_ne!(names(1), names(2));
    }
}
