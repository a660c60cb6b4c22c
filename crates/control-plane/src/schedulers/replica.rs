//! The REPLICA scheduler: keeps a service at its desired count and walks rolling deployments
//! through minimumHealthyPercent and maximumPercent (ECS_REFERENCE §7.5).
//!
//! A step, run after every input, has two plans, each applied before the next is made:
//!
//! - [`failed_health`]: tasks whose container health checks failed are replaced: they stop
//!   first and count for their deployment's circuit breaker; failures within the health check
//!   grace period after a task started are ignored, and the service looks again when it ends.
//!   A breaker that rolls the service back ends the step there.
//! - [`plan`], on what is left:
//!   1. `maxTasks = ⌊D × maximumPercent / 100⌋`, `minHealthy = ⌈D × minimumHealthyPercent / 100⌉`.
//!   2. Stop tasks of older deployments: unhealthy ones first, then healthy ones while the
//!      healthy count stays at least `minHealthy`; stop PRIMARY tasks beyond D. A task that
//!      does not count as healthy yet (PENDING, or RUNNING in its first 40 s) is not
//!      unhealthy: it is left until it counts, unless the healthy tasks make `minHealthy`
//!      without it, so an update right after a start does not kill the tasks it started.
//!   3. Replace an older revision's tasks that failed or were stopped by anything but the
//!      deployment from that revision (the 2025-11-14 rule): each older deployment holds the
//!      tasks it had when it was replaced, less those the deployment stopped; a task it no
//!      longer has is started again, unless the healthy tasks make `minHealthy` without it
//!      (then the deployment had stopped it next anyway). Then start PRIMARY tasks while the
//!      service has fewer than `maxTasks` RUNNING + PENDING tasks and the PRIMARY deployment
//!      fewer than D (none once its circuit breaker has tripped, none while the launch
//!      back-off holds).
//!   4. When neither bound lets the deployment move, say so once (the 100/100 event); when a
//!      task cannot be placed, write ECS's "unable to place" event with the closest match,
//!      once per cause.
//!   5. When the PRIMARY deployment has D healthy tasks and older ones have none, it is
//!      COMPLETED, the older deployments go, and the service has reached a steady state.
//!
//! Tasks on a DRAINING instance are replaced like an older deployment's: PENDING ones stop at
//! once, RUNNING ones within the same two bounds (ECS_REFERENCE §8). Scale-in protected tasks
//! stop for neither scale-in nor a deployment until their protection expires.
//!
//! A task counts as healthy once RUNNING and, if an essential container has a health check,
//! HEALTHY; otherwise [`HEALTH_WAIT_MS`](crate::schedulers::step::HEALTH_WAIT_MS) after it
//! started running, for which a wake-up is armed.

use crate::engine::deployments::{add_events, count_failed_task};
use crate::engine::hooks::hooked;
use crate::engine::load_balancing;
use crate::records::timers::Wake;
use crate::records::{
    deployment_number, table, Phase, ServiceTask, State, Table, TargetsHealth, TaskKey,
};
use crate::schedulers::rolling::{self, Hold};
#[cfg(debug_assertions)]
use crate::schedulers::step::check_table;
use crate::schedulers::step::{
    bounds, counts_healthy, draining_events, finish_step, reach_steady_state, ready_at,
    register_targets, start_tasks, started_event, stop_task, stopped_event, write_problem, Source,
};
use berth_model::states::{RolloutState, ServiceStatus};
use berth_model::{messages, SimTime};

/// The tasks to replace for failed health checks, and when the grace period of the ones that
/// fail within it ends.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Replacements {
    pub(crate) failed: Vec<TaskKey>,
    pub(crate) grace_ends: Vec<SimTime>,
}

/// Which RUNNING tasks failed their container health checks, outside the grace period.
pub(crate) fn failed_health(tasks: &Table, now: SimTime, grace_ms: u64) -> Replacements {
    let mut plan = Replacements::default();
    for (key, t) in tasks {
        let failing = (t.health_checked && t.unhealthy) || t.targets == TargetsHealth::Unhealthy;
        if !(t.desired_running && t.phase == Phase::Running && failing) {
            continue;
        }
        match t.started_at.map(|at| at.plus_millis(grace_ms)) {
            Some(ends) if now < ends => plan.grace_ends.push(ends),
            _ => plan.failed.push(*key),
        }
    }
    plan
}

/// What [`plan`] reads of a service.
pub(crate) struct View<'a> {
    pub(crate) now: SimTime,
    /// The desired count; 0 once the service is being deleted.
    pub(crate) desired: u32,
    pub(crate) maximum_percent: u32,
    pub(crate) minimum_healthy_percent: u32,
    /// The PRIMARY deployment, by its number.
    pub(crate) primary: u64,
    /// The PRIMARY deployment's circuit breaker has tripped: it starts no more tasks.
    pub(crate) primary_failed: bool,
    /// The launch back-off holds new tasks until then.
    pub(crate) throttled_until: Option<SimTime>,
    /// The service's unstopped tasks.
    pub(crate) tasks: &'a Table,
    /// Whether an instance (by its place in the fleet) is DRAINING: its tasks are replaced
    /// like an older deployment's.
    pub(crate) draining: &'a dyn Fn(usize) -> bool,
    /// An instance's Availability Zone (by its place in the fleet): scale-in keeps the
    /// zones balanced.
    pub(crate) zone: &'a dyn Fn(usize) -> Option<&'a str>,
    /// The older deployments' holds, by deployment number (`ServiceRecord::holds`).
    pub(crate) holds: &'a [(u64, u32)],
    /// An AZ rebalancing is under way: the one task over the desired count is its to stop.
    pub(crate) rebalancing: bool,
    /// The PRIMARY deployment's lifecycle stage holds the update while its hooks wait.
    pub(crate) hold: Hold,
}

/// What a step does, before it does it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// PRIMARY tasks to start.
    pub(crate) start: u32,
    /// Older deployments' tasks to start again, by deployment number: they replace tasks of
    /// their own revision.
    pub(crate) restore: Vec<(u64, u32)>,
    /// The older deployments' holds after this step.
    pub(crate) holds: Vec<(u64, u32)>,
    /// Tasks to stop, in order: older deployments' (and draining instances') within
    /// minimumHealthyPercent, then PRIMARY ones beyond the desired count.
    pub(crate) stop: Vec<TaskKey>,
    /// Neither bound lets the deployment move: every live task is healthy, no new one fits
    /// under maximumPercent and none may stop under minimumHealthyPercent.
    pub(crate) stuck: bool,
    /// After the stops, the PRIMARY deployment has D healthy tasks and no other task is left.
    pub(crate) complete: bool,
    /// After the stops, the PRIMARY deployment runs D tasks, all healthy (older ones may be
    /// left).
    pub(crate) scaled_up: bool,
    /// The deployments that still have tasks after the stops.
    pub(crate) keep: Vec<u64>,
    /// When the service needs another look: a task counts as healthy, a protection expires,
    /// the back-off ends.
    pub(crate) wake_at: Vec<(SimTime, Wake)>,
    /// Tasks the service counts healthy for the first time: each resets its deployment's
    /// circuit breaker (unless `resetOnHealthyTask` is false).
    pub(crate) became_healthy: Vec<TaskKey>,
}

/// A live task (desiredStatus RUNNING, not being replaced) as the plan weighs it.
struct Live {
    key: TaskKey,
    /// Replaced like an older deployment's task: of one, or on a DRAINING instance.
    old: bool,
    deployment: u64,
    /// Scale-in protected: neither scale-in nor a deployment stops it yet.
    protected: bool,
    healthy: bool,
    /// RUNNING, not failing its health checks, but not counted as healthy yet (its first 40 s,
    /// or health checks not passed yet), or not yet RUNNING in a revision that holds its
    /// tasks. It is not unhealthy: a deployment does not stop it outside
    /// minimumHealthyPercent, it waits until the task counts.
    warming: bool,
    /// Not yet RUNNING (PROVISIONING or PENDING).
    pending: bool,
    ready_at: Option<SimTime>,
}

impl Live {
    fn of(key: TaskKey, t: &ServiceTask, view: &View) -> Live {
        let running = t.phase == Phase::Running;
        let ready_at = ready_at(t);
        let healthy = counts_healthy(t, view.now);
        Live {
            key,
            old: t.deployment != view.primary || t.instance.is_some_and(view.draining),
            deployment: t.deployment,
            protected: t.protected_until.is_some_and(|until| until > view.now),
            healthy,
            // A held revision's task on its way up (a replacement from it) is not thrown
            // away either.
            warming: (running
                && !healthy
                && !(t.health_checked && t.unhealthy)
                && t.targets != TargetsHealth::Unhealthy)
                || (!running && view.holds.iter().any(|(d, _)| *d == t.deployment)),
            // PROVISIONING (waiting for capacity) counts too: scale-in takes what has not
            // started first.
            pending: !running,
            ready_at,
        }
    }
}

/// The REPLICA step's plan (steps 1–5 above).
pub(crate) fn plan(view: &View) -> Plan {
    let now = view.now;
    let desired = view.desired;
    let (max_tasks, min_healthy) =
        bounds(desired, view.maximum_percent, view.minimum_healthy_percent);
    let live: Vec<Live> = view
        .tasks
        .iter()
        .filter(|(_, t)| t.desired_running)
        .map(|(key, t)| Live::of(*key, t, view))
        .collect();
    let mut plan = Plan {
        became_healthy: live
            .iter()
            .filter(|t| t.healthy && !view.tasks[&t.key].seen_healthy)
            .map(|t| t.key)
            .collect(),
        ..Plan::default()
    };
    // Protection that expires lets the service move again then; tasks that will count as
    // healthy by waiting, too.
    let protection = view.tasks.values().filter_map(|t| t.protected_until);
    let ready = live.iter().filter_map(|t| t.ready_at);
    let throttled = view.throttled_until.filter(|until| *until > now);
    plan.wake_at.extend(
        (protection.map(|at| (at, Wake::ProtectionExpires)))
            .chain(ready.map(|at| (at, Wake::TaskCountsHealthy)))
            .chain(throttled.map(|at| (at, Wake::BackOffEnds)))
            .filter(|(at, _)| *at > now),
    );
    let primary: Vec<&Live> = live.iter().filter(|t| !t.old).collect();
    let old: Vec<&Live> = live.iter().filter(|t| t.old).collect();
    let healthy_total = live.iter().filter(|t| t.healthy).count() as u32;
    let throttled_now = throttled.is_some();

    // 2. Older deployments' tasks within minimumHealthyPercent, unhealthy ones first; one that
    // does not count yet only when the healthy ones already make the minimum without it.
    let mut healthy_left = healthy_total;
    let candidates = old.iter().filter(|t| !t.protected);
    let unhealthy = candidates.clone().filter(|t| !t.healthy && !t.warming);
    let healthy = candidates.clone().filter(|t| t.healthy);
    let warming = candidates.filter(|t| t.warming);
    // While a lifecycle hook holds the deployment, its older revisions' tasks stay.
    let held = |t: &Live| view.hold != Hold::Nothing && t.deployment != view.primary;
    for task in unhealthy.chain(healthy).chain(warming) {
        let stop = if held(task) {
            false
        } else if task.healthy {
            healthy_left > min_healthy
        } else {
            !task.warming || healthy_left >= min_healthy
        };
        if stop {
            healthy_left -= u32::from(task.healthy);
            plan.stop.push(task.key);
        }
    }
    // PRIMARY tasks beyond the desired count (scale-in): pending ones first, then unhealthy,
    // then from the zone with the most of the service's tasks and in it the instance with
    // the most (ECS's developer guide), recounted after each.
    let allowed = desired + u32::from(view.rebalancing && desired > 0);
    let extra = (primary.len() as u32).saturating_sub(allowed) as usize;
    let mut surplus: Vec<&&Live> = primary.iter().filter(|t| !t.protected).collect();
    let place = |t: &Live| view.tasks[&t.key].instance;
    let mut zones: std::collections::BTreeMap<Option<&str>, u32> = Default::default();
    let mut hosts: std::collections::BTreeMap<Option<usize>, u32> = Default::default();
    for task in &primary {
        *zones.entry(place(task).and_then(view.zone)).or_default() += 1;
        *hosts.entry(place(task)).or_default() += 1;
    }
    for _ in 0..extra.min(surplus.len()) {
        let (at, _) = surplus
            .iter()
            .enumerate()
            .min_by_key(|(_, t)| {
                let zone = zones[&place(t).and_then(view.zone)];
                let host = hosts[&place(t)];
                (!t.pending, t.healthy, std::cmp::Reverse((zone, host)))
            })
            .expect("a surplus task is left");
        let victim = surplus.remove(at);
        *zones.entry(place(victim).and_then(view.zone)).or_default() -= 1;
        *hosts.entry(place(victim)).or_default() -= 1;
        plan.stop.push(victim.key);
    }

    // 3. Each older revision's lost tasks, from that revision, then PRIMARY ones, within
    // maximumPercent.
    let mut room = max_tasks.saturating_sub(live.len() as u32);
    let mut slack = healthy_left.saturating_sub(min_healthy);
    for &(deployment, held) in view.holds {
        let stopped = plan
            .stop
            .iter()
            .filter(|key| view.tasks[key].deployment == deployment)
            .count() as u32;
        let has = old.iter().filter(|t| t.deployment == deployment).count() as u32;
        // What the deployment stops it no longer holds; what it lost otherwise, it does.
        let held = held.saturating_sub(stopped);
        let lost = held.saturating_sub(has - stopped);
        let forgiven = lost.min(slack);
        slack -= forgiven;
        let restore = if throttled_now {
            0
        } else {
            (lost - forgiven).min(room)
        };
        room -= restore;
        if restore > 0 {
            plan.restore.push((deployment, restore));
        }
        let held = held - forgiven;
        if held > 0 {
            plan.holds.push((deployment, held));
        }
    }
    if !view.primary_failed && !throttled_now && view.hold != Hold::ScaleUp {
        plan.start = desired.saturating_sub(primary.len() as u32).min(room);
    }

    // 4. Stuck only when nothing in flight can change it.
    plan.stuck = plan.stop.is_empty()
        && plan.restore.is_empty()
        && !old.is_empty()
        && room == 0
        && healthy_total <= min_healthy
        && live.iter().all(|t| t.healthy)
        && !view.primary_failed
        && view.hold == Hold::Nothing;

    // 5. Completion: what is left once the stops are done.
    // (Most steps stop nothing: then no set is built and nothing is looked up.)
    let stopped: std::collections::BTreeSet<TaskKey> = plan.stop.iter().copied().collect();
    let left = |t: &Live| stopped.is_empty() || !stopped.contains(&t.key);
    let primary_healthy = primary.iter().filter(|t| t.healthy && left(t)).count() as u32;
    // A task draining from its load balancer (DEACTIVATING) still belongs to its
    // deployment: the deployment is not done until it has stopped.
    // So does a task this step stops that has targets: it will drain first.
    let to_drain = plan
        .stop
        .iter()
        .filter_map(|key| view.tasks.get(key))
        .filter(|t| t.targets != TargetsHealth::None);
    let deactivating = view
        .tasks
        .values()
        .filter(|t| !t.desired_running && t.phase == Phase::Other)
        .chain(to_drain);
    plan.scaled_up = primary_healthy == desired && primary.len() as u32 == desired;
    plan.complete = !old.iter().any(|t| left(t))
        && plan.restore.is_empty()
        && plan.scaled_up
        && deactivating.clone().next().is_none()
        && view.hold == Hold::Nothing;
    let kept = live
        .iter()
        .filter(|t| left(t))
        .map(|t| t.deployment)
        .chain(deactivating.map(|t| t.deployment))
        .chain(plan.restore.iter().map(|(deployment, _)| *deployment));
    for deployment in kept {
        if !plan.keep.contains(&deployment) {
            plan.keep.push(deployment);
        }
    }
    plan
}

/// One step of a REPLICA service: the two plans, each applied.
pub(crate) fn step(cp: &mut State, now: SimTime, cluster_name: &str, service_name: &str) {
    let registered = register_targets(cp, cluster_name, service_name);
    let cluster = &cp.clusters[cluster_name];
    #[cfg(debug_assertions)]
    check_table(cluster, service_name);
    let record = &cluster.services[service_name];
    let primary_number = deployment_number(&record.doc.deployments[0].id);
    let grace_ms = u64::from(record.doc.health_check_grace_period_seconds.unwrap_or(0)) * 1000;
    let replacements = failed_health(table(cluster, service_name), now, grace_ms);
    for at in &replacements.grace_ends {
        cp.timers.arm(*at, Wake::GracePeriodEnds);
    }
    let failed = replacements.failed;

    // Replace the tasks that failed their health checks (a load balancer's, or their
    // containers'); each counts for its deployment's circuit breaker.
    let mut events = registered;
    let mut drained = Vec::new();
    for key in &failed {
        let cluster = &cp.clusters[cluster_name];
        let record = &cluster.tasks[key];
        let (reason, event) = match load_balancing::failing_target(record) {
            Some((target, description)) => {
                let instance = record
                    .instance
                    .map(|i| cluster.fleet.instances()[i].ec2_instance_id.clone());
                (
                    messages::failed_elb_health_checks(&target.target_group_arn),
                    messages::target_unhealthy(
                        service_name,
                        &key.id(),
                        instance.as_deref(),
                        target.port,
                        &target.target_group_arn,
                        description,
                    ),
                )
            }
            None => (
                messages::operation_text("task-failed-health-checks", &[]),
                messages::operation_text("service-task-unhealthy", &[&service_name, &key.id()]),
            ),
        };
        events.push(event);
        drained.push(stop_task(cp, now, cluster_name, *key, &reason));
        let deployment = cp.clusters[cluster_name].tasks[key].task.started_by.clone();
        if let Some(deployment) = deployment {
            count_failed_task(cp, now, cluster_name, service_name, &deployment, false);
        }
    }
    let record = &cp.clusters[cluster_name].services[service_name];
    if deployment_number(&record.doc.deployments[0].id) != primary_number {
        // The failures tripped the circuit breaker into a rollback: say what was stopped,
        // then step again afresh.
        events.extend(stopped_event(service_name, &failed));
        events.extend(draining_events(service_name, &drained));
        add_events(cp, now, cluster_name, service_name, events);
        cp.dirty = true;
        return;
    }
    // A BLUE_GREEN, LINEAR or CANARY deployment walks its stage machine instead.
    if let Some(index) = crate::schedulers::shift::in_flight(record) {
        events.extend(stopped_event(service_name, &failed));
        crate::schedulers::shift::step(cp, now, cluster_name, service_name, index, events, drained);
        return;
    }
    // The replaced tasks are no longer desired RUNNING: the plan reads the table as it is now.
    let primary = record.doc.deployments[0].clone();
    let cluster = &cp.clusters[cluster_name];
    let fleet = cluster.fleet.instances();
    let config = &record.doc.deployment_configuration;
    // A ROLLING deployment with lifecycle hooks holds the update at a stage whose hooks wait:
    // the update's plan says whether it scaled up, the stages' plan what it holds next, until
    // the two agree.
    let staged = rolling::in_flight(record).map(|index| {
        let h = &record.history[index];
        (
            index,
            h.rolling.as_ref().expect("in flight"),
            hooked(&h.configuration),
        )
    });
    let mut hold = staged
        .as_ref()
        .map_or(Hold::Nothing, |(_, stages, _)| rolling::hold(&stages.stage));
    let (plan, stages) = loop {
        let plan = plan(&View {
            now,
            desired: if record.doc.status == ServiceStatus::Active {
                record.doc.desired_count
            } else {
                0
            },
            maximum_percent: config.maximum_percent,
            minimum_healthy_percent: config.minimum_healthy_percent,
            primary: primary_number,
            primary_failed: primary.rollout_state == RolloutState::Failed,
            throttled_until: record.throttled_until,
            tasks: table(cluster, service_name),
            draining: &|i| fleet[i].status == berth_scheduler::InstanceStatus::Draining,
            zone: &|i| fleet[i].attribute_value("ecs.availability-zone"),
            holds: &record.holds,
            rebalancing: record.rebalancing && record.doc.deployments.len() == 1,
            hold,
        });
        let Some((index, stages, hooked)) = &staged else {
            break (plan, None);
        };
        let stages = rolling::plan(&rolling::View {
            now,
            stages,
            hooked,
            scaled_up: plan.scaled_up,
        });
        // Holds only loosen (SCALE_UP on) or tighten once (POST_SCALE_UP), so this ends.
        let next = rolling::hold(&stages.stages.stage);
        if next == hold || stages.failed.is_some() {
            break (plan, Some((*index, stages)));
        }
        hold = next;
    };
    if let Some((index, stages)) = stages {
        let rolled_back = rolling::apply(
            cp,
            now,
            cluster_name,
            service_name,
            index,
            stages,
            &mut events,
        );
        if rolled_back {
            // A hook failed the deployment: say what was stopped, then step again afresh.
            events.extend(stopped_event(service_name, &failed));
            events.extend(draining_events(service_name, &drained));
            add_events(cp, now, cluster_name, service_name, events);
            cp.dirty = true;
            return;
        }
    }
    for (at, why) in &plan.wake_at {
        cp.timers.arm(*at, *why);
    }
    crate::engine::deployments::count_healthy(cp, cluster_name, service_name, &plan.became_healthy);

    // An older revision's lost tasks come back from it.
    let mut started = Vec::new();
    let mut placement_problem = None;
    for &(number, count) in &plan.restore {
        let record = &cp.clusters[cluster_name].services[service_name];
        let Some(old) = (record.doc.deployments.iter())
            .find(|d| deployment_number(&d.id) == number)
            .map(|d| (d.task_definition.clone(), d.id.clone()))
        else {
            continue;
        };
        let source = Source::Deployment {
            task_definition: &old.0,
            id: &old.1,
        };
        let (arns, problem) = start_tasks(cp, now, cluster_name, service_name, source, count);
        started.extend(arns);
        placement_problem = placement_problem.or(problem);
    }
    let (started_primary, primary_problem) = if plan.start > 0 {
        start_tasks(
            cp,
            now,
            cluster_name,
            service_name,
            Source::Deployment {
                task_definition: &primary.task_definition,
                id: &primary.id,
            },
            plan.start,
        )
    } else {
        (Vec::new(), None)
    };
    started.extend(started_primary);
    let placement_problem = placement_problem.or(primary_problem);
    let scaling = messages::operation_text("task-stopped-scaling", &[&primary.id]);
    for key in &plan.stop {
        drained.push(stop_task(cp, now, cluster_name, *key, &scaling));
    }

    // Say why the service is stuck, once per cause.
    let placement_reason = placement_problem.as_ref().map(|(_, reason)| reason.clone());
    let problem = placement_problem.map(|(message, _)| message).or_else(|| {
        plan.stuck
            .then(|| messages::service_deployment_configuration(service_name))
    });
    events.extend(started_event(service_name, &started));
    events.extend(stopped_event(service_name, failed.iter().chain(&plan.stop)));
    events.extend(draining_events(service_name, &drained));
    let moved = !started.is_empty() || !plan.stop.is_empty();
    let problem = problem.map(|message| (message, placement_reason));
    write_problem(
        cp,
        now,
        cluster_name,
        service_name,
        problem,
        moved,
        &mut events,
    );

    let record = cp
        .service_mut(cluster_name, service_name)
        .expect("stepped above");
    record.holds = plan.holds;
    if plan.complete
        && (primary.rollout_state == RolloutState::InProgress || record.doc.deployments.len() > 1)
    {
        reach_steady_state(cp, now, cluster_name, service_name, &mut events);
    } else if record.doc.deployments.len() == 1
        && primary.rollout_state == RolloutState::Completed
        && failed.is_empty()
        && plan.start == 0
        && plan.stop.is_empty()
        && record.doc.status == ServiceStatus::Active
    {
        // Steady: the zones are looked at.
        let rebalanced = crate::schedulers::rebalance::step(cp, now, cluster_name, service_name);
        events.extend(rebalanced);
    } else if record.doc.deployments.len() > 1 {
        // Older deployments whose tasks are all gone drop off the list.
        let primary_id = &primary.id;
        record
            .doc
            .deployments
            .retain(|d| &d.id == primary_id || plan.keep.contains(&deployment_number(&d.id)));
        record.holds.retain(|(d, _)| plan.keep.contains(d));
    }
    finish_step(cp, now, cluster_name, service_name, events);
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1000;

    fn at(seconds: u64) -> SimTime {
        SimTime::ZERO.plus_millis(seconds * S)
    }

    fn key(n: u128) -> TaskKey {
        TaskKey::of(&format!("{n:032x}")).unwrap()
    }

    /// A RUNNING task of deployment `deployment`, started at `started` seconds, without
    /// health checks, on instance 0.
    fn running(n: u128, deployment: u64, started: u64) -> (TaskKey, ServiceTask) {
        (key(n), ServiceTask::running(deployment, Some(at(started))))
    }

    fn pending(n: u128, deployment: u64) -> (TaskKey, ServiceTask) {
        (key(n), ServiceTask::running(deployment, None))
    }

    /// A view at 100 s of a service of `desired` tasks deploying deployment 2.
    fn view(desired: u32, max: u32, min: u32, tasks: &Table) -> View<'_> {
        View {
            now: at(100),
            desired,
            maximum_percent: max,
            minimum_healthy_percent: min,
            primary: 2,
            primary_failed: false,
            throttled_until: None,
            tasks,
            draining: &|_| false,
            zone: &|_| None,
            holds: &[],
            rebalancing: false,
            hold: Hold::Nothing,
        }
    }

    #[test]
    fn maximum_percent_rounds_down_and_minimum_healthy_percent_up() {
        assert_eq!(bounds(3, 150, 50), (4, 2));
        assert_eq!(bounds(1, 199, 1), (1, 1));
        assert_eq!(bounds(0, 200, 100), (0, 0));
        assert_eq!(bounds(u32::MAX, 200, 100), (u32::MAX, u32::MAX));
    }

    #[test]
    fn a_deployment_starts_within_maximum_percent_and_stops_within_minimum_healthy() {
        // 4 healthy old tasks, 150/50: room for 2 new ones; 2 old ones may go.
        let tasks: Table = (1..=4).map(|n| running(n, 1, 0)).collect();
        let plan = plan(&view(4, 150, 50, &tasks));
        assert_eq!(plan.start, 2);
        assert_eq!(plan.stop, vec![key(1), key(2)]);
        assert!(!plan.stuck && !plan.complete);
        assert_eq!(plan.keep, vec![1]);
    }

    /// Behind a load balancer a task counts once its targets are healthy, not after 40 s;
    /// a failing target is unhealthy (stopped first, and replaced); a task still draining
    /// (DEACTIVATING) keeps its deployment from completing.
    #[test]
    fn a_waiting_lifecycle_hook_holds_the_update_at_its_stage() {
        // Before SCALE_UP: nothing of the new revision starts, nothing old stops.
        let old: Table = (1..=2).map(|n| running(n, 1, 0)).collect();
        let before = View {
            hold: Hold::ScaleUp,
            ..view(2, 200, 100, &old)
        };
        let waiting = plan(&before);
        assert_eq!((waiting.start, waiting.stop.len()), (0, 0));
        assert!(!waiting.stuck && !waiting.complete && !waiting.scaled_up);
        // At POST_SCALE_UP: the new revision has scaled up; the old tasks stay, and the
        // deployment does not complete, until the hook lets it on.
        let both: Table = (1..=4)
            .map(|n| running(n, if n > 2 { 2 } else { 1 }, 0))
            .collect();
        let after = View {
            hold: Hold::CleanUp,
            ..view(2, 200, 100, &both)
        };
        let held = plan(&after);
        assert!(held.stop.is_empty() && held.scaled_up && !held.complete && !held.stuck);
        let released = plan(&view(2, 200, 100, &both));
        assert_eq!(released.stop, vec![key(1), key(2)]);
        assert!(released.complete);
    }

    #[test]
    fn load_balancer_targets_decide_health_and_draining_holds_completion() {
        let mut waiting = running(1, 2, 0);
        waiting.1.targets = TargetsHealth::Waiting;
        let mut in_service = running(2, 2, 0);
        in_service.1.targets = TargetsHealth::Healthy;
        let tasks = Table::from([waiting, in_service]);
        let decided = super::plan(&view(2, 200, 100, &tasks));
        assert!(
            !decided.complete,
            "a task whose target is not healthy does not count, after 100 s"
        );

        let mut failing = running(3, 1, 0);
        failing.1.targets = TargetsHealth::Unhealthy;
        let tasks = Table::from([running(1, 1, 0), failing]);
        let decided = super::plan(&view(2, 100, 50, &tasks));
        assert_eq!(decided.stop, vec![key(3)], "the failing one goes first");
        let failed = failed_health(&tasks, at(100), 0);
        assert_eq!(failed.failed, vec![key(3)]);
        assert!(
            failed_health(&tasks, at(100), 200_000).failed.is_empty(),
            "within the grace period"
        );

        let mut healthy = running(1, 2, 0);
        healthy.1.targets = TargetsHealth::Healthy;
        let mut draining = running(2, 1, 0);
        draining.1.desired_running = false;
        draining.1.phase = Phase::Other;
        let tasks = Table::from([healthy, draining]);
        let decided = super::plan(&view(1, 200, 100, &tasks));
        assert!(!decided.complete);
        assert_eq!(decided.keep, vec![2, 1]);
        let tasks = Table::from([(key(1), tasks[&key(1)])]);
        assert!(super::plan(&view(1, 200, 100, &tasks)).complete);
    }

    #[test]
    fn at_100_100_the_deployment_is_stuck() {
        let tasks = Table::from([running(1, 1, 0), running(2, 1, 0)]);
        let plan = plan(&view(2, 100, 100, &tasks));
        assert_eq!((plan.start, plan.stop.len()), (0, 0));
        assert!(plan.stuck);
    }

    #[test]
    fn not_stuck_while_a_task_is_still_warming() {
        let tasks = Table::from([running(1, 1, 0), running(2, 1, 80)]);
        let plan = plan(&view(2, 100, 100, &tasks));
        assert!(!plan.stuck);
        assert_eq!(plan.wake_at, vec![(at(120), Wake::TaskCountsHealthy)]);
    }

    #[test]
    fn unhealthy_and_pending_old_tasks_go_first() {
        let mut failing = running(3, 1, 0);
        failing.1.health_checked = true;
        failing.1.unhealthy = true;
        let tasks = Table::from([running(1, 1, 0), pending(2, 1), failing]);
        // 3 tasks, 100/200 → minHealthy 3; only one healthy: the other two go regardless.
        let plan = plan(&view(3, 200, 100, &tasks));
        assert_eq!(plan.stop, vec![key(2), key(3)]);
        assert_eq!(plan.start, 3);
    }

    #[test]
    fn a_warming_old_task_waits_until_it_counts_unless_the_minimum_is_met_without_it() {
        // An update right after a start: the old tasks started at 70 s and count at 110 s.
        let tasks = Table::from([running(1, 1, 70), running(2, 1, 70)]);
        let waits = plan(&view(2, 200, 100, &tasks));
        assert_eq!(waits.start, 2);
        assert!(waits.stop.is_empty());
        let counts = (at(110), Wake::TaskCountsHealthy);
        assert_eq!(waits.wake_at, vec![counts, counts]);
        // minimumHealthyPercent 0: nothing to keep, they go.
        let goes = plan(&view(2, 200, 0, &tasks));
        assert_eq!(goes.stop, vec![key(1), key(2)]);
    }

    #[test]
    fn a_warming_task_goes_when_the_healthy_ones_make_the_minimum_without_it() {
        // Two healthy old tasks and one warming, minHealthy 2 of 2: the warming one goes;
        // the healthy ones stay until new ones count.
        let tasks = Table::from([running(1, 1, 0), running(2, 1, 0), running(3, 1, 90)]);
        let plan = plan(&view(2, 200, 100, &tasks));
        assert_eq!(plan.stop, vec![key(3)]);
    }

    #[test]
    fn scale_in_stops_pending_then_unhealthy_then_healthy_primary_tasks() {
        let tasks = Table::from([running(1, 2, 0), running(2, 2, 90), pending(3, 2)]);
        let plan = plan(&view(1, 200, 100, &tasks));
        assert_eq!(plan.stop, vec![key(3), key(2)]);
        // It completes at the next step, once the stopped ones are no longer live.
        assert!(!plan.complete);
    }

    #[test]
    fn scale_in_keeps_the_zones_balanced() {
        // Instances 0 and 1 in zone a (two tasks on 0), 2 and 3 in zone b.
        let on = |n: u128, instance: usize| {
            let mut task = running(n, 2, 0);
            task.1.instance = Some(instance);
            task
        };
        let tasks = Table::from([on(1, 0), on(2, 0), on(3, 2), on(4, 1), on(5, 3), on(6, 3)]);
        let mut view = view(2, 200, 100, &tasks);
        view.zone = &|i| Some(if i < 2 { "a" } else { "b" });
        let plan = plan(&view);
        // Two from each zone, each time from the instance with the most.
        assert_eq!(plan.stop, vec![key(1), key(5), key(2), key(3)]);
    }

    #[test]
    fn protected_tasks_stay_and_the_service_looks_again_when_protection_ends() {
        let mut kept = running(1, 2, 0);
        kept.1.protected_until = Some(at(500));
        let tasks = Table::from([kept, running(2, 2, 0)]);
        let plan = plan(&view(0, 200, 100, &tasks));
        assert_eq!(plan.stop, vec![key(2)]);
        assert_eq!(plan.wake_at, vec![(at(500), Wake::ProtectionExpires)]);
    }

    #[test]
    fn a_task_on_a_draining_instance_is_replaced_like_an_old_one() {
        let draining = running(1, 2, 0);
        let tasks = Table::from([draining]);
        let mut view = view(1, 200, 100, &tasks);
        view.draining = &|i| i == 0;
        let plan = plan(&view);
        // The replacement starts first; the draining task stays until it counts.
        assert_eq!(plan.start, 1);
        assert!(plan.stop.is_empty() && !plan.complete);
    }

    #[test]
    fn the_deployment_completes_when_primary_runs_the_desired_count_healthy() {
        let tasks = Table::from([running(1, 2, 0), running(2, 2, 0)]);
        let done = plan(&view(2, 200, 100, &tasks));
        assert!(done.complete);
        assert_eq!(done.keep, vec![2]);
        // One still in its first 40 s: not yet.
        let tasks = Table::from([running(1, 2, 0), running(2, 2, 70)]);
        assert!(!plan(&view(2, 200, 100, &tasks)).complete);
    }

    #[test]
    fn a_failed_deployment_or_a_back_off_starts_nothing() {
        let tasks = Table::from([running(1, 1, 0)]);
        let mut failed = view(2, 200, 100, &tasks);
        failed.primary_failed = true;
        let plan_failed = plan(&failed);
        assert_eq!(plan_failed.start, 0);
        assert!(!plan_failed.stuck);
        let mut throttled = view(2, 200, 100, &tasks);
        throttled.throttled_until = Some(at(130));
        let plan_throttled = plan(&throttled);
        assert_eq!(plan_throttled.start, 0);
        assert_eq!(plan_throttled.wake_at, vec![(at(130), Wake::BackOffEnds)]);
    }

    /// A task failing its container health checks, for the plans below.
    fn failing(n: u128, deployment: u64) -> (TaskKey, ServiceTask) {
        let mut task = running(n, deployment, 0);
        task.1.health_checked = true;
        task.1.unhealthy = true;
        task
    }

    /// The 2025-11-14 rule: deployment 2's tasks fail; deployment 1 held 2 tasks and lost one
    /// (its host went, or StopTask): the replacement comes from revision 1, before any new one.
    #[test]
    fn an_older_revisions_lost_task_comes_back_from_its_own_revision() {
        let tasks = Table::from([running(1, 1, 0), failing(2, 2), failing(3, 2)]);
        let mut view = view(2, 200, 100, &tasks);
        view.holds = &[(1, 2)];
        let plan = plan(&view);
        assert_eq!(plan.restore, vec![(1, 1)]);
        assert_eq!(plan.start, 0, "deployment 2 already runs its 2");
        assert_eq!(plan.holds, vec![(1, 2)]);
        assert!(plan.keep.contains(&1) && !plan.complete && !plan.stuck);
        // Without the hold (before the rule) nothing replaced it.
        assert!(super::plan(&self::view(2, 200, 100, &tasks))
            .restore
            .is_empty());
    }

    /// ... and the replacement, PENDING, is not thrown away at the next step: it counts as on
    /// its way up while the healthy tasks are short of the minimum.
    #[test]
    fn a_held_revisions_pending_task_stays_while_the_minimum_needs_it() {
        let tasks = Table::from([
            running(1, 1, 0),
            pending(2, 1),
            failing(3, 2),
            failing(4, 2),
        ]);
        let mut held = view(2, 200, 100, &tasks);
        held.holds = &[(1, 2)];
        let plan = plan(&held);
        assert!(
            plan.stop.is_empty(),
            "(the failing new ones go by failed_health)"
        );
        assert!(plan.restore.is_empty());
        assert_eq!(plan.holds, vec![(1, 2)]);
    }

    /// When the healthy tasks make the minimum without it, the lost task is not replaced: the
    /// deployment would have stopped it next, so the revision holds one fewer.
    #[test]
    fn a_lost_task_the_minimum_does_without_is_not_replaced() {
        let tasks = Table::from([running(1, 1, 0), running(2, 2, 0), running(3, 2, 0)]);
        let mut view = view(2, 200, 50, &tasks);
        view.holds = &[(1, 2)];
        let plan = plan(&view);
        assert_eq!(plan.stop, vec![key(1)]);
        assert!(plan.restore.is_empty());
        assert!(plan.holds.is_empty());
        assert!(plan.complete);
    }

    /// The restore stays within maximumPercent and waits out a launch back-off.
    #[test]
    fn restores_stay_within_maximum_percent_and_the_back_off() {
        let tasks = Table::from([running(1, 1, 0), failing(2, 2), failing(3, 2)]);
        let mut full = view(2, 150, 100, &tasks);
        full.holds = &[(1, 2)];
        assert!(plan(&full).restore.is_empty(), "3 tasks of at most 3");
        let mut throttled = view(2, 200, 100, &tasks);
        throttled.holds = &[(1, 2)];
        throttled.throttled_until = Some(at(130));
        let throttled = plan(&throttled);
        assert!(throttled.restore.is_empty());
        assert_eq!(
            throttled.holds,
            vec![(1, 2)],
            "it comes back after the back-off"
        );
    }

    #[test]
    fn failed_health_checks_within_the_grace_period_wait_for_its_end() {
        let mut failing = running(1, 2, 60);
        failing.1.health_checked = true;
        failing.1.unhealthy = true;
        let tasks = Table::from([failing]);
        let within = failed_health(&tasks, at(100), 60 * S);
        assert_eq!(within.failed, vec![]);
        assert_eq!(within.grace_ends, vec![at(120)]);
        let after = failed_health(&tasks, at(120), 60 * S);
        assert_eq!(after.failed, vec![key(1)]);
        assert_eq!(after.grace_ends, vec![]);
    }
}
