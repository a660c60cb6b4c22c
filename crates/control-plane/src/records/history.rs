//! A service's deployment history: every deployment it had, with the revision it deployed
//! (ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use berth_model::resources::DeploymentConfiguration;
use berth_model::states::{
    DeploymentLifecycleHookStage, DeploymentStrategy, HookAction, HookStatus, HookTargetType,
    ServiceDeploymentLifecycleStage, ServiceDeploymentStatus,
};
use berth_model::SimTime;

/// One deployment in a service's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct History {
    /// The `ecs-svc/...` id of the deployment (in `deployments[]`).
    pub(crate) id: String,
    pub(crate) arn: String,
    /// The revision it deployed, as DescribeServiceRevisions shows it.
    pub(crate) revision: Value,
    pub(crate) revision_arn: String,
    /// The revisions running when it started.
    pub(crate) sources: Vec<String>,
    pub(crate) created_at: SimTime,
    pub(crate) updated_at: SimTime,
    pub(crate) finished_at: Option<SimTime>,
    pub(crate) stopped_at: Option<SimTime>,
    pub(crate) status: ServiceDeploymentStatus,
    pub(crate) status_reason: Option<String>,
    pub(crate) configuration: DeploymentConfiguration,
    /// `{reason, startedAt, serviceRevisionArn}` once rolled back.
    pub(crate) rollback: Option<Value>,
    /// The deployment carrying out its rollback.
    pub(crate) rolled_back_by: Option<String>,
    /// The circuit breaker tripped.
    pub(crate) tripped: bool,
    /// A BLUE_GREEN, LINEAR or CANARY deployment's stage machine (`schedulers::shift`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) shift: Option<Shift>,
    /// A ROLLING deployment with lifecycle hooks: the stages it walks (`schedulers::rolling`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rolling: Option<Stages>,
    /// Its deployment alarms that were in ALARM while ECS watched them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) triggered_alarms: Vec<String>,
    /// A ROLLING deployment with alarms at steady state: ECS watches them until then before
    /// it COMPLETES (`engine::alarms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) alarm_bake_until: Option<SimTime>,
    /// The image digests its first tasks ran, by container, which every later task of the
    /// deployment runs too (`versionConsistency`; ServiceRevision `containerImages`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) digests: BTreeMap<String, String>,
}

impl History {
    /// The lifecycle stage it is at, if it walks stages (`lifecycleStage`).
    pub(crate) fn stage(&self) -> Option<&ServiceDeploymentLifecycleStage> {
        match (&self.shift, &self.rolling) {
            (Some(shift), _) => Some(&shift.stage),
            (None, Some(rolling)) => Some(&rolling.stage),
            (None, None) => None,
        }
    }

    /// Every run of its lifecycle hooks so far (`lifecycleHookDetails`).
    pub(crate) fn hook_runs(&self) -> &[HookRun] {
        match (&self.shift, &self.rolling) {
            (Some(shift), _) => &shift.hooks,
            (None, Some(rolling)) => &rolling.hooks,
            (None, None) => &[],
        }
    }

    /// The run of its hooks with id `id`.
    pub(crate) fn hook_run_mut(&mut self, id: &str) -> Option<&mut HookRun> {
        let runs = match (&mut self.shift, &mut self.rolling) {
            (Some(shift), _) => &mut shift.hooks,
            (None, Some(rolling)) => &mut rolling.hooks,
            (None, None) => return None,
        };
        runs.iter_mut().find(|run| run.id == id)
    }
}

/// Where a ROLLING deployment with lifecycle hooks stands (our reading: ECS documents that
/// pause hooks work with rolling deployments, not which stages one walks). It walks
/// RECONCILE_SERVICE (when it began with more than one revision ACTIVE), PRE_SCALE_UP,
/// SCALE_UP (the rolling update proper), POST_SCALE_UP (the new revision runs the desired
/// count, healthy) and CLEAN_UP (the older revisions' remaining tasks stop).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Stages {
    pub(crate) stage: ServiceDeploymentLifecycleStage,
    /// When the stage began.
    pub(crate) since: SimTime,
    /// Every hook run so far, the current stage's last.
    pub(crate) hooks: Vec<HookRun>,
}

/// Where a traffic-shifting deployment stands. The deployment's own tasks are green; the
/// revision it replaces (`source`) is blue and keeps running until CLEAN_UP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Shift {
    /// BLUE_GREEN, LINEAR or CANARY.
    pub(crate) strategy: DeploymentStrategy,
    /// The deployment (`ecs-svc/...`) it replaces, if the service had one.
    pub(crate) source: Option<String>,
    pub(crate) stage: ServiceDeploymentLifecycleStage,
    /// When the stage, or the production step under way, began.
    pub(crate) since: SimTime,
    /// Production traffic shift steps begun (LINEAR and CANARY take several).
    pub(crate) step: u32,
    /// Within a production step: its PRE_PRODUCTION_TRAFFIC_SHIFT hooks are done ...
    pub(crate) pre_done: bool,
    /// ... and its weights have moved.
    pub(crate) shifted: bool,
    /// The percentage of production traffic and of test traffic sent to the new revision.
    pub(crate) production: f64,
    pub(crate) test: f64,
    /// The new revision's tasks register in the alternate target groups.
    pub(crate) alternate: bool,
    /// The weights are ECS's to set: the service has a load balancer with production listener
    /// rules (a headless service's traffic is not managed).
    pub(crate) managed: bool,
    /// Every hook run so far, the current stage's last.
    pub(crate) hooks: Vec<HookRun>,
    /// Going back to the source: why.
    pub(crate) rollback: Option<String>,
}

/// One run of a lifecycle hook (`lifecycleHookDetails[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HookRun {
    /// `ecs-pause-...` for a PAUSE hook.
    pub(crate) id: String,
    /// Its place in `lifecycleHooks`.
    pub(crate) index: usize,
    pub(crate) stage: DeploymentLifecycleHookStage,
    /// The production step it belongs to.
    pub(crate) step: u32,
    /// A run ECS makes as it rolls the deployment back (of PRODUCTION_TRAFFIC_SHIFT and
    /// TEST_TRAFFIC_SHIFT): its answer cannot stop the rollback.
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) rollback: bool,
    pub(crate) target_type: HookTargetType,
    pub(crate) target_arn: Option<String>,
    pub(crate) status: HookStatus,
    pub(crate) expires_at: SimTime,
    pub(crate) timeout_action: HookAction,
    /// An AWS_LAMBDA hook's invocations so far: ECS invokes the function again after each
    /// IN_PROGRESS answer.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) attempt: u32,
    /// While the current invocation waits for the function's answer: when it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) invoked_at: Option<SimTime>,
    /// After an IN_PROGRESS answer: when the function is invoked again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) call_back_at: Option<SimTime>,
    /// The `hookDetails` each invocation carries: the hook's own, merged with those the
    /// function returned with IN_PROGRESS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) details: Option<Value>,
}

#[cfg(test)]
impl HookRun {
    /// A PAUSE hook's run `ecs-pause-1` at `stage` (of production step `step`), for the stage
    /// machines' tests.
    pub(crate) fn pause(
        stage: DeploymentLifecycleHookStage,
        step: u32,
        status: HookStatus,
        timeout_action: HookAction,
        expires_at: SimTime,
    ) -> HookRun {
        HookRun {
            id: "ecs-pause-1".into(),
            index: 0,
            stage,
            step,
            rollback: false,
            target_type: HookTargetType::Pause,
            target_arn: None,
            status,
            expires_at,
            timeout_action,
            attempt: 0,
            invoked_at: None,
            call_back_at: None,
            details: None,
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// An invocation of an AWS_LAMBDA hook's function that waits for its answer. Berth has no
/// Lambda: whoever hosts the control plane answers it (`berth serve --hook-endpoint` posts
/// the payload to a local HTTP endpoint; the page lets a person answer as the function would).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookInvocation {
    /// The hook run's id (`lifecycleHookDetails[].hookId`), the payload's `executionId`.
    pub execution_id: String,
    /// Which invocation of the run this is, from 1.
    pub attempt: u32,
    /// The function (`hookTargetArn`).
    pub function_arn: String,
    /// The service deploying.
    pub service_arn: String,
    /// When ECS invoked it.
    pub invoked_at: SimTime,
    /// The event the function gets: `executionId`, `lifecycleStage`, `resourceArn` (the
    /// service deployment), `executionDetails` and `hookDetails`.
    pub payload: Value,
}
