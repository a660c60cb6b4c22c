//! The service scheduler: keeps each REPLICA service at its desired count and walks rolling
//! deployments through minimumHealthyPercent and maximumPercent (ECS_REFERENCE §7.5).
//!
//! One step, run after every input:
//! 1. `maxTasks = ⌊D × maximumPercent / 100⌋`, `minHealthy = ⌈D × minimumHealthyPercent / 100⌉`.
//! 2. Start PRIMARY tasks while the service has fewer than `maxTasks` RUNNING + PENDING tasks
//!    and the PRIMARY deployment fewer than D (none once its circuit breaker has tripped).
//! 3. Stop tasks of older deployments: PENDING and unhealthy ones first, then healthy ones
//!    while the healthy count stays at least `minHealthy`; stop PRIMARY tasks beyond D. A
//!    RUNNING task that does not count as healthy yet (below) is not unhealthy: it is left
//!    until it counts, unless the healthy tasks make `minHealthy` without it, so an update
//!    right after a start does not kill the tasks it started.
//! 4. When neither bound lets the deployment move, say so once (the 100/100 event); when a
//!    task cannot be placed, write ECS's "unable to place" event with the closest match, once
//!    per cause.
//! 5. When the PRIMARY deployment has D healthy tasks and older ones have none, it is
//!    COMPLETED, the older deployments go, and the service has reached a steady state.
//!
//! Tasks on a DRAINING instance are replaced like an older deployment's: PENDING ones stop at
//! once, RUNNING ones within the same two bounds (ECS_REFERENCE §8).
//!
//! A task counts as healthy once RUNNING and, if an essential container has a health check,
//! HEALTHY; otherwise 40 s after it started running (`HEALTH_WAIT_MS`), for which a wake-up
//! is armed.

use crate::engine::deployments::{add_event, count_failed_task};
use crate::engine::launch::{definition_constraints, launch_task, next_subnet};
use crate::engine::launch::{FargateNetwork, Launch, Target};
use crate::records::{
    deployment_number, resolve, service_tasks, ClusterRecord, Phase, ServiceTask, State, TaskKey,
};
use berth_model::states::{
    LaunchType, RolloutState, SchedulingStrategy, ServiceStatus, StabilityStatus, TaskSetStatus,
    TaskStatus, TaskStopCode,
};
use berth_model::{messages, SimTime};
use berth_scheduler::{compile_constraints, compile_strategies, Detail, PlacementRequest};

/// How long a task without health checks must run before a service counts it healthy.
pub(crate) const HEALTH_WAIT_MS: u64 = 40_000;

/// Runs a step for every service of every cluster.
pub(crate) fn reconcile_all(cp: &mut State, now: SimTime) {
    // Capacity that came (an instance registered, a task stopped) goes first to the tasks
    // that have waited for it.
    crate::engine::launch::place_waiting(cp, now);
    let services: Vec<(String, String)> = cp
        .clusters
        .iter()
        .filter(|(_, c)| c.active)
        .flat_map(|(cluster, c)| c.services.keys().map(move |s| (cluster.clone(), s.clone())))
        .collect();
    for (cluster, service) in services {
        reconcile(cp, now, &cluster, &service);
    }
}

/// The service's table: what the scheduler needs of each of its unstopped tasks.
fn service_table<'c>(
    cluster: &'c ClusterRecord,
    service_name: &str,
) -> impl Iterator<Item = (&'c TaskKey, &'c ServiceTask)> + 'c {
    cluster
        .service_tasks
        .get(service_name)
        .into_iter()
        .flatten()
}

/// Debug builds hold the service's table to the task records it summarises: every entry is
/// what [`ServiceTask::of`] makes of its task, and every unstopped task has an entry.
#[cfg(debug_assertions)]
fn check_table(cluster: &ClusterRecord, service_name: &str) {
    let mut entries = 0;
    for (key, entry) in service_table(cluster, service_name) {
        let record = cluster.tasks.get(key).expect("a table entry's task exists");
        assert_eq!(
            ServiceTask::of(record).as_ref(),
            Some(entry),
            "the table entry of task {} is out of date",
            key.id()
        );
        entries += 1;
    }
    let unstopped = cluster
        .tasks
        .values()
        .filter(|t| {
            t.service.as_deref() == Some(service_name) && t.task.last_status != TaskStatus::Stopped
        })
        .count();
    assert_eq!(
        entries, unstopped,
        "every unstopped task of service {service_name} is in its table"
    );
}

/// A snapshot of one of the service's live tasks (desiredStatus RUNNING).
struct Live {
    key: TaskKey,
    /// On a DRAINING instance: to be replaced like an older deployment's task.
    draining: bool,
    /// Of the PRIMARY deployment.
    primary: bool,
    /// The number of the deployment that started it.
    deployment: u64,
    /// Scale-in protected: neither scale-in nor a deployment stops it yet.
    protected: bool,
    healthy: bool,
    /// RUNNING, not failing its health checks, but not counted as healthy yet (its first 40 s,
    /// or health checks not passed yet). It is not unhealthy: a deployment does not stop it
    /// outside minimumHealthyPercent, it waits until the task counts.
    warming: bool,
    /// Not yet RUNNING (PROVISIONING or PENDING).
    pending: bool,
    /// When a task without health checks will count as healthy.
    ready_at: Option<SimTime>,
}

pub(crate) fn reconcile(cp: &mut State, now: SimTime, cluster_name: &str, service_name: &str) {
    let Some(cluster) = cp.clusters.get(cluster_name) else {
        return;
    };
    let Some(record) = cluster.services.get(service_name) else {
        return;
    };
    if record.doc.status == ServiceStatus::Inactive {
        return;
    }
    if record.doc.scheduling_strategy == SchedulingStrategy::Daemon {
        return reconcile_daemon(cp, now, cluster_name, service_name);
    }
    if crate::records::is_external(&record.doc.deployment_controller) {
        return reconcile_task_sets(cp, now, cluster_name, service_name);
    }
    #[cfg(debug_assertions)]
    check_table(cluster, service_name);
    let primary_number = deployment_number(&record.doc.deployments[0].id);
    let fleet = cluster.fleet.instances();
    let mut live: Vec<Live> = Vec::with_capacity(
        cluster
            .service_tasks
            .get(service_name)
            .map_or(0, |table| table.len()),
    );
    // Tasks whose container health checks failed are replaced: stopped first, and not
    // counted with the live ones; failures within the health check grace period after a task
    // started are ignored (§7.5), and the service looks again when the period ends.
    let grace_ms = u64::from(record.doc.health_check_grace_period_seconds.unwrap_or(0)) * 1000;
    let in_grace = |t: &ServiceTask| {
        t.started_at
            .is_some_and(|at| now < at.plus_millis(grace_ms))
    };
    let failing = |t: &ServiceTask| {
        t.desired_running && t.phase == Phase::Running && t.health_checked && t.unhealthy
    };
    let failed_health: Vec<TaskKey> = service_table(cluster, service_name)
        .filter(|(_, t)| failing(t) && !in_grace(t))
        .map(|(key, _)| *key)
        .collect();
    let grace_ends: Vec<SimTime> = service_table(cluster, service_name)
        .filter(|(_, t)| failing(t) && in_grace(t))
        .filter_map(|(_, t)| t.started_at.map(|at| at.plus_millis(grace_ms)))
        .collect();
    cp.wakeups.extend(grace_ends);
    let cluster = &cp.clusters[cluster_name];
    live.extend(
        service_table(cluster, service_name)
            .filter(|(key, t)| t.desired_running && !failed_health.contains(key))
            .map(|(key, t)| {
                let running = t.phase == Phase::Running;
                let ready_at = (running && !t.health_checked)
                    .then(|| t.started_at.map(|at| at.plus_millis(HEALTH_WAIT_MS)))
                    .flatten();
                let healthy = running
                    && if t.health_checked {
                        t.healthy
                    } else {
                        ready_at.is_some_and(|at| now >= at)
                    };
                Live {
                    warming: running && !healthy && !(t.health_checked && t.unhealthy),
                    key: *key,
                    draining: t.instance.is_some_and(|i| {
                        fleet[i].status == berth_scheduler::InstanceStatus::Draining
                    }),
                    primary: t.deployment == primary_number,
                    deployment: t.deployment,
                    protected: t.protected_until.is_some_and(|until| until > now),
                    ready_at,
                    healthy,
                    // PROVISIONING (waiting for capacity) counts too: scale-in takes
                    // what has not started first.
                    pending: t.phase != Phase::Running,
                }
            }),
    );
    // Protection that expires lets the service move again then.
    for until in service_table(cluster, service_name)
        .filter_map(|(_, t)| t.protected_until)
        .filter(|until| *until > now)
    {
        cp.wakeups.insert(until);
    }
    // Arm the 40-second wake-ups for tasks that will become healthy by waiting.
    for ready in live
        .iter()
        .filter_map(|t| t.ready_at)
        .filter(|at| *at > now)
    {
        cp.wakeups.insert(ready);
    }
    let cluster = &cp.clusters[cluster_name];
    let record = &cluster.services[service_name];
    let desired = if record.doc.status == ServiceStatus::Active {
        record.doc.desired_count
    } else {
        0
    };
    let failed_reason = messages::unconfirmed_text("task-failed-health-checks", &[]);
    for key in &failed_health {
        stop_task(cp, now, cluster_name, *key, &failed_reason);
        let deployment = cp.clusters[cluster_name].tasks[key].task.started_by.clone();
        if let Some(deployment) = deployment {
            count_failed_task(cp, now, cluster_name, service_name, &deployment, false);
        }
    }
    let mut events: Vec<String> = failed_health
        .iter()
        .map(|key| {
            messages::unconfirmed_text("service-task-unhealthy", &[&service_name, &key.id()])
        })
        .collect();
    let cluster = &cp.clusters[cluster_name];
    let record = &cluster.services[service_name];
    if deployment_number(&record.doc.deployments[0].id) != primary_number {
        // The failures tripped the circuit breaker into a rollback: say what was stopped,
        // then step again afresh.
        let ids: Vec<String> = failed_health.iter().map(|key| key.id()).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        events.push(messages::service_stopped(service_name, &ids));
        for message in events {
            add_event(cp, now, cluster_name, service_name, message);
        }
        cp.dirty = true;
        return;
    }
    let config = &record.doc.deployment_configuration;
    // In u64: a large desired count times a large percentage must not wrap.
    let max_tasks = (u64::from(desired) * u64::from(config.maximum_percent) / 100)
        .min(u64::from(u32::MAX)) as u32;
    let min_healthy = (u64::from(desired) * u64::from(config.minimum_healthy_percent))
        .div_ceil(100)
        .min(u64::from(u32::MAX)) as u32;
    let primary = record.doc.deployments[0].clone();
    // Tasks of older deployments and tasks on DRAINING instances are replaced alike (§8).
    let primary_live: Vec<&Live> = live.iter().filter(|t| t.primary && !t.draining).collect();
    let old_live: Vec<&Live> = live.iter().filter(|t| !t.primary || t.draining).collect();
    let healthy_total = live.iter().filter(|t| t.healthy).count() as u32;

    // 2. Start PRIMARY tasks within maximumPercent.
    let mut started = Vec::new();
    let room = max_tasks.saturating_sub(live.len() as u32);
    let wanted = desired.saturating_sub(primary_live.len() as u32);
    let throttled = record.throttled_until.filter(|until| *until > now);
    if let Some(until) = throttled {
        cp.wakeups.insert(until);
    }
    let to_start = if primary.rollout_state == RolloutState::Failed || throttled.is_some() {
        0
    } else {
        wanted.min(room)
    };
    let mut placement_problem = None;
    if to_start > 0 {
        let (placed, problem) = start_tasks(
            cp,
            now,
            cluster_name,
            service_name,
            Source::Deployment {
                task_definition: &primary.task_definition,
                id: &primary.id,
            },
            to_start,
        );
        started = placed;
        placement_problem = problem;
    }

    // 3. Stop older deployments' tasks within minimumHealthyPercent, unhealthy ones first,
    // and PRIMARY tasks beyond the desired count (scale-in). A warming task goes only when
    // the healthy ones already make the minimum without it (say, minimumHealthyPercent 0).
    let mut stopping: Vec<TaskKey> = Vec::new();
    let mut healthy_left = healthy_total;
    let candidates = old_live.iter().filter(|t| !t.protected);
    let unhealthy = candidates.clone().filter(|t| !t.healthy && !t.warming);
    let healthy = candidates.clone().filter(|t| t.healthy);
    let warming = candidates.filter(|t| t.warming);
    for task in unhealthy.chain(healthy).chain(warming) {
        let stop = if task.healthy {
            healthy_left > min_healthy
        } else {
            !task.warming || healthy_left >= min_healthy
        };
        if stop {
            healthy_left -= u32::from(task.healthy);
            stopping.push(task.key);
        }
    }
    let extra = (primary_live.len() as u32).saturating_sub(desired) as usize;
    let mut surplus: Vec<&&Live> = primary_live.iter().filter(|t| !t.protected).collect();
    surplus.sort_by_key(|t| (!t.pending, t.healthy));
    stopping.extend(surplus.into_iter().take(extra).map(|t| t.key));
    let scaling = messages::unconfirmed_text("task-stopped-scaling", &[&primary.id]);
    for key in &stopping {
        stop_task(cp, now, cluster_name, *key, &scaling);
    }

    // 4. Say why the service is stuck, once per cause.
    // Stuck only when nothing in flight can change it: every live task is already healthy,
    // no new one fits under maximumPercent and none may stop under minimumHealthyPercent.
    let stuck = started.is_empty()
        && stopping.is_empty()
        && !old_live.is_empty()
        && room == 0
        && healthy_total <= min_healthy
        && live.iter().all(|t| t.healthy)
        && primary.rollout_state != RolloutState::Failed;
    let placement_reason = placement_problem.as_ref().map(|(_, reason)| reason.clone());
    let problem = placement_problem
        .map(|(message, _)| message)
        .or_else(|| stuck.then(|| messages::service_deployment_configuration(service_name)));
    if !started.is_empty() {
        let ids: Vec<&str> = started
            .iter()
            .map(|arn| crate::records::last_segment(arn))
            .collect();
        events.push(messages::service_started(service_name, &ids));
    }
    let stopped_now: Vec<String> = failed_health
        .iter()
        .chain(&stopping)
        .map(|key| key.id())
        .collect();
    if !stopped_now.is_empty() {
        let ids: Vec<&str> = stopped_now.iter().map(String::as_str).collect();
        events.push(messages::service_stopped(service_name, &ids));
    }
    let record = &cp.clusters[cluster_name].services[service_name];
    let repeated = problem.is_some() && problem == record.last_problem;
    if let Some(problem) = &problem {
        if !repeated {
            events.push(problem.clone());
            if let Some(reason) = &placement_reason {
                let service_arn = record.doc.service_arn.clone();
                cp.emit_service_action(
                    now,
                    &service_arn,
                    "ERROR",
                    "SERVICE_TASK_PLACEMENT_FAILURE",
                    Some(reason),
                    &[],
                );
            }
        }
    }
    let set_problem = problem.clone();

    // 5. Completion and steady state.
    // A live task is still live unless this step stopped it.
    let stopped: std::collections::BTreeSet<TaskKey> = stopping.iter().copied().collect();
    let still_live = |key: &TaskKey| !stopped.contains(key);
    let old_remaining = old_live.iter().any(|t| still_live(&t.key));
    let primary_healthy = primary_live
        .iter()
        .filter(|t| t.healthy && still_live(&t.key))
        .count() as u32;
    let complete =
        !old_remaining && primary_healthy == desired && primary_live.len() as u32 == desired;
    let record = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
        .expect("exists");
    if complete
        && (primary.rollout_state == RolloutState::InProgress || record.doc.deployments.len() > 1)
    {
        reach_steady_state(cp, now, cluster_name, service_name, &mut events);
    } else {
        let record = cp
            .clusters
            .get_mut(cluster_name)
            .and_then(|c| c.services.get_mut(service_name))
            .expect("exists");
        // Older deployments whose tasks are all gone drop off the list.
        if record.doc.deployments.len() > 1 {
            // A service has a handful of deployments: keep the ones that still have tasks.
            let mut remaining: Vec<u64> = Vec::new();
            for t in live.iter().filter(|t| still_live(&t.key)) {
                if !remaining.contains(&t.deployment) {
                    remaining.push(t.deployment);
                }
            }
            let primary_id = record.doc.deployments[0].id.clone();
            record
                .doc
                .deployments
                .retain(|d| d.id == primary_id || remaining.contains(&deployment_number(&d.id)));
        }
    }
    let record = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
        .expect("exists");
    if problem.is_some() || !started.is_empty() || !stopping.is_empty() {
        record.last_problem = set_problem;
    }
    finish_step(cp, now, cluster_name, service_name, events);
}

/// One step of a service with the EXTERNAL deployment controller: every task set runs its
/// computed desired count (`ceil(desiredCount × scale)`, none once it drains or the service
/// is deleted) of its own task definition; a drained set with no tasks left is gone. A set is
/// STEADY_STATE when it runs exactly that many tasks and none is pending; when every set is,
/// the service has reached a steady state.
fn reconcile_task_sets(cp: &mut State, now: SimTime, cluster_name: &str, service_name: &str) {
    let record = &cp.clusters[cluster_name].services[service_name];
    let desired = if record.doc.status == ServiceStatus::Active {
        record.doc.desired_count
    } else {
        0
    };
    let sets = record.doc.task_sets.clone();
    let mut events = Vec::new();
    let mut placement_problem = None;
    let mut updated = Vec::with_capacity(sets.len());
    for mut set in sets {
        let number = deployment_number(&set.id);
        let target = if set.status == TaskSetStatus::Draining {
            0
        } else {
            crate::records::computed_desired_count(desired, &set.scale)
        };
        let live: Vec<(TaskKey, bool)> = service_table(&cp.clusters[cluster_name], service_name)
            .filter(|(_, t)| t.deployment == number && t.desired_running)
            .map(|(key, t)| (*key, t.phase == Phase::Pending))
            .collect();
        let mut started = Vec::new();
        if (live.len() as u32) < target {
            let (placed, problem) = start_tasks(
                cp,
                now,
                cluster_name,
                service_name,
                Source::TaskSet(&set),
                target - live.len() as u32,
            );
            started = placed;
            placement_problem = placement_problem.or(problem);
        }
        // Scale-in stops pending tasks first.
        let mut surplus = live.clone();
        surplus.sort_by_key(|(_, pending)| !pending);
        let stopping: Vec<TaskKey> = surplus
            .into_iter()
            .take((live.len() as u32).saturating_sub(target) as usize)
            .map(|(key, _)| key)
            .collect();
        let scaling = messages::unconfirmed_text("task-stopped-scaling", &[&set.id]);
        for key in &stopping {
            stop_task(cp, now, cluster_name, *key, &scaling);
        }
        let ids = |arns: Vec<String>| arns.join(") (task ");
        if !started.is_empty() {
            let count = started.len();
            let list = ids(started
                .iter()
                .map(|arn| crate::records::last_segment(arn).to_owned())
                .collect());
            events.push(messages::unconfirmed_text(
                "task-set-started",
                &[&service_name, &set.id, &count, &format!("(task {list})")],
            ));
        }
        if !stopping.is_empty() {
            let stopped: Vec<String> = stopping.iter().map(|key| key.id()).collect();
            let stopped: Vec<&str> = stopped.iter().map(String::as_str).collect();
            events.push(messages::service_stopped(service_name, &stopped));
        }
        // After this step: tasks that stay, and the ones it started.
        let remaining = live.len() - stopping.len() + started.len();
        let running = live
            .iter()
            .filter(|(key, pending)| !pending && !stopping.contains(key))
            .count();
        let steady = remaining == target as usize && running == target as usize;
        let stability = if steady {
            StabilityStatus::SteadyState
        } else {
            StabilityStatus::Stabilizing
        };
        if set.stability_status != stability {
            set.stability_status = stability;
            set.stability_status_at = now;
        }
        set.computed_desired_count = target;
        if !(set.status == TaskSetStatus::Draining && remaining == 0) {
            updated.push(set);
        }
    }
    let all_steady = !updated.is_empty()
        && updated
            .iter()
            .all(|s| s.stability_status == StabilityStatus::SteadyState);
    let record = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
        .expect("exists");
    let was_steady = record.last_problem.as_deref() == Some(STEADY_MARK);
    record.doc.task_sets = updated;
    if let Some((message, _)) = placement_problem {
        if record.last_problem.as_ref() != Some(&message) {
            record.last_problem = Some(message.clone());
            events.push(message);
        }
    } else if all_steady && !was_steady {
        record.last_problem = Some(STEADY_MARK.into());
        events.push(messages::service_steady(service_name));
    } else if !all_steady && was_steady {
        record.last_problem = None;
    }
    finish_step(cp, now, cluster_name, service_name, events);
}

/// What an EXTERNAL service's `last_problem` holds while every task set is steady, so the
/// steady-state event is written once per time it gets there.
const STEADY_MARK: &str = "steady";

/// The end of every service step: a DRAINING service whose tasks have all stopped is
/// INACTIVE, and the step's events are written.
fn finish_step(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    events: Vec<String>,
) {
    let all_stopped = service_tasks(&cp.clusters[cluster_name], service_name)
        .next()
        .is_none();
    let record = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
        .expect("exists");
    if record.doc.status == ServiceStatus::Draining && all_stopped {
        record.doc.status = ServiceStatus::Inactive;
    }
    for message in events {
        add_event(cp, now, cluster_name, service_name, message);
    }
}

/// One step of a DAEMON service: one task on every ACTIVE instance that meets its constraints,
/// none anywhere else. An instance's old-revision task stops before its replacement starts
/// (maximumPercent 100), and tasks on instances that are DRAINING or no longer match stop.
fn reconcile_daemon(cp: &mut State, now: SimTime, cluster_name: &str, service_name: &str) {
    let cluster = &cp.clusters[cluster_name];
    let record = &cluster.services[service_name];
    let active = record.doc.status == ServiceStatus::Active;
    let record_execute_command = record.doc.enable_execute_command;
    let primary = record.doc.deployments[0].clone();
    let Some(td) = resolve(cp, &primary.task_definition).cloned() else {
        return;
    };
    let mut given = definition_constraints(&td);
    given.extend(record.doc.placement_constraints.iter().cloned());
    let Ok(constraints) = compile_constraints(&given, 0) else {
        return;
    };
    let eligible: Vec<usize> = cluster
        .fleet
        .instances()
        .iter()
        .enumerate()
        .filter(|(_, i)| active && i.status == berth_scheduler::InstanceStatus::Active)
        .filter(|(_, i)| {
            constraints.iter().all(|c| match c {
                berth_scheduler::Constraint::MemberOf { expr, .. } => expr.matches(*i),
                berth_scheduler::Constraint::DistinctInstance => true,
            })
        })
        .map(|(index, _)| index)
        .collect();
    let mut on_instance: std::collections::BTreeMap<usize, Vec<(TaskKey, bool)>> =
        Default::default();
    for t in service_tasks(cluster, service_name)
        .filter(|t| t.task.desired_status == TaskStatus::Running)
    {
        let is_primary = t.task.started_by.as_deref() == Some(primary.id.as_str());
        // A DAEMON service's tasks are on instances (DAEMON is EC2 only).
        if let Some(instance) = t.instance {
            on_instance
                .entry(instance)
                .or_default()
                .push((t.key, is_primary));
        }
    }
    let mut stopping = Vec::new();
    let mut start_on = Vec::new();
    for (instance, tasks) in &on_instance {
        let keep = eligible.contains(instance);
        for (key, is_primary) in tasks {
            if !keep || !is_primary {
                stopping.push(*key);
            }
        }
    }
    for instance in &eligible {
        let tasks = on_instance.get(instance).map(Vec::as_slice).unwrap_or(&[]);
        if tasks.is_empty() {
            start_on.push(*instance);
        }
    }
    let scaling = messages::unconfirmed_text("task-stopped-scaling", &[&primary.id]);
    for key in &stopping {
        stop_task(cp, now, cluster_name, *key, &scaling);
    }
    let mut started = Vec::new();
    for instance in start_on {
        let cluster = &cp.clusters[cluster_name];
        let ec2_id = cluster.fleet.instances()[instance].ec2_instance_id.clone();
        let mut only_here = given.clone();
        only_here.push(berth_model::placement::PlacementConstraint::member_of(
            &format!("ec2InstanceId == '{ec2_id}'"),
        ));
        let Ok(constraints) = compile_constraints(&only_here, 0) else {
            continue;
        };
        let launch = Launch::for_service(
            td.clone(),
            service_name,
            &primary.id,
            None,
            record_execute_command,
        );
        let request = PlacementRequest {
            requirements: &launch.requirements,
            constraints: &constraints,
            strategies: &[],
            group: &launch.group,
            count: 1,
            capacity_provider: None,
            detail: Detail::Summary,
        };
        let State { clusters, rng, .. } = cp;
        let outcome = clusters
            .get_mut(cluster_name)
            .expect("exists")
            .fleet
            .place(&request, rng);
        for placement in outcome.placements {
            started.push(
                launch_task(
                    cp,
                    now,
                    cluster_name,
                    &launch,
                    Target::Instance(placement, None),
                )
                .task_arn,
            );
        }
    }
    let desired = eligible.len() as u32;
    let record = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
        .expect("exists");
    record.doc.desired_count = desired;
    record.doc.deployments[0].desired_count = desired;
    let mut events = Vec::new();
    if !started.is_empty() {
        let ids: Vec<&str> = started
            .iter()
            .map(|arn| crate::records::last_segment(arn))
            .collect();
        events.push(messages::service_started(service_name, &ids));
    }
    if !stopping.is_empty() {
        let ids: Vec<String> = stopping.iter().map(|key| key.id()).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        events.push(messages::service_stopped(service_name, &ids));
    }
    // Steady when every eligible instance runs one healthy task of the PRIMARY deployment.
    let cluster = &cp.clusters[cluster_name];
    let healthy_here = |instance: usize| {
        service_tasks(cluster, service_name).any(|t| {
            t.instance == Some(instance)
                && t.task.desired_status == TaskStatus::Running
                && t.task.started_by.as_deref() == Some(primary.id.as_str())
                && t.task.last_status == TaskStatus::Running
                && t.task
                    .started_at
                    .is_some_and(|at| now >= at.plus_millis(HEALTH_WAIT_MS))
        })
    };
    for t in service_tasks(cluster, service_name)
        .filter(|t| t.task.last_status == TaskStatus::Running && !t.health_checked)
    {
        if let Some(ready) = t
            .task
            .started_at
            .map(|at| at.plus_millis(HEALTH_WAIT_MS))
            .filter(|at| *at > now)
        {
            cp.wakeups.insert(ready);
        }
    }
    let cluster = &cp.clusters[cluster_name];
    let others = service_tasks(cluster, service_name)
        .filter(|t| t.task.desired_status == TaskStatus::Running)
        .any(|t| {
            t.task.started_by.as_deref() != Some(primary.id.as_str())
                || t.instance.is_none_or(|i| !eligible.contains(&i))
        });
    let complete = stopping.is_empty()
        && started.is_empty()
        && !others
        && eligible.iter().all(|i| healthy_here(*i));
    let record = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
        .expect("exists");
    if complete
        && (record.doc.deployments[0].rollout_state == RolloutState::InProgress
            || record.doc.deployments.len() > 1)
    {
        reach_steady_state(cp, now, cluster_name, service_name, &mut events);
    }
    finish_step(cp, now, cluster_name, service_name, events);
}

/// Places and launches `count` tasks of a deployment; returns their ARNs and, if some could
/// not be placed, ECS's event saying why.
/// What a service launches tasks for: a deployment of its own, or a task set (EXTERNAL), which
/// brings its own launch type and network.
enum Source<'a> {
    Deployment {
        task_definition: &'a str,
        id: &'a str,
    },
    TaskSet(&'a berth_model::resources::TaskSet),
}

fn start_tasks(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    source: Source<'_>,
    count: u32,
) -> (Vec<String>, Option<(String, String)>) {
    let (task_definition, deployment, task_set) = match source {
        Source::Deployment {
            task_definition,
            id,
        } => (task_definition, id, None),
        Source::TaskSet(set) => (set.task_definition.as_str(), set.id.as_str(), Some(set)),
    };
    let Some(td) = resolve(cp, task_definition).cloned() else {
        return (Vec::new(), None);
    };
    let record = &cp.clusters[cluster_name].services[service_name];
    let mut given_constraints = definition_constraints(&td);
    given_constraints.extend(record.doc.placement_constraints.iter().cloned());
    let record_strategies = record.doc.placement_strategy.clone();
    let (Ok(constraints), Ok(mut strategies)) = (
        compile_constraints(&given_constraints, 0),
        compile_strategies(&record.doc.placement_strategy),
    ) else {
        return (Vec::new(), None);
    };
    if strategies.is_empty() {
        strategies = berth_scheduler::rules::service_default_strategies();
    }
    // A Fargate service (by launch type or capacity provider strategy) has a platform family;
    // a task set has its own launch type and network.
    let (on_fargate, network, strategy) = match task_set {
        Some(set) => (
            set.launch_type == Some(LaunchType::Fargate),
            set.network_configuration.clone(),
            Vec::new(),
        ),
        None => (
            record.on_fargate(),
            record.doc.network_configuration.clone(),
            record.doc.capacity_provider_strategy.clone(),
        ),
    };
    let fargate = match (on_fargate, &network) {
        (true, network) => match FargateNetwork::of(network.as_ref()) {
            Ok(network) => Some(network),
            Err(_) => return (Vec::new(), None), // Refused when created; never here.
        },
        _ => None,
    };
    // The service's running tasks per provider: the base and weights apply to them all.
    let mut counts: Vec<u64> = strategy
        .iter()
        .map(|item| {
            service_tasks(&cp.clusters[cluster_name], service_name)
                .filter(|t| t.task.desired_status == TaskStatus::Running)
                // The strategy applies to each deployment's tasks.
                .filter(|t| t.task.started_by.as_deref() == Some(deployment))
                .filter(|t| {
                    t.task.capacity_provider_name.as_deref() == Some(&item.capacity_provider)
                })
                .count() as u64
        })
        .collect();
    let launch = Launch::for_service(
        td,
        service_name,
        deployment,
        fargate,
        record.doc.enable_execute_command,
    );
    if let Some(network) = &launch.fargate {
        // Fargate has capacity for every task; each goes to the least used of its subnets.
        let mut arns = Vec::new();
        for _ in 0..count {
            let subnet = next_subnet(&cp.clusters[cluster_name], &launch.group, &network.subnets);
            let provider = (!strategy.is_empty()).then(|| {
                let i = crate::engine::capacity::next_provider(&strategy, &counts);
                counts[i] += 1;
                strategy[i].capacity_provider.clone()
            });
            arns.push(
                launch_task(
                    cp,
                    now,
                    cluster_name,
                    &launch,
                    Target::Fargate { subnet, provider },
                )
                .task_arn,
            );
        }
        return (arns, None);
    }
    // An Auto Scaling group strategy: each provider's share goes to its own instances, and
    // what they cannot take waits for capacity when the provider scales (§9.1).
    let shares = crate::engine::capacity::shares(Some(&strategy), &mut counts, count);
    let mut arns = Vec::new();
    let mut problem = None;
    for (provider, share) in shares {
        let outcome = launch.place(
            cp,
            cluster_name,
            &constraints,
            &strategies,
            provider.as_deref(),
            share,
        );
        let placed = outcome.placements.len() as u32;
        let waits = provider
            .as_deref()
            .is_some_and(|p| crate::engine::capacity::waits_for_capacity(cp, p));
        if placed < share && !waits {
            // The event names the closest match; the service action its reason
            // (RESOURCE:MEMORY ...).
            let cluster = &cp.clusters[cluster_name];
            problem = outcome.decisions.last().and_then(|d| {
                let message = d.unable_to_place_event(service_name, cluster.fleet.instances())?;
                let reason = d.closest.as_ref().map(|(_, r)| r.failure_reason());
                Some((message, reason.unwrap_or_default()))
            });
        }
        for placement in outcome.placements {
            let target = Target::Instance(placement, provider.clone());
            arns.push(launch_task(cp, now, cluster_name, &launch, target).task_arn);
        }
        if let (true, Some(provider)) = (waits, &provider) {
            for _ in placed..share {
                let target = Target::Waiting(crate::records::Awaiting {
                    provider: provider.clone(),
                    constraints: given_constraints.clone(),
                    strategies: record_strategies.clone(),
                });
                arns.push(launch_task(cp, now, cluster_name, &launch, target).task_arn);
            }
        }
    }
    (arns, problem)
}

/// Stops a service task: desired STOPPED, ECS's scheduler stop code and reason, and the
/// instruction to its agent.
fn stop_task(cp: &mut State, now: SimTime, cluster_name: &str, key: TaskKey, reason: &str) {
    let cluster = cp.clusters.get_mut(cluster_name).expect("exists");
    let Some(record) = cluster.tasks.get_mut(&key) else {
        return;
    };
    let task = &mut record.task;
    task.desired_status = TaskStatus::Stopped;
    task.stop_code = Some(TaskStopCode::ServiceSchedulerInitiated);
    task.stopped_reason = Some(reason.to_owned());
    task.stopping_at = Some(now);
    task.version += 1;
    let task = task.clone();
    let timeout_seconds = record.stop_timeout;
    cluster.sync(key);
    cp.emit(now, "ECS Task State Change", &task.task_arn, &task);
    crate::engine::launch::send_stop(cp, now, cluster_name, key, timeout_seconds);
}

/// The service's PRIMARY deployment has all its tasks healthy and the older ones none: the
/// older deployments go; a deployment in progress COMPLETES (event, history, §10 event); the
/// service has reached a steady state.
fn reach_steady_state(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    events: &mut Vec<String>,
) {
    let record = cp
        .clusters
        .get_mut(cluster_name)
        .and_then(|c| c.services.get_mut(service_name))
        .expect("exists");
    record.doc.deployments.truncate(1);
    let service_arn = record.doc.service_arn.clone();
    let deployment = &mut record.doc.deployments[0];
    let mut completed = None;
    if deployment.rollout_state == RolloutState::InProgress {
        deployment.rollout_state = RolloutState::Completed;
        deployment.rollout_state_reason = messages::deployment_completed(&deployment.id);
        deployment.updated_at = now;
        let id = deployment.id.clone();
        let reason = deployment.rollout_state_reason.clone();
        record.last_completed = Some(deployment.task_definition.clone());
        record.last_completed_network = deployment.network_configuration.clone();
        crate::engine::deployments::completed(record, &id, now);
        events.push(messages::unconfirmed_text(
            "deployment-completed",
            &[&service_name, &id],
        ));
        completed = Some((id, reason));
    }
    events.push(messages::service_steady(service_name));
    if let Some((id, reason)) = completed {
        cp.emit_deployment_state(
            now,
            &service_arn,
            "INFO",
            "SERVICE_DEPLOYMENT_COMPLETED",
            &id,
            &reason,
        );
    }
    cp.emit_service_action(now, &service_arn, "INFO", "SERVICE_STEADY_STATE", None, &[]);
}
