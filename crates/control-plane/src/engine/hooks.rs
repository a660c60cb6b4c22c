//! AWS_LAMBDA lifecycle hooks (ECS_SINCE_2024 §1.3): at a hooked stage ECS invokes the
//! function with the deployment's state and waits for its answer: `SUCCEEDED` lets the stage
//! on, `FAILED` rolls the deployment back, `IN_PROGRESS` has ECS invoke it again after
//! `callBackDelay` seconds (30 by default), passing back the `hookDetails` it returned; an
//! answer without a valid `hookStatus`, or a function that fails, rolls back; the hook's
//! timeout applies as to a PAUSE hook.
//!
//! Berth has no Lambda. The stage machine (`schedulers::shift`) begins a run, and invokes it
//! again when its delay is over; an invocation waiting for its answer is level-triggered state
//! ([`invocations`]): whoever hosts the control plane answers it ([`answer`]), the server by
//! posting the payload to the endpoint `--hook-endpoint` names, the page by asking a person. A
//! host that restarts sees the same invocations waiting and makes them again.

use serde_json::{json, Map, Value};

use berth_model::states::{
    DeploymentLifecycleHookStage as HookStage, HookStatus, HookTargetType, ServiceDeploymentStatus,
};
use berth_model::{messages, ApiError, SimTime};

use crate::records::history::{History, HookInvocation, HookRun, Shift};
use crate::records::State;

/// ECS's delay before invoking a function again that answered IN_PROGRESS without one.
pub(crate) const DEFAULT_CALL_BACK_SECONDS: u64 = 30;

/// Every invocation waiting for its function's answer, oldest first.
pub(crate) fn invocations(cp: &State) -> Vec<HookInvocation> {
    let mut found = Vec::new();
    for cluster in cp.clusters.values() {
        for record in cluster.services.values() {
            for h in &record.history {
                let Some(shift) = h.shift.as_ref().filter(|_| open(h)) else {
                    continue;
                };
                for run in &shift.hooks {
                    let Some(invoked_at) = run.invoked_at else {
                        continue;
                    };
                    found.push(HookInvocation {
                        execution_id: run.id.clone(),
                        attempt: run.attempt,
                        function_arn: run.target_arn.clone().unwrap_or_default(),
                        service_arn: record.doc.service_arn.clone(),
                        invoked_at,
                        payload: payload(record, h, shift, run),
                    });
                }
            }
        }
    }
    found.sort_by(|a, b| (a.invoked_at, &a.execution_id).cmp(&(b.invoked_at, &b.execution_id)));
    found
}

/// A deployment whose hooks can still be answered (a rollback runs some again).
fn open(h: &History) -> bool {
    matches!(
        h.status,
        ServiceDeploymentStatus::InProgress | ServiceDeploymentStatus::RollbackInProgress
    )
}

/// The event ECS invokes a hook's function with (the developer guide's "Lifecycle payloads"):
/// the weights are those of the stage's traffic, test at TEST_TRAFFIC_SHIFT and production at
/// PRE_PRODUCTION_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT, by service revision ARN; other
/// stages carry empty maps.
fn payload(
    record: &crate::records::ServiceRecord,
    h: &History,
    shift: &Shift,
    run: &HookRun,
) -> Value {
    let source_revision = shift.source.as_ref().and_then(|source| {
        record
            .history
            .iter()
            .find(|s| &s.id == source)
            .map(|s| s.revision_arn.clone())
    });
    let weights = |green: f64| {
        let mut map = Map::new();
        if shift.managed {
            map.insert(h.revision_arn.clone(), percent(green));
            if let Some(blue) = &source_revision {
                map.insert(blue.clone(), percent(100.0 - green));
            }
        }
        Value::Object(map)
    };
    let (test, production) = match run.stage {
        HookStage::TestTrafficShift => (weights(shift.test), json!({})),
        HookStage::PreProductionTrafficShift | HookStage::ProductionTrafficShift => {
            (json!({}), weights(shift.production))
        }
        _ => (json!({}), json!({})),
    };
    let mut event = json!({
        "executionId": run.id,
        "lifecycleStage": run.stage,
        "resourceArn": h.arn,
        "executionDetails": {
            "serviceArn": record.doc.service_arn,
            "targetServiceRevisionArn": h.revision_arn,
            "testTrafficWeights": test,
            "productionTrafficWeights": production,
        },
    });
    if let Some(details) = &run.details {
        event["hookDetails"] = details.clone();
    }
    event
}

/// A weight as ECS writes it: a whole number when it is one.
fn percent(weight: f64) -> Value {
    if weight.fract() == 0.0 {
        json!(weight as u64)
    } else {
        json!(weight)
    }
}

/// What became of an invocation: the function's return value, or why it failed.
pub type Answer = Result<Value, String>;

/// The function of hook run `execution_id` answered its invocation `attempt` (the current
/// one if `None`). Refused when no run of that id waits for that answer (answered already,
/// timed out, or its deployment ended).
pub(crate) fn answer(
    cp: &mut State,
    now: SimTime,
    execution_id: &str,
    attempt: Option<u32>,
    answer: Answer,
) -> Result<(), ApiError> {
    let found = cp.clusters.iter_mut().find_map(|(_, cluster)| {
        cluster.services.values_mut().find_map(|record| {
            let service_arn = record.doc.service_arn.clone();
            record.history.iter_mut().find_map(|h| {
                let arn = h.arn.clone();
                let open = open(h);
                let run = h.shift.as_mut()?.hooks.iter_mut().find(|run| {
                    run.id == execution_id && run.target_type == HookTargetType::AwsLambda
                })?;
                Some((open, run, arn, service_arn.clone(), &mut h.updated_at))
            })
        })
    });
    let Some((open, run, deployment_arn, service_arn, updated_at)) = found else {
        return Err(messages::operation_error(
            "hook-answer-unknown",
            &[&execution_id],
        ));
    };
    if !open || run.status != HookStatus::InProgress {
        return Err(messages::operation_error(
            "hook-answer-unknown",
            &[&execution_id],
        ));
    }
    if run.invoked_at.is_none() || attempt.is_some_and(|a| a != run.attempt) {
        return Err(messages::operation_error(
            "hook-not-invoked",
            &[&execution_id],
        ));
    }
    run.invoked_at = None;
    *updated_at = now;
    let verdict = match answer.as_ref().ok().and_then(|v| v["hookStatus"].as_str()) {
        Some("SUCCEEDED") => HookStatus::Succeeded,
        Some("IN_PROGRESS") => HookStatus::InProgress,
        // FAILED, no valid hookStatus, or a function that failed: ECS rolls back.
        _ => HookStatus::Failed,
    };
    if verdict == HookStatus::InProgress {
        let returned = answer.as_ref().expect("an IN_PROGRESS answer was returned");
        let seconds = returned["callBackDelay"]
            .as_u64()
            .unwrap_or(DEFAULT_CALL_BACK_SECONDS);
        run.call_back_at = Some(now.plus_millis(seconds.saturating_mul(1000)));
        if let Some(more) = returned["hookDetails"].as_object() {
            let details = run.details.get_or_insert_with(|| json!({}));
            if !details.is_object() {
                *details = json!({});
            }
            let map = details.as_object_mut().expect("made an object above");
            for (key, value) in more {
                map.insert(key.clone(), value.clone());
            }
        }
        return Ok(());
    }
    run.status = verdict.clone();
    let hook_id = run.id.clone();
    cp.out().emit(
        now,
        "ECS Hook State Change",
        &service_arn,
        &json!({
            "eventName": if verdict == HookStatus::Succeeded { "HOOK_SUCCEEDED" } else { "HOOK_FAILED" },
            "hookId": hook_id,
            "serviceDeploymentArn": deployment_arn,
        }),
    );
    Ok(())
}
