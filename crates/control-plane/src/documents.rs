//! Records as ECS's documents: a container instance, a cluster, a service as the Describe
//! operations and the events show them. Reads only: nothing here changes a record except
//! refreshing an instance's cached attributes.

use crate::records::{ClusterRecord, State};
use berth_model::resources::{Cluster, ContainerInstance as Document, Resource, Service};
use berth_model::states::{ClusterStatus, ContainerInstanceStatus, ServiceStatus, TaskStatus};
use berth_model::task_definition::{Attribute, KeyValuePair};
use berth_scheduler::instance::InstanceStatus;
use berth_scheduler::ports::Protocol;

/// The instance as DescribeContainerInstances shows it.
pub(crate) fn instance_document(
    cluster: &ClusterRecord,
    index: usize,
    with_tags: bool,
) -> Document {
    let view = &cluster.fleet.instances()[index];
    let record = &cluster.instances[index];
    let remaining = view.remaining();
    #[cfg(debug_assertions)]
    {
        // The counts kept by `sync` agree with the tasks (every test checks this).
        let on_it = || record.tasks.iter().filter_map(|key| cluster.tasks.get(key));
        let running = on_it()
            .filter(|t| t.task.desired_status == TaskStatus::Running)
            .count() as u32;
        let pending = on_it()
            .filter(|t| t.task.last_status == TaskStatus::Pending)
            .count() as u32;
        debug_assert_eq!((record.desired_running, record.pending), (running, pending));
    }
    let (desired_running, pending) = (record.desired_running, record.pending);
    Document {
        container_instance_arn: view.arn.clone(),
        ec2_instance_id: view.ec2_instance_id.clone(),
        version: record.version,
        version_info: record.version_info.clone(),
        remaining_resources: vec![
            Resource::integer("CPU", i64::from(remaining.cpu)),
            Resource::integer("MEMORY", i64::from(remaining.memory)),
            Resource::string_set("PORTS", view.ports.remaining_resource(Protocol::Tcp)),
            Resource::string_set("PORTS_UDP", view.ports.remaining_resource(Protocol::Udp)),
        ],
        registered_resources: vec![
            Resource::integer("CPU", i64::from(view.registered.cpu)),
            Resource::integer("MEMORY", i64::from(view.registered.memory)),
            Resource::string_set("PORTS", record.registered_ports_tcp.clone()),
            Resource::string_set("PORTS_UDP", record.registered_ports_udp.clone()),
        ],
        status: ContainerInstanceStatus::from_wire(view.status.as_str()),
        agent_connected: view.agent_connected,
        agent_update_status: record
            .agent_update
            .as_ref()
            .map(|(status, _)| status.clone()),
        capacity_provider_name: view.capacity_provider.clone(),
        running_tasks_count: desired_running,
        pending_tasks_count: pending,
        attributes: record.attributes.clone(),
        registered_at: view.registered_at,
        attachments: Vec::new(),
        tags: if with_tags {
            record.tags.clone()
        } else {
            Vec::new()
        },
    }
}

/// Rebuilds the attributes documents show from the scheduler's view, after they changed.
pub(crate) fn refresh_attributes(cluster: &mut ClusterRecord, index: usize) {
    cluster.instances[index].attributes = cluster.fleet.instances()[index]
        .attributes
        .iter()
        .map(|(name, value)| Attribute {
            name: name.clone(),
            value: value.clone(),
            ..Attribute::default()
        })
        .collect();
}

/// The cluster as DescribeClusters shows it.
pub(crate) fn cluster_document(record: &ClusterRecord, include: &[String]) -> Cluster {
    let registered = record
        .fleet
        .instances()
        .iter()
        .filter(|i| matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining))
        .count() as u32;
    let count = |status: TaskStatus| {
        record
            .tasks
            .values()
            .filter(|t| t.task.last_status == status)
            .count() as u32
    };
    // Statistics split by launch type: Fargate ones, and the rest (EC2, EXTERNAL).
    let tasks_of = |status: TaskStatus, fargate: bool| {
        record
            .tasks
            .values()
            .filter(|t| t.task.last_status == status && (t.instance.is_none() == fargate))
            .count() as u32
    };
    let services_of = |status: ServiceStatus, fargate: bool| {
        record
            .services
            .values()
            .filter(|s| s.doc.status == status && s.on_fargate() == fargate)
            .count() as u32
    };
    let wants = |what: &str| include.iter().any(|i| i == what);
    let active_services = record
        .services
        .values()
        .filter(|s| s.doc.status == ServiceStatus::Active)
        .count() as u32;
    let statistics = if wants("STATISTICS") {
        [
            ("runningEC2TasksCount", tasks_of(TaskStatus::Running, false)),
            ("pendingEC2TasksCount", tasks_of(TaskStatus::Pending, false)),
            (
                "runningFargateTasksCount",
                tasks_of(TaskStatus::Running, true),
            ),
            (
                "pendingFargateTasksCount",
                tasks_of(TaskStatus::Pending, true),
            ),
            (
                "activeEC2ServiceCount",
                services_of(ServiceStatus::Active, false),
            ),
            (
                "activeFargateServiceCount",
                services_of(ServiceStatus::Active, true),
            ),
            (
                "drainingEC2ServiceCount",
                services_of(ServiceStatus::Draining, false),
            ),
            (
                "drainingFargateServiceCount",
                services_of(ServiceStatus::Draining, true),
            ),
        ]
        .into_iter()
        .map(|(name, value)| KeyValuePair {
            name: Some(name.into()),
            value: Some(value.to_string()),
        })
        .collect()
    } else {
        Vec::new()
    };
    Cluster {
        cluster_arn: record.arn.clone(),
        cluster_name: record.name.clone(),
        status: if record.active {
            ClusterStatus::Active
        } else {
            ClusterStatus::Inactive
        },
        registered_container_instances_count: registered,
        running_tasks_count: count(TaskStatus::Running),
        pending_tasks_count: count(TaskStatus::Pending),
        active_services_count: active_services,
        statistics,
        tags: if wants("TAGS") {
            record.tags.clone()
        } else {
            Vec::new()
        },
        settings: if wants("SETTINGS") {
            record.settings.clone()
        } else {
            Vec::new()
        },
        configuration: record
            .configuration
            .clone()
            .filter(|_| wants("CONFIGURATIONS")),
        capacity_providers: record.providers.names.clone(),
        default_capacity_provider_strategy: record.providers.default_strategy.clone(),
        service_connect_defaults: record.service_connect_defaults.clone(),
    }
}

/// The service as DescribeServices shows it: counts computed from its tasks.
pub(crate) fn service_document(cp: &State, cluster: &str, name: &str, with_tags: bool) -> Service {
    let cluster = &cp.clusters[cluster];
    let record = &cluster.services[name];
    let tasks: Vec<_> = crate::records::service_tasks(cluster, name)
        .filter(|t| t.task.desired_status == TaskStatus::Running)
        .collect();
    let count = |deployment: Option<&str>, status: TaskStatus| {
        tasks
            .iter()
            .filter(|t| {
                deployment.is_none_or(|d| t.task.started_by.as_deref() == Some(d))
                    && t.task.last_status == status
            })
            .count() as u32
    };
    let mut doc = record.doc.clone();
    doc.running_count = count(None, TaskStatus::Running);
    doc.pending_count = count(None, TaskStatus::Pending);
    for deployment in &mut doc.deployments {
        deployment.running_count = count(Some(&deployment.id), TaskStatus::Running);
        deployment.pending_count = count(Some(&deployment.id), TaskStatus::Pending);
    }
    for set in &mut doc.task_sets {
        set.running_count = count(Some(&set.id), TaskStatus::Running);
        set.pending_count = count(Some(&set.id), TaskStatus::Pending);
    }
    doc.current_service_deployment = record.history.last().map(|h| h.arn.clone());
    if !with_tags {
        doc.tags.clear();
    }
    doc
}
