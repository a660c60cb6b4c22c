//! ECS's API documents beyond task definitions: clusters, container instances, tasks and
//! their containers, failures, in AWS's JSON shape (as DescribeClusters,
//! DescribeContainerInstances and DescribeTasks return them). Output shapes: absent members
//! are omitted; timestamps are epoch seconds.

use serde::{Deserialize, Serialize};

use crate::overrides::TaskOverride;
use crate::task_definition::{Attribute, KeyValuePair, Tag};
use crate::time::SimTime;

/// A cluster (DescribeClusters, CreateCluster).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    /// `arn:aws:ecs:<region>:<account>:cluster/<name>`.
    pub cluster_arn: String,
    /// Its name.
    pub cluster_name: String,
    /// `ACTIVE` or `INACTIVE`.
    pub status: String,
    /// Container instances that are ACTIVE or DRAINING.
    pub registered_container_instances_count: u32,
    /// Tasks whose lastStatus is RUNNING.
    pub running_tasks_count: u32,
    /// Tasks whose lastStatus is PENDING.
    pub pending_tasks_count: u32,
    /// ACTIVE services.
    pub active_services_count: u32,
    /// Per-launch-type counts, when asked for with `include: ["STATISTICS"]`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub statistics: Vec<KeyValuePair>,
    /// Tags, when asked for with `include: ["TAGS"]`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<Tag>,
    /// Cluster settings (containerInsights).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub settings: Vec<KeyValuePair>,
    /// Capacity providers (none in Berth yet).
    pub capacity_providers: Vec<String>,
    /// The default capacity provider strategy (empty).
    pub default_capacity_provider_strategy: Vec<serde_json::Value>,
}

/// A resource of a container instance (`registeredResources`, `remainingResources`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// `CPU`, `MEMORY`, `PORTS`, `PORTS_UDP`.
    pub name: String,
    /// `INTEGER` or `STRINGSET`.
    pub r#type: String,
    /// Always 0.0 (ECS sends it).
    pub double_value: f64,
    /// Always 0 (ECS sends it).
    pub long_value: i64,
    /// The amount, for INTEGER resources.
    pub integer_value: i64,
    /// The ports, for STRINGSET resources.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub string_set_value: Option<Vec<String>>,
}

impl Resource {
    /// An INTEGER resource.
    pub fn integer(name: &str, value: i64) -> Resource {
        Resource {
            name: name.into(),
            r#type: "INTEGER".into(),
            integer_value: value,
            ..Resource::default()
        }
    }

    /// A STRINGSET resource.
    pub fn string_set(name: &str, values: Vec<String>) -> Resource {
        Resource {
            name: name.into(),
            r#type: "STRINGSET".into(),
            string_set_value: Some(values),
            ..Resource::default()
        }
    }
}

/// `versionInfo` of a container instance.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// The agent's version.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub agent_version: Option<String>,
    /// The agent's git hash.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub agent_hash: Option<String>,
    /// The Docker version.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub docker_version: Option<String>,
}

/// A container instance (DescribeContainerInstances).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerInstance {
    /// `arn:aws:ecs:<region>:<account>:container-instance/<cluster>/<id>`.
    pub container_instance_arn: String,
    /// The EC2 instance id.
    pub ec2_instance_id: String,
    /// Incremented on every change that emits an event.
    pub version: u64,
    /// Agent and Docker versions.
    pub version_info: VersionInfo,
    /// What is left: CPU, MEMORY, PORTS, PORTS_UDP.
    pub remaining_resources: Vec<Resource>,
    /// What it registered with.
    pub registered_resources: Vec<Resource>,
    /// ACTIVE, DRAINING, INACTIVE, ...
    pub status: String,
    /// Whether the agent is connected.
    pub agent_connected: bool,
    /// Tasks with desiredStatus RUNNING.
    pub running_tasks_count: u32,
    /// Tasks with lastStatus PENDING.
    pub pending_tasks_count: u32,
    /// Built-in, capability and custom attributes.
    pub attributes: Vec<Attribute>,
    /// When it registered.
    pub registered_at: SimTime,
    /// Attachments (ENIs): none for EC2 bridge instances.
    pub attachments: Vec<serde_json::Value>,
    /// Tags, when asked for.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<Tag>,
}

/// A port a container published on its host (`networkBindings[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkBinding {
    /// The host address it is bound to (`0.0.0.0`).
    #[serde(rename = "bindIP")]
    pub bind_ip: String,
    /// The container port.
    pub container_port: u16,
    /// The host port (static, or dynamic from the ephemeral range).
    pub host_port: u16,
    /// `tcp` or `udp`.
    pub protocol: String,
}

/// A container of a task (DescribeTasks `containers[]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// `arn:aws:ecs:<region>:<account>:container/<cluster>/<task-id>/<id>`.
    pub container_arn: String,
    /// The task it belongs to.
    pub task_arn: String,
    /// Its name in the task definition.
    pub name: String,
    /// The image.
    pub image: String,
    /// The runtime's id (the Docker container id), once created.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub runtime_id: Option<String>,
    /// PENDING, RUNNING or STOPPED.
    pub last_status: String,
    /// The exit code, once stopped.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exit_code: Option<i32>,
    /// Why it stopped (`CannotPullContainerError: ...`, `OutOfMemoryError: ...`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// Published ports, once running.
    pub network_bindings: Vec<NetworkBinding>,
    /// ENIs (awsvpc).
    pub network_interfaces: Vec<serde_json::Value>,
    /// HEALTHY, UNHEALTHY or UNKNOWN.
    pub health_status: String,
    /// CPU units, as a string (`"0"` when not set).
    pub cpu: String,
    /// Hard memory limit, as a string.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub memory: Option<String>,
    /// Soft memory limit, as a string.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub memory_reservation: Option<String>,
}

/// A task (DescribeTasks, RunTask).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// ENI attachments (awsvpc).
    pub attachments: Vec<serde_json::Value>,
    /// Task attributes.
    pub attributes: Vec<Attribute>,
    /// The instance's availability zone.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub availability_zone: Option<String>,
    /// The cluster.
    pub cluster_arn: String,
    /// CONNECTED or DISCONNECTED (the agent's connection).
    pub connectivity: String,
    /// When connectivity last changed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub connectivity_at: Option<SimTime>,
    /// The container instance it runs on.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub container_instance_arn: Option<String>,
    /// Its containers.
    pub containers: Vec<Container>,
    /// CPU units, as a string.
    pub cpu: String,
    /// When it was created (entered PENDING).
    pub created_at: SimTime,
    /// RUNNING or STOPPED.
    pub desired_status: String,
    /// ECS Exec.
    pub enable_execute_command: bool,
    /// `family:<family>`, `service:<name>` or a custom group.
    pub group: String,
    /// HEALTHY, UNHEALTHY or UNKNOWN.
    pub health_status: String,
    /// PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED.
    pub last_status: String,
    /// EC2, FARGATE or EXTERNAL.
    pub launch_type: String,
    /// Memory (MiB), as a string.
    pub memory: String,
    /// The overrides it was run with.
    pub overrides: TaskOverride,
    /// When the image pull started.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pull_started_at: Option<SimTime>,
    /// When the image pull stopped.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pull_stopped_at: Option<SimTime>,
    /// When it went RUNNING.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub started_at: Option<SimTime>,
    /// Who started it (a deployment id for service tasks).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub started_by: Option<String>,
    /// Why it stopped, as a code.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stop_code: Option<String>,
    /// When it went STOPPED.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stopped_at: Option<SimTime>,
    /// Why it stopped.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stopped_reason: Option<String>,
    /// When it began stopping.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stopping_at: Option<SimTime>,
    /// When its containers stopped.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub execution_stopped_at: Option<SimTime>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// `arn:aws:ecs:<region>:<account>:task/<cluster>/<id>`.
    pub task_arn: String,
    /// The task definition it runs.
    pub task_definition_arn: String,
    /// Incremented on every state change.
    pub version: u64,
}

/// A per-item failure (RunTask, Describe*).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// The resource that failed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub arn: Option<String>,
    /// Why (`MISSING`, `RESOURCE:MEMORY`, ...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// More about it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<String>,
}
