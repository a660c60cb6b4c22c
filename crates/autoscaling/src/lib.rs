//! Application Auto Scaling as a sans-IO state machine, for the one resource Berth has: an ECS
//! service's desired count (`ecs:service:DesiredCount`).
//!
//! [`AutoScaling::handle`] takes a request, the time and the [`Host`] (what ECS and CloudWatch
//! answer, as Application Auto Scaling calls their APIs); [`AutoScaling::invoke`] takes an
//! alarm's invocation of a policy (CloudWatch invokes Auto Scaling actions at every evaluation
//! an alarm stays in the state that names them); [`AutoScaling::poll_timeout`] and
//! [`AutoScaling::handle_timeout`] run scheduled actions; [`AutoScaling::poll_activity`] gives
//! each scaling activity as it is recorded. It reads no clock and draws no entropy but its
//! seeded generator's, so a session replays byte for byte.
//!
//! Rules (the user guide and ECS's developer guide; our readings say so):
//! - Target tracking creates its two alarms: `AlarmHigh` (3 of 3 one-minute periods over the
//!   target) and `AlarmLow` (15 of 15 under 90 % of it). Scale-out when any policy's high
//!   alarm invokes it; scale-in only when every target tracking policy that may scale in has
//!   its low alarm in ALARM, to the largest capacity they propose.
//! - Proposals start from the service's running count ([`policies`]); the result is clamped to
//!   the target's minimum and maximum. A desired count below the minimum is raised by a
//!   scale-out, not by a scale-in, and the other way round.
//! - Cooldowns (300 s by default): during a scale-out's cooldown another scale-out counts
//!   from the running count that one started from, so only a larger proposal adds capacity;
//!   a scale-out ends a scale-in's cooldown; scale-in waits out both (our reading for the
//!   scale-out cooldown, which the guide leaves open).
//! - No scale-in while an ECS deployment is under way; suspended states hold what they name.
//! - Registering a target, or a scheduled action changing its range, moves a desired count
//!   outside the range into it at once.

#![warn(missing_docs, unreachable_pub)]

mod actions;
pub mod documents;
mod errors;
mod policies;
pub mod requests;
mod schedule;

use std::collections::{BTreeMap, VecDeque};

use berth_cloudwatch::requests::PutMetricAlarmInput;
use berth_model::monitoring::AlarmState;
use berth_model::{messages, SimTime};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

pub use berth_cloudwatch::Invocation;
pub use documents::{ActivityStatus, Alarm, ScalingActivity};
pub use errors::{guessed_error, AasError};
pub use requests::{Request, Response};

use documents::{NotScaledReason, PolicyType, ScalableTarget, ScalingPolicy, ScheduledAction};

/// The one namespace and dimension Berth scales.
pub const NAMESPACE: &str = "ecs";
/// ECS's dimension.
pub const DIMENSION: &str = "ecs:service:DesiredCount";
/// The cooldowns' default for ECS services, in seconds.
pub const DEFAULT_COOLDOWN: i64 = 300;
/// The most activities kept (Application Auto Scaling keeps six weeks; Berth the latest of
/// these).
const MAX_ACTIVITIES: usize = 5000;

/// What Application Auto Scaling asks of the region: ECS's service and CloudWatch's alarms.
pub trait Host {
    /// The service's counts; `Err` with why it cannot be scaled (it does not exist).
    fn capacity(&mut self, resource_id: &str) -> Result<Capacity, String>;
    /// Sets the service's desired count (UpdateService); `Err` with ECS's words.
    fn set_capacity(&mut self, resource_id: &str, desired: i64) -> Result<(), String>;
    /// Creates or replaces an alarm (PutMetricAlarm): its ARN, or CloudWatch's words.
    fn put_alarm(&mut self, alarm: PutMetricAlarmInput) -> Result<String, String>;
    /// Deletes alarms (DeleteAlarms).
    fn delete_alarms(&mut self, names: &[String]);
    /// An alarm's state and the value it last evaluated.
    fn alarm(&self, name: &str) -> Option<Reading>;
    /// The alarms whose actions name `policy_arn` (a step scaling policy's `Alarms`).
    fn alarms_invoking(&self, policy_arn: &str) -> Vec<Alarm>;
}

/// An ECS service's counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capacity {
    /// `desiredCount`.
    pub desired: i64,
    /// `runningCount`: where a policy's proposal starts.
    pub running: i64,
    /// Whether a deployment is under way (no scale-in).
    pub deploying: bool,
}

/// What an alarm last concluded.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// Its state.
    pub state: AlarmState,
    /// The newest datapoint it evaluated, if any.
    pub value: Option<f64>,
    /// Its threshold.
    pub threshold: f64,
}

/// The region's Application Auto Scaling.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AutoScaling {
    region: String,
    account: String,
    /// By resource id (every target is `ecs:service:DesiredCount`).
    targets: BTreeMap<String, TargetRecord>,
    /// Oldest first.
    activities: VecDeque<ScalingActivity>,
    /// Recorded since the driver last polled.
    #[serde(skip)]
    fresh: VecDeque<ScalingActivity>,
    rng: ChaCha8Rng,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct TargetRecord {
    doc: ScalableTarget,
    tags: BTreeMap<String, String>,
    /// The id in its policies' and scheduled actions' ARNs (one per target, as real ARNs
    /// show).
    uuid: String,
    policies: BTreeMap<String, PolicyRecord>,
    scheduled: BTreeMap<String, ScheduledRecord>,
    /// A policy's scale-out cooldown: until when, and the running count it started from.
    cooling_out: Option<(SimTime, i64)>,
    /// A policy's scale-in cooldown: until when.
    cooling_in: Option<SimTime>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct PolicyRecord {
    doc: ScalingPolicy,
    /// What its alarms' actions name.
    action: String,
    /// A target tracking policy's two alarms.
    high: Option<String>,
    low: Option<String>,
    /// The not-scaled reason last recorded, so a stuck alarm records it once.
    not_scaled: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct ScheduledRecord {
    doc: ScheduledAction,
    /// When it runs next.
    next: Option<SimTime>,
}

/// What a scaling is for.
enum Why<'a> {
    /// A policy's alarm.
    Alarm { alarm: &'a str, policy: &'a str },
    /// The range moved (registration or a scheduled action).
    Range { min: bool, to: i64 },
}

impl AutoScaling {
    /// An empty Application Auto Scaling for `region` of `account`, its ids drawn from `seed`.
    pub fn new(region: &str, account: &str, seed: u64) -> AutoScaling {
        AutoScaling {
            region: region.to_owned(),
            account: account.to_owned(),
            targets: BTreeMap::new(),
            activities: VecDeque::new(),
            fresh: VecDeque::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Handles a request at `now`.
    pub fn handle(
        &mut self,
        request: Request,
        now: SimTime,
        host: &mut impl Host,
    ) -> Result<Response, AasError> {
        actions::handle(self, request, now, host)
    }

    /// The next scheduled action due.
    pub fn poll_timeout(&self) -> Option<SimTime> {
        self.targets
            .values()
            .flat_map(|t| t.scheduled.values())
            .filter_map(|s| s.next)
            .min()
    }

    /// Runs every scheduled action due by `now`, in time order (one run each: a clock that
    /// jumped does not replay the runs it skipped).
    pub fn handle_timeout(&mut self, now: SimTime, host: &mut impl Host) {
        let mut due: Vec<(SimTime, String, String)> = self
            .targets
            .iter()
            .flat_map(|(id, t)| {
                t.scheduled
                    .iter()
                    .filter_map(move |(name, s)| Some((s.next?, id.clone(), name.clone())))
            })
            .filter(|(at, _, _)| *at <= now)
            .collect();
        due.sort();
        for (_, resource, name) in due {
            self.run_scheduled(&resource, &name, now, host);
        }
    }

    /// An alarm invoked `invocation.action`: the policy it names acts on what the alarm read.
    pub fn invoke(&mut self, invocation: &Invocation, now: SimTime, host: &mut impl Host) {
        let policy_arn = invocation
            .action
            .split_once(":createdBy/")
            .map_or(invocation.action.as_str(), |(arn, _)| arn);
        let found = self.targets.iter().find_map(|(id, t)| {
            t.policies
                .iter()
                .find(|(_, p)| p.doc.policy_arn == policy_arn)
                .map(|(name, _)| (id.clone(), name.clone()))
        });
        let Some((resource, name)) = found else {
            return;
        };
        let Some(value) = invocation.value else {
            // No data, no action.
            return;
        };
        let Ok(capacity) = host.capacity(&resource) else {
            return;
        };
        let target = &self.targets[&resource];
        let policy = &target.policies[&name];
        let alarm = invocation.alarm_name.as_str();
        let (proposal, out) = match policy.doc.policy_type {
            PolicyType::TargetTrackingScaling if policy.high.as_deref() == Some(alarm) => {
                (self.track_out(target, policy, capacity, value, now), true)
            }
            PolicyType::TargetTrackingScaling if policy.low.as_deref() == Some(alarm) => {
                (self.track_in(target, capacity, host), false)
            }
            PolicyType::StepScaling => {
                let config = policy
                    .doc
                    .step_scaling_policy_configuration
                    .clone()
                    .unwrap_or_default();
                let breach = value - invocation.threshold;
                // During a scale-out's cooldown a step counts from where that one started.
                let base = match target.cooling_out {
                    Some((until, base)) if now < until => base,
                    _ => capacity.running,
                };
                let proposal = policies::step_capacity(&config, base, breach);
                let exact =
                    config.adjustment_type == Some(documents::AdjustmentType::ExactCapacity);
                let from = if exact { capacity.desired } else { base };
                match proposal {
                    Some(p) if p > from => (Some(p), true),
                    Some(p) if p < from => (
                        policies::step_capacity(&config, capacity.running, breach),
                        false,
                    ),
                    _ => (None, false),
                }
            }
            _ => (None, false),
        };
        let Some(proposal) = proposal else { return };
        let cooldowns = cooldowns(&policy.doc);
        let (min, max) = (target.doc.min_capacity, target.doc.max_capacity);
        let suspended = &target.doc.suspended_state;
        let new = proposal.clamp(min, max.max(min));
        let why = Why::Alarm {
            alarm,
            policy: &name,
        };
        let not_scaled = if out {
            if suspended.scale_out() {
                return;
            }
            if new > capacity.desired {
                None
            } else if proposal > capacity.desired && capacity.desired >= max {
                Some(NotScaledReason {
                    code: "AlreadyAtMaxCapacity".into(),
                    max_capacity: Some(max),
                    min_capacity: None,
                    current_capacity: None,
                })
            } else {
                return;
            }
        } else {
            let blocked = capacity.deploying
                || suspended.scale_in()
                || target.cooling_in.is_some_and(|until| now < until)
                || (policy.doc.policy_type == PolicyType::TargetTrackingScaling
                    && target.cooling_out.is_some_and(|(until, _)| now < until));
            if blocked {
                return;
            }
            if new < capacity.desired {
                None
            } else if proposal < capacity.desired && capacity.desired <= min {
                Some(NotScaledReason {
                    code: "AlreadyAtMinCapacity".into(),
                    max_capacity: None,
                    min_capacity: Some(min),
                    current_capacity: None,
                })
            } else {
                return;
            }
        };
        if let Some(reason) = not_scaled {
            let record = self
                .targets
                .get_mut(&resource)
                .and_then(|t| t.policies.get_mut(&name))
                .expect("found above");
            if record.not_scaled.as_deref() == Some(reason.code.as_str()) {
                return;
            }
            record.not_scaled = Some(reason.code.clone());
            let cause = cause(&why);
            self.record(ScalingActivity {
                activity_id: String::new(),
                service_namespace: NAMESPACE.into(),
                resource_id: resource.clone(),
                scalable_dimension: DIMENSION.into(),
                description: messages::aas_not_scaled_description(),
                cause,
                start_time: now,
                end_time: None,
                status_code: ActivityStatus::Failed,
                status_message: None,
                not_scaled_reasons: Some(vec![reason]),
            });
            return;
        }
        if self.scale(&resource, new, &why, now, host) {
            let target = self.targets.get_mut(&resource).expect("found above");
            if let Some(p) = target.policies.get_mut(&name) {
                p.not_scaled = None;
            }
            if out {
                target.cooling_out = Some((
                    now.plus_millis(cooldowns.0 as u64 * 1000),
                    match target.cooling_out {
                        Some((until, base)) if now < until => base,
                        _ => capacity.running,
                    },
                ));
                target.cooling_in = None;
            } else {
                target.cooling_in = Some(now.plus_millis(cooldowns.1 as u64 * 1000));
            }
        }
    }

    /// A high alarm's proposal: from the running count, or during a scale-out cooldown from
    /// the count that scale-out started from.
    fn track_out(
        &self,
        target: &TargetRecord,
        policy: &PolicyRecord,
        capacity: Capacity,
        value: f64,
        now: SimTime,
    ) -> Option<i64> {
        let config = policy
            .doc
            .target_tracking_scaling_policy_configuration
            .as_ref()?;
        let base = match target.cooling_out {
            Some((until, base)) if now < until => base.max(capacity.running),
            _ => capacity.running,
        };
        policies::track(base, value, config.target_value).map(|p| {
            if capacity.running == 0 {
                p.max(1)
            } else {
                p
            }
        })
    }

    /// A low alarm's proposal: only when every target tracking policy of the target that may
    /// scale in has its low alarm in ALARM, the largest capacity they propose.
    fn track_in(&self, target: &TargetRecord, capacity: Capacity, host: &impl Host) -> Option<i64> {
        let mut largest: Option<i64> = None;
        for policy in target.policies.values() {
            let Some(config) = &policy.doc.target_tracking_scaling_policy_configuration else {
                continue;
            };
            if config.disable_scale_in == Some(true) {
                continue;
            }
            let reading = host.alarm(policy.low.as_deref()?)?;
            if reading.state != AlarmState::Alarm {
                return None;
            }
            let proposal = policies::track(capacity.running, reading.value?, config.target_value)?;
            largest = Some(largest.map_or(proposal, |l| l.max(proposal)));
        }
        largest
    }

    /// Sets the target's capacity and records the activity; whether ECS took it.
    fn scale(
        &mut self,
        resource: &str,
        desired: i64,
        why: &Why<'_>,
        now: SimTime,
        host: &mut impl Host,
    ) -> bool {
        let outcome = host.set_capacity(resource, desired);
        let (status, message) = match &outcome {
            Ok(()) => (
                ActivityStatus::Successful,
                messages::aas_desired_count_set(desired),
            ),
            Err(why) => (
                ActivityStatus::Failed,
                messages::autoscaling_text("aas-desired-count-failed", &[&desired, why]),
            ),
        };
        self.record(ScalingActivity {
            activity_id: String::new(),
            service_namespace: NAMESPACE.into(),
            resource_id: resource.to_owned(),
            scalable_dimension: DIMENSION.into(),
            description: messages::aas_setting_desired_count(desired),
            cause: cause(why),
            start_time: now,
            end_time: Some(now),
            status_code: status,
            status_message: Some(message),
            not_scaled_reasons: None,
        });
        outcome.is_ok()
    }

    /// Moves the desired count into the target's range if it is outside.
    fn enforce_range(&mut self, resource: &str, now: SimTime, host: &mut impl Host) {
        let Some(target) = self.targets.get(resource) else {
            return;
        };
        let (min, max) = (target.doc.min_capacity, target.doc.max_capacity);
        let Ok(capacity) = host.capacity(resource) else {
            return;
        };
        if capacity.desired < min {
            self.scale(resource, min, &Why::Range { min: true, to: min }, now, host);
        } else if capacity.desired > max {
            self.scale(
                resource,
                max,
                &Why::Range {
                    min: false,
                    to: max,
                },
                now,
                host,
            );
        }
    }

    /// Runs a scheduled action and sets when it runs next.
    fn run_scheduled(&mut self, resource: &str, name: &str, now: SimTime, host: &mut impl Host) {
        let Some(target) = self.targets.get_mut(resource) else {
            return;
        };
        let suspended = target.doc.suspended_state.scheduled();
        let Some(record) = target.scheduled.get_mut(name) else {
            return;
        };
        record.next = next_run(&record.doc, now);
        if suspended {
            return;
        }
        let action = record.doc.scalable_target_action.clone();
        let min = action.min_capacity.unwrap_or(target.doc.min_capacity);
        let max = action.max_capacity.unwrap_or(target.doc.max_capacity);
        target.doc.min_capacity = min;
        target.doc.max_capacity = max;
        let (description, message) = match (action.min_capacity, action.max_capacity) {
            (Some(min), Some(max)) => (
                messages::aas_setting_min_max(min, max),
                messages::aas_min_max_set(min, max),
            ),
            (Some(min), None) => (
                messages::autoscaling_text("aas-setting-min", &[&min]),
                messages::autoscaling_text("aas-min-set", &[&min]),
            ),
            (None, max) => {
                let max = max.unwrap_or(target.doc.max_capacity);
                (
                    messages::autoscaling_text("aas-setting-max", &[&max]),
                    messages::autoscaling_text("aas-max-set", &[&max]),
                )
            }
        };
        self.record(ScalingActivity {
            activity_id: String::new(),
            service_namespace: NAMESPACE.into(),
            resource_id: resource.to_owned(),
            scalable_dimension: DIMENSION.into(),
            description,
            cause: messages::aas_cause_scheduled(name),
            start_time: now,
            end_time: Some(now),
            status_code: ActivityStatus::Successful,
            status_message: Some(message),
            not_scaled_reasons: None,
        });
        self.enforce_range(resource, now, host);
    }

    /// Records an activity, giving it its id.
    fn record(&mut self, mut activity: ScalingActivity) {
        activity.activity_id = self.uuid();
        self.fresh.push_back(activity.clone());
        self.activities.push_back(activity);
        while self.activities.len() > MAX_ACTIVITIES {
            self.activities.pop_front();
        }
    }

    /// The next activity recorded since the last poll, oldest first.
    pub fn poll_activity(&mut self) -> Option<ScalingActivity> {
        self.fresh.pop_front()
    }

    /// Every scaling policy, by target.
    pub fn policies(&self) -> impl Iterator<Item = &ScalingPolicy> {
        self.targets
            .values()
            .flat_map(|t| t.policies.values().map(|p| &p.doc))
    }

    /// Every scalable target (the page draws them).
    pub fn scalable_targets(&self) -> impl Iterator<Item = &ScalableTarget> {
        self.targets.values().map(|t| &t.doc)
    }

    /// A random UUID (version 4 form) from the seeded generator.
    fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.rng.fill_bytes(&mut bytes);
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }

    /// 36 hex digits, as a scalable target's ARN ends.
    fn target_id(&mut self) -> String {
        let mut bytes = [0u8; 18];
        self.rng.fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A policy's scale-out and scale-in cooldowns in seconds.
fn cooldowns(policy: &ScalingPolicy) -> (i64, i64) {
    if let Some(tt) = &policy.target_tracking_scaling_policy_configuration {
        (
            tt.scale_out_cooldown.unwrap_or(DEFAULT_COOLDOWN),
            tt.scale_in_cooldown.unwrap_or(DEFAULT_COOLDOWN),
        )
    } else {
        let step = policy
            .step_scaling_policy_configuration
            .as_ref()
            .and_then(|s| s.cooldown)
            .unwrap_or(DEFAULT_COOLDOWN);
        (step, step)
    }
}

fn cause(why: &Why<'_>) -> String {
    match why {
        Why::Alarm { alarm, policy } => messages::aas_cause_alarm(alarm, "ALARM", policy),
        Why::Range { min: true, to } => messages::aas_cause_min(*to),
        Why::Range { min: false, to } => messages::aas_cause_max(*to),
    }
}

/// When a scheduled action runs next after `now`, within its start and end.
fn next_run(action: &ScheduledAction, now: SimTime) -> Option<SimTime> {
    let schedule = schedule::parse(&action.schedule).ok()?;
    let start = action.start_time.unwrap_or(action.creation_time);
    let mut next = schedule.next_after(now, start)?;
    if let Some(start) = action.start_time {
        if next < start {
            next = schedule.next_after(SimTime(start.as_millis().saturating_sub(1)), start)?;
        }
    }
    match action.end_time {
        Some(end) if next > end => None,
        _ => Some(next),
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(test)]
mod tests;
