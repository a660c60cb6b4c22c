//! Berth's own views of the control plane, which no ECS operation has: the world's clock, the
//! explanation of where the next task would be placed, and the fleet at a glance. The control plane writes them, `berth serve` and the
//! page's local control plane send them as JSON, and the page reads them with these same
//! types, so a member renamed on one side cannot be read under its old name on the other.

use crate::states::ContainerInstanceStatus;
use serde::{Deserialize, Serialize};

/// What `/berth/clock` is asked: nothing (a read), or a change of speed, a step to the next
/// thing that happens, a rewind; applied in that order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockRequest {
    /// 0 (paused), 1, 10 or 100; anything else is refused with a sentence saying so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<serde_json::Value>,
    /// Jump to the next thing that happens.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub step: bool,
    /// Forget everything after this time (epoch milliseconds) and replay up to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewind_to: Option<serde_json::Value>,
}

impl ClockRequest {
    /// Whether it asks for a change (not a read).
    pub fn changes(&self) -> bool {
        self.speed.is_some() || self.step || self.rewind_to.is_some()
    }
}

/// The world's clock, as `/berth/clock` answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockDocument {
    /// The fleet's time, epoch milliseconds.
    pub now: u64,
    /// How many times as fast as the wall clock it runs (0: paused).
    pub speed: u32,
    /// Whether it may be changed: not while Docker agents run real containers.
    pub adjustable: bool,
    /// The earliest time a rewind can go back to, epoch milliseconds.
    pub earliest: u64,
}

/// What `/berth/explain` is asked: a service's next task, or (without a service) a task
/// definition's, run as RunTask would run it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainRequest {
    /// The cluster (name or ARN); `default` without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// The service (name or ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The task definition (family, family:revision or ARN), without a service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
}

/// What `/berth/summary` is asked: a cluster's [`FleetSummary`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryRequest {
    /// The cluster (name or ARN); `default` without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
}

/// "Why here, why not there?": where the next task of a service, or of a task definition run
/// as RunTask would run it, would be placed now, and every instance's verdict.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The cluster's name.
    pub cluster: String,
    /// The task runs on Fargate, which takes no container instance: `summary` says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fargate: bool,
    /// The revision that would be placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    /// Its task group (`service:<name>`, `family:<name>`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The capacity provider whose instances it would go to, when a strategy gives the next
    /// task to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider: Option<String>,
    /// The strategies in force, in order.
    #[serde(default)]
    pub strategies: Vec<String>,
    /// The container instance ARN it would go to; `None` when none can take it.
    #[serde(default)]
    pub chosen: Option<String>,
    /// How many instances tied on every strategy; the control plane's generator, where it
    /// stands now, picks `chosen` among them, as placing now would.
    #[serde(default)]
    pub tied: u32,
    /// One sentence: where, or why nowhere.
    pub summary: String,
    /// When nothing fits: ECS's "closest matching container-instance" sentence.
    #[serde(default)]
    pub closest_match: Option<String>,
    /// Every registered instance's verdict, in registration order.
    #[serde(default)]
    pub instances: Vec<InstanceVerdict>,
}

/// One instance's verdict in an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceVerdict {
    /// The container instance.
    pub container_instance_arn: String,
    /// Its EC2 instance.
    pub ec2_instance_id: String,
    /// Its `ecs.availability-zone` attribute.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// What the scheduler made of it.
    pub verdict: VerdictKind,
    /// Why it cannot take the task, as RunTask's `failures[].reason` says it
    /// (`RESOURCE:MEMORY`); empty when it can.
    #[serde(default)]
    pub reason: String,
    /// The same, with the numbers (`RESOURCE:PORTS (port 80 in use)`).
    #[serde(default)]
    pub detail: String,
    /// The key each ranking strategy gave it (lower wins); empty when it cannot take it.
    #[serde(default)]
    pub keys: Vec<u64>,
}

/// An instance's part in a placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictKind {
    /// It would take the task.
    Chosen,
    /// It could take the task; another ranked better (or won the draw).
    Ranked,
    /// A constraint, its status or its launch type rules it out.
    Filtered,
    /// It has too little CPU, memory, ports or ENIs left.
    Exhausted,
}

impl VerdictKind {
    /// The word a view shows and styles by.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Chosen => "chosen",
            VerdictKind::Ranked => "ranked",
            VerdictKind::Filtered => "filtered",
            VerdictKind::Exhausted => "exhausted",
        }
    }
}

/// A cluster's instances and their tasks, compactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FleetSummary {
    /// The cluster's name.
    pub cluster: String,
    /// The task definition ARNs the tasks name, by index.
    pub revisions: Vec<String>,
    /// The registered (not INACTIVE) instances, in registration order.
    pub instances: Vec<InstanceSummary>,
}

/// One instance of a [`FleetSummary`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceSummary {
    /// The container instance id.
    pub id: String,
    /// Its Availability Zone.
    pub zone: String,
    /// ACTIVE or DRAINING.
    pub status: ContainerInstanceStatus,
    /// Whether its agent is connected.
    pub connected: bool,
    /// CPU units: `[reserved, registered]`.
    pub cpu: [u32; 2],
    /// MiB: `[reserved, registered]`.
    pub memory: [u32; 2],
    /// Its unstopped tasks: `[revision index, reserved MiB, 1 if RUNNING else 0]`.
    pub tasks: Vec<[u32; 3]>,
}
