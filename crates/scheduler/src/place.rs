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
use std::sync::Arc;

use rand_core::RngCore;

use crate::explain::{Bucket, Decision, Detail, Keys, Reason, Verdict, MAX_KEYS};
use crate::instance::{ContainerInstance, InstanceStatus, Resources};
use crate::ports::Protocol;
use crate::requirements::{TaskRequirements, EXTERNAL_CAPABILITY};
use crate::rules::{BinpackField, Constraint, SpreadField, Strategy};

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
    /// Only instances of this capacity provider (a capacity provider strategy's share).
    pub capacity_provider: Option<&'a str>,
    /// How much to explain.
    pub detail: Detail,
}

/// A host port given to a container.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Placement {
    /// Index of the instance in the input slice.
    pub instance: usize,
    /// Host ports given to the task's containers.
    pub bindings: Vec<HostPortBinding>,
    /// CPU and memory reserved.
    pub reserved: Resources,
    /// Whether it holds an ENI attachment.
    pub eni: bool,
    /// Its task group.
    pub group: Arc<str>,
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

/// Places `request.count` tasks on `instances`, consuming their resources. For repeated
/// placements on one fleet, [`Cluster`] keeps the index between calls.
pub fn place(
    instances: &mut [ContainerInstance],
    request: &PlacementRequest<'_>,
    rng: &mut impl RngCore,
) -> PlacementOutcome {
    let mut indexes = [Index::build(instances, request)];
    place_with(instances, request, rng, &mut indexes, 0)
}

/// The placement loop over an index (`indexes[active]`); every index in `indexes` is kept
/// up to date with each instance the loop changes.
fn place_with(
    instances: &mut [ContainerInstance],
    request: &PlacementRequest<'_>,
    rng: &mut impl RngCore,
    indexes: &mut [Index],
    active: usize,
) -> PlacementOutcome {
    let group: Arc<str> = Arc::from(request.group);
    let mut outcome = PlacementOutcome {
        placements: Vec::with_capacity(request.count as usize),
        failures: Vec::new(),
        decisions: Vec::with_capacity(request.count as usize),
    };
    for _ in 0..request.count {
        let index = &indexes[active];
        let Some((chosen, keys, tied)) = index.choose(rng) else {
            outcome
                .decisions
                .push(index.failed_decision(request.detail));
            outcome.failures = index.failures(instances);
            break;
        };
        outcome
            .decisions
            .push(index.decision(chosen, keys, tied, request.detail));
        outcome
            .placements
            .push(apply(&mut instances[chosen], chosen, request, &group));
        for index in indexes.iter_mut() {
            index.refresh(chosen, &instances[chosen]);
        }
    }
    outcome
}

/// A cluster serialises as its instances; indexes are rebuilt on demand after restoring.
impl serde::Serialize for Cluster {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.instances.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Cluster {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Cluster::new(Vec::deserialize(deserializer)?))
    }
}

/// A fleet the scheduler places on repeatedly (a control plane's cluster): the instances,
/// and the indexes of recent requests, kept up to date as tasks are placed and released so a
/// RunTask of 10 costs what 10 placements cost, not a pass over thousands of instances.
#[derive(Default)]
pub struct Cluster {
    instances: Vec<ContainerInstance>,
    /// Indexes by the request they serve, with when each was last used.
    cache: Vec<(Signature, u64, Index)>,
    uses: u64,
}

/// How many request indexes a [`Cluster`] keeps.
const CACHED_INDEXES: usize = 16;

impl Cluster {
    /// A cluster of these instances.
    pub fn new(instances: Vec<ContainerInstance>) -> Cluster {
        Cluster {
            instances,
            cache: Vec::new(),
            uses: 0,
        }
    }

    /// The instances, in the order placements refer to them.
    pub fn instances(&self) -> &[ContainerInstance] {
        &self.instances
    }

    /// Adds an instance; returns its index.
    pub fn push(&mut self, instance: ContainerInstance) -> usize {
        self.instances.push(instance);
        self.cache.clear();
        self.instances.len() - 1
    }

    /// Changes an instance (status, agent, resources, attributes, tasks placed elsewhere).
    pub fn update(&mut self, index: usize, change: impl FnOnce(&mut ContainerInstance)) {
        let attributes = self.instances[index].attributes.clone();
        change(&mut self.instances[index]);
        if self.instances[index].attributes != attributes {
            // Attributes decide which spread class an instance is in: start over.
            self.cache.clear();
        } else {
            for (_, _, cached) in &mut self.cache {
                cached.refresh(index, &self.instances[index]);
            }
        }
    }

    /// Places `request.count` tasks.
    pub fn place(
        &mut self,
        request: &PlacementRequest<'_>,
        rng: &mut impl RngCore,
    ) -> PlacementOutcome {
        self.uses += 1;
        let active = match self.cache.iter().position(|(s, _, _)| s.serves(request)) {
            Some(found) => found,
            None => {
                let signature = Signature::of(request);
                if self.cache.len() == CACHED_INDEXES {
                    let oldest = (0..self.cache.len())
                        .min_by_key(|&i| self.cache[i].1)
                        .expect("cache is full");
                    self.cache.swap_remove(oldest);
                }
                self.cache
                    .push((signature, 0, Index::build(&self.instances, request)));
                self.cache.len() - 1
            }
        };
        self.cache[active].1 = self.uses;
        let mut indexes: Vec<Index> = self
            .cache
            .iter_mut()
            .map(|(_, _, index)| std::mem::take(index))
            .collect();
        let outcome = place_with(&mut self.instances, request, rng, &mut indexes, active);
        for ((_, _, slot), index) in self.cache.iter_mut().zip(indexes) {
            *slot = index;
        }
        outcome
    }

    /// Returns what a placement held (the task stopped).
    pub fn release(&mut self, placement: &Placement) {
        self.update(placement.instance, |instance| release(instance, placement));
    }
}

/// What makes two requests share an index: the same needs, constraints, strategies and group.
struct Signature {
    requirements: TaskRequirements,
    constraints: Vec<String>,
    strategies: Vec<Strategy>,
    group: String,
    capacity_provider: Option<String>,
}

impl Signature {
    fn of(request: &PlacementRequest<'_>) -> Signature {
        Signature {
            requirements: request.requirements.clone(),
            constraints: request
                .constraints
                .iter()
                .map(|c| constraint_text(c).to_owned())
                .collect(),
            strategies: request.strategies.to_vec(),
            group: request.group.to_owned(),
            capacity_provider: request.capacity_provider.map(str::to_owned),
        }
    }

    /// Compares without allocating: this runs on every call.
    fn serves(&self, request: &PlacementRequest<'_>) -> bool {
        self.group == request.group
            && self.capacity_provider.as_deref() == request.capacity_provider
            && self.requirements == *request.requirements
            && self.strategies == request.strategies
            && self.constraints.len() == request.constraints.len()
            && self
                .constraints
                .iter()
                .zip(request.constraints)
                .all(|(a, b)| a == constraint_text(b))
    }
}

fn constraint_text(constraint: &Constraint) -> &str {
    match constraint {
        Constraint::DistinctInstance => "distinctInstance",
        Constraint::MemberOf { text, .. } => text,
    }
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
    if let Some(count) = instance.task_groups.get_mut(&*placement.group) {
        *count -= 1;
        if *count == 0 {
            instance.task_groups.remove(&*placement.group);
        }
    }
    instance.running_tasks_count = instance.running_tasks_count.saturating_sub(1);
}

/// The first reason `instance` cannot take the task, in ECS's order; `None` if it can.
pub fn check(instance: &ContainerInstance, request: &PlacementRequest<'_>) -> Option<Reason> {
    check_with(instance, request, &StaticFacts::of(instance, request))
}

/// What does not change while an index lives (attributes cannot change without the index
/// being rebuilt): the first missing required attribute, and which memberOf constraints that
/// read only such facts hold. Computed once per instance per index.
#[derive(Clone, Debug, Default)]
struct StaticFacts {
    /// The instance serves the other launch type (EC2 vs EXTERNAL).
    other_launch_type: bool,
    /// The request is for another capacity provider's instances.
    other_capacity_provider: bool,
    missing_attribute: Option<String>,
    /// Bit `i` set: constraint `i` is a static memberOf that does not hold.
    failing_static_constraints: u32,
}

impl StaticFacts {
    fn of(instance: &ContainerInstance, request: &PlacementRequest<'_>) -> StaticFacts {
        let missing_attribute = request.requirements.required_attributes.iter().find_map(
            |(name, value)| match instance.attributes.get(name) {
                Some(have) if value.is_none() || have == value => None,
                _ => Some(name.clone()),
            },
        );
        let mut failing_static_constraints = 0;
        for (index, constraint) in request.constraints.iter().enumerate().take(32) {
            if let Constraint::MemberOf { expr, .. } = constraint {
                if expr.is_static() && !expr.matches(instance) {
                    failing_static_constraints |= 1 << index;
                }
            }
        }
        StaticFacts {
            other_launch_type: instance.attributes.contains_key(EXTERNAL_CAPABILITY)
                != request.requirements.external,
            other_capacity_provider: request
                .capacity_provider
                .is_some_and(|p| instance.capacity_provider.as_deref() != Some(p)),
            missing_attribute,
            failing_static_constraints,
        }
    }
}

fn check_with(
    instance: &ContainerInstance,
    request: &PlacementRequest<'_>,
    facts: &StaticFacts,
) -> Option<Reason> {
    let needs = request.requirements;
    if instance.status != InstanceStatus::Active {
        return Some(Reason::Status(instance.status));
    }
    if facts.other_launch_type {
        return Some(Reason::LaunchType);
    }
    if facts.other_capacity_provider {
        return Some(Reason::CapacityProvider);
    }
    if !instance.agent_connected {
        return Some(Reason::Agent);
    }
    if let Some(name) = &facts.missing_attribute {
        return Some(Reason::Attribute(name.clone()));
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
    for (protocol, reason) in [
        (Protocol::Tcp, Reason::Ports(None)),
        (Protocol::Udp, Reason::PortsUdp(None)),
    ] {
        let wanted = needs.dynamic_ports(protocol);
        if wanted > 0 && instance.ports.dynamic_free(protocol) < wanted {
            return Some(reason);
        }
    }
    if needs.needs_eni() && instance.eni_used >= instance.eni_capacity {
        return Some(Reason::Eni);
    }
    for (index, constraint) in request.constraints.iter().enumerate() {
        let fails = match constraint {
            Constraint::DistinctInstance => instance.group_count(request.group) > 0,
            Constraint::MemberOf { expr, .. } if index < 32 && expr.is_static() => {
                facts.failing_static_constraints & (1 << index) != 0
            }
            Constraint::MemberOf { expr, .. } => !expr.matches(instance),
        };
        if fails {
            return Some(match constraint {
                Constraint::DistinctInstance => Reason::DistinctInstance,
                Constraint::MemberOf { .. } => Reason::MemberOf(index),
            });
        }
    }
    None
}

/// One component of a ranking key.
#[derive(Clone, Copy, Debug)]
enum Component {
    /// spread on an attribute: tasks of the group on all instances sharing the value
    /// (the attribute's position among the spread attributes).
    Shared(usize),
    /// spread on instanceId: tasks of the group on this instance.
    GroupCount,
    /// binpack: what is left of the resource after placing.
    Remaining(BinpackField),
}

type Key = [u64; MAX_KEYS];

/// The instances as one request sees them, indexed so that each placement costs a few
/// ordered-map operations instead of a pass over the cluster.
///
/// Instances are grouped into classes by their values of the spread attributes (three
/// availability zones make three classes). Within a class the other key components depend
/// only on the instance, so a `BTreeMap` from those components to the instances holding them
/// yields the class's best candidates first. The best key overall combines each class's first
/// entry with the class's shared counts; instances tied on it are drawn from uniformly.
/// A change to one instance (a placement, a release, a status change) never changes another
/// instance's feasibility, so [`Index::refresh`] re-checks and re-files only that instance.
#[derive(Default)]
struct Index {
    layout: Vec<Component>,
    /// Per spread attribute: tasks of the group per value id, over all instances.
    shared_counts: Vec<Vec<u64>>,
    /// Each class's value ids, one per spread attribute.
    class_values: Vec<Key>,
    /// Each class's feasible instances by their own key components, each bucket sorted by
    /// instance position so that a draw depends only on the cluster's state, never on the
    /// order in which a cached index saw changes (a restored snapshot draws the same way).
    class_maps: Vec<BTreeMap<Key, Vec<u32>>>,
    /// Per instance: its class.
    class_of: Vec<usize>,
    /// Per instance: the group's tasks on it as counted in `shared_counts`.
    counted: Vec<u32>,
    /// Per instance: the own key it is filed under, if feasible.
    slot: Vec<Option<Key>>,
    /// Per instance: why it cannot take the task, if it cannot.
    rejection: Vec<Option<Reason>>,
    /// Per instance: the facts that hold for the index's lifetime.
    facts: Vec<StaticFacts>,
    reasons: Arc<BTreeMap<Reason, u32>>,
    filtered: u32,
    exhausted: u32,
    feasible: u32,
    group: String,
    constraints: Vec<Constraint>,
    requirements: Option<TaskRequirements>,
}

impl Index {
    fn build(instances: &[ContainerInstance], request: &PlacementRequest<'_>) -> Index {
        let mut layout = Vec::new();
        let mut shared: Vec<&str> = Vec::new();
        for strategy in request.strategies {
            match strategy {
                // Random draws uniformly among the instances tied so far: the same draw that
                // ends every decision. Strategies after it could only break ties it cannot have.
                Strategy::Random => break,
                Strategy::Spread(SpreadField::InstanceId) => layout.push(Component::GroupCount),
                Strategy::Spread(SpreadField::Attribute(name)) => {
                    layout.push(Component::Shared(shared.len()));
                    shared.push(name);
                }
                Strategy::Binpack(field) => layout.push(Component::Remaining(*field)),
            }
            if layout.len() == MAX_KEYS {
                break;
            }
        }
        let mut interned: Vec<BTreeMap<Option<&str>, u64>> = vec![BTreeMap::new(); shared.len()];
        let mut shared_values: Vec<Vec<Option<String>>> = vec![Vec::new(); shared.len()];
        let mut classes: BTreeMap<Key, usize> = BTreeMap::new();
        let mut class_values = Vec::new();
        let mut class_of = Vec::with_capacity(instances.len());
        for instance in instances {
            let mut values = [0u64; MAX_KEYS];
            for (s, name) in shared.iter().enumerate() {
                let value = instance.attribute_value(name);
                let next = interned[s].len() as u64;
                values[s] = *interned[s].entry(value).or_insert_with(|| {
                    shared_values[s].push(value.map(str::to_owned));
                    next
                });
            }
            let next = classes.len();
            let class = *classes.entry(values).or_insert_with(|| {
                class_values.push(values);
                next
            });
            class_of.push(class);
        }
        let mut index = Index {
            layout,
            shared_counts: shared_values.iter().map(|v| vec![0; v.len()]).collect(),
            class_maps: vec![BTreeMap::new(); class_values.len()],
            class_values,
            counted: vec![0; instances.len()],
            class_of,
            slot: vec![None; instances.len()],
            rejection: vec![None; instances.len()],
            facts: instances
                .iter()
                .map(|instance| StaticFacts::of(instance, request))
                .collect(),
            reasons: Arc::new(BTreeMap::new()),
            filtered: 0,
            exhausted: 0,
            feasible: 0,
            group: request.group.to_owned(),
            constraints: request.constraints.to_vec(),
            requirements: Some(request.requirements.clone()),
        };
        for (i, instance) in instances.iter().enumerate() {
            index.count(i, instance);
            index.admit(i, instance);
        }
        index
    }

    /// Brings the group's count on instance `i` into the shared counts.
    fn count(&mut self, i: usize, instance: &ContainerInstance) {
        let now = instance.group_count(&self.group);
        let before = self.counted[i];
        if now != before {
            let class = self.class_of[i];
            for (s, counts) in self.shared_counts.iter_mut().enumerate() {
                let slot = &mut counts[self.class_values[class][s] as usize];
                *slot = *slot + u64::from(now) - u64::from(before);
            }
            self.counted[i] = now;
        }
    }

    /// Checks instance `i`: why it cannot take the task, or the own key it is filed under.
    fn check(&self, i: usize, instance: &ContainerInstance) -> Result<Key, Reason> {
        let requirements = self
            .requirements
            .as_ref()
            .expect("a built index has requirements");
        let request = PlacementRequest {
            requirements,
            constraints: &self.constraints,
            strategies: &[],
            group: &self.group,
            count: 1,
            capacity_provider: None,
            detail: Detail::Summary,
        };
        match check_with(instance, &request, &self.facts[i]) {
            Some(reason) => Err(reason),
            None => Ok(self.own_key(i, instance, requirements)),
        }
    }

    /// Checks an instance and files it, or records why it cannot take the task.
    fn admit(&mut self, i: usize, instance: &ContainerInstance) {
        let checked = self.check(i, instance);
        self.file(i, checked);
    }

    /// Files instance `i` under its key, or records why it cannot take the task.
    fn file(&mut self, i: usize, checked: Result<Key, Reason>) {
        match checked {
            Err(reason) => {
                match reason.bucket() {
                    Bucket::Filtered => self.filtered += 1,
                    Bucket::Exhausted => self.exhausted += 1,
                }
                *Arc::make_mut(&mut self.reasons)
                    .entry(reason.clone())
                    .or_insert(0) += 1;
                self.rejection[i] = Some(reason);
            }
            Ok(key) => {
                let bucket = self.class_maps[self.class_of[i]].entry(key).or_default();
                let at = bucket.partition_point(|&other| (other as usize) < i);
                bucket.insert(at, i as u32);
                self.slot[i] = Some(key);
                self.feasible += 1;
            }
        }
    }

    /// Takes instance `i` out of the index (its bucket, or the rejection counts).
    fn withdraw(&mut self, i: usize) {
        if let Some(key) = self.slot[i].take() {
            let map = &mut self.class_maps[self.class_of[i]];
            let bucket = map.get_mut(&key).expect("a filed instance's bucket exists");
            let at = bucket.partition_point(|&other| (other as usize) < i);
            debug_assert_eq!(bucket.get(at), Some(&(i as u32)));
            bucket.remove(at);
            if bucket.is_empty() {
                map.remove(&key);
            }
            self.feasible -= 1;
        } else if let Some(reason) = self.rejection[i].take() {
            match reason.bucket() {
                Bucket::Filtered => self.filtered -= 1,
                Bucket::Exhausted => self.exhausted -= 1,
            }
            let reasons = Arc::make_mut(&mut self.reasons);
            if let Some(n) = reasons.get_mut(&reason) {
                *n -= 1;
                if *n == 0 {
                    reasons.remove(&reason);
                }
            }
        }
    }

    /// Re-files instance `i` after it changed.
    fn refresh(&mut self, i: usize, instance: &ContainerInstance) {
        self.count(i, instance);
        let checked = self.check(i, instance);
        if let (Ok(key), Some(filed)) = (&checked, &self.slot[i]) {
            if key == filed {
                return; // Still feasible under the same key: its place is unchanged.
            }
        }
        self.withdraw(i);
        self.file(i, checked);
    }

    /// The key components that depend only on the instance (shared ones stay 0 here).
    fn own_key(
        &self,
        i: usize,
        instance: &ContainerInstance,
        requirements: &TaskRequirements,
    ) -> Key {
        let mut key = [0u64; MAX_KEYS];
        let remaining = instance.remaining();
        for (slot, component) in key.iter_mut().zip(&self.layout) {
            *slot = match component {
                Component::Shared(_) => 0,
                Component::GroupCount => u64::from(self.counted[i]),
                Component::Remaining(BinpackField::Cpu) => {
                    u64::from(remaining.cpu - requirements.cpu)
                }
                Component::Remaining(BinpackField::Memory) => {
                    u64::from(remaining.memory - requirements.memory)
                }
            };
        }
        key
    }

    /// A class entry's full key: its shared counts filled in.
    fn full_key(&self, class: usize, own: &Key) -> Key {
        let mut key = *own;
        for (slot, component) in key.iter_mut().zip(&self.layout) {
            if let Component::Shared(s) = component {
                *slot = self.shared_counts[*s][self.class_values[class][*s] as usize];
            }
        }
        key
    }

    /// The instance to place on: the best full key, drawn uniformly among its holders.
    fn choose(&self, rng: &mut impl RngCore) -> Option<(usize, Key, u32)> {
        let firsts = self
            .class_maps
            .iter()
            .enumerate()
            .filter_map(|(class, map)| {
                map.iter()
                    .next()
                    .map(|(own, bucket)| (self.full_key(class, own), bucket))
            });
        let mut best: Option<Key> = None;
        let mut total = 0usize;
        for (key, bucket) in firsts.clone() {
            match best {
                Some(b) if key > b => {}
                Some(b) if key == b => total += bucket.len(),
                _ => {
                    best = Some(key);
                    total = bucket.len();
                }
            }
        }
        let best = best?;
        let mut draw = if total > 1 {
            (rng.next_u64() % total as u64) as usize
        } else {
            0
        };
        for (key, bucket) in firsts {
            if key != best {
                continue;
            }
            if draw < bucket.len() {
                return Some((bucket[draw] as usize, best, total as u32));
            }
            draw -= bucket.len();
        }
        None
    }

    fn decision(&self, chosen: usize, key: Key, tied: u32, detail: Detail) -> Decision {
        Decision {
            chosen: Some(chosen),
            chosen_keys: Keys::new(&key[..self.layout.len()]),
            tied,
            evaluated: self.class_of.len() as u32,
            filtered: self.filtered,
            exhausted: self.exhausted,
            ranked: self.feasible,
            reasons: Arc::clone(&self.reasons),
            closest: None,
            verdicts: (detail == Detail::Full).then(|| self.verdicts()),
        }
    }

    /// A failed decision; its closest match is the rejected instance that got furthest
    /// through the checks (the first such in input order).
    fn failed_decision(&self, detail: Detail) -> Decision {
        let mut closest: Option<(usize, Reason)> = None;
        for (i, reason) in self.rejection.iter().enumerate() {
            if let Some(reason) = reason {
                if closest
                    .as_ref()
                    .is_none_or(|(_, best)| reason.progress() > best.progress())
                {
                    closest = Some((i, reason.clone()));
                }
            }
        }
        Decision {
            chosen: None,
            chosen_keys: Keys::default(),
            tied: 0,
            closest,
            ..self.decision(0, [0; MAX_KEYS], 0, detail)
        }
    }

    fn verdicts(&self) -> Vec<Verdict> {
        (0..self.class_of.len())
            .map(|i| match (&self.slot[i], &self.rejection[i]) {
                (Some(own), _) => Verdict::Ranked(
                    self.full_key(self.class_of[i], own)[..self.layout.len()].to_vec(),
                ),
                (None, Some(reason)) => Verdict::Rejected(reason.clone()),
                (None, None) => unreachable!("every instance is either filed or rejected"),
            })
            .collect()
    }

    /// Per-instance failures for a task that could not be placed (instances that are not
    /// ACTIVE are not candidates at all, so they are not listed).
    fn failures(&self, instances: &[ContainerInstance]) -> Vec<Failure> {
        self.rejection
            .iter()
            .zip(instances)
            .filter_map(|(reason, instance)| match reason {
                None | Some(Reason::Status(_) | Reason::LaunchType) => None,
                Some(reason) => Some(Failure {
                    arn: instance.arn.clone(),
                    reason: reason.failure_reason(),
                }),
            })
            .collect()
    }
}

fn apply(
    instance: &mut ContainerInstance,
    index: usize,
    request: &PlacementRequest<'_>,
    group: &Arc<str>,
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
    match instance.task_groups.get_mut(request.group) {
        Some(count) => *count += 1,
        None => {
            instance.task_groups.insert(request.group.to_owned(), 1);
        }
    }
    instance.running_tasks_count += 1;
    Placement {
        instance: index,
        bindings,
        reserved: Resources {
            cpu: needs.cpu,
            memory: needs.memory,
        },
        eni,
        group: Arc::clone(group),
    }
}
