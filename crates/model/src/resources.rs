//! ECS's API documents beyond task definitions: clusters, container instances, tasks and
//! their containers, failures, in AWS's JSON shape (as DescribeClusters,
//! DescribeContainerInstances and DescribeTasks return them). Output shapes: absent members
//! are omitted; timestamps are epoch seconds.

use serde::{Deserialize, Serialize};

use crate::overrides::TaskOverride;
use crate::states::{
    AgentUpdateStatus, ClusterStatus, Connectivity, ContainerInstanceStatus,
    DeploymentControllerType, DeploymentLifecycleHookStage, DeploymentStatus, DeploymentStrategy,
    HealthStatus, HookAction, HookTargetType, LaunchType, PropagateTags, RolloutState,
    SchedulingStrategy, ServiceStatus, StabilityStatus, TaskSetStatus, TaskStatus, TaskStopCode,
    ThresholdType,
};
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
    pub status: ClusterStatus,
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
    /// The execute-command configuration, when asked for with `include: ["CONFIGURATIONS"]`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub configuration: Option<serde_json::Value>,
    /// Capacity providers (none in Berth yet).
    pub capacity_providers: Vec<String>,
    /// The default capacity provider strategy.
    pub default_capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    /// `{"namespace": ...}`: the Service Connect namespace services use by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_connect_defaults: Option<serde_json::Value>,
}

/// A resource of a container instance (`registeredResources`, `remainingResources`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// `CPU`, `MEMORY`, `PORTS`, `PORTS_UDP`.
    pub name: String,
    /// `INTEGER` or `STRINGSET`.
    #[serde(default)]
    pub r#type: String,
    /// Always 0.0 (ECS sends it).
    #[serde(default)]
    pub double_value: f64,
    /// Always 0 (ECS sends it).
    #[serde(default)]
    pub long_value: i64,
    /// The amount, for INTEGER resources.
    #[serde(default)]
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
    pub status: ContainerInstanceStatus,
    /// Whether the agent is connected.
    pub agent_connected: bool,
    /// Where an UpdateContainerAgent stands (PENDING, STAGING, STAGED, UPDATING, UPDATED).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_update_status: Option<AgentUpdateStatus>,
    /// The Auto Scaling group capacity provider it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider_name: Option<String>,
    /// Tasks with desiredStatus RUNNING.
    pub running_tasks_count: u32,
    /// Tasks with lastStatus PENDING.
    pub pending_tasks_count: u32,
    /// Built-in, capability and custom attributes (shared: an instance's attributes change
    /// rarely, its documents are written on every task start and stop).
    pub attributes: std::sync::Arc<[Attribute]>,
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
    #[serde(rename = "bindIP", default)]
    pub bind_ip: String,
    /// The container port.
    pub container_port: u16,
    /// The host port (static, or dynamic from the ephemeral range).
    pub host_port: u16,
    /// `tcp` or `udp`.
    #[serde(default)]
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
    /// The digest of the image it runs, as its agent reported it once pulled.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub image_digest: Option<String>,
    /// The runtime's id (the Docker container id), once created.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub runtime_id: Option<String>,
    /// PENDING, RUNNING or STOPPED.
    pub last_status: TaskStatus,
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
    pub health_status: HealthStatus,
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
    pub connectivity: Connectivity,
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
    pub desired_status: TaskStatus,
    /// ECS Exec.
    pub enable_execute_command: bool,
    /// `family:<family>`, `service:<name>` or a custom group.
    pub group: String,
    /// HEALTHY, UNHEALTHY or UNKNOWN.
    pub health_status: HealthStatus,
    /// PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED.
    pub last_status: TaskStatus,
    /// EC2, FARGATE or EXTERNAL.
    pub launch_type: LaunchType,
    /// Fargate: the platform version it runs on (`1.4.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// Fargate: `Linux`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_family: Option<String>,
    /// The capacity provider it runs on, when launched with a capacity provider strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider_name: Option<String>,
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
    pub stop_code: Option<TaskStopCode>,
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

/// An item of a capacity provider strategy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CapacityProviderStrategyItem {
    /// The capacity provider's name.
    pub capacity_provider: String,
    /// Its share of the tasks after the base (0-1000, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    /// Tasks it runs first (0-100000, default 0; one item at most sets it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<i64>,
}

/// A task's scale-in protection (UpdateTaskProtection, GetTaskProtection).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtectedTask {
    /// The task.
    pub task_arn: String,
    /// Whether it is protected now.
    pub protection_enabled: bool,
    /// Until when.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expiration_date: Option<SimTime>,
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

/// `deploymentConfiguration` of a service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentConfiguration {
    /// The circuit breaker.
    #[serde(default)]
    pub deployment_circuit_breaker: DeploymentCircuitBreaker,
    /// Upper bound on RUNNING + PENDING tasks, as a percentage of desiredCount (rounded down).
    #[serde(default = "default_maximum_percent")]
    pub maximum_percent: u32,
    /// Lower bound on healthy tasks, as a percentage of desiredCount (rounded up).
    #[serde(default = "default_minimum_healthy_percent")]
    pub minimum_healthy_percent: u32,
    /// The CloudWatch alarms that fail a deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarms: Option<DeploymentAlarms>,
    /// ROLLING (when absent), BLUE_GREEN, LINEAR or CANARY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DeploymentStrategy>,
    /// Minutes both revisions run after production traffic has shifted (not ROLLING).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake_time_in_minutes: Option<i64>,
    /// The hooks that run at the deployment's stages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_hooks: Option<Vec<DeploymentLifecycleHook>>,
    /// LINEAR's steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_configuration: Option<LinearConfiguration>,
    /// CANARY's first step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_configuration: Option<CanaryConfiguration>,
}

/// `deploymentConfiguration.alarms`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentAlarms {
    /// The alarms ECS watches.
    #[serde(default)]
    pub alarm_names: Vec<String>,
    /// Whether ECS watches them.
    #[serde(default)]
    pub enable: bool,
    /// Whether a deployment they fail rolls back to the last completed one.
    #[serde(default)]
    pub rollback: bool,
}

/// `deploymentConfiguration.lifecycleHooks[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentLifecycleHook {
    /// AWS_LAMBDA (when absent) or PAUSE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<HookTargetType>,
    /// The function's ARN (AWS_LAMBDA; Berth calls an HTTP endpoint instead, see the README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_target_arn: Option<String>,
    /// The role ECS would invoke it with (accepted, not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The stages it runs at.
    #[serde(default)]
    pub lifecycle_stages: Vec<DeploymentLifecycleHookStage>,
    /// Passed to the function (AWS_LAMBDA only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_details: Option<serde_json::Value>,
    /// How long it may take, and what happens then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_configuration: Option<HookTimeoutConfiguration>,
}

/// `lifecycleHooks[].timeoutConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookTimeoutConfiguration {
    /// 1 to 20160 (14 days); 1440 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_in_minutes: Option<i64>,
    /// ROLLBACK (when absent) or CONTINUE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<HookAction>,
}

/// `deploymentConfiguration.linearConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinearConfiguration {
    /// Production traffic moved per step, 3.0 to 100.0 in tenths; 10.0 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_percent: Option<f64>,
    /// Minutes between steps, 0 to 1440; 6 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_bake_time_in_minutes: Option<i64>,
}

/// `deploymentConfiguration.canaryConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryConfiguration {
    /// Production traffic on the new revision first, 0.1 to 100.0; 5.0 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_percent: Option<f64>,
    /// Minutes before the rest moves, 0 to 1440; 10 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_bake_time_in_minutes: Option<i64>,
}

fn default_maximum_percent() -> u32 {
    200
}

fn default_minimum_healthy_percent() -> u32 {
    100
}

impl Default for DeploymentConfiguration {
    fn default() -> Self {
        DeploymentConfiguration {
            deployment_circuit_breaker: DeploymentCircuitBreaker::default(),
            maximum_percent: default_maximum_percent(),
            minimum_healthy_percent: default_minimum_healthy_percent(),
            alarms: None,
            strategy: None,
            bake_time_in_minutes: None,
            lifecycle_hooks: None,
            linear_configuration: None,
            canary_configuration: None,
        }
    }
}

/// `deploymentCircuitBreaker`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentCircuitBreaker {
    /// Whether failed deployments are stopped.
    #[serde(default)]
    pub enable: bool,
    /// Whether a failed deployment rolls back to the last completed one.
    #[serde(default)]
    pub rollback: bool,
    /// Whether a task that becomes healthy sets the failure count back to 0 (true when
    /// absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_on_healthy_task: Option<bool>,
    /// How many failed tasks trip it (50 % of the desired count within 3..=200 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_configuration: Option<ThresholdConfiguration>,
}

/// `deploymentCircuitBreaker.thresholdConfiguration`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThresholdConfiguration {
    /// COUNT, BOUNDED_PERCENT or UNBOUNDED_PERCENT.
    pub r#type: ThresholdType,
    /// The count, or the percentage of the desired count.
    pub value: i64,
}

/// A service deployment (`deployments[]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// `ecs-svc/<19 digits>`.
    pub id: String,
    /// PRIMARY (the newest) or ACTIVE (being replaced).
    pub status: DeploymentStatus,
    /// The task definition it runs.
    pub task_definition: String,
    /// Tasks it should have.
    pub desired_count: u32,
    /// Its PENDING tasks.
    pub pending_count: u32,
    /// Its RUNNING tasks.
    pub running_count: u32,
    /// Its tasks that failed to start (circuit breaker).
    pub failed_tasks: u32,
    /// When it was created.
    pub created_at: SimTime,
    /// When it last changed.
    pub updated_at: SimTime,
    /// EC2 or FARGATE; absent on a capacity provider strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<LaunchType>,
    /// The capacity providers its tasks run on, instead of a launch type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    /// Fargate: the platform version its tasks run on (`1.4.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// awsvpc: the subnets, security groups and public-IP choice its tasks get.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<serde_json::Value>,
    /// IN_PROGRESS, COMPLETED or FAILED.
    pub rollout_state: RolloutState,
    /// Why it is in that state.
    pub rollout_state_reason: String,
}

/// A service event (`events[]`), newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEvent {
    /// A UUID.
    pub id: String,
    /// When.
    pub created_at: SimTime,
    /// ECS's sentence.
    pub message: String,
}

/// A service (DescribeServices).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`.
    pub service_arn: String,
    /// Its name.
    pub service_name: String,
    /// The cluster.
    pub cluster_arn: String,
    /// The target groups its tasks are registered in.
    pub load_balancers: Vec<ServiceLoadBalancer>,
    /// Service registries (none).
    pub service_registries: Vec<serde_json::Value>,
    /// ACTIVE, DRAINING or INACTIVE.
    pub status: ServiceStatus,
    /// Tasks it should run.
    pub desired_count: u32,
    /// Its RUNNING tasks.
    pub running_count: u32,
    /// Its PENDING tasks.
    pub pending_count: u32,
    /// EC2 or FARGATE; absent for a service on a capacity provider strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<LaunchType>,
    /// The capacity providers its tasks run on, instead of a launch type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    /// Fargate: `LATEST` or the version asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// Fargate: `Linux`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_family: Option<String>,
    /// awsvpc: the subnets, security groups and public-IP choice its tasks get.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<serde_json::Value>,
    /// The PRIMARY deployment's task definition.
    pub task_definition: String,
    /// Rolling-update bounds and the circuit breaker.
    pub deployment_configuration: DeploymentConfiguration,
    /// PRIMARY first, then ACTIVE ones still being replaced.
    pub deployments: Vec<Deployment>,
    /// Task sets (services with the EXTERNAL deployment controller).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_sets: Vec<TaskSet>,
    /// Newest first, at most 100.
    pub events: Vec<ServiceEvent>,
    /// The ARN of its newest service deployment (DescribeServiceDeployments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_service_deployment: Option<String>,
    /// When it was created.
    pub created_at: SimTime,
    /// Constraints.
    pub placement_constraints: Vec<crate::placement::PlacementConstraint>,
    /// Strategies.
    pub placement_strategy: Vec<crate::placement::PlacementStrategy>,
    /// Seconds during which failed health checks are ignored after a task starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_grace_period_seconds: Option<u32>,
    /// REPLICA or DAEMON.
    pub scheduling_strategy: SchedulingStrategy,
    /// `{"type": "ECS"}`.
    pub deployment_controller: DeploymentController,
    /// Who created it.
    pub created_by: String,
    /// Managed tags.
    pub enable_ecs_managed_tags: bool,
    /// NONE, SERVICE or TASK_DEFINITION.
    pub propagate_tags: PropagateTags,
    /// ECS Exec.
    pub enable_execute_command: bool,
    /// ENABLED: once steady, ECS evens its tasks out over the Availability Zones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone_rebalancing: Option<crate::states::AvailabilityZoneRebalancing>,
    /// Tags, when asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// One of a service's `loadBalancers`: a target group and the container port registered in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceLoadBalancer {
    /// An ALB's or NLB's target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<String>,
    /// A Classic Load Balancer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_name: Option<String>,
    /// The container whose port is registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    /// Its port (a `containerPort` of the task definition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port: Option<u32>,
    /// What BLUE_GREEN, LINEAR and CANARY deployments shift traffic with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_configuration: Option<AdvancedConfiguration>,
}

/// `loadBalancers[].advancedConfiguration`: the second target group and the listener rules
/// whose weights a deployment shifts between the two.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedConfiguration {
    /// The target group the new revision's tasks go to while the old one serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_target_group_arn: Option<String>,
    /// The listener rule (or a listener's default rule) production traffic comes by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_listener_rule: Option<String>,
    /// The listener rule test traffic comes by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_listener_rule: Option<String>,
    /// The role ECS changes the rules with (accepted, not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

/// A service's `deploymentController`: who deploys it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentController {
    /// ECS (rolling and the native strategies), CODE_DEPLOY or EXTERNAL (task sets).
    pub r#type: DeploymentControllerType,
}

/// A task set of a service with the EXTERNAL deployment controller: a group of tasks of one
/// task definition, sized as a percentage of the service's desired count.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSet {
    /// `ecs-svc/` and 19 digits.
    pub id: String,
    /// `arn:aws:ecs:<region>:<account>:task-set/<cluster>/<service>/<id>`.
    pub task_set_arn: String,
    /// The service.
    pub service_arn: String,
    /// The cluster.
    pub cluster_arn: String,
    /// Who created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    /// The external controller's id for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// PRIMARY, ACTIVE or DRAINING.
    pub status: TaskSetStatus,
    /// Its task definition.
    pub task_definition: String,
    /// The service's desired count times the scale, rounded up.
    pub computed_desired_count: u32,
    /// Tasks PENDING.
    pub pending_count: u32,
    /// Tasks RUNNING.
    pub running_count: u32,
    /// Created.
    pub created_at: SimTime,
    /// Last changed.
    pub updated_at: SimTime,
    /// EC2 or FARGATE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<LaunchType>,
    /// Its Fargate platform version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// Its Fargate platform family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_family: Option<String>,
    /// Its network configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_configuration: Option<serde_json::Value>,
    /// Load balancers: its tasks are registered as their targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<ServiceLoadBalancer>,
    /// Service registries, as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_registries: Vec<serde_json::Value>,
    /// Its share of the service's desired count.
    pub scale: Scale,
    /// STEADY_STATE or STABILIZING.
    pub stability_status: StabilityStatus,
    /// When the stability status last changed.
    pub stability_status_at: SimTime,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// A task set's scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scale {
    /// 0 to 100.
    pub value: f64,
    /// PERCENT.
    pub unit: String,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            value: 100.0,
            unit: "PERCENT".into(),
        }
    }
}
