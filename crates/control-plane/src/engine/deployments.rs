//! A service's deployments: starting one (and its history), completing it, counting its failed
//! tasks for the circuit breaker and the launch back-off, rolling back, and the service's
//! events.

use crate::records::{history::History, last_segment, ServiceRecord, State};
use berth_model::resources::{Deployment, ServiceEvent};
use berth_model::states::{DeploymentStatus, RolloutState, ServiceDeploymentStatus};
use berth_model::{messages, SimTime};
use serde_json::json;

/// A new deployment id, `ecs-svc/` and 19 digits.
pub(crate) fn deployment_id(cp: &mut State) -> String {
    let id = cp.new_id();
    let digits =
        u64::from_str_radix(&id.as_str()[..16], 16).unwrap_or(0) % 10_000_000_000_000_000_000;
    format!("ecs-svc/{digits:019}")
}

/// A new PRIMARY deployment of `task_definition`; earlier ones become ACTIVE.
pub(crate) fn deploy(
    cp: &mut State,
    now: SimTime,
    cluster: &str,
    service: &str,
    task_definition: String,
    reason: Option<String>,
    rollback_of: Option<&str>,
) {
    let id = deployment_id(cp);
    let record = cp
        .clusters
        .get_mut(cluster)
        .and_then(|c| c.services.get_mut(service))
        .expect("the service exists");
    // A rollback returns to the completed revision's network configuration too.
    if rollback_of.is_some() {
        if let Some(network) = record.last_completed_network.clone() {
            record.doc.network_configuration = Some(network);
        }
    }
    for old in &mut record.doc.deployments {
        old.status = DeploymentStatus::Active;
        old.desired_count = 0;
        old.updated_at = now;
    }
    record.doc.deployments.insert(
        0,
        Deployment {
            rollout_state_reason: reason.unwrap_or_else(|| messages::deployment_in_progress(&id)),
            id,
            status: DeploymentStatus::Primary,
            task_definition: task_definition.clone(),
            desired_count: record.doc.desired_count,
            created_at: now,
            updated_at: now,
            launch_type: record.doc.launch_type.clone(),
            capacity_provider_strategy: record.doc.capacity_provider_strategy.clone(),
            platform_version: record
                .on_fargate()
                .then(|| crate::engine::launch::FARGATE_PLATFORM_VERSION.into()),
            network_configuration: record.doc.network_configuration.clone(),
            rollout_state: RolloutState::InProgress,
            ..Deployment::default()
        },
    );
    record.doc.task_definition = task_definition;
    record.last_problem = None;
    let cluster_arn = record.doc.cluster_arn.clone();
    crate::engine::deployments::started(record, &cluster_arn, now, rollback_of);
    // A new deployment launches at full speed again (§7.9).
    record.start_failures = 0;
    record.throttled_until = None;
    record.throttle_level = 0;
    let service_arn = record.doc.service_arn.clone();
    let deployment = &record.doc.deployments[0];
    let (id, reason) = (
        deployment.id.clone(),
        deployment.rollout_state_reason.clone(),
    );
    cp.emit_deployment_state(
        now,
        &service_arn,
        "INFO",
        "SERVICE_DEPLOYMENT_IN_PROGRESS",
        &id,
        &reason,
    );
}

/// Records a new deployment of a service: its revision and what it replaces. A deployment
/// that carries out a rollback is recorded on the deployment that failed instead.
pub(crate) fn started(
    record: &mut ServiceRecord,
    cluster_arn: &str,
    now: SimTime,
    rollback_of: Option<&str>,
) {
    let rollback = rollback_of.is_some();
    let doc = &record.doc;
    let deployment = &doc.deployments[0];
    let digits = deployment.id.trim_start_matches("ecs-svc/").to_owned();
    let scoped = |kind: &str| {
        let (head, _) = cluster_arn
            .split_once(":cluster/")
            .unwrap_or((cluster_arn, ""));
        format!(
            "{head}:{kind}/{}/{}/{digits}",
            last_segment(cluster_arn),
            doc.service_name
        )
    };
    if rollback {
        let target = scoped("service-revision");
        if let Some(failed) = record
            .history
            .iter_mut()
            .find(|h| Some(h.id.as_str()) == rollback_of)
        {
            failed.status = ServiceDeploymentStatus::RollbackInProgress;
            failed.updated_at = now;
            failed.rolled_back_by = Some(deployment.id.clone());
            failed.rollback = Some(json!({
                "reason": deployment.rollout_state_reason,
                "startedAt": now,
                "serviceRevisionArn": target,
            }));
        }
    }
    let sources = record
        .history
        .iter()
        .chain(&record.hidden)
        .filter(|h| doc.deployments[1..].iter().any(|d| d.id == h.id))
        .map(|h| h.revision_arn.clone())
        .collect();
    // A deployment (or rollback) still in progress when another starts is stopped by it.
    let running = [
        ServiceDeploymentStatus::InProgress,
        ServiceDeploymentStatus::RollbackRequested,
        ServiceDeploymentStatus::RollbackInProgress,
    ];
    for earlier in record
        .history
        .iter_mut()
        .filter(|h| running.contains(&h.status) && Some(h.id.as_str()) != rollback_of)
    {
        earlier.status = ServiceDeploymentStatus::Stopped;
        earlier.status_reason = Some(messages::unconfirmed_text("deployment-superseded", &[]));
        earlier.stopped_at = Some(now);
        earlier.updated_at = now;
    }
    let revision_arn = scoped("service-revision");
    let revision = json!({
        "serviceRevisionArn": revision_arn,
        "serviceArn": doc.service_arn,
        "clusterArn": doc.cluster_arn,
        "taskDefinition": deployment.task_definition,
        "launchType": doc.launch_type,
        "capacityProviderStrategy": (!doc.capacity_provider_strategy.is_empty())
            .then_some(&doc.capacity_provider_strategy),
        "platformVersion": doc.platform_version,
        "platformFamily": doc.platform_family,
        "loadBalancers": [],
        "serviceRegistries": [],
        "networkConfiguration": doc.network_configuration,
        "guardDutyEnabled": false,
        "createdAt": now,
    });
    let history = History {
        id: deployment.id.clone(),
        arn: scoped("service-deployment"),
        revision,
        revision_arn,
        sources,
        created_at: now,
        updated_at: now,
        finished_at: None,
        stopped_at: None,
        status: ServiceDeploymentStatus::InProgress,
        status_reason: None,
        configuration: doc.deployment_configuration.clone(),
        rollback: None,
        rolled_back_by: None,
        tripped: false,
    };
    if !rollback {
        record.history.push(history);
    } else {
        // Kept for its revision (a later rollback may target it), never listed.
        record.hidden.push(history);
    }
}

/// A deployment completed: SUCCESSFUL, or, for a rollback, the failed deployment's
/// ROLLBACK_SUCCESSFUL.
pub(crate) fn completed(record: &mut ServiceRecord, id: &str, now: SimTime) {
    for h in record.history.iter_mut() {
        if h.id == id && h.status == ServiceDeploymentStatus::InProgress {
            h.status = ServiceDeploymentStatus::Successful;
            h.finished_at = Some(now);
            h.updated_at = now;
        } else if h.rolled_back_by.as_deref() == Some(id)
            && h.status == ServiceDeploymentStatus::RollbackInProgress
        {
            h.status = ServiceDeploymentStatus::RollbackSuccessful;
            h.finished_at = Some(now);
            h.updated_at = now;
        }
    }
}

/// A deployment's circuit breaker tripped; without a rollback it stops there.
pub(crate) fn tripped(
    record: &mut ServiceRecord,
    id: &str,
    now: SimTime,
    rollback: bool,
    reason: &str,
) {
    // A rollback whose own deployment trips has failed.
    if let Some(parent) = record.history.iter_mut().find(|h| {
        h.rolled_back_by.as_deref() == Some(id)
            && h.status == ServiceDeploymentStatus::RollbackInProgress
    }) {
        parent.status = ServiceDeploymentStatus::RollbackFailed;
        parent.status_reason = Some(reason.to_owned());
        parent.finished_at = Some(now);
        parent.updated_at = now;
        return;
    }
    if let Some(h) = record.history.iter_mut().find(|h| h.id == id) {
        h.tripped = true;
        h.status_reason = Some(reason.to_owned());
        h.updated_at = now;
        if !rollback {
            h.status = ServiceDeploymentStatus::Stopped;
            h.stopped_at = Some(now);
        }
    }
}

/// The service is being deleted: what is in progress stops.
pub(crate) fn deleted(record: &mut ServiceRecord, now: SimTime) {
    let running = [
        ServiceDeploymentStatus::InProgress,
        ServiceDeploymentStatus::RollbackRequested,
        ServiceDeploymentStatus::RollbackInProgress,
    ];
    for h in record
        .history
        .iter_mut()
        .filter(|h| running.contains(&h.status))
    {
        h.status = ServiceDeploymentStatus::Stopped;
        h.status_reason = Some(messages::unconfirmed_text(
            "deployment-service-deleted",
            &[],
        ));
        h.stopped_at = Some(now);
        h.updated_at = now;
    }
}

/// Adds an event, newest first, keeping at most 100.
pub(crate) fn add_event(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    message: String,
) {
    let id = cp.new_id();
    let s = id.as_str();
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        &s[..8],
        &s[8..12],
        &s[12..16],
        &s[16..20],
        &s[20..]
    );
    let record = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
        .expect("exists");
    let service_arn = record.doc.service_arn.clone();
    let event = ServiceEvent {
        id: uuid,
        created_at: now,
        message,
    };
    record.doc.events.insert(0, event.clone());
    record.doc.events.truncate(MAX_EVENTS);
    // Timelines show service events too: Berth's own detail-type, with the event as detail.
    cp.emit(now, "ECS Service Event", &service_arn, &event);
}

/// Counts a task of a deployment that stopped before it ever ran, and trips the circuit
/// breaker at its threshold: ⌈D/2⌉ clamped to 10..=200 (ECS_REFERENCE §7.3).
pub(crate) fn task_failed_to_start(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    deployment: &str,
) {
    count_failed_task(cp, now, cluster_name, service_name, deployment, true);
}

/// Counts a failed task of a deployment for its circuit breaker (tasks that never ran and
/// tasks that failed their health checks alike); only the first kind feeds the launch
/// back-off (`never_ran`).
pub(crate) fn count_failed_task(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    deployment: &str,
    never_ran: bool,
) {
    let Some(record) = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
    else {
        return;
    };
    let breaker = record
        .doc
        .deployment_configuration
        .deployment_circuit_breaker
        .clone();
    let desired = record.doc.desired_count;
    let Some(entry) = record
        .doc
        .deployments
        .iter_mut()
        .find(|d| d.id == deployment)
    else {
        return;
    };
    // Once a task of the deployment has run, only failed health checks count (§7.3).
    let counted = !never_ran || !record.ran.iter().any(|d| d == deployment);
    if counted {
        entry.failed_tasks += 1;
        entry.updated_at = now;
    }
    let threshold = desired.div_ceil(2).clamp(10, 200);
    let trips = breaker.enable
        && entry.rollout_state == RolloutState::InProgress
        && entry.failed_tasks >= threshold;
    // The launch back-off (§7.9): after a few failures in a row, wait before launching
    // again, twice as long after each further failed attempt up to 27 minutes, and say so
    // once per streak. Failures of tasks launched together count as one attempt.
    if never_ran {
        record.start_failures += 1;
    }
    let service_arn = record.doc.service_arn.clone();
    let backing_off = record.throttled_until.is_some_and(|until| until > now);
    if never_ran && record.start_failures >= messages::THROTTLE_AFTER_FAILURES && !backing_off {
        record.throttle_level += 1;
        let doublings = (record.throttle_level - 1).min(16);
        let delay =
            (messages::THROTTLE_FIRST_DELAY_MS << doublings).min(messages::THROTTLE_MAX_DELAY_MS);
        record.throttled_until = Some(now.plus_millis(delay));
        cp.wakeups.insert(now.plus_millis(delay));
        if record.throttle_level == 1 {
            add_event(
                cp,
                now,
                cluster_name,
                service_name,
                messages::service_throttled(service_name),
            );
            cp.emit_service_action(
                now,
                &service_arn,
                "WARN",
                "SERVICE_TASK_START_IMPAIRED",
                None,
                &[],
            );
        }
    }
    if !trips {
        return;
    }
    let record = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
        .expect("found above");
    let entry = record
        .doc
        .deployments
        .iter_mut()
        .find(|d| d.id == deployment)
        .expect("found above");
    entry.rollout_state = RolloutState::Failed;
    entry.rollout_state_reason = messages::CIRCUIT_BREAKER_FAILED.into();
    let failed_id = entry.id.clone();
    let rollback_to = record.last_completed.clone();
    crate::engine::deployments::tripped(
        record,
        &failed_id,
        now,
        breaker.rollback && rollback_to.is_some(),
        messages::CIRCUIT_BREAKER_FAILED,
    );
    add_event(
        cp,
        now,
        cluster_name,
        service_name,
        messages::unconfirmed_text("deployment-failed", &[&service_name, &failed_id]),
    );
    cp.emit_deployment_state(
        now,
        &service_arn,
        "ERROR",
        "SERVICE_DEPLOYMENT_FAILED",
        &failed_id,
        messages::CIRCUIT_BREAKER_EVENT_REASON,
    );
    if let (true, Some(task_definition)) = (breaker.rollback, rollback_to) {
        crate::engine::deployments::deploy(
            cp,
            now,
            cluster_name,
            service_name,
            task_definition,
            Some(messages::circuit_breaker_rollback(&failed_id)),
            Some(&failed_id),
        );
    }
}

/// The most events a service keeps.
const MAX_EVENTS: usize = 100;
