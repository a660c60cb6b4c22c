//! What the fleet's CloudWatch metrics are measured against: each cluster's registered and
//! reserved EC2 capacity, and each RUNNING task's reservation and hard limits. The control
//! plane knows what was asked for and where it went; how much a task *uses* is the fleet's to
//! say (its agents run the containers), so this read carries no usage. Reading changes
//! nothing.

use berth_model::states::{ServiceStatus, TaskStatus};
use berth_scheduler::InstanceStatus;

use crate::records::State;

/// A cluster as its metrics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterUsage {
    /// Its name (the `ClusterName` dimension).
    pub cluster_name: String,
    /// CPU units and MiB registered by its ACTIVE and DRAINING instances, the denominator of
    /// the cluster's CPU and memory metrics ("Only Amazon EC2 instances in ACTIVE or
    /// DRAINING status will affect" them).
    pub registered: (u32, u32),
    /// What tasks have reserved on those instances.
    pub reserved: (u32, u32),
    /// Each such instance: its ARN and registered CPU units (how much its tasks may use in
    /// all, when no hard limit holds them).
    pub instances: Vec<(String, u32)>,
    /// Its RUNNING tasks.
    pub tasks: Vec<TaskUsage>,
    /// Whether Container Insights is on (its `containerInsights` setting is `enabled` or
    /// `enhanced`): then the `ECS/ContainerInsights` counts are published for it.
    pub container_insights: bool,
    /// Its services that are not INACTIVE, by name.
    pub services: Vec<ServiceUsage>,
}

/// A service's counts, as DescribeServices gives them (counted from its tasks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceUsage {
    /// Its name (the `ServiceName` dimension).
    pub service_name: String,
    /// desiredCount.
    pub desired: u32,
    /// runningCount.
    pub running: u32,
    /// pendingCount.
    pub pending: u32,
    /// How many deployments it has.
    pub deployments: u32,
}

/// A RUNNING task as its metrics see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskUsage {
    /// Its ARN.
    pub task_arn: String,
    /// The service that started it (the `ServiceName` dimension).
    pub service_name: Option<String>,
    /// Its container instance, unless it runs on Fargate.
    pub instance: Option<String>,
    /// The agent that runs it: its instance's ARN, or Fargate's.
    pub agent: String,
    /// CPU units its task definition specifies: the task-level size, else the containers'
    /// sum (the service metric's denominator; 0 when nothing is specified).
    pub cpu: u32,
    /// MiB its task definition specifies: the task-level size, else each container's
    /// `memoryReservation` or, without one, `memory`.
    pub memory: u32,
    /// The task-level CPU size when one is set (a hard limit), and always on Fargate.
    pub cpu_limit: Option<u32>,
    /// The hard memory limit: the task-level size, else the containers' `memory` when every
    /// container has one.
    pub memory_limit: Option<u32>,
}

/// Every active cluster's usage facts, by name.
pub(crate) fn clusters(cp: &State) -> Vec<ClusterUsage> {
    cp.clusters
        .iter()
        .filter(|(_, c)| c.active)
        .map(|(key, cluster)| {
            let mut usage = ClusterUsage {
                cluster_name: cluster.name.clone(),
                registered: (0, 0),
                reserved: (0, 0),
                instances: Vec::new(),
                tasks: Vec::new(),
                container_insights: cluster.settings.iter().any(|s| {
                    s.name.as_deref() == Some("containerInsights")
                        && matches!(s.value.as_deref(), Some("enabled" | "enhanced"))
                }),
                services: cluster
                    .services
                    .iter()
                    .filter(|(_, record)| record.doc.status != ServiceStatus::Inactive)
                    .map(|(name, _)| crate::documents::service_document(cp, key, name, false))
                    .map(|doc| ServiceUsage {
                        service_name: doc.service_name.clone(),
                        desired: doc.desired_count,
                        running: doc.running_count,
                        pending: doc.pending_count,
                        deployments: doc.deployments.len() as u32,
                    })
                    .collect(),
            };
            for view in cluster.fleet.instances() {
                if matches!(
                    view.status,
                    InstanceStatus::Active | InstanceStatus::Draining
                ) {
                    let free = view.remaining();
                    usage.registered.0 += view.registered.cpu;
                    usage.registered.1 += view.registered.memory;
                    usage.reserved.0 += view.registered.cpu - free.cpu;
                    usage.reserved.1 += view.registered.memory - free.memory;
                    usage
                        .instances
                        .push((view.arn.clone(), view.registered.cpu));
                }
            }
            usage.tasks = cluster
                .tasks
                .values()
                .filter(|r| r.task.last_status == TaskStatus::Running)
                .map(|record| {
                    let task = &record.task;
                    let definition = crate::records::resolve(cp, &task.task_definition_arn);
                    let size = |asked: &Option<String>, defined: Option<&Option<String>>| {
                        asked
                            .as_ref()
                            .or(defined.and_then(Option::as_ref))
                            .and_then(|s| s.parse::<u32>().ok())
                    };
                    let fargate = record.instance.is_none();
                    let cpu = number(&task.cpu);
                    let memory = number(&task.memory);
                    let task_cpu = size(&task.overrides.cpu, definition.map(|d| &d.cpu));
                    let task_memory = size(&task.overrides.memory, definition.map(|d| &d.memory));
                    let containers_memory = task
                        .containers
                        .iter()
                        .map(|c| c.memory.as_deref().and_then(|m| m.parse::<u32>().ok()))
                        .sum::<Option<u32>>();
                    TaskUsage {
                        task_arn: task.task_arn.clone(),
                        service_name: record.service.clone(),
                        instance: record
                            .instance
                            .map(|i| cluster.fleet.instances()[i].arn.clone()),
                        agent: cluster.agent_of(record),
                        cpu,
                        memory,
                        cpu_limit: task_cpu.or(fargate.then_some(cpu)),
                        memory_limit: task_memory.or(containers_memory),
                    }
                })
                .collect();
            usage
        })
        .collect()
}

fn number(text: &str) -> u32 {
    text.parse().unwrap_or(0)
}
