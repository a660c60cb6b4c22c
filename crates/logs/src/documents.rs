//! CloudWatch Logs' documents in the 2014-03-28 shapes (camelCase members, times as epoch
//! milliseconds), as its operations return them.

use serde::{Deserialize, Serialize};

/// A log group, as DescribeLogGroups lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroup {
    /// Its name.
    pub log_group_name: String,
    /// When it was created.
    pub creation_time: u64,
    /// Days its events are kept; absent when they never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<u32>,
    /// Metric filters (Berth has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_filter_count: Option<u32>,
    /// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*` (what IAM policies name).
    pub arn: String,
    /// The bytes its events hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_bytes: Option<u64>,
    /// `STANDARD` or `INFREQUENT_ACCESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_class: Option<String>,
    /// The ARN without `:*` (what tagging and `logGroupIdentifier` take).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_arn: Option<String>,
    /// Always false: Berth does not protect groups from deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection_enabled: Option<bool>,
}

/// A log stream, as DescribeLogStreams lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogStream {
    /// Its name.
    pub log_stream_name: String,
    /// When it was created.
    pub creation_time: u64,
    /// Its first event's time, once it has events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_event_timestamp: Option<u64>,
    /// Its last event's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_timestamp: Option<u64>,
    /// When events last arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ingestion_time: Option<u64>,
    /// A sequence token (ignored by PutLogEvents since 2023, still shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_sequence_token: Option<String>,
    /// `arn:aws:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM`.
    pub arn: String,
    /// Always 0 (deprecated since 2019, as AWS reports it).
    pub stored_bytes: u64,
}

/// An event as GetLogEvents returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputLogEvent {
    /// When it happened (the writer's time).
    pub timestamp: u64,
    /// The line.
    pub message: String,
    /// When it arrived.
    pub ingestion_time: u64,
}

/// An event as FilterLogEvents returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilteredLogEvent {
    /// Its stream.
    pub log_stream_name: String,
    /// When it happened.
    pub timestamp: u64,
    /// The line.
    pub message: String,
    /// When it arrived.
    pub ingestion_time: u64,
    /// 56 digits, the same every time it is read (`aws logs tail --follow` skips the ids it
    /// printed).
    pub event_id: String,
}

/// An event to write (PutLogEvents).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputLogEvent {
    /// When it happened, in epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    /// The line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The events of a PutLogEvents batch not stored: indexes into the batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RejectedLogEventsInfo {
    /// The first event more than two hours in the future (it and those after it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub too_new_log_event_start_index: Option<usize>,
    /// The end (exclusive) of the events more than 14 days old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub too_old_log_event_end_index: Option<usize>,
    /// The end (exclusive) of the events older than the group's retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_log_event_end_index: Option<usize>,
}

/// A stream FilterLogEvents searched (the list has been empty since 2020, as AWS sends it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchedLogStream {
    /// Its name.
    pub log_stream_name: String,
    /// Whether all of it was searched.
    pub searched_completely: bool,
}
