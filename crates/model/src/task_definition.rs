//! The task definition in AWS's JSON shape: what RegisterTaskDefinition takes and what
//! DescribeTaskDefinition returns.
//!
//! One set of types serves both directions. The request's members and the response's
//! read-only members (`taskDefinitionArn`, `revision`, `status`, ...) live in the same
//! `TaskDefinition`, because people paste `aws ecs describe-task-definition` output and expect
//! it to register unchanged; registration recomputes every read-only member. Every struct
//! refuses unknown members (`deny_unknown_fields`), so a misspelt field is an error with its
//! path rather than a silently ignored setting. Every member is optional here: "required" is
//! a validation rule with ECS's message, not a parse failure.
//!
//! Field names, types and enum values follow the botocore ECS model (2014-11-13).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ecs_enum::ecs_enum;
use crate::time::SimTime;

ecs_enum! {
    /// `networkMode`. Linux EC2 defaults to `bridge` when it is omitted.
    NetworkMode { Bridge = "bridge", Host = "host", Awsvpc = "awsvpc", None = "none" }
}

ecs_enum! {
    /// A launch type a task definition can be validated against (`requiresCompatibilities`,
    /// `compatibilities`).
    Compatibility { Ec2 = "EC2", Fargate = "FARGATE", External = "EXTERNAL", ManagedInstances = "MANAGED_INSTANCES" }
}

ecs_enum! {
    /// `portMappings[].protocol`; `tcp` when omitted.
    TransportProtocol { Tcp = "tcp", Udp = "udp" }
}

ecs_enum! {
    /// `portMappings[].appProtocol` (Service Connect).
    ApplicationProtocol { Http = "http", Http2 = "http2", Grpc = "grpc" }
}

ecs_enum! {
    /// `logConfiguration.logDriver`.
    LogDriver {
        JsonFile = "json-file", Syslog = "syslog", Journald = "journald", Gelf = "gelf",
        Fluentd = "fluentd", Awslogs = "awslogs", Splunk = "splunk", Awsfirelens = "awsfirelens",
    }
}

ecs_enum! {
    /// `ulimits[].name`.
    UlimitName {
        Core = "core", Cpu = "cpu", Data = "data", Fsize = "fsize", Locks = "locks",
        Memlock = "memlock", Msgqueue = "msgqueue", Nice = "nice", Nofile = "nofile",
        Nproc = "nproc", Rss = "rss", Rtprio = "rtprio", Rttime = "rttime",
        Sigpending = "sigpending", Stack = "stack",
    }
}

ecs_enum! {
    /// `dependsOn[].condition`.
    ContainerCondition { Start = "START", Complete = "COMPLETE", Success = "SUCCESS", Healthy = "HEALTHY" }
}

ecs_enum! {
    /// `pidMode`.
    PidMode { Host = "host", Task = "task" }
}

ecs_enum! {
    /// `ipcMode`.
    IpcMode { Host = "host", Task = "task", None = "none" }
}

ecs_enum! {
    /// `runtimePlatform.cpuArchitecture`.
    CpuArchitecture { X86_64 = "X86_64", Arm64 = "ARM64" }
}

ecs_enum! {
    /// `runtimePlatform.operatingSystemFamily`.
    OsFamily {
        Linux = "LINUX",
        WindowsServer2019Full = "WINDOWS_SERVER_2019_FULL",
        WindowsServer2019Core = "WINDOWS_SERVER_2019_CORE",
        WindowsServer2016Full = "WINDOWS_SERVER_2016_FULL",
        WindowsServer2004Core = "WINDOWS_SERVER_2004_CORE",
        WindowsServer2022Core = "WINDOWS_SERVER_2022_CORE",
        WindowsServer2022Full = "WINDOWS_SERVER_2022_FULL",
        WindowsServer2025Core = "WINDOWS_SERVER_2025_CORE",
        WindowsServer2025Full = "WINDOWS_SERVER_2025_FULL",
        WindowsServer20H2Core = "WINDOWS_SERVER_20H2_CORE",
    }
}

ecs_enum! {
    /// A task definition's `status`.
    TaskDefinitionStatus { Active = "ACTIVE", Inactive = "INACTIVE", DeleteInProgress = "DELETE_IN_PROGRESS" }
}

ecs_enum! {
    /// `resourceRequirements[].type`.
    ResourceType { Gpu = "GPU", InferenceAccelerator = "InferenceAccelerator", NeuronDevice = "NeuronDevice" }
}

ecs_enum! {
    /// `firelensConfiguration.type`.
    FirelensConfigurationType { Fluentd = "fluentd", Fluentbit = "fluentbit" }
}

ecs_enum! {
    /// `linuxParameters.devices[].permissions[]`.
    DeviceCgroupPermission { Read = "read", Write = "write", Mknod = "mknod" }
}

ecs_enum! {
    /// `proxyConfiguration.type`.
    ProxyConfigurationType { Appmesh = "APPMESH" }
}

ecs_enum! {
    /// `efsVolumeConfiguration.transitEncryption`.
    EfsTransitEncryption { Enabled = "ENABLED", Disabled = "DISABLED" }
}

ecs_enum! {
    /// `efsVolumeConfiguration.authorizationConfig.iam`.
    EfsAuthorizationConfigIam { Enabled = "ENABLED", Disabled = "DISABLED" }
}

ecs_enum! {
    /// `dockerVolumeConfiguration.scope`.
    Scope { Task = "task", Shared = "shared" }
}

ecs_enum! {
    /// Task-definition `placementConstraints[].type`: only `memberOf` is allowed here
    /// (`distinctInstance` is for RunTask and services).
    TaskDefinitionPlacementConstraintType { MemberOf = "memberOf" }
}

ecs_enum! {
    /// `versionConsistency`: whether the image digest is resolved and pinned.
    VersionConsistency { Enabled = "enabled", Disabled = "disabled" }
}

ecs_enum! {
    /// `environmentFiles[].type`.
    EnvironmentFileType { S3 = "s3" }
}

ecs_enum! {
    /// `requiresAttributes[].targetType`.
    TargetType { ContainerInstance = "container-instance" }
}

/// A task definition: the RegisterTaskDefinition request members plus the read-only members
/// DescribeTaskDefinition adds. Serialises in AWS's member names, omitting absent members.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskDefinition {
    /// Read-only: `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition_arn: Option<String>,
    /// The containers of the task (1 to 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_definitions: Option<Vec<ContainerDefinition>>,
    /// The family name: letters, digits, `_` and `-`, up to 255.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The IAM role the task's containers assume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    /// The IAM role the agent uses to pull images and write logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// `bridge`, `host`, `awsvpc` or `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<NetworkMode>,
    /// Read-only: the revision within the family, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// Data volumes the containers may mount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volumes: Option<Vec<Volume>>,
    /// Read-only: `ACTIVE`, `INACTIVE` or `DELETE_IN_PROGRESS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskDefinitionStatus>,
    /// Read-only: the container-instance attributes a host needs to run this task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_attributes: Option<Vec<Attribute>>,
    /// `memberOf` constraints that apply to every task of this definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement_constraints: Option<Vec<TaskDefinitionPlacementConstraint>>,
    /// Read-only: the launch types this definition validated against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compatibilities: Option<Vec<Compatibility>>,
    /// The operating system and CPU architecture (required on Fargate for Windows/ARM64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_platform: Option<RuntimePlatform>,
    /// The launch types the definition must be valid for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_compatibilities: Option<Vec<Compatibility>>,
    /// Task-level CPU units as a string (`"1024"` or `"1 vCPU"`; normalised to units).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Task-level memory in MiB as a string (`"2048"` or `"2 GB"`; normalised to MiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Elastic Inference accelerators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inference_accelerators: Option<Vec<InferenceAccelerator>>,
    /// `host` or `task` PID namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid_mode: Option<PidMode>,
    /// `host`, `task` or `none` IPC namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipc_mode: Option<IpcMode>,
    /// App Mesh proxy configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_configuration: Option<ProxyConfiguration>,
    /// Read-only: when it was registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_at: Option<SimTime>,
    /// Read-only: when it was deregistered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deregistered_at: Option<SimTime>,
    /// Read-only: the principal that registered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_by: Option<String>,
    /// Fargate ephemeral storage (21–200 GiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage: Option<EphemeralStorage>,
    /// Whether fault injection is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_fault_injection: Option<bool>,
    /// Read-only: when deletion was requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_requested_at: Option<SimTime>,
    /// Request-only: tags for the task definition (returned beside it, not inside it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}

/// One container of a task definition.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerDefinition {
    /// Container name, unique in the task; letters, digits, `_` and `-`, up to 255.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The image (`repository:tag` or `repository@sha256:digest`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Private registry credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository_credentials: Option<RepositoryCredentials>,
    /// CPU units reserved for the container (1024 per vCPU); 0 when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i64>,
    /// Hard memory limit in MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    /// Soft memory limit in MiB; what placement reserves when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<i64>,
    /// Containers this one can reach by name (bridge mode only): `name` or `name:alias`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<String>>,
    /// Ports the container exposes, and the host ports they map to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_mappings: Option<Vec<PortMapping>>,
    /// If this container stops, the task stops. True when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub essential: Option<bool>,
    /// Restart the container in place when it exits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<ContainerRestartPolicy>,
    /// The entry point (Docker `--entrypoint`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    /// The command (Docker `CMD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Environment variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Vec<KeyValuePair>>,
    /// Environment files in S3 (up to 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_files: Option<Vec<EnvironmentFile>>,
    /// Volumes mounted into the container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_points: Option<Vec<MountPoint>>,
    /// Volumes taken from other containers of the task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volumes_from: Option<Vec<VolumeFrom>>,
    /// Linux-specific settings (capabilities, devices, init, tmpfs, swap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linux_parameters: Option<LinuxParameters>,
    /// Secrets exposed as environment variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<Secret>>,
    /// Start-order dependencies on other containers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<ContainerDependency>>,
    /// Seconds to wait for dependencies before giving up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_timeout: Option<i64>,
    /// Seconds between SIGTERM and SIGKILL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<i64>,
    /// Whether the image tag is resolved to a digest and pinned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_consistency: Option<VersionConsistency>,
    /// Container hostname (not with awsvpc).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The user to run as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The working directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    /// Turns networking off inside the container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_networking: Option<bool>,
    /// Runs the container privileged (not on Fargate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    /// Mounts the root filesystem read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readonly_root_filesystem: Option<bool>,
    /// DNS servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_servers: Option<Vec<String>>,
    /// DNS search domains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_search_domains: Option<Vec<String>>,
    /// Extra `/etc/hosts` entries (not with awsvpc).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_hosts: Option<Vec<HostEntry>>,
    /// SELinux/AppArmor labels and the like.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_security_options: Option<Vec<String>>,
    /// Keeps stdin open (`docker run -i`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interactive: Option<bool>,
    /// Allocates a TTY (`docker run -t`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pseudo_terminal: Option<bool>,
    /// Docker labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_labels: Option<BTreeMap<String, String>>,
    /// Resource limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ulimits: Option<Vec<Ulimit>>,
    /// The log driver and its options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<LogConfiguration>,
    /// The container health check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    /// Namespaced kernel parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_controls: Option<Vec<SystemControl>>,
    /// GPUs and accelerators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_requirements: Option<Vec<ResourceRequirement>>,
    /// FireLens log router settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firelens_configuration: Option<FirelensConfiguration>,
    /// Active Directory credential specs (at most one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_specs: Option<Vec<String>>,
}

/// `portMappings[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortMapping {
    /// The port inside the container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_port: Option<i64>,
    /// The host port: equal to `containerPort` in awsvpc/host mode; in bridge mode 0 or
    /// omitted means a dynamic port from the ephemeral range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_port: Option<i64>,
    /// `tcp` (default) or `udp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<TransportProtocol>,
    /// Service Connect port name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Service Connect application protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<ApplicationProtocol>,
    /// A range of container ports, `"start-end"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_port_range: Option<String>,
}

/// `healthCheck`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthCheck {
    /// `["CMD", ...]` or `["CMD-SHELL", "..."]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Seconds between checks, 5–300, default 30.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
    /// Seconds before a check fails, 2–60, default 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    /// Consecutive failures before UNHEALTHY, 1–10, default 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    /// Grace period in seconds, 0–300.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<i64>,
}

/// `logConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogConfiguration {
    /// The Docker log driver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_driver: Option<LogDriver>,
    /// Driver options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<BTreeMap<String, String>>,
    /// Driver options taken from secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_options: Option<Vec<Secret>>,
}

/// `secrets[]`, `secretOptions[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Secret {
    /// The environment variable or option name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The Secrets Manager or SSM Parameter Store ARN or name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_from: Option<String>,
}

/// `environment[]` and other name/value lists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyValuePair {
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `environmentFiles[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvironmentFile {
    /// The S3 object ARN of the `.env` file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Always `s3`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<EnvironmentFileType>,
}

/// `mountPoints[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MountPoint {
    /// The name of a volume of the task definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_volume: Option<String>,
    /// Where it is mounted in the container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_path: Option<String>,
    /// Mounts read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

/// `volumesFrom[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VolumeFrom {
    /// The container whose volumes are mounted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_container: Option<String>,
    /// Mounts read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

/// `volumes[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Volume {
    /// The name mount points refer to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A bind mount from the host (not on Fargate with a source path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<HostVolumeProperties>,
    /// A Docker volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_volume_configuration: Option<DockerVolumeConfiguration>,
    /// An Amazon EFS file system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub efs_volume_configuration: Option<EfsVolumeConfiguration>,
    /// An S3 Files file system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3files_volume_configuration: Option<S3FilesVolumeConfiguration>,
    /// An FSx for Windows File Server file system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fsx_windows_file_server_volume_configuration:
        Option<FsxWindowsFileServerVolumeConfiguration>,
    /// Configured when the task is run rather than here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configured_at_launch: Option<bool>,
}

/// `volumes[].host`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostVolumeProperties {
    /// The host path; omitted means a Docker-managed path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_path: Option<String>,
}

/// `volumes[].dockerVolumeConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DockerVolumeConfiguration {
    /// `task` or `shared`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Create the shared volume if it does not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoprovision: Option<bool>,
    /// The volume driver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Driver options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_opts: Option<BTreeMap<String, String>>,
    /// Volume labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

/// `volumes[].efsVolumeConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EfsVolumeConfiguration {
    /// The file system id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_system_id: Option<String>,
    /// The directory mounted as the root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_directory: Option<String>,
    /// `ENABLED` or `DISABLED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transit_encryption: Option<EfsTransitEncryption>,
    /// The port for encrypted traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transit_encryption_port: Option<i64>,
    /// Access point and IAM settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_config: Option<EfsAuthorizationConfig>,
}

/// `efsVolumeConfiguration.authorizationConfig`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EfsAuthorizationConfig {
    /// The access point id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_point_id: Option<String>,
    /// Use the task role when mounting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam: Option<EfsAuthorizationConfigIam>,
}

/// `volumes[].s3filesVolumeConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct S3FilesVolumeConfiguration {
    /// The file system ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_system_arn: Option<String>,
    /// The directory mounted as the root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_directory: Option<String>,
    /// The port for encrypted traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transit_encryption_port: Option<i64>,
    /// The access point ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_point_arn: Option<String>,
}

/// `volumes[].fsxWindowsFileServerVolumeConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FsxWindowsFileServerVolumeConfiguration {
    /// The file system id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_system_id: Option<String>,
    /// The directory mounted as the root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_directory: Option<String>,
    /// Credentials and domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_config: Option<FsxWindowsFileServerAuthorizationConfig>,
}

/// `fsxWindowsFileServerVolumeConfiguration.authorizationConfig`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FsxWindowsFileServerAuthorizationConfig {
    /// The secret or parameter holding the credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials_parameter: Option<String>,
    /// The Active Directory domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// `dependsOn[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerDependency {
    /// The container depended on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    /// `START`, `COMPLETE`, `SUCCESS` or `HEALTHY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<ContainerCondition>,
}

/// `ulimits[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ulimit {
    /// The limit's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<UlimitName>,
    /// The soft limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_limit: Option<i64>,
    /// The hard limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hard_limit: Option<i64>,
}

/// `linuxParameters`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinuxParameters {
    /// Capabilities added and dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<KernelCapabilities>,
    /// Host devices exposed to the container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<Device>>,
    /// Runs an init process (signals reach the application).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_process_enabled: Option<bool>,
    /// `/dev/shm` size in MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_memory_size: Option<i64>,
    /// tmpfs mounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<Vec<Tmpfs>>,
    /// Swap in MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_swap: Option<i64>,
    /// Swappiness, 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swappiness: Option<i64>,
}

/// `linuxParameters.capabilities`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KernelCapabilities {
    /// Capabilities added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add: Option<Vec<String>>,
    /// Capabilities dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop: Option<Vec<String>>,
}

/// `linuxParameters.devices[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Device {
    /// The device on the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_path: Option<String>,
    /// The path in the container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_path: Option<String>,
    /// `read`, `write`, `mknod`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<DeviceCgroupPermission>>,
}

/// `linuxParameters.tmpfs[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tmpfs {
    /// The mount path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_path: Option<String>,
    /// Size in MiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// Mount options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_options: Option<Vec<String>>,
}

/// `extraHosts[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostEntry {
    /// The hostname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Its address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}

/// `systemControls[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SystemControl {
    /// The kernel parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Its value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `resourceRequirements[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceRequirement {
    /// How many (GPU) or which device (accelerator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `GPU` or `InferenceAccelerator`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<ResourceType>,
}

/// `firelensConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FirelensConfiguration {
    /// `fluentd` or `fluentbit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<FirelensConfigurationType>,
    /// Router options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<BTreeMap<String, String>>,
}

/// `repositoryCredentials`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RepositoryCredentials {
    /// The secret holding the registry credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials_parameter: Option<String>,
}

/// `restartPolicy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerRestartPolicy {
    /// Whether the container restarts when it exits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Exit codes that do not restart it (up to 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored_exit_codes: Option<Vec<i64>>,
    /// Seconds the container must run before a restart is allowed (60–1800).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_attempt_period: Option<i64>,
}

/// Task-definition `placementConstraints[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskDefinitionPlacementConstraint {
    /// Only `memberOf`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<TaskDefinitionPlacementConstraintType>,
    /// A cluster query language expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// `runtimePlatform`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimePlatform {
    /// `X86_64` or `ARM64`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_architecture: Option<CpuArchitecture>,
    /// `LINUX` or a Windows Server family.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operating_system_family: Option<OsFamily>,
}

/// `ephemeralStorage`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EphemeralStorage {
    /// Size in GiB, 21–200.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_in_gi_b: Option<i64>,
}

/// `proxyConfiguration`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyConfiguration {
    /// `APPMESH`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<ProxyConfigurationType>,
    /// The proxy container's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    /// Proxy settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Vec<KeyValuePair>>,
}

/// `inferenceAccelerators[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InferenceAccelerator {
    /// The name containers refer to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// The accelerator type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
}

/// An attribute (`requiresAttributes[]`, container-instance attributes).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Attribute {
    /// The attribute's name.
    #[serde(default)]
    pub name: String,
    /// Its value, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `container-instance` when attached to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<TargetType>,
    /// The resource it is attached to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
}

/// A resource tag.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tag {
    /// 1–128 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// 0–256 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The DescribeTaskDefinition response, `{"taskDefinition": {...}, "tags": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DescribeTaskDefinitionResponse {
    /// The task definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<TaskDefinition>,
    /// Its tags, when asked for with `include: ["TAGS"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}
