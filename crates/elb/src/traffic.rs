//! Requests through the load balancers: which rule of a listener a request matches, which
//! target group and target it goes to, and the virtual fleet's offered load, counted per
//! load balancer and per target as CloudWatch counts them.
//!
//! Routing is a pure function of the ELB's state and a *turn*, the request's number on its
//! listener: the turn picks the target group by the forward's weights and, within the group,
//! the target round robin (the ALB's default algorithm). Whoever sends requests keeps the
//! turns: the virtual fleet here (journalled, so a session replays), `berth serve`'s real
//! listeners their own. Offered load is accounted in closed form, so a day at 1,000 requests
//! a second costs as much as a minute.

use std::net::IpAddr;

use berth_model::SimTime;
use serde::{Deserialize, Serialize};

use crate::documents::{Action, ActionType, Protocol, RuleCondition};
use crate::records::{Health, Target, TargetGroupRecord};
use crate::{Elb, Hosts, Probe, ProbeOutcome};

/// An HTTP request (or, on a TCP listener, a connection) as a listener's rules see it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// The Host header, without a port.
    pub host: String,
    /// The path, from `/`.
    pub path: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The query string's pairs, decoded.
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The client's address.
    pub source_ip: Option<IpAddr>,
}

/// Where a listener sends a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Routing {
    /// To this target of this group.
    Forward {
        /// The target group.
        target_group_arn: String,
        /// The target: an instance id or an IP address.
        id: String,
        /// Its traffic port.
        port: u32,
    },
    /// The load balancer answers itself (a fixed-response action).
    Fixed {
        /// The status code.
        status: u16,
        /// `Content-Type`.
        content_type: Option<String>,
        /// The body.
        body: Option<String>,
    },
    /// A redirect (301 or 302) to this location.
    Redirect {
        /// The status code.
        status: u16,
        /// `Location`.
        location: String,
    },
    /// 503: the forward's target groups have no target to take it.
    NoTarget {
        /// The group the turn fell to, if any has weight.
        target_group_arn: Option<String>,
    },
}

/// A listener as a real socket serves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenerPort {
    /// Its ARN.
    pub listener_arn: String,
    /// Its port.
    pub port: u32,
    /// `HTTP`, `HTTPS`, `TCP`, ...
    pub protocol: Protocol,
    /// Its load balancer.
    pub load_balancer_arn: String,
    /// Its load balancer's DNS name.
    pub dns_name: String,
}

/// Requests counted, as CloudWatch's `AWS/ApplicationELB` metrics count them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Requests (`RequestCount`).
    pub requests: u64,
    /// Answered with a 5xx by the target (`HTTPCode_Target_5XX_Count`).
    pub target5xx: u64,
    /// Answered with a 5xx by the load balancer itself: 502 when the target refused, 503
    /// with no target, 504 when it timed out, or a fixed 5xx (`HTTPCode_ELB_5XX_Count`).
    pub elb5xx: u64,
}

impl Counts {
    /// Adds `other` in.
    pub fn add(&mut self, other: Counts) {
        self.requests += other.requests;
        self.target5xx += other.target5xx;
        self.elb5xx += other.elb5xx;
    }

    /// `times` requests forwarded to a target that answered with `outcome`: a 5xx is the
    /// target's, a refused or unanswered connection the load balancer's 502 or 504.
    pub fn forwarded(outcome: ProbeOutcome, times: u64) -> Counts {
        match outcome {
            ProbeOutcome::Answered(status) if status >= 500 => Counts {
                requests: times,
                target5xx: times,
                elb5xx: 0,
            },
            ProbeOutcome::Answered(_) | ProbeOutcome::Connected => Counts {
                requests: times,
                ..Counts::default()
            },
            ProbeOutcome::Refused | ProbeOutcome::TimedOut => Counts {
                requests: times,
                elb5xx: times,
                ..Counts::default()
            },
        }
    }

    /// One request the load balancer answered itself with `status` (503 with no target, a
    /// fixed response, a redirect).
    pub fn answered(status: u16) -> Counts {
        Counts {
            requests: 1,
            target5xx: 0,
            elb5xx: u64::from(status >= 500),
        }
    }
}

/// Requests a real listener carried (`berth serve`'s proxy), counted as the offered load's
/// are ([`Elb::count_served`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Served {
    /// The load balancer.
    pub load_balancer_arn: String,
    /// The target that was sent them, if one was: its group, id and port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<(String, String, u32)>,
    /// What they came to.
    pub counts: Counts,
}

/// A load balancer's offered load: synthetic requests spread evenly over its listeners.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Load {
    pub(crate) load_balancer_arn: String,
    /// Only to the listener on this port (else spread over them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) port: Option<u32>,
    pub(crate) per_second: u32,
    /// The requests' path.
    pub(crate) path: String,
    /// Accounted up to here ...
    pub(crate) since: SimTime,
    /// ... with this many thousandths of a request left over.
    pub(crate) carried: u64,
    /// Requests sent so far: the next request's number.
    pub(crate) sent: u64,
}

/// What the load balancers carried: the totals, and each target's share.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficView {
    /// Each load balancer with an offered load or counted requests.
    pub load_balancers: Vec<LoadBalancerTraffic>,
}

/// One load balancer's traffic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerTraffic {
    /// Its ARN.
    pub load_balancer_arn: String,
    /// Its name.
    pub load_balancer_name: String,
    /// The offered load, requests a second.
    pub requests_per_second: u32,
    /// The synthetic requests' path.
    pub path: String,
    /// Everything it took.
    pub counts: Counts,
    /// What each registered target got.
    pub targets: Vec<TargetTraffic>,
}

/// One target's traffic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetTraffic {
    /// Its target group.
    pub target_group_arn: String,
    /// Instance id or IP address.
    pub id: String,
    /// Its traffic port.
    pub port: u32,
    /// What it got.
    pub counts: Counts,
}

impl Elb {
    /// Sets a load balancer's offered load (0 stops it); `path` is its requests' path. The
    /// load balancer is named by ARN or name; `NAME:PORT` offers the load to that listener
    /// alone (a production listener beside a test one). The load so far is accounted first.
    pub fn set_offered_load(
        &mut self,
        load_balancer: &str,
        per_second: u32,
        path: Option<&str>,
        now: SimTime,
        hosts: &dyn Hosts,
    ) -> Result<String, crate::ElbError> {
        let (named, port) = match load_balancer.rsplit_once(':') {
            Some((name, port)) if !name.starts_with("arn:") => (name, port.parse().ok()),
            _ => (load_balancer, None),
        };
        let arn = self
            .load_balancers
            .iter()
            .find(|lb| lb.doc.load_balancer_arn == named || lb.doc.load_balancer_name == named)
            .map(|lb| lb.doc.load_balancer_arn.clone())
            .ok_or_else(|| {
                crate::ElbError::new(
                    "LoadBalancerNotFound",
                    berth_model::messages::elb_load_balancers_not_found(
                        &[load_balancer.to_owned()],
                    ),
                )
            })?;
        self.accrue(now, hosts);
        let path = path.unwrap_or("/").to_owned();
        match self
            .loads
            .iter_mut()
            .find(|l| l.load_balancer_arn == arn && l.port == port)
        {
            Some(load) => {
                load.per_second = per_second;
                load.path = path;
            }
            None => self.loads.push(Load {
                load_balancer_arn: arn.clone(),
                port,
                per_second,
                path,
                since: now,
                carried: 0,
                sent: 0,
            }),
        }
        Ok(arn)
    }

    /// Accounts the offered load from where it was last accounted up to `now`, routed as
    /// the state stood over that time (so call it before anything changes). A request to a
    /// target is answered as `hosts` says; one to a target `hosts` cannot answer (a Docker
    /// container, which real requests reach) is not counted.
    pub fn accrue(&mut self, now: SimTime, hosts: &dyn Hosts) {
        for l in 0..self.loads.len() {
            let load = &mut self.loads[l];
            let elapsed = now.as_millis().saturating_sub(load.since.as_millis());
            load.since = load.since.max(now);
            let thousandths =
                u128::from(elapsed) * u128::from(load.per_second) + u128::from(load.carried);
            load.carried = (thousandths % 1000) as u64;
            let n = u64::try_from(thousandths / 1000).unwrap_or(u64::MAX - load.sent);
            if n == 0 {
                continue;
            }
            let (start, arn, path) = (load.sent, load.load_balancer_arn.clone(), load.path.clone());
            let port = load.port;
            load.sent += n;
            self.carry(&arn, port, &path, start, start + n, hosts);
        }
    }

    /// Requests `first..end` of a load balancer's offered load, spread over its listeners:
    /// request `j` goes to listener `j mod L` as that listener's turn `j div L`.
    fn carry(
        &mut self,
        lb_arn: &str,
        port: Option<u32>,
        path: &str,
        first: u64,
        end: u64,
        hosts: &dyn Hosts,
    ) {
        let Some(lb) = self
            .load_balancers
            .iter()
            .find(|lb| lb.doc.load_balancer_arn == lb_arn)
        else {
            return;
        };
        let host = lb.doc.dns_name.clone();
        let listeners: Vec<String> = self
            .listeners
            .iter()
            .filter(|l| l.doc.load_balancer_arn == lb_arn)
            .filter(|l| port.is_none_or(|p| l.doc.port == p))
            .map(|l| l.doc.listener_arn.clone())
            .collect();
        let total = end - first;
        if listeners.is_empty() {
            // Nothing listens: the connections are refused, and CloudWatch counts nothing.
            return;
        }
        let count = listeners.len() as u64;
        let request = HttpRequest {
            host,
            path: path.to_owned(),
            method: "GET".to_owned(),
            ..HttpRequest::default()
        };
        let mut counted = Counts::default();
        for (i, listener) in listeners.iter().enumerate() {
            let i = i as u64;
            let (a, b) = (turns_before(first, i, count), turns_before(end, i, count));
            if a < b {
                counted.add(self.carry_on(listener, &request, a, b, hosts));
            }
        }
        debug_assert!(counted.requests <= total);
        if let Some(lb) = self
            .load_balancers
            .iter_mut()
            .find(|lb| lb.doc.load_balancer_arn == lb_arn)
        {
            lb.counts.add(counted);
        }
    }

    /// Turns `first..end` of one listener, all with `request`; what they came to.
    fn carry_on(
        &mut self,
        listener_arn: &str,
        request: &HttpRequest,
        first: u64,
        end: u64,
        hosts: &dyn Hosts,
    ) -> Counts {
        let n = end - first;
        let Some(action) = self.matching_action(listener_arn, request) else {
            return Counts::default();
        };
        match action.kind {
            Some(ActionType::Forward) => {}
            Some(ActionType::FixedResponse) => {
                let status = fixed_status(&action);
                return Counts {
                    requests: n,
                    elb5xx: if status >= 500 { n } else { 0 },
                    ..Counts::default()
                };
            }
            _ => {
                return Counts {
                    requests: n,
                    ..Counts::default()
                }
            }
        }
        let weights = weights(&action);
        let total: u64 = weights.iter().map(|(_, w)| w).sum();
        if total == 0 {
            return Counts {
                requests: n,
                elb5xx: n,
                ..Counts::default()
            };
        }
        let mut counted = Counts::default();
        let mut offset = 0;
        for (arn, weight) in weights {
            let (a, b) = (
                group_turns(first, offset, weight, total),
                group_turns(end, offset, weight, total),
            );
            offset += weight;
            if a == b {
                continue;
            }
            let Some(group) = self
                .target_groups
                .iter_mut()
                .find(|g| g.doc.target_group_arn == arn)
            else {
                continue;
            };
            counted.add(carry_in_group(group, a, b, hosts));
        }
        counted
    }

    /// The terminal action (forward, redirect or fixed response) of the listener's first
    /// rule, by priority, that `request` matches; the default rule matches any.
    fn matching_action(&self, listener_arn: &str, request: &HttpRequest) -> Option<Action> {
        let mut rules: Vec<_> = self
            .rules
            .iter()
            .filter(|r| r.listener_arn == listener_arn)
            .collect();
        rules.sort_by_key(|r| r.order());
        let rule = rules
            .into_iter()
            .find(|r| r.doc.conditions.iter().all(|c| matches(c, request)))?;
        terminal(&rule.doc.actions.member).cloned()
    }

    /// Where a listener sends one request, its `turn`th: pure, so `berth serve`'s real
    /// listeners and the virtual load route alike. `None` for an unknown listener.
    pub fn route(&self, listener_arn: &str, request: &HttpRequest, turn: u64) -> Option<Routing> {
        let listener = self
            .listeners
            .iter()
            .find(|l| l.doc.listener_arn == listener_arn)?;
        let action = self.matching_action(listener_arn, request)?;
        match action.kind {
            Some(ActionType::FixedResponse) => {
                let config = action.fixed_response_config.clone().unwrap_or_default();
                return Some(Routing::Fixed {
                    status: fixed_status(&action),
                    content_type: config.content_type,
                    body: config.message_body,
                });
            }
            Some(ActionType::Redirect) => {
                let config = action.redirect_config.clone().unwrap_or_default();
                let status = if config.status_code == "HTTP_301" {
                    301
                } else {
                    302
                };
                return Some(Routing::Redirect {
                    status,
                    location: redirect_location(
                        &config,
                        listener.doc.port,
                        &listener.doc.protocol,
                        request,
                    ),
                });
            }
            _ => {}
        }
        let weights = weights(&action);
        let total: u64 = weights.iter().map(|(_, w)| w).sum();
        if total == 0 {
            return Some(Routing::NoTarget {
                target_group_arn: None,
            });
        }
        let mut offset = 0;
        for (arn, weight) in weights {
            let (a, b) = (
                group_turns(turn, offset, weight, total),
                group_turns(turn + 1, offset, weight, total),
            );
            offset += weight;
            if a == b {
                continue;
            }
            let group = self
                .target_groups
                .iter()
                .find(|g| g.doc.target_group_arn == arn)?;
            let routable = routable(group);
            if routable.is_empty() {
                return Some(Routing::NoTarget {
                    target_group_arn: Some(arn),
                });
            }
            let target = &group.targets[routable[(a % routable.len() as u64) as usize]];
            return Some(Routing::Forward {
                target_group_arn: arn,
                id: target.id.clone(),
                port: target.port,
            });
        }
        None
    }

    /// Every listener: its ARN, port and protocol, and its load balancer's DNS name.
    pub fn listener_ports(&self) -> Vec<ListenerPort> {
        self.listeners
            .iter()
            .map(|l| ListenerPort {
                listener_arn: l.doc.listener_arn.clone(),
                port: l.doc.port,
                protocol: l.doc.protocol.clone(),
                load_balancer_arn: l.doc.load_balancer_arn.clone(),
                dns_name: self
                    .load_balancers
                    .iter()
                    .find(|lb| lb.doc.load_balancer_arn == l.doc.load_balancer_arn)
                    .map(|lb| lb.doc.dns_name.clone())
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// Counts what real listeners carried; a load balancer or target gone since is left out.
    pub fn count_served(&mut self, served: &[Served]) {
        for served in served {
            if let Some(lb) = self
                .load_balancers
                .iter_mut()
                .find(|lb| lb.doc.load_balancer_arn == served.load_balancer_arn)
            {
                lb.counts.add(served.counts);
            }
            let Some((group, id, port)) = &served.target else {
                continue;
            };
            if let Some(group) = self
                .target_groups
                .iter_mut()
                .find(|g| g.doc.target_group_arn == *group)
            {
                if let Some(t) = group.target(id, *port) {
                    group.targets[t].served.add(served.counts);
                }
            }
        }
    }

    /// What the load balancers carried (accounted up to the last [`Elb::accrue`]).
    pub fn traffic(&self) -> TrafficView {
        let load_balancers = self
            .load_balancers
            .iter()
            .filter_map(|lb| {
                let arn = &lb.doc.load_balancer_arn;
                let loads = self.loads.iter().filter(|l| l.load_balancer_arn == *arn);
                let load = loads.clone().next();
                if load.is_none() && lb.counts == Counts::default() {
                    return None;
                }
                let groups: Vec<&TargetGroupRecord> = self
                    .target_groups
                    .iter()
                    .filter(|g| {
                        crate::actions::render_target_group(self, g)
                            .load_balancer_arns
                            .iter()
                            .any(|a| a == arn)
                    })
                    .collect();
                let targets = groups
                    .iter()
                    .flat_map(|g| {
                        g.targets.iter().map(|t| TargetTraffic {
                            target_group_arn: g.doc.target_group_arn.clone(),
                            id: t.id.clone(),
                            port: t.port,
                            counts: t.served,
                        })
                    })
                    .collect();
                Some(LoadBalancerTraffic {
                    load_balancer_arn: arn.clone(),
                    load_balancer_name: lb.doc.load_balancer_name.clone(),
                    requests_per_second: loads.map(|l| l.per_second).sum(),
                    path: load.map_or_else(|| "/".to_owned(), |l| l.path.clone()),
                    counts: lb.counts,
                    targets,
                })
            })
            .collect();
        TrafficView { load_balancers }
    }
}

/// A rule's terminal action: its forward, redirect or fixed response, the last by `Order`.
/// Authentication actions come first; Berth has no identity provider and lets the request
/// through to the terminal one.
pub(crate) fn terminal(actions: &[Action]) -> Option<&Action> {
    actions
        .iter()
        .filter(|a| {
            matches!(
                a.kind,
                Some(ActionType::Forward | ActionType::Redirect | ActionType::FixedResponse)
            )
        })
        .max_by_key(|a| a.order.unwrap_or(0))
}

/// How many of the turns before `end` fall to listener `i` of `count` (turn `j` goes to
/// listener `j mod count`).
fn turns_before(end: u64, i: u64, count: u64) -> u64 {
    end / count + u64::from(end % count > i)
}

/// How many of the turns before `end` fall to the group whose weights take `offset..offset +
/// weight` of every `total`: the group's own turn for request `end`.
fn group_turns(end: u64, offset: u64, weight: u64, total: u64) -> u64 {
    (end / total) * weight + (end % total).saturating_sub(offset).min(weight)
}

/// A forward's target groups and weights, in order.
fn weights(action: &Action) -> Vec<(String, u64)> {
    match &action.forward_config {
        Some(config) => config
            .target_groups
            .iter()
            .filter_map(|t| {
                Some((
                    t.target_group_arn.clone()?,
                    u64::from(t.weight.unwrap_or(1)),
                ))
            })
            .collect(),
        None => action
            .target_group_arn
            .iter()
            .map(|arn| (arn.clone(), 1))
            .collect(),
    }
}

fn fixed_status(action: &Action) -> u16 {
    action
        .fixed_response_config
        .as_ref()
        .and_then(|c| c.status_code.parse().ok())
        .unwrap_or(503)
}

/// The targets a group sends requests to, by index: the healthy ones; when there are none
/// but unhealthy ones, all of those (the load balancer fails open); a draining target or one
/// not yet checked healthy gets none.
fn routable(group: &TargetGroupRecord) -> Vec<usize> {
    let pick = |want: fn(&Target) -> bool| -> Vec<usize> {
        group
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| want(t))
            .map(|(i, _)| i)
            .collect()
    };
    let healthy = pick(|t| t.health == Health::Healthy);
    if healthy.is_empty() {
        pick(|t| matches!(t.health, Health::Unhealthy { .. }))
    } else {
        healthy
    }
}

/// The group's own turns `first..end`, round robin over its routable targets (the `k`th
/// goes to routable target `k mod n`), each answered as `hosts` says.
fn carry_in_group(
    group: &mut TargetGroupRecord,
    first: u64,
    end: u64,
    hosts: &dyn Hosts,
) -> Counts {
    let n = end - first;
    let routable = routable(group);
    if routable.is_empty() {
        return Counts {
            requests: n,
            elb5xx: n,
            ..Counts::default()
        };
    }
    let count = routable.len() as u64;
    let protocol = match group.doc.protocol {
        Some(Protocol::Http | Protocol::Https) | None => "HTTP",
        Some(_) => "TCP",
    };
    let mut counted = Counts::default();
    for (i, &t) in routable.iter().enumerate() {
        let i = i as u64;
        let got = turns_before(end, i, count) - turns_before(first, i, count);
        if got == 0 {
            continue;
        }
        let target = &mut group.targets[t];
        let request = Probe {
            id: 0,
            target_group_arn: group.doc.target_group_arn.clone(),
            target_id: target.id.clone(),
            target_port: target.port,
            port: target.port,
            protocol: protocol.to_owned(),
            path: Some("/".to_owned()),
            timeout_ms: 0,
        };
        let Some(outcome) = hosts.answer(&request) else {
            continue;
        };
        let counts = Counts::forwarded(outcome, got);
        target.served.add(counts);
        counted.add(counts);
    }
    counted
}

/// Whether a rule's condition holds for `request`. Host, header and query patterns ignore
/// case; paths do not; `*` is any run of characters and `?` one.
fn matches(condition: &RuleCondition, request: &HttpRequest) -> bool {
    let values = |config: &Option<crate::documents::ValuesConfig>| -> Vec<String> {
        config
            .iter()
            .flat_map(|c| c.values.iter().cloned())
            .chain(condition.values.iter().flat_map(|v| v.iter().cloned()))
            .collect()
    };
    match condition.field.as_deref() {
        Some("host-header") => values(&condition.host_header_config)
            .iter()
            .any(|p| wildcard(&p.to_ascii_lowercase(), &request.host.to_ascii_lowercase())),
        Some("path-pattern") => values(&condition.path_pattern_config)
            .iter()
            .any(|p| wildcard(p, &request.path)),
        Some("http-request-method") => {
            values(&condition.http_request_method_config).contains(&request.method)
        }
        Some("http-header") => condition.http_header_config.as_ref().is_some_and(|c| {
            let name = c.http_header_name.as_deref().unwrap_or_default();
            request
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .any(|(_, v)| {
                    c.values
                        .iter()
                        .any(|p| wildcard(&p.to_ascii_lowercase(), &v.to_ascii_lowercase()))
                })
        }),
        Some("query-string") => condition.query_string_config.as_ref().is_some_and(|c| {
            c.values.iter().any(|pair| {
                request.query.iter().any(|(k, v)| {
                    let key = pair
                        .key
                        .as_ref()
                        .is_none_or(|p| wildcard(&p.to_ascii_lowercase(), &k.to_ascii_lowercase()));
                    key && wildcard(&pair.value.to_ascii_lowercase(), &v.to_ascii_lowercase())
                })
            })
        }),
        Some("source-ip") => request.source_ip.is_some_and(|ip| {
            values(&condition.source_ip_config)
                .iter()
                .any(|cidr| in_block(cidr, ip))
        }),
        _ => false,
    }
}

/// `pattern` with `*` (any run) and `?` (one character) against `text`, whole.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            // Let the last star take one more character.
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// Whether `ip` is in the CIDR block `cidr` (a bare address is a /32 or /128).
fn in_block(cidr: &str, ip: IpAddr) -> bool {
    let (address, bits) = cidr.split_once('/').unwrap_or((cidr, ""));
    let Ok(address) = address.parse::<IpAddr>() else {
        return false;
    };
    match (address, ip) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let bits: u32 = bits.parse().unwrap_or(32).min(32);
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let bits: u32 = bits.parse().unwrap_or(128).min(128);
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// A redirect's `Location`: the config's parts, `#{protocol}`, `#{host}`, `#{port}`,
/// `#{path}` and `#{query}` standing for the request's own.
fn redirect_location(
    config: &crate::documents::RedirectConfig,
    port: u32,
    protocol: &Protocol,
    request: &HttpRequest,
) -> String {
    let query: Vec<String> = request
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let query = query.join("&");
    let path = request.path.trim_start_matches('/');
    let fill = |template: &str| {
        template
            .replace("#{protocol}", &protocol.as_str().to_ascii_lowercase())
            .replace("#{host}", &request.host)
            .replace("#{port}", &port.to_string())
            .replace("#{path}", path)
            .replace("#{query}", &query)
    };
    let scheme = fill(config.protocol.as_deref().unwrap_or("#{protocol}")).to_ascii_lowercase();
    let host = fill(config.host.as_deref().unwrap_or("#{host}"));
    let port = fill(config.port.as_deref().unwrap_or("#{port}"));
    let path = fill(config.path.as_deref().unwrap_or("/#{path}"));
    let query = fill(config.query.as_deref().unwrap_or("#{query}"));
    let default_port = matches!(
        (scheme.as_str(), port.as_str()),
        ("http", "80") | ("https", "443")
    );
    let mut location = format!("{scheme}://{host}");
    if !default_port {
        location.push(':');
        location.push_str(&port);
    }
    location.push_str(&path);
    if !query.is_empty() {
        location.push('?');
        location.push_str(&query);
    }
    location
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn wildcards_match_whole_texts() {
        assert!(wildcard("/api/*", "/api/users"));
        assert!(wildcard("/api/*", "/api/"));
        assert!(!wildcard("/api/*", "/api"));
        assert!(wildcard("*.example.com", "www.example.com"));
        assert!(!wildcard("*.example.com", "example.com"));
        assert!(wildcard("/img/?.png", "/img/a.png"));
        assert!(!wildcard("/img/?.png", "/img/ab.png"));
        assert!(wildcard("*a*b", "xxaxxb"));
        assert!(!wildcard("*a*b", "xxaxxbx"));
        assert!(wildcard("*", ""));
    }

    #[test]
    fn blocks_hold_their_addresses() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_block("10.0.0.0/8", ip("10.1.2.3")));
        assert!(!in_block("10.0.0.0/8", ip("11.0.0.1")));
        assert!(in_block("0.0.0.0/0", ip("192.0.2.1")));
        assert!(in_block("127.0.0.1", ip("127.0.0.1")));
        assert!(!in_block("2001:db8::/32", ip("10.0.0.1")));
        assert!(in_block("2001:db8::/32", ip("2001:db8::1")));
    }

    /// The closed forms count exactly what one request at a time would.
    #[test]
    fn turns_split_as_one_at_a_time_would() {
        for (offset, weight, total) in
            [(0, 1, 1), (0, 20, 100), (20, 80, 100), (3, 0, 5), (1, 3, 7)]
        {
            for end in 0..250u64 {
                let one_by_one = (0..end)
                    .filter(|j| (offset..offset + weight).contains(&(j % total)))
                    .count() as u64;
                assert_eq!(group_turns(end, offset, weight, total), one_by_one);
            }
        }
        for count in 1..5u64 {
            for i in 0..count {
                for end in 0..40u64 {
                    let one_by_one = (0..end).filter(|j| j % count == i).count() as u64;
                    assert_eq!(turns_before(end, i, count), one_by_one);
                }
            }
        }
    }
}
