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
