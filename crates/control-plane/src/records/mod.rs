//! The control plane's records and how they are looked up: clusters with their container
//! instances, tasks and services, the task-definition registry, capacity providers, account
//! settings, and [`State`], which holds them all with the outputs and timers not yet taken.
//! Ordered maps throughout, so listings never depend on hashing. The lowest layer: it knows
//! no ECS operation and no scheduler.

pub(crate) mod account;
pub(crate) mod capacity;
pub(crate) mod history;
pub(crate) mod timers;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use berth_agent_protocol::AgentInstruction;
use berth_model::arn::parse_arn;
use berth_model::load_balancing::{Target, TargetCall, TargetGroupFacts, TargetState};
use berth_model::monitoring::AlarmFact;
use berth_model::resources::{DeploymentController, Scale};
use berth_model::resources::{Task, VersionInfo};
use berth_model::states::DeploymentControllerType;
use berth_model::states::{AgentUpdateStatus, HealthStatus, TaskStatus};
use berth_model::task_definition::{Tag, TaskDefinition, TaskDefinitionStatus};
use berth_model::validate::tag_problems;
use berth_model::{messages, ApiError, ArnScope, EcsId, ExceptionType, JsonPath, SimTime};
use rand_chacha::rand_core::RngCore;
use rand_chacha::ChaCha8Rng;

use crate::events::{ClusterEvent, ToDetail};
use account::AccountSettings;
use berth_scheduler::{Cluster, Placement};
use capacity::{AsgProvider, ScalingRequest};

/// How tasks are filed: their 128-bit id, so lookups compare two integers rather than two
/// long ARNs that share their first 48 characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct TaskKey(u128);

/// Written as its 32-hex id, so it can key a JSON object in a snapshot.
impl Serialize for TaskKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.id())
    }
}

impl<'de> Deserialize<'de> for TaskKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TaskKey::of(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not a task id")))
    }
}

impl TaskKey {
    /// The 32-hex id.
    pub(crate) fn id(self) -> String {
        format!("{:032x}", self.0)
    }

    /// The key of a task ARN or id; `None` if it is not a 32-hex id.
    pub(crate) fn of(arn_or_id: &str) -> Option<TaskKey> {
        let id = arn_or_id.rsplit('/').next().unwrap_or(arn_or_id);
        (id.len() == 32)
            .then(|| u128::from_str_radix(id, 16).ok())
            .flatten()
            .map(TaskKey)
    }
}

/// A cluster.
#[derive(Serialize, Deserialize)]
pub(crate) struct ClusterRecord {
    pub(crate) arn: String,
    pub(crate) name: String,
    /// ACTIVE or INACTIVE.
    pub(crate) active: bool,
    pub(crate) tags: Vec<Tag>,
    pub(crate) settings: Vec<berth_model::task_definition::KeyValuePair>,
    /// The execute-command configuration as given (Berth does not act on it).
    pub(crate) configuration: Option<serde_json::Value>,
    /// Its capacity providers and default strategy.
    #[serde(default)]
    pub(crate) providers: crate::records::capacity::ClusterProviders,
    /// The scheduler's view of the instances, in registration order.
    pub(crate) fleet: Cluster,
    /// What the scheduler's view does not hold, parallel to `fleet.instances()`.
    pub(crate) instances: Vec<InstanceRecord>,
    /// Tasks by ARN.
    pub(crate) tasks: BTreeMap<TaskKey, TaskRecord>,
    /// Services by name (ACTIVE, DRAINING and INACTIVE ones).
    pub(crate) services: BTreeMap<String, ServiceRecord>,
    /// Each service's tasks that have not yet STOPPED, each with what the service scheduler
    /// needs to know of it, so a step reads a compact table of the service's own tasks rather
    /// than the task documents of the whole cluster. Kept current by [`ClusterRecord::sync`].
    pub(crate) service_tasks: BTreeMap<String, BTreeMap<TaskKey, ServiceTask>>,
    /// serviceConnectDefaults, as given.
    #[serde(default)]
    pub(crate) service_connect_defaults: Option<serde_json::Value>,
    /// Tasks waiting in PROVISIONING for an Auto Scaling group provider's capacity, oldest
    /// first.
    #[serde(default)]
    pub(crate) waiting: Vec<TaskKey>,
}

/// Where Fargate tasks run: the agent of a region's Fargate capacity is addressed by the
/// FARGATE capacity provider's ARN, as instances' agents are by their instances' ARNs.
pub(crate) fn fargate_agent(cluster_arn: &str) -> String {
    match cluster_arn.split_once(":cluster/") {
        Some((head, _)) => format!("{head}:capacity-provider/FARGATE"),
        None => "FARGATE".to_owned(),
    }
}

impl ClusterRecord {
    /// The agent that runs a task: its instance's, or the Fargate capacity's; a task still
    /// waiting for capacity is its capacity provider's.
    pub(crate) fn agent_of(&self, record: &TaskRecord) -> String {
        match (record.instance, &record.awaiting) {
            (Some(index), _) => self.fleet.instances()[index].arn.clone(),
            (None, Some(awaiting)) => fargate_agent(&self.arn).replace(
                ":capacity-provider/FARGATE",
                &format!(":capacity-provider/{}", awaiting.provider),
            ),
            (None, None) => fargate_agent(&self.arn),
        }
    }

    /// Brings a task's entry in its service's table up to date; every change to a task's
    /// status, health or desired status is followed by this (a debug check in the service
    /// scheduler holds the table to it).
    pub(crate) fn sync(&mut self, key: TaskKey) {
        let Some(record) = self.tasks.get_mut(&key) else {
            return;
        };
        // The instance's counts of the tasks on it (runningTasksCount, pendingTasksCount).
        let counted = record.counts();
        let before = std::mem::replace(&mut record.counted, counted);
        if let (Some(index), true) = (record.instance, before != counted) {
            let instance = &mut self.instances[index];
            instance.desired_running = (instance.desired_running + u32::from(counted.0))
                .saturating_sub(u32::from(before.0));
            instance.pending =
                (instance.pending + u32::from(counted.1)).saturating_sub(u32::from(before.1));
        }
        let record = &self.tasks[&key];
        let Some(service) = record.service.as_deref() else {
            return;
        };
        let entry = ServiceTask::of(record);
        let table = self.service_tasks.entry(service.to_owned()).or_default();
        match entry {
            Some(entry) => {
                table.insert(key, entry);
            }
            None => {
                table.remove(&key);
            }
        }
    }
}

/// A task's `lastStatus` as the service scheduler distinguishes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Phase {
    Pending,
    Running,
    /// Any other state short of STOPPED (ACTIVATING, DEACTIVATING, STOPPING ...).
    Other,
}

/// What the service scheduler needs to know of one of a service's unstopped tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ServiceTask {
    pub(crate) desired_running: bool,
    pub(crate) phase: Phase,
    /// An essential container has a health check ...
    pub(crate) health_checked: bool,
    /// ... and the task's health is HEALTHY ...
    pub(crate) healthy: bool,
    /// ... or UNHEALTHY.
    pub(crate) unhealthy: bool,
    pub(crate) started_at: Option<SimTime>,
    /// The deployment that started it, by the number in its id (`ecs-svc/<number>`).
    pub(crate) deployment: u64,
    /// Its instance's position in the cluster's fleet (`None` on Fargate).
    pub(crate) instance: Option<usize>,
    /// Scale-in protection, until then.
    pub(crate) protected_until: Option<SimTime>,
    /// Its load balancer targets.
    #[serde(default)]
    pub(crate) targets: TargetsHealth,
    /// The service has counted it healthy once (its deployment's circuit breaker was reset
    /// then).
    #[serde(default)]
    pub(crate) seen_healthy: bool,
}

#[cfg(test)]
impl ServiceTask {
    /// For the schedulers' plan tests: a task of `deployment` desired RUNNING on instance 0,
    /// RUNNING since `started_at` (PENDING without it), without health checks.
    pub(crate) fn running(deployment: u64, started_at: Option<SimTime>) -> ServiceTask {
        ServiceTask {
            desired_running: true,
            phase: if started_at.is_some() {
                Phase::Running
            } else {
                Phase::Pending
            },
            health_checked: false,
            healthy: false,
            unhealthy: false,
            started_at,
            deployment,
            instance: Some(0),
            protected_until: None,
            targets: TargetsHealth::None,
            seen_healthy: false,
        }
    }
}

impl ServiceTask {
    /// The entry for a task; `None` once it has STOPPED.
    pub(crate) fn of(record: &TaskRecord) -> Option<ServiceTask> {
        let task = &record.task;
        let phase = match task.last_status {
            TaskStatus::Stopped => return None,
            TaskStatus::Pending => Phase::Pending,
            TaskStatus::Running => Phase::Running,
            _ => Phase::Other,
        };
        Some(ServiceTask {
            desired_running: task.desired_status == TaskStatus::Running,
            phase,
            health_checked: record.health_checked,
            healthy: task.health_status == HealthStatus::Healthy,
            unhealthy: task.health_status == HealthStatus::Unhealthy,
            started_at: task.started_at,
            deployment: deployment_number(task.started_by.as_deref().unwrap_or("")),
            instance: record.instance,
            protected_until: record.protected_until,
            targets: record.target_health(),
            seen_healthy: record.seen_healthy,
        })
    }
}

/// The number of a deployment id (`ecs-svc/9223370564341623665` → 9223370564341623665).
pub(crate) fn deployment_number(id: &str) -> u64 {
    id.strip_prefix("ecs-svc/")
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(u64::MAX)
}

/// A service: its document (deployments, events, configuration) and the scheduler's memory.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct ServiceRecord {
    pub(crate) doc: berth_model::resources::Service,
    /// The last placement-failure or configuration event, so repeats are not written again.
    pub(crate) last_problem: Option<String>,
    /// The task definition of the last deployment that completed (for rollbacks).
    pub(crate) last_completed: Option<String>,
    /// ... and its network configuration: a rollback restores both.
    #[serde(default)]
    pub(crate) last_completed_network: Option<serde_json::Value>,
    /// Tasks in a row that stopped before they ever ran (reset when one runs or a new
    /// deployment starts): the service's launch back-off (§7.9).
    pub(crate) start_failures: u32,
    /// While backing off, no task is launched before this time.
    pub(crate) throttled_until: Option<SimTime>,
    /// How many back-offs in a row: each one after the first waits twice as long.
    pub(crate) throttle_level: u32,
    /// Deployments that have had a task reach RUNNING: the circuit breaker's first stage
    /// (tasks failing to start) is over for them (§7.3).
    #[serde(default)]
    pub(crate) ran: Vec<String>,
    /// Every deployment it has had, oldest first (ListServiceDeployments).
    #[serde(default)]
    pub(crate) history: Vec<crate::records::history::History>,
    /// Its serviceConnectConfiguration, as given (ListServicesByNamespace).
    #[serde(default)]
    pub(crate) service_connect: Option<serde_json::Value>,
    /// Deployments that carried out rollbacks: their revisions, never listed.
    #[serde(default)]
    pub(crate) hidden: Vec<crate::records::history::History>,
    /// Production traffic is on the alternate target groups of its load balancers (a
    /// traffic-shifting deployment into them completed): tasks register there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) production_alternate: bool,
    /// A ROLLING deployment's older deployments, by number, and how many tasks each still
    /// holds: a task one loses other than by the deployment's own stops is replaced from its
    /// revision (ECS since 2025-11-14), and a scale-out grows them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) holds: Vec<(u64, u32)>,
    /// An Availability Zone rebalancing is under way (`schedulers::rebalance`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) rebalancing: bool,
}

impl ServiceRecord {
    /// Whether its tasks run on Fargate (by launch type or capacity provider strategy): a
    /// Fargate service is the one with a platform family.
    pub(crate) fn on_fargate(&self) -> bool {
        self.doc.platform_family.is_some()
    }

    /// The image digests deployment `id` pinned, by container (`versionConsistency`).
    pub(crate) fn pinned(&self, id: &str) -> BTreeMap<String, String> {
        self.history
            .iter()
            .chain(&self.hidden)
            .find(|h| h.id == id)
            .map(|h| h.digests.clone())
            .unwrap_or_default()
    }
}

/// The rest of a container instance's record.
#[derive(Serialize, Deserialize)]
pub(crate) struct InstanceRecord {
    pub(crate) version: u64,
    pub(crate) version_info: VersionInfo,
    pub(crate) tags: Vec<Tag>,
    /// registeredResources as the agent reported them.
    pub(crate) registered_ports_tcp: Vec<String>,
    pub(crate) registered_ports_udp: Vec<String>,
    /// The tasks placed on it that have not yet STOPPED, so describing an instance never
    /// scans the cluster's tasks.
    pub(crate) tasks: std::collections::BTreeSet<TaskKey>,
    /// Its attributes as documents show them, rebuilt when they change
    /// ([`crate::documents::refresh_attributes`]).
    pub(crate) attributes: std::sync::Arc<[berth_model::task_definition::Attribute]>,
    /// An UpdateContainerAgent under way or done: its status, and when the next stage comes.
    #[serde(default)]
    pub(crate) agent_update: Option<(AgentUpdateStatus, Option<SimTime>)>,
    /// Tasks on it with desiredStatus RUNNING, and tasks on it PENDING, kept by
    /// [`ClusterRecord::sync`] so a document costs the same however many tasks it runs.
    #[serde(default)]
    pub(crate) desired_running: u32,
    #[serde(default)]
    pub(crate) pending: u32,
}

/// A task: its AWS document, kept current, and what it holds on its instance.
#[derive(Serialize, Deserialize)]
pub(crate) struct TaskRecord {
    /// How it is filed.
    pub(crate) key: TaskKey,
    pub(crate) task: Task,
    /// Index of its instance in the cluster's fleet; `None` for a Fargate task.
    pub(crate) instance: Option<usize>,
    /// What placement reserved (released when it stops).
    pub(crate) placement: Option<Placement>,
    /// The family and revision (for ListTasks `family`).
    pub(crate) family: String,
    /// Seconds between SIGTERM and SIGKILL (the largest container stopTimeout, default 30).
    pub(crate) stop_timeout: u32,
    /// Whether it ever reached RUNNING.
    pub(crate) ever_running: bool,
    /// Names of its essential containers.
    pub(crate) essential: Vec<String>,
    /// Whether an essential container has a health check (else a service counts the task
    /// healthy 40 s after it starts running).
    pub(crate) health_checked: bool,
    /// Scale-in protection: its service does not stop it before then.
    #[serde(default)]
    pub(crate) protected_until: Option<SimTime>,
    /// The service that started it. Only a service's scheduler sets this; a RunTask whose
    /// group merely reads `service:web` is not web's.
    #[serde(default)]
    pub(crate) service: Option<String>,
    /// While it waits in PROVISIONING for an Auto Scaling group provider's capacity: how to
    /// place it once there is some.
    #[serde(default)]
    pub(crate) awaiting: Option<Awaiting>,
    /// What it adds to its instance's counts as of the last [`ClusterRecord::sync`]:
    /// (desiredStatus RUNNING, PENDING).
    #[serde(default)]
    pub(crate) counted: (bool, bool),
    /// Its targets in its service's target groups, and what ELB last said of each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) targets: Vec<(Target, TargetState)>,
    /// Its service has counted it healthy (see [`ServiceTask::seen_healthy`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) seen_healthy: bool,
    /// The image digests it was launched with, by container (`versionConsistency`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) pinned: BTreeMap<String, String>,
    /// How many times each container was restarted in place, as its agent last reported
    /// (Berth's fleet summary shows it; ECS's documents do not).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) restarts: BTreeMap<String, u32>,
}

impl TaskRecord {
    /// Its targets' health as the service scheduler reads it.
    pub(crate) fn target_health(&self) -> TargetsHealth {
        let live: Vec<&TargetState> = self
            .targets
            .iter()
            .map(|(_, state)| state)
            .filter(|s| !matches!(s, TargetState::Gone | TargetState::Draining))
            .collect();
        // None at all, or all gone (deregistered by hand, or never registered): the task is
        // not behind a load balancer, and counts as any other.
        if self.targets.iter().all(|(_, s)| *s == TargetState::Gone) {
            TargetsHealth::None
        } else if live.iter().any(|s| matches!(s, TargetState::Unhealthy(_))) {
            TargetsHealth::Unhealthy
        } else if !live.is_empty() && live.iter().all(|s| **s == TargetState::Healthy) {
            TargetsHealth::Healthy
        } else {
            TargetsHealth::Waiting
        }
    }
}

/// A task's load balancer targets, at a glance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum TargetsHealth {
    /// It has none (its service has no load balancers, or it never ran).
    #[default]
    None,
    /// Registered, not all healthy yet.
    Waiting,
    /// Every one healthy.
    Healthy,
    /// One is failing its health checks.
    Unhealthy,
}

impl TaskRecord {
    /// What it adds to its instance's counts now: on an instance and not STOPPED with
    /// desiredStatus RUNNING; on an instance and PENDING.
    fn counts(&self) -> (bool, bool) {
        let on_instance = self.instance.is_some() && self.task.last_status != TaskStatus::Stopped;
        (
            on_instance && self.task.desired_status == TaskStatus::Running,
            on_instance && self.task.last_status == TaskStatus::Pending,
        )
    }
}

/// How a task waiting for capacity is placed when an instance can take it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Awaiting {
    pub(crate) provider: String,
    pub(crate) constraints: Vec<berth_model::placement::PlacementConstraint>,
    pub(crate) strategies: Vec<berth_model::placement::PlacementStrategy>,
}

/// Every registered revision, by family.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct TaskDefinitionRegistry {
    pub(crate) families: BTreeMap<String, Family>,
}

/// One family's revisions; revisions are never reused, even after deregistration.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct Family {
    pub(crate) revisions: BTreeMap<u32, (TaskDefinition, Vec<Tag>)>,
    pub(crate) last_revision: u32,
}

/// How long STOPPED tasks stay visible to DescribeTasks and ListTasks.
pub const STOPPED_TASK_RETENTION_MS: u64 = 60 * 60 * 1000;

/// The ECS agent version Berth's agents run, and the one UpdateContainerAgent updates to.
pub const LATEST_AGENT_VERSION: &str = "1.89.0";

/// The cluster name a `cluster` parameter means: a name, an ARN, or `default` when absent.
pub(crate) fn cluster_name(cluster: Option<&str>) -> String {
    match cluster {
        None | Some("") => "default".to_owned(),
        Some(text) => match parse_arn(text) {
            Some(arn) if arn.resource_type == "cluster" => arn.resource.to_owned(),
            _ => text.to_owned(),
        },
    }
}

pub(crate) fn cluster_not_found() -> ApiError {
    ApiError::new(
        ExceptionType::ClusterNotFoundException,
        messages::CLUSTER_NOT_FOUND,
    )
}

/// The ACTIVE cluster a `cluster` parameter names.
pub(crate) fn active_cluster<'c>(
    cp: &'c mut State,
    cluster: Option<&str>,
) -> Result<&'c mut ClusterRecord, ApiError> {
    let name = cluster_name(cluster);
    match cp.clusters.get_mut(&name) {
        Some(record) if record.active => Ok(record),
        _ => Err(cluster_not_found()),
    }
}

/// The ACTIVE cluster a `cluster` parameter names, to read (Berth's own reads).
pub(crate) fn active_cluster_ref<'c>(
    cp: &'c State,
    cluster: Option<&str>,
) -> Result<&'c ClusterRecord, ApiError> {
    cp.clusters
        .get(&cluster_name(cluster))
        .filter(|c| c.active)
        .ok_or_else(cluster_not_found)
}

/// ECS's InvalidParameterException with `message`.
/// A list filter's value, if given, must be one of `allowed`: ECS refuses another rather
/// than list nothing.
pub(crate) fn one_of(value: Option<&str>, member: &str, allowed: &[&str]) -> Result<(), ApiError> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(berth_model::messages::operation_error(
            "filter-enum",
            &[&v, &member, &allowed.join(", ")],
        )),
        _ => Ok(()),
    }
}

pub(crate) fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::new(ExceptionType::InvalidParameterException, message)
}

/// The id at the end of an ARN (`.../task/<cluster>/<id>` → `<id>`), or the text itself.
pub(crate) fn last_segment(text: &str) -> &str {
    text.rsplit('/').next().unwrap_or(text)
}

/// What a `taskDefinition` parameter names: a family and maybe a revision.
pub(crate) fn parse_reference(text: &str) -> Result<(String, Option<u32>), ApiError> {
    let reference = match parse_arn(text) {
        Some(arn) if arn.resource_type == "task-definition" => arn.resource,
        _ => text,
    };
    match reference.rsplit_once(':') {
        Some((family, revision)) => match revision.parse::<u32>() {
            Ok(revision) => Ok((family.to_owned(), Some(revision))),
            Err(_) => Err(ApiError::new(
                ExceptionType::InvalidParameterException,
                messages::INVALID_REVISION,
            )),
        },
        None => Ok((reference.to_owned(), None)),
    }
}

/// The revision a reference resolves to: the given one, or the family's latest ACTIVE one.
pub(crate) fn resolve<'r>(cp: &'r State, text: &str) -> Option<&'r TaskDefinition> {
    let (family, revision) = parse_reference(text).ok()?;
    let family = cp.task_definitions.families.get(&family)?;
    match revision {
        Some(revision) => family.revisions.get(&revision).map(|(td, _)| td),
        None => family
            .revisions
            .values()
            .rev()
            .map(|(td, _)| td)
            .find(|td| td.status == Some(TaskDefinitionStatus::Active)),
    }
}

/// Finds an instance by ARN or id.
pub(crate) fn find_instance(cluster: &ClusterRecord, given: &str) -> Option<usize> {
    let id = last_segment(given);
    cluster
        .fleet
        .instances()
        .iter()
        .position(|i| i.arn == given || i.id == id)
}

pub(crate) fn find_task(cluster: &crate::records::ClusterRecord, given: &str) -> Option<TaskKey> {
    // Tasks are filed by id: a lookup, not a scan, whatever form the caller used.
    let key = TaskKey::of(given)?;
    cluster
        .tasks
        .get(&key)
        .filter(|record| given == record.task.task_arn || !given.contains('/'))
        .map(|_| key)
}

/// Whether a service document uses the EXTERNAL deployment controller.
pub(crate) fn is_external(controller: &DeploymentController) -> bool {
    controller.r#type == DeploymentControllerType::External
}

/// `ceil(desired × scale / 100)`.
pub(crate) fn computed_desired_count(desired: u32, scale: &Scale) -> u32 {
    // Hundredths of a percent, in integers: 33.33% of 3 is 0.9999, which rounds up to 1.
    let basis = (scale.value * 100.0).round().clamp(0.0, 10_000.0) as u64;
    (u64::from(desired) * basis).div_ceil(10_000) as u32
}

/// A service's table: what the schedulers need of each of its unstopped tasks, by task.
pub(crate) type Table = BTreeMap<TaskKey, ServiceTask>;

/// The table of a service with no unstopped task.
static EMPTY: Table = Table::new();

/// The service's table, borrowed as it is.
pub(crate) fn table<'c>(cluster: &'c ClusterRecord, service_name: &str) -> &'c Table {
    cluster.service_tasks.get(service_name).unwrap_or(&EMPTY)
}

/// The service's tasks that have not yet STOPPED (from the cluster's index).
pub(crate) fn service_tasks<'c>(
    cluster: &'c ClusterRecord,
    service_name: &str,
) -> impl Iterator<Item = &'c TaskRecord> + 'c {
    table(cluster, service_name)
        .keys()
        .filter_map(|id| cluster.tasks.get(id))
}

/// Removes the DELETE_IN_PROGRESS revisions nothing refers to any more: no task the control
/// plane still shows and no deployment of a service. Their revision numbers stay used.
pub(crate) fn purge_deleted(cp: &mut State) {
    let deleting: Vec<String> = cp
        .task_definitions
        .families
        .values()
        .flat_map(|f| f.revisions.values())
        .filter(|(td, _)| td.status == Some(TaskDefinitionStatus::DeleteInProgress))
        .filter_map(|(td, _)| td.task_definition_arn.clone())
        .collect();
    if deleting.is_empty() {
        return;
    }
    let mut used = std::collections::BTreeSet::new();
    for cluster in cp.clusters.values() {
        for record in cluster.tasks.values() {
            used.insert(record.task.task_definition_arn.as_str());
        }
        for service in cluster.services.values() {
            for deployment in &service.doc.deployments {
                used.insert(deployment.task_definition.as_str());
            }
            // A circuit breaker may still roll back to it.
            if let Some(completed) = &service.last_completed {
                used.insert(completed.as_str());
            }
        }
    }
    let gone: Vec<String> = deleting
        .into_iter()
        .filter(|arn| !used.contains(arn.as_str()))
        .collect();
    for arn in gone {
        if let Ok((family, Some(revision))) = parse_reference(&arn) {
            if let Some(f) = cp.task_definitions.families.get_mut(&family) {
                f.revisions.remove(&revision);
            }
        }
    }
}

/// Everything the control plane holds: the records, the outputs not yet taken, the timers
/// and the generator. It serialises whole (`ControlPlane::snapshot`).
#[derive(Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) scope: ArnScope,
    pub(crate) rng: ChaCha8Rng,
    pub(crate) clusters: BTreeMap<String, ClusterRecord>,
    pub(crate) task_definitions: TaskDefinitionRegistry,
    /// STOPPED tasks by when they expire.
    pub(crate) expiries: BTreeSet<(SimTime, String)>,
    /// When the control plane needs the time again, and why.
    #[serde(rename = "timers", alias = "wakeups")]
    pub(crate) timers: timers::Timers,
    pub(crate) instructions: VecDeque<(String, AgentInstruction)>,
    /// Outputs for timelines; a restored session starts with none.
    #[serde(skip)]
    pub(crate) events: VecDeque<ClusterEvent>,
    /// The latest time an input brought.
    pub(crate) now: SimTime,
    /// Agent events arrived since the services last took a step: they take it before any
    /// output is read, once for however many reports arrived at the same instant.
    pub(crate) dirty: bool,
    /// PutAccountSetting and friends.
    #[serde(default)]
    pub(crate) account_settings: AccountSettings,
    /// Auto Scaling group capacity providers by name.
    #[serde(default)]
    pub(crate) capacity_providers: BTreeMap<String, AsgProvider>,
    /// Managed scaling's requests for the Auto Scaling groups, not yet taken.
    #[serde(default)]
    pub(crate) scaling: VecDeque<ScalingRequest>,
    /// When managed scaling next looks at the providers.
    #[serde(default)]
    pub(crate) next_scaling: Option<SimTime>,
    /// [`Config::endpoint`]; a restored control plane takes its driver's.
    #[serde(skip)]
    pub(crate) endpoint: Option<String>,
    /// What ELB last said of its target groups (`ControlPlane::set_target_groups`).
    #[serde(default)]
    pub(crate) target_groups: BTreeMap<String, TargetGroupFacts>,
    /// Registrations and deregistrations for ELB, not yet taken.
    #[serde(default)]
    pub(crate) target_calls: VecDeque<TargetCall>,
    /// Every listener and listener rule ELB has (`ControlPlane::set_listener_rules`).
    #[serde(default)]
    pub(crate) listener_rules: BTreeSet<String>,
    /// What CloudWatch last said of its alarms, by name (`ControlPlane::set_alarms`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) alarms: BTreeMap<String, AlarmFact>,
}

/// What an engine step writes besides one cluster's records: agents' instructions, events,
/// and ids from the generator. Borrowed from the [`State`] beside the cluster
/// ([`State::cluster_and_out`]), so a step that touches one cluster borrows only that.
pub(crate) struct Out<'a> {
    pub(crate) scope: &'a ArnScope,
    pub(crate) rng: &'a mut ChaCha8Rng,
    pub(crate) instructions: &'a mut VecDeque<(String, AgentInstruction)>,
    pub(crate) events: &'a mut VecDeque<ClusterEvent>,
    pub(crate) target_calls: &'a mut VecDeque<TargetCall>,
}

impl Out<'_> {
    /// A call for ELB (RegisterTargets, DeregisterTargets).
    pub(crate) fn call_elb(&mut self, call: TargetCall) {
        self.target_calls.push_back(call);
    }

    /// A fresh 32-hex id from the seeded generator.
    pub(crate) fn new_id(&mut self) -> EcsId {
        new_id(self.rng)
    }

    /// An EventBridge-shaped event about one resource.
    pub(crate) fn emit(
        &mut self,
        time: SimTime,
        detail_type: &'static str,
        arn: &str,
        detail: &impl ToDetail,
    ) {
        self.events.push_back(ClusterEvent {
            time,
            detail_type,
            resources: vec![arn.to_owned()],
            detail: detail.to_detail(),
        });
    }

    /// An instruction for the agent `agent`.
    pub(crate) fn instruct(&mut self, agent: String, instruction: AgentInstruction) {
        self.instructions.push_back((agent, instruction));
    }

    /// An `ECS Deployment State Change` event (§10).
    pub(crate) fn emit_deployment_state(
        &mut self,
        time: SimTime,
        service_arn: &str,
        event_type: &str,
        event_name: &str,
        deployment_id: &str,
        reason: &str,
    ) {
        let detail = serde_json::json!({
            "eventType": event_type,
            "eventName": event_name,
            "deploymentId": deployment_id,
            "updatedAt": time,
            "reason": reason,
        });
        self.emit(time, "ECS Deployment State Change", service_arn, &detail);
    }

    /// An `ECS Service Action` event (§10): `reason` and `containerInstanceArns` when given.
    pub(crate) fn emit_service_action(
        &mut self,
        time: SimTime,
        service_arn: &str,
        event_type: &str,
        event_name: &str,
        reason: Option<&str>,
        container_instance_arns: &[String],
    ) {
        let cluster_arn = service_arn
            .rsplit_once('/')
            .map(|(head, _)| head.replacen(":service/", ":cluster/", 1))
            .unwrap_or_default();
        let mut detail = serde_json::json!({
            "eventType": event_type,
            "eventName": event_name,
            "clusterArn": cluster_arn,
            "createdAt": time,
        });
        if let Some(reason) = reason {
            detail["reason"] = reason.into();
        }
        if !container_instance_arns.is_empty() {
            detail["containerInstanceArns"] = container_instance_arns.into();
        }
        self.emit(time, "ECS Service Action", service_arn, &detail);
    }
}

fn new_id(rng: &mut ChaCha8Rng) -> EcsId {
    let high = u128::from(rng.next_u64());
    let low = u128::from(rng.next_u64());
    EcsId::from_bits((high << 64) | low)
}

impl State {
    /// The record of service `service` in cluster `cluster`.
    pub(crate) fn service(&self, cluster: &str, service: &str) -> Option<&ServiceRecord> {
        self.clusters.get(cluster)?.services.get(service)
    }

    /// The record of service `service` in cluster `cluster`, to change.
    pub(crate) fn service_mut(
        &mut self,
        cluster: &str,
        service: &str,
    ) -> Option<&mut ServiceRecord> {
        self.clusters.get_mut(cluster)?.services.get_mut(service)
    }

    /// A fresh 32-hex id from the seeded generator.
    pub(crate) fn new_id(&mut self) -> EcsId {
        new_id(&mut self.rng)
    }

    /// The cluster `name`'s records, and the outputs beside them.
    pub(crate) fn cluster_and_out(&mut self, name: &str) -> Option<(&mut ClusterRecord, Out<'_>)> {
        let State {
            scope,
            rng,
            clusters,
            instructions,
            events,
            target_calls,
            ..
        } = self;
        let cluster = clusters.get_mut(name)?;
        Some((
            cluster,
            Out {
                scope,
                rng,
                instructions,
                events,
                target_calls,
            },
        ))
    }

    /// The service `service` of the cluster `cluster`, and the outputs beside it.
    pub(crate) fn service_and_out(
        &mut self,
        cluster: &str,
        service: &str,
    ) -> Option<(&mut ServiceRecord, Out<'_>)> {
        let (cluster, out) = self.cluster_and_out(cluster)?;
        Some((cluster.services.get_mut(service)?, out))
    }

    /// The outputs alone.
    pub(crate) fn out(&mut self) -> Out<'_> {
        Out {
            scope: &self.scope,
            rng: &mut self.rng,
            instructions: &mut self.instructions,
            events: &mut self.events,
            target_calls: &mut self.target_calls,
        }
    }

    pub(crate) fn expire(&mut self, now: SimTime) {
        while let Some((at, task_arn)) = self.expiries.first().cloned() {
            if at > now {
                break;
            }
            self.expiries.pop_first();
            for cluster in self.clusters.values_mut() {
                if let Some(key) = TaskKey::of(&task_arn) {
                    cluster.tasks.remove(&key);
                }
            }
            purge_deleted(self);
        }
    }
}

/// ECS's rules for a resource's tags, the first problem as the caller sees it. Keys that
/// begin with `aws:` are AWS's own.
pub(crate) fn check_tags(tags: &[Tag]) -> Result<(), ApiError> {
    if let Some(problem) = tag_problems(tags, &JsonPath::root().key("tags"))
        .into_iter()
        .next()
    {
        return Err(problem.to_api_error());
    }
    if tags.iter().any(|t| {
        t.key
            .as_deref()
            .is_some_and(|k| k.to_ascii_lowercase().starts_with("aws:"))
    }) {
        return Err(ApiError::new(
            berth_model::ExceptionType::InvalidParameterException,
            messages::TAG_KEY_RESERVED,
        ));
    }
    Ok(())
}
