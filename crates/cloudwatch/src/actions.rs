//! Each CloudWatch operation: CloudWatch's validation in its words, then the change.
//!
//! PutMetricAlarm creates an alarm in INSUFFICIENT_DATA ("Unchecked: Initial alarm
//! creation"), evaluated from the next whole minute; putting an alarm that exists replaces
//! its configuration and keeps its state until the next evaluation. SetAlarmState sets the
//! state at once; the next evaluation sets it back if the data disagree, as on AWS.

use berth_model::monitoring::AlarmState;
use berth_model::{messages, SimTime};

use crate::alarms;
use crate::documents::{Dimension, HistoryItemType, MetricAlarm, MetricDatum, Statistic};
use crate::errors::{guessed, invalid, length, missing, CwError};
use crate::metrics::{Measure, MetricKey, Point};
use crate::requests::*;
use crate::{AlarmRecord, CloudWatch};

pub(crate) fn handle(
    cw: &mut CloudWatch,
    request: Request,
    now: SimTime,
) -> Result<Response, CwError> {
    Ok(match request {
        Request::PutMetricAlarm(input) => {
            Response::PutMetricAlarm(put_metric_alarm(cw, input, now)?)
        }
        Request::DescribeAlarms(input) => Response::DescribeAlarms(describe_alarms(cw, input)?),
        Request::DeleteAlarms(input) => Response::DeleteAlarms(delete_alarms(cw, input, now)?),
        Request::SetAlarmState(input) => Response::SetAlarmState(set_alarm_state(cw, input, now)?),
        Request::EnableAlarmActions(input) => {
            Response::EnableAlarmActions(alarm_actions(cw, input, true)?)
        }
        Request::DisableAlarmActions(input) => {
            Response::DisableAlarmActions(alarm_actions(cw, input, false)?)
        }
        Request::DescribeAlarmHistory(input) => {
            Response::DescribeAlarmHistory(describe_alarm_history(cw, input)?)
        }
        Request::PutMetricData(input) => Response::PutMetricData(put_metric_data(cw, input, now)?),
        Request::ListMetrics(input) => Response::ListMetrics(list_metrics(cw, input)),
        Request::GetMetricStatistics(input) => {
            Response::GetMetricStatistics(get_metric_statistics(cw, input)?)
        }
        Request::GetMetricData(input) => Response::GetMetricData(get_metric_data(cw, input)?),
    })
}

/// `AlarmNames` holds at most 100 names, in every operation that takes it.
fn at_most_100_names(names: &[String]) -> Result<(), CwError> {
    if names.len() > 100 {
        return Err(guessed("cw-too-many", &[&"AlarmNames", &100]));
    }
    Ok(())
}

fn required<T>(value: Option<T>, name: &str) -> Result<T, CwError> {
    value.ok_or_else(|| missing(name))
}

/// A known enum value, or CloudWatch's invalid-value error.
fn known<E: std::fmt::Display>(value: &E, is_known: bool, name: &str) -> Result<(), CwError> {
    if is_known {
        Ok(())
    } else {
        Err(invalid(name, value))
    }
}

fn dimensions(dimensions: &[Dimension], at: &str) -> Result<(), CwError> {
    if dimensions.len() > 30 {
        return Err(guessed("cw-too-many", &[&at, &30]));
    }
    for (i, d) in dimensions.iter().enumerate() {
        length(&d.name, &format!("{at}.member.{}.name", i + 1), 1, 255)?;
        length(&d.value, &format!("{at}.member.{}.value", i + 1), 1, 1024)?;
    }
    Ok(())
}

fn period(value: i64, name: &str) -> Result<u64, CwError> {
    if matches!(value, 10 | 20 | 30) || (value >= 60 && value % 60 == 0) {
        Ok(value as u64)
    } else {
        Err(guessed("cw-period", &[&name]))
    }
}

fn put_metric_alarm(
    cw: &mut CloudWatch,
    input: PutMetricAlarmInput,
    now: SimTime,
) -> Result<Empty, CwError> {
    let name = required(input.alarm_name, "AlarmName")?;
    length(&name, "alarmName", 1, 255)?;
    if let Some(description) = &input.alarm_description {
        length(description, "alarmDescription", 0, 1024)?;
    }
    if input.metrics.is_some() {
        return Err(guessed("cw-metric-math", &[]));
    }
    if input.threshold_metric_id.is_some() {
        return Err(guessed("cw-anomaly-band", &[]));
    }
    let metric_name = required(input.metric_name, "MetricName")?;
    length(&metric_name, "metricName", 1, 255)?;
    let namespace = required(input.namespace, "Namespace")?;
    length(&namespace, "namespace", 1, 255)?;
    if namespace.starts_with(':') {
        return Err(invalid("Namespace", &namespace));
    }
    match (&input.statistic, &input.extended_statistic) {
        (Some(_), Some(_)) | (None, None) => return Err(guessed("cw-statistic-one", &[])),
        (Some(statistic), None) => known(statistic, statistic.is_known(), "Statistic")?,
        (None, Some(p)) => {
            if alarms::percentile_of(p).is_none() {
                return Err(invalid("ExtendedStatistic", p));
            }
        }
    }
    let dims = input.dimensions.unwrap_or_default();
    dimensions(&dims, "dimensions")?;
    let period = period(required(input.period, "Period")?, "Period")?;
    let evaluation_periods = required(input.evaluation_periods, "EvaluationPeriods")?;
    if evaluation_periods < 1 {
        return Err(invalid("EvaluationPeriods", &evaluation_periods));
    }
    let evaluation_periods = evaluation_periods as u64;
    // One day of look-back, seven for periods of an hour or more.
    let most = if period >= 3600 { 7 * 86_400 } else { 86_400 };
    if period * evaluation_periods > most {
        return Err(guessed("cw-evaluation-window", &[&most]));
    }
    let datapoints_to_alarm = match input.datapoints_to_alarm {
        Some(m) if m < 1 || m as u64 > evaluation_periods => {
            return Err(guessed(
                "cw-datapoints-to-alarm",
                &[&m, &evaluation_periods],
            ));
        }
        other => other.map(|m| m as u64),
    };
    let threshold = required(input.threshold, "Threshold")?;
    if !threshold.is_finite() {
        return Err(invalid("Threshold", &threshold));
    }
    let comparison_operator = required(input.comparison_operator, "ComparisonOperator")?;
    known(
        &comparison_operator,
        comparison_operator.is_known(),
        "ComparisonOperator",
    )?;
    if comparison_operator.breaches(0.0, 0.0).is_none() {
        return Err(guessed("cw-anomaly-band", &[]));
    }
    if let Some(treat) = &input.treat_missing_data {
        known(treat, treat.is_known(), "TreatMissingData")?;
    }
    if let Some(unit) = &input.unit {
        known(unit, unit.is_known(), "Unit")?;
    }
    let mut actions = Vec::new();
    for (list, at) in [
        (input.o_k_actions, "OKActions"),
        (input.alarm_actions, "AlarmActions"),
        (input.insufficient_data_actions, "InsufficientDataActions"),
    ] {
        let list = list.unwrap_or_default();
        if list.len() > 5 {
            return Err(guessed("cw-too-many", &[&at, &5]));
        }
        if let Some(bad) = list.iter().find(|arn| !arn.starts_with("arn:")) {
            return Err(invalid(at, bad));
        }
        actions.push(list);
    }
    let [o_k_actions, alarm_actions, insufficient_data_actions] =
        <[Vec<String>; 3]>::try_from(actions).expect("three lists");
    let existing = cw.alarms.get(&name).map(|r| r.doc.clone());
    let created = existing.is_none();
    let doc = MetricAlarm {
        alarm_name: name.clone(),
        alarm_arn: cw.arn(&name),
        alarm_description: input.alarm_description,
        alarm_configuration_updated_timestamp: now,
        actions_enabled: input.actions_enabled.unwrap_or(true),
        o_k_actions,
        alarm_actions,
        insufficient_data_actions,
        state_value: existing
            .as_ref()
            .map_or(AlarmState::InsufficientData, |e| e.state_value.clone()),
        state_reason: existing.as_ref().map_or_else(
            || messages::cloudwatch_text("cw-reason-created", &[]),
            |e| e.state_reason.clone(),
        ),
        state_reason_data: existing.as_ref().and_then(|e| e.state_reason_data.clone()),
        state_updated_timestamp: existing.as_ref().map_or(now, |e| e.state_updated_timestamp),
        state_transitioned_timestamp: existing
            .as_ref()
            .map_or(now, |e| e.state_transitioned_timestamp),
        metric_name,
        namespace,
        statistic: input.statistic,
        extended_statistic: input.extended_statistic,
        dimensions: dims,
        period,
        unit: input.unit,
        evaluation_periods,
        datapoints_to_alarm,
        threshold,
        comparison_operator,
        treat_missing_data: input.treat_missing_data,
    };
    let summary = messages::cloudwatch_text(
        if created {
            "cw-history-created"
        } else {
            "cw-history-updated"
        },
        &[&name],
    );
    let data = serde_json::json!({
        "version": "1.0",
        "type": if created { "Create" } else { "Update" },
        "createdAlarm": serde_json::to_value(&doc).unwrap_or_default(),
    });
    let tags = input.tags.unwrap_or_default();
    cw.alarms.insert(
        name.clone(),
        AlarmRecord {
            next_evaluation: alarms::next_evaluation(period, now),
            doc,
            tags,
            last_value: None,
        },
    );
    cw.record_history(
        &name,
        HistoryItemType::ConfigurationUpdate,
        summary,
        data,
        now,
    );
    Ok(Empty {})
}

fn max_records(value: Option<i64>) -> Result<usize, CwError> {
    match value {
        None => Ok(50),
        Some(n @ 1..=100) => Ok(n as usize),
        Some(n) => Err(invalid("MaxRecords", &n)),
    }
}

fn describe_alarms(
    cw: &CloudWatch,
    input: DescribeAlarmsInput,
) -> Result<DescribeAlarmsOutput, CwError> {
    let limit = max_records(input.max_records)?;
    if input.alarm_names.is_some() && input.alarm_name_prefix.is_some() {
        return Err(guessed("cw-names-and-prefix", &[]));
    }
    if let Some(names) = &input.alarm_names {
        at_most_100_names(names)?;
    }
    if let Some(state) = &input.state_value {
        known(state, state.is_known(), "StateValue")?;
    }
    let metric_alarms_wanted = input
        .alarm_types
        .as_ref()
        .is_none_or(|types| types.iter().any(|t| t == "MetricAlarm"));
    let matching = cw.alarms.values().map(|r| &r.doc).filter(|a| {
        metric_alarms_wanted
            && input
                .alarm_names
                .as_ref()
                .is_none_or(|names| names.contains(&a.alarm_name))
            && input
                .alarm_name_prefix
                .as_ref()
                .is_none_or(|p| a.alarm_name.starts_with(p.as_str()))
            && input
                .state_value
                .as_ref()
                .is_none_or(|s| &a.state_value == s)
            && input.action_prefix.as_ref().is_none_or(|p| {
                a.o_k_actions
                    .iter()
                    .chain(&a.alarm_actions)
                    .chain(&a.insufficient_data_actions)
                    .any(|arn| arn.starts_with(p.as_str()))
            })
            && input
                .next_token
                .as_ref()
                .is_none_or(|token| a.alarm_name.as_str() >= token.as_str())
    });
    let mut metric_alarms: Vec<MetricAlarm> = matching.take(limit + 1).cloned().collect();
    let next_token = (metric_alarms.len() > limit)
        .then(|| metric_alarms.pop().map(|a| a.alarm_name))
        .flatten();
    Ok(DescribeAlarmsOutput {
        composite_alarms: Vec::new(),
        metric_alarms,
        next_token,
    })
}

fn delete_alarms(
    cw: &mut CloudWatch,
    input: AlarmNamesInput,
    now: SimTime,
) -> Result<Empty, CwError> {
    let names = required(input.alarm_names, "AlarmNames")?;
    at_most_100_names(&names)?;
    // Nothing is deleted if one is not there.
    let absent: Vec<&String> = names
        .iter()
        .filter(|n| !cw.alarms.contains_key(*n))
        .collect();
    if !absent.is_empty() {
        let listed: Vec<&str> = absent.iter().map(|n| n.as_str()).collect();
        return Err(guessed("cw-delete-not-found", &[&listed.join(", ")]));
    }
    for name in &names {
        cw.alarms.remove(name);
        let summary = messages::cloudwatch_text("cw-history-deleted", &[name]);
        let data = serde_json::json!({"version": "1.0", "type": "Delete"});
        cw.record_history(
            name,
            HistoryItemType::ConfigurationUpdate,
            summary,
            data,
            now,
        );
    }
    Ok(Empty {})
}

fn set_alarm_state(
    cw: &mut CloudWatch,
    input: SetAlarmStateInput,
    now: SimTime,
) -> Result<Empty, CwError> {
    let name = required(input.alarm_name, "AlarmName")?;
    let state = required(input.state_value, "StateValue")?;
    let reason = required(input.state_reason, "StateReason")?;
    length(&reason, "stateReason", 0, 1023)?;
    known(&state, state.is_known(), "StateValue")?;
    if let Some(data) = &input.state_reason_data {
        length(data, "stateReasonData", 0, 4000)?;
        if serde_json::from_str::<serde_json::Value>(data).is_err() {
            return Err(guessed("cw-reason-data-json", &[]));
        }
    }
    if !cw.alarms.contains_key(&name) {
        return Err(guessed("cw-alarm-not-found", &[&name]));
    }
    let before = cw.alarms[&name].doc.state_value.clone();
    cw.set_state(&name, state, reason, input.state_reason_data, now, true);
    if cw.alarms[&name].doc.state_value != before {
        cw.invoke_auto_scaling(&name, now);
    }
    Ok(Empty {})
}

fn alarm_actions(
    cw: &mut CloudWatch,
    input: AlarmNamesInput,
    enabled: bool,
) -> Result<Empty, CwError> {
    let names = required(input.alarm_names, "AlarmNames")?;
    at_most_100_names(&names)?;
    // Names that are not alarms are passed over, as CloudWatch does.
    for name in names {
        if let Some(record) = cw.alarms.get_mut(&name) {
            record.doc.actions_enabled = enabled;
        }
    }
    Ok(Empty {})
}

fn describe_alarm_history(
    cw: &CloudWatch,
    input: DescribeAlarmHistoryInput,
) -> Result<DescribeAlarmHistoryOutput, CwError> {
    let limit = max_records(input.max_records)?;
    if let Some(kind) = &input.history_item_type {
        known(kind, kind.is_known(), "HistoryItemType")?;
    }
    let ascending = match input.scan_by.as_deref() {
        None | Some("TimestampDescending") => false,
        Some("TimestampAscending") => true,
        Some(other) => return Err(invalid("ScanBy", &other)),
    };
    let skip = match &input.next_token {
        None => 0,
        Some(token) => token
            .parse::<usize>()
            .map_err(|_| guessed("cw-next-token", &[]))?,
    };
    let matches = |item: &&crate::documents::AlarmHistoryItem| {
        input
            .alarm_name
            .as_ref()
            .is_none_or(|n| &item.alarm_name == n)
            && input
                .history_item_type
                .as_ref()
                .is_none_or(|k| &item.history_item_type == k)
            && input.start_date.is_none_or(|from| item.timestamp >= from)
            && input.end_date.is_none_or(|to| item.timestamp <= to)
    };
    let ordered: Box<dyn Iterator<Item = &crate::documents::AlarmHistoryItem>> = if ascending {
        Box::new(cw.history.iter())
    } else {
        Box::new(cw.history.iter().rev())
    };
    let mut items: Vec<_> = ordered
        .filter(matches)
        .skip(skip)
        .take(limit + 1)
        .cloned()
        .collect();
    let next_token = (items.len() > limit).then(|| {
        items.pop();
        (skip + limit).to_string()
    });
    Ok(DescribeAlarmHistoryOutput {
        alarm_history_items: items,
        next_token,
    })
}

fn put_metric_data(
    cw: &mut CloudWatch,
    input: PutMetricDataInput,
    now: SimTime,
) -> Result<Empty, CwError> {
    let namespace = required(input.namespace, "Namespace")?;
    length(&namespace, "namespace", 1, 255)?;
    if namespace.starts_with("AWS/") || namespace.starts_with(':') {
        return Err(invalid("Namespace", &namespace));
    }
    let data = input.metric_data.unwrap_or_default();
    if data.is_empty() {
        return Err(missing("MetricData"));
    }
    if data.len() > 1000 {
        return Err(guessed("cw-too-many", &[&"MetricData", &1000]));
    }
    let mut points = Vec::with_capacity(data.len());
    for (i, datum) in data.into_iter().enumerate() {
        points.push(point_of(&namespace, i + 1, datum, now)?);
    }
    // All or nothing: every datum was checked before any is kept.
    for (key, point) in points {
        cw.store.put(key, point);
    }
    Ok(Empty {})
}

/// A datum checked and made a point.
fn point_of(
    namespace: &str,
    n: usize,
    datum: MetricDatum,
    now: SimTime,
) -> Result<(MetricKey, Point), CwError> {
    let at = |member: &str| format!("MetricData.member.{n}.{member}");
    let name = datum
        .metric_name
        .ok_or_else(|| missing(&at("MetricName")))?;
    length(&name, &format!("metricData.member.{n}.metricName"), 1, 255)?;
    let dims = datum.dimensions.unwrap_or_default();
    dimensions(&dims, &format!("metricData.member.{n}.dimensions"))?;
    if let Some(unit) = &datum.unit {
        known(unit, unit.is_known(), &at("Unit"))?;
    }
    let time = datum.timestamp.unwrap_or(now);
    let two_weeks = 14 * 86_400 * 1000;
    let two_hours = 2 * 3600 * 1000;
    if time.as_millis() + two_weeks < now.as_millis()
        || time.as_millis() > now.as_millis() + two_hours
    {
        return Err(guessed("cw-timestamp-range", &[&at("Timestamp")]));
    }
    let finite = |v: f64, member: &str| {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(invalid(&at(member), &v))
        }
    };
    let given = [
        datum.value.is_some(),
        datum.statistic_values.is_some(),
        datum.values.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(guessed("cw-datum-exclusive", &[&n]));
    }
    let mut point = Point {
        at: time,
        unit: datum.unit,
        count: 0.0,
        sum: 0.0,
        min: 0.0,
        max: 0.0,
        values: Vec::new(),
    };
    if let Some(v) = datum.value {
        let v = finite(v, "Value")?;
        point.values = vec![(v, 1.0)];
    } else if let Some(set) = datum.statistic_values {
        point.count = finite(set.sample_count, "StatisticValues.SampleCount")?;
        point.sum = finite(set.sum, "StatisticValues.Sum")?;
        point.min = finite(set.minimum, "StatisticValues.Minimum")?;
        point.max = finite(set.maximum, "StatisticValues.Maximum")?;
        if point.count <= 0.0 || point.min > point.max {
            return Err(invalid(&at("StatisticValues"), &point.count));
        }
    } else if let Some(values) = datum.values {
        let counts = datum.counts.unwrap_or_else(|| vec![1.0; values.len()]);
        if counts.len() != values.len() {
            return Err(guessed("cw-values-counts", &[&n, &n]));
        }
        if values.len() > 150 {
            return Err(guessed("cw-too-many", &[&at("Values"), &150]));
        }
        for (v, c) in values.into_iter().zip(counts) {
            point
                .values
                .push((finite(v, "Values")?, finite(c, "Counts")?));
        }
    } else {
        return Err(missing(&at("Value")));
    }
    if !point.values.is_empty() {
        point.count = point.values.iter().map(|(_, c)| c).sum();
        point.sum = point.values.iter().map(|(v, c)| v * c).sum();
        point.min = point
            .values
            .iter()
            .map(|(v, _)| *v)
            .fold(f64::INFINITY, f64::min);
        point.max = point
            .values
            .iter()
            .map(|(v, _)| *v)
            .fold(f64::NEG_INFINITY, f64::max);
    }
    Ok((MetricKey::new(namespace, &name, &dims), point))
}

fn list_metrics(cw: &CloudWatch, input: ListMetricsInput) -> ListMetricsOutput {
    const PAGE: usize = 500;
    let filters = input.dimensions.unwrap_or_default();
    let skip: usize = input
        .next_token
        .as_deref()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let mut metrics: Vec<Metric> = cw
        .store
        .keys()
        .filter(|k| input.namespace.as_ref().is_none_or(|n| &k.namespace == n))
        .filter(|k| input.metric_name.as_ref().is_none_or(|n| &k.name == n))
        .filter(|k| {
            filters.iter().all(|f| {
                k.dimensions
                    .iter()
                    .any(|d| d.name == f.name && f.value.as_ref().is_none_or(|v| &d.value == v))
            })
        })
        .skip(skip)
        .take(PAGE + 1)
        .map(|k| Metric {
            namespace: k.namespace.clone(),
            metric_name: k.name.clone(),
            dimensions: k.dimensions.clone(),
        })
        .collect();
    let next_token = (metrics.len() > PAGE).then(|| {
        metrics.pop();
        (skip + PAGE).to_string()
    });
    ListMetricsOutput {
        metrics,
        next_token,
    }
}

fn get_metric_statistics(
    cw: &CloudWatch,
    input: GetMetricStatisticsInput,
) -> Result<GetMetricStatisticsOutput, CwError> {
    let namespace = required(input.namespace, "Namespace")?;
    let name = required(input.metric_name, "MetricName")?;
    let start = required(input.start_time, "StartTime")?;
    let end = required(input.end_time, "EndTime")?;
    let period = required(input.period, "Period")?;
    if period < 1 || (period >= 60 && period % 60 != 0) || (period < 60 && 60 % period != 0) {
        return Err(guessed("cw-period", &[&"Period"]));
    }
    let period = period as u64 * 1000;
    if start >= end {
        return Err(guessed("cw-start-after-end", &[]));
    }
    let statistics = input.statistics.unwrap_or_default();
    let extended = input.extended_statistics.unwrap_or_default();
    if statistics.is_empty() == extended.is_empty() {
        return Err(guessed("cw-statistics-one", &[]));
    }
    for statistic in &statistics {
        known(statistic, statistic.is_known(), "Statistics")?;
    }
    let percentiles: Vec<(String, f64)> = extended
        .iter()
        .map(|p| {
            alarms::percentile_of(p)
                .map(|v| (p.clone(), v))
                .ok_or_else(|| invalid("ExtendedStatistics", p))
        })
        .collect::<Result<_, _>>()?;
    let buckets = (end.as_millis() - start.as_millis()).div_ceil(period);
    if buckets > 1440 {
        return Err(guessed("cw-too-many-datapoints", &[&buckets]));
    }
    let dims = input.dimensions.unwrap_or_default();
    let key = MetricKey::new(&namespace, &name, &dims);
    let unit = input.unit;
    let mut datapoints = Vec::new();
    for i in 0..buckets {
        let from = SimTime(start.as_millis() + i * period);
        let to = SimTime((from.as_millis() + period).min(end.as_millis()));
        let of = |m: Measure| cw.store.statistic(&key, from, to, unit.as_ref(), m);
        let Some(count) = of(Measure::Statistic(Statistic::SampleCount)) else {
            continue;
        };
        let wanted = |s: Statistic| {
            statistics
                .contains(&s)
                .then(|| of(Measure::Statistic(s)))
                .flatten()
        };
        datapoints.push(Datapoint {
            timestamp: from,
            sample_count: statistics
                .contains(&Statistic::SampleCount)
                .then_some(count),
            average: wanted(Statistic::Average),
            sum: wanted(Statistic::Sum),
            minimum: wanted(Statistic::Minimum),
            maximum: wanted(Statistic::Maximum),
            unit: Some(
                unit.clone()
                    .or_else(|| cw.store.unit(&key, from, to))
                    .unwrap_or(crate::documents::StandardUnit::None),
            ),
            extended_statistics: percentiles
                .iter()
                .filter_map(|(label, p)| of(Measure::Percentile(*p)).map(|v| (label.clone(), v)))
                .collect(),
        });
    }
    Ok(GetMetricStatisticsOutput {
        label: name,
        datapoints,
    })
}

/// GetMetricData of metric statistics (each query a `MetricStat`; metric math is refused):
/// each query's periods with data, newest first unless `ScanBy` says otherwise.
fn get_metric_data(
    cw: &CloudWatch,
    input: GetMetricDataInput,
) -> Result<GetMetricDataOutput, CwError> {
    let queries = required(input.metric_data_queries, "MetricDataQueries")?;
    if queries.is_empty() || queries.len() > 500 {
        return Err(guessed("cw-queries", &[&queries.len()]));
    }
    let start = required(input.start_time, "StartTime")?;
    let end = required(input.end_time, "EndTime")?;
    if start >= end {
        return Err(guessed("cw-start-after-end", &[]));
    }
    if input.next_token.is_some() {
        return Err(guessed("cw-next-token", &[]));
    }
    let ascending = match input.scan_by.as_deref() {
        None | Some("TimestampDescending") => false,
        Some("TimestampAscending") => true,
        Some(other) => return Err(invalid("ScanBy", &other)),
    };
    let most = input.max_datapoints.unwrap_or(100_800).max(0) as usize;
    let mut seen = std::collections::BTreeSet::new();
    let mut results = Vec::new();
    let mut returned = 0;
    for query in queries {
        let id = required(query.id, "MetricDataQueries.member.Id")?;
        let well_formed = id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !well_formed {
            return Err(guessed("cw-query-id", &[&id]));
        }
        if !seen.insert(id.clone()) {
            return Err(guessed("cw-query-id-twice", &[&id]));
        }
        if query.expression.is_some() {
            return Err(guessed("cw-expression", &[&id]));
        }
        let stat = query
            .metric_stat
            .ok_or_else(|| guessed("cw-query-one", &[&id]))?;
        let metric = required(stat.metric, "MetricStat.Metric")?;
        let namespace = required(metric.namespace, "MetricStat.Metric.Namespace")?;
        let name = required(metric.metric_name, "MetricStat.Metric.MetricName")?;
        let period = required(stat.period, "MetricStat.Period")?;
        if period < 1 || (period >= 60 && period % 60 != 0) || (period < 60 && 60 % period != 0) {
            return Err(guessed("cw-period", &[&"MetricStat.Period"]));
        }
        let text = required(stat.stat, "MetricStat.Stat")?;
        let measure = match text.as_str() {
            "SampleCount" => Measure::Statistic(Statistic::SampleCount),
            "Average" => Measure::Statistic(Statistic::Average),
            "Sum" => Measure::Statistic(Statistic::Sum),
            "Minimum" => Measure::Statistic(Statistic::Minimum),
            "Maximum" => Measure::Statistic(Statistic::Maximum),
            other => Measure::Percentile(
                alarms::percentile_of(other).ok_or_else(|| invalid("MetricStat.Stat", &other))?,
            ),
        };
        let period = period as u64 * 1000;
        let buckets = (end.as_millis() - start.as_millis()).div_ceil(period);
        let key = MetricKey::new(&namespace, &name, &metric.dimensions.unwrap_or_default());
        let mut points: Vec<(SimTime, f64)> = (0..buckets)
            .filter_map(|i| {
                let from = SimTime(start.as_millis() + i * period);
                let to = SimTime((from.as_millis() + period).min(end.as_millis()));
                cw.store
                    .statistic(&key, from, to, stat.unit.as_ref(), measure.clone())
                    .map(|v| (from, v))
            })
            .collect();
        if !ascending {
            points.reverse();
        }
        if query.return_data == Some(false) {
            continue;
        }
        points.truncate(most.saturating_sub(returned));
        returned += points.len();
        results.push(MetricDataResult {
            id,
            label: query.label.unwrap_or(name),
            timestamps: points.iter().map(|(at, _)| *at).collect(),
            values: points.iter().map(|(_, v)| *v).collect(),
            status_code: "Complete".into(),
        });
    }
    Ok(GetMetricDataOutput {
        metric_data_results: results,
        messages: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::documents::{ComparisonOperator, TreatMissingData};

    const T0: u64 = 1_780_000_000 - 1_780_000_000 % 3600;

    fn at(seconds: u64) -> SimTime {
        SimTime::from_secs(T0 + seconds)
    }

    fn alarm_input(name: &str) -> PutMetricAlarmInput {
        PutMetricAlarmInput {
            alarm_name: Some(name.into()),
            metric_name: Some("Errors".into()),
            namespace: Some("App".into()),
            statistic: Some(Statistic::Sum),
            period: Some(60),
            evaluation_periods: Some(1),
            threshold: Some(5.0),
            comparison_operator: Some(ComparisonOperator::GreaterThanOrEqualToThreshold),
            treat_missing_data: Some(TreatMissingData::NotBreaching),
            alarm_actions: Some(vec!["arn:aws:autoscaling:policy".into()]),
            ..PutMetricAlarmInput::default()
        }
    }

    fn datum(value: f64, when: SimTime) -> PutMetricDataInput {
        PutMetricDataInput {
            namespace: Some("App".into()),
            metric_data: Some(vec![MetricDatum {
                metric_name: Some("Errors".into()),
                value: Some(value),
                timestamp: Some(when),
                ..MetricDatum::default()
            }]),
        }
    }

    fn state(cw: &CloudWatch, name: &str) -> AlarmState {
        cw.alarms[name].doc.state_value.clone()
    }

    /// An alarm is created INSUFFICIENT_DATA, goes to ALARM at the first evaluation after
    /// data breach it (its actions in the change), back to OK when the data stop
    /// (notBreaching); SetAlarmState forces a state that the next evaluation undoes.
    #[test]
    fn alarm_follows_its_metric() {
        let mut cw = CloudWatch::new("us-east-1", "123456789012");
        cw.handle(Request::PutMetricAlarm(alarm_input("errors")), at(5))
            .unwrap();
        assert_eq!(state(&cw, "errors"), AlarmState::InsufficientData);
        assert_eq!(
            cw.alarms["errors"].doc.state_reason,
            "Unchecked: Initial alarm creation"
        );
        assert_eq!(cw.poll_timeout(), Some(at(60)));
        cw.handle(Request::PutMetricData(datum(7.0, at(30))), at(30))
            .unwrap();
        cw.handle_timeout(at(60));
        assert_eq!(state(&cw, "errors"), AlarmState::Alarm);
        let change = cw.poll_change().unwrap();
        assert_eq!(
            (change.old, change.new.clone()),
            (AlarmState::InsufficientData, AlarmState::Alarm)
        );
        assert_eq!(
            change.actions,
            vec!["arn:aws:autoscaling:policy".to_owned()]
        );
        assert_eq!(cw.alarm_facts()[0].window_seconds, 60);
        cw.handle_timeout(at(120));
        assert_eq!(state(&cw, "errors"), AlarmState::Ok);

        let force = SetAlarmStateInput {
            alarm_name: Some("errors".into()),
            state_value: Some(AlarmState::Alarm),
            state_reason: Some("testing".into()),
            state_reason_data: None,
        };
        cw.handle(Request::SetAlarmState(force), at(130)).unwrap();
        assert_eq!(state(&cw, "errors"), AlarmState::Alarm);
        cw.handle_timeout(at(180));
        assert_eq!(state(&cw, "errors"), AlarmState::Ok);
        let history = describe_alarm_history(&cw, DescribeAlarmHistoryInput::default()).unwrap();
        let summaries: Vec<&str> = history
            .alarm_history_items
            .iter()
            .map(|i| i.history_summary.as_str())
            .collect();
        assert_eq!(
            summaries,
            [
                "Alarm updated from ALARM to OK",
                "Alarm updated from OK to ALARM",
                "Alarm updated from ALARM to OK",
                "Alarm updated from INSUFFICIENT_DATA to ALARM",
                "Alarm \"errors\" created",
            ]
        );
    }

    /// What is wrong is CloudWatch's error, and nothing changes.
    #[test]
    fn bad_input_is_refused() {
        let mut cw = CloudWatch::new("us-east-1", "123456789012");
        let mut bad = alarm_input("x");
        bad.period = Some(45);
        let error = cw.handle(Request::PutMetricAlarm(bad), at(0)).unwrap_err();
        assert_eq!(error.code(), "InvalidParameterValue");
        let mut bad = alarm_input("x");
        bad.extended_statistic = Some("p99".into());
        let error = cw.handle(Request::PutMetricAlarm(bad), at(0)).unwrap_err();
        assert_eq!(error.code(), "InvalidParameterCombination");
        let mut bad = alarm_input("x");
        bad.datapoints_to_alarm = Some(2);
        assert_eq!(
            cw.handle(Request::PutMetricAlarm(bad), at(0))
                .unwrap_err()
                .code(),
            "InvalidParameterValue"
        );
        let mut bad = alarm_input("x");
        bad.threshold = None;
        assert_eq!(
            cw.handle(Request::PutMetricAlarm(bad), at(0))
                .unwrap_err()
                .code(),
            "MissingParameter"
        );
        assert!(cw.alarms.is_empty());

        cw.handle(Request::PutMetricAlarm(alarm_input("a")), at(0))
            .unwrap();
        let delete = AlarmNamesInput {
            alarm_names: Some(vec!["a".into(), "nope".into()]),
        };
        let error = cw.handle(Request::DeleteAlarms(delete), at(0)).unwrap_err();
        assert_eq!((error.code(), error.status()), ("ResourceNotFound", 404));
        assert!(cw.alarms.contains_key("a"), "nothing deleted");
        let error = cw
            .handle(
                Request::PutMetricData(PutMetricDataInput {
                    namespace: Some("AWS/ECS".into()),
                    ..datum(1.0, at(0))
                }),
                at(0),
            )
            .unwrap_err();
        assert_eq!(error.code(), "InvalidParameterValue");
        let set = SetAlarmStateInput {
            alarm_name: Some("a".into()),
            state_value: Some(AlarmState::Alarm),
            state_reason: Some("r".into()),
            state_reason_data: Some("{not json".into()),
        };
        assert_eq!(
            cw.handle(Request::SetAlarmState(set), at(0))
                .unwrap_err()
                .code(),
            "InvalidFormat"
        );
    }

    /// DescribeAlarms filters and pages by name; GetMetricStatistics buckets by period.
    #[test]
    fn describe_and_statistics() {
        let mut cw = CloudWatch::new("us-east-1", "123456789012");
        for name in ["a1", "a2", "b1"] {
            cw.handle(Request::PutMetricAlarm(alarm_input(name)), at(0))
                .unwrap();
        }
        let page = describe_alarms(
            &cw,
            DescribeAlarmsInput {
                alarm_name_prefix: Some("a".into()),
                max_records: Some(1),
                ..DescribeAlarmsInput::default()
            },
        )
        .unwrap();
        assert_eq!(page.metric_alarms[0].alarm_name, "a1");
        assert_eq!(page.next_token.as_deref(), Some("a2"));
        let rest = describe_alarms(
            &cw,
            DescribeAlarmsInput {
                alarm_name_prefix: Some("a".into()),
                next_token: page.next_token,
                ..DescribeAlarmsInput::default()
            },
        )
        .unwrap();
        assert_eq!(rest.metric_alarms.len(), 1);
        assert_eq!(rest.next_token, None);

        for (s, v) in [(10, 1.0), (20, 3.0), (70, 10.0)] {
            cw.handle(Request::PutMetricData(datum(v, at(s))), at(100))
                .unwrap();
        }
        let stats = get_metric_statistics(
            &cw,
            GetMetricStatisticsInput {
                namespace: Some("App".into()),
                metric_name: Some("Errors".into()),
                start_time: Some(at(0)),
                end_time: Some(at(180)),
                period: Some(60),
                statistics: Some(vec![Statistic::Average, Statistic::Maximum]),
                ..GetMetricStatisticsInput::default()
            },
        )
        .unwrap();
        let averages: Vec<_> = stats
            .datapoints
            .iter()
            .map(|d| (d.timestamp, d.average))
            .collect();
        assert_eq!(averages, [(at(0), Some(2.0)), (at(60), Some(10.0))]);
        let metrics = list_metrics(&cw, ListMetricsInput::default());
        assert_eq!(metrics.metrics.len(), 1);
    }

    /// GetMetricData answers each MetricStat query newest first (or oldest first), skips
    /// those that return no data, and refuses metric math and bad ids.
    #[test]
    fn get_metric_data_answers_metric_stat_queries() {
        let mut cw = CloudWatch::new("us-east-1", "123456789012");
        for (minute, value) in [(0, 1.0), (1, 4.0), (2, 2.0)] {
            cw.handle(
                Request::PutMetricData(datum(value, at(minute * 60 + 5))),
                at(200),
            )
            .unwrap();
        }
        let query = |id: &str, stat: &str| MetricDataQuery {
            id: Some(id.into()),
            metric_stat: Some(MetricStat {
                metric: Some(MetricInput {
                    namespace: Some("App".into()),
                    metric_name: Some("Errors".into()),
                    dimensions: None,
                }),
                period: Some(60),
                stat: Some(stat.into()),
                unit: None,
            }),
            ..MetricDataQuery::default()
        };
        let input = |queries: Vec<MetricDataQuery>, scan: Option<&str>| {
            Request::GetMetricData(GetMetricDataInput {
                metric_data_queries: Some(queries),
                start_time: Some(at(0)),
                end_time: Some(at(300)),
                scan_by: scan.map(Into::into),
                ..GetMetricDataInput::default()
            })
        };
        let mut hidden = query("hidden", "Sum");
        hidden.return_data = Some(false);
        let Ok(Response::GetMetricData(out)) =
            cw.handle(input(vec![query("sum", "Sum"), hidden], None), at(300))
        else {
            panic!("GetMetricData failed")
        };
        assert_eq!(out.metric_data_results.len(), 1);
        let sum = &out.metric_data_results[0];
        assert_eq!((sum.id.as_str(), sum.label.as_str()), ("sum", "Errors"));
        assert_eq!(sum.values, vec![2.0, 4.0, 1.0]);
        assert_eq!(sum.timestamps, vec![at(120), at(60), at(0)]);
        let Ok(Response::GetMetricData(out)) = cw.handle(
            input(vec![query("p", "p100")], Some("TimestampAscending")),
            at(300),
        ) else {
            panic!("GetMetricData failed")
        };
        assert_eq!(out.metric_data_results[0].values, vec![1.0, 4.0, 2.0]);
        let mut math = query("m", "Sum");
        math.metric_stat = None;
        math.expression = Some("SUM(METRICS())".into());
        for (queries, shape) in [
            (vec![math], "InvalidParameterValueException"),
            (
                vec![query("Upper", "Sum")],
                "InvalidParameterValueException",
            ),
            (
                vec![query("a", "Sum"), query("a", "Sum")],
                "InvalidParameterValueException",
            ),
            (vec![query("a", "Median")], "InvalidParameterValueException"),
            (Vec::new(), "InvalidParameterValueException"),
        ] {
            let error = cw.handle(input(queries, None), at(300)).unwrap_err();
            assert_eq!(error.shape, shape, "{error}");
        }
    }

    /// An alarm in ALARM invokes its Auto Scaling action at every evaluation, other actions
    /// only on the transition.
    #[test]
    fn auto_scaling_actions_are_invoked_while_the_alarm_stays_in_alarm() {
        let mut cw = CloudWatch::new("us-east-1", "123456789012");
        let mut input = alarm_input("errors");
        input.alarm_actions = Some(vec![
            "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x".into(),
            "arn:aws:sns:us-east-1:123456789012:topic".into(),
        ]);
        cw.handle(Request::PutMetricAlarm(input), at(0)).unwrap();
        for minute in 0..3 {
            cw.handle(
                Request::PutMetricData(datum(9.0, at(minute * 60 + 5))),
                at(minute * 60 + 5),
            )
            .unwrap();
            cw.handle_timeout(at(minute * 60 + 60));
        }
        let invocations: Vec<crate::Invocation> =
            std::iter::from_fn(|| cw.poll_invocation()).collect();
        assert_eq!(invocations.len(), 3, "{invocations:?}");
        assert!(invocations
            .iter()
            .all(|i| i.action.contains(":autoscaling:")
                && i.state == AlarmState::Alarm
                && i.value == Some(9.0)
                && i.threshold == 5.0));
        assert_eq!(invocations[2].at, at(180));
    }
}
