//! Explanations: the data behind every placement decision, and the sentences rendered from it.
//!
//! Each instance a decision looks at ends in exactly one bucket: *filtered* (it can never run
//! this task as things stand: not ACTIVE, agent disconnected, a required attribute missing,
//! a constraint unmet), *exhausted* (it could, but a resource is used up: CPU, memory, ports,
//! ENIs), or *ranked* (feasible; each strategy gave it a key). `evaluated = filtered +
//! exhausted + ranked` always holds. Service events, RunTask `failures` and the UI's "why
//! here / why not there" all render from this one structure.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use berth_model::messages;

use crate::instance::{ContainerInstance, InstanceStatus};

/// Why an instance could not take a task, in ECS's order of checks.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// The instance is not ACTIVE.
    Status(InstanceStatus),
    /// The instance serves the other launch type (EC2 vs EXTERNAL).
    LaunchType,
    /// The instance belongs to another capacity provider than the one asked for.
    CapacityProvider,
    /// The agent is disconnected: `AGENT`.
    Agent,
    /// A required attribute is missing: `ATTRIBUTE`.
    Attribute(String),
    /// Not enough CPU units: `RESOURCE:CPU`.
    Cpu,
    /// Not enough memory: `RESOURCE:MEMORY`.
    Memory,
    /// A static TCP port is taken, or no dynamic TCP port is left: `RESOURCE:PORTS`.
    Ports(Option<u16>),
    /// The same for UDP: `RESOURCE:PORTS_UDP`.
    PortsUdp(Option<u16>),
    /// No ENI attachment left for an awsvpc task: `RESOURCE:ENI`.
    Eni,
    /// A task of the group already runs here (distinctInstance).
    DistinctInstance,
    /// A memberOf expression does not hold (the constraint's index).
    MemberOf(usize),
}

/// Filtered or exhausted (Nomad's distinction: can never vs. cannot now).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// Can never run the task as things stand.
    Filtered,
    /// Could, but a resource is used up.
    Exhausted,
}

impl Reason {
    /// Which bucket the reason puts an instance in.
    pub fn bucket(&self) -> Bucket {
        match self {
            Reason::Cpu | Reason::Memory | Reason::Ports(_) | Reason::PortsUdp(_) | Reason::Eni => {
                Bucket::Exhausted
            }
            // distinctInstance is about where the group's tasks are now: exhausted, not filtered.
            Reason::DistinctInstance => Bucket::Exhausted,
            _ => Bucket::Filtered,
        }
    }

    /// The RunTask `failures[].reason` string.
    pub fn failure_reason(&self) -> String {
        match self {
            Reason::Status(status) => status.as_str().to_owned(),
            Reason::LaunchType => "LAUNCH_TYPE".into(),
            Reason::CapacityProvider => "CAPACITY_PROVIDER".into(),
            Reason::Agent => "AGENT".into(),
            Reason::Attribute(_) => "ATTRIBUTE".into(),
            Reason::Cpu => "RESOURCE:CPU".into(),
            Reason::Memory => "RESOURCE:MEMORY".into(),
            Reason::Ports(_) => "RESOURCE:PORTS".into(),
            Reason::PortsUdp(_) => "RESOURCE:PORTS_UDP".into(),
            Reason::Eni => "RESOURCE:ENI".into(),
            Reason::DistinctInstance => {
                messages::unconfirmed_text("distinct-instance-unsatisfied", &[])
            }
            Reason::MemberOf(_) => messages::unconfirmed_text("member-of-unsatisfied", &[]),
        }
    }

    /// How far along the checks the instance got; the closest match is the furthest.
    pub fn progress(&self) -> u8 {
        match self {
            Reason::Status(_) | Reason::LaunchType | Reason::CapacityProvider => 0,
            Reason::Agent => 1,
            Reason::Attribute(_) => 2,
            Reason::Cpu => 3,
            Reason::Memory => 4,
            Reason::Ports(_) => 5,
            Reason::PortsUdp(_) => 6,
            Reason::Eni => 7,
            Reason::DistinctInstance => 8,
            Reason::MemberOf(_) => 9,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Status(status) => write!(f, "status {}", status.as_str()),
            Reason::LaunchType => f.write_str("launch type"),
            Reason::CapacityProvider => f.write_str("another capacity provider's instance"),
            Reason::Attribute(name) => write!(f, "ATTRIBUTE ({name} missing)"),
            Reason::Ports(Some(port)) => write!(f, "RESOURCE:PORTS (port {port} in use)"),
            Reason::PortsUdp(Some(port)) => write!(f, "RESOURCE:PORTS_UDP (port {port} in use)"),
            Reason::Ports(None) => f.write_str("RESOURCE:PORTS (no dynamic port left)"),
            Reason::PortsUdp(None) => f.write_str("RESOURCE:PORTS_UDP (no dynamic port left)"),
            Reason::DistinctInstance => f.write_str("distinctInstance"),
            Reason::MemberOf(index) => write!(f, "memberOf constraint #{}", index + 1),
            other => f.write_str(&other.failure_reason()),
        }
    }
}

/// What happened to one instance in one decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Could not take the task.
    Rejected(Reason),
    /// Feasible; the key each ranking strategy gave it (smaller is preferred).
    Ranked(Vec<u64>),
}

/// The most ranking keys a decision has: one per strategy before the first `random`.
pub const MAX_KEYS: usize = crate::rules::MAX_STRATEGIES;

/// A decision's ranking keys, held without allocating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Keys {
    values: [u64; MAX_KEYS],
    len: u8,
}

impl Keys {
    /// Keys from a slice (at most [`MAX_KEYS`]; the rest are dropped).
    pub fn new(values: &[u64]) -> Keys {
        let mut keys = Keys::default();
        for (slot, value) in keys.values.iter_mut().zip(values) {
            *slot = *value;
            keys.len += 1;
        }
        keys
    }

    /// The keys.
    pub fn as_slice(&self) -> &[u64] {
        &self.values[..usize::from(self.len)]
    }
}

/// How much detail to keep per decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Counts, the reason histogram and the closest match: enough for events and failures.
    Summary,
    /// Also every instance's verdict: for the UI's "why here / why not there".
    Full,
}

/// The explanation of one placement decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The chosen instance's index in the input, if the task was placed.
    pub chosen: Option<usize>,
    /// The chosen instance's keys, one per ranking strategy (those before the first
    /// `random`, which is itself the tie-break).
    pub chosen_keys: Keys,
    /// How many feasible instances had the chosen keys (a seeded draw picked among them).
    pub tied: u32,
    /// Instances looked at.
    pub evaluated: u32,
    /// Instances filtered.
    pub filtered: u32,
    /// Instances exhausted.
    pub exhausted: u32,
    /// Instances ranked (feasible).
    pub ranked: u32,
    /// How many instances each reason rejected (shared between decisions while unchanged,
    /// so a batch of thousands of placements does not copy it thousands of times).
    pub reasons: Arc<BTreeMap<Reason, u32>>,
    /// The rejected instance that got furthest, and why it stopped.
    pub closest: Option<(usize, Reason)>,
    /// Every instance's verdict, in input order ([`Detail::Full`] only).
    pub verdicts: Option<Vec<Verdict>>,
}

impl Decision {
    /// One line: what was decided and why, with the reason counts.
    pub fn summary(&self, instances: &[ContainerInstance]) -> String {
        let histogram = self
            .reasons
            .iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rejected = if histogram.is_empty() {
            String::new()
        } else {
            format!("; rejected: {histogram}")
        };
        match self.chosen.and_then(|i| instances.get(i)) {
            Some(instance) => format!(
                "placed on container-instance {} ({}): {} of {} instances could run the task{rejected}",
                instance.id,
                instance.attribute_value("ecs.availability-zone").unwrap_or("no zone"),
                self.ranked,
                self.evaluated,
            ),
            None if self.evaluated == 0 => messages::NO_CONTAINER_INSTANCES.to_owned(),
            None => format!("not placed: 0 of {} instances could run the task{rejected}", self.evaluated),
        }
    }

    /// ECS's closest-match sentence for service events, when the task was not placed.
    pub fn closest_match(&self, instances: &[ContainerInstance]) -> Option<String> {
        if self.chosen.is_some() {
            return None;
        }
        let Some((index, reason)) = &self.closest else {
            return Some(format!("Reason: {}", messages::NO_CONTAINER_INSTANCES));
        };
        let id = instances.get(*index).map_or("", |i| i.id.as_str());
        Some(match reason {
            Reason::Ports(_) | Reason::PortsUdp(_) => messages::closest_ports(id),
            Reason::Memory => messages::closest_memory(id),
            Reason::Cpu => messages::closest_cpu(id),
            Reason::Agent => messages::closest_agent(id),
            other => messages::unconfirmed_text("closest-error", &[&id, &other.failure_reason()]),
        })
    }

    /// The whole service event ECS writes when a task could not be placed.
    pub fn unable_to_place_event(
        &self,
        service: &str,
        instances: &[ContainerInstance],
    ) -> Option<String> {
        let closest = self.closest_match(instances)?;
        Some(format!(
            "{} {closest} {}",
            messages::unable_to_place(service),
            messages::TROUBLESHOOTING
        ))
    }
}
