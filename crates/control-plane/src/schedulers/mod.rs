//! The service schedulers: after every input, each service takes a step toward what it was
//! asked for. A step is a plan, then its application: a pure function reads a view of the
//! service (its tasks, its counts, the time) and says what to start, what to stop, which
//! events to write and when to look again; [`step`] then launches, stops and writes. The plans
//! are unit-tested on their own, the applications by the scenarios.
//!
//! - [`replica`]: a REPLICA service at its desired count, rolling deployments within
//!   minimumHealthyPercent and maximumPercent, health-check replacement, the circuit breaker.
//! - [`daemon`]: a DAEMON service, one task on every instance that fits.
//! - [`task_sets`]: a service with the EXTERNAL deployment controller, each task set at its
//!   scale.
//! - [`shift`]: a REPLICA service's BLUE_GREEN, LINEAR and CANARY deployments, a stage
//!   machine that shifts traffic between two revisions.
//! - [`rolling`]: a ROLLING deployment's lifecycle stages, where its hooks hold the update.
//! - [`rebalance`]: a steady REPLICA service's tasks evened out over Availability Zones.
//! - [`step`]: what the three share when they act (launching, stopping, steady state).

mod daemon;
pub(crate) mod rebalance;
mod replica;
mod rolling;
mod shift;
mod step;
mod task_sets;

use crate::records::{is_external, State};
use berth_model::states::{SchedulingStrategy, ServiceStatus};
use berth_model::SimTime;

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

/// One step of one service, by its scheduler.
pub(crate) fn reconcile(cp: &mut State, now: SimTime, cluster_name: &str, service_name: &str) {
    let Some(record) = cp.service(cluster_name, service_name) else {
        return;
    };
    if record.doc.status == ServiceStatus::Inactive {
        return;
    }
    // A deployment alarm in ALARM fails the deployment before the scheduler moves on.
    crate::engine::alarms::watch(cp, now, cluster_name, service_name);
    let Some(record) = cp.service(cluster_name, service_name) else {
        return;
    };
    if record.doc.scheduling_strategy == SchedulingStrategy::Daemon {
        daemon::step(cp, now, cluster_name, service_name);
    } else if is_external(&record.doc.deployment_controller) {
        task_sets::step(cp, now, cluster_name, service_name);
    } else {
        replica::step(cp, now, cluster_name, service_name);
    }
}
