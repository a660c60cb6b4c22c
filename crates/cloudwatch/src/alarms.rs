//! A metric alarm's evaluation: a pure function from the alarm, the metric store and the time
//! to the state it should be in and why.
//!
//! At each evaluation (every minute, or every period for periods under a minute) the alarm
//! looks at its `EvaluationPeriods` most recent whole periods, ending at the evaluation time,
//! computes its statistic over each, and counts those that breach the threshold. M of N
//! (`DatapointsToAlarm` of `EvaluationPeriods`) breaching is ALARM; fewer is OK. A period
//! without data counts as `TreatMissingData` says: `missing` (the default) and `ignore` leave
//! it out, `breaching` and `notBreaching` count it as such; when every period is missing,
//! `missing` is INSUFFICIENT_DATA and `ignore` keeps the state. (CloudWatch's `missing` also
//! looks further back for data; Berth does not: messages' table of guesses says so.)

use berth_model::monitoring::AlarmState;
use berth_model::{messages, SimTime};
use serde_json::json;

use crate::documents::{MetricAlarm, TreatMissingData};
use crate::metrics::{Measure, MetricKey, Store};

/// What an evaluation concluded.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Verdict {
    pub(crate) state: AlarmState,
    pub(crate) reason: String,
    pub(crate) data: String,
    /// The newest datapoint read.
    pub(crate) latest: Option<f64>,
}

/// How often an alarm of `period` seconds is evaluated, in milliseconds.
pub(crate) fn tick_ms(period: u64) -> u64 {
    period.clamp(1, 60) * 1000
}

/// The first evaluation after `now`.
pub(crate) fn next_evaluation(period: u64, now: SimTime) -> SimTime {
    let tick = tick_ms(period);
    SimTime((now.as_millis() / tick + 1) * tick)
}

/// What the alarm measures.
pub(crate) fn measure(alarm: &MetricAlarm) -> Measure {
    match (&alarm.statistic, &alarm.extended_statistic) {
        (Some(statistic), _) => Measure::Statistic(statistic.clone()),
        (None, Some(p)) => Measure::Percentile(percentile_of(p).unwrap_or(100.0)),
        (None, None) => Measure::Statistic(crate::documents::Statistic::Average),
    }
}

/// The percentile a `pNN` extended statistic names, if it is one Berth computes.
pub(crate) fn percentile_of(text: &str) -> Option<f64> {
    let p: f64 = text.strip_prefix('p')?.parse().ok()?;
    (0.0..=100.0).contains(&p).then_some(p)
}

/// Evaluates `alarm` at `at`; `None` keeps its state (`ignore` with no data at all).
pub(crate) fn evaluate(alarm: &MetricAlarm, store: &Store, at: SimTime) -> Option<Verdict> {
    let key = MetricKey::new(&alarm.namespace, &alarm.metric_name, &alarm.dimensions);
    let period = alarm.period * 1000;
    let n = alarm.evaluation_periods;
    let m = alarm.datapoints_needed();
    let measure = measure(alarm);
    // Most recent first.
    let points: Vec<(SimTime, Option<f64>)> = (0..n)
        .map(|i| {
            let end = at.as_millis().saturating_sub(i * period);
            let start = SimTime(end.saturating_sub(period));
            let value = store.statistic(
                &key,
                start,
                SimTime(end),
                alarm.unit.as_ref(),
                measure.clone(),
            );
            (start, value)
        })
        .collect();
    let present: Vec<(SimTime, f64)> = points
        .iter()
        .filter_map(|(at, v)| v.map(|v| (*at, v)))
        .collect();
    let missing = points.len() - present.len();
    let breaching_present = present
        .iter()
        .filter(|(_, v)| {
            alarm
                .comparison_operator
                .breaches(*v, alarm.threshold)
                .unwrap_or(false)
        })
        .count();
    let treat = alarm.missing_data();
    if present.is_empty() && matches!(treat, TreatMissingData::Ignore) {
        return None;
    }
    let data = reason_data(alarm, at, &present);
    if present.is_empty()
        && !matches!(
            treat,
            TreatMissingData::Breaching | TreatMissingData::NotBreaching
        )
    {
        let reason =
            messages::cloudwatch_text("cw-reason-insufficient", &[&missing, &plural(missing)]);
        return Some(Verdict {
            state: AlarmState::InsufficientData,
            reason,
            data,
            latest: None,
        });
    }
    let breaching = breaching_present
        + if matches!(treat, TreatMissingData::Breaching) {
            missing
        } else {
            0
        };
    let alarmed = breaching as u64 >= m;
    if present.is_empty() {
        // Every period was missing, and counted as breaching or not.
        let (periods, datapoints) = if missing == 1 {
            ("period", "datapoint was")
        } else {
            ("periods", "datapoints were")
        };
        let treated = if alarmed { "Breaching" } else { "NonBreaching" };
        return Some(Verdict {
            state: if alarmed {
                AlarmState::Alarm
            } else {
                AlarmState::Ok
            },
            reason: messages::cloudwatch_text(
                "cw-reason-no-data",
                &[&missing, &periods, &missing, &datapoints, &treated],
            ),
            data,
            latest: None,
        });
    }
    let state = if alarmed {
        AlarmState::Alarm
    } else {
        AlarmState::Ok
    };
    Some(Verdict {
        state,
        reason: reason(alarm, alarmed, breaching, &present),
        data,
        latest: present.first().map(|(_, v)| *v),
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "datapoint was"
    } else {
        "datapoints were"
    }
}

/// `Threshold Crossed: …` in CloudWatch's form.
fn reason(
    alarm: &MetricAlarm,
    alarmed: bool,
    breaching: usize,
    present: &[(SimTime, f64)],
) -> String {
    let shown: Vec<String> = present
        .iter()
        .filter(|(_, v)| {
            alarm
                .comparison_operator
                .breaches(*v, alarm.threshold)
                .unwrap_or(false)
                == alarmed
        })
        .map(|(at, v)| format!("{v:?} ({})", console_date(*at)))
        .collect();
    let n = alarm.evaluation_periods;
    let not = if alarmed { "" } else { "not " };
    let words = alarm.comparison_operator.words();
    let threshold = format!("{:?}", alarm.threshold);
    let count = if alarmed { breaching } else { shown.len() };
    let verb = if count == 1 { "was" } else { "were" };
    let listed = shown.join(", ");
    if n == 1 {
        messages::cloudwatch_text(
            "cw-reason-crossed-one",
            &[&listed, &verb, &not, &words, &threshold],
        )
    } else {
        let m = alarm.datapoints_needed();
        let transition = if alarmed {
            "OK -> ALARM"
        } else {
            "ALARM -> OK"
        };
        messages::cloudwatch_text(
            "cw-reason-crossed-of",
            &[
                &count,
                &n,
                &listed,
                &verb,
                &not,
                &words,
                &threshold,
                &m,
                &transition,
            ],
        )
    }
}

/// `StateReasonData`: the evaluation as JSON.
fn reason_data(alarm: &MetricAlarm, at: SimTime, present: &[(SimTime, f64)]) -> String {
    let start = SimTime(
        at.as_millis()
            .saturating_sub(alarm.period * 1000 * alarm.evaluation_periods),
    );
    json!({
        "version": "1.0",
        "queryDate": data_date(at),
        "startDate": data_date(start),
        "statistic": alarm.statistic_name(),
        "period": alarm.period,
        "recentDatapoints": present.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
        "threshold": alarm.threshold,
        "evaluatedDatapoints": present
            .iter()
            .map(|(at, v)| json!({"timestamp": data_date(*at), "value": v}))
            .collect::<Vec<_>>(),
    })
    .to_string()
}

/// `2026-12-04T10:00:00.000+0000`.
pub(crate) fn data_date(at: SimTime) -> String {
    let iso = at.to_iso8601();
    let base = iso.trim_end_matches('Z');
    let base = base.split('.').next().unwrap_or(base);
    format!("{base}.{:03}+0000", at.as_millis() % 1000)
}

/// `04/12/26 10:00:00`, as the console's reasons write a datapoint's time.
fn console_date(at: SimTime) -> String {
    let iso = at.to_iso8601();
    let (date, time) = iso.split_once('T').unwrap_or((&iso, ""));
    let time = time.trim_end_matches('Z');
    let time = time.split('.').next().unwrap_or(time);
    let mut parts = date.split('-');
    let (year, month, day) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    format!("{day}/{month}/{} {time}", year.get(2..).unwrap_or(year))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::documents::{ComparisonOperator, Statistic};
    use crate::metrics::Point;

    const T0: u64 = 1_780_000_000 - 1_780_000_000 % 3600;

    fn alarm(n: u64, m: Option<u64>, treat: Option<TreatMissingData>) -> MetricAlarm {
        MetricAlarm {
            alarm_name: "high".into(),
            alarm_arn: "arn".into(),
            alarm_description: None,
            alarm_configuration_updated_timestamp: SimTime::ZERO,
            actions_enabled: true,
            o_k_actions: Vec::new(),
            alarm_actions: Vec::new(),
            insufficient_data_actions: Vec::new(),
            state_value: AlarmState::InsufficientData,
            state_reason: String::new(),
            state_reason_data: None,
            state_updated_timestamp: SimTime::ZERO,
            state_transitioned_timestamp: SimTime::ZERO,
            metric_name: "Errors".into(),
            namespace: "App".into(),
            statistic: Some(Statistic::Sum),
            extended_statistic: None,
            dimensions: Vec::new(),
            period: 60,
            unit: None,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            threshold: 5.0,
            comparison_operator: ComparisonOperator::GreaterThanOrEqualToThreshold,
            treat_missing_data: treat,
        }
    }

    /// A store with one value per minute, oldest first, minute 0 starting at T0.
    fn store(values: &[Option<f64>]) -> Store {
        let mut store = Store::default();
        for (minute, value) in values.iter().enumerate() {
            if let Some(v) = value {
                store.put(
                    MetricKey::new("App", "Errors", &[]),
                    Point {
                        at: SimTime::from_secs(T0 + minute as u64 * 60 + 30),
                        unit: None,
                        count: 1.0,
                        sum: *v,
                        min: *v,
                        max: *v,
                        values: vec![(*v, 1.0)],
                    },
                );
            }
        }
        store
    }

    fn after(minutes: u64) -> SimTime {
        SimTime::from_secs(T0 + minutes * 60)
    }

    /// One period: a breaching value is ALARM with CloudWatch's reason, a low one OK, none
    /// INSUFFICIENT_DATA.
    #[test]
    fn one_period() {
        let high = evaluate(&alarm(1, None, None), &store(&[Some(9.0)]), after(1)).unwrap();
        assert_eq!(high.state, AlarmState::Alarm);
        let when = console_date(SimTime::from_secs(T0));
        assert_eq!(
            high.reason,
            format!("Threshold Crossed: 1 datapoint [9.0 ({when})] was greater than or equal to the threshold (5.0).")
        );
        assert!(
            high.data.contains("\"recentDatapoints\":[9.0]"),
            "{}",
            high.data
        );
        let low = evaluate(&alarm(1, None, None), &store(&[Some(1.0)]), after(1)).unwrap();
        assert_eq!(low.state, AlarmState::Ok);
        assert!(
            low.reason.contains("was not greater than or equal to"),
            "{}",
            low.reason
        );
        let none = evaluate(&alarm(1, None, None), &store(&[]), after(1)).unwrap();
        assert_eq!(none.state, AlarmState::InsufficientData);
        assert_eq!(none.reason, "Insufficient Data: 1 datapoint was unknown.");
    }

    /// M of N: two breaching of three is ALARM when two are needed, OK when three are.
    #[test]
    fn m_of_n() {
        let data = store(&[Some(9.0), Some(1.0), Some(7.0)]);
        let two = evaluate(&alarm(3, Some(2), None), &data, after(3)).unwrap();
        assert_eq!(two.state, AlarmState::Alarm);
        assert!(
            two.reason
                .starts_with("Threshold Crossed: 2 out of the last 3 datapoints [7.0 ("),
            "{}",
            two.reason
        );
        assert!(
            two.reason
                .ends_with("(minimum 2 datapoints for OK -> ALARM transition)."),
            "{}",
            two.reason
        );
        let three = evaluate(&alarm(3, None, None), &data, after(3)).unwrap();
        assert_eq!(three.state, AlarmState::Ok);
        // A minute later the window has moved past the first value.
        let later = evaluate(&alarm(3, Some(2), None), &data, after(4)).unwrap();
        assert_eq!(later.state, AlarmState::Ok);
    }

    /// Missing periods as TreatMissingData says.
    #[test]
    fn missing_data() {
        let data = store(&[Some(9.0), None, None]);
        let at = after(3);
        let of = |treat| evaluate(&alarm(3, Some(2), treat), &data, at).map(|v| v.state);
        assert_eq!(of(None), Some(AlarmState::Ok));
        assert_eq!(
            of(Some(TreatMissingData::Breaching)),
            Some(AlarmState::Alarm)
        );
        assert_eq!(
            of(Some(TreatMissingData::NotBreaching)),
            Some(AlarmState::Ok)
        );
        let empty = store(&[]);
        let verdict = evaluate(
            &alarm(3, Some(2), Some(TreatMissingData::NotBreaching)),
            &empty,
            at,
        );
        assert_eq!(
            verdict.unwrap().reason,
            "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching]."
        );
        let of = |treat| evaluate(&alarm(3, Some(2), treat), &empty, at).map(|v| v.state);
        assert_eq!(of(Some(TreatMissingData::Ignore)), None);
        assert_eq!(
            of(Some(TreatMissingData::NotBreaching)),
            Some(AlarmState::Ok)
        );
        assert_eq!(
            of(Some(TreatMissingData::Missing)),
            Some(AlarmState::InsufficientData)
        );
    }

    /// Evaluations fall on whole minutes (whole periods under a minute).
    #[test]
    fn evaluation_times() {
        assert_eq!(next_evaluation(300, SimTime(61_500)), SimTime(120_000));
        assert_eq!(next_evaluation(60, SimTime(120_000)), SimTime(180_000));
        assert_eq!(next_evaluation(10, SimTime(125_000)), SimTime(130_000));
        assert_eq!(data_date(SimTime(1_500)), "1970-01-01T00:00:01.500+0000");
        assert_eq!(
            console_date(SimTime::from_secs(T0)).len(),
            "dd/mm/yy hh:mm:ss".len()
        );
    }
}
