//! Each CloudWatch operation's input and output in the 2010-08-01 shapes, from one list
//! (`berth_model::service_operations!`). Inputs take every member as optional, so a missing required member is
//! CloudWatch's own error (`actions`) rather than a parse error; members Berth does not act
//! on are not declared and are ignored.

use berth_model::monitoring::AlarmState;
use berth_model::SimTime;
use serde::{Deserialize, Serialize};

use crate::documents::{
    AlarmHistoryItem, ComparisonOperator, Dimension, HistoryItemType, MetricAlarm, MetricDatum,
    StandardUnit, Statistic, Tag, TreatMissingData,
};

berth_model::service_operations! {
    "CloudWatch";
    /// PutMetricAlarm.
    PutMetricAlarm(PutMetricAlarmInput) -> Empty, read: false;
    /// DescribeAlarms.
    DescribeAlarms(DescribeAlarmsInput) -> DescribeAlarmsOutput, read: true;
    /// DeleteAlarms.
    DeleteAlarms(AlarmNamesInput) -> Empty, read: false;
    /// SetAlarmState.
    SetAlarmState(SetAlarmStateInput) -> Empty, read: false;
    /// EnableAlarmActions.
    EnableAlarmActions(AlarmNamesInput) -> Empty, read: false;
    /// DisableAlarmActions.
    DisableAlarmActions(AlarmNamesInput) -> Empty, read: false;
    /// DescribeAlarmHistory.
    DescribeAlarmHistory(DescribeAlarmHistoryInput) -> DescribeAlarmHistoryOutput, read: true;
    /// PutMetricData.
    PutMetricData(PutMetricDataInput) -> Empty, read: false;
    /// ListMetrics.
    ListMetrics(ListMetricsInput) -> ListMetricsOutput, read: true;
    /// GetMetricStatistics.
    GetMetricStatistics(GetMetricStatisticsInput) -> GetMetricStatisticsOutput, read: true;
    /// GetMetricData.
    GetMetricData(GetMetricDataInput) -> GetMetricDataOutput, read: true;
}

/// An output without members (the protocol sends no body).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// PutMetricAlarm's input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutMetricAlarmInput {
    /// The alarm's name (created, or replaced if it exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_name: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    /// Whether its actions run (true when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_enabled: Option<bool>,
    /// Actions on entering OK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub o_k_actions: Option<Vec<String>>,
    /// Actions on entering ALARM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_actions: Option<Vec<String>>,
    /// Actions on entering INSUFFICIENT_DATA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insufficient_data_actions: Option<Vec<String>>,
    /// The metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// Its namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The statistic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<Statistic>,
    /// A percentile instead (`p0.0` to `p100`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    /// The metric's dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<Dimension>>,
    /// Seconds per datapoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// Only datapoints in this unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<StandardUnit>,
    /// How many periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_periods: Option<i64>,
    /// How many must breach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<i64>,
    /// The threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// The comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison_operator: Option<ComparisonOperator>,
    /// What missing data counts as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treat_missing_data: Option<TreatMissingData>,
    /// Metric math (Berth does not evaluate it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<serde_json::Value>,
    /// An anomaly detection band (Berth does not compute one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_metric_id: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}

/// DescribeAlarms' input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmsInput {
    /// These alarms only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_names: Option<Vec<String>>,
    /// Alarms whose names start so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_name_prefix: Option<String>,
    /// `MetricAlarm`, `CompositeAlarm` (metric alarms only, when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_types: Option<Vec<String>>,
    /// Alarms in this state only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_value: Option<AlarmState>,
    /// Alarms with an action starting so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_prefix: Option<String>,
    /// Page size, 1–100 (50 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_records: Option<i64>,
    /// Where the previous page ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// DescribeAlarms' output.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmsOutput {
    /// Composite alarms (Berth has none).
    pub composite_alarms: Vec<serde_json::Value>,
    /// Metric alarms.
    pub metric_alarms: Vec<MetricAlarm>,
    /// The next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// An input naming alarms (DeleteAlarms, EnableAlarmActions, DisableAlarmActions).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmNamesInput {
    /// The alarms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_names: Option<Vec<String>>,
}

/// SetAlarmState's input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SetAlarmStateInput {
    /// The alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_name: Option<String>,
    /// Its new state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_value: Option<AlarmState>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    /// Why, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason_data: Option<String>,
}

/// DescribeAlarmHistory's input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmHistoryInput {
    /// One alarm's history only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_name: Option<String>,
    /// Entries of this kind only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_item_type: Option<HistoryItemType>,
    /// From.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<SimTime>,
    /// To.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<SimTime>,
    /// Page size, 1–100 (50 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_records: Option<i64>,
    /// Where the previous page ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// `TimestampDescending` (when absent) or `TimestampAscending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_by: Option<String>,
}

/// DescribeAlarmHistory's output.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmHistoryOutput {
    /// The entries.
    pub alarm_history_items: Vec<AlarmHistoryItem>,
    /// The next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// PutMetricData's input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutMetricDataInput {
    /// The namespace (not `AWS/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_data: Option<Vec<MetricDatum>>,
}

/// A dimension filter of ListMetrics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DimensionFilter {
    /// The dimension's name.
    #[serde(default)]
    pub name: String,
    /// Its value (any, when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// ListMetrics' input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListMetricsInput {
    /// This namespace only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// This metric only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// Metrics with these dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<DimensionFilter>>,
    /// Where the previous page ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// A metric, as ListMetrics writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metric {
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub metric_name: String,
    /// The dimensions.
    pub dimensions: Vec<Dimension>,
}

/// ListMetrics' output.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListMetricsOutput {
    /// The metrics.
    pub metrics: Vec<Metric>,
    /// The next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// GetMetricStatistics' input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricStatisticsInput {
    /// The namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// Its dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<Dimension>>,
    /// From (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<SimTime>,
    /// To (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<SimTime>,
    /// Seconds per datapoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// The statistics wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<Vec<Statistic>>,
    /// The percentiles wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistics: Option<Vec<String>>,
    /// Only data in this unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<StandardUnit>,
}

/// A datapoint of GetMetricStatistics.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Datapoint {
    /// The period's start.
    pub timestamp: SimTime,
    /// SampleCount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_count: Option<f64>,
    /// Average.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average: Option<f64>,
    /// Sum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<f64>,
    /// Minimum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    /// Maximum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    /// The unit asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<StandardUnit>,
    /// The percentiles asked for.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extended_statistics: std::collections::BTreeMap<String, f64>,
}

/// GetMetricStatistics' output.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricStatisticsOutput {
    /// The metric.
    pub label: String,
    /// One per period with data, oldest first.
    pub datapoints: Vec<Datapoint>,
}

/// GetMetricData's input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricDataInput {
    /// The queries (1 to 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_data_queries: Option<Vec<MetricDataQuery>>,
    /// From.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<SimTime>,
    /// To.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<SimTime>,
    /// A page (Berth answers in one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// `TimestampDescending` (the default) or `TimestampAscending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_by: Option<String>,
    /// The most datapoints to return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_datapoints: Option<i64>,
}

/// One query of GetMetricData.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataQuery {
    /// Its id (a lowercase letter first, then letters, digits and underscores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A metric and a statistic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<MetricStat>,
    /// Metric math (Berth does not evaluate it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// The result's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Whether its result is returned (true when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_data: Option<bool>,
}

/// A metric, its period, statistic and unit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricStat {
    /// The metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<MetricInput>,
    /// Seconds per datapoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// `Average`, `Sum`, ..., or `pNN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<String>,
    /// Only datapoints in this unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<StandardUnit>,
}

/// A metric as a query names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricInput {
    /// The namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// The dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<Dimension>>,
}

/// One query's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataResult {
    /// The query's id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// Each period with data.
    pub timestamps: Vec<SimTime>,
    /// Its value, in the same order.
    pub values: Vec<f64>,
    /// `Complete`.
    pub status_code: String,
}

/// GetMetricData's output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricDataOutput {
    /// One per query that returns data.
    pub metric_data_results: Vec<MetricDataResult>,
    /// Messages about the whole request (none).
    pub messages: Vec<serde_json::Value>,
}
