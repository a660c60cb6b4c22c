//! The scheduler's view of a container instance: what placement reads and what it consumes.
//!
//! The control plane owns the real records; it hands the scheduler these views and applies
//! the returned placements. Everything is plain data with ordered collections, so a view can
//! be snapshotted, compared and replayed.

use std::collections::BTreeMap;

use berth_model::SimTime;

use crate::ports::HostPorts;
use crate::query::QueryTarget;

/// `status` of a container instance.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum InstanceStatus {
    /// Receives tasks.
    Active,
    /// Keeps its tasks (service tasks are replaced elsewhere); receives none.
    Draining,
    /// Being registered (trunked instances).
    Registering,
    /// Being deregistered.
    Deregistering,
    /// Registration failed.
    RegistrationFailed,
    /// Deregistered.
    Inactive,
}

impl InstanceStatus {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Active => "ACTIVE",
            InstanceStatus::Draining => "DRAINING",
            InstanceStatus::Registering => "REGISTERING",
            InstanceStatus::Deregistering => "DEREGISTERING",
            InstanceStatus::RegistrationFailed => "REGISTRATION_FAILED",
            InstanceStatus::Inactive => "INACTIVE",
        }
    }
}

/// The capability attributes a current Linux ECS agent registers (name only), so that task
/// definitions' `requiresAttributes` are met as they are on a real ECS-optimised AMI.
pub const AGENT_CAPABILITIES: &[&str] = &[
    "com.amazonaws.ecs.capability.docker-remote-api.1.17",
    "com.amazonaws.ecs.capability.docker-remote-api.1.18",
    "com.amazonaws.ecs.capability.docker-remote-api.1.19",
    "com.amazonaws.ecs.capability.docker-remote-api.1.20",
    "com.amazonaws.ecs.capability.docker-remote-api.1.21",
    "com.amazonaws.ecs.capability.docker-remote-api.1.22",
    "com.amazonaws.ecs.capability.docker-remote-api.1.23",
    "com.amazonaws.ecs.capability.docker-remote-api.1.24",
    "com.amazonaws.ecs.capability.docker-remote-api.1.25",
    "com.amazonaws.ecs.capability.docker-remote-api.1.26",
    "com.amazonaws.ecs.capability.docker-remote-api.1.27",
    "com.amazonaws.ecs.capability.docker-remote-api.1.28",
    "com.amazonaws.ecs.capability.docker-remote-api.1.29",
    "com.amazonaws.ecs.capability.docker-remote-api.1.30",
    "com.amazonaws.ecs.capability.docker-remote-api.1.31",
    "com.amazonaws.ecs.capability.docker-remote-api.1.32",
    "com.amazonaws.ecs.capability.ecr-auth",
    "com.amazonaws.ecs.capability.logging-driver.awsfirelens",
    "com.amazonaws.ecs.capability.logging-driver.awslogs",
    "com.amazonaws.ecs.capability.logging-driver.fluentd",
    "com.amazonaws.ecs.capability.logging-driver.gelf",
    "com.amazonaws.ecs.capability.logging-driver.journald",
    "com.amazonaws.ecs.capability.logging-driver.json-file",
    "com.amazonaws.ecs.capability.logging-driver.none",
    "com.amazonaws.ecs.capability.logging-driver.syslog",
    "com.amazonaws.ecs.capability.privileged-container",
    "com.amazonaws.ecs.capability.private-registry-authentication.secretsmanager",
    "com.amazonaws.ecs.capability.task-iam-role",
    "com.amazonaws.ecs.capability.task-iam-role-network-host",
    "ecs.capability.aws-appmesh",
    "ecs.capability.container-health-check",
    "ecs.capability.container-ordering",
    "ecs.capability.container-restart-policy",
    "ecs.capability.efs",
    "ecs.capability.efsAuth",
    "ecs.capability.env-files.s3",
    "ecs.capability.execution-role-awslogs",
    "ecs.capability.execution-role-ecr-pull",
    "ecs.capability.firelens.fluentbit",
    "ecs.capability.firelens.fluentd",
    "ecs.capability.firelens.options.config.file",
    "ecs.capability.network.container-port-range",
    "ecs.capability.secrets.asm.environment-variables",
    "ecs.capability.secrets.ssm.environment-variables",
    "ecs.capability.task-eni",
];

/// CPU units and MiB of memory.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Resources {
    /// CPU units (1024 per vCPU).
    pub cpu: u32,
    /// Memory in MiB.
    pub memory: u32,
}

/// A container instance as placement sees it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContainerInstance {
    /// The container-instance ARN (what RunTask `failures` name).
    pub arn: String,
    /// The id at the end of the ARN (what service events name).
    pub id: String,
    /// The EC2 instance id.
    pub ec2_instance_id: String,
    /// ACTIVE, DRAINING, ...
    pub status: InstanceStatus,
    /// Whether the agent is connected.
    pub agent_connected: bool,
    /// The agent's version.
    pub agent_version: String,
    /// When it registered.
    pub registered_at: SimTime,
    /// Attributes, built-in (`ecs.availability-zone`, ...) and custom; `None` for name-only ones.
    pub attributes: BTreeMap<String, Option<String>>,
    /// registeredResources CPU and MEMORY.
    pub registered: Resources,
    /// What placed tasks hold (remainingResources = registered − used).
    pub used: Resources,
    /// Reserved, static and dynamic host ports.
    pub ports: HostPorts,
    /// ENI attachments available to awsvpc tasks (the primary ENI already excluded).
    pub eni_capacity: u32,
    /// ENI attachments in use.
    pub eni_used: u32,
    /// Tasks on the instance per task group (`family:web`, `service:api`).
    pub task_groups: BTreeMap<String, u32>,
    /// Tasks with desiredStatus RUNNING.
    pub running_tasks_count: u32,
    /// The Auto Scaling group capacity provider that launched it, if any.
    #[serde(default)]
    pub capacity_provider: Option<String>,
}

impl ContainerInstance {
    /// An ACTIVE, connected instance with ECS's default reserved ports and no tasks; the
    /// built-in attributes are set from the arguments. Handy for tests and simulations.
    pub fn new(
        id: &str,
        availability_zone: &str,
        instance_type: &str,
        registered: Resources,
    ) -> Self {
        let attributes: BTreeMap<String, Option<String>> = [
            ("ecs.availability-zone", availability_zone),
            ("ecs.instance-type", instance_type),
            ("ecs.os-type", "linux"),
            ("ecs.cpu-architecture", "x86_64"),
            ("ecs.ami-id", "ami-0berth00000000000"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Some(v.to_owned())))
        .chain(
            AGENT_CAPABILITIES
                .iter()
                .map(|name| ((*name).to_owned(), None)),
        )
        .collect();
        ContainerInstance {
            arn: format!("arn:aws:ecs:us-east-1:123456789012:container-instance/default/{id}"),
            id: id.to_owned(),
            ec2_instance_id: format!("i-{}", &format!("{id:0>17}")[..17]),
            status: InstanceStatus::Active,
            agent_connected: true,
            agent_version: "1.89.0".to_owned(),
            registered_at: SimTime::ZERO,
            attributes,
            registered,
            used: Resources::default(),
            ports: HostPorts::default(),
            eni_capacity: 2,
            eni_used: 0,
            task_groups: BTreeMap::new(),
            running_tasks_count: 0,
            capacity_provider: None,
        }
    }

    /// remainingResources CPU and MEMORY.
    pub fn remaining(&self) -> Resources {
        Resources {
            cpu: self.registered.cpu.saturating_sub(self.used.cpu),
            memory: self.registered.memory.saturating_sub(self.used.memory),
        }
    }

    /// The value of an attribute, if it has one.
    pub fn attribute_value(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(|v| v.as_deref())
    }

    /// Tasks of `group` on this instance.
    pub fn group_count(&self, group: &str) -> u32 {
        self.task_groups.get(group).copied().unwrap_or(0)
    }
}

impl QueryTarget for ContainerInstance {
    fn agent_connected(&self) -> bool {
        self.agent_connected
    }
    fn agent_version(&self) -> &str {
        &self.agent_version
    }
    fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes.get(name).map(|v| v.as_deref())
    }
    fn ec2_instance_id(&self) -> &str {
        &self.ec2_instance_id
    }
    fn registered_at(&self) -> SimTime {
        self.registered_at
    }
    fn running_tasks_count(&self) -> u32 {
        self.running_tasks_count
    }
    fn has_task_group(&self, group: &str) -> bool {
        self.group_count(group) > 0
    }
    fn task_groups(&self) -> Vec<&str> {
        self.task_groups
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(g, _)| g.as_str())
            .collect()
    }
}
