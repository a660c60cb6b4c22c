//! TagResource, UntagResource, ListTagsForResource: tags on clusters, container instances,
//! task definitions, tasks, services and capacity providers, found by their ARNs.

use crate::records::{check_tags, cluster_name, last_segment, State, TaskKey};
use crate::requests::*;
use berth_model::arn::parse_arn;
use berth_model::states::ServiceStatus;
use berth_model::task_definition::Tag;
use berth_model::{messages, ApiError};

/// The tags of the resource an ARN names.
fn tags_of<'c>(cp: &'c mut State, arn: &str) -> Result<&'c mut Vec<Tag>, ApiError> {
    let parsed = parse_arn(arn)
        .filter(|p| p.region == cp.scope.region && p.account_id == cp.scope.account_id)
        .ok_or_else(|| messages::operation_error("resource-arn-invalid", &[]))?;
    let not_found = || messages::operation_error("resource-not-found", &[]);
    // `<cluster>/<id>` for the long formats of instances, tasks and services.
    let in_cluster = |cp: &'c mut State| {
        let (cluster, _) = parsed.resource.split_once('/').ok_or_else(not_found)?;
        cp.clusters
            .get_mut(&cluster_name(Some(cluster)))
            .filter(|c| c.active)
            .ok_or_else(not_found)
    };
    match parsed.resource_type {
        "cluster" => cp
            .clusters
            .get_mut(parsed.resource)
            .filter(|c| c.active)
            .map(|c| &mut c.tags)
            .ok_or_else(not_found),
        "container-instance" => {
            let cluster = in_cluster(cp)?;
            let index = crate::records::find_instance(cluster, arn).ok_or_else(not_found)?;
            Ok(&mut cluster.instances[index].tags)
        }
        "task" => {
            let cluster = in_cluster(cp)?;
            let key = TaskKey::of(arn).ok_or_else(not_found)?;
            cluster
                .tasks
                .get_mut(&key)
                .map(|t| &mut t.task.tags)
                .ok_or_else(not_found)
        }
        "service" => {
            let cluster = in_cluster(cp)?;
            cluster
                .services
                .get_mut(last_segment(parsed.resource))
                .filter(|s| s.doc.status != ServiceStatus::Inactive)
                .map(|s| &mut s.doc.tags)
                .ok_or_else(not_found)
        }
        "task-definition" => {
            let (family, revision) = crate::records::parse_reference(parsed.resource)?;
            cp.task_definitions
                .families
                .get_mut(&family)
                .and_then(|f| f.revisions.get_mut(&revision?))
                .map(|(_, tags)| tags)
                .ok_or_else(not_found)
        }
        // An Auto Scaling group provider of the account's (FARGATE and FARGATE_SPOT are AWS's).
        "capacity-provider" => cp
            .capacity_providers
            .get_mut(parsed.resource)
            .filter(|p| p.active())
            .map(|p| &mut p.tags)
            .ok_or_else(not_found),
        _ => Err(messages::operation_error("resource-arn-invalid", &[])),
    }
}

pub(super) fn tag(cp: &mut State, request: TagResourceRequest) -> Result<Response, ApiError> {
    let given = request.tags.unwrap_or_default();
    check_tags(&given)?;
    let tags = tags_of(cp, request.resource_arn.as_deref().unwrap_or(""))?;
    let mut merged = tags.clone();
    for tag in given {
        match merged.iter_mut().find(|t| t.key == tag.key) {
            Some(existing) => existing.value = tag.value,
            None => merged.push(tag),
        }
    }
    check_tags(&merged)?;
    *tags = merged;
    Ok(Response::Empty(EmptyResponse {}))
}

pub(super) fn untag(cp: &mut State, request: UntagResourceRequest) -> Result<Response, ApiError> {
    let keys = request.tag_keys.unwrap_or_default();
    let tags = tags_of(cp, request.resource_arn.as_deref().unwrap_or(""))?;
    tags.retain(|t| !keys.iter().any(|k| Some(k) == t.key.as_ref()));
    Ok(Response::Empty(EmptyResponse {}))
}

pub(super) fn list(
    cp: &mut State,
    request: ListTagsForResourceRequest,
) -> Result<Response, ApiError> {
    let tags = tags_of(cp, request.resource_arn.as_deref().unwrap_or(""))?;
    Ok(Response::Tags(TagsResponse {
        tags: Some(tags.clone()),
    }))
}
