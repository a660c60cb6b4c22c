//! The control plane's records: clusters with their container instances and tasks, and the
//! task-definition registry. Ordered maps throughout, so listings never depend on hashing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use berth_model::resources::{Task, VersionInfo};
use berth_model::states::{AgentUpdateStatus, HealthStatus, TaskStatus};
use berth_model::task_definition::{Tag, TaskDefinition};
use berth_model::SimTime;
use berth_scheduler::{Cluster, Placement};

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
    pub(crate) providers: crate::actions::capacity_providers::ClusterProviders,
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
#[derive(Serialize, Deserialize)]
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
    pub(crate) history: Vec<crate::actions::deployments::History>,
    /// Its serviceConnectConfiguration, as given (ListServicesByNamespace).
    #[serde(default)]
    pub(crate) service_connect: Option<serde_json::Value>,
    /// Deployments that carried out rollbacks: their revisions, never listed.
    #[serde(default)]
    pub(crate) hidden: Vec<crate::actions::deployments::History>,
}

impl ServiceRecord {
    /// Whether its tasks run on Fargate (by launch type or capacity provider strategy): a
    /// Fargate service is the one with a platform family.
    pub(crate) fn on_fargate(&self) -> bool {
        self.doc.platform_family.is_some()
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
    /// ([`crate::actions::instances::refresh_attributes`]).
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
