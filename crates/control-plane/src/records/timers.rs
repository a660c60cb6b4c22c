//! The control plane's timers: when it needs the time again, and why. `poll_timeout` answers
//! the earliest; `handle_timeout` lets every timer due by then go, and the step that follows
//! does what they were for.

use std::collections::BTreeSet;

use berth_model::SimTime;
use serde::{Deserialize, Serialize};

/// Why the control plane wants the time at some moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Wake {
    /// A task without health checks has run 40 s: its service counts it healthy.
    TaskCountsHealthy,
    /// A task's health check grace period ends: its failing checks count from then.
    GracePeriodEnds,
    /// A task's scale-in protection expires: scale-in and deployments may stop it.
    ProtectionExpires,
    /// A service's launch back-off ends: it launches again.
    BackOffEnds,
    /// An agent update moves on to its next stage.
    AgentUpdateStage,
    /// Managed scaling looks at the Auto Scaling group capacity providers (once a minute).
    ManagedScaling,
    /// A traffic-shifting deployment's bake, step or lifecycle hook timeout ends.
    DeploymentStage,
    /// A ROLLING deployment's alarms have been watched long enough after steady state.
    AlarmBakeEnds,
    /// A timer from a snapshot older than the reasons (format 1).
    Unrecorded,
}

/// Every armed timer, earliest first.
#[derive(Default, Serialize)]
pub(crate) struct Timers(BTreeSet<(SimTime, Wake)>);

impl Timers {
    /// Arms a timer; arming the same one twice is arming it once.
    pub(crate) fn arm(&mut self, at: SimTime, why: Wake) {
        self.0.insert((at, why));
    }

    /// When the earliest timer is due.
    pub(crate) fn next(&self) -> Option<SimTime> {
        self.0.first().map(|(at, _)| *at)
    }

    /// Lets every timer due by `now` go.
    pub(crate) fn expire(&mut self, now: SimTime) {
        while self.0.first().is_some_and(|(at, _)| *at <= now) {
            self.0.pop_first();
        }
    }
}

/// Reads `[time, "why"]` pairs, and the bare times of snapshots from before timers said why.
impl<'de> Deserialize<'de> for Timers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Timer {
            Typed(SimTime, Wake),
            Bare(SimTime),
        }
        let timers = Vec::<Timer>::deserialize(deserializer)?;
        Ok(Timers(
            timers
                .into_iter()
                .map(|timer| match timer {
                    Timer::Typed(at, why) => (at, why),
                    Timer::Bare(at) => (at, Wake::Unrecorded),
                })
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_go_when_due_and_older_snapshots_still_read() {
        let mut timers = Timers::default();
        timers.arm(SimTime(40_000), Wake::TaskCountsHealthy);
        timers.arm(SimTime(10_000), Wake::BackOffEnds);
        timers.arm(SimTime(10_000), Wake::BackOffEnds);
        assert_eq!(timers.next(), Some(SimTime(10_000)));
        timers.expire(SimTime(10_000));
        assert_eq!(timers.next(), Some(SimTime(40_000)));
        let written = serde_json::to_string(&timers).unwrap();
        assert_eq!(written, r#"[[40,"taskCountsHealthy"]]"#);
        let old: Timers = serde_json::from_str("[12.5]").unwrap();
        assert_eq!(old.0.first(), Some(&(SimTime(12_500), Wake::Unrecorded)));
        let back: Timers = serde_json::from_str(&written).unwrap();
        assert_eq!(back.next(), Some(SimTime(40_000)));
    }
}
