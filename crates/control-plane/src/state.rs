//! The control plane's records: clusters with their container instances and tasks, and the
//! task-definition registry. Ordered maps throughout, so listings never depend on hashing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use berth_model::resources::{Task, VersionInfo};
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
    /// The scheduler's view of the instances, in registration order.
    pub(crate) fleet: Cluster,
    /// What the scheduler's view does not hold, parallel to `fleet.instances()`.
    pub(crate) instances: Vec<InstanceRecord>,
    /// Tasks by ARN.
    pub(crate) tasks: BTreeMap<TaskKey, TaskRecord>,
    /// Services by name (ACTIVE, DRAINING and INACTIVE ones).
    pub(crate) services: BTreeMap<String, ServiceRecord>,
    /// Each service's tasks that have not yet STOPPED, so the service scheduler looks at a
    /// service's own tasks rather than at every task of the cluster.
    pub(crate) service_tasks: BTreeMap<String, std::collections::BTreeSet<TaskKey>>,
}

/// A service: its document (deployments, events, configuration) and the scheduler's memory.
#[derive(Serialize, Deserialize)]
pub(crate) struct ServiceRecord {
    pub(crate) doc: berth_model::resources::Service,
    /// The last placement-failure or configuration event, so repeats are not written again.
    pub(crate) last_problem: Option<String>,
    /// The task definition of the last deployment that completed (for rollbacks).
    pub(crate) last_completed: Option<String>,
    /// Tasks in a row that stopped before they ever ran (reset when one runs or a new
    /// deployment starts): the service's launch back-off (§7.9).
    pub(crate) start_failures: u32,
    /// While backing off, no task is launched before this time.
    pub(crate) throttled_until: Option<SimTime>,
    /// How many back-offs in a row: each one after the first waits twice as long.
    pub(crate) throttle_level: u32,
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
}

/// A task: its AWS document, kept current, and what it holds on its instance.
#[derive(Serialize, Deserialize)]
pub(crate) struct TaskRecord {
    /// How it is filed.
    pub(crate) key: TaskKey,
    pub(crate) task: Task,
    /// Index of its instance in the cluster's fleet.
    pub(crate) instance: usize,
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
