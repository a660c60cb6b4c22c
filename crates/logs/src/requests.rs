//! Each CloudWatch Logs operation's input and output in the 2014-03-28 shapes, from one list
//! (`berth_model::service_operations!`). Inputs take every member as optional, so a missing
//! required member is the service's own `InvalidParameterException` (`actions`) rather than a
//! parse error; members Berth does not act on are not declared and are ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::documents::{
    FilteredLogEvent, InputLogEvent, LogGroup, LogStream, OutputLogEvent, RejectedLogEventsInfo,
    SearchedLogStream,
};

berth_model::service_operations! {
    "CloudWatch Logs";
    /// CreateLogGroup.
    CreateLogGroup(CreateLogGroupInput) -> Empty, read: false;
    /// CreateLogStream.
    CreateLogStream(StreamInput) -> Empty, read: false;
    /// DeleteLogGroup.
    DeleteLogGroup(GroupInput) -> Empty, read: false;
    /// DeleteLogStream.
    DeleteLogStream(StreamInput) -> Empty, read: false;
    /// DescribeLogGroups.
    DescribeLogGroups(DescribeLogGroupsInput) -> DescribeLogGroupsOutput, read: true;
    /// DescribeLogStreams.
    DescribeLogStreams(DescribeLogStreamsInput) -> DescribeLogStreamsOutput, read: true;
    /// GetLogEvents.
    GetLogEvents(GetLogEventsInput) -> GetLogEventsOutput, read: true;
    /// FilterLogEvents.
    FilterLogEvents(FilterLogEventsInput) -> FilterLogEventsOutput, read: true;
    /// PutLogEvents.
    PutLogEvents(PutLogEventsInput) -> PutLogEventsOutput, read: false;
    /// PutRetentionPolicy.
    PutRetentionPolicy(PutRetentionPolicyInput) -> Empty, read: false;
    /// DeleteRetentionPolicy.
    DeleteRetentionPolicy(GroupInput) -> Empty, read: false;
    /// TagResource.
    TagResource(TagResourceInput) -> Empty, read: false;
    /// UntagResource.
    UntagResource(UntagResourceInput) -> Empty, read: false;
    /// ListTagsForResource.
    ListTagsForResource(ResourceArnInput) -> TagsOutput, read: true;
    /// TagLogGroup (deprecated for TagResource, still served).
    TagLogGroup(TagLogGroupInput) -> Empty, read: false;
    /// UntagLogGroup (deprecated for UntagResource).
    UntagLogGroup(UntagLogGroupInput) -> Empty, read: false;
    /// ListTagsLogGroup (deprecated for ListTagsForResource).
    ListTagsLogGroup(GroupInput) -> TagsOutput, read: true;
}

/// An output without members.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// Tags: key to value.
pub type Tags = BTreeMap<String, String>;

/// An input that names a log group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupInput {
    /// The group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
}

/// CreateLogGroup's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateLogGroupInput {
    /// The group's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
    /// A KMS key (Berth has no KMS: refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    /// `STANDARD` (the default) or `INFREQUENT_ACCESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_class: Option<String>,
    /// Deletion protection (refused when true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection_enabled: Option<bool>,
}

/// An input that names a log stream.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamInput {
    /// The group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
    /// The stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_stream_name: Option<String>,
}

/// DescribeLogGroups' input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeLogGroupsInput {
    /// Names beginning so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name_prefix: Option<String>,
    /// Names containing this (case-sensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name_pattern: Option<String>,
    /// Groups of this class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_class: Option<String>,
    /// These groups (names or ARNs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_identifiers: Option<Vec<String>>,
    /// Other accounts (refused: Berth has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_identifiers: Option<Vec<String>>,
    /// Linked accounts too (refused when true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_linked_accounts: Option<bool>,
    /// The page's size, 1 to 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Where the last page ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// DescribeLogGroups' output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeLogGroupsOutput {
    /// The groups, by name.
    pub log_groups: Vec<LogGroup>,
    /// More to come.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// DescribeLogStreams' input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeLogStreamsInput {
    /// The group's name...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
    /// ...or its name or ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_identifier: Option<String>,
    /// Names beginning so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_stream_name_prefix: Option<String>,
    /// `LogStreamName` (the default) or `LastEventTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<String>,
    /// Reverse order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descending: Option<bool>,
    /// The page's size, 1 to 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Where the last page ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// DescribeLogStreams' output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeLogStreamsOutput {
    /// The streams.
    pub log_streams: Vec<LogStream>,
    /// More to come.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// GetLogEvents' input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetLogEventsInput {
    /// The group's name...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
    /// ...or its name or ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_identifier: Option<String>,
    /// The stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_stream_name: Option<String>,
    /// Events at or after (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    /// Events before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    /// A token from a previous page: its direction wins over `startFromHead`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The most events, 1 to 10,000 (by default as many as fit in 1 MB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// The earliest events first (default: the latest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_from_head: Option<bool>,
}

/// GetLogEvents' output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetLogEventsOutput {
    /// The events, oldest first.
    pub events: Vec<OutputLogEvent>,
    /// After the last one (the same token at the end of the stream).
    pub next_forward_token: String,
    /// Before the first one.
    pub next_backward_token: String,
}

/// FilterLogEvents' input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterLogEventsInput {
    /// The group's name...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
    /// ...or its name or ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_identifier: Option<String>,
    /// These streams only...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_stream_names: Option<Vec<String>>,
    /// ...or those whose names begin so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_stream_name_prefix: Option<String>,
    /// Events at or after (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<i64>,
    /// Events at or before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<i64>,
    /// Which events (`filter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_pattern: Option<String>,
    /// A token from a previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// The most events, 1 to 10,000 (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// The earliest events first (the default), or the latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_from_head: Option<bool>,
    /// Deprecated and always true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interleaved: Option<bool>,
}

/// FilterLogEvents' output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterLogEventsOutput {
    /// The matching events, across streams by time.
    pub events: Vec<FilteredLogEvent>,
    /// Always empty, as AWS has sent it since 2020.
    pub searched_log_streams: Vec<SearchedLogStream>,
    /// More to come.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// PutLogEvents' input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutLogEventsInput {
    /// The group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
    /// The stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_stream_name: Option<String>,
    /// The events, in time order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_events: Option<Vec<InputLogEvent>>,
    /// Ignored, as AWS has ignored it since 2023.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_token: Option<String>,
}

/// PutLogEvents' output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutLogEventsOutput {
    /// The stream's next sequence token (deprecated, still sent).
    pub next_sequence_token: String,
    /// The events not stored, when some were not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_log_events_info: Option<RejectedLogEventsInfo>,
}

/// PutRetentionPolicy's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutRetentionPolicyInput {
    /// The group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
    /// One of the allowed day counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<i64>,
}

/// TagResource's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagResourceInput {
    /// A log group's ARN (without `:*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<String>,
    /// The tags to add or change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// UntagResource's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UntagResourceInput {
    /// A log group's ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<String>,
    /// The keys to remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_keys: Option<Vec<String>>,
}

/// ListTagsForResource's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceArnInput {
    /// A log group's ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_arn: Option<String>,
}

/// TagLogGroup's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagLogGroupInput {
    /// The group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
    /// The tags to add or change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// UntagLogGroup's input (its keys are in `tags`, as the model names them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UntagLogGroupInput {
    /// The group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
    /// The keys to remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// The tags of a group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagsOutput {
    /// Key to value (`{}` for none).
    pub tags: Tags,
}
