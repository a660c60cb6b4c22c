//! A service's deployments: starting one (and its history), completing it, counting its failed
//! tasks for the circuit breaker and the launch back-off, rolling back, and the service's
//! events.

use crate::records::timers::Wake;
use crate::records::{history::History, last_segment, Out, ServiceRecord, State};
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
    cp.out().emit_deployment_state(
        now,
        &service_arn,
        "INFO",
        "SERVICE_DEPLOYMENT_IN_PROGRESS",
        &id,
        &reason,
    );
}

/// The service-deployment states of one still under way.
const IN_FLIGHT: [ServiceDeploymentStatus; 3] = [
    ServiceDeploymentStatus::InProgress,
    ServiceDeploymentStatus::RollbackRequested,
    ServiceDeploymentStatus::RollbackInProgress,
];

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
    for earlier in record
        .history
        .iter_mut()
        .filter(|h| IN_FLIGHT.contains(&h.status) && Some(h.id.as_str()) != rollback_of)
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
        "loadBalancers": doc.load_balancers,
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
    for h in record
        .history
        .iter_mut()
        .filter(|h| IN_FLIGHT.contains(&h.status))
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

/// Adds an event to a service, newest first, keeping at most 100.
pub(crate) fn add_event(
    service: &mut ServiceRecord,
    out: &mut Out<'_>,
    now: SimTime,
    message: String,
) {
    let id = out.new_id();
    let s = id.as_str();
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        &s[..8],
        &s[8..12],
        &s[12..16],
        &s[16..20],
        &s[20..]
    );
    let event = ServiceEvent {
        id: uuid,
        created_at: now,
        message,
    };
    service.doc.events.insert(0, event.clone());
    service.doc.events.truncate(MAX_EVENTS);
    // Timelines show service events too: Berth's own detail-type, with the event as detail.
    let service_arn = service.doc.service_arn.clone();
    out.emit(now, "ECS Service Event", &service_arn, &event);
}

/// Adds events to the service `service_name` of the cluster `cluster_name`, if it is there.
pub(crate) fn add_events(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    messages: impl IntoIterator<Item = String>,
) {
    if let Some((service, mut out)) = cp.service_and_out(cluster_name, service_name) {
        for message in messages {
            add_event(service, &mut out, now, message);
        }
    }
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

/// What one failed task does to its deployment and service, decided before anything changes
/// (ECS_REFERENCE §7.3, §7.9).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// It counts toward the circuit breaker: once a task of the deployment has run, only
    /// failed health checks do.
    pub(crate) counted: bool,
    /// The circuit breaker trips: the deployment has FAILED ...
    pub(crate) trips: bool,
    /// ... and rolls back to this task definition (rollback on, and a deployment completed
    /// before: a service's first deployment has nothing to go back to).
    pub(crate) rollback_to: Option<String>,
    /// The launch back-off: the service waits this long before launching again.
    pub(crate) back_off_ms: Option<u64>,
}

/// The circuit breaker's failure threshold: ⌈D/2⌉ clamped to 10..=200.
pub(crate) fn breaker_threshold(desired: u32) -> u32 {
    desired.div_ceil(2).clamp(10, 200)
}

/// The launch back-off's wait at `level` (1 for the first): 30 s, twice as long at each
/// further level, at most 27 minutes.
pub(crate) fn back_off_delay(level: u32) -> u64 {
    let doublings = level.saturating_sub(1).min(16);
    (messages::THROTTLE_FIRST_DELAY_MS << doublings).min(messages::THROTTLE_MAX_DELAY_MS)
}

/// Judges a failed task of `deployment` (a task that never ran, or one that failed its health
/// checks) at `now`.
pub(crate) fn judge(
    record: &ServiceRecord,
    deployment: &Deployment,
    never_ran: bool,
    now: SimTime,
) -> Verdict {
    let breaker = &record
        .doc
        .deployment_configuration
        .deployment_circuit_breaker;
    let counted = !never_ran || !record.ran.contains(&deployment.id);
    let failed_tasks = deployment.failed_tasks + u32::from(counted);
    let trips = breaker.enable
        && deployment.rollout_state == RolloutState::InProgress
        && failed_tasks >= breaker_threshold(record.doc.desired_count);
    // After a few failures to start in a row, wait before launching again; failures of
    // tasks launched together count as one attempt, so a wait already running is not
    // lengthened.
    let start_failures = record.start_failures + u32::from(never_ran);
    let backing_off = record.throttled_until.is_some_and(|until| until > now);
    let back_off_ms =
        (never_ran && start_failures >= messages::THROTTLE_AFTER_FAILURES && !backing_off)
            .then(|| back_off_delay(record.throttle_level + 1));
    Verdict {
        counted,
        trips,
        rollback_to: (trips && breaker.rollback)
            .then(|| record.last_completed.clone())
            .flatten(),
        back_off_ms,
    }
}

/// Counts a failed task of a deployment for its circuit breaker (tasks that never ran and
/// tasks that failed their health checks alike); only the first kind feeds the launch
/// back-off (`never_ran`). A tripped breaker fails the deployment and may roll it back.
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
    let Some(index) = record
        .doc
        .deployments
        .iter()
        .position(|d| d.id == deployment)
    else {
        return;
    };
    let verdict = judge(record, &record.doc.deployments[index], never_ran, now);
    let entry = &mut record.doc.deployments[index];
    if verdict.counted {
        entry.failed_tasks += 1;
        entry.updated_at = now;
    }
    if never_ran {
        record.start_failures += 1;
    }
    let service_arn = record.doc.service_arn.clone();
    if let Some(delay) = verdict.back_off_ms {
        record.throttle_level += 1;
        record.throttled_until = Some(now.plus_millis(delay));
        let first = record.throttle_level == 1;
        cp.timers.arm(now.plus_millis(delay), Wake::BackOffEnds);
        if first {
            add_events(
                cp,
                now,
                cluster_name,
                service_name,
                [messages::service_throttled(service_name)],
            );
            cp.out().emit_service_action(
                now,
                &service_arn,
                "WARN",
                "SERVICE_TASK_START_IMPAIRED",
                None,
                &[],
            );
        }
    }
    if !verdict.trips {
        return;
    }
    let record = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
        .expect("found above");
    let entry = &mut record.doc.deployments[index];
    entry.rollout_state = RolloutState::Failed;
    entry.rollout_state_reason = messages::CIRCUIT_BREAKER_FAILED.into();
    let failed_id = entry.id.clone();
    crate::engine::deployments::tripped(
        record,
        &failed_id,
        now,
        verdict.rollback_to.is_some(),
        messages::CIRCUIT_BREAKER_FAILED,
    );
    add_events(
        cp,
        now,
        cluster_name,
        service_name,
        [messages::unconfirmed_text(
            "deployment-failed",
            &[&service_name, &failed_id],
        )],
    );
    cp.out().emit_deployment_state(
        now,
        &service_arn,
        "ERROR",
        "SERVICE_DEPLOYMENT_FAILED",
        &failed_id,
        messages::CIRCUIT_BREAKER_EVENT_REASON,
    );
    if let Some(task_definition) = verdict.rollback_to {
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

#[cfg(test)]
mod tests {
    use super::*;
    use berth_model::resources::DeploymentCircuitBreaker;

    /// A service of `desired` tasks with its breaker as given, deploying `ecs-svc/2` after
    /// `ecs-svc/1` (of `web:1`) completed.
    fn service(desired: u32, enable: bool, rollback: bool) -> ServiceRecord {
        let mut record = ServiceRecord::default();
        record.doc.desired_count = desired;
        record
            .doc
            .deployment_configuration
            .deployment_circuit_breaker = DeploymentCircuitBreaker { enable, rollback };
        record.last_completed = Some("web:1".into());
        record
    }

    fn deployment(failed_tasks: u32) -> Deployment {
        Deployment {
            id: "ecs-svc/2".into(),
            rollout_state: RolloutState::InProgress,
            failed_tasks,
            ..Deployment::default()
        }
    }

    const NOW: SimTime = SimTime::ZERO;

    #[test]
    fn the_threshold_is_half_the_desired_count_within_10_and_200() {
        assert_eq!(breaker_threshold(0), 10);
        assert_eq!(breaker_threshold(19), 10);
        assert_eq!(breaker_threshold(21), 11);
        assert_eq!(breaker_threshold(400), 200);
        assert_eq!(breaker_threshold(u32::MAX), 200);
    }

    #[test]
    fn the_breaker_trips_at_the_threshold_and_rolls_back_to_the_completed_revision() {
        let record = service(4, true, true);
        let below = judge(&record, &deployment(8), false, NOW);
        assert!(below.counted && !below.trips && below.rollback_to.is_none());
        let at = judge(&record, &deployment(9), false, NOW);
        assert!(at.trips);
        assert_eq!(at.rollback_to.as_deref(), Some("web:1"));
    }

    #[test]
    fn without_rollback_or_a_completed_revision_a_tripped_deployment_just_fails() {
        let verdict = judge(&service(4, true, false), &deployment(9), false, NOW);
        assert!(verdict.trips && verdict.rollback_to.is_none());
        let mut first = service(4, true, true);
        first.last_completed = None;
        let verdict = judge(&first, &deployment(9), false, NOW);
        assert!(verdict.trips && verdict.rollback_to.is_none());
    }

    #[test]
    fn a_disabled_breaker_or_a_settled_deployment_never_trips() {
        assert!(!judge(&service(4, false, true), &deployment(50), false, NOW).trips);
        let mut done = deployment(50);
        done.rollout_state = RolloutState::Completed;
        assert!(!judge(&service(4, true, true), &done, false, NOW).trips);
    }

    #[test]
    fn once_a_task_ran_only_failed_health_checks_count() {
        let mut record = service(4, true, true);
        record.ran.push("ecs-svc/2".into());
        let never_ran = judge(&record, &deployment(9), true, NOW);
        assert!(!never_ran.counted && !never_ran.trips);
        let unhealthy = judge(&record, &deployment(9), false, NOW);
        assert!(unhealthy.counted && unhealthy.trips);
    }

    #[test]
    fn the_back_off_starts_at_the_third_failure_to_start_and_doubles_to_27_minutes() {
        let mut record = service(4, false, false);
        record.start_failures = 1;
        assert_eq!(judge(&record, &deployment(0), true, NOW).back_off_ms, None);
        record.start_failures = 2;
        assert_eq!(
            judge(&record, &deployment(0), true, NOW).back_off_ms,
            Some(30_000)
        );
        // Health-check failures never feed it.
        assert_eq!(judge(&record, &deployment(0), false, NOW).back_off_ms, None);
        record.throttle_level = 2;
        assert_eq!(
            judge(&record, &deployment(0), true, NOW).back_off_ms,
            Some(120_000)
        );
        assert_eq!(back_off_delay(7), 27 * 60 * 1000);
        assert_eq!(back_off_delay(40), 27 * 60 * 1000);
        // A wait already running is not lengthened by the tasks launched with the first.
        record.throttled_until = Some(NOW.plus_millis(1));
        assert_eq!(judge(&record, &deployment(0), true, NOW).back_off_ms, None);
    }
}
