//! Amazon CloudWatch as a sans-IO state machine: metric data, metric alarms evaluated on the
//! caller's clock, and their history.
//!
//! [`CloudWatch::handle`] takes a request and the time; [`CloudWatch::poll_timeout`] says
//! when the next alarm evaluation is due and [`CloudWatch::handle_timeout`] makes it;
//! [`CloudWatch::poll_change`] gives each alarm state change (with the actions to run), and
//! [`CloudWatch::alarm_facts`] what ECS needs to know of the alarms. The fleet puts its own
//! metrics (`AWS/ECS`, `AWS/ApplicationELB`) with [`CloudWatch::put_metric`]. It reads no
//! clock and draws no entropy, so a session replays byte for byte.

#![warn(missing_docs, unreachable_pub)]

mod actions;
mod alarms;
pub mod documents;
mod errors;
mod metrics;
pub mod requests;

use std::collections::{BTreeMap, VecDeque};

use berth_model::monitoring::{AlarmFact, AlarmState};
use berth_model::SimTime;
use serde::{Deserialize, Serialize};

pub use documents::{Dimension, MetricAlarm, StandardUnit};
pub use errors::{guessed, CwError};
pub use metrics::MetricKey;
pub use requests::{Request, Response};

/// The most history entries kept (CloudWatch keeps 30 days; Berth the latest of these).
const MAX_HISTORY: usize = 2000;

/// The region's CloudWatch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CloudWatch {
    region: String,
    account: String,
    alarms: BTreeMap<String, AlarmRecord>,
    store: metrics::Store,
    /// Oldest first.
    history: VecDeque<documents::AlarmHistoryItem>,
    changes: VecDeque<AlarmChange>,
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    invocations: VecDeque<Invocation>,
}

/// An alarm and when it is next evaluated.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct AlarmRecord {
    doc: MetricAlarm,
    tags: Vec<documents::Tag>,
    next_evaluation: SimTime,
    /// The newest datapoint its last evaluation read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_value: Option<f64>,
}

/// An alarm invoking an Application Auto Scaling action: on entering the state that names it
/// and, unlike other actions, at every evaluation it stays there ("except for Auto Scaling
/// actions, the actions happen only on state transitions": CloudWatch's user guide).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    /// The action (a scaling policy's ARN).
    pub action: String,
    /// The alarm.
    pub alarm_name: String,
    /// Its state.
    pub state: AlarmState,
    /// The newest datapoint it read, if any.
    pub value: Option<f64>,
    /// Its threshold.
    pub threshold: f64,
    /// When.
    pub at: SimTime,
}

/// An alarm's state changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmChange {
    /// The alarm.
    pub alarm_name: String,
    /// Its ARN.
    pub alarm_arn: String,
    /// Its state before.
    pub old: AlarmState,
    /// Its state now.
    pub new: AlarmState,
    /// When.
    pub at: SimTime,
    /// Why.
    pub reason: String,
    /// The actions the new state runs (none when the alarm's actions are disabled).
    pub actions: Vec<String>,
}

impl CloudWatch {
    /// An empty CloudWatch for `region` of `account`.
    pub fn new(region: &str, account: &str) -> CloudWatch {
        CloudWatch {
            region: region.to_owned(),
            account: account.to_owned(),
            alarms: BTreeMap::new(),
            store: metrics::Store::default(),
            history: VecDeque::new(),
            changes: VecDeque::new(),
            invocations: VecDeque::new(),
        }
    }

    /// Handles a request at `now`.
    pub fn handle(&mut self, request: Request, now: SimTime) -> Result<Response, CwError> {
        actions::handle(self, request, now)
    }

    /// When the next alarm evaluation is due.
    pub fn poll_timeout(&self) -> Option<SimTime> {
        self.alarms.values().map(|a| a.next_evaluation).min()
    }

    /// Makes every evaluation due by `now` (once per alarm, at the latest whole tick: a
    /// clock that jumped does not replay the minutes it skipped).
    pub fn handle_timeout(&mut self, now: SimTime) {
        self.store.expire(now);
        let due: Vec<String> = self
            .alarms
            .iter()
            .filter(|(_, a)| a.next_evaluation <= now)
            .map(|(name, _)| name.clone())
            .collect();
        for name in due {
            let record = self.alarms.get(&name).expect("listed above");
            let tick = alarms::tick_ms(record.doc.period);
            let at = SimTime(now.as_millis() / tick * tick);
            let verdict = alarms::evaluate(&record.doc, &self.store, at);
            if let Some(record) = self.alarms.get_mut(&name) {
                record.next_evaluation = alarms::next_evaluation(record.doc.period, at);
                if let Some(verdict) = &verdict {
                    record.last_value = verdict.latest;
                }
            }
            if let Some(verdict) = verdict {
                self.set_state(
                    &name,
                    verdict.state,
                    verdict.reason,
                    Some(verdict.data),
                    at,
                    false,
                );
            }
            self.invoke_auto_scaling(&name, at);
        }
    }

    /// The alarm's Auto Scaling actions for its state, invoked.
    fn invoke_auto_scaling(&mut self, name: &str, at: SimTime) {
        let Some(record) = self.alarms.get(name) else {
            return;
        };
        let alarm = &record.doc;
        if !alarm.actions_enabled {
            return;
        }
        let actions = match alarm.state_value {
            AlarmState::Ok => &alarm.o_k_actions,
            AlarmState::Alarm => &alarm.alarm_actions,
            _ => &alarm.insufficient_data_actions,
        };
        for action in actions
            .iter()
            .filter(|a| a.starts_with("arn:aws:autoscaling:"))
        {
            self.invocations.push_back(Invocation {
                action: action.clone(),
                alarm_name: alarm.alarm_name.clone(),
                state: alarm.state_value.clone(),
                value: record.last_value,
                threshold: alarm.threshold,
                at,
            });
        }
    }

    /// The next Auto Scaling action an alarm invoked, oldest first.
    pub fn poll_invocation(&mut self) -> Option<Invocation> {
        self.invocations.pop_front()
    }

    /// An alarm's state, threshold and the newest datapoint it last read.
    pub fn reading(&self, name: &str) -> Option<(AlarmState, f64, Option<f64>)> {
        self.alarms
            .get(name)
            .map(|a| (a.doc.state_value.clone(), a.doc.threshold, a.last_value))
    }

    /// The next alarm state change, oldest first.
    pub fn poll_change(&mut self) -> Option<AlarmChange> {
        self.changes.pop_front()
    }

    /// Every alarm's name, state and look-back, for ECS.
    pub fn alarm_facts(&self) -> Vec<AlarmFact> {
        self.alarms
            .values()
            .map(|a| AlarmFact {
                alarm_name: a.doc.alarm_name.clone(),
                state: a.doc.state_value.clone(),
                window_seconds: a.doc.period * a.doc.evaluation_periods,
            })
            .collect()
    }

    /// Every alarm, by name (the page draws them).
    pub fn alarms(&self) -> impl Iterator<Item = &MetricAlarm> {
        self.alarms.values().map(|a| &a.doc)
    }

    /// A datapoint of the fleet's own metrics (any namespace, `AWS/` included).
    pub fn put_metric(
        &mut self,
        key: MetricKey,
        at: SimTime,
        value: f64,
        unit: Option<StandardUnit>,
    ) {
        let mut point = metrics::Point::of(at, unit, one(value));
        point.values.push((value, 1.0));
        self.store.put(key, point);
    }

    /// Puts a statistic set at `at`, as a service puts one datum for many samples (the fleet's
    /// per-service utilisation: one sample a task).
    pub fn put_statistics(
        &mut self,
        key: MetricKey,
        at: SimTime,
        set: documents::StatisticSet,
        unit: Option<StandardUnit>,
    ) {
        self.store.put(key, metrics::Point::of(at, unit, set));
    }

    /// Moves an alarm to `state` (a change of reason alone updates the alarm without a
    /// transition), recording the history and the change.
    fn set_state(
        &mut self,
        name: &str,
        state: AlarmState,
        reason: String,
        data: Option<String>,
        now: SimTime,
        forced: bool,
    ) {
        let Some(record) = self.alarms.get_mut(name) else {
            return;
        };
        let alarm = &mut record.doc;
        let old = alarm.state_value.clone();
        if old == state && !forced {
            return;
        }
        alarm.state_value = state.clone();
        alarm.state_reason = reason.clone();
        alarm.state_reason_data = data;
        alarm.state_updated_timestamp = now;
        if old == state {
            return;
        }
        alarm.state_transitioned_timestamp = now;
        let actions = if alarm.actions_enabled {
            match state {
                AlarmState::Ok => alarm.o_k_actions.clone(),
                AlarmState::Alarm => alarm.alarm_actions.clone(),
                _ => alarm.insufficient_data_actions.clone(),
            }
        } else {
            Vec::new()
        };
        let summary = berth_model::messages::cloudwatch_text("cw-history-state", &[&old, &state]);
        let data = serde_json::json!({
            "version": "1.0",
            "oldState": {"stateValue": old},
            "newState": {"stateValue": state, "stateReason": reason},
        });
        let change = AlarmChange {
            alarm_name: alarm.alarm_name.clone(),
            alarm_arn: alarm.alarm_arn.clone(),
            old,
            new: state,
            at: now,
            reason,
            actions,
        };
        self.record_history(
            name,
            documents::HistoryItemType::StateUpdate,
            summary,
            data,
            now,
        );
        self.changes.push_back(change);
    }

    fn record_history(
        &mut self,
        name: &str,
        kind: documents::HistoryItemType,
        summary: String,
        data: serde_json::Value,
        now: SimTime,
    ) {
        self.history.push_back(documents::AlarmHistoryItem {
            alarm_name: name.to_owned(),
            alarm_type: "MetricAlarm".into(),
            timestamp: now,
            history_item_type: kind,
            history_summary: summary,
            history_data: data.to_string(),
        });
        while self.history.len() > MAX_HISTORY {
            self.history.pop_front();
        }
    }

    fn arn(&self, name: &str) -> String {
        format!(
            "arn:aws:cloudwatch:{}:{}:alarm:{name}",
            self.region, self.account
        )
    }
}

/// One sample as a statistic set.
fn one(value: f64) -> documents::StatisticSet {
    documents::StatisticSet {
        sample_count: 1.0,
        sum: value,
        minimum: value,
        maximum: value,
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
