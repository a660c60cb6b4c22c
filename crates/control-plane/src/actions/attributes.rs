//! PutAttributes, DeleteAttributes, ListAttributes: custom attributes on container
//! instances, which placement constraints and ListContainerInstances filters then match.

use crate::paging::page;
use crate::records::{active_cluster, ClusterRecord, State};
use crate::requests::*;
use berth_model::task_definition::{Attribute, TargetType};
use berth_model::{messages, ApiError, SimTime};

/// At most this many attributes per PutAttributes or DeleteAttributes call, and this many
/// custom attributes on one resource.
const MAX_ATTRIBUTES: usize = 10;

/// Whether an attribute is one the agent reports (`ecs.*`, `com.amazonaws.ecs.*`) rather
/// than a custom one.
fn built_in(name: &str) -> bool {
    name.starts_with("ecs.") || name.starts_with("com.amazonaws.ecs.")
}

/// Name: 1-128 letters, digits, `-`, `_`, `/`, `\`, `.`; value: 1-128 letters, digits and
/// `-_.@/\: ` with no space at either end.
fn check(attribute: &Attribute) -> Result<(), ApiError> {
    let name = &attribute.name;
    let name_ok = (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_/\\.".contains(&b));
    if !name_ok {
        return Err(messages::operation_error("attribute-name", &[name]));
    }
    if let Some(value) = &attribute.value {
        let value_ok = (1..=128).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.@/\\: ".contains(&b))
            && !value.starts_with(' ')
            && !value.ends_with(' ');
        if !value_ok {
            return Err(messages::operation_error("attribute-value", &[value, name]));
        }
    }
    Ok(())
}

/// The instance an attribute targets; a short id needs `targetType`.
fn target(cluster: &ClusterRecord, attribute: &Attribute) -> Result<usize, ApiError> {
    let id = attribute.target_id.as_deref().unwrap_or("");
    if id.is_empty() {
        return Err(messages::operation_error("attribute-target-id", &[]));
    }
    if !id.starts_with("arn:") && attribute.target_type.is_none() {
        return Err(messages::operation_error("attribute-target-type", &[]));
    }
    crate::records::find_instance(cluster, id)
        .filter(|&i| {
            cluster.fleet.instances()[i].status != berth_scheduler::InstanceStatus::Inactive
        })
        .ok_or_else(|| messages::operation_error("attribute-target-missing", &[&id]))
}

fn checked_batch(request: &AttributesRequest) -> Result<&[Attribute], ApiError> {
    let attributes = request.attributes.as_deref().unwrap_or_default();
    if attributes.is_empty() {
        return Err(messages::operation_error("attributes-empty", &[]));
    }
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(messages::operation_error("attributes-per-call", &[]));
    }
    attributes.iter().try_for_each(check)?;
    Ok(attributes)
}

/// Applies `change` to each targeted instance, all or nothing: every target is resolved and
/// every limit checked before the first instance changes.
fn apply(
    cp: &mut State,
    now: SimTime,
    request: AttributesRequest,
    put: bool,
) -> Result<Response, ApiError> {
    let attributes = checked_batch(&request)?.to_vec();
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let targets = attributes
        .iter()
        .map(|a| target(cluster, a))
        .collect::<Result<Vec<usize>, _>>()?;
    if put {
        for &index in &targets {
            let view = &cluster.fleet.instances()[index];
            let mut names: std::collections::BTreeSet<&str> = view
                .attributes
                .keys()
                .map(String::as_str)
                .filter(|n| !built_in(n))
                .collect();
            for (attribute, &t) in attributes.iter().zip(&targets) {
                if t == index && !built_in(&attribute.name) {
                    names.insert(&attribute.name);
                }
            }
            if names.len() > MAX_ATTRIBUTES {
                return Err(messages::operation_error("attribute-limit", &[]));
            }
        }
    }
    let mut changed = Vec::new();
    for (attribute, &index) in attributes.iter().zip(&targets) {
        cluster.fleet.update(index, |instance| {
            if put {
                instance
                    .attributes
                    .insert(attribute.name.clone(), attribute.value.clone());
            } else {
                instance.attributes.remove(&attribute.name);
            }
        });
        if !changed.contains(&index) {
            changed.push(index);
        }
    }
    let documents: Vec<_> = changed
        .into_iter()
        .map(|index| {
            crate::documents::refresh_attributes(cluster, index);
            cluster.instances[index].version += 1;
            crate::documents::instance_document(cluster, index, false)
        })
        .collect();
    for document in &documents {
        cp.out().emit(
            now,
            "ECS Container Instance State Change",
            &document.container_instance_arn,
            document,
        );
    }
    cp.dirty = true; // DAEMON services may now fit (or no longer fit) these instances.
    Ok(Response::Attributes(AttributesResponse {
        attributes: Some(attributes),
        next_token: None,
    }))
}

pub(super) fn put(
    cp: &mut State,
    now: SimTime,
    request: AttributesRequest,
) -> Result<Response, ApiError> {
    apply(cp, now, request, true)
}

pub(super) fn delete(
    cp: &mut State,
    now: SimTime,
    request: AttributesRequest,
) -> Result<Response, ApiError> {
    apply(cp, now, request, false)
}

pub(super) fn list(cp: &mut State, request: ListAttributesRequest) -> Result<Response, ApiError> {
    if request.target_type.as_deref() != Some(TargetType::ContainerInstance.as_str()) {
        return Err(messages::operation_error("attribute-list-target-type", &[]));
    }
    if request.attribute_value.is_some() && request.attribute_name.is_none() {
        return Err(messages::operation_error(
            "attribute-value-without-name",
            &[],
        ));
    }
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let name = request.attribute_name.as_deref();
    let value = request.attribute_value.as_deref();
    let found: Vec<Attribute> = cluster
        .fleet
        .instances()
        .iter()
        .filter(|i| i.status != berth_scheduler::InstanceStatus::Inactive)
        .flat_map(|instance| {
            instance.attributes.iter().map(move |(n, v)| Attribute {
                name: n.clone(),
                value: v.clone(),
                target_type: Some(TargetType::ContainerInstance),
                target_id: Some(instance.arn.clone()),
            })
        })
        .filter(|a| name.is_none_or(|n| a.name == n))
        .filter(|a| value.is_none_or(|v| a.value.as_deref() == Some(v)))
        .collect();
    let (attributes, next_token) = page(
        &found,
        request.max_results,
        request.next_token.as_deref(),
        100,
    )?;
    Ok(Response::Attributes(AttributesResponse {
        attributes: Some(attributes),
        next_token,
    }))
}
