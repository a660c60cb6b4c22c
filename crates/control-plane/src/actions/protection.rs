//! UpdateTaskProtection, GetTaskProtection: scale-in protection for a service's tasks.
//!
//! A protected task is not stopped by its service's scale-in or deployments until its
//! protection expires (default 2 hours, at most 48); tasks that fail their health checks
//! are still replaced. Only service tasks can be protected (`TASK_NOT_VALID` otherwise).

use crate::records::{active_cluster, find_task, ClusterRecord, State};
use crate::requests::*;
use berth_model::resources::{Failure, ProtectedTask};
use berth_model::states::TaskStatus;
use berth_model::{messages, ApiError, SimTime};

/// Minutes of protection when `expiresInMinutes` is not given.
const DEFAULT_MINUTES: i64 = 120;
/// The longest protection: 48 hours.
const MAX_MINUTES: i64 = 2880;

fn failure(arn: &str, reason: &str) -> Failure {
    Failure {
        arn: Some(arn.to_owned()),
        reason: Some(reason.to_owned()),
        detail: None,
    }
}

/// The tasks a call names, each found or failed: `MISSING`, or `TASK_NOT_VALID` for a task
/// that is not a running service task.
fn each(
    cluster: &ClusterRecord,
    given: &[String],
) -> Result<Vec<Result<crate::records::TaskKey, Failure>>, ApiError> {
    if given.is_empty() || given.len() > 10 {
        return Err(messages::operation_error("protection-tasks", &[]));
    }
    Ok(given
        .iter()
        .map(|text| {
            let key = find_task(cluster, text).ok_or_else(|| failure(text, "MISSING"))?;
            let record = &cluster.tasks[&key];
            let task = &record.task;
            if record.service.is_none() || task.last_status == TaskStatus::Stopped {
                return Err(failure(&task.task_arn, "TASK_NOT_VALID"));
            }
            Ok(key)
        })
        .collect())
}

fn protected(cluster: &ClusterRecord, key: crate::records::TaskKey, now: SimTime) -> ProtectedTask {
    let record = &cluster.tasks[&key];
    let until = record.protected_until.filter(|until| *until > now);
    ProtectedTask {
        task_arn: record.task.task_arn.clone(),
        protection_enabled: until.is_some(),
        expiration_date: until,
    }
}

pub(super) fn update(
    cp: &mut State,
    now: SimTime,
    request: UpdateTaskProtectionRequest,
) -> Result<Response, ApiError> {
    let enable = request
        .protection_enabled
        .ok_or_else(|| messages::operation_error("protection-enabled", &[]))?;
    let minutes = request.expires_in_minutes.unwrap_or(DEFAULT_MINUTES);
    if !(1..=MAX_MINUTES).contains(&minutes) {
        return Err(messages::operation_error("protection-minutes", &[]));
    }
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let until = enable.then(|| now.plus_millis(minutes as u64 * 60_000));
    let response = answer(cluster, request.tasks, now, |cluster, key| {
        if let Some(record) = cluster.tasks.get_mut(&key) {
            record.protected_until = until;
        }
        cluster.sync(key);
    })?;
    // Unprotected tasks may now be stopped; protected ones are revisited when they expire.
    cp.dirty = true;
    Ok(response)
}

pub(super) fn get(
    cp: &mut State,
    now: SimTime,
    request: GetTaskProtectionRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    answer(cluster, request.tasks, now, |_, _| {})
}

/// Applies `change` to each task a call names, then answers with their protection and the
/// tasks that failed.
fn answer(
    cluster: &mut ClusterRecord,
    given: Option<Vec<String>>,
    now: SimTime,
    mut change: impl FnMut(&mut ClusterRecord, crate::records::TaskKey),
) -> Result<Response, ApiError> {
    let mut tasks = Vec::new();
    let mut failures = Vec::new();
    for found in each(cluster, &given.unwrap_or_default())? {
        match found {
            Ok(key) => {
                change(cluster, key);
                tasks.push(protected(cluster, key, now));
            }
            Err(failure) => failures.push(failure),
        }
    }
    Ok(Response::TaskProtection(TaskProtectionResponse {
        protected_tasks: Some(tasks),
        failures: Some(failures),
    }))
}
