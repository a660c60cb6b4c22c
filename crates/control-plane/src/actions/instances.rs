//! RegisterContainerInstance, DeregisterContainerInstance, DescribeContainerInstances,
//! ListContainerInstances, UpdateContainerInstancesState.

use std::collections::BTreeSet;

use berth_model::resources::{ContainerInstance as Document, Failure, Resource};
use berth_model::states::{AgentUpdateStatus, ContainerInstanceStatus, TaskStatus};
use berth_model::task_definition::Attribute;
use berth_model::{messages, ApiError, SimTime};
use berth_scheduler::instance::{ContainerInstance, InstanceStatus, Resources};
use berth_scheduler::ports::{HostPorts, Protocol};
use berth_scheduler::query;

use crate::paging::page;
use crate::records::{
    active_cluster, find_instance, last_segment, ClusterRecord, InstanceRecord, State,
};
use crate::requests::*;

/// The instance as DescribeContainerInstances shows it.
pub(crate) fn document(cluster: &ClusterRecord, index: usize, with_tags: bool) -> Document {
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

fn ports(resources: &[Resource], name: &str, default: &[u16]) -> (BTreeSet<u16>, Vec<String>) {
    match resources.iter().find(|r| r.name == name) {
        Some(resource) => {
            let listed = resource.string_set_value.clone().unwrap_or_default();
            (
                listed.iter().filter_map(|p| p.parse().ok()).collect(),
                listed,
            )
        }
        None => (
            default.iter().copied().collect(),
            default.iter().map(u16::to_string).collect(),
        ),
    }
}

pub(super) fn register(
    cp: &mut State,
    now: SimTime,
    request: RegisterContainerInstanceRequest,
) -> Result<Response, ApiError> {
    let identity: serde_json::Value = match request.instance_identity_document.as_deref() {
        None | Some("") => serde_json::Value::Null,
        Some(text) => serde_json::from_str(text)
            .map_err(|error| messages::unconfirmed_error("identity-document", &[&error]))?,
    };
    let id = cp.new_id();
    let ec2_id = format!("i-{}", &id.as_str()[..17]);
    // An instance its Auto Scaling group launched belongs to the group's capacity provider,
    // if the provider existed by then. (ECS looks the group up in EC2; Berth's virtual
    // instances name it in their identity document.)
    let capacity_provider = identity
        .get("autoScalingGroupArn")
        .and_then(|v| v.as_str())
        .and_then(|group| super::auto_scaling::provider_of_group(cp, group));
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let resources = request.total_resources.unwrap_or_default();
    let integer = |name: &str, default: i64| {
        resources
            .iter()
            .find(|r| r.name == name)
            .map_or(default, |r| r.integer_value)
            .clamp(0, i64::from(u32::MAX)) as u32
    };
    let (reserved_tcp, listed_tcp) = ports(
        &resources,
        "PORTS",
        &berth_scheduler::ports::DEFAULT_RESERVED_TCP,
    );
    let (reserved_udp, listed_udp) = ports(&resources, "PORTS_UDP", &[]);
    let text = |key: &str, default: &str| {
        identity
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or(default)
            .to_owned()
    };
    let zone = text(
        "availabilityZone",
        &format!("{}a", cluster_region(&cluster.arn)),
    );
    let instance_type = text("instanceType", "t3.medium");
    let mut instance = ContainerInstance::new(
        id.as_str(),
        &zone,
        &instance_type,
        Resources {
            cpu: integer("CPU", 2048),
            memory: integer("MEMORY", 3768),
        },
    );
    instance.arn = cluster.arn.replacen(":cluster/", ":container-instance/", 1) + "/" + id.as_str();
    instance.ec2_instance_id = text("instanceId", &ec2_id);
    instance.registered_at = now;
    instance.capacity_provider = capacity_provider;
    if let Some(version) = request
        .version_info
        .as_ref()
        .and_then(|v| v.agent_version.clone())
    {
        instance.agent_version = version;
    }
    if let Some(ami) = identity.get("imageId").and_then(|v| v.as_str()) {
        instance
            .attributes
            .insert("ecs.ami-id".into(), Some(ami.into()));
    }
    if let Some(arch) = identity.get("architecture").and_then(|v| v.as_str()) {
        let arch = if arch == "arm64" { "arm64" } else { "x86_64" };
        instance
            .attributes
            .insert("ecs.cpu-architecture".into(), Some(arch.into()));
    }
    for attribute in request.attributes.unwrap_or_default() {
        instance.attributes.insert(attribute.name, attribute.value);
    }
    instance.ports = HostPorts {
        reserved_tcp,
        reserved_udp,
        ..HostPorts::default()
    };
    let index = cluster.fleet.push(instance);
    cluster.instances.push(InstanceRecord {
        version: 1,
        version_info: request.version_info.unwrap_or_default(),
        tags: request.tags.unwrap_or_default(),
        registered_ports_tcp: listed_tcp,
        registered_ports_udp: listed_udp,
        tasks: Default::default(),
        attributes: std::sync::Arc::from([]),
        agent_update: None,
        desired_running: 0,
        pending: 0,
    });
    refresh_attributes(cluster, index);
    let document = document(cluster, index, true);
    emit_change(cp, now, &document);
    Ok(Response::ContainerInstance(ContainerInstanceResponse {
        container_instance: Some(document),
    }))
}

fn cluster_region(cluster_arn: &str) -> &str {
    cluster_arn.split(':').nth(3).unwrap_or("us-east-1")
}

pub(super) fn deregister(
    cp: &mut State,
    now: SimTime,
    request: DeregisterContainerInstanceRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let given = request.container_instance.unwrap_or_default();
    let index = registered(cluster, &given)?;
    let busy = !cluster.instances[index].tasks.is_empty();
    if busy && request.force != Some(true) {
        return Err(messages::unconfirmed_error("instance-has-tasks", &[]));
    }
    // Its tasks may keep running on the host, but ECS no longer tracks them: they are
    // STOPPED as far as the API shows, and services start replacements elsewhere.
    let ec2_instance_id = cluster.fleet.instances()[index].ec2_instance_id.clone();
    cluster.fleet.update(index, |instance| {
        instance.status = InstanceStatus::Inactive;
        instance.agent_connected = false;
    });
    cluster.instances[index].version += 1;
    let cluster_name = cluster.name.clone();
    let reason = messages::unconfirmed_text("host-terminated", &[&ec2_instance_id]);
    crate::lifecycle::stop_orphans(cp, now, &cluster_name, index, &reason);
    let cluster = active_cluster(cp, Some(&cluster_name))?;
    let document = document(cluster, index, false);
    emit_change(cp, now, &document);
    Ok(Response::ContainerInstance(ContainerInstanceResponse {
        container_instance: Some(document),
    }))
}

pub(super) fn describe(
    cp: &mut State,
    request: DescribeContainerInstancesRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let wanted = request.container_instances.unwrap_or_default();
    if wanted.is_empty() {
        return Err(messages::unconfirmed_error(
            "container-instances-empty",
            &[],
        ));
    }
    let with_tags = request
        .include
        .unwrap_or_default()
        .iter()
        .any(|i| i == "TAGS");
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for given in wanted {
        match find_instance(cluster, &given) {
            Some(index) => found.push(document(cluster, index, with_tags)),
            None => failures.push(Failure {
                arn: Some(given),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(Response::ContainerInstances(ContainerInstancesResponse {
        container_instances: Some(found),
        failures: Some(failures),
    }))
}

pub(super) fn list(
    cp: &mut State,
    request: ListContainerInstancesRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let filter = match request.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(text) => Some(query::parse(text).map_err(|error| {
            messages::unconfirmed_error("expression-invalid", &[&text, &error])
        })?),
        None => None,
    };
    let status = request.status.as_deref();
    let arns: Vec<String> = cluster
        .fleet
        .instances()
        .iter()
        .filter(|i| match status {
            Some(wanted) => i.status.as_str() == wanted,
            None => i.status != InstanceStatus::Inactive,
        })
        .filter(|i| filter.as_ref().is_none_or(|f| f.matches(*i)))
        .map(|i| i.arn.clone())
        .collect();
    let (arns, next_token) = page(
        &arns,
        request.max_results,
        request.next_token.as_deref(),
        100,
    )?;
    Ok(Response::ListContainerInstances(
        ListContainerInstancesResponse {
            container_instance_arns: Some(arns),
            next_token,
        },
    ))
}

pub(super) fn update_state(
    cp: &mut State,
    now: SimTime,
    request: UpdateContainerInstancesStateRequest,
) -> Result<Response, ApiError> {
    let status = match request.status.as_deref() {
        Some("ACTIVE") => InstanceStatus::Active,
        Some("DRAINING") => InstanceStatus::Draining,
        _ => return Err(messages::unconfirmed_error("instance-status", &[])),
    };
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let mut found = Vec::new();
    let mut failures = Vec::new();
    let mut changed = Vec::new();
    for given in request.container_instances.unwrap_or_default() {
        match find_instance(cluster, &given) {
            Some(index)
                if matches!(
                    cluster.fleet.instances()[index].status,
                    InstanceStatus::Active | InstanceStatus::Draining
                ) =>
            {
                if cluster.fleet.instances()[index].status != status {
                    cluster
                        .fleet
                        .update(index, |instance| instance.status = status);
                    cluster.instances[index].version += 1;
                    changed.push(index);
                }
                found.push(document(cluster, index, false));
            }
            Some(_) => failures.push(Failure {
                arn: Some(given),
                reason: Some("INACTIVE".into()),
                detail: None,
            }),
            None => failures.push(Failure {
                arn: Some(given),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    let changed: Vec<Document> = changed
        .into_iter()
        .map(|index| document(cluster, index, false))
        .collect();
    for document in &changed {
        emit_change(cp, now, document);
    }
    Ok(Response::ContainerInstances(ContainerInstancesResponse {
        container_instances: Some(found),
        failures: Some(failures),
    }))
}

/// An instance's state change event, with its document.
fn emit_change(cp: &mut State, now: SimTime, document: &Document) {
    cp.emit(
        now,
        "ECS Container Instance State Change",
        &document.container_instance_arn,
        document,
    );
}

/// The index of a registered (not INACTIVE) instance, or ECS's error naming it.
fn registered(cluster: &ClusterRecord, given: &str) -> Result<usize, ApiError> {
    find_instance(cluster, given)
        .filter(|&i| cluster.fleet.instances()[i].status != InstanceStatus::Inactive)
        .ok_or_else(|| {
            ApiError::new(
                berth_model::ExceptionType::InvalidParameterException,
                format!("Container instance {} not found.", last_segment(given)),
            )
        })
}

/// How long each stage of an agent update takes (UNCONFIRMED: ECS documents the stages, not
/// their durations).
pub(crate) const AGENT_UPDATE_STAGE_MS: u64 = 5_000;

/// The stages an agent update goes through after PENDING, in order.
const AGENT_UPDATE_STAGES: [AgentUpdateStatus; 4] = [
    AgentUpdateStatus::Staging,
    AgentUpdateStatus::Staged,
    AgentUpdateStatus::Updating,
    AgentUpdateStatus::Updated,
];

/// UpdateContainerAgent: an agent older than [`crate::LATEST_AGENT_VERSION`] is updated in
/// stages (PENDING, STAGING, STAGED, UPDATING, UPDATED), each shown by the instance's
/// `agentUpdateStatus` and an instance state change; at UPDATED it reports the new version.
pub(super) fn update_agent(
    cp: &mut State,
    now: SimTime,
    request: crate::requests::UpdateContainerAgentRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let given = request.container_instance.unwrap_or_default();
    let index = registered(cluster, &given)?;
    let record = &cluster.instances[index];
    if let Some((status, _)) = &record.agent_update {
        if *status != AgentUpdateStatus::Updated && *status != AgentUpdateStatus::Failed {
            return Err(messages::unconfirmed_error("agent-update-in-progress", &[]));
        }
    }
    if record.version_info.agent_version.as_deref() == Some(crate::LATEST_AGENT_VERSION) {
        return Err(messages::unconfirmed_error("no-agent-update", &[]));
    }
    if !cluster.fleet.instances()[index].agent_connected {
        return Err(messages::unconfirmed_error(
            "agent-update-disconnected",
            &[],
        ));
    }
    let next = now.plus_millis(AGENT_UPDATE_STAGE_MS);
    let record = &mut cluster.instances[index];
    record.agent_update = Some((AgentUpdateStatus::Pending, Some(next)));
    record.version += 1;
    let document = document(cluster, index, false);
    cp.wakeups.insert(next);
    emit_change(cp, now, &document);
    Ok(Response::ContainerInstance(ContainerInstanceResponse {
        container_instance: Some(document),
    }))
}

/// Moves every agent update whose stage is over to the next stage.
pub(crate) fn advance_agent_updates(cp: &mut State, now: SimTime) {
    let mut changed = Vec::new();
    for (name, cluster) in cp.clusters.iter_mut() {
        for index in 0..cluster.instances.len() {
            let Some((status, Some(due))) = cluster.instances[index].agent_update.clone() else {
                continue;
            };
            if due > now {
                continue;
            }
            let stage = AGENT_UPDATE_STAGES
                .iter()
                .position(|s| *s == status)
                .map_or(0, |i| i + 1);
            let Some(next_status) = AGENT_UPDATE_STAGES.get(stage) else {
                continue;
            };
            let done = *next_status == AgentUpdateStatus::Updated;
            let next_due = (!done).then(|| due.plus_millis(AGENT_UPDATE_STAGE_MS));
            let record = &mut cluster.instances[index];
            record.agent_update = Some((next_status.clone(), next_due));
            record.version += 1;
            if done {
                record.version_info.agent_version = Some(crate::LATEST_AGENT_VERSION.into());
                cluster.fleet.update(index, |instance| {
                    instance.agent_version = crate::LATEST_AGENT_VERSION.into();
                });
            }
            changed.push((name.clone(), index, next_due));
        }
    }
    for (name, index, next_due) in changed {
        if let Some(at) = next_due {
            cp.wakeups.insert(at);
        }
        let document = document(&cp.clusters[&name], index, false);
        emit_change(cp, now, &document);
    }
}
