//! The operations' requests and responses in AWS's JSON shape (botocore's ECS model): the API
//! layer deserialises a body straight into a request, and serialises the response as is.
//! Members Berth accepts but does not act on yet are kept as raw JSON, so a request the AWS
//! CLI sends is never refused for carrying them.

use berth_model::overrides::TaskOverride;
use berth_model::placement::{PlacementConstraint, PlacementStrategy};
use berth_model::resources::{
    Cluster, ContainerInstance, DeploymentConfiguration, Failure, Resource, Service,
    ServiceLoadBalancer, Task, VersionInfo,
};
use berth_model::task_definition::{Attribute, KeyValuePair, Tag, TaskDefinition};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A request: every member optional, named in camelCase, and an unknown member refused.
///
/// Its `Deserialize` is written here rather than derived: the derived one is a field visitor,
/// a map visitor and a sequence visitor per request (about 60 of them), which is most of the
/// control plane's size in the page's wasm. This one reads the members into a JSON map once
/// ([`Members`]) and decodes each member with its type's own `Deserialize`, shared by every
/// request with a member of that type; the errors are serde's, word for word.
macro_rules! request {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name { $($(#[$fmeta])* #[serde(skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>,)* }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                const MEMBERS: &[&str] = &[$(stringify!($field)),*];
                let mut members = Members::read(deserializer, concat!("struct ", stringify!($name)))?;
                let request = $name { $($field: members.take(stringify!($field)).map_err(D::Error::custom)?,)* };
                members.finish(MEMBERS).map_err(D::Error::custom)?;
                Ok(request)
            }
        }
    };
}

/// A request's members as they arrived, taken out one by one as the request is built.
struct Members(serde_json::Map<String, Value>);

/// What serde's "invalid type" error says a JSON value is.
fn unexpected(value: &Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// A member the API models as a structure that Berth keeps as it came (and reads, where it
/// does, as JSON): a JSON object, anything else refused as a wrong type (a
/// SerializationException), as ECS refuses `"configuration": "str"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Structure(pub Value);

impl std::ops::Deref for Structure {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Structure {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if value.is_object() {
            return Ok(Structure(value));
        }
        Err(serde::de::Error::invalid_type(
            unexpected(&value),
            &"a structure",
        ))
    }
}

impl Members {
    /// The members of a JSON object; anything else is serde's "invalid type" error.
    fn read<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
        expected: &'static str,
    ) -> Result<Members, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Object(map) => Ok(Members(map)),
            other => Err(serde::de::Error::invalid_type(
                unexpected(&other),
                &expected,
            )),
        }
    }

    /// The member named `field` in camelCase (`cluster_name` → `clusterName`), decoded; absent
    /// and `null` are `None`.
    fn take<T: serde::de::DeserializeOwned>(
        &mut self,
        field: &str,
    ) -> Result<Option<T>, serde_json::Error> {
        match self.0.remove(&camel_case(field)) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => T::deserialize(value).map(Some),
        }
    }

    /// Refuses a member left over, with serde's words for an unknown field.
    fn finish(self, fields: &[&str]) -> Result<(), serde_json::Error> {
        let Some(unknown) = self.0.keys().next() else {
            return Ok(());
        };
        let names: Vec<String> = fields
            .iter()
            .map(|f| format!("`{}`", camel_case(f)))
            .collect();
        let expected = match names.as_slice() {
            [] => "there are no fields".to_owned(),
            [one] => format!("expected {one}"),
            [a, b] => format!("expected {a} or {b}"),
            _ => format!("expected one of {}", names.join(", ")),
        };
        Err(serde::de::Error::custom(format_args!(
            "unknown field `{unknown}`, {expected}"
        )))
    }
}

/// serde's `rename_all = "camelCase"` for a snake_case field name.
fn camel_case(snake: &str) -> String {
    let mut camel = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            camel.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            camel.push(c);
        }
    }
    camel
}

macro_rules! response {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name { $($(#[$fmeta])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>,)* }
    };
}

request! {
    /// CreateCluster.
    CreateClusterRequest {
        /// The name (default `default`).
        cluster_name: String,
        /// Tags.
        tags: Vec<Tag>,
        /// Settings (containerInsights).
        settings: Vec<KeyValuePair>,
        /// Execute-command configuration (kept and shown; ECS Exec sessions do not read it).
        configuration: Structure,
        /// Capacity providers (FARGATE, FARGATE_SPOT, Auto Scaling group providers).
        capacity_providers: Vec<String>,
        /// The default capacity provider strategy for RunTask and CreateService.
        default_capacity_provider_strategy: Value,
        /// Service Connect defaults (kept and shown; Berth has no Service Connect).
        service_connect_defaults: Structure,
    }
}

response! {
    /// CreateCluster, DeleteCluster.
    ClusterResponse { /// The cluster.
    cluster: Cluster }
}

request! {
    /// DescribeClusters.
    DescribeClustersRequest {
        /// Names or ARNs (default `default`).
        clusters: Vec<String>,
        /// `ATTACHMENTS`, `CONFIGURATIONS`, `SETTINGS`, `STATISTICS`, `TAGS`.
        include: Vec<String>,
    }
}

response! {
    /// DescribeClusters.
    DescribeClustersResponse { /// Found.
    clusters: Vec<Cluster>, /// Not found.
    failures: Vec<Failure> }
}

request! {
    /// ListClusters.
    ListClustersRequest { /// Resume token.
    next_token: String, /// Page size.
    max_results: i64 }
}

response! {
    /// ListClusters.
    ListClustersResponse { /// ARNs.
    cluster_arns: Vec<String>, /// Resume token.
    next_token: String }
}

request! {
    /// DeleteCluster.
    DeleteClusterRequest { /// Name or ARN.
    cluster: String }
}

request! {
    /// RegisterContainerInstance (what an agent sends when it starts).
    RegisterContainerInstanceRequest {
        /// Cluster name or ARN.
        cluster: String,
        /// The EC2 instance identity document (JSON text: instanceId, instanceType, availabilityZone, ...).
        instance_identity_document: String,
        /// Its signature (accepted, not checked).
        instance_identity_document_signature: String,
        /// CPU, MEMORY, PORTS, PORTS_UDP.
        total_resources: Vec<Resource>,
        /// Agent and Docker versions.
        version_info: VersionInfo,
        /// Re-registration of an existing instance.
        container_instance_arn: String,
        /// Custom attributes.
        attributes: Vec<Attribute>,
        /// GPUs (accepted, not used).
        platform_devices: Value,
        /// Tags.
        tags: Vec<Tag>,
    }
}

response! {
    /// RegisterContainerInstance, DeregisterContainerInstance.
    ContainerInstanceResponse { /// The instance.
    container_instance: ContainerInstance }
}

request! {
    /// DeregisterContainerInstance.
    DeregisterContainerInstanceRequest { /// Cluster.
    cluster: String, /// The instance.
    container_instance: String, /// Deregister even with tasks.
    force: bool }
}

request! {
    /// DescribeContainerInstances.
    DescribeContainerInstancesRequest { /// Cluster.
    cluster: String, /// ARNs or ids.
    container_instances: Vec<String>, /// `TAGS`, `CONTAINER_INSTANCE_HEALTH`.
    include: Vec<String> }
}

response! {
    /// DescribeContainerInstances, UpdateContainerInstancesState.
    ContainerInstancesResponse { /// Found.
    container_instances: Vec<ContainerInstance>, /// Not found.
    failures: Vec<Failure> }
}

request! {
    /// ListContainerInstances.
    ListContainerInstancesRequest { /// Cluster.
    cluster: String, /// A cluster query language expression.
    filter: String, /// Resume token.
    next_token: String, /// Page size.
    max_results: i64, /// ACTIVE, DRAINING, REGISTERING, DEREGISTERING, REGISTRATION_FAILED.
    status: String }
}

response! {
    /// ListContainerInstances.
    ListContainerInstancesResponse { /// ARNs.
    container_instance_arns: Vec<String>, /// Resume token.
    next_token: String }
}

request! {
    /// UpdateContainerInstancesState.
    UpdateContainerInstancesStateRequest { /// Cluster.
    cluster: String, /// ARNs or ids.
    container_instances: Vec<String>, /// ACTIVE or DRAINING.
    status: String }
}

response! {
    /// RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition.
    TaskDefinitionResponse { /// The task definition.
    task_definition: TaskDefinition, /// Its tags.
    tags: Vec<Tag> }
}

request! {
    /// DescribeTaskDefinition.
    DescribeTaskDefinitionRequest { /// `family`, `family:revision` or ARN.
    task_definition: String, /// `TAGS`.
    include: Vec<String> }
}

request! {
    /// DeregisterTaskDefinition.
    DeregisterTaskDefinitionRequest { /// `family:revision` or ARN.
    task_definition: String }
}

request! {
    /// ListTaskDefinitions.
    ListTaskDefinitionsRequest { /// Family prefix.
    family_prefix: String, /// ACTIVE (default), INACTIVE, DELETE_IN_PROGRESS.
    status: String, /// ASC (default) or DESC.
    sort: String, /// Resume token.
    next_token: String, /// Page size.
    max_results: i64 }
}

response! {
    /// ListTaskDefinitions.
    ListTaskDefinitionsResponse { /// ARNs.
    task_definition_arns: Vec<String>, /// Resume token.
    next_token: String }
}

request! {
    /// ListTaskDefinitionFamilies.
    ListTaskDefinitionFamiliesRequest { /// Family prefix.
    family_prefix: String, /// ACTIVE, INACTIVE, ALL (default).
    status: String, /// Resume token.
    next_token: String, /// Page size.
    max_results: i64 }
}

response! {
    /// ListTaskDefinitionFamilies.
    ListTaskDefinitionFamiliesResponse { /// Families.
    families: Vec<String>, /// Resume token.
    next_token: String }
}

request! {
    /// RunTask.
    RunTaskRequest {
        /// Cluster.
        cluster: String,
        /// `family`, `family:revision` or ARN.
        task_definition: String,
        /// 1 to 10.
        count: i64,
        /// Task group (default `family:<family>`).
        group: String,
        /// Who started it.
        started_by: String,
        /// Overrides.
        overrides: TaskOverride,
        /// Constraints (with the task definition's, at most 10).
        placement_constraints: Vec<PlacementConstraint>,
        /// Strategies (at most 5; default random).
        placement_strategy: Vec<PlacementStrategy>,
        /// EC2 (default), FARGATE, EXTERNAL.
        launch_type: String,
        /// awsvpc configuration.
        network_configuration: Structure,
        /// Capacity provider strategy (the cluster's default without one or a launch type).
        capacity_provider_strategy: Value,
        /// Fargate platform version (accepted; Berth runs every Fargate task on 1.4.0).
        platform_version: String,
        /// Tags.
        tags: Vec<Tag>,
        /// Managed tags (accepted, not used).
        enable_ecs_managed_tags: bool,
        /// Tag propagation (accepted, not used).
        propagate_tags: String,
        /// ECS Exec: the task's containers take ExecuteCommand.
        enable_execute_command: bool,
        /// Idempotency token (accepted, not used).
        client_token: String,
        /// Reference id (accepted, not used).
        reference_id: String,
        /// Volume configurations (accepted, not used).
        volume_configurations: Value,
    }
}

response! {
    /// RunTask, StartTask.
    TasksResponse { /// Started tasks.
    tasks: Vec<Task>, /// Why others were not.
    failures: Vec<Failure> }
}

request! {
    /// StartTask.
    StartTaskRequest {
        /// Cluster.
        cluster: String,
        /// `family`, `family:revision` or ARN.
        task_definition: String,
        /// The instances to start one task on each (1 to 10).
        container_instances: Vec<String>,
        /// Task group.
        group: String,
        /// Who started it.
        started_by: String,
        /// Overrides.
        overrides: TaskOverride,
        /// awsvpc configuration.
        network_configuration: Structure,
        /// Tags.
        tags: Vec<Tag>,
        /// Managed tags (accepted, not used).
        enable_ecs_managed_tags: bool,
        /// Tag propagation (accepted, not used).
        propagate_tags: String,
        /// ECS Exec: the task's containers take ExecuteCommand.
        enable_execute_command: bool,
        /// Reference id (accepted, not used).
        reference_id: String,
        /// Volume configurations (accepted, not used).
        volume_configurations: Value,
    }
}

request! {
    /// StopTask.
    StopTaskRequest { /// Cluster.
    cluster: String, /// ARN or id.
    task: String, /// Why.
    reason: String }
}

response! {
    /// StopTask.
    TaskResponse { /// The task.
    task: Task }
}

request! {
    /// DescribeTasks.
    DescribeTasksRequest { /// Cluster.
    cluster: String, /// ARNs or ids.
    tasks: Vec<String>, /// `TAGS`.
    include: Vec<String> }
}

request! {
    /// ListTasks.
    ListTasksRequest {
        /// Cluster.
        cluster: String,
        /// Only tasks on this instance.
        container_instance: String,
        /// Only tasks of this family.
        family: String,
        /// Only tasks started by this.
        started_by: String,
        /// Only this service's tasks.
        service_name: String,
        /// RUNNING (default), PENDING or STOPPED.
        desired_status: String,
        /// Only this launch type.
        launch_type: String,
        /// Resume token.
        next_token: String,
        /// Page size.
        max_results: i64,
    }
}

response! {
    /// ListTasks.
    ListTasksResponse { /// ARNs.
    task_arns: Vec<String>, /// Resume token.
    next_token: String }
}

request! {
    /// CreateService.
    CreateServiceRequest {
        /// Cluster.
        cluster: String,
        /// The name, unique among the cluster's ACTIVE and DRAINING services.
        service_name: String,
        /// `family`, `family:revision` or ARN.
        task_definition: String,
        /// Tasks to keep running (REPLICA).
        desired_count: i64,
        /// EC2 (default) or EXTERNAL.
        launch_type: String,
        /// Rolling-update bounds and the circuit breaker.
        deployment_configuration: DeploymentConfiguration,
        /// Constraints.
        placement_constraints: Vec<PlacementConstraint>,
        /// Strategies (default: spread over availability zones, then instances).
        placement_strategy: Vec<PlacementStrategy>,
        /// REPLICA (default) or DAEMON.
        scheduling_strategy: String,
        /// awsvpc configuration.
        network_configuration: Structure,
        /// Health-check grace period.
        health_check_grace_period_seconds: i64,
        /// Tags.
        tags: Vec<Tag>,
        /// Target groups its tasks are registered in.
        load_balancers: Vec<ServiceLoadBalancer>,
        /// Service registries (accepted, not used).
        service_registries: Value,
        /// Deployment controller (ECS only).
        deployment_controller: Structure,
        /// Capacity provider strategy (the cluster's default without one or a launch type).
        capacity_provider_strategy: Value,
        /// Fargate platform version (accepted; Berth runs every Fargate task on 1.4.0).
        platform_version: String,
        /// IAM role (accepted, not used).
        role: String,
        /// Idempotency token (accepted, not used).
        client_token: String,
        /// Managed tags (accepted, not used).
        enable_ecs_managed_tags: bool,
        /// Tag propagation (accepted, not used).
        propagate_tags: String,
        /// ECS Exec: the task's containers take ExecuteCommand.
        enable_execute_command: bool,
        /// Service Connect (accepted, not used).
        service_connect_configuration: Structure,
        /// Volumes (accepted, not used).
        volume_configurations: Value,
        /// ENABLED or DISABLED (`schedulers::rebalance`).
        availability_zone_rebalancing: String,
        /// VPC Lattice (accepted, not used).
        vpc_lattice_configurations: Value,
    }
}

request! {
    /// UpdateService.
    UpdateServiceRequest {
        /// Cluster.
        cluster: String,
        /// Name or ARN.
        service: String,
        /// New desired count.
        desired_count: i64,
        /// New task definition (starts a deployment).
        task_definition: String,
        /// New bounds.
        deployment_configuration: DeploymentConfiguration,
        /// Replaces the constraints (empty clears them).
        placement_constraints: Vec<PlacementConstraint>,
        /// Replaces the strategies (empty clears them).
        placement_strategy: Vec<PlacementStrategy>,
        /// Starts a deployment with the same task definition.
        force_new_deployment: bool,
        /// awsvpc configuration (starts a deployment).
        network_configuration: Structure,
        /// Health-check grace period.
        health_check_grace_period_seconds: i64,
        /// Capacity provider strategy (the cluster's default without one or a launch type).
        capacity_provider_strategy: Value,
        /// Fargate platform version (accepted; Berth runs every Fargate task on 1.4.0).
        platform_version: String,
        /// ECS Exec: the task's containers take ExecuteCommand.
        enable_execute_command: bool,
        /// Managed tags (accepted, not used).
        enable_ecs_managed_tags: bool,
        /// New target groups (an empty list removes them; starts a deployment).
        load_balancers: Vec<ServiceLoadBalancer>,
        /// Tag propagation (accepted, not used).
        propagate_tags: String,
        /// Service registries (accepted, not used).
        service_registries: Value,
        /// Service Connect (accepted, not used).
        service_connect_configuration: Structure,
        /// Volumes (accepted, not used).
        volume_configurations: Value,
        /// ENABLED or DISABLED (`schedulers::rebalance`).
        availability_zone_rebalancing: String,
        /// VPC Lattice (accepted, not used).
        vpc_lattice_configurations: Value,
        /// Deployment controller (accepted, not used).
        deployment_controller: Structure,
    }
}

request! {
    /// DeleteService.
    DeleteServiceRequest { /// Cluster.
    cluster: String, /// Name or ARN.
    service: String, /// Delete even when scaled above 0.
    force: bool }
}

response! {
    /// CreateService, UpdateService, DeleteService.
    ServiceResponse { /// The service.
    service: Service }
}

request! {
    /// DescribeServices.
    DescribeServicesRequest { /// Cluster.
    cluster: String, /// Names or ARNs (at most 10).
    services: Vec<String>, /// `TAGS`.
    include: Vec<String> }
}

response! {
    /// DescribeServices.
    DescribeServicesResponse { /// Found.
    services: Vec<Service>, /// Not found.
    failures: Vec<Failure> }
}

request! {
    /// ListServices.
    ListServicesRequest { /// Cluster.
    cluster: String, /// Resume token.
    next_token: String, /// Page size (default 10).
    max_results: i64, /// EC2, FARGATE, EXTERNAL.
    launch_type: String, /// REPLICA or DAEMON.
    scheduling_strategy: String, /// Resource management type (accepted, not used).
    resource_management_type: String }
}

response! {
    /// ListServices.
    ListServicesResponse { /// ARNs.
    service_arns: Vec<String>, /// Resume token.
    next_token: String }
}

request! {
    /// UpdateCluster.
    UpdateClusterRequest {
        /// Name or ARN.
        cluster: String,
        /// Settings (containerInsights).
        settings: Vec<KeyValuePair>,
        /// Execute-command configuration (kept, not used).
        configuration: Structure,
        /// Service Connect defaults (kept, not used).
        service_connect_defaults: Structure,
    }
}

request! {
    /// UpdateClusterSettings.
    UpdateClusterSettingsRequest { /// Name or ARN.
    cluster: String, /// Settings (containerInsights).
    settings: Vec<KeyValuePair> }
}

request! {
    /// PutAttributes, DeleteAttributes.
    AttributesRequest { /// Cluster.
    cluster: String, /// The attributes, each with its target.
    attributes: Vec<Attribute> }
}

response! {
    /// PutAttributes, DeleteAttributes, ListAttributes.
    AttributesResponse { /// The attributes.
    attributes: Vec<Attribute>, /// Resume token (ListAttributes).
    next_token: String }
}

request! {
    /// ListAttributes.
    ListAttributesRequest {
        /// Cluster.
        cluster: String,
        /// `container-instance` (required).
        target_type: String,
        /// Only attributes with this name.
        attribute_name: String,
        /// Only attributes with this value (with `attributeName`).
        attribute_value: String,
        /// Resume token.
        next_token: String,
        /// Page size.
        max_results: i64,
    }
}

request! {
    /// TagResource.
    TagResourceRequest { /// The resource's ARN.
    resource_arn: String, /// Tags to add or overwrite.
    tags: Vec<Tag> }
}

request! {
    /// UntagResource.
    UntagResourceRequest { /// The resource's ARN.
    resource_arn: String, /// Keys to remove.
    tag_keys: Vec<String> }
}

request! {
    /// ListTagsForResource.
    ListTagsForResourceRequest { /// The resource's ARN.
    resource_arn: String }
}

response! {
    /// ListTagsForResource.
    TagsResponse { /// The tags.
    tags: Vec<Tag> }
}

response! {
    /// TagResource, UntagResource: `{}`.
    EmptyResponse {}
}

request! {
    /// DeleteTaskDefinitions.
    DeleteTaskDefinitionsRequest { /// `family:revision` or ARNs (at most 10).
    task_definitions: Vec<String> }
}

response! {
    /// DeleteTaskDefinitions.
    DeleteTaskDefinitionsResponse { /// The revisions now DELETE_IN_PROGRESS.
    task_definitions: Vec<TaskDefinition>, /// The ones that could not be deleted.
    failures: Vec<Failure> }
}

request! {
    /// UpdateTaskProtection.
    UpdateTaskProtectionRequest {
        /// Cluster.
        cluster: String,
        /// Task ARNs or ids (at most 10).
        tasks: Vec<String>,
        /// Protect (true) or release (false).
        protection_enabled: bool,
        /// Minutes of protection, 1 to 2880 (default 120).
        expires_in_minutes: i64,
    }
}

request! {
    /// GetTaskProtection.
    GetTaskProtectionRequest { /// Cluster.
    cluster: String, /// Task ARNs or ids (at most 10).
    tasks: Vec<String> }
}

response! {
    /// UpdateTaskProtection, GetTaskProtection.
    TaskProtectionResponse { /// The tasks' protection.
    protected_tasks: Vec<berth_model::resources::ProtectedTask>, /// Tasks that could not be.
    failures: Vec<Failure> }
}

request! {
    /// PutAccountSetting.
    PutAccountSettingRequest { /// The setting.
    name: String, /// Its value.
    value: String, /// Whose (default: the caller, the account's root user).
    principal_arn: String }
}

request! {
    /// PutAccountSettingDefault.
    PutAccountSettingDefaultRequest { /// The setting.
    name: String, /// Its value for every principal without its own.
    value: String }
}

request! {
    /// DeleteAccountSetting.
    DeleteAccountSettingRequest { /// The setting.
    name: String, /// Whose (default: the caller).
    principal_arn: String }
}

request! {
    /// ListAccountSettings.
    ListAccountSettingsRequest {
        /// Only this setting.
        name: String,
        /// Only settings with this value.
        value: String,
        /// Whose (default: the caller).
        principal_arn: String,
        /// The values that apply (own, else account default, else AWS's), not only own ones.
        effective_settings: bool,
        /// Resume token.
        next_token: String,
        /// Page size (1-10, default 10).
        max_results: i64,
    }
}

response! {
    /// PutAccountSetting, PutAccountSettingDefault, DeleteAccountSetting.
    AccountSettingResponse { /// The setting.
    setting: Value }
}

response! {
    /// ListAccountSettings.
    AccountSettingsResponse { /// The settings.
    settings: Vec<Value>, /// Resume token.
    next_token: String }
}

/// A container's state in SubmitTaskStateChange.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubmittedContainer {
    /// The container's name.
    #[serde(default)]
    pub container_name: Option<String>,
    /// The digest of the image it runs.
    #[serde(default)]
    pub image_digest: Option<String>,
    /// Its runtime id.
    #[serde(default)]
    pub runtime_id: Option<String>,
    /// Its exit code.
    #[serde(default)]
    pub exit_code: Option<i64>,
    /// Its host ports.
    #[serde(default)]
    pub network_bindings: Option<Vec<berth_model::resources::NetworkBinding>>,
    /// Why it stopped.
    #[serde(default)]
    pub reason: Option<String>,
    /// PENDING, RUNNING or STOPPED.
    #[serde(default)]
    pub status: Option<String>,
}

request! {
    /// SubmitTaskStateChange (an agent's report).
    SubmitTaskStateChangeRequest {
        /// Cluster.
        cluster: String,
        /// The task.
        task: String,
        /// PENDING, RUNNING or STOPPED.
        status: String,
        /// Why it stopped (accepted; containers carry their own reasons).
        reason: String,
        /// Its containers.
        containers: Vec<SubmittedContainer>,
        /// ENI attachments (accepted, not used).
        attachments: Value,
        /// Managed agents (accepted, not used).
        managed_agents: Value,
        /// When the pull started.
        pull_started_at: berth_model::SimTime,
        /// When the pull stopped.
        pull_stopped_at: berth_model::SimTime,
        /// When the task's execution stopped (accepted; STOPPED sets it).
        execution_stopped_at: berth_model::SimTime,
    }
}

request! {
    /// SubmitContainerStateChange (an agent's report).
    SubmitContainerStateChangeRequest {
        /// Cluster.
        cluster: String,
        /// The task.
        task: String,
        /// The container.
        container_name: String,
        /// Its runtime id.
        runtime_id: String,
        /// PENDING, RUNNING or STOPPED.
        status: String,
        /// Its exit code.
        exit_code: i64,
        /// Why it stopped.
        reason: String,
        /// Its host ports.
        network_bindings: Vec<berth_model::resources::NetworkBinding>,
    }
}

request! {
    /// CreateTaskSet.
    CreateTaskSetRequest { /// The service (name or ARN).
    service: String, /// Cluster.
    cluster: String, /// The external controller's id.
    external_id: String, /// Task definition.
    task_definition: String, /// awsvpc configuration.
    network_configuration: Structure, /// Load balancers: its tasks' targets.
    load_balancers: Vec<ServiceLoadBalancer>, /// Service registries (kept as given).
    service_registries: Vec<Value>, /// EC2 or FARGATE.
    launch_type: String, /// Not supported for task sets in Berth yet; accepted as given.
    capacity_provider_strategy: Value, /// Fargate platform version.
    platform_version: String, /// Share of the service's desired count.
    scale: berth_model::resources::Scale, /// Idempotency token.
    client_token: String, /// Tags.
    tags: Vec<Tag> }
}

request! {
    /// DescribeTaskSets.
    DescribeTaskSetsRequest { /// Cluster.
    cluster: String, /// The service.
    service: String, /// Ids or ARNs; all when absent.
    task_sets: Vec<String>, /// `TAGS`.
    include: Vec<String> }
}

request! {
    /// UpdateTaskSet.
    UpdateTaskSetRequest { /// Cluster.
    cluster: String, /// The service.
    service: String, /// The task set.
    task_set: String, /// Its new scale.
    scale: berth_model::resources::Scale }
}

request! {
    /// DeleteTaskSet.
    DeleteTaskSetRequest { /// Cluster.
    cluster: String, /// The service.
    service: String, /// The task set.
    task_set: String, /// Delete even if not scaled down to zero.
    force: bool }
}

request! {
    /// UpdateServicePrimaryTaskSet.
    UpdateServicePrimaryTaskSetRequest { /// Cluster.
    cluster: String, /// The service.
    service: String, /// The task set to make PRIMARY.
    primary_task_set: String }
}

response! {
    /// CreateTaskSet, UpdateTaskSet, DeleteTaskSet, UpdateServicePrimaryTaskSet.
    TaskSetResponse { /// The task set.
    task_set: berth_model::resources::TaskSet }
}

response! {
    /// DescribeTaskSets.
    TaskSetsResponse { /// Found.
    task_sets: Vec<berth_model::resources::TaskSet>, /// Not found.
    failures: Vec<Failure> }
}

request! {
    /// UpdateContainerAgent.
    UpdateContainerAgentRequest { /// Cluster.
    cluster: String, /// The instance (ARN or id).
    container_instance: String }
}

request! {
    /// ListServicesByNamespace.
    ListServicesByNamespaceRequest { /// A Service Connect namespace (name or ARN).
    namespace: String, /// Paging.
    next_token: String, /// Page size (1-100, default 10).
    max_results: i64 }
}

response! {
    /// ListServicesByNamespace.
    ListServicesByNamespaceResponse { /// Services.
    service_arns: Vec<String>, /// More.
    next_token: String }
}

request! {
    /// One of SubmitAttachmentStateChanges's `attachments`.
    AttachmentStateChange { /// The attachment.
    attachment_arn: String, /// Its status.
    status: String }
}

request! {
    /// SubmitAttachmentStateChanges.
    SubmitAttachmentStateChangesRequest { /// Cluster.
    cluster: String, /// The changes.
    attachments: Vec<AttachmentStateChange> }
}

response! {
    /// SubmitTaskStateChange, SubmitContainerStateChange.
    AcknowledgmentResponse { /// `ACK`.
    acknowledgment: String }
}

request! {
    /// ListServiceDeployments.
    ListServiceDeploymentsRequest {
        /// The service (required).
        service: String,
        /// Cluster.
        cluster: String,
        /// Only deployments in these statuses.
        status: Vec<String>,
        /// `{"before": ..., "after": ...}`.
        created_at: Structure,
        /// Resume token.
        next_token: String,
        /// Page size (1-100, default 20).
        max_results: i64,
    }
}

request! {
    /// DescribeServiceDeployments.
    DescribeServiceDeploymentsRequest { /// At most 20 service-deployment ARNs.
    service_deployment_arns: Vec<String> }
}

request! {
    /// DescribeServiceRevisions.
    DescribeServiceRevisionsRequest { /// At most 20 service-revision ARNs.
    service_revision_arns: Vec<String> }
}

response! {
    /// ListServiceDeployments, DescribeServiceDeployments.
    ServiceDeploymentsResponse { /// The deployments (briefs when listed).
    service_deployments: Vec<Value>, /// Not found.
    failures: Vec<Failure>, /// Resume token.
    next_token: String }
}

response! {
    /// DescribeServiceRevisions.
    ServiceRevisionsResponse { /// The revisions.
    service_revisions: Vec<Value>, /// Not found.
    failures: Vec<Failure> }
}

request! {
    /// StopServiceDeployment.
    StopServiceDeploymentRequest { /// The deployment.
    service_deployment_arn: String, /// ROLLBACK (the default and only value ECS takes).
    stop_type: String }
}

response! {
    /// StopServiceDeployment.
    StopServiceDeploymentResponse { /// The deployment.
    service_deployment_arn: String }
}

request! {
    /// ContinueServiceDeployment.
    ContinueServiceDeploymentRequest { /// The deployment.
    service_deployment_arn: String, /// The paused hook (`lifecycleHookDetails[].hookId`).
    hook_id: String, /// CONTINUE (the default) or ROLLBACK.
    action: String }
}

request! {
    /// DescribeCapacityProviders.
    DescribeCapacityProvidersRequest {
        /// Names or ARNs (default: all).
        capacity_providers: Vec<String>,
        /// `TAGS`.
        include: Vec<String>,
        /// Page size (1-10, default 10).
        max_results: i64,
        /// Resume token.
        next_token: String,
    }
}

request! {
    /// PutClusterCapacityProviders.
    PutClusterCapacityProvidersRequest {
        /// Cluster.
        cluster: String,
        /// The cluster's capacity providers (FARGATE, FARGATE_SPOT).
        capacity_providers: Vec<String>,
        /// The strategy of calls that give neither a launch type nor a strategy.
        default_capacity_provider_strategy: Vec<berth_model::resources::CapacityProviderStrategyItem>,
    }
}

response! {
    /// DescribeCapacityProviders.
    CapacityProvidersResponse { /// The capacity providers.
    capacity_providers: Vec<Value>, /// Not found.
    failures: Vec<Failure>, /// Resume token.
    next_token: String }
}

request! {
    /// ExecuteCommand.
    ExecuteCommandRequest {
        /// Cluster.
        cluster: String,
        /// The container (required when the task has more than one).
        container: String,
        /// The command to run (required).
        command: String,
        /// Must be true: ECS runs commands interactively only.
        interactive: bool,
        /// The task (required).
        task: String,
    }
}

request! {
    /// DiscoverPollEndpoint.
    DiscoverPollEndpointRequest { /// The instance asking.
    container_instance: String, /// Its cluster.
    cluster: String, /// Its zone id.
    zone_id: String }
}

response! {
    /// DiscoverPollEndpoint.
    DiscoverPollEndpointResponse { /// Where agents connect.
    endpoint: String, /// Where agents send metrics.
    telemetry_endpoint: String, /// Where Service Connect's agent connects.
    service_connect_endpoint: String }
}

request! {
    /// CreateCapacityProvider.
    CreateCapacityProviderRequest {
        /// The name (required).
        name: String,
        /// The cluster (ECS Managed Instances providers only).
        cluster: String,
        /// The Auto Scaling group and how ECS manages it.
        auto_scaling_group_provider: Structure,
        /// ECS Managed Instances (not offered by Berth).
        managed_instances_provider: Structure,
        /// Tags.
        tags: Vec<Tag>,
    }
}

request! {
    /// UpdateCapacityProvider.
    UpdateCapacityProviderRequest {
        /// The provider (required).
        name: String,
        /// The cluster (ECS Managed Instances providers only).
        cluster: String,
        /// New managed scaling, termination protection and draining settings.
        auto_scaling_group_provider: Structure,
        /// ECS Managed Instances (not offered by Berth).
        managed_instances_provider: Structure,
    }
}

request! {
    /// DeleteCapacityProvider.
    DeleteCapacityProviderRequest { /// Name or ARN (required).
    capacity_provider: String, /// The cluster (ECS Managed Instances providers only).
    cluster: String }
}

request! {
    /// `autoScalingGroupProvider` of CreateCapacityProvider and UpdateCapacityProvider.
    AutoScalingGroupProviderInput {
        /// The group, as an ARN or a name (create only).
        auto_scaling_group_arn: String,
        /// Managed scaling.
        managed_scaling: Structure,
        /// ENABLED or DISABLED (default).
        managed_termination_protection: String,
        /// ENABLED (default) or DISABLED.
        managed_draining: String,
    }
}

request! {
    /// `managedScaling`.
    ManagedScalingInput {
        /// ENABLED or DISABLED.
        status: String,
        /// Percent of the group's capacity to use (1-100, default 100).
        target_capacity: i64,
        /// Fewest instances per scale-out (default 1).
        minimum_scaling_step_size: i64,
        /// Most instances per scale-out (default 10000).
        maximum_scaling_step_size: i64,
        /// Seconds before a new instance counts (default 300).
        instance_warmup_period: i64,
    }
}

response! {
    /// CreateCapacityProvider, UpdateCapacityProvider, DeleteCapacityProvider.
    CapacityProviderResponse { /// The capacity provider.
    capacity_provider: Value }
}

/// Declares the operations once: the [`Request`] enum, [`Request::OPERATIONS`] and the
/// decoding of a body by operation name all come from this one list.
macro_rules! operations {
    ($($name:ident($ty:ty)),* $(,)?) => {
        /// A request to the control plane: one variant per ECS operation.
        #[derive(Clone, Debug, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Request {
            $(#[doc = stringify!($name)] $name($ty),)*
        }

        impl Request {
            /// The operations, by the name ECS's API uses (`X-Amz-Target` suffix).
            pub const OPERATIONS: &'static [&'static str] = &[$(stringify!($name)),*];

            /// The operation's name (`RunTask`).
            pub fn operation(&self) -> &'static str {
                match self {
                    $(Request::$name(_) => stringify!($name),)*
                }
            }

            /// Whether the operation only reads (Describe*, List*): it changes nothing, and
            /// the services take no step for it.
            pub fn is_read_only(&self) -> bool {
                let name = self.operation();
                ["Describe", "List", "Get"].iter().any(|p| name.starts_with(p))
            }

            /// The request an operation's body decodes to; `None` for an unknown operation.
            fn decode(name: &str, body: Value) -> Option<Result<Request, berth_model::ApiError>> {
                Some(match name {
                    $(stringify!($name) => body_of::<$ty>(body).map(Request::$name),)*
                    _ => return None,
                })
            }
        }
    };
}

operations! {
    CreateCluster(CreateClusterRequest),
    DescribeClusters(DescribeClustersRequest),
    ListClusters(ListClustersRequest),
    UpdateCluster(UpdateClusterRequest),
    UpdateClusterSettings(UpdateClusterSettingsRequest),
    DeleteCluster(DeleteClusterRequest),
    DescribeCapacityProviders(DescribeCapacityProvidersRequest),
    PutClusterCapacityProviders(PutClusterCapacityProvidersRequest),
    RegisterContainerInstance(RegisterContainerInstanceRequest),
    DeregisterContainerInstance(DeregisterContainerInstanceRequest),
    DescribeContainerInstances(DescribeContainerInstancesRequest),
    ListContainerInstances(ListContainerInstancesRequest),
    UpdateContainerInstancesState(UpdateContainerInstancesStateRequest),
    UpdateContainerAgent(UpdateContainerAgentRequest),
    PutAttributes(AttributesRequest),
    DeleteAttributes(AttributesRequest),
    ListAttributes(ListAttributesRequest),
    RegisterTaskDefinition(TaskDefinition),
    DescribeTaskDefinition(DescribeTaskDefinitionRequest),
    DeregisterTaskDefinition(DeregisterTaskDefinitionRequest),
    DeleteTaskDefinitions(DeleteTaskDefinitionsRequest),
    ListTaskDefinitions(ListTaskDefinitionsRequest),
    ListTaskDefinitionFamilies(ListTaskDefinitionFamiliesRequest),
    RunTask(RunTaskRequest),
    StartTask(StartTaskRequest),
    StopTask(StopTaskRequest),
    DescribeTasks(DescribeTasksRequest),
    ListTasks(ListTasksRequest),
    UpdateTaskProtection(UpdateTaskProtectionRequest),
    GetTaskProtection(GetTaskProtectionRequest),
    CreateService(CreateServiceRequest),
    UpdateService(UpdateServiceRequest),
    DeleteService(DeleteServiceRequest),
    DescribeServices(DescribeServicesRequest),
    ListServices(ListServicesRequest),
    ListServicesByNamespace(ListServicesByNamespaceRequest),
    CreateTaskSet(CreateTaskSetRequest),
    DescribeTaskSets(DescribeTaskSetsRequest),
    UpdateTaskSet(UpdateTaskSetRequest),
    DeleteTaskSet(DeleteTaskSetRequest),
    UpdateServicePrimaryTaskSet(UpdateServicePrimaryTaskSetRequest),
    ListServiceDeployments(ListServiceDeploymentsRequest),
    DescribeServiceDeployments(DescribeServiceDeploymentsRequest),
    DescribeServiceRevisions(DescribeServiceRevisionsRequest),
    StopServiceDeployment(StopServiceDeploymentRequest),
    ContinueServiceDeployment(ContinueServiceDeploymentRequest),
    SubmitTaskStateChange(SubmitTaskStateChangeRequest),
    SubmitContainerStateChange(SubmitContainerStateChangeRequest),
    SubmitAttachmentStateChanges(SubmitAttachmentStateChangesRequest),
    PutAccountSetting(PutAccountSettingRequest),
    PutAccountSettingDefault(PutAccountSettingDefaultRequest),
    DeleteAccountSetting(DeleteAccountSettingRequest),
    ListAccountSettings(ListAccountSettingsRequest),
    TagResource(TagResourceRequest),
    UntagResource(UntagResourceRequest),
    ListTagsForResource(ListTagsForResourceRequest),
    ExecuteCommand(ExecuteCommandRequest),
    DiscoverPollEndpoint(DiscoverPollEndpointRequest),
    CreateCapacityProvider(CreateCapacityProviderRequest),
    UpdateCapacityProvider(UpdateCapacityProviderRequest),
    DeleteCapacityProvider(DeleteCapacityProviderRequest),
}

/// A successful response, serialised as ECS's JSON body.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)]
pub enum Response {
    /// `{"cluster": ...}`.
    Cluster(ClusterResponse),
    /// DescribeClusters.
    DescribeClusters(DescribeClustersResponse),
    /// ListClusters.
    ListClusters(ListClustersResponse),
    /// `{"containerInstance": ...}`.
    ContainerInstance(ContainerInstanceResponse),
    /// `{"containerInstances": [...], "failures": [...]}`.
    ContainerInstances(ContainerInstancesResponse),
    /// ListContainerInstances.
    ListContainerInstances(ListContainerInstancesResponse),
    /// `{"taskDefinition": ..., "tags": [...]}`.
    TaskDefinition(TaskDefinitionResponse),
    /// ListTaskDefinitions.
    ListTaskDefinitions(ListTaskDefinitionsResponse),
    /// ListTaskDefinitionFamilies.
    ListTaskDefinitionFamilies(ListTaskDefinitionFamiliesResponse),
    /// `{"tasks": [...], "failures": [...]}`.
    Tasks(TasksResponse),
    /// `{"task": ...}`.
    Task(TaskResponse),
    /// ListTasks.
    ListTasks(ListTasksResponse),
    /// `{"service": ...}`.
    Service(ServiceResponse),
    /// DescribeServices.
    DescribeServices(DescribeServicesResponse),
    /// ListServices.
    ListServices(ListServicesResponse),
    /// PutAttributes, DeleteAttributes, ListAttributes.
    Attributes(AttributesResponse),
    /// ListTagsForResource.
    Tags(TagsResponse),
    /// DeleteTaskDefinitions.
    DeleteTaskDefinitions(DeleteTaskDefinitionsResponse),
    /// `{}`.
    Empty(EmptyResponse),
    /// UpdateTaskProtection, GetTaskProtection.
    TaskProtection(TaskProtectionResponse),
    /// `{"setting": ...}`.
    AccountSetting(AccountSettingResponse),
    /// ListAccountSettings.
    AccountSettings(AccountSettingsResponse),
    /// `{"acknowledgment": "ACK"}`.
    Acknowledgment(AcknowledgmentResponse),
    /// ListServiceDeployments, DescribeServiceDeployments.
    ServiceDeployments(ServiceDeploymentsResponse),
    /// DescribeServiceRevisions.
    ServiceRevisions(ServiceRevisionsResponse),
    /// StopServiceDeployment, ContinueServiceDeployment: `{"serviceDeploymentArn": ...}`.
    StopServiceDeployment(StopServiceDeploymentResponse),
    /// DescribeCapacityProviders.
    CapacityProviders(CapacityProvidersResponse),
    /// ListServicesByNamespace.
    ListServicesByNamespace(ListServicesByNamespaceResponse),
    /// `{"taskSet": ...}`.
    TaskSet(TaskSetResponse),
    /// DescribeTaskSets.
    TaskSets(TaskSetsResponse),
    /// DiscoverPollEndpoint.
    DiscoverPollEndpoint(DiscoverPollEndpointResponse),
    /// `{"capacityProvider": ...}`.
    CapacityProvider(CapacityProviderResponse),
}

/// A body as an operation's request: an absent body is `{}`; an unknown member is an
/// InvalidParameterException, a wrong type a SerializationException.
fn body_of<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, berth_model::ApiError> {
    use berth_model::{ApiError, ExceptionType};
    let body = if body.is_null() {
        Value::Object(Default::default())
    } else {
        body
    };
    serde_json::from_value(body).map_err(|error| {
        let text = error.to_string();
        let exception = if text.starts_with("unknown field") {
            ExceptionType::InvalidParameterException
        } else {
            ExceptionType::SerializationException
        };
        ApiError::new(exception, text)
    })
}

impl Request {
    /// Builds a request from an operation name (`CreateService`, or the AWS CLI's
    /// `create-service`) and its JSON body, with ECS's errors for bodies that do not fit.
    pub fn from_operation(operation: &str, body: Value) -> Result<Request, berth_model::ApiError> {
        use berth_model::{ApiError, ExceptionType};
        let name = berth_model::inputs::operation_name(operation);
        if name == "RegisterTaskDefinition" {
            // Task definitions are read by berth-model, which names the JSON path of a problem.
            let parsed = berth_model::parse::parse_value(body, None);
            if let Some(problem) = parsed.problems.into_iter().next() {
                return Err(problem.to_api_error());
            }
            return Ok(Request::RegisterTaskDefinition(parsed.task_definition));
        }
        Request::decode(&name, body).unwrap_or_else(|| {
            Err(ApiError::new(
                ExceptionType::UnknownOperationException,
                format!(
                    "Unknown operation {name}. Berth implements: {}.",
                    Request::OPERATIONS.join(", ")
                ),
            ))
        })
    }
}

#[cfg(test)]
#[allow(unreachable_pub)] // `request!` makes its structs `pub`, as the API's are.
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// What serde's derive made of two requests, kept to check [`Members`] against.
    mod derived {
        use serde::Deserialize;

        #[derive(Debug, Default, PartialEq, Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct ListTasksRequest {
            #[serde(default)]
            pub cluster: Option<String>,
            #[serde(default)]
            pub max_results: Option<i64>,
            #[serde(default)]
            pub container_instance: Option<String>,
        }

        #[derive(Debug, Default, PartialEq, Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct DeleteClusterRequest {
            #[serde(default)]
            pub cluster: Option<String>,
        }
    }

    request! {
        /// Three members, as derived::ListTasksRequest.
        ListTasksRequest { cluster: String, max_results: i64, container_instance: String }
    }

    fn text<T: serde::de::DeserializeOwned>(body: &str) -> Result<String, String> {
        let value: Value = serde_json::from_str(body).unwrap();
        serde_json::from_value::<T>(value)
            .map(|_| "ok".to_owned())
            .map_err(|e| e.to_string())
    }

    /// The hand-written decoder says what serde's derive says, and decodes the same.
    #[test]
    fn members_decode_and_err_as_the_derive_did() {
        for body in [
            r#"{}"#,
            r#"{"cluster": "a", "maxResults": 5, "containerInstance": "i"}"#,
            r#"{"cluster": null}"#,
            r#"{"cluster": 42}"#,
            r#"{"maxResults": "ten"}"#,
            r#"{"maxResults": -1.5}"#,
            r#"{"clusterNameTypo": "x"}"#,
            r#"{"cluster": "a", "zzz": 1}"#,
            r#""default""#,
            r#"42"#,
            r#"-3"#,
            r#"true"#,
            r#"null"#,
        ] {
            assert_eq!(
                text::<ListTasksRequest>(body),
                text::<derived::ListTasksRequest>(body),
                "{body}"
            );
        }
        // One and two members: serde's other wordings of "expected".
        assert_eq!(
            text::<DeleteClusterRequest>(r#"{"x": 1}"#),
            text::<derived::DeleteClusterRequest>(r#"{"x": 1}"#)
        );
        let decoded: ListTasksRequest =
            serde_json::from_str(r#"{"cluster": "a", "maxResults": 5, "containerInstance": "i"}"#)
                .unwrap();
        assert_eq!(
            decoded,
            ListTasksRequest {
                cluster: Some("a".into()),
                max_results: Some(5),
                container_instance: Some("i".into())
            }
        );
        // An array is not a request (the derive took `[]` for an empty one).
        assert_eq!(
            text::<ListTasksRequest>("[]").unwrap_err(),
            "invalid type: sequence, expected struct ListTasksRequest"
        );
    }

    #[test]
    fn camel_case_is_serdes() {
        assert_eq!(camel_case("cluster"), "cluster");
        assert_eq!(
            camel_case("instance_identity_document"),
            "instanceIdentityDocument"
        );
        assert_eq!(camel_case("ipv6_address"), "ipv6Address");
    }
}
