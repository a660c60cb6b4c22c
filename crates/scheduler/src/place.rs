//! The placement pipeline: feasibility, constraints, strategies, pick; one task at a time.
//!
//! For each task of a batch, every instance is checked in ECS's order (status, agent,
//! attributes, then resources: CPU, memory, ports, ENIs), then against the constraints
//! (constraints come after resources because ECS documents them as the second stage, and
//! both are binding), and the survivors are ranked by the strategies in order, each one
//! breaking the ties of the one before; a seeded draw breaks whatever tie is left. The chosen
//! instance's resources, ports and group counts are consumed before the next task, so a batch
//! never over-commits. A task that cannot be placed ends the batch: the rest would fail the
//! same way, since resources only shrink within it.

use std::collections::BTreeMap;

use rand_core::RngCore;

use crate::explain::{Decision, Detail, Reason, Verdict};
use crate::instance::{ContainerInstance, InstanceStatus, Resources};
use crate::ports::Protocol;
use crate::requirements::TaskRequirements;
use crate::rules::{BinpackField, Constraint, SpreadField, Strategy, MAX_STRATEGIES};

/// One call's worth of placement.
#[derive(Clone, Debug)]
pub struct PlacementRequest<'a> {
    /// What each task needs.
    pub requirements: &'a TaskRequirements,
    /// Binding constraints (the task definition's and the call's).
    pub constraints: &'a [Constraint],
    /// Strategies in order; empty means random (RunTask's default).
    pub strategies: &'a [Strategy],
    /// The task group (`family:web`, `service:api`).
    pub group: &'a str,
    /// How many tasks.
    pub count: u32,
    /// How much to explain.
    pub detail: Detail,
}

/// A host port given to a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPortBinding {
    /// The container.
    pub container_name: String,
    /// Its port.
    pub container_port: u16,
    /// The host port (static, or chosen from the ephemeral range).
    pub host_port: u16,
    /// tcp or udp.
    pub protocol: Protocol,
    /// Whether the host port was chosen dynamically.
    pub dynamic: bool,
}

/// A placed task: where, and what it holds there (so it can be released exactly).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Index of the instance in the input slice.
    pub instance: usize,
    /// Its ARN.
    pub container_instance_arn: String,
    /// Host ports given to the task's containers.
    pub bindings: Vec<HostPortBinding>,
    /// CPU and memory reserved.
    pub reserved: Resources,
    /// Whether it holds an ENI attachment.
    pub eni: bool,
    /// Its task group.
    pub group: String,
}

/// A RunTask-style failure.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Failure {
    /// The container instance ARN.
    pub arn: String,
    /// `RESOURCE:MEMORY`, `AGENT`, ...
    pub reason: String,
}

/// What a placement call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacementOutcome {
    /// The placed tasks, in order.
    pub placements: Vec<Placement>,
    /// Why the rest could not be placed, per instance.
    pub failures: Vec<Failure>,
    /// One decision per task attempted.
    pub decisions: Vec<Decision>,
}

impl PlacementOutcome {
    /// Tasks asked for but not placed.
    pub fn unplaced(&self, count: u32) -> u32 {
        count - self.placements.len() as u32
    }
}

/// Places `request.count` tasks on `instances`, consuming their resources.
pub fn place(
    instances: &mut [ContainerInstance],
    request: &PlacementRequest<'_>,
    rng: &mut impl RngCore,
) -> PlacementOutcome {
    let default = [Strategy::Random];
    let strategies = if request.strategies.is_empty() {
        &default[..]
    } else {
        request.strategies
    };
    let strategies = &strategies[..strategies.len().min(MAX_STRATEGIES + 1)];
    let mut spread_counts = SpreadCounts::new(instances, strategies, request.group);
    let mut outcome = PlacementOutcome {
        placements: Vec::new(),
        failures: Vec::new(),
        decisions: Vec::new(),
    };
    for _ in 0..request.count {
        let decision = decide(
            instances,
            request,
            strategies,
            &spread_counts,
            request.detail,
            rng,
        );
        let Some(index) = decision.chosen else {
            outcome.failures = failures(instances, request, strategies, &spread_counts, &decision);
            outcome.decisions.push(decision);
            break;
        };
        let placement = apply(&mut instances[index], index, request);
        spread_counts.add(&instances[index]);
        outcome.placements.push(placement);
        outcome.decisions.push(decision);
    }
    outcome
}

/// Returns what `placement` held on `instance` (the task stopped).
pub fn release(instance: &mut ContainerInstance, placement: &Placement) {
    instance.used.cpu = instance.used.cpu.saturating_sub(placement.reserved.cpu);
    instance.used.memory = instance
        .used
        .memory
        .saturating_sub(placement.reserved.memory);
    for binding in &placement.bindings {
        instance.ports.release(binding.protocol, binding.host_port);
    }
    if placement.eni {
        instance.eni_used = instance.eni_used.saturating_sub(1);
    }
    if let Some(count) = instance.task_groups.get_mut(&placement.group) {
        *count -= 1;
        if *count == 0 {
            instance.task_groups.remove(&placement.group);
        }
    }
    instance.running_tasks_count = instance.running_tasks_count.saturating_sub(1);
}

/// The first reason `instance` cannot take the task, in ECS's order; `None` if it can.
pub fn check(instance: &ContainerInstance, request: &PlacementRequest<'_>) -> Option<Reason> {
    let needs = request.requirements;
    if instance.status != InstanceStatus::Active {
        return Some(Reason::Status(instance.status));
    }
    if !instance.agent_connected {
        return Some(Reason::Agent);
    }
    for (name, value) in &needs.required_attributes {
        match instance.attributes.get(name) {
            Some(have) if value.is_none() || have == value => {}
            _ => return Some(Reason::Attribute(name.clone())),
        }
    }
    let remaining = instance.remaining();
    if remaining.cpu < needs.cpu {
        return Some(Reason::Cpu);
    }
    if remaining.memory < needs.memory {
        return Some(Reason::Memory);
    }
    for (protocol, port) in needs.static_ports() {
        if !instance.ports.static_free(protocol, port) {
            return Some(match protocol {
                Protocol::Tcp => Reason::Ports(Some(port)),
                Protocol::Udp => Reason::PortsUdp(Some(port)),
            });
        }
    }
    if instance.ports.dynamic_free(Protocol::Tcp) < needs.dynamic_ports(Protocol::Tcp) {
        return Some(Reason::Ports(None));
    }
    if instance.ports.dynamic_free(Protocol::Udp) < needs.dynamic_ports(Protocol::Udp) {
        return Some(Reason::PortsUdp(None));
    }
    if needs.needs_eni() && instance.eni_used >= instance.eni_capacity {
        return Some(Reason::Eni);
    }
    for (index, constraint) in request.constraints.iter().enumerate() {
        match constraint {
            Constraint::DistinctInstance if instance.group_count(request.group) > 0 => {
                return Some(Reason::DistinctInstance)
            }
            Constraint::MemberOf { expr, .. } if !expr.matches(instance) => {
                return Some(Reason::MemberOf(index))
            }
            _ => {}
        }
    }
    None
}

/// Tasks of the group per value of each spread attribute, kept up to date within a batch so
/// a spread key costs a map lookup rather than a pass over the cluster.
struct SpreadCounts {
    per_attribute: BTreeMap<String, BTreeMap<Option<String>, u64>>,
}

impl SpreadCounts {
    fn new(instances: &[ContainerInstance], strategies: &[Strategy], group: &str) -> SpreadCounts {
        let mut per_attribute = BTreeMap::new();
        for strategy in strategies {
            if let Strategy::Spread(SpreadField::Attribute(name)) = strategy {
                let mut counts: BTreeMap<Option<String>, u64> = BTreeMap::new();
                for instance in instances {
                    let value = instance.attribute_value(name).map(str::to_owned);
                    *counts.entry(value).or_insert(0) += u64::from(instance.group_count(group));
                }
                per_attribute.insert(name.clone(), counts);
            }
        }
        SpreadCounts { per_attribute }
    }

    fn count(&self, name: &str, instance: &ContainerInstance) -> u64 {
        let value = instance.attribute_value(name).map(str::to_owned);
        self.per_attribute
            .get(name)
            .and_then(|c| c.get(&value))
            .copied()
            .unwrap_or(0)
    }

    fn add(&mut self, instance: &ContainerInstance) {
        for (name, counts) in &mut self.per_attribute {
            let value = instance.attribute_value(name).map(str::to_owned);
            *counts.entry(value).or_insert(0) += 1;
        }
    }
}

/// The strategies' keys for a feasible instance (smaller is preferred).
fn keys(
    instance: &ContainerInstance,
    request: &PlacementRequest<'_>,
    strategies: &[Strategy],
    spread: &SpreadCounts,
    rng: &mut impl RngCore,
) -> ([u64; MAX_STRATEGIES + 1], usize) {
    let mut out = [0u64; MAX_STRATEGIES + 1];
    for (slot, strategy) in out.iter_mut().zip(strategies) {
        *slot = match strategy {
            Strategy::Random => rng.next_u64(),
            Strategy::Spread(SpreadField::InstanceId) => {
                u64::from(instance.group_count(request.group))
            }
            Strategy::Spread(SpreadField::Attribute(name)) => spread.count(name, instance),
            Strategy::Binpack(BinpackField::Cpu) => {
                u64::from(instance.remaining().cpu - request.requirements.cpu)
            }
            Strategy::Binpack(BinpackField::Memory) => {
                u64::from(instance.remaining().memory - request.requirements.memory)
            }
        };
    }
    (out, strategies.len())
}

fn decide(
    instances: &[ContainerInstance],
    request: &PlacementRequest<'_>,
    strategies: &[Strategy],
    spread: &SpreadCounts,
    detail: Detail,
    rng: &mut impl RngCore,
) -> Decision {
    let mut decision = Decision::new(detail, instances.len());
    let mut best: Option<([u64; MAX_STRATEGIES + 1], usize)> = None;
    let mut tied = 0u32;
    for (index, instance) in instances.iter().enumerate() {
        if let Some(reason) = check(instance, request) {
            decision.reject(index, reason);
            continue;
        }
        let (key, n) = keys(instance, request, strategies, spread, rng);
        decision.rank(&key[..n]);
        match &best {
            Some((best_key, _)) if key > *best_key => {}
            Some((best_key, _)) if key == *best_key => {
                // Reservoir draw: each of the tied instances is chosen with equal chance.
                tied += 1;
                if rng.next_u64().is_multiple_of(u64::from(tied)) {
                    best = Some((key, index));
                }
            }
            _ => {
                best = Some((key, index));
                tied = 1;
            }
        }
    }
    if let Some((key, index)) = best {
        decision.chosen = Some(index);
        decision.chosen_keys = key[..strategies.len()].to_vec();
        decision.tied = tied;
    }
    decision
}

/// Per-instance failures for a task that could not be placed (instances that are not
/// ACTIVE are not candidates at all, so they are not listed).
fn failures(
    instances: &[ContainerInstance],
    request: &PlacementRequest<'_>,
    strategies: &[Strategy],
    spread: &SpreadCounts,
    decision: &Decision,
) -> Vec<Failure> {
    let verdicts = match &decision.verdicts {
        Some(verdicts) => verdicts.clone(),
        None => {
            // Re-run with every verdict kept: failures are rare and end the batch.
            let mut no_rng = NoRng;
            decide(
                instances,
                request,
                strategies,
                spread,
                Detail::Full,
                &mut no_rng,
            )
            .verdicts
            .unwrap_or_default()
        }
    };
    let mut out: Vec<Failure> = verdicts
        .iter()
        .zip(instances)
        .filter_map(|(verdict, instance)| match verdict {
            Verdict::Rejected(Reason::Status(_)) | Verdict::Ranked(_) => None,
            Verdict::Rejected(reason) => Some(Failure {
                arn: instance.arn.clone(),
                reason: reason.failure_reason(),
            }),
        })
        .collect();
    out.dedup();
    out
}

/// A generator for re-running a decision in which no instance is feasible (so nothing is
/// drawn); it yields zeros rather than disturb the caller's seeded sequence.
struct NoRng;

impl RngCore for NoRng {
    fn next_u32(&mut self) -> u32 {
        0
    }
    fn next_u64(&mut self) -> u64 {
        0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.fill(0);
    }
}

fn apply(
    instance: &mut ContainerInstance,
    index: usize,
    request: &PlacementRequest<'_>,
) -> Placement {
    let needs = request.requirements;
    instance.used.cpu += needs.cpu;
    instance.used.memory += needs.memory;
    let mut bindings = Vec::with_capacity(needs.ports.len());
    for port in &needs.ports {
        let (host_port, dynamic) = match port.host_port {
            Some(host_port) => {
                instance.ports.take_static(port.protocol, host_port);
                (host_port, false)
            }
            None => {
                let chosen = instance
                    .ports
                    .take_dynamic(port.protocol)
                    .expect("feasibility checked a dynamic port is free");
                (chosen, true)
            }
        };
        bindings.push(HostPortBinding {
            container_name: port.container_name.clone(),
            container_port: port.container_port,
            host_port,
            protocol: port.protocol,
            dynamic,
        });
    }
    let eni = needs.needs_eni();
    if eni {
        instance.eni_used += 1;
    }
    *instance
        .task_groups
        .entry(request.group.to_owned())
        .or_insert(0) += 1;
    instance.running_tasks_count += 1;
    Placement {
        instance: index,
        container_instance_arn: instance.arn.clone(),
        bindings,
        reserved: Resources {
            cpu: needs.cpu,
            memory: needs.memory,
        },
        eni,
        group: request.group.to_owned(),
    }
}
