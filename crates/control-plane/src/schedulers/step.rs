//! What the schedulers share when they act: launching a service's tasks (placed, on Fargate,
//! or waiting for a capacity provider), stopping one, reaching a steady state, and the end of
//! every step. Also the one rule of when a task without health checks counts as healthy.

use crate::engine::alarms::Bake;
use crate::engine::deployments::add_event;
use crate::engine::launch::{instruct_stop, launch_task, next_subnet, stop_waiting};
use crate::engine::launch::{FargateNetwork, Launch, Target};
use crate::engine::placement::{place, Rules};
use crate::records::timers::Wake;
use crate::records::{resolve, service_tasks, Phase, ServiceTask, State, TargetsHealth, TaskKey};
use berth_model::states::{LaunchType, RolloutState, ServiceStatus, TaskStatus, TaskStopCode};
use berth_model::{messages, SimTime};

/// How long a task without health checks must run before a service counts it healthy.
pub(crate) const HEALTH_WAIT_MS: u64 = 40_000;

/// When a RUNNING task without health checks counts as healthy: [`HEALTH_WAIT_MS`] after it
/// started running. `None` for a task with health checks, or not running.
pub(crate) fn ready_at(task: &ServiceTask) -> Option<SimTime> {
    (task.phase == Phase::Running && !task.health_checked)
        .then(|| task.started_at.map(|at| at.plus_millis(HEALTH_WAIT_MS)))
        .flatten()
}

/// Whether a service counts the task as healthy at `now`: RUNNING and, if an essential
/// container has a health check, HEALTHY; without one, [`HEALTH_WAIT_MS`] after it started.
pub(crate) fn counts_healthy(task: &ServiceTask, now: SimTime) -> bool {
    let container = if task.health_checked {
        task.healthy
    } else {
        ready_at(task).is_some_and(|at| now >= at)
    };
    task.phase == Phase::Running
        && match task.targets {
            // Behind a load balancer: once its targets are healthy (and its containers, when
            // checked), not after 40 s (ECS_REFERENCE §7.4).
            TargetsHealth::None => container,
            TargetsHealth::Healthy => !task.health_checked || task.healthy,
            TargetsHealth::Waiting | TargetsHealth::Unhealthy => false,
        }
}

/// `(maxTasks, minHealthy)`: ⌊D × maximumPercent / 100⌋ and ⌈D × minimumHealthyPercent / 100⌉,
/// in u64 so a large count times a large percentage does not wrap.
pub(crate) fn bounds(
    desired: u32,
    maximum_percent: u32,
    minimum_healthy_percent: u32,
) -> (u32, u32) {
    let clamp = |n: u64| n.min(u64::from(u32::MAX)) as u32;
    let max_tasks = clamp(u64::from(desired) * u64::from(maximum_percent) / 100);
    let min_healthy =
        clamp((u64::from(desired) * u64::from(minimum_healthy_percent)).div_ceil(100));
    (max_tasks, min_healthy)
}

/// ECS's "has started N tasks" event for the tasks a step launched (by ARN), if any.
pub(crate) fn started_event(service_name: &str, arns: &[String]) -> Option<String> {
    let ids: Vec<&str> = arns
        .iter()
        .map(|arn| crate::records::last_segment(arn))
        .collect();
    (!ids.is_empty()).then(|| messages::service_started(service_name, &ids))
}

/// ECS's "has stopped N running tasks" event for the tasks a step stopped, if any.
pub(crate) fn stopped_event<'k>(
    service_name: &str,
    keys: impl IntoIterator<Item = &'k TaskKey>,
) -> Option<String> {
    let ids: Vec<String> = keys.into_iter().map(|key| key.id()).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    (!ids.is_empty()).then(|| messages::service_stopped(service_name, &ids))
}

/// Debug builds hold the service's table to the task records it summarises: every entry is
/// what [`ServiceTask::of`] makes of its task, and every unstopped task has an entry.
#[cfg(debug_assertions)]
pub(crate) fn check_table(cluster: &crate::records::ClusterRecord, service_name: &str) {
    let mut entries = 0;
    for (key, entry) in crate::records::table(cluster, service_name) {
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

/// What a service launches tasks for: a deployment of its own, or a task set (EXTERNAL), which
/// brings its own launch type and network.
pub(crate) enum Source<'a> {
    Deployment {
        task_definition: &'a str,
        id: &'a str,
    },
    TaskSet(&'a berth_model::resources::TaskSet),
}

/// Places and launches `count` tasks for `source`; returns their ARNs and, if some could not
/// be placed, ECS's event saying why with the service action's reason.
pub(crate) fn start_tasks(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    source: Source<'_>,
    count: u32,
) -> (Vec<String>, Option<(String, String)>) {
    start_tasks_in(cp, now, cluster_name, service_name, source, count, None)
}

/// [`start_tasks`], in one Availability Zone when `zone` names one (AZ rebalancing).
pub(crate) fn start_tasks_in(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    source: Source<'_>,
    count: u32,
    zone: Option<&str>,
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
    // Refused when the service was created or updated; never here.
    let Ok(rules) = Rules::service(&td, &record.doc) else {
        return (Vec::new(), None);
    };
    let rules = match zone.map(|zone| rules.in_zone(zone)) {
        None => rules,
        Some(Ok(in_zone)) => in_zone,
        Some(Err(_)) => return (Vec::new(), None),
    };
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
    let mut counts = crate::engine::capacity::provider_counts(
        &cp.clusters[cluster_name],
        service_name,
        deployment,
        &strategy,
    );
    let mut launch = Launch::for_service(
        td,
        service_name,
        deployment,
        fargate,
        record.doc.enable_execute_command,
    );
    launch.pinned = record.pinned(deployment);
    if let Some(network) = &launch.fargate {
        // Fargate has capacity for every task; each goes to the least used of its subnets.
        let mut arns = Vec::new();
        let Some((cluster, mut out)) = cp.cluster_and_out(cluster_name) else {
            return (arns, None);
        };
        for _ in 0..count {
            let subnet = next_subnet(cluster, &launch.group, &network.subnets);
            let provider = (!strategy.is_empty()).then(|| {
                let i = crate::engine::capacity::next_provider(&strategy, &counts);
                counts[i] += 1;
                strategy[i].capacity_provider.clone()
            });
            arns.push(
                launch_task(
                    cluster,
                    &mut out,
                    now,
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
        let outcome = place(
            cp,
            cluster_name,
            &launch,
            &rules,
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
        let Some((cluster, mut out)) = cp.cluster_and_out(cluster_name) else {
            break;
        };
        for placement in outcome.placements {
            let target = Target::Instance(placement, provider.clone());
            arns.push(launch_task(cluster, &mut out, now, &launch, target).task_arn);
        }
        if let (true, Some(provider)) = (waits, &provider) {
            for _ in placed..share {
                let target = Target::Waiting(crate::records::Awaiting {
                    provider: provider.clone(),
                    constraints: rules.given_constraints.clone(),
                    strategies: rules.given_strategies.clone(),
                });
                arns.push(launch_task(cluster, &mut out, now, &launch, target).task_arn);
            }
        }
    }
    (arns, problem)
}

/// Stops a service task: desired STOPPED, ECS's scheduler stop code and reason, and the
/// instruction to its agent.
pub(crate) fn stop_task(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    key: TaskKey,
    reason: &str,
) -> Vec<String> {
    let Some((cluster, mut out)) = cp.cluster_and_out(cluster_name) else {
        return Vec::new();
    };
    let Some(record) = cluster.tasks.get_mut(&key) else {
        return Vec::new();
    };
    let task = &mut record.task;
    task.desired_status = TaskStatus::Stopped;
    task.stop_code = Some(TaskStopCode::ServiceSchedulerInitiated);
    task.stopped_reason = Some(reason.to_owned());
    task.stopping_at = Some(now);
    task.version += 1;
    let timeout_seconds = record.stop_timeout;
    // Behind a load balancer the task drains first: ELB's word that its targets are gone
    // stops it (engine::load_balancing::handle_health).
    let draining = crate::engine::load_balancing::drain(cluster, &mut out, key);
    let task = &cluster.tasks[&key].task;
    out.emit(now, "ECS Task State Change", &task.task_arn, task);
    cluster.sync(key);
    if draining.is_empty() && !instruct_stop(cluster, &mut out, key, timeout_seconds) {
        stop_waiting(cp, now, cluster_name, key);
    }
    draining
}

/// A step's first act: the service's tasks that came to run since the last step get their
/// load balancer targets. Returns ECS's `registered N targets in …` events.
pub(crate) fn register_targets(
    cp: &mut State,
    cluster_name: &str,
    service_name: &str,
) -> Vec<String> {
    let target_groups = std::mem::take(&mut cp.target_groups);
    let registered = cp
        .cluster_and_out(cluster_name)
        .map(|(cluster, mut out)| {
            crate::engine::load_balancing::register_running(
                cluster,
                &mut out,
                &target_groups,
                service_name,
            )
        })
        .unwrap_or_default();
    cp.target_groups = target_groups;
    registered
}

/// ECS's events for the tasks a step began draining (the target groups of each):
/// `has begun draining connections on N tasks.`, then `deregistered N targets in …` per group.
pub(crate) fn draining_events(service_name: &str, drained: &[Vec<String>]) -> Vec<String> {
    let tasks = drained.iter().filter(|d| !d.is_empty()).count();
    if tasks == 0 {
        return Vec::new();
    }
    let mut per_group: std::collections::BTreeMap<&str, usize> = Default::default();
    for arn in drained.iter().flatten() {
        *per_group.entry(arn).or_default() += 1;
    }
    std::iter::once(messages::draining_connections(service_name, tasks))
        .chain(
            per_group
                .into_iter()
                .map(|(arn, n)| messages::targets_deregistered(service_name, n, arn)),
        )
        .collect()
}

/// A step's problem, `(event, placement failure reason)`: a task that could not be placed,
/// or (REPLICA) a deployment neither bound lets move. Written once per cause: the event, and
/// for a placement failure ECS's SERVICE_TASK_PLACEMENT_FAILURE. A step that `moved` tasks, or
/// had a problem, is what the next repeat is judged against.
pub(crate) fn write_problem(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    problem: Option<(String, Option<String>)>,
    moved: bool,
    events: &mut Vec<String>,
) {
    let Some((record, mut out)) = cp.service_and_out(cluster_name, service_name) else {
        return;
    };
    let message = problem.as_ref().map(|(message, _)| message.clone());
    let repeated = message.is_some() && message == record.last_problem;
    if let (Some((message, reason)), false) = (&problem, repeated) {
        events.push(message.clone());
        if let Some(reason) = reason {
            let service_arn = record.doc.service_arn.clone();
            out.emit_service_action(
                now,
                &service_arn,
                "ERROR",
                "SERVICE_TASK_PLACEMENT_FAILURE",
                Some(reason),
                &[],
            );
        }
    }
    if message.is_some() || moved {
        record.last_problem = message;
    }
}

/// The end of every service step: a DRAINING service whose tasks have all stopped is
/// INACTIVE, and the step's events are written.
pub(crate) fn finish_step(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    events: Vec<String>,
) {
    let Some((cluster, mut out)) = cp.cluster_and_out(cluster_name) else {
        return;
    };
    let all_stopped = service_tasks(cluster, service_name).next().is_none();
    let Some(service) = cluster.services.get_mut(service_name) else {
        return;
    };
    if service.doc.status == ServiceStatus::Draining && all_stopped {
        service.doc.status = ServiceStatus::Inactive;
    }
    for message in events {
        add_event(service, &mut out, now, message);
    }
}

/// The service's PRIMARY deployment has all its tasks healthy and the older ones none: the
/// older deployments go; a deployment in progress COMPLETES (event, history, §10 event); the
/// service has reached a steady state.
pub(crate) fn reach_steady_state(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    events: &mut Vec<String>,
) {
    // With deployment alarms, a ROLLING deployment COMPLETES only after their bake: the
    // first step at steady state says the service is steady, the bake's end completes it.
    let bake = crate::engine::alarms::bake(cp, now, cluster_name, service_name);
    if let Bake::Started(until) = bake {
        cp.timers.arm(until, Wake::AlarmBakeEnds);
    }
    let Some((record, mut out)) = cp.service_and_out(cluster_name, service_name) else {
        return;
    };
    record.doc.deployments.truncate(1);
    record.holds.clear();
    if matches!(bake, Bake::Started(_) | Bake::Baking) {
        if bake != Bake::Baking {
            let service_arn = record.doc.service_arn.clone();
            events.push(messages::service_steady(service_name));
            out.emit_service_action(now, &service_arn, "INFO", "SERVICE_STEADY_STATE", None, &[]);
        }
        return;
    }
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
        events.push(messages::operation_text(
            "deployment-completed",
            &[&service_name, &id],
        ));
        completed = Some((id, reason));
    }
    // A bake that just ended said the service was steady when it began.
    let steady = bake != Bake::Done;
    if steady {
        events.push(messages::service_steady(service_name));
    }
    if let Some((id, reason)) = completed {
        out.emit_deployment_state(
            now,
            &service_arn,
            "INFO",
            "SERVICE_DEPLOYMENT_COMPLETED",
            &id,
            &reason,
        );
    }
    if steady {
        out.emit_service_action(now, &service_arn, "INFO", "SERVICE_STEADY_STATE", None, &[]);
    }
}
