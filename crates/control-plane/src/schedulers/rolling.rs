//! A ROLLING deployment's lifecycle stages, for its hooks. ECS documents that pause hooks work
//! with rolling deployments (ECS_SINCE_2024 §1.3), not which stages a rolling deployment
//! walks; this is our reading, kept to the stages whose documented meaning a rolling update
//! has (no traffic stage: `engine::configuration` refuses hooks at them). A ROLLING
//! deployment with lifecycle hooks walks:
//!
//! 1. RECONCILE_SERVICE, only when it began with more than one earlier revision ACTIVE (it
//!    superseded a deployment under way);
//! 2. PRE_SCALE_UP: nothing of the new revision has started;
//! 3. SCALE_UP: the rolling update proper (`replica`), within minimumHealthyPercent and
//!    maximumPercent, until the new revision runs the desired count, every task counted
//!    healthy;
//! 4. POST_SCALE_UP: the older revisions' tasks still running keep running;
//! 5. CLEAN_UP: they stop, and the deployment COMPLETES as any rolling deployment does.
//!
//! While a stage's hooks wait, the rolling update holds ([`Hold`]): before SCALE_UP it starts
//! none of the new revision's tasks, and until CLEAN_UP it stops none of the older revisions'
//! for the deployment. Tasks that fail their health checks are still replaced, and an older
//! revision's lost tasks still come back from it. A hook that fails, or times out with the
//! action ROLLBACK, fails the deployment, which rolls back to the revision that last completed
//! as a circuit breaker's rollback does: a new deployment, which runs no hooks (they would
//! pause the way back).

use berth_model::states::{
    DeploymentLifecycleHookStage as HookStage, ServiceDeploymentLifecycleStage as Stage,
    ServiceDeploymentStatus,
};
use berth_model::SimTime;

use crate::engine::deployments::Failure;
use crate::engine::hooks::{begin, gate, Gate, Owner};
use crate::records::history::Stages;
use crate::records::timers::Wake;
use crate::records::{ServiceRecord, State};

/// What the rolling update may do while a stage waits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Hold {
    /// Nothing is held: SCALE_UP, CLEAN_UP, or a deployment without hooks.
    #[default]
    Nothing,
    /// Before SCALE_UP: no task of the new revision starts, no older one stops, and the
    /// deployment does not complete.
    ScaleUp,
    /// POST_SCALE_UP: no older revision's task stops, and the deployment does not complete.
    CleanUp,
}

/// What the rolling update holds at `stage`.
pub(crate) fn hold(stage: &Stage) -> Hold {
    match stage {
        Stage::ReconcileService | Stage::PreScaleUp => Hold::ScaleUp,
        Stage::ScaleUp | Stage::CleanUp => Hold::Nothing,
        _ => Hold::CleanUp,
    }
}

/// What [`plan`] reads.
pub(crate) struct View<'a> {
    pub(crate) now: SimTime,
    pub(crate) stages: &'a Stages,
    /// The stages the deployment has hooks at.
    pub(crate) hooked: &'a [HookStage],
    /// The new revision runs the desired count, every task counted healthy (`replica::Plan`).
    pub(crate) scaled_up: bool,
}

/// What a step of the stages does, before it does it.
#[derive(Debug, PartialEq)]
pub(crate) struct Plan {
    /// Where the deployment stands after the step (hook runs that timed out marked so).
    pub(crate) stages: Stages,
    /// Begin the hooks of this stage.
    pub(crate) begin_hooks: Option<HookStage>,
    /// Look again then: a hook times out, or a function is invoked again.
    pub(crate) wake_at: Option<SimTime>,
    /// A hook of this stage failed (`false`) or timed out (`true`): the deployment fails.
    pub(crate) failed: Option<(HookStage, bool)>,
}

/// Every transition the view allows now, in order, until one waits.
pub(crate) fn plan(view: &View) -> Plan {
    let now = view.now;
    let mut stages = view.stages.clone();
    let mut plan = Plan {
        stages: view.stages.clone(),
        begin_hooks: None,
        wake_at: None,
        failed: None,
    };
    // Each stage is entered at most once, so the loop ends.
    for _ in 0..8 {
        let (hook_stage, next) = match stages.stage {
            Stage::ReconcileService => (HookStage::ReconcileService, Stage::PreScaleUp),
            Stage::PreScaleUp => (HookStage::PreScaleUp, Stage::ScaleUp),
            Stage::ScaleUp if view.scaled_up => {
                stages.stage = Stage::PostScaleUp;
                stages.since = now;
                continue;
            }
            Stage::PostScaleUp => (HookStage::PostScaleUp, Stage::CleanUp),
            _ => break,
        };
        match gate(
            &mut stages.hooks,
            hook_stage.clone(),
            0,
            now,
            view.hooked,
            false,
        ) {
            Gate::Pass => {
                stages.stage = next;
                stages.since = now;
            }
            Gate::Begin => {
                plan.begin_hooks = Some(hook_stage);
                break;
            }
            Gate::Wait(at) => {
                plan.wake_at = at;
                break;
            }
            Gate::Rollback(why) => {
                plan.failed = Some((hook_stage, why == "hook-timed-out"));
                break;
            }
        }
    }
    plan.stages = stages;
    plan
}

/// The service's PRIMARY deployment, if it is a ROLLING one with hooks under way: its place
/// in the history.
pub(crate) fn in_flight(record: &ServiceRecord) -> Option<usize> {
    let primary = &record.doc.deployments.first()?.id;
    record.history.iter().rposition(|h| {
        &h.id == primary && h.rolling.is_some() && h.status == ServiceDeploymentStatus::InProgress
    })
}

/// Applies a plan to the deployment at `index` of the service's history: its new place, the
/// hooks it begins (with their events, added to `events`), the wake-up; a failed hook fails
/// the deployment (`engine::deployments::fail`), which returns `true`.
pub(crate) fn apply(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    service_name: &str,
    index: usize,
    plan: Plan,
    events: &mut Vec<String>,
) -> bool {
    if let Some(at) = plan.wake_at {
        cp.timers.arm(at, Wake::DeploymentStage);
    }
    let Some((record, mut out)) = cp.service_and_out(cluster_name, service_name) else {
        return false;
    };
    let service_arn = record.doc.service_arn.clone();
    let h = &mut record.history[index];
    if h.rolling.as_ref().map(|s| &s.stage) != Some(&plan.stages.stage) {
        h.updated_at = now;
    }
    let mut stages = plan.stages;
    if let Some(stage) = &plan.begin_hooks {
        let owner = Owner {
            service_name,
            service_arn: &service_arn,
            id: &h.id,
            arn: &h.arn,
        };
        let (runs, begun) = begin(&mut out, now, &h.configuration, &owner, stage, 0, false);
        // Look again when the first of them times out.
        let expires = runs.iter().map(|run| run.expires_at).min();
        stages.hooks.extend(runs);
        events.extend(begun);
        if let Some(at) = expires {
            cp.timers.arm(at, Wake::DeploymentStage);
        }
    }
    let record = cp
        .service_mut(cluster_name, service_name)
        .expect("stepped above");
    let h = &mut record.history[index];
    h.rolling = Some(stages);
    let Some((stage, timed_out)) = plan.failed else {
        return false;
    };
    let id = h.id.clone();
    crate::engine::deployments::fail(
        cp,
        now,
        cluster_name,
        service_name,
        &id,
        &Failure::Hook { stage, timed_out },
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::history::HookRun;
    use berth_model::states::{HookAction, HookStatus};

    fn at(minutes: u64) -> SimTime {
        SimTime(minutes * 60_000)
    }

    fn view_of<'a>(
        stages: &'a Stages,
        hooked: &'a [HookStage],
        now: SimTime,
        scaled_up: bool,
    ) -> View<'a> {
        View {
            now,
            stages,
            hooked,
            scaled_up,
        }
    }

    fn stages(stage: Stage) -> Stages {
        Stages {
            stage,
            since: at(0),
            hooks: Vec::new(),
        }
    }

    fn pause(stage: HookStage, status: HookStatus, action: HookAction) -> HookRun {
        HookRun::pause(stage, 0, status, action, at(10))
    }

    #[test]
    fn without_hooks_it_scales_up_and_cleans_up_as_the_update_goes() {
        let start = stages(Stage::PreScaleUp);
        let plan = plan(&view_of(&start, &[], at(0), false));
        assert_eq!(plan.stages.stage, Stage::ScaleUp);
        assert_eq!(hold(&plan.stages.stage), Hold::Nothing);
        let plan = self::plan(&view_of(&plan.stages, &[], at(1), true));
        assert_eq!(plan.stages.stage, Stage::CleanUp);
        assert_eq!(plan.begin_hooks, None);
    }

    #[test]
    fn a_pre_scale_up_hook_holds_the_update_until_it_is_answered() {
        let hooked = [HookStage::PreScaleUp];
        let start = stages(Stage::PreScaleUp);
        let plan = plan(&view_of(&start, &hooked, at(0), false));
        assert_eq!(plan.begin_hooks, Some(HookStage::PreScaleUp));
        assert_eq!(hold(&plan.stages.stage), Hold::ScaleUp);

        let mut waiting = plan.stages.clone();
        waiting.hooks.push(pause(
            HookStage::PreScaleUp,
            HookStatus::AwaitingAction,
            HookAction::Rollback,
        ));
        let plan = self::plan(&view_of(&waiting, &hooked, at(1), false));
        assert_eq!(plan.stages.stage, Stage::PreScaleUp);
        assert_eq!(plan.wake_at, Some(at(10)));

        waiting.hooks[0].status = HookStatus::Succeeded;
        let plan = self::plan(&view_of(&waiting, &hooked, at(2), false));
        assert_eq!(plan.stages.stage, Stage::ScaleUp);
        assert_eq!(plan.stages.since, at(2));
    }

    #[test]
    fn a_post_scale_up_hook_keeps_the_older_tasks_until_it_is_answered() {
        let hooked = [HookStage::PostScaleUp];
        let start = stages(Stage::ScaleUp);
        let plan = plan(&view_of(&start, &hooked, at(3), false));
        assert_eq!(plan.stages.stage, Stage::ScaleUp, "not scaled up yet");
        let plan = self::plan(&view_of(&plan.stages, &hooked, at(4), true));
        assert_eq!(plan.stages.stage, Stage::PostScaleUp);
        assert_eq!(plan.begin_hooks, Some(HookStage::PostScaleUp));
        assert_eq!(hold(&plan.stages.stage), Hold::CleanUp);
    }

    #[test]
    fn a_hook_that_fails_or_times_out_with_rollback_fails_the_deployment() {
        let hooked = [HookStage::PostScaleUp];
        let mut at_post = stages(Stage::PostScaleUp);
        at_post.hooks.push(pause(
            HookStage::PostScaleUp,
            HookStatus::Failed,
            HookAction::Continue,
        ));
        let plan = plan(&view_of(&at_post, &hooked, at(5), true));
        assert_eq!(plan.failed, Some((HookStage::PostScaleUp, false)));

        at_post.hooks[0].status = HookStatus::AwaitingAction;
        at_post.hooks[0].timeout_action = HookAction::Rollback;
        let plan = self::plan(&view_of(&at_post, &hooked, at(10), true));
        assert_eq!(plan.failed, Some((HookStage::PostScaleUp, true)));
        assert_eq!(plan.stages.hooks[0].status, HookStatus::TimedOut);

        at_post.hooks[0].timeout_action = HookAction::Continue;
        let plan = self::plan(&view_of(&at_post, &hooked, at(10), true));
        assert_eq!(plan.failed, None);
        assert_eq!(plan.stages.stage, Stage::CleanUp);
    }

    #[test]
    fn a_superseding_deployment_reconciles_first() {
        let hooked = [HookStage::ReconcileService];
        let start = stages(Stage::ReconcileService);
        let plan = plan(&view_of(&start, &hooked, at(0), false));
        assert_eq!(plan.begin_hooks, Some(HookStage::ReconcileService));
        assert_eq!(hold(&plan.stages.stage), Hold::ScaleUp);
    }
}
