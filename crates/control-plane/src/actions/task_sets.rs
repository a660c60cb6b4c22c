//! Task sets: CreateTaskSet, DescribeTaskSets, UpdateTaskSet, DeleteTaskSet and
//! UpdateServicePrimaryTaskSet, for services with the EXTERNAL deployment controller.
//!
//! An external controller (a blue/green tool of the user's own) decides which task
//! definitions run and in what proportion: each task set runs `ceil(desiredCount × scale%)`
//! tasks of its task definition, and the service scheduler keeps every set at its count
//! (`schedulers::reconcile_task_sets`); ECS runs no deployments of its own for such a
//! service. The PRIMARY set is the one serving production traffic, and its task definition is
//! the service's. A deleted set drains: its tasks stop, then it is gone.

use crate::records::{
    active_cluster, cluster_name, computed_desired_count, is_external, last_segment, State,
};
use crate::requests::*;
use berth_model::resources::{Failure, Scale, TaskSet};
use berth_model::states::{LaunchType, ServiceStatus, StabilityStatus, TaskSetStatus};
use berth_model::{messages, ApiError, ExceptionType, SimTime};

/// The cluster and name of an ACTIVE EXTERNAL service, or ECS's error.
fn external_service(
    cp: &mut State,
    cluster: Option<&str>,
    service: Option<&str>,
) -> Result<(String, String), ApiError> {
    let record = active_cluster(cp, cluster)?;
    let name = last_segment(service.unwrap_or("")).to_owned();
    let service = record.services.get(&name).ok_or_else(|| {
        ApiError::new(
            ExceptionType::ServiceNotFoundException,
            messages::SERVICE_NOT_FOUND,
        )
    })?;
    if service.doc.status != ServiceStatus::Active {
        return Err(ApiError::new(
            ExceptionType::ServiceNotActiveException,
            messages::SERVICE_NOT_ACTIVE,
        ));
    }
    if !is_external(&service.doc.deployment_controller) {
        return Err(messages::operation_error("task-set-controller", &[]));
    }
    Ok((cluster_name(cluster), name))
}

/// A task set's `scale`, checked: PERCENT, 0 to 100 (100 when absent).
fn scale(given: Option<Scale>) -> Result<Scale, ApiError> {
    let scale = given.unwrap_or_default();
    if scale.unit != "PERCENT" {
        return Err(messages::operation_error("task-set-unit", &[]));
    }
    if !(0.0..=100.0).contains(&scale.value) {
        return Err(messages::operation_error("task-set-scale", &[]));
    }
    Ok(scale)
}

/// The index of the task set `given` (id or ARN) in the service's list.
fn find(sets: &[TaskSet], given: &str) -> Option<usize> {
    sets.iter().position(|s| {
        s.task_set_arn == given || s.id == given || s.id.ends_with(&format!("/{given}"))
    })
}

fn not_found() -> ApiError {
    messages::operation_error("task-set-not-found", &[])
}

pub(super) fn create(
    cp: &mut State,
    now: SimTime,
    request: CreateTaskSetRequest,
) -> Result<Response, ApiError> {
    let (cluster, service) =
        external_service(cp, request.cluster.as_deref(), request.service.as_deref())?;
    let task_definition =
        crate::engine::launch::active_task_definition(cp, request.task_definition.as_deref())?;
    let scale = scale(request.scale)?;
    let fargate = crate::engine::launch::is_fargate_launch_type(request.launch_type.as_deref())?;
    if fargate {
        if !crate::engine::launch::fargate_compatible(cp, &task_definition) {
            return Err(ApiError::new(
                ExceptionType::InvalidParameterException,
                messages::launch_type_unsupported("FARGATE"),
            ));
        }
        if request.network_configuration.is_none() {
            return Err(ApiError::new(
                ExceptionType::InvalidParameterException,
                messages::NETWORK_CONFIGURATION_REQUIRED,
            ));
        }
        crate::engine::launch::FargateNetwork::of(request.network_configuration.as_deref())?;
    }
    let load_balancers = request.load_balancers.clone().unwrap_or_default();
    if let Some(td) = crate::records::resolve(cp, &task_definition) {
        crate::engine::load_balancing::check(&cp.target_groups, &load_balancers, td, None)?;
    }
    let id = crate::engine::deployments::deployment_id(cp);
    let record = &cp.clusters[&cluster];
    let service_doc = &record.services[&service].doc;
    let set = TaskSet {
        task_set_arn: format!(
            "{}:task-set/{cluster}/{service}/{}",
            record
                .arn
                .split_once(":cluster/")
                .map_or("", |(head, _)| head),
            id
        ),
        id,
        service_arn: service_doc.service_arn.clone(),
        cluster_arn: record.arn.clone(),
        started_by: None,
        external_id: request.external_id.filter(|e| !e.is_empty()),
        status: TaskSetStatus::Active,
        task_definition,
        computed_desired_count: 0,
        pending_count: 0,
        running_count: 0,
        created_at: now,
        updated_at: now,
        launch_type: Some(if fargate {
            LaunchType::Fargate
        } else {
            LaunchType::Ec2
        }),
        platform_version: fargate.then(|| crate::engine::launch::FARGATE_PLATFORM_VERSION.into()),
        platform_family: fargate.then(|| "Linux".into()),
        network_configuration: request.network_configuration.map(|s| s.0),
        load_balancers,
        service_registries: request.service_registries.unwrap_or_default(),
        scale,
        stability_status: StabilityStatus::Stabilizing,
        stability_status_at: now,
        tags: request.tags.unwrap_or_default(),
    };
    let id = set.id.clone();
    cp.service_mut(&cluster, &service)
        .expect("found above")
        .doc
        .task_sets
        .push(set);
    crate::schedulers::reconcile(cp, now, &cluster, &service);
    Ok(Response::TaskSet(TaskSetResponse {
        task_set: Some(document(cp, &cluster, &service, &id)),
    }))
}

/// The task set as the API shows it: counts from its tasks.
fn document(cp: &State, cluster: &str, service: &str, id: &str) -> TaskSet {
    let doc = crate::documents::service_document(cp, cluster, service, false);
    doc.task_sets
        .into_iter()
        .find(|s| s.id == id)
        .expect("the task set exists")
}

pub(super) fn describe(
    cp: &mut State,
    request: DescribeTaskSetsRequest,
) -> Result<Response, ApiError> {
    let (cluster, service) =
        external_service(cp, request.cluster.as_deref(), request.service.as_deref())?;
    let with_tags = request
        .include
        .unwrap_or_default()
        .iter()
        .any(|i| i == "TAGS");
    let doc = crate::documents::service_document(cp, &cluster, &service, false);
    let (found, failures) = match request.task_sets {
        None => (doc.task_sets, Vec::new()),
        Some(wanted) => {
            let mut found = Vec::new();
            let mut failures = Vec::new();
            for given in wanted {
                match find(&doc.task_sets, &given) {
                    Some(i) => found.push(doc.task_sets[i].clone()),
                    None => failures.push(Failure {
                        arn: Some(given),
                        reason: Some("MISSING".into()),
                        detail: None,
                    }),
                }
            }
            (found, failures)
        }
    };
    let found = found
        .into_iter()
        .map(|mut set| {
            if !with_tags {
                set.tags.clear();
            }
            set
        })
        .collect();
    Ok(Response::TaskSets(TaskSetsResponse {
        task_sets: Some(found),
        failures: Some(failures),
    }))
}

pub(super) fn update(
    cp: &mut State,
    now: SimTime,
    request: UpdateTaskSetRequest,
) -> Result<Response, ApiError> {
    let (cluster, service) =
        external_service(cp, request.cluster.as_deref(), request.service.as_deref())?;
    let scale = scale(request.scale)?;
    let id = change(cp, &cluster, &service, request.task_set.as_deref(), |set| {
        set.scale = scale;
        set.updated_at = now;
        Ok(())
    })?;
    crate::schedulers::reconcile(cp, now, &cluster, &service);
    Ok(Response::TaskSet(TaskSetResponse {
        task_set: Some(document(cp, &cluster, &service, &id)),
    }))
}

/// Applies `edit` to the task set `given` names; returns its id.
fn change(
    cp: &mut State,
    cluster: &str,
    service: &str,
    given: Option<&str>,
    edit: impl FnOnce(&mut TaskSet) -> Result<(), ApiError>,
) -> Result<String, ApiError> {
    let record = cp
        .service_mut(cluster, service)
        .expect("checked by the caller");
    let index = find(&record.doc.task_sets, given.unwrap_or(""))
        .filter(|&i| record.doc.task_sets[i].status != TaskSetStatus::Draining)
        .ok_or_else(not_found)?;
    edit(&mut record.doc.task_sets[index])?;
    Ok(record.doc.task_sets[index].id.clone())
}

pub(super) fn delete(
    cp: &mut State,
    now: SimTime,
    request: DeleteTaskSetRequest,
) -> Result<Response, ApiError> {
    let (cluster, service) =
        external_service(cp, request.cluster.as_deref(), request.service.as_deref())?;
    let desired = cp.clusters[&cluster].services[&service].doc.desired_count;
    let force = request.force == Some(true);
    let id = change(cp, &cluster, &service, request.task_set.as_deref(), |set| {
        if set.status == TaskSetStatus::Primary && !force {
            return Err(messages::operation_error("task-set-primary-delete", &[]));
        }
        if computed_desired_count(desired, &set.scale) > 0 && !force {
            return Err(messages::operation_error("task-set-not-scaled-down", &[]));
        }
        set.status = TaskSetStatus::Draining;
        set.updated_at = now;
        Ok(())
    })?;
    // Take the document before the step: a drained set with no tasks is gone after it.
    let set = document(cp, &cluster, &service, &id);
    crate::schedulers::reconcile(cp, now, &cluster, &service);
    Ok(Response::TaskSet(TaskSetResponse {
        task_set: Some(set),
    }))
}

pub(super) fn update_primary(
    cp: &mut State,
    now: SimTime,
    request: UpdateServicePrimaryTaskSetRequest,
) -> Result<Response, ApiError> {
    let (cluster, service) =
        external_service(cp, request.cluster.as_deref(), request.service.as_deref())?;
    let record = cp.service_mut(&cluster, &service).expect("checked above");
    let index = find(
        &record.doc.task_sets,
        request.primary_task_set.as_deref().unwrap_or(""),
    )
    .filter(|&i| record.doc.task_sets[i].status != TaskSetStatus::Draining)
    .ok_or_else(not_found)?;
    for (i, set) in record.doc.task_sets.iter_mut().enumerate() {
        let status = if i == index {
            TaskSetStatus::Primary
        } else {
            TaskSetStatus::Active
        };
        if set.status != status && set.status != TaskSetStatus::Draining {
            set.status = status;
            set.updated_at = now;
        }
    }
    record.doc.task_definition = record.doc.task_sets[index].task_definition.clone();
    let id = record.doc.task_sets[index].id.clone();
    crate::schedulers::reconcile(cp, now, &cluster, &service);
    Ok(Response::TaskSet(TaskSetResponse {
        task_set: Some(document(cp, &cluster, &service, &id)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_desired_count_rounds_up() {
        let at = |value| Scale {
            value,
            unit: "PERCENT".into(),
        };
        assert_eq!(computed_desired_count(10, &at(12.0)), 2);
        assert_eq!(computed_desired_count(3, &at(33.33)), 1);
        assert_eq!(computed_desired_count(4, &at(50.0)), 2);
        assert_eq!(computed_desired_count(4, &at(0.0)), 0);
        assert_eq!(computed_desired_count(5000, &at(100.0)), 5000);
    }
}
