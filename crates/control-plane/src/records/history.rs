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
