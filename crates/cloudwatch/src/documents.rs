//! CloudWatch's documents as the 2010-08-01 API writes them: member names exactly as the
//! botocore model has them, so one type is the record Berth keeps, the CBOR a client reads
//! (berth-api turns the JSON form into CBOR) and the JSON the page reads. Timestamps are
//! `SimTime`s, epoch seconds on the wire.

use berth_model::monitoring::AlarmState;
use berth_model::{ecs_enum, SimTime};
use serde::{Deserialize, Serialize};

ecs_enum! {
    /// A metric alarm's `Statistic`.
    Statistic {
        SampleCount = "SampleCount", Average = "Average", Sum = "Sum", Minimum = "Minimum",
        Maximum = "Maximum",
    }
}

ecs_enum! {
    /// A metric alarm's `ComparisonOperator`. The last three compare with an anomaly
    /// detection band, which Berth does not compute.
    ComparisonOperator {
        GreaterThanOrEqualToThreshold = "GreaterThanOrEqualToThreshold",
        GreaterThanThreshold = "GreaterThanThreshold",
        LessThanThreshold = "LessThanThreshold",
        LessThanOrEqualToThreshold = "LessThanOrEqualToThreshold",
        LessThanLowerOrGreaterThanUpperThreshold = "LessThanLowerOrGreaterThanUpperThreshold",
        LessThanLowerThreshold = "LessThanLowerThreshold",
        GreaterThanUpperThreshold = "GreaterThanUpperThreshold",
    }
}

impl ComparisonOperator {
    /// Whether `value` breaches `threshold`; `None` for the anomaly-band operators.
    pub fn breaches(&self, value: f64, threshold: f64) -> Option<bool> {
        Some(match self {
            ComparisonOperator::GreaterThanOrEqualToThreshold => value >= threshold,
            ComparisonOperator::GreaterThanThreshold => value > threshold,
            ComparisonOperator::LessThanThreshold => value < threshold,
            ComparisonOperator::LessThanOrEqualToThreshold => value <= threshold,
            _ => return None,
        })
    }

    /// How the console writes the comparison in a state reason.
    pub fn words(&self) -> &'static str {
        match self {
            ComparisonOperator::GreaterThanOrEqualToThreshold => "greater than or equal to",
            ComparisonOperator::GreaterThanThreshold => "greater than",
            ComparisonOperator::LessThanThreshold => "less than",
            ComparisonOperator::LessThanOrEqualToThreshold => "less than or equal to",
            _ => "outside the band of",
        }
    }
}

ecs_enum! {
    /// `TreatMissingData`.
    TreatMissingData {
        Breaching = "breaching", NotBreaching = "notBreaching", Ignore = "ignore",
        Missing = "missing",
    }
}

ecs_enum! {
    /// `StandardUnit`.
    StandardUnit {
        Seconds = "Seconds", Microseconds = "Microseconds", Milliseconds = "Milliseconds",
        Bytes = "Bytes", Kilobytes = "Kilobytes", Megabytes = "Megabytes",
        Gigabytes = "Gigabytes", Terabytes = "Terabytes", Bits = "Bits", Kilobits = "Kilobits",
        Megabits = "Megabits", Gigabits = "Gigabits", Terabits = "Terabits",
        Percent = "Percent", Count = "Count", BytesPerSecond = "Bytes/Second",
        KilobytesPerSecond = "Kilobytes/Second", MegabytesPerSecond = "Megabytes/Second",
        GigabytesPerSecond = "Gigabytes/Second", TerabytesPerSecond = "Terabytes/Second",
        BitsPerSecond = "Bits/Second", KilobitsPerSecond = "Kilobits/Second",
        MegabitsPerSecond = "Megabits/Second", GigabitsPerSecond = "Gigabits/Second",
        TerabitsPerSecond = "Terabits/Second", CountPerSecond = "Count/Second", None = "None",
    }
}

ecs_enum! {
    /// `HistoryItemType`.
    HistoryItemType {
        ConfigurationUpdate = "ConfigurationUpdate", StateUpdate = "StateUpdate",
        Action = "Action", AlarmContributorStateUpdate = "AlarmContributorStateUpdate",
        AlarmContributorAction = "AlarmContributorAction",
    }
}

/// A metric's dimension.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its value.
    #[serde(default)]
    pub value: String,
}

/// A resource's tag.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Its key.
    #[serde(default)]
    pub key: String,
    /// Its value.
    #[serde(default)]
    pub value: String,
}

/// A metric alarm, as DescribeAlarms writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricAlarm {
    /// Its name.
    pub alarm_name: String,
    /// `arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME`.
    pub alarm_arn: String,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    /// When PutMetricAlarm last changed it.
    pub alarm_configuration_updated_timestamp: SimTime,
    /// Whether its actions run on a state change.
    pub actions_enabled: bool,
    /// Actions on entering OK.
    pub o_k_actions: Vec<String>,
    /// Actions on entering ALARM.
    pub alarm_actions: Vec<String>,
    /// Actions on entering INSUFFICIENT_DATA.
    pub insufficient_data_actions: Vec<String>,
    /// Its state.
    pub state_value: AlarmState,
    /// Why, in words.
    pub state_reason: String,
    /// Why, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason_data: Option<String>,
    /// When its state (or reason) last changed.
    pub state_updated_timestamp: SimTime,
    /// When its state last changed value.
    pub state_transitioned_timestamp: SimTime,
    /// The metric.
    pub metric_name: String,
    /// The metric's namespace.
    pub namespace: String,
    /// The statistic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<Statistic>,
    /// A percentile (`p90`) instead of a statistic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    /// The metric's dimensions.
    pub dimensions: Vec<Dimension>,
    /// Seconds per datapoint.
    pub period: u64,
    /// Only datapoints in this unit count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<StandardUnit>,
    /// How many periods it looks at.
    pub evaluation_periods: u64,
    /// How many of them must breach (M of N).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<u64>,
    /// The threshold.
    pub threshold: f64,
    /// How a datapoint compares with it.
    pub comparison_operator: ComparisonOperator,
    /// What a period without data counts as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treat_missing_data: Option<TreatMissingData>,
}

impl MetricAlarm {
    /// M of N: how many of the periods must breach.
    pub fn datapoints_needed(&self) -> u64 {
        self.datapoints_to_alarm.unwrap_or(self.evaluation_periods)
    }

    /// What a missing period counts as (`missing` when unset).
    pub fn missing_data(&self) -> TreatMissingData {
        self.treat_missing_data
            .clone()
            .unwrap_or(TreatMissingData::Missing)
    }

    /// The statistic's name as a reason writes it.
    pub fn statistic_name(&self) -> &str {
        self.statistic
            .as_ref()
            .map(Statistic::as_str)
            .or(self.extended_statistic.as_deref())
            .unwrap_or("")
    }
}

/// An alarm history entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmHistoryItem {
    /// The alarm.
    pub alarm_name: String,
    /// `MetricAlarm`.
    pub alarm_type: String,
    /// When.
    pub timestamp: SimTime,
    /// What kind of entry.
    pub history_item_type: HistoryItemType,
    /// In words.
    pub history_summary: String,
    /// As JSON.
    pub history_data: String,
}

/// A statistic set: several samples in one datum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatisticSet {
    /// How many samples.
    #[serde(default)]
    pub sample_count: f64,
    /// Their sum.
    #[serde(default)]
    pub sum: f64,
    /// The least.
    #[serde(default)]
    pub minimum: f64,
    /// The greatest.
    #[serde(default)]
    pub maximum: f64,
}

/// A datum of PutMetricData.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDatum {
    /// The metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// Its dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Vec<Dimension>>,
    /// When (now, when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<SimTime>,
    /// One sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Many samples, summarised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic_values: Option<StatisticSet>,
    /// Many samples, each given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f64>>,
    /// How often each of `values` was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Vec<f64>>,
    /// The unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<StandardUnit>,
    /// 1 (high resolution) or 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_resolution: Option<u64>,
}
