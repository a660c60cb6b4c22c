//! The DAEMON scheduler: one task on every ACTIVE instance that meets the service's
//! constraints, none anywhere else (ECS_REFERENCE §7.5). An instance's old-revision task stops
//! before its replacement starts (maximumPercent 100), and tasks on instances that are
//! DRAINING or no longer match stop. The desired count is the number of instances that fit.

use crate::engine::launch::{launch_task, Launch, Target};
use crate::engine::placement::{place, Rules};
use crate::records::timers::Wake;
use crate::records::{deployment_number, resolve, table, ServiceTask, State, Table, TaskKey};
use crate::schedulers::step::{
    counts_healthy, draining_events, finish_step, reach_steady_state, ready_at, register_targets,
    started_event, stop_task, stopped_event,
};
use berth_model::states::{RolloutState, ServiceStatus};
use berth_model::{messages, SimTime};
use std::collections::BTreeMap;

/// What a DAEMON step does, before it does it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Tasks of an older deployment, and tasks on instances that no longer fit.
    pub(crate) stop: Vec<TaskKey>,
    /// Instances (by their place in the fleet) that fit and run none of the service's tasks.
    pub(crate) start_on: Vec<usize>,
    /// Every instance that fits runs one PRIMARY task that counts as healthy (HEALTHY, or 40 s
    /// without health checks), and nothing else runs.
    pub(crate) complete: bool,
    /// When a task counts as healthy.
    pub(crate) wake_at: Vec<SimTime>,
}

/// The DAEMON plan over the service's unstopped tasks (in its table's order), given the
/// instances that fit (`eligible`, ascending) and the PRIMARY deployment's number.
pub(crate) fn plan(eligible: &[usize], tasks: &Table, primary: u64, now: SimTime) -> Plan {
    let mut on_instance: BTreeMap<usize, Vec<(&TaskKey, &ServiceTask)>> = BTreeMap::new();
    // A DAEMON service's tasks are on instances (DAEMON is EC2 only).
    for task in tasks.iter().filter(|(_, t)| t.desired_running) {
        if let Some(instance) = task.1.instance {
            on_instance.entry(instance).or_default().push(task);
        }
    }
    let mut plan = Plan::default();
    for (instance, tasks) in &on_instance {
        let fits = eligible.contains(instance);
        plan.stop.extend(
            tasks
                .iter()
                .filter(|(_, t)| !fits || t.deployment != primary)
                .map(|(key, _)| *key),
        );
    }
    plan.start_on = eligible
        .iter()
        .copied()
        .filter(|i| !on_instance.contains_key(i))
        .collect();
    // Healthy as a REPLICA service counts it: HEALTHY with health checks, 40 s without.
    let healthy_here = |instance: usize| {
        tasks.values().any(|t| {
            t.instance == Some(instance)
                && t.desired_running
                && t.deployment == primary
                && counts_healthy(t, now)
        })
    };
    let others = tasks.iter().any(|(_, t)| {
        t.desired_running
            && (t.deployment != primary || t.instance.is_none_or(|i| !eligible.contains(&i)))
    });
    plan.complete = plan.stop.is_empty()
        && plan.start_on.is_empty()
        && !others
        && eligible.iter().all(|i| healthy_here(*i));
    plan.wake_at = tasks
        .values()
        .filter_map(ready_at)
        .filter(|at| *at > now)
        .collect();
    plan
}

/// One step of a DAEMON service: which instances fit, the plan, and its application.
pub(crate) fn step(cp: &mut State, now: SimTime, cluster_name: &str, service_name: &str) {
    let registered = register_targets(cp, cluster_name, service_name);
    let cluster = &cp.clusters[cluster_name];
    let record = &cluster.services[service_name];
    let active = record.doc.status == ServiceStatus::Active;
    let execute_command = record.doc.enable_execute_command;
    let primary = record.doc.deployments[0].clone();
    let pinned = record.pinned(&primary.id);
    let Some(td) = resolve(cp, &primary.task_definition).cloned() else {
        return;
    };
    let Ok(rules) = Rules::service(&td, &record.doc) else {
        return;
    };
    let eligible: Vec<usize> = cluster
        .fleet
        .instances()
        .iter()
        .enumerate()
        .filter(|(_, i)| active && i.status == berth_scheduler::InstanceStatus::Active)
        .filter(|(_, i)| {
            rules.constraints.iter().all(|c| match c {
                berth_scheduler::Constraint::MemberOf { expr, .. } => expr.matches(*i),
                berth_scheduler::Constraint::DistinctInstance => true,
            })
        })
        .map(|(index, _)| index)
        .collect();
    let tasks = table(cluster, service_name);
    let plan = plan(&eligible, tasks, deployment_number(&primary.id), now);

    let scaling = messages::operation_text("task-stopped-scaling", &[&primary.id]);
    // Behind a load balancer a stopping task drains first (step::stop_task).
    let drained: Vec<Vec<String>> = plan
        .stop
        .iter()
        .map(|key| stop_task(cp, now, cluster_name, *key, &scaling))
        .collect();
    let mut started = Vec::new();
    for &instance in &plan.start_on {
        let ec2_id = cp.clusters[cluster_name].fleet.instances()[instance]
            .ec2_instance_id
            .clone();
        let Ok(only_here) = rules.only_on(&ec2_id) else {
            continue;
        };
        let mut launch =
            Launch::for_service(td.clone(), service_name, &primary.id, None, execute_command);
        launch.pinned = pinned.clone();
        let outcome = place(cp, cluster_name, &launch, &only_here, None, 1);
        let Some((cluster, mut out)) = cp.cluster_and_out(cluster_name) else {
            break;
        };
        for placement in outcome.placements {
            let target = Target::Instance(placement, None);
            started.push(launch_task(cluster, &mut out, now, &launch, target).task_arn);
        }
    }
    let record = cp
        .service_mut(cluster_name, service_name)
        .expect("stepped above");
    let desired = eligible.len() as u32;
    record.doc.desired_count = desired;
    record.doc.deployments[0].desired_count = desired;
    let mut events: Vec<String> = registered
        .into_iter()
        .chain(started_event(service_name, &started))
        .chain(stopped_event(service_name, &plan.stop))
        .chain(draining_events(service_name, &drained))
        .collect();
    for at in &plan.wake_at {
        cp.timers.arm(*at, Wake::TaskCountsHealthy);
    }
    let record = &cp.clusters[cluster_name].services[service_name];
    if plan.complete
        && (record.doc.deployments[0].rollout_state == RolloutState::InProgress
            || record.doc.deployments.len() > 1)
    {
        reach_steady_state(cp, now, cluster_name, service_name, &mut events);
    }
    finish_step(cp, now, cluster_name, service_name, events);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SimTime {
        SimTime::ZERO.plus_millis(seconds * 1000)
    }

    /// Task `n` of deployment `deployment`, RUNNING on `instance` since `started` seconds.
    fn task(n: u128, deployment: u64, instance: usize, started: u64) -> (TaskKey, ServiceTask) {
        let key = TaskKey::of(&format!("{n:032x}")).unwrap();
        let task = ServiceTask {
            instance: Some(instance),
            ..ServiceTask::running(deployment, Some(at(started)))
        };
        (key, task)
    }

    #[test]
    fn every_fitting_instance_gets_one_task() {
        let plan = plan(&[0, 1, 2], &Table::from([task(1, 2, 1, 0)]), 2, at(100));
        assert_eq!(plan.start_on, vec![0, 2]);
        assert!(plan.stop.is_empty() && !plan.complete);
    }

    #[test]
    fn an_old_revision_stops_before_its_replacement_starts() {
        let old = task(1, 1, 0, 0);
        let plan = plan(&[0], &Table::from([old]), 2, at(100));
        assert_eq!(plan.stop, vec![old.0]);
        // The instance still runs a task (stopping): its replacement waits for the next step.
        assert!(plan.start_on.is_empty());
    }

    #[test]
    fn a_task_on_an_instance_that_no_longer_fits_stops() {
        let here = task(1, 2, 0, 0);
        let plan = plan(&[1], &Table::from([here]), 2, at(100));
        assert_eq!(plan.stop, vec![here.0]);
        assert_eq!(plan.start_on, vec![1]);
    }

    #[test]
    fn with_health_checks_complete_only_once_healthy() {
        let (key, mut task) = task(1, 2, 0, 0);
        task.health_checked = true;
        let unknown = Table::from([(key, task)]);
        assert!(
            !plan(&[0], &unknown, 2, at(100)).complete,
            "run 100 s, health UNKNOWN"
        );
        task.healthy = true;
        let healthy = Table::from([(key, task)]);
        assert!(plan(&[0], &healthy, 2, at(10)).complete);
    }

    #[test]
    fn complete_when_every_instance_runs_a_task_that_has_run_40_s() {
        let tasks = Table::from([task(1, 2, 0, 0), task(2, 2, 1, 80)]);
        let warming = plan(&[0, 1], &tasks, 2, at(100));
        assert!(!warming.complete);
        assert_eq!(warming.wake_at, vec![at(120)]);
        assert!(plan(&[0, 1], &tasks, 2, at(120)).complete);
    }
}
