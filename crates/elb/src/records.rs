//! What ELB keeps: each load balancer, target group, listener and rule as its document, and
//! each registered target with its health-check history.

use berth_model::{messages, SimTime};
use serde::{Deserialize, Serialize};

use crate::documents::{
    Attribute, Listener, LoadBalancer, Rule, TargetDescription, TargetGroup, TargetHealth,
    TargetHealthReason, TargetHealthState,
};
use crate::traffic::Counts;

/// A load balancer and its attributes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct LoadBalancerRecord {
    pub(crate) doc: LoadBalancer,
    pub(crate) attributes: Vec<Attribute>,
    /// The requests it took.
    #[serde(default)]
    pub(crate) counts: Counts,
}

/// A target group, its attributes and its targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct TargetGroupRecord {
    /// The document; `LoadBalancerArns` is filled in when it is described.
    pub(crate) doc: TargetGroup,
    pub(crate) attributes: Vec<Attribute>,
    /// Registered targets (draining ones included), in registration order.
    pub(crate) targets: Vec<Target>,
    /// A listener or rule of some load balancer forwards to it: only then are its targets
    /// health-checked (otherwise they are `unused`).
    pub(crate) in_use: bool,
}

impl TargetGroupRecord {
    /// An attribute's value.
    pub(crate) fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.key == key)
            .map(|a| a.value.as_str())
    }

    /// `deregistration_delay.timeout_seconds`, in milliseconds.
    pub(crate) fn deregistration_delay_ms(&self) -> u64 {
        self.attribute("deregistration_delay.timeout_seconds")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(300)
            * 1000
    }

    /// Milliseconds between two checks of a target.
    pub(crate) fn interval_ms(&self) -> u64 {
        u64::from(self.doc.health_check_interval_seconds) * 1000
    }

    /// The target registered as `id` on `port`.
    pub(crate) fn target(&self, id: &str, port: u32) -> Option<usize> {
        self.targets
            .iter()
            .position(|t| t.id == id && t.port == port)
    }

    /// The port a target is reached on: its own, or the group's.
    pub(crate) fn port_of(&self, target: &TargetDescription) -> Option<u32> {
        target.port.or(self.doc.port)
    }

    /// The health of `target` as DescribeTargetHealth reports it.
    pub(crate) fn health_of(&self, target: &Target) -> TargetHealth {
        let (state, reason, description) = match &target.health {
            Health::Draining { .. } => (
                TargetHealthState::Draining,
                Some(TargetHealthReason::DeregistrationInProgress),
                messages::ELB_DEREGISTRATION_IN_PROGRESS.to_owned(),
            ),
            _ if !self.in_use => (
                TargetHealthState::Unused,
                Some(TargetHealthReason::NotInUse),
                messages::ELB_NOT_IN_USE.to_owned(),
            ),
            Health::Initial { checked: false } => (
                TargetHealthState::Initial,
                Some(TargetHealthReason::RegistrationInProgress),
                messages::ELB_REGISTRATION_IN_PROGRESS.to_owned(),
            ),
            Health::Initial { checked: true } => (
                TargetHealthState::Initial,
                Some(TargetHealthReason::InitialHealthChecking),
                messages::ELB_INITIAL_HEALTH_CHECKING.to_owned(),
            ),
            Health::Healthy => {
                return TargetHealth {
                    state: TargetHealthState::Healthy,
                    reason: None,
                    description: None,
                }
            }
            Health::Unhealthy {
                reason,
                description,
            } => (
                TargetHealthState::Unhealthy,
                Some(reason.clone()),
                description.clone(),
            ),
        };
        TargetHealth {
            state,
            reason,
            description: Some(description),
        }
    }

    /// The `HealthCheckPort` a description shows: the target's port for `traffic-port`.
    pub(crate) fn health_check_port(&self, port: u32) -> u32 {
        match self.doc.health_check_port.as_deref() {
            None | Some("traffic-port") => port,
            Some(other) => other.parse().unwrap_or(port),
        }
    }
}

/// A registered target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Target {
    /// Instance id or IP address.
    pub(crate) id: String,
    /// The port traffic goes to.
    pub(crate) port: u32,
    /// `AvailabilityZone` as registered.
    pub(crate) availability_zone: Option<String>,
    pub(crate) health: Health,
    /// When its next check is due.
    pub(crate) next_check: SimTime,
    /// Checks passed and failed in a row.
    pub(crate) passes: u32,
    pub(crate) fails: u32,
    /// The check sent and not yet answered ...
    pub(crate) probe: Option<u64>,
    /// ... and when it times out unanswered.
    #[serde(default)]
    pub(crate) probe_deadline: Option<SimTime>,
    /// The requests it was sent.
    #[serde(default)]
    pub(crate) served: Counts,
}

impl Target {
    /// Its `TargetDescription`.
    pub(crate) fn description(&self) -> TargetDescription {
        TargetDescription {
            id: self.id.clone(),
            port: Some(self.port),
            availability_zone: self.availability_zone.clone(),
        }
    }
}

/// A target's health as its checks made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Health {
    /// Registered, not yet healthy; `checked` once a check has been answered.
    Initial { checked: bool },
    /// Passing.
    Healthy,
    /// Failing, and why.
    Unhealthy {
        reason: TargetHealthReason,
        description: String,
    },
    /// Deregistered; removed at `until` (the deregistration delay).
    Draining { until: SimTime },
}

/// A listener.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct ListenerRecord {
    pub(crate) doc: Listener,
}

/// A rule and its listener.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct RuleRecord {
    pub(crate) listener_arn: String,
    pub(crate) doc: Rule,
}

impl RuleRecord {
    /// Its priority as a number (the default rule sorts last).
    pub(crate) fn order(&self) -> u32 {
        self.doc.priority.parse().unwrap_or(u32::MAX)
    }
}
