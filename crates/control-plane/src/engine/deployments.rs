//! A service's deployments: starting one (and its history), completing it, counting its failed
//! tasks for the circuit breaker and the launch back-off, rolling back, and the service's
//! events.

use crate::records::history::{History, Shift, Stages};
use crate::records::timers::Wake;
use crate::records::{last_segment, Out, ServiceRecord, State};
use berth_model::resources::{
    Deployment, DeploymentCircuitBreaker, DeploymentConfiguration, ServiceEvent,
};
use berth_model::states::{
    DeploymentLifecycleHookStage, DeploymentStatus, RolloutState, SchedulingStrategy,
    ServiceDeploymentLifecycleStage, ServiceDeploymentStatus, ThresholdType,
};
use berth_model::{messages, SimTime};
use serde_json::json;
use std::collections::BTreeMap;

/// A new deployment id, `ecs-svc/` and 19 digits.
pub(crate) fn deployment_id(cp: &mut State) -> String {
    let id = cp.new_id();
    let digits =
        u64::from_str_radix(&id.as_str()[..16], 16).unwrap_or(0) % 10_000_000_000_000_000_000;
    format!("ecs-svc/{digits:019}")
}

/// What each deployment of a ROLLING REPLICA service holds when a new one replaces it: the
/// tasks it runs, each replaced from its own revision if lost (ECS since 2025-11-14). A
/// rollback holds nothing: the revision it leaves is the one that failed.
fn rolling_holds(cp: &State, cluster: &str, service: &str, rollback: bool) -> Vec<(u64, u32)> {
    let Some(record) = cp.service(cluster, service) else {
        return Vec::new();
    };
    let rolling = record.doc.scheduling_strategy == SchedulingStrategy::Replica
        && !crate::engine::configuration::shifts_traffic(&record.doc.deployment_configuration);
    if rollback || !rolling {
        return Vec::new();
    }
    let mut holds: Vec<(u64, u32)> = Vec::new();
    let tasks = crate::records::table(&cp.clusters[cluster], service).values();
    for task in tasks.filter(|t| t.desired_running) {
        match holds.iter_mut().find(|(d, _)| *d == task.deployment) {
            Some((_, n)) => *n += 1,
            None => holds.push((task.deployment, 1)),
        }
    }
    holds.sort_unstable();
    holds
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
    let holds = rolling_holds(cp, cluster, service, rollback_of.is_some());
    let record = cp
        .service_mut(cluster, service)
        .expect("the service exists");
    record.holds = holds;
    record.rebalancing = false;
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
    // A traffic-shifting deployment's source keeps its tasks until CLEAN_UP.
    let source = record
        .history
        .last()
        .and_then(|h| h.shift.as_ref())
        .filter(|_| rollback_of.is_none())
        .and_then(|s| s.source.clone());
    let desired = record.doc.desired_count;
    if let Some(entry) = record
        .doc
        .deployments
        .iter_mut()
        .find(|d| Some(&d.id) == source.as_ref())
    {
        entry.desired_count = desired;
    }
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
    let shift = (!rollback
        && crate::engine::configuration::shifts_traffic(&doc.deployment_configuration))
    .then(|| new_shift(record, now));
    // A ROLLING deployment with hooks walks stages too; a rollback runs none of them (our
    // reading: its hooks would pause the way back).
    let rolling = (!rollback
        && shift.is_none()
        && !crate::engine::hooks::hooked(&doc.deployment_configuration).is_empty())
    .then(|| Stages {
        stage: if doc.deployments.len() > 2 {
            ServiceDeploymentLifecycleStage::ReconcileService
        } else {
            ServiceDeploymentLifecycleStage::PreScaleUp
        },
        since: now,
        hooks: Vec::new(),
    });
    // A deployment (or rollback) still in progress when another starts is stopped by it.
    for earlier in record
        .history
        .iter_mut()
        .filter(|h| IN_FLIGHT.contains(&h.status) && Some(h.id.as_str()) != rollback_of)
    {
        earlier.status = ServiceDeploymentStatus::Stopped;
        earlier.status_reason = Some(messages::operation_text("deployment-superseded", &[]));
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
        shift,
        rolling,
        triggered_alarms: Vec::new(),
        alarm_bake_until: None,
        digests: if rollback {
            rollback_digests(record, &deployment.task_definition)
        } else {
            BTreeMap::new()
        },
    };
    if !rollback {
        record.history.push(history);
    } else {
        // Kept for its revision (a later rollback may target it), never listed.
        record.hidden.push(history);
    }
}

/// A rollback runs the images the revision it returns to ran: the digests of the last
/// deployment of that task definition that completed (a new deployment resolves them anew).
fn rollback_digests(record: &ServiceRecord, task_definition: &str) -> BTreeMap<String, String> {
    record
        .history
        .iter()
        .chain(&record.hidden)
        .filter(|h| {
            h.status == ServiceDeploymentStatus::Successful
                && h.revision["taskDefinition"].as_str() == Some(task_definition)
        })
        .max_by_key(|h| h.created_at)
        .map(|h| h.digests.clone())
        .unwrap_or_default()
}

/// The stage machine of a new BLUE_GREEN, LINEAR or CANARY deployment (`deployments[0]`).
/// Its source is the revision in production: the previous PRIMARY's once it completed; when
/// that was a traffic-shifting deployment still under way, the one it was replacing; when it
/// was a ROLLING one still under way, the deployment of the revision that last completed (the
/// one that rolling update had not yet replaced). Any other revision with tasks is reconciled
/// away first.
fn new_shift(record: &ServiceRecord, now: SimTime) -> Shift {
    let doc = &record.doc;
    let previous = doc.deployments.get(1);
    let superseded = record
        .history
        .iter()
        .find(|h| Some(&h.id) == previous.map(|d| &d.id) && IN_FLIGHT.contains(&h.status))
        .and_then(|h| h.shift.as_ref());
    let source = match (superseded, previous) {
        (Some(superseded), _) => superseded.source.clone(),
        (None, Some(previous)) if previous.rollout_state != RolloutState::Completed => doc
            .deployments[1..]
            .iter()
            .find(|d| Some(&d.task_definition) == record.last_completed.as_ref())
            .unwrap_or(previous)
            .id
            .clone()
            .into(),
        (None, previous) => previous.map(|d| d.id.clone()),
    };
    let others = doc.deployments[1..]
        .iter()
        .any(|d| Some(&d.id) != source.as_ref());
    Shift {
        strategy: crate::engine::configuration::strategy(&doc.deployment_configuration),
        stage: if others {
            ServiceDeploymentLifecycleStage::ReconcileService
        } else {
            ServiceDeploymentLifecycleStage::PreScaleUp
        },
        since: now,
        step: 0,
        pre_done: false,
        shifted: false,
        production: 0.0,
        test: 0.0,
        // The new revision goes where production is not; a first one where it will be.
        alternate: record.production_alternate != source.is_some(),
        managed: doc.load_balancers.iter().any(|lb| {
            lb.advanced_configuration
                .as_ref()
                .is_some_and(|a| a.production_listener_rule.is_some())
        }),
        hooks: Vec::new(),
        rollback: None,
        source,
    }
}

/// The text of a rollback reason (`Shift::rollback`) for deployment `id`.
pub(crate) fn rollback_reason(
    key: &str,
    id: &str,
    stage: &ServiceDeploymentLifecycleStage,
    alarms: &[String],
) -> String {
    match key {
        "alarm" => messages::operation_text("shift-rollback-alarm", &[&id, &alarms.join(", ")]),
        "hook-failed" => messages::operation_text("shift-rollback-hook-failed", &[&id, &stage]),
        "hook-timed-out" => {
            messages::operation_text("shift-rollback-hook-timed-out", &[&id, &stage])
        }
        "circuit-breaker" => messages::operation_text("shift-rollback-circuit-breaker", &[&id]),
        _ => messages::operation_text("service-deployment-rollback", &[&id]),
    }
}

/// Starts rolling back the traffic-shifting deployment at `index` of the service's history
/// for `key`'s reason (`Shift::rollback`): the deployment FAILED, ROLLBACK_IN_PROGRESS toward
/// its source, with ECS's events. The stage machine's next step sets the weights back and
/// stops the new revision's tasks.
pub(crate) fn begin_rollback(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    index: usize,
    key: &str,
) {
    let Some((record, mut out)) = cp.service_and_out(cluster_name, service_name) else {
        return;
    };
    let source_revision = {
        let h = &record.history[index];
        let source = h.shift.as_ref().and_then(|s| s.source.clone());
        record
            .history
            .iter()
            .chain(&record.hidden)
            .find(|other| Some(&other.id) == source.as_ref())
            .map(|other| other.revision_arn.clone())
    };
    let h = &mut record.history[index];
    let Some(shift) = h.shift.as_mut() else {
        return;
    };
    if shift.rollback.is_some() {
        return;
    }
    shift.rollback = Some(key.to_owned());
    let reason = rollback_reason(key, &h.id, &shift.stage, &h.triggered_alarms);
    let stage = shift.stage.clone();
    if source_revision.is_some() {
        h.status = ServiceDeploymentStatus::RollbackInProgress;
        h.rollback = Some(json!({
            "reason": reason,
            "startedAt": now,
            "serviceRevisionArn": source_revision,
        }));
    }
    h.status_reason = Some(reason.clone());
    h.updated_at = now;
    let id = h.id.clone();
    if let Some(deployment) = record.doc.deployments.iter_mut().find(|d| d.id == id) {
        deployment.rollout_state = RolloutState::Failed;
        deployment.rollout_state_reason = reason.clone();
        deployment.updated_at = now;
    }
    let service_arn = record.doc.service_arn.clone();
    let why = match key {
        "hook-failed" => messages::operation_text("shift-failed-hook", &[&stage]),
        "hook-timed-out" => messages::operation_text("shift-failed-hook-timeout", &[&stage]),
        "stopped" => messages::operation_text("shift-failed-stopped", &[]),
        "alarm" => {
            messages::operation_text("shift-failed-alarm", &[&h.triggered_alarms.join(", ")])
        }
        _ => String::new(),
    };
    let message = if why.is_empty() {
        messages::operation_text("deployment-failed", &[&service_name, &id])
    } else {
        messages::operation_text("shift-deployment-failed", &[&service_name, &id, &why])
    };
    add_event(record, &mut out, now, message);
    out.emit_deployment_state(
        now,
        &service_arn,
        "ERROR",
        "SERVICE_DEPLOYMENT_FAILED",
        &id,
        &reason,
    );
    cp.dirty = true;
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

/// A deployment failed (its circuit breaker tripped, if `breaker`); without a rollback it
/// stops there.
pub(crate) fn failed(
    record: &mut ServiceRecord,
    id: &str,
    now: SimTime,
    rollback: bool,
    reason: &str,
    breaker: bool,
) {
    // A rollback whose own deployment fails has failed.
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
        h.tripped |= breaker;
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
        h.status_reason = Some(messages::operation_text("deployment-service-deleted", &[]));
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
    let event = ServiceEvent {
        id: out.new_id().hyphenated(),
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
/// breaker at its threshold ([`breaker_threshold`]).
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

/// The circuit breaker's failure threshold for `desired` tasks (API_ThresholdConfiguration,
/// ECS_SINCE_2024 §1.6): COUNT is the value itself; a percentage of the desired count is
/// rounded up, BOUNDED_PERCENT (50 % when absent) then clamped to 3..=200 (10..=200 before
/// 2024-01). A threshold is at least 1: a breaker never trips before a task has failed.
pub(crate) fn breaker_threshold(breaker: &DeploymentCircuitBreaker, desired: u32) -> u32 {
    let (kind, value) = breaker
        .threshold_configuration
        .as_ref()
        .map_or((ThresholdType::BoundedPercent, 50), |t| {
            (t.r#type.clone(), t.value)
        });
    let value = value.clamp(1, i64::from(u32::MAX)) as u64;
    let percent = (u64::from(desired) * value)
        .div_ceil(100)
        .min(u64::from(u32::MAX)) as u32;
    match kind {
        ThresholdType::Count => value as u32,
        ThresholdType::UnboundedPercent => percent.max(1),
        _ => percent.clamp(3, 200),
    }
}

/// Whether a task that runs, or becomes healthy, sets its deployment's failure count back to
/// 0 (`resetOnHealthyTask`, true when absent).
pub(crate) fn resets_on_healthy_task(breaker: &DeploymentCircuitBreaker) -> bool {
    breaker.reset_on_healthy_task != Some(false)
}

/// The launch back-off's wait at `level` (1 for the first): 30 s, twice as long at each
/// further level, at most 27 minutes.
pub(crate) fn back_off_delay(level: u32) -> u64 {
    let doublings = level.saturating_sub(1).min(16);
    (messages::THROTTLE_FIRST_DELAY_MS << doublings).min(messages::THROTTLE_MAX_DELAY_MS)
}

/// Marks tasks the service counts healthy for the first time; each sets its deployment's
/// failure count back to 0, unless the breaker's `resetOnHealthyTask` is false.
pub(crate) fn count_healthy(
    cp: &mut State,
    cluster_name: &str,
    service_name: &str,
    tasks: &[crate::records::TaskKey],
) {
    let Some(cluster) = cp.clusters.get_mut(cluster_name) else {
        return;
    };
    for key in tasks {
        let Some(record) = cluster.tasks.get_mut(key) else {
            continue;
        };
        record.seen_healthy = true;
        let deployment = record.task.started_by.clone();
        cluster.sync(*key);
        let Some(service) = cluster.services.get_mut(service_name) else {
            continue;
        };
        let resets = resets_on_healthy_task(
            &service
                .doc
                .deployment_configuration
                .deployment_circuit_breaker,
        );
        if let Some(entry) = service
            .doc
            .deployments
            .iter_mut()
            .find(|d| Some(&d.id) == deployment.as_ref() && resets)
        {
            entry.failed_tasks = 0;
        }
    }
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
        && failed_tasks >= breaker_threshold(breaker, record.doc.desired_count);
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

/// A service's record and the index of its deployment `deployment` in `deployments`.
fn deployment_of<'s>(
    cp: &'s mut State,
    cluster_name: &str,
    service_name: &str,
    deployment: &str,
) -> Option<(&'s mut ServiceRecord, usize)> {
    let record = cp.service_mut(cluster_name, service_name)?;
    let index = record
        .doc
        .deployments
        .iter()
        .position(|d| d.id == deployment)?;
    Some((record, index))
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
    let Some((record, index)) = deployment_of(cp, cluster_name, service_name, deployment) else {
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
    if verdict.trips {
        fail(
            cp,
            now,
            cluster_name,
            service_name,
            deployment,
            &Failure::CircuitBreaker,
        );
    }
}

/// Why a deployment failed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Failure {
    /// Its circuit breaker tripped.
    CircuitBreaker,
    /// These of its deployment alarms went into ALARM.
    Alarms(Vec<String>),
    /// A ROLLING deployment's lifecycle hook at this stage failed, or timed out with its
    /// action ROLLBACK (`timed_out`).
    Hook {
        stage: DeploymentLifecycleHookStage,
        timed_out: bool,
    },
}

impl Failure {
    /// Whether the configuration rolls a deployment failed so back.
    fn rolls_back(&self, config: &DeploymentConfiguration) -> bool {
        match self {
            Failure::CircuitBreaker => config.deployment_circuit_breaker.rollback,
            Failure::Alarms(_) => config.alarms.as_ref().is_some_and(|a| a.rollback),
            // The hook's answer, or its timeout action, asked for the rollback.
            Failure::Hook { .. } => true,
        }
    }

    /// The deployment's `rolloutStateReason` (and the history's `statusReason`).
    fn reason(&self) -> String {
        match self {
            Failure::CircuitBreaker => messages::CIRCUIT_BREAKER_FAILED.into(),
            Failure::Alarms(names) => {
                messages::operation_text("alarm-failed", &[&names.join(", ")])
            }
            Failure::Hook { stage, timed_out } => {
                let key = if *timed_out {
                    "hook-timed-out-reason"
                } else {
                    "hook-failed-reason"
                };
                messages::operation_text(key, &[&stage])
            }
        }
    }

    /// The SERVICE_DEPLOYMENT_FAILED event's reason.
    fn event_reason(&self) -> String {
        match self {
            Failure::CircuitBreaker => messages::CIRCUIT_BREAKER_EVENT_REASON.into(),
            Failure::Alarms(_) | Failure::Hook { .. } => self.reason(),
        }
    }

    /// The service event.
    fn event(&self, service: &str, id: &str) -> String {
        match self {
            Failure::CircuitBreaker => {
                messages::operation_text("deployment-failed", &[&service, &id])
            }
            Failure::Alarms(names) => messages::operation_text(
                "deployment-failed-alarm",
                &[&service, &id, &names.join(", ")],
            ),
            Failure::Hook { stage, timed_out } => {
                let key = if *timed_out {
                    "shift-failed-hook-timeout"
                } else {
                    "shift-failed-hook"
                };
                let why = messages::operation_text(key, &[&stage]);
                messages::operation_text("shift-deployment-failed", &[&service, &id, &why])
            }
        }
    }

    /// The rollback deployment's `rolloutStateReason`.
    fn rollback_reason(&self, failed: &str) -> String {
        match self {
            Failure::CircuitBreaker => messages::circuit_breaker_rollback(failed),
            Failure::Alarms(_) => messages::operation_text("alarm-rollback", &[&failed]),
            Failure::Hook { .. } => messages::operation_text("hook-rollback", &[&failed]),
        }
    }

    /// The key of a traffic-shifting deployment's rollback (`Shift::rollback`).
    fn shift_key(&self) -> &'static str {
        match self {
            Failure::CircuitBreaker => "circuit-breaker",
            Failure::Alarms(_) => "alarm",
            Failure::Hook {
                timed_out: false, ..
            } => "hook-failed",
            Failure::Hook {
                timed_out: true, ..
            } => "hook-timed-out",
        }
    }
}

/// Fails deployment `deployment` of a service for `failure`: a traffic-shifting one that
/// rolls back goes back to its source at once (`begin_rollback`); any other is FAILED
/// (starting no new tasks) and, if it rolls back, a new deployment of the last completed
/// revision begins.
pub(crate) fn fail(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    deployment: &str,
    failure: &Failure,
) {
    let Some((record, index)) = deployment_of(cp, cluster_name, service_name, deployment) else {
        return;
    };
    let rolls_back = failure.rolls_back(&record.doc.deployment_configuration);
    // A traffic-shifting deployment goes back to its source, which is still running.
    let shifting = record.history.iter().position(|h| {
        h.id == deployment
            && h.status == ServiceDeploymentStatus::InProgress
            && h.shift.as_ref().is_some_and(|s| s.source.is_some())
    });
    if let (Some(at), true) = (shifting, rolls_back) {
        if *failure == Failure::CircuitBreaker {
            record.history[at].tripped = true;
        }
        begin_rollback(cp, now, cluster_name, service_name, at, failure.shift_key());
        return;
    }
    let reason = failure.reason();
    let service_arn = record.doc.service_arn.clone();
    let rollback_to = rolls_back.then(|| record.last_completed.clone()).flatten();
    let entry = &mut record.doc.deployments[index];
    entry.rollout_state = RolloutState::Failed;
    entry.rollout_state_reason = reason.clone();
    entry.updated_at = now;
    let failed_id = entry.id.clone();
    failed(
        record,
        &failed_id,
        now,
        rollback_to.is_some(),
        &reason,
        *failure == Failure::CircuitBreaker,
    );
    add_events(
        cp,
        now,
        cluster_name,
        service_name,
        [failure.event(service_name, &failed_id)],
    );
    cp.out().emit_deployment_state(
        now,
        &service_arn,
        "ERROR",
        "SERVICE_DEPLOYMENT_FAILED",
        &failed_id,
        &failure.event_reason(),
    );
    if let Some(task_definition) = rollback_to {
        deploy(
            cp,
            now,
            cluster_name,
            service_name,
            task_definition,
            Some(failure.rollback_reason(&failed_id)),
            Some(&failed_id),
        );
    }
}

/// The most events a service keeps.
const MAX_EVENTS: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;
    use berth_model::resources::ThresholdConfiguration;

    /// A service of `desired` tasks with its breaker as given, deploying `ecs-svc/2` after
    /// `ecs-svc/1` (of `web:1`) completed.
    fn service(desired: u32, enable: bool, rollback: bool) -> ServiceRecord {
        let mut record = ServiceRecord::default();
        record.doc.desired_count = desired;
        record
            .doc
            .deployment_configuration
            .deployment_circuit_breaker = DeploymentCircuitBreaker {
            enable,
            rollback,
            ..DeploymentCircuitBreaker::default()
        };
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

    /// A blue/green deployment that supersedes a ROLLING one still under way keeps the
    /// revision that last completed as blue and reconciles the other away; after a completed
    /// one, the previous PRIMARY is blue and nothing is reconciled.
    #[test]
    fn a_shift_takes_the_revision_in_production_as_its_source() {
        let mut record = service(2, false, false);
        let deployment = |id: &str, td: &str, state| Deployment {
            id: id.into(),
            task_definition: td.into(),
            rollout_state: state,
            ..Deployment::default()
        };
        record.doc.deployments = vec![
            deployment("ecs-svc/3", "web:3", RolloutState::InProgress),
            deployment("ecs-svc/2", "web:2", RolloutState::InProgress),
            deployment("ecs-svc/1", "web:1", RolloutState::Completed),
        ];
        let shift = new_shift(&record, NOW);
        assert_eq!(shift.source.as_deref(), Some("ecs-svc/1"));
        assert_eq!(
            shift.stage,
            ServiceDeploymentLifecycleStage::ReconcileService
        );

        record.doc.deployments.remove(2);
        record.doc.deployments[1].rollout_state = RolloutState::Completed;
        let shift = new_shift(&record, NOW);
        assert_eq!(shift.source.as_deref(), Some("ecs-svc/2"));
        assert_eq!(shift.stage, ServiceDeploymentLifecycleStage::PreScaleUp);
    }

    fn threshold(kind: ThresholdType, value: i64) -> DeploymentCircuitBreaker {
        DeploymentCircuitBreaker {
            threshold_configuration: Some(ThresholdConfiguration {
                r#type: kind,
                value,
            }),
            ..DeploymentCircuitBreaker::default()
        }
    }

    #[test]
    fn the_default_threshold_is_half_the_desired_count_within_3_and_200() {
        let default = DeploymentCircuitBreaker::default();
        assert_eq!(breaker_threshold(&default, 0), 3);
        // "The failure threshold for a service with 3 tasks is now 3 (v/s 10 earlier)."
        assert_eq!(breaker_threshold(&default, 3), 3);
        assert_eq!(breaker_threshold(&default, 7), 4);
        assert_eq!(breaker_threshold(&default, 21), 11);
        assert_eq!(breaker_threshold(&default, 400), 200);
        assert_eq!(breaker_threshold(&default, u32::MAX), 200);
        let bounded = threshold(ThresholdType::BoundedPercent, 50);
        assert_eq!(breaker_threshold(&bounded, 21), 11);
    }

    #[test]
    fn a_count_is_the_threshold_and_an_unbounded_percentage_is_not_clamped() {
        assert_eq!(
            breaker_threshold(&threshold(ThresholdType::Count, 1), 400),
            1
        );
        assert_eq!(
            breaker_threshold(&threshold(ThresholdType::Count, 500), 4),
            500
        );
        let unbounded = threshold(ThresholdType::UnboundedPercent, 25);
        assert_eq!(breaker_threshold(&unbounded, 2000), 500);
        assert_eq!(breaker_threshold(&unbounded, 4), 1);
        assert_eq!(breaker_threshold(&unbounded, 0), 1);
        let bounded = threshold(ThresholdType::BoundedPercent, 10);
        assert_eq!(breaker_threshold(&bounded, 4), 3);
    }

    #[test]
    fn the_breaker_trips_at_the_threshold_and_rolls_back_to_the_completed_revision() {
        let record = service(4, true, true);
        let below = judge(&record, &deployment(1), false, NOW);
        assert!(below.counted && !below.trips && below.rollback_to.is_none());
        let at = judge(&record, &deployment(2), false, NOW);
        assert!(at.trips);
        assert_eq!(at.rollback_to.as_deref(), Some("web:1"));
    }

    #[test]
    fn without_rollback_or_a_completed_revision_a_tripped_deployment_just_fails() {
        let verdict = judge(&service(4, true, false), &deployment(2), false, NOW);
        assert!(verdict.trips && verdict.rollback_to.is_none());
        let mut first = service(4, true, true);
        first.last_completed = None;
        let verdict = judge(&first, &deployment(2), false, NOW);
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
        let never_ran = judge(&record, &deployment(2), true, NOW);
        assert!(!never_ran.counted && !never_ran.trips);
        let unhealthy = judge(&record, &deployment(2), false, NOW);
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
