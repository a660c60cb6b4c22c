//! Each operation's checks and effects. Texts are berth-model's: confirmed ones as constants
//! and functions, guesses in `LOGS_UNCONFIRMED`.

use berth_model::{messages, SimTime};

use crate::documents::{
    FilteredLogEvent, InputLogEvent, LogGroup, LogStream, OutputLogEvent, RejectedLogEventsInfo,
};
use crate::errors::{logs_error, LogsError};
use crate::filter::Filter;
use crate::requests::*;
use crate::{Event, Group, Key, Logs, Stream, DAY_MS, RETENTION_DAYS};

/// The log group classes of the model.
const CLASSES: &[&str] = &["STANDARD", "INFREQUENT_ACCESS", "DELIVERY", "ESSENTIALS"];
/// A log group name's pattern, as the model gives it.
const GROUP_PATTERN: &str = "[\\.\\-_/#A-Za-z0-9]+";
/// A log stream name's.
const STREAM_PATTERN: &str = "[^:*]*";
/// The most bytes a PutLogEvents batch holds (each event's UTF-8 message plus 26).
const MAX_BATCH_BYTES: usize = 1_048_576;
/// The most bytes one event holds.
const MAX_EVENT_BYTES: usize = 1_048_576;
/// How far back (14 days) and forward (2 hours) PutLogEvents takes events.
const OLDEST_MS: u64 = 14 * DAY_MS;
const NEWEST_MS: u64 = 2 * 3_600_000;
/// 2024-01-01T00:00:00Z: FilterLogEvents reads newest first only from then on.
const NEWEST_FIRST_FROM_MS: i64 = 1_704_067_200_000;

pub(crate) fn handle(
    logs: &mut Logs,
    request: Request,
    now: SimTime,
) -> Result<Response, LogsError> {
    Ok(match request {
        Request::CreateLogGroup(input) => {
            create_group(logs, input, now)?;
            Response::CreateLogGroup(Empty {})
        }
        Request::CreateLogStream(input) => {
            let (group, stream) = stream_names(&input)?;
            let g = logs.groups.get_mut(group).ok_or_else(LogsError::no_group)?;
            if g.streams.contains_key(stream) {
                return Err(LogsError::new(
                    "ResourceAlreadyExistsException",
                    messages::LOGS_STREAM_EXISTS,
                ));
            }
            let created = Stream {
                created: now.as_millis(),
                ..Stream::default()
            };
            g.streams.insert(stream.to_owned(), created);
            Response::CreateLogStream(Empty {})
        }
        Request::DeleteLogGroup(input) => {
            let name = group_name(input.log_group_name.as_deref(), "logGroupName")?;
            logs.groups.remove(name).ok_or_else(LogsError::no_group)?;
            Response::DeleteLogGroup(Empty {})
        }
        Request::DeleteLogStream(input) => {
            let (group, stream) = stream_names(&input)?;
            let g = logs.groups.get_mut(group).ok_or_else(LogsError::no_group)?;
            g.streams.remove(stream).ok_or_else(LogsError::no_stream)?;
            Response::DeleteLogStream(Empty {})
        }
        Request::DescribeLogGroups(input) => {
            Response::DescribeLogGroups(describe_groups(logs, &input, now)?)
        }
        Request::DescribeLogStreams(input) => {
            Response::DescribeLogStreams(describe_streams(logs, &input)?)
        }
        Request::GetLogEvents(input) => Response::GetLogEvents(get_events(logs, &input, now)?),
        Request::FilterLogEvents(input) => {
            Response::FilterLogEvents(filter_events(logs, &input, now)?)
        }
        Request::PutLogEvents(input) => Response::PutLogEvents(put_events(logs, input, now)?),
        Request::PutRetentionPolicy(input) => {
            let name = group_name(input.log_group_name.as_deref(), "logGroupName")?;
            let days = input
                .retention_in_days
                .ok_or_else(|| missing("retentionInDays"))?;
            let days = u32::try_from(days)
                .ok()
                .filter(|d| RETENTION_DAYS.contains(d))
                .ok_or_else(|| logs_error("logs-retention", &[&days]))?;
            let g = logs.groups.get_mut(name).ok_or_else(LogsError::no_group)?;
            g.retention = Some(days);
            let cutoff = g.cutoff(now);
            for stream in g.streams.values_mut() {
                stream.expire(cutoff);
            }
            Response::PutRetentionPolicy(Empty {})
        }
        Request::DeleteRetentionPolicy(input) => {
            let name = group_name(input.log_group_name.as_deref(), "logGroupName")?;
            let g = logs.groups.get_mut(name).ok_or_else(LogsError::no_group)?;
            g.retention = None;
            Response::DeleteRetentionPolicy(Empty {})
        }
        Request::TagResource(input) => {
            let tags = input.tags.ok_or_else(|| missing("tags"))?;
            let g = tagged_group(logs, input.resource_arn.as_deref())?;
            add_tags(g, tags)?;
            Response::TagResource(Empty {})
        }
        Request::UntagResource(input) => {
            let keys = input.tag_keys.ok_or_else(|| missing("tagKeys"))?;
            if keys.len() > 50 {
                return Err(logs_error("logs-too-many", &[&"tagKeys", &50]));
            }
            let g = tagged_group(logs, input.resource_arn.as_deref())?;
            for key in keys {
                g.tags.remove(&key);
            }
            Response::UntagResource(Empty {})
        }
        Request::ListTagsForResource(input) => {
            let g = tagged_group(logs, input.resource_arn.as_deref())?;
            Response::ListTagsForResource(TagsOutput {
                tags: g.tags.clone(),
            })
        }
        Request::TagLogGroup(input) => {
            let name = group_name(input.log_group_name.as_deref(), "logGroupName")?;
            let tags = input.tags.ok_or_else(|| missing("tags"))?;
            let g = logs.groups.get_mut(name).ok_or_else(LogsError::no_group)?;
            add_tags(g, tags)?;
            Response::TagLogGroup(Empty {})
        }
        Request::UntagLogGroup(input) => {
            let name = group_name(input.log_group_name.as_deref(), "logGroupName")?;
            let keys = input.tags.ok_or_else(|| missing("tags"))?;
            if keys.is_empty() {
                return Err(logs_error("logs-too-few", &[&"tags", &1]));
            }
            let g = logs.groups.get_mut(name).ok_or_else(LogsError::no_group)?;
            for key in keys {
                g.tags.remove(&key);
            }
            Response::UntagLogGroup(Empty {})
        }
        Request::ListTagsLogGroup(input) => {
            let name = group_name(input.log_group_name.as_deref(), "logGroupName")?;
            let g = logs.groups.get(name).ok_or_else(LogsError::no_group)?;
            Response::ListTagsLogGroup(TagsOutput {
                tags: g.tags.clone(),
            })
        }
    })
}

fn create_group(
    logs: &mut Logs,
    input: CreateLogGroupInput,
    now: SimTime,
) -> Result<(), LogsError> {
    let name = group_name(input.log_group_name.as_deref(), "logGroupName")?;
    if name.len() >= 4 && name[..4].eq_ignore_ascii_case("aws/") {
        return Err(logs_error("logs-reserved", &[]));
    }
    if input.kms_key_id.is_some() {
        return Err(logs_error("logs-kms", &[]));
    }
    if input.deletion_protection_enabled == Some(true) {
        return Err(logs_error("logs-deletion-protection", &[]));
    }
    let class = input.log_group_class.as_deref().unwrap_or("STANDARD");
    one_of(class, "logGroupClass", CLASSES)?;
    if logs.groups.contains_key(name) {
        return Err(LogsError::new(
            "ResourceAlreadyExistsException",
            messages::LOGS_GROUP_EXISTS,
        ));
    }
    let mut group = Group {
        created: now.as_millis(),
        retention: None,
        class: class.to_owned(),
        tags: Default::default(),
        streams: Default::default(),
    };
    if let Some(tags) = input.tags {
        add_tags(&mut group, tags)?;
    }
    logs.groups.insert(name.to_owned(), group);
    Ok(())
}

fn describe_groups(
    logs: &Logs,
    input: &DescribeLogGroupsInput,
    now: SimTime,
) -> Result<DescribeLogGroupsOutput, LogsError> {
    if input
        .account_identifiers
        .as_ref()
        .is_some_and(|a| !a.is_empty())
        || input.include_linked_accounts == Some(true)
    {
        return Err(logs_error("logs-linked-accounts", &[]));
    }
    let prefix = input.log_group_name_prefix.as_deref();
    if let Some(prefix) = prefix {
        group_name(Some(prefix), "logGroupNamePrefix")?;
    }
    let pattern = input.log_group_name_pattern.as_deref();
    if let Some(pattern) = pattern {
        if !pattern.is_empty() {
            group_name(Some(pattern), "logGroupNamePattern")?;
        }
    }
    if prefix.is_some() && pattern.is_some() {
        return Err(LogsError::invalid(messages::LOGS_PREFIX_AND_PATTERN));
    }
    if let Some(class) = &input.log_group_class {
        one_of(class, "logGroupClass", CLASSES)?;
    }
    let identified = match &input.log_group_identifiers {
        None => None,
        Some(ids) => {
            if prefix.is_some() || pattern.is_some() || input.log_group_class.is_some() {
                return Err(logs_error("logs-identifiers-alone", &[]));
            }
            if ids.is_empty() {
                return Err(logs_error("logs-too-few", &[&"logGroupIdentifiers", &1]));
            }
            if ids.len() > 50 {
                return Err(logs_error("logs-too-many", &[&"logGroupIdentifiers", &50]));
            }
            // Identifiers of groups that do not exist match nothing.
            Some(
                ids.iter()
                    .filter_map(|id| logs.identified(id))
                    .collect::<Vec<&str>>(),
            )
        }
    };
    let size = limit(input.limit, 50)?.unwrap_or(50);
    let all: Vec<(&String, &Group)> = logs
        .groups
        .iter()
        .filter(|(name, _)| prefix.is_none_or(|p| name.starts_with(p)))
        .filter(|(name, _)| pattern.is_none_or(|p| name.contains(p)))
        .filter(|(_, g)| input.log_group_class.as_ref().is_none_or(|c| *c == g.class))
        .filter(|(name, _)| {
            identified
                .as_ref()
                .is_none_or(|ids| ids.contains(&name.as_str()))
        })
        .collect();
    let (page, next_token) = page(all, input.next_token.as_deref(), size)?;
    let log_groups = page
        .into_iter()
        .map(|(name, g)| {
            let arn = logs.group_arn(name);
            let mut doc = LogGroup {
                log_group_name: name.clone(),
                creation_time: g.created,
                arn: format!("{arn}:*"),
                ..LogGroup::default()
            };
            // A pattern's answer names the groups only, as AWS's does.
            if pattern.is_none() {
                let cutoff = g.cutoff(now);
                doc.retention_in_days = g.retention;
                doc.metric_filter_count = Some(0);
                doc.stored_bytes = Some(
                    g.streams
                        .values()
                        .flat_map(|s| &s.events)
                        .filter(|e| e.at >= cutoff)
                        .map(|e| e.message.len() as u64)
                        .sum(),
                );
                doc.log_group_class = Some(g.class.clone());
                doc.log_group_arn = Some(arn);
                doc.deletion_protection_enabled = Some(false);
            }
            doc
        })
        .collect();
    Ok(DescribeLogGroupsOutput {
        log_groups,
        next_token,
    })
}

fn describe_streams(
    logs: &Logs,
    input: &DescribeLogStreamsInput,
) -> Result<DescribeLogStreamsOutput, LogsError> {
    let name = logs.group_of(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    let prefix = input.log_stream_name_prefix.as_deref();
    if let Some(prefix) = prefix {
        stream_name(Some(prefix), "logStreamNamePrefix")?;
    }
    let by_time = match input.order_by.as_deref() {
        None | Some("LogStreamName") => false,
        Some("LastEventTime") => true,
        Some(other) => {
            return Err(logs_error(
                "logs-enum",
                &[&other, &"orderBy", &"LogStreamName, LastEventTime"],
            ))
        }
    };
    if by_time && prefix.is_some() {
        return Err(LogsError::invalid(messages::LOGS_ORDER_BY_PREFIX));
    }
    let size = limit(input.limit, 50)?.unwrap_or(50);
    let g = logs.groups.get(name).ok_or_else(LogsError::no_group)?;
    let mut all: Vec<(&String, &Stream)> = g
        .streams
        .iter()
        .filter(|(stream, _)| prefix.is_none_or(|p| stream.starts_with(p)))
        .collect();
    if by_time {
        all.sort_by_key(|(stream, s)| (s.last_event, *stream));
    }
    if input.descending == Some(true) {
        all.reverse();
    }
    let (page, next_token) = page(all, input.next_token.as_deref(), size)?;
    let arn = logs.group_arn(name);
    let log_streams = page
        .into_iter()
        .map(|(stream, s)| LogStream {
            log_stream_name: stream.clone(),
            creation_time: s.created,
            first_event_timestamp: s.first_event,
            last_event_timestamp: s.last_event,
            last_ingestion_time: s.last_ingestion,
            upload_sequence_token: s
                .last_ingestion
                .map(|_| format!("{:056}", s.events.back().map_or(0, |e| e.number))),
            arn: format!("{arn}:log-stream:{stream}"),
            stored_bytes: 0,
        })
        .collect();
    Ok(DescribeLogStreamsOutput {
        log_streams,
        next_token,
    })
}

/// A direction to read in, and where from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Forward,
    Backward,
}

fn token(direction: Direction, key: Key) -> String {
    let d = if direction == Direction::Forward {
        'f'
    } else {
        'b'
    };
    format!("{d}/{}/s", key.digits())
}

fn read_token(token: &str) -> Result<(Direction, Key), LogsError> {
    let bad = || LogsError::invalid(messages::LOGS_BAD_TOKEN);
    let (direction, rest) = match token.split_once('/') {
        Some(("f", rest)) => (Direction::Forward, rest),
        Some(("b", rest)) => (Direction::Backward, rest),
        _ => return Err(bad()),
    };
    let digits = rest.strip_suffix("/s").unwrap_or(rest);
    Ok((direction, Key::from_digits(digits).ok_or_else(bad)?))
}

/// The events of `events` (in key order) a page holds, read in `direction` from `from` (or
/// from the head or the tail): at most `most`, or as many as fit in 1 MB.
fn page_of<T>(
    events: &[T],
    key: impl Fn(&T) -> Key,
    bytes: impl Fn(&T) -> usize,
    direction: Direction,
    from: Option<Key>,
    most: Option<usize>,
) -> &[T] {
    let fits = |picked: &mut usize, size: &mut usize, e: &T| {
        let next = *size + bytes(e) + 26;
        if most.is_some_and(|m| *picked >= m)
            || (most.is_none() && (next > MAX_BATCH_BYTES || *picked >= 10_000))
        {
            return false;
        }
        *picked += 1;
        *size = next;
        true
    };
    let (mut picked, mut size) = (0, 0);
    match direction {
        Direction::Forward => {
            let start = from.map_or(0, |k| events.partition_point(|e| key(e) <= k));
            let end = start
                + events[start..]
                    .iter()
                    .take_while(|e| fits(&mut picked, &mut size, e))
                    .count();
            &events[start..end]
        }
        Direction::Backward => {
            let end = from.map_or(events.len(), |k| events.partition_point(|e| key(e) < k));
            let taken = events[..end]
                .iter()
                .rev()
                .take_while(|e| fits(&mut picked, &mut size, e))
                .count();
            &events[end - taken..end]
        }
    }
}

fn get_events(
    logs: &Logs,
    input: &GetLogEventsInput,
    now: SimTime,
) -> Result<GetLogEventsOutput, LogsError> {
    let name = logs.group_of(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    let stream = stream_name(input.log_stream_name.as_deref(), "logStreamName")?;
    let most = limit(input.limit, 10_000)?;
    let start = time(input.start_time, "startTime")?;
    let end = time(input.end_time, "endTime")?;
    let from = input.next_token.as_deref().map(read_token).transpose()?;
    let g = logs.groups.get(name).ok_or_else(LogsError::no_group)?;
    let s = g.streams.get(stream).ok_or_else(LogsError::no_stream)?;
    let earliest = g.cutoff(now).max(start.unwrap_or(0));
    // startTime is inclusive, endTime exclusive.
    let events: Vec<&Event> = s
        .events
        .iter()
        .filter(|e| e.at >= earliest && end.is_none_or(|end| e.at < end))
        .collect();
    let (direction, key) = match from {
        Some((direction, key)) => (direction, Some(key)),
        None if input.start_from_head == Some(true) => (Direction::Forward, None),
        None => (Direction::Backward, None),
    };
    let page = page_of(
        &events,
        |e| e.key(),
        |e| e.message.len(),
        direction,
        key,
        most,
    );
    let here = key.unwrap_or_default();
    Ok(GetLogEventsOutput {
        events: page
            .iter()
            .map(|e| OutputLogEvent {
                timestamp: e.at,
                message: e.message.clone(),
                ingestion_time: e.ingested,
            })
            .collect(),
        next_forward_token: token(Direction::Forward, page.last().map_or(here, |e| e.key())),
        next_backward_token: token(Direction::Backward, page.first().map_or(here, |e| e.key())),
    })
}

fn filter_events(
    logs: &Logs,
    input: &FilterLogEventsInput,
    now: SimTime,
) -> Result<FilterLogEventsOutput, LogsError> {
    let name = logs.group_of(
        input.log_group_name.as_deref(),
        input.log_group_identifier.as_deref(),
    )?;
    if let Some(names) = &input.log_stream_names {
        if names.is_empty() {
            return Err(logs_error("logs-too-few", &[&"logStreamNames", &1]));
        }
        if names.len() > 100 {
            return Err(logs_error("logs-too-many", &[&"logStreamNames", &100]));
        }
        for stream in names {
            stream_name(Some(stream), "logStreamNames")?;
        }
    }
    let prefix = input.log_stream_name_prefix.as_deref();
    if let Some(prefix) = prefix {
        stream_name(Some(prefix), "logStreamNamePrefix")?;
    }
    if input.log_stream_names.is_some() && prefix.is_some() {
        return Err(logs_error("logs-names-and-prefix", &[]));
    }
    let pattern = input.filter_pattern.as_deref().unwrap_or_default();
    if pattern.chars().count() > 1024 {
        return Err(logs_error("logs-too-long", &[&"filterPattern", &1024]));
    }
    let filter = Filter::parse(pattern)?;
    let most = limit(input.limit, 10_000)?.unwrap_or(10_000);
    let start = time(input.start_time, "startTime")?;
    let end = time(input.end_time, "endTime")?;
    let from = input.next_token.as_deref().map(read_token).transpose()?;
    if from.is_none() && input.start_from_head == Some(false) {
        let start = input.start_time.unwrap_or(0);
        if start < NEWEST_FIRST_FROM_MS {
            return Err(logs_error("logs-tail-start", &[]));
        }
    }
    let g = logs.groups.get(name).ok_or_else(LogsError::no_group)?;
    let earliest = g.cutoff(now).max(start.unwrap_or(0));
    let mut events: Vec<(&String, &Event)> = g
        .streams
        .iter()
        .filter(|(stream, _)| {
            input
                .log_stream_names
                .as_ref()
                .is_none_or(|names| names.contains(stream))
                && prefix.is_none_or(|p| stream.starts_with(p))
        })
        .flat_map(|(stream, s)| s.events.iter().map(move |e| (stream, e)))
        // Both ends inclusive, as the reference words them.
        .filter(|(_, e)| e.at >= earliest && end.is_none_or(|end| e.at <= end))
        .filter(|(_, e)| filter.matches(&e.message))
        .collect();
    events.sort_by_key(|(_, e)| e.key());
    let direction = match from {
        Some((direction, _)) => direction,
        None if input.start_from_head == Some(false) => Direction::Backward,
        None => Direction::Forward,
    };
    let key = from.map(|(_, key)| key);
    let page = page_of(
        &events,
        |(_, e)| e.key(),
        |(_, e)| e.message.len(),
        direction,
        key,
        Some(most),
    );
    // More to read past the page in its direction?
    let more = match direction {
        Direction::Forward => page
            .last()
            .is_some_and(|(_, last)| events.last().is_some_and(|(_, e)| e.key() > last.key())),
        Direction::Backward => page
            .first()
            .is_some_and(|(_, first)| events.first().is_some_and(|(_, e)| e.key() < first.key())),
    };
    let next_token = more.then(|| {
        let edge = match direction {
            Direction::Forward => page.last(),
            Direction::Backward => page.first(),
        };
        token(direction, edge.map(|(_, e)| e.key()).unwrap_or_default())
    });
    let ordered: Box<dyn Iterator<Item = &(&String, &Event)>> = match direction {
        Direction::Forward => Box::new(page.iter()),
        Direction::Backward => Box::new(page.iter().rev()),
    };
    Ok(FilterLogEventsOutput {
        events: ordered
            .map(|(stream, e)| FilteredLogEvent {
                log_stream_name: (*stream).clone(),
                timestamp: e.at,
                message: e.message.clone(),
                ingestion_time: e.ingested,
                event_id: e.key().digits(),
            })
            .collect(),
        searched_log_streams: Vec::new(),
        next_token,
    })
}

fn put_events(
    logs: &mut Logs,
    input: PutLogEventsInput,
    now: SimTime,
) -> Result<PutLogEventsOutput, LogsError> {
    let group = group_name(input.log_group_name.as_deref(), "logGroupName")?;
    let stream = stream_name(input.log_stream_name.as_deref(), "logStreamName")?;
    let events = input
        .log_events
        .as_deref()
        .ok_or_else(|| missing("logEvents"))?;
    if events.is_empty() {
        return Err(logs_error("logs-too-few", &[&"logEvents", &1]));
    }
    if events.len() > 10_000 {
        return Err(logs_error("logs-too-many", &[&"logEvents", &10_000]));
    }
    let mut checked: Vec<(u64, &str)> = Vec::with_capacity(events.len());
    let mut bytes = 0;
    for (i, InputLogEvent { timestamp, message }) in events.iter().enumerate() {
        let at = format!("logEvents.{}.member.timestamp", i + 1);
        let timestamp = timestamp.ok_or_else(|| missing(&at))?;
        let timestamp = u64::try_from(timestamp)
            .map_err(|_| logs_error("logs-at-least", &[&timestamp, &at, &0]))?;
        let message = message
            .as_deref()
            .ok_or_else(|| missing(&format!("logEvents.{}.member.message", i + 1)))?;
        if message.is_empty() {
            let at = format!("logEvents.{}.member.message", i + 1);
            return Err(logs_error("logs-too-short", &[&message, &at, &1]));
        }
        if message.len() > MAX_EVENT_BYTES {
            return Err(logs_error(
                "logs-event-too-large",
                &[&message.len(), &MAX_EVENT_BYTES],
            ));
        }
        bytes += message.len() + 26;
        checked.push((timestamp, message));
    }
    if checked.windows(2).any(|w| w[1].0 < w[0].0) {
        return Err(LogsError::invalid(messages::LOGS_NOT_CHRONOLOGICAL));
    }
    if bytes > MAX_BATCH_BYTES {
        return Err(LogsError::invalid(messages::logs_upload_too_large(bytes)));
    }
    let g = logs.groups.get(group).ok_or_else(LogsError::no_group)?;
    if !g.streams.contains_key(stream) {
        return Err(LogsError::no_stream());
    }
    let now_ms = now.as_millis();
    let too_old = checked
        .iter()
        .filter(|(t, _)| *t < now_ms.saturating_sub(OLDEST_MS))
        .count();
    let expired = checked.iter().filter(|(t, _)| *t < g.cutoff(now)).count();
    let too_new = checked
        .iter()
        .position(|(t, _)| *t > now_ms + NEWEST_MS)
        .unwrap_or(checked.len());
    let kept_from = too_old.max(expired);
    let kept = &checked[kept_from.min(too_new)..too_new];
    if let (Some(first), Some(last)) = (kept.first(), kept.last()) {
        if last.0 - first.0 > DAY_MS {
            return Err(LogsError::invalid(messages::LOGS_SPAN));
        }
    }
    let g = logs.groups.get_mut(group).expect("checked above");
    let cutoff = g.cutoff(now);
    let s = g.streams.get_mut(stream).expect("checked above");
    s.expire(cutoff);
    for (at, message) in kept {
        logs.numbered += 1;
        s.insert(Event {
            at: *at,
            ingested: now_ms,
            number: logs.numbered,
            message: (*message).to_owned(),
        });
    }
    let rejected = RejectedLogEventsInfo {
        too_new_log_event_start_index: (too_new < checked.len()).then_some(too_new),
        too_old_log_event_end_index: (too_old > 0).then_some(too_old),
        expired_log_event_end_index: (expired > too_old).then_some(expired),
    };
    Ok(PutLogEventsOutput {
        next_sequence_token: format!("{:056}", logs.numbered),
        rejected_log_events_info: (rejected != RejectedLogEventsInfo::default())
            .then_some(rejected),
    })
}

impl Logs {
    /// The group a request names by `logGroupName` or `logGroupIdentifier` (exactly one).
    fn group_of<'a>(
        &self,
        name: Option<&'a str>,
        identifier: Option<&'a str>,
    ) -> Result<&'a str, LogsError> {
        match (name, identifier) {
            (Some(_), Some(_)) => Err(LogsError::new(
                "ValidationException",
                messages::LOGS_NAME_AND_IDENTIFIER,
            )),
            (Some(name), None) => group_name(Some(name), "logGroupName"),
            (None, Some(identifier)) => {
                if identifier.is_empty() || identifier.len() > 2048 {
                    return Err(logs_error(
                        "logs-pattern",
                        &[&identifier, &"logGroupIdentifier", &"[\\w#+=/:,.@-]*"],
                    ));
                }
                self.identified(identifier).ok_or_else(LogsError::no_group)
            }
            (None, None) => Err(logs_error("logs-no-group-named", &[])),
        }
    }

    /// The name in a `logGroupIdentifier`: a name, or this region's and account's ARN
    /// (with or without `:*`); `None` for another's.
    fn identified<'a>(&self, identifier: &'a str) -> Option<&'a str> {
        let Some(rest) = identifier.strip_prefix("arn:") else {
            return Some(identifier);
        };
        let mut parts = rest.splitn(5, ':');
        let (_partition, service, region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if service != "logs" || region != self.region || account != self.account {
            return None;
        }
        let name = resource.strip_prefix("log-group:")?;
        Some(name.strip_suffix(":*").unwrap_or(name))
    }
}

/// The group a tagging ARN names.
fn tagged_group<'l>(logs: &'l mut Logs, arn: Option<&str>) -> Result<&'l mut Group, LogsError> {
    let arn = arn.ok_or_else(|| missing("resourceArn"))?;
    let name = arn
        .starts_with("arn:")
        .then(|| logs.identified(arn))
        .flatten()
        .filter(|name| !name.is_empty())
        .ok_or_else(|| logs_error("logs-tag-arn", &[&arn]))?
        .to_owned();
    logs.groups.get_mut(&name).ok_or_else(LogsError::no_group)
}

fn add_tags(group: &mut Group, tags: Tags) -> Result<(), LogsError> {
    if tags.is_empty() {
        return Err(logs_error("logs-too-few", &[&"tags", &1]));
    }
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    for (key, value) in &tags {
        if key.is_empty() || key.chars().count() > 128 || !key.chars().all(allowed) {
            return Err(logs_error("logs-tag-key", &[key]));
        }
        if value.chars().count() > 256 || !value.chars().all(allowed) {
            return Err(logs_error("logs-tag-value", &[value]));
        }
    }
    let total = group
        .tags
        .keys()
        .chain(tags.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if total > 50 {
        return Err(logs_error(
            "logs-too-many-tags",
            &[&"the log group", &total],
        ));
    }
    group.tags.extend(tags);
    Ok(())
}

/// A log group name, checked as the model constrains it.
fn group_name<'a>(name: Option<&'a str>, member: &str) -> Result<&'a str, LogsError> {
    let name = name.ok_or_else(|| missing(member))?;
    checked_name(name, member, GROUP_PATTERN, |c| {
        c.is_ascii_alphanumeric() || "._-/#".contains(c)
    })
}

/// A log stream name.
fn stream_name<'a>(name: Option<&'a str>, member: &str) -> Result<&'a str, LogsError> {
    let name = name.ok_or_else(|| missing(member))?;
    checked_name(name, member, STREAM_PATTERN, |c| c != ':' && c != '*')
}

fn checked_name<'a>(
    name: &'a str,
    member: &str,
    pattern: &str,
    allowed: impl Fn(char) -> bool,
) -> Result<&'a str, LogsError> {
    if name.is_empty() {
        return Err(logs_error("logs-too-short", &[&name, &member, &1]));
    }
    if name.chars().count() > 512 {
        return Err(LogsError::invalid(messages::LOGS_NAME_TOO_LONG));
    }
    if !name.chars().all(allowed) {
        return Err(logs_error("logs-pattern", &[&name, &member, &pattern]));
    }
    Ok(name)
}

fn one_of(value: &str, member: &str, allowed: &[&str]) -> Result<(), LogsError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(logs_error(
            "logs-enum",
            &[&value, &member, &allowed.join(", ")],
        ))
    }
}

fn missing(member: &str) -> LogsError {
    logs_error("logs-missing", &[&member])
}

/// A page size between 1 and `most`.
fn limit(value: Option<i64>, most: i64) -> Result<Option<usize>, LogsError> {
    match value {
        None => Ok(None),
        Some(v) if v < 1 => Err(logs_error("logs-at-least", &[&v, &"limit", &1])),
        Some(v) if v > most => Err(LogsError::invalid(messages::logs_limit(v, most))),
        Some(v) => Ok(Some(v as usize)),
    }
}

/// A time member: epoch milliseconds, not negative.
fn time(value: Option<i64>, member: &str) -> Result<Option<u64>, LogsError> {
    value
        .map(|v| u64::try_from(v).map_err(|_| logs_error("logs-at-least", &[&v, &member, &0])))
        .transpose()
}

/// One page of a listing, by offset (the token is where the next page starts).
fn page<T>(
    all: Vec<T>,
    token: Option<&str>,
    size: usize,
) -> Result<(Vec<T>, Option<String>), LogsError> {
    let start = match token {
        None => 0,
        Some(token) => token
            .parse::<usize>()
            .ok()
            .filter(|s| *s <= all.len())
            .ok_or_else(|| LogsError::invalid(messages::LOGS_BAD_TOKEN))?,
    };
    let end = (start + size).min(all.len());
    let next = (end < all.len()).then(|| end.to_string());
    Ok((
        all.into_iter().skip(start).take(end - start).collect(),
        next,
    ))
}

fn stream_names(input: &StreamInput) -> Result<(&str, &str), LogsError> {
    Ok((
        group_name(input.log_group_name.as_deref(), "logGroupName")?,
        stream_name(input.log_stream_name.as_deref(), "logStreamName")?,
    ))
}
