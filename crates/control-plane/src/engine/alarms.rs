//! Deployment alarms (`deploymentConfiguration.alarms`; ECS_SINCE_2024 §1.5): while a
//! deployment is in progress, ECS watches the CloudWatch alarms it names, and one in ALARM
//! fails it, rolling it back when `rollback` is set.
//!
//! ECS hears of the alarms from the region (`ControlPlane::set_alarms`), never from
//! CloudWatch itself. A ROLLING deployment is watched until steady state and then for a bake
//! ECS computes from the alarms (Berth: the longest look-back, `Period` × `EvaluationPeriods`,
//! of those it knows; messages' `deployment_alarm_bake_ms` says it is a guess) before it
//! COMPLETES; a traffic-shifting one until it is SUCCESSFUL, its bake time included. An alarm
//! CloudWatch does not have is never in ALARM. A rollback is not watched.

use berth_model::monitoring::AlarmState;
use berth_model::resources::DeploymentAlarms;
use berth_model::states::{RolloutState, ServiceDeploymentStatus};
use berth_model::{messages, SimTime};

use crate::engine::deployments::{fail, Failure};
use crate::records::history::History;
use crate::records::State;

/// The alarms a configuration has ECS watch: enabled, with names.
pub(crate) fn watched(alarms: Option<&DeploymentAlarms>) -> Option<&DeploymentAlarms> {
    alarms.filter(|a| a.enable && !a.alarm_names.is_empty())
}

/// How long a ROLLING deployment's alarms are watched after steady state.
pub(crate) fn bake_ms(cp: &State, alarms: &DeploymentAlarms) -> u64 {
    let windows: Vec<u64> = alarms
        .alarm_names
        .iter()
        .filter_map(|name| cp.alarms.get(name))
        .map(|fact| fact.window_seconds)
        .collect();
    messages::deployment_alarm_bake_ms(&windows)
}

/// The deployment under watch: the service's PRIMARY deployment while it is in progress
/// (and not a rollback, which has no history entry of its own): its index in the history,
/// the entry and the alarms it watches.
fn watched_entry(
    record: &crate::records::ServiceRecord,
) -> Option<(usize, &History, &DeploymentAlarms)> {
    let primary = record.doc.deployments.first()?;
    if primary.rollout_state != RolloutState::InProgress {
        return None;
    }
    let (index, h) = record
        .history
        .iter()
        .enumerate()
        .find(|(_, h)| h.id == primary.id && h.status == ServiceDeploymentStatus::InProgress)?;
    Some((index, h, watched(h.configuration.alarms.as_ref())?))
}

/// One look at a service's deployment alarms: any in ALARM fails its deployment.
pub(crate) fn watch(cp: &mut State, now: SimTime, cluster_name: &str, service_name: &str) {
    let Some(record) = cp.service(cluster_name, service_name) else {
        return;
    };
    let Some((index, h, alarms)) = watched_entry(record) else {
        return;
    };
    let triggered: Vec<String> = alarms
        .alarm_names
        .iter()
        .filter(|name| {
            cp.alarms
                .get(*name)
                .is_some_and(|fact| fact.state == AlarmState::Alarm)
        })
        .cloned()
        .collect();
    if triggered.is_empty() {
        return;
    }
    let id = h.id.clone();
    let record = cp
        .service_mut(cluster_name, service_name)
        .expect("found above");
    let h = &mut record.history[index];
    h.triggered_alarms = triggered.clone();
    h.alarm_bake_until = None;
    h.updated_at = now;
    fail(
        cp,
        now,
        cluster_name,
        service_name,
        &id,
        &Failure::Alarms(triggered),
    );
}

/// Where a ROLLING deployment at steady state stands with its alarms' bake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bake {
    /// No deployment alarms to watch: it completes now.
    None,
    /// The bake starts now and ends then (arm a timer).
    Started(SimTime),
    /// The bake goes on.
    Baking,
    /// The bake is over: it completes now.
    Done,
}

/// Where the service's ROLLING deployment at steady state stands with its alarms' bake (the
/// first call starts it).
pub(crate) fn bake(cp: &mut State, now: SimTime, cluster_name: &str, service_name: &str) -> Bake {
    let Some(record) = cp.service(cluster_name, service_name) else {
        return Bake::None;
    };
    let Some((index, h, alarms)) = watched_entry(record) else {
        return Bake::None;
    };
    if h.shift.is_some() {
        return Bake::None;
    }
    match h.alarm_bake_until {
        Some(until) if until > now => Bake::Baking,
        Some(_) => Bake::Done,
        None => {
            let until = now.plus_millis(bake_ms(cp, alarms));
            let record = cp
                .service_mut(cluster_name, service_name)
                .expect("found above");
            record.history[index].alarm_bake_until = Some(until);
            if until > now {
                Bake::Started(until)
            } else {
                Bake::None
            }
        }
    }
}

/// `deployments[].alarms` of DescribeServiceDeployments: `{status, alarmNames,
/// triggeredAlarmNames}`, or `None` for a deployment without alarms.
pub(crate) fn document(h: &History) -> Option<serde_json::Value> {
    let alarms = h.configuration.alarms.as_ref()?;
    let status = if !alarms.enable {
        "DISABLED"
    } else if !h.triggered_alarms.is_empty() {
        "TRIGGERED"
    } else if h.status == ServiceDeploymentStatus::InProgress {
        "MONITORING"
    } else {
        "MONITORING_COMPLETE"
    };
    let mut value = serde_json::json!({
        "status": status,
        "alarmNames": alarms.alarm_names,
    });
    if !h.triggered_alarms.is_empty() {
        value["triggeredAlarmNames"] = serde_json::json!(h.triggered_alarms);
    }
    Some(value)
}
