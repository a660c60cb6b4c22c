//! What ECS and Elastic Load Balancing say to each other, as two services of one region do:
//! ECS reads a target group's facts when a service names it, registers a task's port as a
//! target when the task runs and deregisters it before the task stops; ELB tells ECS how each
//! target's health checks go and when a deregistered target has drained. Neither crate knows
//! the other: the region (fleet-sim) carries these between them.

use serde::{Deserialize, Serialize};

/// What ECS needs to know of a target group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetGroupFacts {
    /// Its ARN.
    pub target_group_arn: String,
    /// `instance` or `ip`.
    pub target_type: String,
    /// The load balancers whose listeners or rules forward to it.
    pub load_balancer_arns: Vec<String>,
}

/// A target: a port of an instance or an IP address, in a target group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// The target group.
    pub target_group_arn: String,
    /// An EC2 instance id, or a task's IP address.
    pub id: String,
    /// The port.
    pub port: u32,
}

/// What ECS asks of ELB.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetCall {
    /// RegisterTargets.
    Register(Target),
    /// DeregisterTargets.
    Deregister(Target),
    /// A traffic-shifting deployment moves a listener rule's (or a listener's default)
    /// forward to these target groups with these weights: ModifyRule or ModifyListener.
    Weigh {
        /// A listener rule's ARN, or a listener's.
        rule: String,
        /// `(target group ARN, weight)`, weights 0 to 999 as ELB takes them.
        weights: Vec<(String, u32)>,
    },
}

/// ELB weights for a split of traffic in which `percent` (0 to 100, in tenths) goes to the
/// second of two target groups: whole percentages as they are, tenths as thousandths (ELB
/// takes weights up to 999).
pub fn split_weights(percent: f64) -> (u32, u32) {
    let tenths = (percent.clamp(0.0, 100.0) * 10.0).round() as u32;
    if tenths.is_multiple_of(10) {
        (100 - tenths / 10, tenths / 10)
    } else {
        (1000 - tenths, tenths)
    }
}

/// A target's health as ECS hears it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetState {
    /// Registered; its checks have not passed yet.
    Initial,
    /// In service.
    Healthy,
    /// Failing its checks, with ELB's description (`Health checks failed with these codes:
    /// [503]`).
    Unhealthy(String),
    /// Deregistered, draining.
    Draining,
    /// Gone from the target group.
    Gone,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_is_whole_percentages_or_thousandths_within_elbs_999() {
        assert_eq!(split_weights(0.0), (100, 0));
        assert_eq!(split_weights(10.0), (90, 10));
        assert_eq!(split_weights(100.0), (0, 100));
        assert_eq!(split_weights(0.1), (999, 1));
        assert_eq!(split_weights(33.3), (667, 333));
        assert_eq!(split_weights(99.9), (1, 999));
    }
}
