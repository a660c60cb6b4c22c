//! BLUE_GREEN, LINEAR and CANARY deployments (ECS_SINCE_2024 §1.2–1.4): the new revision
//! (green) scales to the desired count beside the one it replaces (blue), takes the test
//! traffic, then the production traffic (at once for BLUE_GREEN, in equal steps for LINEAR,
//! a first step and then the rest for CANARY), bakes with both running, and blue goes.
//!
//! A deployment walks its `lifecycleStage`s in order:
//!
//! 1. RECONCILE_SERVICE, only when the service had more than the revision in production
//!    (a deployment superseded mid-way): the others' tasks stop first.
//! 2. PRE_SCALE_UP; SCALE_UP: green starts its tasks and waits until all count as healthy;
//!    POST_SCALE_UP.
//! 3. TEST_TRAFFIC_SHIFT: the test listener rules send everything to green;
//!    POST_TEST_TRAFFIC_SHIFT.
//! 4. PRODUCTION_TRAFFIC_SHIFT, a step at a time: PRE_PRODUCTION_TRAFFIC_SHIFT hooks, the
//!    production rules' weights move, PRODUCTION_TRAFFIC_SHIFT hooks, then (below 100 %) the
//!    step's bake time; POST_PRODUCTION_TRAFFIC_SHIFT.
//! 5. BAKE_TIME: `bakeTimeInMinutes` with both revisions running; CLEAN_UP: blue's tasks stop,
//!    and once they have the deployment is SUCCESSFUL.
//!
//! A stage with hooks waits for every hook run of it (of the step, in production) to succeed;
//! one that fails, or times out with ROLLBACK, rolls back. A rollback (hooks, the circuit
//! breaker, StopServiceDeployment), at any stage before CLEAN_UP, sets the weights back to
//! blue at once and stops green's tasks; blue never stopped, so nothing is launched. As it
//! rolls back, ECS runs the PRODUCTION_TRAFFIC_SHIFT and TEST_TRAFFIC_SHIFT hooks again
//! ("When a roll back happens, Amazon ECS runs the lifecycle hooks for the following
//! lifecycle stages", the developer guide): each once, production's first, and the
//! deployment has rolled back when they have finished, however they finished (the order, and
//! that their answers cannot stop a rollback, are our reading). Until CLEAN_UP, a blue task
//! that fails is replaced from blue's own revision.
//!
//! A headless service (no load balancer with a production listener rule) walks the same
//! stages, but its traffic is not ECS's to shift: no weights are set. A service's first
//! deployment has nothing to shift from: its production traffic moves in one step and it
//! does not bake (our reading, in the `UNCONFIRMED` spirit).

use berth_model::load_balancing::{split_weights, TargetCall};
use berth_model::resources::{DeploymentConfiguration, ServiceLoadBalancer};
use berth_model::states::{
    DeploymentLifecycleHookStage as HookStage, DeploymentStatus, DeploymentStrategy, RolloutState,
    ServiceDeploymentLifecycleStage as Stage, ServiceDeploymentStatus, ServiceStatus,
};
use berth_model::{messages, SimTime};

use crate::engine::deployments::begin_rollback;
use crate::engine::hooks::{begin, gate, hooked, Gate, Owner};
use crate::records::history::Shift;
use crate::records::timers::Wake;
use crate::records::{deployment_number, table, ServiceRecord, State, TaskKey};
use crate::schedulers::step::{
    counts_healthy, draining_events, finish_step, reach_steady_state, ready_at, start_tasks,
    started_event, stop_task, stopped_event, write_problem, Source,
};

/// What a deployment's strategy members make of its pace, defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pace {
    pub(crate) strategy: DeploymentStrategy,
    /// Production percentage moved by each LINEAR step, or by CANARY's first.
    pub(crate) step_percent: f64,
    /// Milliseconds between production steps.
    pub(crate) step_bake_ms: u64,
    /// Milliseconds of BAKE_TIME.
    pub(crate) bake_ms: u64,
}

const MINUTE_MS: u64 = 60_000;

impl Pace {
    /// The pace of `config`'s strategy (API_LinearConfiguration, API_CanaryConfiguration:
    /// 10 % every 6 minutes, 5 % for 10 minutes; `bakeTimeInMinutes` is 0 when absent).
    pub(crate) fn of(config: &DeploymentConfiguration) -> Pace {
        let strategy = config
            .strategy
            .clone()
            .unwrap_or(DeploymentStrategy::Rolling);
        let minutes = |m: Option<i64>, default: u64| m.map_or(default, |m| m.max(0) as u64);
        let (step_percent, step_bake) = match strategy {
            DeploymentStrategy::Linear => {
                let linear = config.linear_configuration.clone().unwrap_or_default();
                (
                    linear.step_percent.unwrap_or(10.0),
                    minutes(linear.step_bake_time_in_minutes, 6),
                )
            }
            DeploymentStrategy::Canary => {
                let canary = config.canary_configuration.clone().unwrap_or_default();
                (
                    canary.canary_percent.unwrap_or(5.0),
                    minutes(canary.canary_bake_time_in_minutes, 10),
                )
            }
            _ => (100.0, 0),
        };
        Pace {
            strategy,
            step_percent,
            step_bake_ms: step_bake * MINUTE_MS,
            bake_ms: minutes(config.bake_time_in_minutes, 0) * MINUTE_MS,
        }
    }

    /// Green's production percentage after the step that follows `now_at` (step `step`,
    /// counted from 1); a first deployment moves in one step.
    fn next_weight(&self, now_at: f64, step: u32, first_deployment: bool) -> f64 {
        if first_deployment {
            return 100.0;
        }
        let next = match self.strategy {
            DeploymentStrategy::Linear => now_at + self.step_percent,
            DeploymentStrategy::Canary if step == 1 => self.step_percent,
            _ => 100.0,
        };
        // Percentages are tenths: a sum of tenths stays one.
        ((next * 10.0).round() / 10.0).min(100.0)
    }
}

/// What [`plan`] reads of a service mid-deployment.
pub(crate) struct View<'a> {
    pub(crate) now: SimTime,
    pub(crate) shift: &'a Shift,
    pub(crate) pace: &'a Pace,
    /// The stages its lifecycle hooks run at.
    pub(crate) hooked: &'a [HookStage],
    /// Tasks green should have (the service's desired count) and blue should keep.
    pub(crate) desired: u32,
    pub(crate) blue_desired: u32,
    /// Each revision's tasks desired RUNNING, green's of those counted healthy, and each
    /// one's tasks not yet STOPPED (draining included).
    pub(crate) green_live: u32,
    pub(crate) green_healthy: u32,
    pub(crate) green_unstopped: u32,
    pub(crate) blue_live: u32,
    pub(crate) blue_unstopped: u32,
    /// Tasks of any other deployment not yet STOPPED.
    pub(crate) others_unstopped: u32,
    /// Green's circuit breaker tripped without a rollback: it launches nothing more.
    pub(crate) failed: bool,
}

/// How a deployment ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Blue is gone: SUCCESSFUL.
    Succeeded,
    /// Green is gone and blue serves: ROLLBACK_SUCCESSFUL.
    RolledBack,
    /// A rollback was asked for, but there is no earlier revision to go back to.
    Failed,
}

/// What a step of the machine does, before it does it.
#[derive(Debug, PartialEq)]
pub(crate) struct Plan {
    /// Where the machine stands after the step.
    pub(crate) shift: Shift,
    pub(crate) start_green: u32,
    pub(crate) start_blue: u32,
    /// Stop every task of green, of blue, of the other deployments.
    pub(crate) stop_green: bool,
    pub(crate) stop_blue: bool,
    pub(crate) stop_others: bool,
    /// The weights moved: set them on the listener rules.
    pub(crate) weights: bool,
    /// Begin the hooks of this stage (the application makes their runs).
    pub(crate) begin_hooks: Option<HookStage>,
    /// Look again then: a bake, a step's bake or a hook's timeout ends.
    pub(crate) wake_at: Option<SimTime>,
    pub(crate) outcome: Option<Outcome>,
}

/// The production step a hook run of `stage` belongs to (0 outside production).
pub(crate) fn step_of(shift: &Shift, stage: &HookStage) -> u32 {
    match stage {
        HookStage::PreProductionTrafficShift | HookStage::ProductionTrafficShift => shift.step,
        _ => 0,
    }
}

/// The machine's step: every transition the view allows now, in order, until one waits.
pub(crate) fn plan(view: &View) -> Plan {
    let now = view.now;
    let mut shift = view.shift.clone();
    let mut plan = Plan {
        shift: view.shift.clone(),
        start_green: 0,
        start_blue: 0,
        stop_green: false,
        stop_blue: false,
        stop_others: false,
        weights: false,
        begin_hooks: None,
        wake_at: None,
        outcome: None,
    };
    let first_deployment = shift.source.is_none();
    // Each transition either moves the stage on (continue) or waits (break); a stage is
    // entered at most once per step, so the loop ends.
    for _ in 0..64 {
        if let Some(reason) = &shift.rollback {
            if first_deployment {
                let _ = reason;
                plan.outcome = Some(Outcome::Failed);
                break;
            }
            shift.production = 0.0;
            shift.test = 0.0;
            plan.stop_green = true;
            // As it rolls back, ECS runs the hooks of the two traffic shifts (production's
            // first: ours); the deployment has rolled back once they have finished too.
            let mut hooks_done = true;
            for stage in [
                HookStage::ProductionTrafficShift,
                HookStage::TestTrafficShift,
            ] {
                match gate(&mut shift.hooks, stage.clone(), 0, now, view.hooked, true) {
                    Gate::Pass | Gate::Rollback(_) => continue,
                    Gate::Begin => plan.begin_hooks = Some(stage),
                    Gate::Wait(at) => plan.wake_at = at,
                }
                hooks_done = false;
                break;
            }
            if hooks_done && view.green_unstopped == 0 {
                plan.outcome = Some(Outcome::RolledBack);
            }
            break;
        }
        // Waits for the hooks of `$stage` (begins them, waits, or rolls back) ...
        macro_rules! hooks {
            ($stage:expr) => {
                let step = step_of(&shift, &$stage);
                match gate(&mut shift.hooks, $stage, step, now, view.hooked, false) {
                    Gate::Pass => {}
                    Gate::Begin => {
                        plan.begin_hooks = Some($stage);
                        break;
                    }
                    Gate::Wait(at) => {
                        plan.wake_at = at;
                        break;
                    }
                    Gate::Rollback(why) => {
                        shift.rollback = Some(why.to_owned());
                        continue;
                    }
                }
            };
        }
        // ... then goes on to `$next`.
        macro_rules! through {
            ($stage:expr, $next:expr) => {{
                hooks!($stage);
                shift.stage = $next;
                shift.since = now;
                continue;
            }};
        }
        match shift.stage {
            Stage::ReconcileService => {
                plan.stop_others = true;
                if view.others_unstopped > 0 {
                    break;
                }
                through!(HookStage::ReconcileService, Stage::PreScaleUp)
            }
            Stage::PreScaleUp => through!(HookStage::PreScaleUp, Stage::ScaleUp),
            Stage::ScaleUp => {
                if view.green_healthy >= view.desired && view.green_live == view.desired {
                    shift.stage = Stage::PostScaleUp;
                    shift.since = now;
                    continue;
                }
                break;
            }
            Stage::PostScaleUp => through!(HookStage::PostScaleUp, Stage::TestTrafficShift),
            Stage::TestTrafficShift => {
                shift.test = 100.0;
                through!(HookStage::TestTrafficShift, Stage::PostTestTrafficShift)
            }
            Stage::PostTestTrafficShift => {
                through!(
                    HookStage::PostTestTrafficShift,
                    Stage::ProductionTrafficShift
                )
            }
            Stage::ProductionTrafficShift => {
                if shift.step == 0 {
                    shift.step = 1;
                }
                if !shift.pre_done {
                    hooks!(HookStage::PreProductionTrafficShift);
                    shift.pre_done = true;
                }
                if !shift.shifted {
                    shift.production =
                        view.pace
                            .next_weight(shift.production, shift.step, first_deployment);
                    shift.shifted = true;
                    shift.since = now;
                }
                let done = shift.production >= 100.0;
                hooks!(HookStage::ProductionTrafficShift);
                if done {
                    shift.stage = Stage::PostProductionTrafficShift;
                    shift.since = now;
                    continue;
                }
                let next_step = shift.since.plus_millis(view.pace.step_bake_ms);
                if now < next_step {
                    plan.wake_at = Some(next_step);
                    break;
                }
                shift.step += 1;
                shift.pre_done = false;
                shift.shifted = false;
                shift.since = now;
            }
            Stage::PostProductionTrafficShift => {
                through!(HookStage::PostProductionTrafficShift, Stage::BakeTime)
            }
            Stage::BakeTime => {
                let bake = if first_deployment {
                    0
                } else {
                    view.pace.bake_ms
                };
                let ends = shift.since.plus_millis(bake);
                if now < ends {
                    plan.wake_at = Some(ends);
                    break;
                }
                shift.stage = Stage::CleanUp;
                shift.since = now;
            }
            Stage::CleanUp => {
                plan.stop_blue = true;
                if view.blue_unstopped == 0 {
                    plan.outcome = Some(Outcome::Succeeded);
                }
                break;
            }
            Stage::Unknown(_) => break,
        }
    }
    // Green keeps its count from SCALE_UP on; blue keeps its own until CLEAN_UP, a failed
    // task of it replaced from its own revision.
    let scaling = !matches!(shift.stage, Stage::ReconcileService | Stage::PreScaleUp);
    if shift.rollback.is_none() && scaling && !view.failed {
        plan.start_green = view.desired.saturating_sub(view.green_live);
    }
    let cleaning = shift.stage == Stage::CleanUp && shift.rollback.is_none();
    if !cleaning && !first_deployment {
        plan.start_blue = view.blue_desired.saturating_sub(view.blue_live);
    }
    plan.weights = shift.managed
        && (shift.production != view.shift.production || shift.test != view.shift.test);
    plan.shift = shift;
    plan
}

/// The service's traffic-shifting deployment under way, if its PRIMARY deployment is one:
/// its place in the history.
pub(crate) fn in_flight(record: &ServiceRecord) -> Option<usize> {
    let primary = &record.doc.deployments.first()?.id;
    record.history.iter().rposition(|h| {
        &h.id == primary
            && h.shift.is_some()
            && matches!(
                h.status,
                ServiceDeploymentStatus::InProgress | ServiceDeploymentStatus::RollbackInProgress
            )
    })
}

/// One step of a service whose PRIMARY deployment shifts traffic (history entry `index`),
/// after the replica step replaced its failed tasks (`events`, `drained` so far).
pub(crate) fn step(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    index: usize,
    mut events: Vec<String>,
    mut drained: Vec<Vec<String>>,
) {
    let mut started = Vec::new();
    let mut stopped = Vec::new();
    let mut problem = None;
    // Hooks begun are waited for at once: at most one round per stage with hooks.
    for _ in 0..16 {
        let cluster = &cp.clusters[cluster_name];
        let record = &cluster.services[service_name];
        let h = &record.history[index];
        let shift = h.shift.clone().expect("in flight");
        let config = h.configuration.clone();
        let green_id = h.id.clone();
        let green = deployment_number(&green_id);
        let blue = shift.source.as_deref().map(deployment_number);
        let pace = Pace::of(&config);
        let hooked = hooked(&config);
        let blue_deployment = record
            .doc
            .deployments
            .iter()
            .find(|d| Some(deployment_number(&d.id)) == blue)
            .cloned();
        let mut view = View {
            now,
            shift: &shift,
            pace: &pace,
            hooked: &hooked,
            desired: if record.doc.status == ServiceStatus::Active {
                record.doc.desired_count
            } else {
                0
            },
            blue_desired: blue_deployment.as_ref().map_or(0, |d| d.desired_count),
            green_live: 0,
            green_healthy: 0,
            green_unstopped: 0,
            blue_live: 0,
            blue_unstopped: 0,
            others_unstopped: 0,
            failed: record.doc.deployments[0].rollout_state == RolloutState::Failed
                && shift.rollback.is_none(),
        };
        let mut wakes = Vec::new();
        let mut became_healthy = Vec::new();
        for (key, t) in table(cluster, service_name) {
            if counts_healthy(t, now) && !t.seen_healthy {
                became_healthy.push(*key);
            }
            if t.deployment == green {
                view.green_unstopped += 1;
                if t.desired_running {
                    view.green_live += 1;
                    view.green_healthy += u32::from(counts_healthy(t, now));
                    wakes.extend(ready_at(t).filter(|at| *at > now));
                }
            } else if Some(t.deployment) == blue {
                view.blue_unstopped += 1;
                view.blue_live += u32::from(t.desired_running);
            } else {
                view.others_unstopped += 1;
            }
        }
        let plan = plan(&view);
        crate::engine::deployments::count_healthy(cp, cluster_name, service_name, &became_healthy);
        for at in wakes {
            cp.timers.arm(at, Wake::TaskCountsHealthy);
        }
        if let Some(at) = plan.wake_at {
            cp.timers.arm(at, Wake::DeploymentStage);
        }
        let rollback_begun = plan.shift.rollback.is_some() && shift.rollback.is_none();
        let record = &cp.clusters[cluster_name].services[service_name];
        let h = &record.history[index];
        let weights = plan.weights.then(|| weigh(record, &plan.shift));
        let service_arn = record.doc.service_arn.clone();
        let deployment_arn = h.arn.clone();
        let green_td = record.doc.deployments[0].task_definition.clone();

        // The machine's new place, and the hooks it begins.
        let record = service(cp, cluster_name, service_name);
        let mut placed = plan.shift.clone();
        let rollback_key = placed.rollback.take().filter(|_| rollback_begun);
        if !rollback_begun {
            placed.rollback = plan.shift.rollback.clone();
        }
        // A stage moved on: the deployment was updated then (the page times a bake from it).
        if placed.stage != shift.stage || placed.step != shift.step {
            record.history[index].updated_at = now;
        }
        record.history[index].shift = Some(placed);
        if let Some(key) = &rollback_key {
            begin_rollback(cp, now, cluster_name, service_name, index, key);
        }
        let (record, mut out) = cp
            .service_and_out(cluster_name, service_name)
            .expect("stepped above");
        if let Some(stage) = &plan.begin_hooks {
            let rollback = plan.shift.rollback.is_some();
            let step = if rollback {
                0
            } else {
                step_of(&plan.shift, stage)
            };
            let owner = Owner {
                service_name,
                service_arn: &service_arn,
                id: &green_id,
                arn: &deployment_arn,
            };
            let (runs, begun) = begin(&mut out, now, &config, &owner, stage, step, rollback);
            events.extend(begun);
            if let Some(shift) = record.history[index].shift.as_mut() {
                shift.hooks.extend(runs);
            }
        }
        for call in weights.into_iter().flatten() {
            out.call_elb(call);
        }
        if plan.stop_blue {
            if let Some(entry) = record
                .doc
                .deployments
                .iter_mut()
                .find(|d| Some(deployment_number(&d.id)) == blue)
            {
                entry.desired_count = 0;
            }
        }

        // Tasks to start and to stop.
        if plan.start_green > 0 {
            let source = Source::Deployment {
                task_definition: &green_td,
                id: &green_id,
            };
            let (arns, found) = start_tasks(
                cp,
                now,
                cluster_name,
                service_name,
                source,
                plan.start_green,
            );
            started.extend(arns);
            problem = problem.or(found);
        }
        if let (true, Some(blue)) = (plan.start_blue > 0, &blue_deployment) {
            let source = Source::Deployment {
                task_definition: &blue.task_definition,
                id: &blue.id,
            };
            let (arns, found) =
                start_tasks(cp, now, cluster_name, service_name, source, plan.start_blue);
            started.extend(arns);
            problem = problem.or(found);
        }
        let to_stop: Vec<TaskKey> = table(&cp.clusters[cluster_name], service_name)
            .iter()
            .filter(|(_, t)| t.desired_running)
            .filter(|(_, t)| {
                let of_green = t.deployment == green;
                let of_blue = Some(t.deployment) == blue;
                (plan.stop_green && of_green)
                    || (plan.stop_blue && of_blue)
                    || (plan.stop_others && !of_green && !of_blue)
            })
            .map(|(key, _)| *key)
            .collect();
        let reason = messages::operation_text("task-stopped-scaling", &[&green_id]);
        for key in &to_stop {
            drained.push(stop_task(cp, now, cluster_name, *key, &reason));
        }
        stopped.extend(to_stop);

        match plan.outcome {
            Some(Outcome::Succeeded) => {
                let record = service(cp, cluster_name, service_name);
                record.production_alternate = plan.shift.alternate;
                reach_steady_state(cp, now, cluster_name, service_name, &mut events);
            }
            Some(Outcome::RolledBack) => {
                let record = service(cp, cluster_name, service_name);
                record.doc.deployments.retain(|d| d.id != green_id);
                if let Some(blue) = record.doc.deployments.first_mut() {
                    blue.status = DeploymentStatus::Primary;
                    blue.updated_at = now;
                    record.doc.task_definition = blue.task_definition.clone();
                }
                let h = &mut record.history[index];
                h.status = ServiceDeploymentStatus::RollbackSuccessful;
                h.finished_at = Some(now);
                h.updated_at = now;
                events.push(messages::operation_text(
                    "shift-rolled-back",
                    &[&service_name, &green_id],
                ));
                reach_steady_state(cp, now, cluster_name, service_name, &mut events);
            }
            Some(Outcome::Failed) => {
                let record = service(cp, cluster_name, service_name);
                let h = &mut record.history[index];
                h.status = ServiceDeploymentStatus::Stopped;
                h.status_reason = Some(messages::operation_text("shift-no-source", &[]));
                h.stopped_at = Some(now);
                h.updated_at = now;
                if let Some(shift) = h.shift.as_mut() {
                    shift.rollback = None;
                }
                if let Some(primary) = record.doc.deployments.first_mut() {
                    primary.rollout_state = RolloutState::Failed;
                    primary.rollout_state_reason = messages::operation_text("shift-no-source", &[]);
                }
            }
            None => {
                // A revision reconciled away drops off the list once its tasks are gone.
                let cluster = &cp.clusters[cluster_name];
                let left: std::collections::BTreeSet<u64> = (table(cluster, service_name).values())
                    .map(|t| t.deployment)
                    .collect();
                let record = service(cp, cluster_name, service_name);
                record.doc.deployments.retain(|d| {
                    let n = deployment_number(&d.id);
                    n == green || Some(n) == blue || left.contains(&n)
                });
            }
        }
        if plan.begin_hooks.is_none() && !rollback_begun {
            break;
        }
    }
    events.extend(started_event(service_name, &started));
    events.extend(stopped_event(service_name, &stopped));
    events.extend(draining_events(service_name, &drained));
    let moved = !started.is_empty() || !stopped.is_empty();
    let problem = problem.map(|(message, reason)| (message, Some(reason)));
    write_problem(
        cp,
        now,
        cluster_name,
        service_name,
        problem,
        moved,
        &mut events,
    );
    finish_step(cp, now, cluster_name, service_name, events);
}

fn service<'s>(cp: &'s mut State, cluster_name: &str, service_name: &str) -> &'s mut ServiceRecord {
    cp.service_mut(cluster_name, service_name)
        .expect("stepped above")
}

/// The target group of `lb` on one side of its pair.
fn side(lb: &ServiceLoadBalancer, alternate: bool) -> Option<String> {
    crate::engine::load_balancing::on_side(lb, alternate).target_group_arn
}

/// ELB calls that set the production and test rules of each load balancer to `shift`'s
/// weights: the source's target group and the new revision's.
fn weigh(record: &ServiceRecord, shift: &Shift) -> Vec<TargetCall> {
    let mut calls = Vec::new();
    for lb in &record.doc.load_balancers {
        let (Some(advanced), Some(green), Some(blue)) = (
            lb.advanced_configuration.as_ref(),
            side(lb, shift.alternate),
            side(lb, !shift.alternate),
        ) else {
            continue;
        };
        let rules = [
            (advanced.production_listener_rule.clone(), shift.production),
            (advanced.test_listener_rule.clone(), shift.test),
        ];
        for (rule, percent) in rules {
            let Some(rule) = rule else { continue };
            let (to_blue, to_green) = split_weights(percent);
            let weights = if blue == green {
                vec![(green.clone(), 1)]
            } else {
                vec![(blue.clone(), to_blue), (green.clone(), to_green)]
            };
            calls.push(TargetCall::Weigh { rule, weights });
        }
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::history::HookRun;
    use berth_model::resources::{CanaryConfiguration, LinearConfiguration};
    use berth_model::states::{HookAction, HookStatus, HookTargetType};

    const MIN: u64 = 60_000;

    fn at(minutes: u64) -> SimTime {
        SimTime::ZERO.plus_millis(minutes * MIN)
    }

    fn shift(strategy: DeploymentStrategy) -> Shift {
        Shift {
            strategy,
            source: Some("ecs-svc/1".into()),
            stage: Stage::PreScaleUp,
            since: at(0),
            step: 0,
            pre_done: false,
            shifted: false,
            production: 0.0,
            test: 0.0,
            alternate: true,
            managed: true,
            hooks: Vec::new(),
            rollback: None,
        }
    }

    fn pace(strategy: DeploymentStrategy, bake: i64) -> Pace {
        Pace::of(&DeploymentConfiguration {
            strategy: Some(strategy),
            bake_time_in_minutes: Some(bake),
            ..DeploymentConfiguration::default()
        })
    }

    /// A view of 4 desired tasks with blue's 4 running and green's as given.
    fn view<'a>(
        now: SimTime,
        shift: &'a Shift,
        pace: &'a Pace,
        hooked: &'a [HookStage],
        green: u32,
    ) -> View<'a> {
        View {
            now,
            shift,
            pace,
            hooked,
            desired: 4,
            blue_desired: 4,
            green_live: green,
            green_healthy: green,
            green_unstopped: green,
            blue_live: 4,
            blue_unstopped: 4,
            others_unstopped: 0,
            failed: false,
        }
    }

    #[test]
    fn blue_green_scales_green_up_before_any_traffic_moves() {
        let pace = pace(DeploymentStrategy::BlueGreen, 10);
        let s = shift(DeploymentStrategy::BlueGreen);
        let plan = plan(&view(at(0), &s, &pace, &[], 0));
        assert_eq!(plan.shift.stage, Stage::ScaleUp);
        assert_eq!(plan.start_green, 4);
        assert_eq!(plan.start_blue, 0);
        assert_eq!((plan.shift.production, plan.shift.test), (0.0, 0.0));
        assert!(!plan.weights && plan.outcome.is_none());
        // Three of four healthy: still scaling up.
        let plan = self::plan(&view(at(1), &plan.shift, &pace, &[], 3));
        assert_eq!(plan.shift.stage, Stage::ScaleUp);
        assert_eq!(plan.start_green, 1);
    }

    #[test]
    fn blue_green_shifts_test_then_all_production_then_bakes_then_cleans_up() {
        let pace = pace(DeploymentStrategy::BlueGreen, 10);
        let mut s = shift(DeploymentStrategy::BlueGreen);
        s.stage = Stage::ScaleUp;
        let plan = plan(&view(at(2), &s, &pace, &[], 4));
        assert_eq!(plan.shift.stage, Stage::BakeTime);
        assert_eq!((plan.shift.production, plan.shift.test), (100.0, 100.0));
        assert!(plan.weights);
        assert_eq!(plan.wake_at, Some(at(12)));
        assert!(!plan.stop_blue);
        let baking = plan.shift;
        let plan = self::plan(&view(at(11), &baking, &pace, &[], 4));
        assert_eq!(plan.shift.stage, Stage::BakeTime);
        assert!(!plan.weights);
        let plan = self::plan(&view(at(12), &baking, &pace, &[], 4));
        assert_eq!(plan.shift.stage, Stage::CleanUp);
        assert!(plan.stop_blue && plan.outcome.is_none());
        assert_eq!(plan.start_blue, 0);
        let mut gone = view(at(13), &plan.shift, &pace, &[], 4);
        gone.blue_unstopped = 0;
        gone.blue_live = 0;
        assert_eq!(self::plan(&gone).outcome, Some(Outcome::Succeeded));
    }

    #[test]
    fn linear_moves_production_a_step_at_a_time_with_its_bake_between() {
        let pace = Pace::of(&DeploymentConfiguration {
            strategy: Some(DeploymentStrategy::Linear),
            linear_configuration: Some(LinearConfiguration {
                step_percent: Some(33.3),
                step_bake_time_in_minutes: Some(2),
            }),
            ..DeploymentConfiguration::default()
        });
        let mut s = shift(DeploymentStrategy::Linear);
        s.stage = Stage::ScaleUp;
        let mut weights = Vec::new();
        let mut minute = 0;
        let mut current = s;
        while current.stage != Stage::CleanUp && minute < 30 {
            let plan = plan(&view(at(minute), &current, &pace, &[], 4));
            if plan.weights {
                weights.push((minute, plan.shift.production));
            }
            current = plan.shift;
            minute += 1;
        }
        assert_eq!(
            weights,
            vec![(0, 33.3), (2, 66.6), (4, 99.9), (6, 100.0)],
            "a step every 2 minutes, none after 100 %"
        );
        assert_eq!(current.stage, Stage::CleanUp);
    }

    #[test]
    fn canary_sends_its_percentage_then_the_rest_after_its_bake() {
        let pace = Pace::of(&DeploymentConfiguration {
            strategy: Some(DeploymentStrategy::Canary),
            canary_configuration: Some(CanaryConfiguration {
                canary_percent: Some(10.0),
                canary_bake_time_in_minutes: Some(5),
            }),
            ..DeploymentConfiguration::default()
        });
        let mut s = shift(DeploymentStrategy::Canary);
        s.stage = Stage::PostScaleUp;
        let plan = plan(&view(at(0), &s, &pace, &[], 4));
        assert_eq!(plan.shift.production, 10.0);
        assert_eq!(plan.shift.stage, Stage::ProductionTrafficShift);
        assert_eq!(plan.wake_at, Some(at(5)));
        let plan = self::plan(&view(at(5), &plan.shift, &pace, &[], 4));
        assert_eq!(plan.shift.production, 100.0);
        assert_eq!(plan.shift.step, 2);
        assert_eq!(plan.shift.stage, Stage::CleanUp, "no bake time asked for");
    }

    #[test]
    fn the_defaults_are_10_percent_every_6_minutes_and_5_percent_for_10() {
        let linear = Pace::of(&DeploymentConfiguration {
            strategy: Some(DeploymentStrategy::Linear),
            ..DeploymentConfiguration::default()
        });
        assert_eq!((linear.step_percent, linear.step_bake_ms), (10.0, 6 * MIN));
        let canary = Pace::of(&DeploymentConfiguration {
            strategy: Some(DeploymentStrategy::Canary),
            ..DeploymentConfiguration::default()
        });
        assert_eq!((canary.step_percent, canary.step_bake_ms), (5.0, 10 * MIN));
        assert_eq!(canary.bake_ms, 0);
    }

    fn run(stage: HookStage, step: u32, status: HookStatus, action: HookAction) -> HookRun {
        HookRun::pause(stage, step, status, action, at(60))
    }

    #[test]
    fn a_lambda_hook_answered_in_progress_is_invoked_again_after_its_delay_and_times_out() {
        let pace = pace(DeploymentStrategy::BlueGreen, 0);
        let hooked = [HookStage::PostScaleUp];
        let mut s = shift(DeploymentStrategy::BlueGreen);
        s.stage = Stage::PostScaleUp;
        let mut lambda = run(
            HookStage::PostScaleUp,
            0,
            HookStatus::InProgress,
            HookAction::Rollback,
        );
        lambda.target_type = HookTargetType::AwsLambda;
        lambda.attempt = 1;
        lambda.call_back_at = Some(at(40));
        s.hooks.push(lambda);
        let plan = plan(&view(at(10), &s, &pace, &hooked, 4));
        assert_eq!(
            plan.wake_at,
            Some(at(40)),
            "until the function is invoked again"
        );
        assert_eq!(plan.shift.hooks[0].invoked_at, None);
        let plan = self::plan(&view(at(40), &s, &pace, &hooked, 4));
        let again = &plan.shift.hooks[0];
        assert_eq!((again.attempt, again.invoked_at), (2, Some(at(40))));
        assert_eq!(again.call_back_at, None);
        assert_eq!(plan.wake_at, Some(at(60)), "then until it times out");
        assert_eq!(plan.shift.stage, Stage::PostScaleUp);
        let plan = self::plan(&view(at(60), &plan.shift, &pace, &hooked, 4));
        assert_eq!(plan.shift.hooks[0].status, HookStatus::TimedOut);
        assert_eq!(
            plan.shift.hooks[0].invoked_at, None,
            "no answer is awaited any more"
        );
        assert_eq!(plan.shift.rollback.as_deref(), Some("hook-timed-out"));
    }

    #[test]
    fn a_rollback_runs_the_traffic_shift_hooks_once_each_and_ends_when_they_have_finished() {
        let pace = pace(DeploymentStrategy::BlueGreen, 5);
        let hooked = [
            HookStage::TestTrafficShift,
            HookStage::ProductionTrafficShift,
        ];
        let mut s = shift(DeploymentStrategy::BlueGreen);
        s.stage = Stage::BakeTime;
        s.production = 100.0;
        s.test = 100.0;
        s.rollback = Some("stopped".into());
        let plan = plan(&view(at(10), &s, &pace, &hooked, 4));
        assert_eq!((plan.shift.production, plan.shift.test), (0.0, 0.0));
        assert!(
            plan.weights && plan.stop_green,
            "the traffic goes back at once"
        );
        assert_eq!(plan.begin_hooks, Some(HookStage::ProductionTrafficShift));
        let mut back = plan.shift;
        let mut production = run(
            HookStage::ProductionTrafficShift,
            0,
            HookStatus::InProgress,
            HookAction::Rollback,
        );
        production.rollback = true;
        back.hooks.push(production);
        let plan = self::plan(&view(at(11), &back, &pace, &hooked, 0));
        assert_eq!(plan.outcome, None, "green is gone, but the hook runs");
        assert_eq!(plan.wake_at, Some(at(60)));
        back.hooks[0].status = HookStatus::Failed;
        let plan = self::plan(&view(at(12), &back, &pace, &hooked, 0));
        assert_eq!(
            plan.begin_hooks,
            Some(HookStage::TestTrafficShift),
            "a failed run cannot stop a rollback"
        );
        let mut test = run(
            HookStage::TestTrafficShift,
            0,
            HookStatus::Succeeded,
            HookAction::Rollback,
        );
        test.rollback = true;
        back.hooks.push(test);
        let plan = self::plan(&view(at(13), &back, &pace, &hooked, 0));
        assert_eq!(plan.outcome, Some(Outcome::RolledBack));
        assert!(plan.begin_hooks.is_none());
    }

    #[test]
    fn a_hooked_stage_begins_its_hooks_waits_for_them_and_goes_on_when_they_succeed() {
        let pace = pace(DeploymentStrategy::BlueGreen, 0);
        let hooked = [HookStage::PostScaleUp];
        let mut s = shift(DeploymentStrategy::BlueGreen);
        s.stage = Stage::ScaleUp;
        let plan = plan(&view(at(1), &s, &pace, &hooked, 4));
        assert_eq!(plan.shift.stage, Stage::PostScaleUp);
        assert_eq!(plan.begin_hooks, Some(HookStage::PostScaleUp));
        let mut paused = plan.shift;
        paused.hooks.push(run(
            HookStage::PostScaleUp,
            0,
            HookStatus::AwaitingAction,
            HookAction::Rollback,
        ));
        let plan = self::plan(&view(at(2), &paused, &pace, &hooked, 4));
        assert_eq!(plan.shift.stage, Stage::PostScaleUp);
        assert_eq!(plan.wake_at, Some(at(60)), "until the hook times out");
        assert!(plan.begin_hooks.is_none());
        paused.hooks[0].status = HookStatus::Succeeded;
        let plan = self::plan(&view(at(3), &paused, &pace, &hooked, 4));
        assert_eq!(plan.shift.stage, Stage::CleanUp);
    }

    #[test]
    fn a_hook_that_times_out_rolls_back_or_continues_as_its_action_says() {
        let pace = pace(DeploymentStrategy::BlueGreen, 0);
        let hooked = [HookStage::PostTestTrafficShift];
        let mut s = shift(DeploymentStrategy::BlueGreen);
        s.stage = Stage::PostTestTrafficShift;
        s.test = 100.0;
        s.hooks.push(run(
            HookStage::PostTestTrafficShift,
            0,
            HookStatus::AwaitingAction,
            HookAction::Rollback,
        ));
        let plan = plan(&view(at(60), &s, &pace, &hooked, 4));
        assert_eq!(plan.shift.hooks[0].status, HookStatus::TimedOut);
        assert_eq!(plan.shift.rollback.as_deref(), Some("hook-timed-out"));
        assert_eq!((plan.shift.production, plan.shift.test), (0.0, 0.0));
        assert!(plan.stop_green && plan.weights);
        assert_eq!(plan.start_green, 0);
        s.hooks[0].timeout_action = HookAction::Continue;
        let plan = self::plan(&view(at(60), &s, &pace, &hooked, 4));
        assert!(plan.shift.rollback.is_none());
        assert_eq!(plan.shift.stage, Stage::CleanUp);
    }

    #[test]
    fn a_rollback_during_bake_sends_traffic_back_and_stops_green_launching_nothing() {
        let pace = pace(DeploymentStrategy::BlueGreen, 30);
        let mut s = shift(DeploymentStrategy::BlueGreen);
        s.stage = Stage::BakeTime;
        s.production = 100.0;
        s.test = 100.0;
        s.rollback = Some("stop".into());
        let plan = plan(&view(at(5), &s, &pace, &[], 4));
        assert!(plan.weights && plan.stop_green && !plan.stop_blue);
        assert_eq!((plan.start_green, plan.start_blue), (0, 0));
        assert_eq!(plan.outcome, None);
        let mut gone = view(at(6), &plan.shift, &pace, &[], 0);
        gone.green_unstopped = 0;
        let plan = self::plan(&gone);
        assert_eq!(plan.outcome, Some(Outcome::RolledBack));
        assert!(!plan.weights, "already back");
    }

    #[test]
    fn linear_hooks_run_before_and_after_every_production_step() {
        let pace = Pace::of(&DeploymentConfiguration {
            strategy: Some(DeploymentStrategy::Linear),
            linear_configuration: Some(LinearConfiguration {
                step_percent: Some(50.0),
                step_bake_time_in_minutes: Some(0),
            }),
            ..DeploymentConfiguration::default()
        });
        let hooked = [HookStage::PreProductionTrafficShift];
        let mut s = shift(DeploymentStrategy::Linear);
        s.stage = Stage::PostTestTrafficShift;
        let mut begun = Vec::new();
        for minute in 0..10 {
            let plan = plan(&view(at(minute), &s, &pace, &hooked, 4));
            s = plan.shift;
            if let Some(stage) = plan.begin_hooks {
                begun.push((s.step, s.production));
                let mut done = run(stage, s.step, HookStatus::Succeeded, HookAction::Rollback);
                done.id = format!("ecs-pause-{minute}");
                s.hooks.push(done);
            }
        }
        assert_eq!(begun, vec![(1, 0.0), (2, 50.0)]);
        assert_eq!(s.stage, Stage::CleanUp);
    }

    #[test]
    fn blue_tasks_that_fail_are_replaced_from_blue_until_clean_up() {
        let pace = pace(DeploymentStrategy::BlueGreen, 10);
        let mut s = shift(DeploymentStrategy::BlueGreen);
        s.stage = Stage::BakeTime;
        s.since = at(0);
        let mut v = view(at(1), &s, &pace, &[], 4);
        v.blue_live = 3;
        assert_eq!(plan(&v).start_blue, 1);
        s.stage = Stage::CleanUp;
        let mut v = view(at(1), &s, &pace, &[], 4);
        v.blue_live = 3;
        assert_eq!(plan(&v).start_blue, 0);
    }

    #[test]
    fn a_first_deployment_moves_production_at_once_and_does_not_bake() {
        let pace = pace(DeploymentStrategy::Canary, 30);
        let mut s = shift(DeploymentStrategy::Canary);
        s.source = None;
        s.stage = Stage::ScaleUp;
        let mut v = view(at(0), &s, &pace, &[], 4);
        v.blue_desired = 0;
        v.blue_live = 0;
        v.blue_unstopped = 0;
        let plan = plan(&v);
        assert_eq!(plan.shift.production, 100.0);
        assert_eq!(plan.outcome, Some(Outcome::Succeeded));
    }

    #[test]
    fn a_superseded_deployment_is_reconciled_away_first() {
        let pace = pace(DeploymentStrategy::BlueGreen, 0);
        let mut s = shift(DeploymentStrategy::BlueGreen);
        s.stage = Stage::ReconcileService;
        let mut v = view(at(0), &s, &pace, &[], 0);
        v.others_unstopped = 2;
        let plan = plan(&v);
        assert!(plan.stop_others);
        assert_eq!(plan.shift.stage, Stage::ReconcileService);
        assert_eq!(plan.start_green, 0);
        v.others_unstopped = 0;
        assert_eq!(self::plan(&v).shift.stage, Stage::ScaleUp);
    }

    #[test]
    fn a_headless_deployment_sets_no_weights() {
        let pace = pace(DeploymentStrategy::BlueGreen, 0);
        let mut s = shift(DeploymentStrategy::BlueGreen);
        s.stage = Stage::ScaleUp;
        s.managed = false;
        let plan = plan(&view(at(0), &s, &pace, &[], 4));
        assert_eq!(plan.shift.production, 100.0);
        assert!(!plan.weights);
    }
}
