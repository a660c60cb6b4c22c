//! The task-set scheduler of a service with the EXTERNAL deployment controller: every task set
//! runs its computed desired count (`⌈desiredCount × scale⌉`, none once it drains or the
//! service is deleted) of its own task definition; a drained set with no tasks left is gone.
//! A set is STEADY_STATE when it runs exactly that many tasks and none is pending; when every
//! set is, the service has reached a steady state. ECS runs no deployment of its own here: the
//! external controller moves traffic and scale between the sets.

use crate::records::{
    computed_desired_count, deployment_number, table, Phase, State, Table, TaskKey,
};
use crate::schedulers::step::{
    draining_events, finish_step, register_targets, start_tasks, stop_task, stopped_event, Source,
};
use berth_model::resources::TaskSet;
use berth_model::states::{ServiceStatus, StabilityStatus, TaskSetStatus};
use berth_model::{messages, SimTime};

/// What a step does to one task set, before it does it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SetPlan {
    /// Its computed desired count.
    pub(crate) target: u32,
    pub(crate) start: u32,
    /// Scale-in: pending tasks first.
    pub(crate) stop: Vec<TaskKey>,
    /// It runs its computed desired count, none pending, once the stops are done.
    pub(crate) steady: bool,
    /// Drained, with no task left: it goes.
    pub(crate) gone: bool,
}

/// The plan of each task set, in the service's order, over the service's unstopped tasks (in
/// its table's order); `desired` is the service's desired count, 0 once it is being deleted.
pub(crate) fn plan(desired: u32, sets: &[TaskSet], tasks: &Table) -> Vec<SetPlan> {
    sets.iter()
        .map(|set| {
            let number = deployment_number(&set.id);
            let draining = set.status == TaskSetStatus::Draining;
            let target = if draining {
                0
            } else {
                computed_desired_count(desired, &set.scale)
            };
            // Its live tasks, and whether each is still PENDING.
            let live: Vec<(TaskKey, bool)> = tasks
                .iter()
                .filter(|(_, t)| t.deployment == number && t.desired_running)
                .map(|(key, t)| (*key, t.phase == Phase::Pending))
                .collect();
            let start = target.saturating_sub(live.len() as u32);
            let mut surplus = live.clone();
            surplus.sort_by_key(|(_, pending)| !pending);
            let stop: Vec<TaskKey> = surplus
                .into_iter()
                .take((live.len() as u32).saturating_sub(target) as usize)
                .map(|(key, _)| key)
                .collect();
            let stopped: std::collections::BTreeSet<&TaskKey> = stop.iter().collect();
            let running = live
                .iter()
                .filter(|(key, pending)| !pending && !stopped.contains(key))
                .count();
            SetPlan {
                target,
                start,
                // Running the target means nothing to start, and the stops leave exactly it.
                steady: running == target as usize,
                gone: draining && stop.len() == live.len(),
                stop,
            }
        })
        .collect()
}

/// One step of an EXTERNAL service: the plan of every set, applied set by set.
pub(crate) fn step(cp: &mut State, now: SimTime, cluster_name: &str, service_name: &str) {
    let registered = register_targets(cp, cluster_name, service_name);
    let cluster = &cp.clusters[cluster_name];
    let record = &cluster.services[service_name];
    let desired = if record.doc.status == ServiceStatus::Active {
        record.doc.desired_count
    } else {
        0
    };
    let sets = record.doc.task_sets.clone();
    let tasks = table(cluster, service_name);
    let plans = plan(desired, &sets, tasks);
    let mut events = registered;
    let mut placement_problem = None;
    let mut updated = Vec::with_capacity(sets.len());
    for (mut set, plan) in sets.into_iter().zip(plans) {
        let mut started = Vec::new();
        if plan.start > 0 {
            let (placed, problem) = start_tasks(
                cp,
                now,
                cluster_name,
                service_name,
                Source::TaskSet(&set),
                plan.start,
            );
            started = placed;
            placement_problem = placement_problem.or(problem);
        }
        let scaling = messages::operation_text("task-stopped-scaling", &[&set.id]);
        // Behind a load balancer a stopping task drains first (step::stop_task).
        let drained: Vec<Vec<String>> = plan
            .stop
            .iter()
            .map(|key| stop_task(cp, now, cluster_name, *key, &scaling))
            .collect();
        if !started.is_empty() {
            let list: Vec<&str> = started
                .iter()
                .map(|arn| crate::records::last_segment(arn))
                .collect();
            let list = list.join(") (task ");
            events.push(messages::operation_text(
                "task-set-started",
                &[
                    &service_name,
                    &set.id,
                    &started.len(),
                    &format!("(task {list})"),
                ],
            ));
        }
        events.extend(stopped_event(service_name, &plan.stop));
        events.extend(draining_events(service_name, &drained));
        let stability = if plan.steady {
            StabilityStatus::SteadyState
        } else {
            StabilityStatus::Stabilizing
        };
        if set.stability_status != stability {
            set.stability_status = stability;
            set.stability_status_at = now;
        }
        set.computed_desired_count = plan.target;
        if !plan.gone {
            updated.push(set);
        }
    }
    let all_steady = !updated.is_empty()
        && updated
            .iter()
            .all(|s| s.stability_status == StabilityStatus::SteadyState);
    let record = cp
        .service_mut(cluster_name, service_name)
        .expect("stepped above");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::ServiceTask;
    use berth_model::resources::Scale;

    fn key(n: u128) -> TaskKey {
        TaskKey::of(&format!("{n:032x}")).unwrap()
    }

    fn set(id: &str, percent: f64) -> TaskSet {
        TaskSet {
            id: id.into(),
            scale: Scale {
                value: percent,
                unit: "PERCENT".into(),
            },
            ..TaskSet::default()
        }
    }

    fn task(n: u128, set: u64, phase: Phase) -> (TaskKey, ServiceTask) {
        let task = ServiceTask {
            phase,
            instance: None,
            ..ServiceTask::running(set, None)
        };
        (key(n), task)
    }

    #[test]
    fn each_set_runs_its_share_of_the_desired_count_rounded_up() {
        let sets = [set("ecs-svc/1", 100.0), set("ecs-svc/2", 33.33)];
        let tasks = Table::from([task(1, 1, Phase::Running)]);
        let plans = plan(3, &sets, &tasks);
        assert_eq!((plans[0].target, plans[0].start), (3, 2));
        assert_eq!((plans[1].target, plans[1].start), (1, 1));
        assert!(!plans[0].steady && !plans[1].steady);
    }

    #[test]
    fn scale_in_stops_pending_tasks_first_and_the_set_is_steady_after() {
        let sets = [set("ecs-svc/1", 50.0)];
        let tasks = Table::from([
            task(1, 1, Phase::Running),
            task(2, 1, Phase::Pending),
            task(3, 1, Phase::Running),
        ]);
        let plans = plan(4, &sets, &tasks);
        assert_eq!(plans[0].stop, vec![key(2)]);
        assert!(plans[0].steady);
    }

    #[test]
    fn a_draining_set_stops_everything_and_goes_when_empty() {
        let mut draining = set("ecs-svc/1", 100.0);
        draining.status = TaskSetStatus::Draining;
        let tasks = Table::from([task(1, 1, Phase::Running)]);
        let plans = plan(2, std::slice::from_ref(&draining), &tasks);
        assert_eq!(plans[0].target, 0);
        assert_eq!(plans[0].stop, vec![key(1)]);
        assert!(plans[0].gone);
        // A deleted service (desired 0) keeps its sets until they have drained.
        let plans = plan(0, &[set("ecs-svc/1", 100.0)], &tasks);
        assert_eq!(plans[0].stop, vec![key(1)]);
        assert!(!plans[0].gone);
    }
}
