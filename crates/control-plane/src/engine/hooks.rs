//! Lifecycle hooks (ECS_SINCE_2024 §1.3). At a hooked stage ECS begins a run of each hook
//! ([`begin`]) and the stage waits for them ([`gate`]). A PAUSE hook awaits action
//! (ContinueServiceDeployment). An AWS_LAMBDA hook's function is invoked with the deployment's
//! state: `SUCCEEDED` lets the stage on, `FAILED` rolls the deployment back, `IN_PROGRESS` has
//! ECS invoke it again after `callBackDelay` seconds (30 by default), passing back the
//! `hookDetails` it returned; an answer without a valid `hookStatus`, or a function that
//! fails, rolls back. Either kind's timeout applies its action.
//!
//! Berth has no Lambda. An invocation waiting for its answer is level-triggered state
//! ([`invocations`]): whoever hosts the control plane answers it ([`answer`]), the server by
//! posting the payload to the endpoint `--hook-endpoint` names, the page by asking a person. A
//! host that restarts sees the same invocations waiting and makes them again.

use serde_json::{json, Map, Value};

use berth_model::resources::DeploymentConfiguration;
use berth_model::states::{
    DeploymentLifecycleHookStage as HookStage, HookAction, HookStatus, HookTargetType,
    ServiceDeploymentStatus,
};
use berth_model::{messages, ApiError, SimTime};

use crate::records::history::{History, HookInvocation, HookRun, Shift};
use crate::records::{Out, State};

/// ECS's delay before invoking a function again that answered IN_PROGRESS without one.
pub(crate) const DEFAULT_CALL_BACK_SECONDS: u64 = 30;

const MINUTE_MS: u64 = 60_000;

/// Whether the hooks of a stage let the deployment on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Gate {
    Pass,
    /// No run of the stage yet: begin them ([`begin`]).
    Begin,
    /// Until a run times out or is invoked again, if one will.
    Wait(Option<SimTime>),
    /// `hook-failed` or `hook-timed-out`.
    Rollback(&'static str),
}

/// The hook stages a deployment configuration has hooks at.
pub(crate) fn hooked(config: &DeploymentConfiguration) -> Vec<HookStage> {
    config
        .lifecycle_hooks
        .iter()
        .flatten()
        .flat_map(|hook| hook.lifecycle_stages.iter().cloned())
        .collect()
}

/// The hooks of `stage` (its runs of production step `step`): none configured, or all
/// succeeded (or timed out with CONTINUE), pass; runs not begun yet begin; one failed (or
/// timed out with ROLLBACK) rolls back; the rest wait, until their earliest timeout or call
/// back. Runs that time out now are marked TIMED_OUT; a function that answered IN_PROGRESS is
/// invoked again once its delay is over. The runs of a rollback (`rollback`) pass once each
/// has finished, however it finished.
pub(crate) fn gate(
    runs: &mut [HookRun],
    stage: HookStage,
    step: u32,
    now: SimTime,
    hooked: &[HookStage],
    rollback: bool,
) -> Gate {
    if !hooked.contains(&stage) {
        return Gate::Pass;
    }
    let mut runs = runs
        .iter_mut()
        .filter(|run| run.stage == stage && run.step == step && run.rollback == rollback)
        .peekable();
    if runs.peek().is_none() {
        return Gate::Begin;
    }
    let mut wait = None::<SimTime>;
    let mut verdict = Gate::Pass;
    for run in runs {
        let open = matches!(
            run.status,
            HookStatus::AwaitingAction | HookStatus::InProgress
        );
        if open && now >= run.expires_at {
            run.status = HookStatus::TimedOut;
            run.invoked_at = None;
            run.call_back_at = None;
        }
        if run.call_back_at.is_some_and(|at| at <= now) {
            run.call_back_at = None;
            run.attempt += 1;
            run.invoked_at = Some(now);
        }
        match (&run.status, &run.timeout_action) {
            (HookStatus::Failed, _) if !rollback => verdict = Gate::Rollback("hook-failed"),
            (HookStatus::TimedOut, HookAction::Rollback) if !rollback => {
                verdict = Gate::Rollback("hook-timed-out")
            }
            (HookStatus::Succeeded | HookStatus::TimedOut | HookStatus::Failed, _) => {}
            _ => {
                let next = run
                    .call_back_at
                    .map_or(run.expires_at, |at| at.min(run.expires_at));
                wait = Some(wait.map_or(next, |w| w.min(next)));
            }
        }
    }
    match (verdict, wait) {
        (Gate::Rollback(why), _) => Gate::Rollback(why),
        (_, Some(at)) => Gate::Wait(Some(at)),
        (verdict, None) => verdict,
    }
}

/// The deployment whose hooks begin.
pub(crate) struct Owner<'a> {
    pub(crate) service_name: &'a str,
    pub(crate) service_arn: &'a str,
    /// `ecs-svc/...`.
    pub(crate) id: &'a str,
    /// The service deployment's ARN.
    pub(crate) arn: &'a str,
}

/// Begins a run of every hook `config` has at `stage` (of production step `step`; a
/// rollback's when `rollback`): a PAUSE hook AWAITING_ACTION, with ECS's HOOK_AWAITING_ACTION
/// event; an AWS_LAMBDA hook's function invoked. Returns the runs and the service events.
pub(crate) fn begin(
    out: &mut Out<'_>,
    now: SimTime,
    config: &DeploymentConfiguration,
    owner: &Owner<'_>,
    stage: &HookStage,
    step: u32,
    rollback: bool,
) -> (Vec<HookRun>, Vec<String>) {
    let mut runs = Vec::new();
    let mut events = Vec::new();
    for (i, hook) in config.lifecycle_hooks.iter().flatten().enumerate() {
        if !hook.lifecycle_stages.contains(stage) {
            continue;
        }
        let timeout = hook.timeout_configuration.clone().unwrap_or_default();
        let minutes = timeout.timeout_in_minutes.unwrap_or(1440).max(1) as u64;
        let target_type = hook
            .target_type
            .clone()
            .unwrap_or(HookTargetType::AwsLambda);
        let lambda = target_type == HookTargetType::AwsLambda;
        let id = if lambda {
            out.new_id().hyphenated()
        } else {
            format!("ecs-pause-{}", out.new_id().as_str())
        };
        let run = HookRun {
            id: id.clone(),
            index: i,
            stage: stage.clone(),
            step,
            rollback,
            target_type,
            target_arn: hook.hook_target_arn.clone(),
            status: if lambda {
                HookStatus::InProgress
            } else {
                HookStatus::AwaitingAction
            },
            expires_at: now.plus_millis(minutes * MINUTE_MS),
            timeout_action: timeout.action.unwrap_or(HookAction::Rollback),
            attempt: u32::from(lambda),
            invoked_at: lambda.then_some(now),
            call_back_at: None,
            details: hook.hook_details.clone().filter(|_| lambda),
        };
        if lambda {
            events.push(messages::operation_text(
                "hook-invoked",
                &[
                    &owner.service_name,
                    &owner.id,
                    &id,
                    &stage,
                    &run.target_arn.as_deref().unwrap_or_default(),
                ],
            ));
        } else {
            out.emit(
                now,
                "ECS Hook State Change",
                owner.service_arn,
                &json!({
                    "eventName": "HOOK_AWAITING_ACTION",
                    "hookId": id,
                    "serviceDeploymentArn": owner.arn,
                    "lifecycleStage": stage,
                    "expiresAt": run.expires_at,
                }),
            );
            events.push(messages::operation_text(
                "hook-awaiting-action",
                &[&owner.service_name, &owner.id, &stage, &id],
            ));
        }
        runs.push(run);
    }
    (runs, events)
}

/// Every invocation waiting for its function's answer, oldest first.
pub(crate) fn invocations(cp: &State) -> Vec<HookInvocation> {
    let mut found = Vec::new();
    for cluster in cp.clusters.values() {
        for record in cluster.services.values() {
            for h in &record.history {
                if !open(h) {
                    continue;
                }
                for run in h.hook_runs() {
                    let Some(invoked_at) = run.invoked_at else {
                        continue;
                    };
                    found.push(HookInvocation {
                        execution_id: run.id.clone(),
                        attempt: run.attempt,
                        function_arn: run.target_arn.clone().unwrap_or_default(),
                        service_arn: record.doc.service_arn.clone(),
                        invoked_at,
                        payload: payload(record, h, h.shift.as_ref(), run),
                    });
                }
            }
        }
    }
    found.sort_by(|a, b| (a.invoked_at, &a.execution_id).cmp(&(b.invoked_at, &b.execution_id)));
    found
}

/// A deployment whose hooks can still be answered (a traffic shift's rollback runs some
/// again; a ROLLING deployment's rollback is another deployment, which runs none).
fn open(h: &History) -> bool {
    match h.status {
        ServiceDeploymentStatus::InProgress => true,
        ServiceDeploymentStatus::RollbackInProgress => h.shift.is_some(),
        _ => false,
    }
}

/// The event ECS invokes a hook's function with (the developer guide's "Lifecycle payloads"):
/// the weights are those of the stage's traffic, test at TEST_TRAFFIC_SHIFT and production at
/// PRE_PRODUCTION_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT, by service revision ARN; other
/// stages carry empty maps.
fn payload(
    record: &crate::records::ServiceRecord,
    h: &History,
    shift: Option<&Shift>,
    run: &HookRun,
) -> Value {
    let source_revision = shift.and_then(|s| s.source.as_ref()).and_then(|source| {
        record
            .history
            .iter()
            .find(|s| &s.id == source)
            .map(|s| s.revision_arn.clone())
    });
    let weights = |green: f64| {
        let mut map = Map::new();
        if shift.is_some_and(|s| s.managed) {
            map.insert(h.revision_arn.clone(), percent(green));
            if let Some(blue) = &source_revision {
                map.insert(blue.clone(), percent(100.0 - green));
            }
        }
        Value::Object(map)
    };
    let (test, production) = match (&run.stage, shift) {
        (HookStage::TestTrafficShift, Some(shift)) => (weights(shift.test), json!({})),
        (HookStage::PreProductionTrafficShift | HookStage::ProductionTrafficShift, Some(shift)) => {
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
            let h = record.history.iter_mut().find(|h| {
                h.hook_runs().iter().any(|run| {
                    run.id == execution_id && run.target_type == HookTargetType::AwsLambda
                })
            })?;
            Some((h, service_arn))
        })
    });
    let Some((h, service_arn)) = found else {
        return Err(messages::operation_error(
            "hook-answer-unknown",
            &[&execution_id],
        ));
    };
    let (open, deployment_arn) = (open(h), h.arn.clone());
    let run = h.hook_run_mut(execution_id).expect("found above");
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
    h.updated_at = now;
    let run = h.hook_run_mut(execution_id).expect("found above");
    run.invoked_at = None;
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
