//! Amazon CloudWatch Logs as a sans-IO state machine: log groups and their retention, log
//! streams, and their events as GetLogEvents and FilterLogEvents read them.
//!
//! [`Logs::handle`] takes a request and the time; [`Logs::open_stream`] and [`Logs::write`]
//! are the awslogs driver's two calls, made for a container by whatever runs it (the region
//! for virtual and Docker containers alike). It reads no clock and draws no entropy, so a
//! session replays byte for byte.
//!
//! Rules (the API reference; our readings say so):
//! - Events are kept in time order; events at the same millisecond keep the order they
//!   arrived in (each gets the region's next number, which also makes its 56-digit
//!   `eventId`, the same every time it is read).
//! - A group's retention hides events older than it at once (AWS deletes them within days;
//!   our reading keeps reads exact). Berth keeps a stream's latest [`MAX_STREAM_EVENTS`]
//!   events, a bound AWS does not have.
//! - GetLogEvents' tokens are `f/<56 digits>/s` and `b/<56 digits>/s`, a position between
//!   two events: at the end of a stream the token sent comes back, as AWS's does.

#![warn(missing_docs, unreachable_pub)]

mod actions;
pub mod documents;
mod errors;
mod filter;
pub mod requests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};

use berth_model::SimTime;
use serde::{Deserialize, Serialize};

pub use errors::{logs_error, LogsError};
pub use requests::{Request, Response};

/// The retention periods PutRetentionPolicy takes, in days.
pub const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The most events Berth keeps of one stream: the oldest go first.
pub const MAX_STREAM_EVENTS: usize = 10_000;

const DAY_MS: u64 = 86_400_000;

/// The region's CloudWatch Logs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logs {
    region: String,
    account: String,
    groups: BTreeMap<String, Group>,
    /// The last event's number.
    numbered: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Group {
    created: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retention: Option<u32>,
    class: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    tags: BTreeMap<String, String>,
    streams: BTreeMap<String, Stream>,
}

impl Group {
    /// The oldest time an event may have and still be kept.
    fn cutoff(&self, now: SimTime) -> u64 {
        self.retention.map_or(0, |days| {
            now.as_millis()
                .saturating_sub(u64::from(days).saturating_mul(DAY_MS))
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Stream {
    created: u64,
    /// By `(at, number)`.
    events: VecDeque<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first_event: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_event: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_ingestion: Option<u64>,
}

impl Stream {
    fn insert(&mut self, event: Event) {
        self.first_event = Some(self.first_event.map_or(event.at, |t| t.min(event.at)));
        self.last_event = Some(self.last_event.map_or(event.at, |t| t.max(event.at)));
        self.last_ingestion = Some(event.ingested);
        let key = event.key();
        let at = self.events.partition_point(|e| e.key() <= key);
        self.events.insert(at, event);
        if self.events.len() > MAX_STREAM_EVENTS {
            self.events.pop_front();
        }
    }

    /// Drops the events older than `cutoff`.
    fn expire(&mut self, cutoff: u64) {
        while self.events.front().is_some_and(|e| e.at < cutoff) {
            self.events.pop_front();
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Event {
    at: u64,
    ingested: u64,
    number: u64,
    message: String,
}

impl Event {
    fn key(&self) -> Key {
        Key(self.at, self.number)
    }
}

/// A position among events: their time, then their number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Key(u64, u64);

impl Key {
    /// 56 digits (an `eventId`, and the middle of a token).
    fn digits(self) -> String {
        format!("{:020}{:036}", self.0, self.1)
    }

    fn from_digits(digits: &str) -> Option<Key> {
        if digits.len() != 56 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Key(digits[..20].parse().ok()?, digits[20..].parse().ok()?))
    }
}

impl Logs {
    /// The Logs of `region` in `account`, with no groups.
    pub fn new(region: &str, account: &str) -> Logs {
        Logs {
            region: region.to_owned(),
            account: account.to_owned(),
            ..Logs::default()
        }
    }

    /// Handles a request at `now`.
    pub fn handle(&mut self, now: SimTime, request: Request) -> Result<Response, LogsError> {
        actions::handle(self, request, now)
    }

    /// What the awslogs driver does before a container starts, as Docker's does it:
    /// CreateLogStream; when the group does not exist and `create_group` is set,
    /// CreateLogGroup and CreateLogStream again. A group or stream that exists already is
    /// written to as it is. `Err` is the call that failed (`stream` or `group`) and its error.
    pub fn open_stream(
        &mut self,
        now: SimTime,
        group: &str,
        stream: &str,
        create_group: bool,
    ) -> Result<(), (&'static str, LogsError)> {
        let create_stream = |logs: &mut Logs| {
            let input = requests::StreamInput {
                log_group_name: Some(group.to_owned()),
                log_stream_name: Some(stream.to_owned()),
            };
            match logs.handle(now, Request::CreateLogStream(input)) {
                Err(error) if error.shape == "ResourceAlreadyExistsException" => Ok(()),
                other => other.map(|_| ()),
            }
        };
        match create_stream(self) {
            Err(error) if error.shape == "ResourceNotFoundException" && create_group => {
                let input = requests::CreateLogGroupInput {
                    log_group_name: Some(group.to_owned()),
                    ..Default::default()
                };
                match self.handle(now, Request::CreateLogGroup(input)) {
                    Err(error) if error.shape != "ResourceAlreadyExistsException" => {
                        return Err(("group", error))
                    }
                    _ => {}
                }
                create_stream(self).map_err(|error| ("stream", error))
            }
            other => other.map_err(|error| ("stream", error)),
        }
    }

    /// The awslogs driver's setup when the stream's name is not known yet: the group must
    /// exist, or be created when `create_group` is set. `Err` as [`Logs::open_stream`]'s.
    pub fn open_group(
        &mut self,
        now: SimTime,
        group: &str,
        create_group: bool,
    ) -> Result<(), (&'static str, LogsError)> {
        if self.groups.contains_key(group) {
            return Ok(());
        }
        if !create_group {
            return Err(("stream", LogsError::no_group()));
        }
        let input = requests::CreateLogGroupInput {
            log_group_name: Some(group.to_owned()),
            ..Default::default()
        };
        self.handle(now, Request::CreateLogGroup(input))
            .map(|_| ())
            .map_err(|error| ("group", error))
    }

    /// Lines a container wrote, each an event at `now` (the driver's PutLogEvents; empty lines
    /// are not events). False when the stream is gone (deleted while the container ran), as
    /// the driver's calls then fail.
    pub fn write(&mut self, now: SimTime, group: &str, stream: &str, lines: &[String]) -> bool {
        let Some(g) = self.groups.get_mut(group) else {
            return false;
        };
        let cutoff = g.cutoff(now);
        let Some(s) = g.streams.get_mut(stream) else {
            return false;
        };
        s.expire(cutoff);
        for line in lines.iter().filter(|l| !l.is_empty()) {
            self.numbered += 1;
            s.insert(Event {
                at: now.as_millis(),
                ingested: now.as_millis(),
                number: self.numbered,
                message: line.clone(),
            });
        }
        true
    }

    /// Whether the stream exists.
    pub fn has_stream(&self, group: &str, stream: &str) -> bool {
        self.groups
            .get(group)
            .is_some_and(|g| g.streams.contains_key(stream))
    }

    /// A group's ARN without `:*`.
    fn group_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{name}",
            self.region, self.account
        )
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
