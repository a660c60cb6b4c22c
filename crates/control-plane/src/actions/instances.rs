//! RegisterContainerInstance, DeregisterContainerInstance, DescribeContainerInstances,
//! ListContainerInstances, UpdateContainerInstancesState.

use crate::documents::{instance_document, refresh_attributes};
use crate::engine::agent_updates::emit_change;
use crate::engine::agent_updates::AGENT_UPDATE_STAGE_MS;
use crate::paging::page;
use crate::records::timers::Wake;
use crate::records::{
    active_cluster, find_instance, last_segment, ClusterRecord, InstanceRecord, State,
};
use crate::requests::*;
use berth_model::resources::{ContainerInstance as Document, Failure, Resource};
use berth_model::states::AgentUpdateStatus;
use berth_model::{messages, ApiError, SimTime};
use berth_scheduler::instance::{ContainerInstance, InstanceStatus, Resources};
use berth_scheduler::ports::HostPorts;
use berth_scheduler::query;
use std::collections::BTreeSet;

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
            .map_err(|error| messages::operation_error("identity-document", &[&error]))?,
    };
    let id = cp.new_id();
    let ec2_id = format!("i-{}", &id.as_str()[..17]);
    // An instance its Auto Scaling group launched belongs to the group's capacity provider,
    // if the provider existed by then. (ECS looks the group up in EC2; Berth's virtual
    // instances name it in their identity document.)
    let capacity_provider = identity
        .get("autoScalingGroupArn")
        .and_then(|v| v.as_str())
        .and_then(|group| crate::engine::capacity::provider_of_group(cp, group));
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
    let document = instance_document(cluster, index, true);
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
        return Err(messages::operation_error("instance-has-tasks", &[]));
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
    let reason = messages::operation_text("host-terminated", &[&ec2_instance_id]);
    crate::engine::lifecycle::stop_orphans(cp, now, &cluster_name, index, &reason);
    let cluster = active_cluster(cp, Some(&cluster_name))?;
    let document = instance_document(cluster, index, false);
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
        return Err(messages::operation_error("container-instances-empty", &[]));
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
            Some(index) => found.push(instance_document(cluster, index, with_tags)),
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
    crate::records::one_of(
        status,
        "status",
        &[
            "ACTIVE",
            "DRAINING",
            "REGISTERING",
            "DEREGISTERING",
            "REGISTRATION_FAILED",
        ],
    )?;
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
        _ => return Err(messages::operation_error("instance-status", &[])),
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
                found.push(instance_document(cluster, index, false));
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
        .map(|index| instance_document(cluster, index, false))
        .collect();
    for document in &changed {
        emit_change(cp, now, document);
    }
    Ok(Response::ContainerInstances(ContainerInstancesResponse {
        container_instances: Some(found),
        failures: Some(failures),
    }))
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

/// UpdateContainerAgent: an agent older than [`crate::records::LATEST_AGENT_VERSION`] is updated in
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
            return Err(messages::operation_error("agent-update-in-progress", &[]));
        }
    }
    if record.version_info.agent_version.as_deref() == Some(crate::records::LATEST_AGENT_VERSION) {
        return Err(messages::operation_error("no-agent-update", &[]));
    }
    if !cluster.fleet.instances()[index].agent_connected {
        return Err(messages::operation_error("agent-update-disconnected", &[]));
    }
    let next = now.plus_millis(AGENT_UPDATE_STAGE_MS);
    let record = &mut cluster.instances[index];
    record.agent_update = Some((AgentUpdateStatus::Pending, Some(next)));
    record.version += 1;
    let document = instance_document(cluster, index, false);
    cp.timers.arm(next, Wake::AgentUpdateStage);
    emit_change(cp, now, &document);
    Ok(Response::ContainerInstance(ContainerInstanceResponse {
        container_instance: Some(document),
    }))
}
