//! `berth serve`: ECS's API over HTTP, so the real `aws ecs` CLI and boto3 drive Berth.
//!
//! One control plane per region (the region comes from each request's credential scope), each
//! inside a virtual fleet ([`Simulation`]) that runs in real time: the wall clock is read here
//! and nowhere else. Every input that changes state is journalled in SQLite before it is
//! applied ([`journal`]); a restart replays the journal and so recovers every acknowledged
//! write. Reads (Describe*, List*) change nothing and are not journalled.
//!
//! The HTTP layer is thin: berth-api decodes a request and encodes the reply; this crate holds
//! the sockets, the clock, the lock and the journal.

#![warn(missing_docs, unreachable_pub)]

mod agents;
mod journal;

pub use agents::AgentEndpoint;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use berth_control_plane::Config;
use berth_fleet_sim::Simulation;
use berth_model::views::{ExplainRequest, SummaryRequest};
use berth_model::{ApiError, ArnScope, SimTime};

use journal::{Input, Journal};

/// What `berth serve` is started with.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where to listen (127.0.0.1 by default: Berth is a local tool).
    pub addr: SocketAddr,
    /// Where the journal lives; `None` keeps it in memory (nothing survives a restart).
    pub data: Option<PathBuf>,
    /// Virtual instances launched into each region's `default` cluster when it is created.
    pub virtual_instances: u32,
    /// Their EC2 instance type.
    pub instance_type: String,
    /// The account id in every ARN.
    pub account: String,
    /// The region of requests that carry no credential scope.
    pub default_region: String,
    /// The playground's built files (trunk's `dist/`), served on `GET /`; `None` serves none.
    pub web: Option<PathBuf>,
    /// Every this many journalled inputs, a snapshot of every region replaces them.
    pub snapshot_every: u32,
    /// Docker agents (`berth agent`) whose instances join the default region's `default`
    /// cluster.
    pub agents: Vec<AgentEndpoint>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data: None,
            virtual_instances: 2,
            instance_type: "t3.medium".into(),
            account: "123456789012".into(),
            default_region: "us-east-1".into(),
            web: None,
            snapshot_every: 1000,
            agents: Vec::new(),
        }
    }
}

/// The zones virtual instances are spread over, in order.
const ZONES: [&str; 3] = ["a", "b", "c"];

/// The server's state: a fleet per region, and the journal.
struct Engine {
    options: Options,
    regions: BTreeMap<String, Simulation>,
    journal: Journal,
    /// Request ids: a counter mixed with the start time (they need only be unique).
    requests: u128,
    /// Cluster events, as EventBridge envelopes, to the live views (`GET /events`).
    events: tokio::sync::broadcast::Sender<Arc<str>>,
    /// Event ids: a counter.
    published: u64,
    /// Inputs journalled since the last snapshot.
    since_snapshot: u32,
    /// The link to the agent of each Docker-backed instance, by the agent's instance id.
    links: BTreeMap<String, tokio::sync::mpsc::UnboundedSender<String>>,
    /// The URLs of the agents linked (from `--agent` or `POST /berth/agents`).
    linked: std::collections::BTreeSet<String>,
    /// This server's URL, which DiscoverPollEndpoint answers.
    endpoint: String,
    /// The fleets' time.
    clock: Clock,
    /// The earliest time a rewind can go back to: that of the latest snapshot (the inputs
    /// before it are gone).
    rewind_floor: SimTime,
}

/// The fleets' time: the wall clock at 1×, or 10× or 100× faster, or stopped (the
/// playground's time controls). Journalled inputs carry the time they happened at, so a
/// replay needs no record of the clock; after a restart it runs at 1× from where it was.
#[derive(Clone, Copy, Debug)]
struct Clock {
    /// When `base` was (a monotonic clock: the wall clock may be set back).
    started: std::time::Instant,
    base: SimTime,
    speed: u32,
}

/// The speeds the clock runs at.
const SPEEDS: [u32; 4] = [0, 1, 10, 100];

impl Clock {
    /// Runs at `speed` from `base`, now.
    fn from(base: SimTime, speed: u32) -> Clock {
        Clock {
            started: std::time::Instant::now(),
            base,
            speed,
        }
    }

    fn now(&self) -> SimTime {
        let elapsed = self.started.elapsed().as_millis() as u64;
        SimTime(self.base.0 + elapsed * u64::from(self.speed))
    }

    /// Runs at `speed` from now on.
    fn set_speed(&mut self, speed: u32) {
        *self = Clock::from(self.now(), speed);
    }

    /// Jumps ahead to `at` (never back).
    fn jump_to(&mut self, at: SimTime) {
        *self = Clock::from(self.now().max(at), self.speed);
    }
}

/// The wall clock, as the control plane's time.
fn wall_clock() -> SimTime {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    SimTime(millis)
}

/// A region's seed: the same region always starts the same way.
fn seed_of(region: &str) -> u64 {
    region.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

impl Engine {
    fn open(options: Options, endpoint: String) -> anyhow::Result<Engine> {
        let journal = Journal::open(options.data.as_deref())?;
        let mut engine = Engine {
            options,
            regions: BTreeMap::new(),
            journal,
            requests: 0,
            events: tokio::sync::broadcast::channel(4096).0,
            published: 0,
            since_snapshot: 0,
            links: BTreeMap::new(),
            linked: std::collections::BTreeSet::new(),
            endpoint,
            clock: Clock::from(wall_clock(), 1),
            rewind_floor: SimTime(0),
        };
        engine.replay()?;
        let latest = engine.regions.values().map(Simulation::now).max();
        // At 1×, from the wall clock, or from where an earlier run left a faster clock.
        engine.clock = Clock::from(latest.unwrap_or(SimTime(0)).max(wall_clock()), 1);
        Ok(engine)
    }

    /// Rebuilds every region from the journal. An input whose application panics is skipped
    /// (and said so), so one bad entry cannot keep the server from starting.
    fn replay(&mut self) -> anyhow::Result<()> {
        self.regions.clear();
        let (states, upto) = self.journal.snapshots()?;
        for (region, state) in states {
            let mut sim = Simulation::restore(&state)
                .map_err(|error| anyhow::anyhow!("the snapshot of {region} is damaged: {error}"))?;
            sim.set_endpoint(Some(self.endpoint.clone()));
            self.rewind_floor = self.rewind_floor.max(sim.now());
            self.regions.insert(region, sim);
        }
        for (seq, input) in self.journal.inputs(upto)? {
            let applied =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.apply(&input)));
            if applied.is_err() {
                eprintln!(
                    "berth: journal entry {seq} ({} {}) could not be replayed; skipped",
                    input.kind, input.operation
                );
            }
        }
        // What replay re-enacted was seen (and sent to agents) live before the restart:
        // nobody needs it again.
        for sim in self.regions.values_mut() {
            sim.take_log();
            sim.take_outbox();
        }
        Ok(())
    }

    /// Applies an input (live or replayed): what it does depends only on the input.
    fn apply(&mut self, input: &Input) -> Option<Result<berth_control_plane::Response, ApiError>> {
        let at = SimTime(input.at_ms);
        if input.kind == "region" {
            // `{"account", "seed"}`; older journals hold the account alone (or nothing) and
            // the region's name as the seed.
            let created: serde_json::Value = serde_json::from_str(&input.body).unwrap_or_default();
            let account_id = match (&created["account"], input.body.is_empty()) {
                (serde_json::Value::String(account), _) => account.clone(),
                (_, true) => self.options.account.clone(),
                (_, false) => input.body.clone(),
            };
            let config = Config {
                scope: ArnScope {
                    region: input.region.clone(),
                    account_id,
                },
                rng_seed: created["seed"]
                    .as_u64()
                    .unwrap_or_else(|| seed_of(&input.region)),
                endpoint: Some(self.endpoint.clone()),
            };
            self.regions
                .insert(input.region.clone(), Simulation::with_config(config, at));
            return None;
        }
        let sim = self.regions.get_mut(&input.region)?;
        sim.run_until(at.max(sim.now()));
        match input.kind.as_str() {
            "launch-instance" => {
                // A failed launch (unknown type) is refused before it is journalled.
                let _ = sim.launch_instance("default", &input.operation, &input.body);
                None
            }
            "agent-attach" => {
                let attach: serde_json::Value =
                    serde_json::from_str(&input.body).unwrap_or_default();
                if let Ok(offer) = serde_json::from_value(attach["offer"].clone()) {
                    let zone = format!("{}{}", input.region, ZONES[0]);
                    let docker = attach["dockerVersion"].as_str().unwrap_or_default();
                    let _ = sim.attach_instance("default", &zone, &offer, docker);
                }
                None
            }
            "agent-event" => {
                if let Ok(event) = serde_json::from_str(&input.body) {
                    sim.agent_event(&input.operation, event);
                }
                None
            }
            "fleet" => {
                let action = serde_json::from_str(&input.body).ok()?;
                Some(
                    sim.act(&action)
                        .map(|_| berth_control_plane::Response::Empty(Default::default())),
                )
            }
            "request" => {
                let body = serde_json::from_str(&input.body).unwrap_or_default();
                let outcome = berth_control_plane::Request::from_operation(&input.operation, body)
                    .and_then(|request| sim.request(request));
                Some(outcome)
            }
            _ => None,
        }
    }

    /// Journals an input, then applies it.
    fn record(
        &mut self,
        input: Input,
    ) -> anyhow::Result<Option<Result<berth_control_plane::Response, ApiError>>> {
        let seq = self.journal.append(&input)?;
        let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.apply(&input)));
        let outcome = match applied {
            Ok(outcome) => outcome,
            Err(_) => {
                // A bug, not the caller's fault: forget the input and rebuild the state it may
                // have left half-changed, so the journal and the memory agree again.
                self.journal.remove(seq)?;
                self.replay()?;
                anyhow::bail!(
                    "Berth failed applying {} {}; nothing was changed",
                    input.kind,
                    input.operation
                );
            }
        };
        self.deliver();
        self.publish();
        self.since_snapshot += 1;
        // A restart then replays at most this many inputs after loading the snapshots.
        if self.since_snapshot >= self.options.snapshot_every.max(1) {
            // The write has happened whatever becomes of the compaction: report, go on.
            if let Err(error) = self.compact(seq) {
                eprintln!("berth: compaction skipped: {error:#}");
            }
        }
        Ok(outcome)
    }

    /// Writes every region's state as of input `upto` and drops the inputs it includes.
    fn compact(&mut self, upto: i64) -> anyhow::Result<()> {
        let states: Vec<(String, String)> = self
            .regions
            .iter_mut()
            .map(|(region, sim)| (region.clone(), sim.snapshot()))
            .collect();
        self.publish(); // Whatever taking the snapshot flushed.
                        // Only a snapshot that loads back may replace the inputs it stands for.
        for (region, state) in &states {
            Simulation::restore(state).map_err(|error| {
                anyhow::anyhow!("the snapshot of {region} would not load back: {error}")
            })?;
        }
        self.since_snapshot = 0;
        self.journal.compact(upto, &states)?;
        self.since_snapshot = 0;
        if let Some(latest) = self.regions.values().map(Simulation::now).max() {
            self.rewind_floor = self.rewind_floor.max(latest);
        }
        Ok(())
    }

    /// The earliest time a rewind can go back to: the latest snapshot's, and never before
    /// the first input (before a region existed there is nothing to go back to, and
    /// recreating it would give it a new seed).
    fn earliest(&self) -> SimTime {
        let first = self.journal.first_input_at().ok().flatten();
        self.rewind_floor.max(first.map_or(SimTime(0), SimTime))
    }

    /// Goes back to `to`: the inputs after it are forgotten and every region is rebuilt from
    /// the journal (deterministic replay), then the clock runs on from `to`. Live views are
    /// told with a `Berth Rewind` message.
    fn rewind(&mut self, to: SimTime) -> Result<(), String> {
        if !self.links.is_empty() {
            return Err("Docker containers cannot be rewound: unlink the agents first.".into());
        }
        let floor = self.earliest();
        if to < floor {
            return Err(format!(
                "Berth can rewind to {} at the earliest: before it the fleet did not exist yet, or the journal was compacted into a snapshot.",
                floor.to_iso8601()
            ));
        }
        if to >= self.clock.now() {
            return Err("That is not in the past.".into());
        }
        let result = (|| -> anyhow::Result<()> {
            self.journal.forget_after(to.as_millis())?;
            self.replay()?;
            for sim in self.regions.values_mut() {
                // As the live ticker does (catch_up): what was due by then, nothing more.
                while sim.run_to_next(to).is_some() {}
                sim.take_log();
                sim.take_outbox();
            }
            Ok(())
        })();
        result.map_err(|error| format!("{error:#}"))?;
        self.clock = Clock::from(to, self.clock.speed);
        let message = serde_json::json!({
            "detail-type": "Berth Rewind",
            "source": "berth",
            "time": to.to_iso8601(),
            "detail": {"to": to.as_millis()},
        });
        let _ = self.events.send(Arc::from(message.to_string()));
        Ok(())
    }

    /// Sends the events the fleets logged to the live views, as EventBridge would deliver them
    /// (ISO times in the envelope, the document as `detail`), and keeps none.
    fn publish(&mut self) {
        for (region, sim) in &mut self.regions {
            for event in sim.take_log() {
                self.published += 1;
                let envelope = berth_api::event_envelope(
                    self.published,
                    &self.options.account,
                    region,
                    &event,
                );
                // No live view connected is fine: the event is simply not seen.
                let _ = self.events.send(Arc::from(envelope.to_string()));
            }
        }
    }

    /// The region's fleet, created (with its virtual instances) on first use.
    fn region(&mut self, region: &str, now: SimTime) -> anyhow::Result<()> {
        if self.regions.contains_key(region) {
            return Ok(());
        }
        self.record(Input {
            region: region.to_owned(),
            at_ms: now.as_millis(),
            kind: "region".into(),
            operation: String::new(),
            // A fresh seed per region created (kept in the journal, so replay is exact): two
            // servers never hand out the same ids, which matters to a Docker agent that
            // outlives one of them.
            body: serde_json::json!({
                "account": self.options.account,
                "seed": seed_of(region) ^ now.as_millis().wrapping_mul(0x9e37_79b9_7f4a_7c15),
            })
            .to_string(),
        })?;
        for i in 0..self.options.virtual_instances as usize {
            let zone = format!("{region}{}", ZONES[i % ZONES.len()]);
            self.record(Input {
                region: region.to_owned(),
                at_ms: now.as_millis(),
                kind: "launch-instance".into(),
                operation: self.options.instance_type.clone(),
                body: zone,
            })?;
        }
        Ok(())
    }

    /// Lets every region's fleet catch up with the wall clock: agent reports and timers due
    /// by now happen, at the times they were due (no journal entry: they follow from it).
    fn catch_up(&mut self, now: SimTime) {
        for sim in self.regions.values_mut() {
            while sim.run_to_next(now).is_some() {}
        }
        self.deliver();
        self.publish();
    }

    /// Sends the control plane's instructions for Docker-backed instances to their agents. One
    /// whose agent is not linked is dropped: the agent learns what it should run when it
    /// reconnects.
    fn deliver(&mut self) {
        for sim in self.regions.values_mut() {
            for (arn, instruction) in sim.take_outbox() {
                let Some(id) = sim.external_instance_id(&arn) else {
                    continue;
                };
                if let Some(link) = self.links.get(id) {
                    let _ = link.send(agents::instruct_message(id, instruction));
                }
            }
        }
    }

    /// An agent's Hello: each instance it offers joins the default region's `default`
    /// cluster (or rejoins it, being told which tasks it should run).
    fn attach(
        &mut self,
        hello: &berth_agent_protocol::Hello,
        link: &tokio::sync::mpsc::UnboundedSender<String>,
    ) -> anyhow::Result<()> {
        let region = self.options.default_region.clone();
        // Real containers run in real time.
        self.clock.set_speed(1);
        let now = self.clock.now();
        self.region(&region, now)?;
        self.catch_up(now);
        for (index, offer) in hello.instances.iter().enumerate() {
            self.links.insert(offer.instance_id.clone(), link.clone());
            let at = now.max(self.regions[&region].now());
            self.record(Input {
                region: region.clone(),
                at_ms: at.as_millis(),
                kind: "agent-attach".into(),
                operation: offer.instance_id.clone(),
                body: agents::attach_body(hello, index),
            })?;
            if self.regions[&region]
                .external_instance_arn(&offer.instance_id)
                .is_none()
            {
                anyhow::bail!("instance {} was refused", offer.instance_id);
            }
        }
        Ok(())
    }

    /// A report from an agent's instance, journalled and applied now.
    fn agent_event(
        &mut self,
        instance_id: &str,
        event: berth_agent_protocol::AgentEvent,
    ) -> anyhow::Result<()> {
        let region = self.options.default_region.clone();
        let Some(arn) = self
            .regions
            .get(&region)
            .and_then(|sim| sim.external_instance_arn(instance_id))
            .map(str::to_owned)
        else {
            return Ok(()); // Not an instance of ours.
        };
        let now = self.clock.now();
        self.catch_up(now);
        let at = now.max(self.regions[&region].now());
        self.record(Input {
            region,
            at_ms: at.as_millis(),
            kind: "agent-event".into(),
            operation: arn,
            body: serde_json::to_string(&event)?,
        })?;
        Ok(())
    }

    /// An agent's link dropped (or the server started without it): its instances are
    /// disconnected until it is back.
    fn detach(&mut self, instance_ids: &[String]) -> anyhow::Result<()> {
        for id in instance_ids {
            self.links.remove(id);
            let event = berth_agent_protocol::AgentEvent::Connection { connected: false };
            self.agent_event(id, event)?;
        }
        Ok(())
    }

    /// A container's output, to the live views (not journalled).
    fn publish_log(&mut self, task_arn: &str, container: &str, lines: Vec<String>) {
        let message = serde_json::json!({
            "detail-type": "Berth Container Log",
            "source": "berth.agent",
            "resources": [task_arn],
            "detail": {"taskArn": task_arn, "containerName": container, "lines": lines},
        });
        let _ = self.events.send(Arc::from(message.to_string()));
    }

    /// One API call: `(status, body, request id)`.
    fn call(&mut self, region: &str, target: Option<&str>, body: &[u8]) -> (u16, String, String) {
        self.requests += 1;
        let request_id =
            berth_api::request_id((u128::from(wall_clock().as_millis()) << 64) | self.requests);
        let now = self.clock.now();
        let reply = match self.dispatch(region, target, body, now) {
            Ok(outcome) => berth_api::reply(&outcome),
            Err(error) => berth_api::error_reply(&ApiError::new(
                berth_model::ExceptionType::ServerException,
                format!("{error:#}"),
            )),
        };
        (reply.status, reply.body, request_id)
    }

    fn dispatch(
        &mut self,
        region: &str,
        target: Option<&str>,
        body: &[u8],
        now: SimTime,
    ) -> anyhow::Result<Result<berth_control_plane::Response, ApiError>> {
        let call = match berth_api::decode(target, body) {
            Ok(call) => call,
            Err(error) => return Ok(Err(error)),
        };
        self.region(region, now)?;
        self.catch_up(now);
        if call.is_read_only() {
            let sim = self.regions.get_mut(region).context("the region exists")?;
            return Ok(sim.request(call.request));
        }
        // The body as journalled: the decoded request is rebuilt from it on replay.
        let body = std::str::from_utf8(body).unwrap_or("{}");
        let body = if body.trim().is_empty() { "{}" } else { body };
        let at = now.max(self.regions[region].now());
        let outcome = self.record(Input {
            region: region.to_owned(),
            at_ms: at.as_millis(),
            kind: "request".into(),
            operation: call.operation,
            body: body.to_owned(),
        })?;
        outcome.context("a request has an outcome")
    }
}

type Shared = Arc<Mutex<Engine>>;

/// The engine, even if a panic poisoned its lock (every apply is unwind-safe: a failed one is
/// undone by a replay).
fn lock(engine: &Shared) -> std::sync::MutexGuard<'_, Engine> {
    engine
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn api(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let target = text("x-amz-target");
    let (status, body, request_id) = {
        let mut engine = lock(&engine);
        let region = text("authorization")
            .and_then(berth_api::region_of)
            .map(str::to_owned)
            .unwrap_or_else(|| engine.options.default_region.clone());
        engine.call(&region, target, &body)
    };
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(berth_api::CONTENT_TYPE),
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

/// A browser request from a page the server did not serve: another site's page must not
/// read the live view (it carries container output) or link agents. Requests without an
/// Origin (the AWS CLI, scripts) and from local pages pass.
fn foreign_origin(headers: &HeaderMap) -> Option<Response> {
    let origin = headers.get(header::ORIGIN)?.to_str().unwrap_or("null");
    let host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .map(|rest| match rest.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => rest.split(':').next().unwrap_or_default(),
        })
        .unwrap_or_default();
    let local = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    (!local).then(|| {
        (
            StatusCode::FORBIDDEN,
            format!("berth: requests from {origin} are not allowed"),
        )
            .into_response()
    })
}

/// The live view: every cluster event, as it happens, one JSON text message each.
async fn events(
    State(engine): State<Shared>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let mut receiver = lock(&engine).events.subscribe();
    upgrade.on_upgrade(move |mut socket: WebSocket| async move {
        loop {
            match receiver.recv().await {
                Ok(text) => {
                    if socket
                        .send(Message::Text(text.as_ref().into()))
                        .await
                        .is_err()
                    {
                        break; // The view went away.
                    }
                }
                // A view too slow to keep up misses events rather than holding the server.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    })
}

/// `POST /berth/agents` with `{"url": "ws://...", "token": "..."}`: links a Docker agent, as
/// `--agent` does at start (the playground's connect dialog). Answers once the first attempt
/// to connect succeeded or failed. The link lasts until the server stops.
async fn link_agent(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send {\"url\", \"token\"} as application/json.",
        )
            .into_response();
    }
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let url = request["url"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if !(url.starts_with("ws://") || url.starts_with("wss://")) {
        return (
            StatusCode::BAD_REQUEST,
            "An agent URL starts with ws:// (as berth agent prints it).",
        )
            .into_response();
    }
    let token = request["token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    if !lock(&engine).linked.insert(url.clone()) {
        return (
            StatusCode::OK,
            format!("The agent at {url} is linked already."),
        )
            .into_response();
    }
    let (first, outcome) = tokio::sync::oneshot::channel();
    let endpoint = AgentEndpoint {
        url: url.clone(),
        token,
    };
    tokio::spawn(agents::keep_linked(
        Arc::clone(&engine),
        endpoint,
        Some(first),
    ));
    match outcome.await {
        Ok(Ok(())) => (
            StatusCode::OK,
            format!("Linked the agent at {url}: its instances join the default cluster."),
        )
            .into_response(),
        failed => {
            lock(&engine).linked.remove(&url);
            let error = match failed {
                Ok(Err(error)) => error,
                _ => format!("the link to {url} ended before it was made"),
            };
            (StatusCode::BAD_GATEWAY, error).into_response()
        }
    }
}

/// `POST /berth/explain` with `{"cluster", "service"}` or `{"cluster", "taskDefinition"}`:
/// where the next task would be placed now and why not elsewhere (Berth's own read, for the
/// page's explainer), in the default region. Errors come in ECS's shape.
async fn explain(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let request: ExplainRequest = serde_json::from_slice(&body).unwrap_or_default();
    let outcome = read_default_region(&engine, |sim| {
        sim.explain_placement(
            request.cluster.as_deref(),
            request.service.as_deref(),
            request.task_definition.as_deref(),
        )
    });
    json_reply(outcome.map(|explanation| serde_json::to_string(&explanation).unwrap_or_default()))
}

/// `GET /berth/clock`, and `POST /berth/clock` with `{"speed": 0|1|10|100}`, `{"step": true}`
/// (jump to the next thing that happens in the default region) or `{"rewindTo": <epoch ms>}`
/// (forget everything after it and replay the journal up to it): the fleets' time,
/// `{"now": <epoch ms>, "speed": n, "adjustable": bool, "earliest": <epoch ms>}`. Only the virtual fleet can run
/// faster or stop: while Docker agents are linked the clock stays at 1×.
async fn clock(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut engine = lock(&engine);
    let adjustable = engine.links.is_empty();
    let wants_change = request.get("speed").is_some()
        || request["step"] == true
        || request.get("rewindTo").is_some();
    if wants_change && !adjustable {
        return (
            StatusCode::CONFLICT,
            "Docker containers run in real time: the clock stays at 1× while an agent is linked.",
        )
            .into_response();
    }
    if let Some(speed) = request.get("speed") {
        match speed.as_u64().and_then(|s| u32::try_from(s).ok()) {
            Some(speed) if SPEEDS.contains(&speed) => {
                let now = engine.clock.now();
                engine.catch_up(now);
                engine.clock.set_speed(speed);
            }
            _ => {
                return (
                    StatusCode::BAD_REQUEST,
                    "speed is one of 0 (paused), 1, 10 and 100.",
                )
                    .into_response()
            }
        }
    }
    if let Some(to) = request.get("rewindTo") {
        let Some(to) = to.as_u64() else {
            return (
                StatusCode::BAD_REQUEST,
                "rewindTo is a time in epoch milliseconds.",
            )
                .into_response();
        };
        if let Err(why) = engine.rewind(SimTime(to)) {
            return (StatusCode::CONFLICT, why).into_response();
        }
    }
    if request["step"] == true {
        let now = engine.clock.now();
        engine.catch_up(now);
        let region = engine.options.default_region.clone();
        let next = engine
            .regions
            .get_mut(&region)
            .and_then(Simulation::next_wakeup);
        if let Some(next) = next {
            engine.clock.jump_to(next);
            engine.catch_up(next);
        }
    }
    let body = serde_json::json!({
        "now": engine.clock.now().as_millis(),
        "speed": engine.clock.speed,
        "adjustable": adjustable,
        "earliest": engine.earliest().as_millis(),
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `POST /berth/fleet` with a [`berth_fleet_sim::FleetAction`] (`{"action": "launch",
/// "cluster", "instanceType", "zone"}`, `terminate`, `disconnect`, `reconnect` with
/// `containerInstance`, `kill` with `task` and an optional `container`, `unpullable` with
/// `image`): what a user does to the default region's virtual world, journalled like a
/// request. Errors come in ECS's shape.
async fn fleet(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let action = match berth_fleet_sim::FleetAction::from_json(&body) {
        Ok(action) => action,
        Err(error) => return json_reply(Err(error)),
    };
    let mut engine = lock(&engine);
    let region = engine.options.default_region.clone();
    let now = engine.clock.now();
    let recorded = engine.region(&region, now).and_then(|()| {
        engine.catch_up(now);
        let at = now.max(engine.regions[&region].now());
        engine.record(Input {
            region,
            at_ms: at.as_millis(),
            kind: "fleet".into(),
            operation: String::new(),
            body: serde_json::to_string(&action)?,
        })
    });
    json_reply(match recorded {
        Ok(Some(outcome)) => outcome.map(|_| "{}".to_owned()),
        Ok(None) => Err(ApiError::new(
            berth_model::ExceptionType::InvalidParameterException,
            "Not a fleet action.",
        )),
        Err(error) => Err(ApiError::new(
            berth_model::ExceptionType::ServerException,
            format!("{error:#}"),
        )),
    })
}

/// `POST /berth/summary` with `{"cluster"}`: the cluster at a glance for views of thousands
/// of instances (`berth_model::views::FleetSummary`), in the default region. Errors come in
/// ECS's shape.
async fn summary(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let request: SummaryRequest = serde_json::from_slice(&body).unwrap_or_default();
    let outcome = read_default_region(&engine, |sim| sim.fleet_summary(request.cluster.as_deref()));
    json_reply(outcome.map(|summary| serde_json::to_string(&summary).unwrap_or_default()))
}

/// A read of the default region's fleet, caught up with the clock first; a region not yet
/// created has no cluster.
fn read_default_region<T>(
    engine: &Shared,
    read: impl FnOnce(&Simulation) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut engine = lock(engine);
    let region = engine.options.default_region.clone();
    let now = engine.clock.now();
    engine.catch_up(now);
    match engine.regions.get(&region) {
        Some(sim) => read(sim),
        None => Err(ApiError::new(
            berth_model::ExceptionType::ClusterNotFoundException,
            berth_model::messages::CLUSTER_NOT_FOUND,
        )),
    }
}

/// A JSON body (200), or an ECS error in ECS's shape, as Berth's own endpoints answer.
fn json_reply(outcome: Result<String, ApiError>) -> Response {
    let reply = match outcome {
        Ok(body) => berth_api::Reply { status: 200, body },
        Err(error) => berth_api::error_reply(&error),
    };
    (
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_REQUEST),
        [(header::CONTENT_TYPE, "application/json")],
        reply.body,
    )
        .into_response()
}

/// The playground's files from `--web`, or a line saying what this endpoint is.
async fn files(State(engine): State<Shared>, uri: axum::http::Uri) -> Response {
    const ABOUT: &str = "Berth: Amazon ECS's API. Point the AWS CLI here with --endpoint-url.\n";
    let root = lock(&engine).options.web.clone();
    let Some(root) = root else {
        return ABOUT.into_response();
    };
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    // Only plain names below the root: no `..`, no hidden files, no absolute paths.
    if path
        .split('/')
        .any(|part| part.is_empty() || part.starts_with('.'))
    {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read(root.join(path)).await {
        Ok(body) => {
            let kind = match path.rsplit('.').next() {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("wasm") => "application/wasm",
                Some("css") => "text/css",
                Some("json") => "application/json",
                _ => "application/octet-stream",
            };
            ([(header::CONTENT_TYPE, kind)], body).into_response()
        }
        Err(_) if path == "index.html" => ABOUT.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Serves until the process is stopped (Ctrl-C): replays the journal, then listens.
pub async fn serve(options: Options) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .with_context(|| format!("cannot listen on {}", options.addr))?;
    serve_on(listener, options).await
}

/// Serves on a bound listener (tests bind port 0 and read the address first).
pub async fn serve_on(listener: tokio::net::TcpListener, options: Options) -> anyhow::Result<()> {
    let agents = options.agents.clone();
    let endpoint = format!("http://{}/", listener.local_addr()?);
    let engine: Shared = Arc::new(Mutex::new(Engine::open(options, endpoint)?));
    {
        // Docker-backed instances are disconnected until their agent links up again.
        let mut locked = lock(&engine);
        let region = locked.options.default_region.clone();
        let ids: Vec<String> = locked
            .regions
            .get(&region)
            .map(|sim| {
                sim.external_instances()
                    .map(|(id, _)| id.to_owned())
                    .collect()
            })
            .unwrap_or_default();
        locked.detach(&ids)?;
    }
    for endpoint in agents {
        lock(&engine).linked.insert(endpoint.url.clone());
        tokio::spawn(agents::keep_linked(Arc::clone(&engine), endpoint, None));
    }
    // The fleet runs in real time between requests.
    let ticking = Arc::clone(&engine);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tick.tick().await;
            let mut engine = lock(&ticking);
            let now = engine.clock.now();
            engine.catch_up(now);
        }
    });
    let app = Router::new()
        .route("/", post(api).get(files))
        .route("/events", get(events))
        .route("/berth/agents", post(link_agent))
        .route("/berth/explain", post(explain))
        .route("/berth/clock", get(clock).post(clock))
        .route("/berth/fleet", post(fleet))
        .route("/berth/summary", post(summary))
        .fallback(get(files))
        // Bodies up to 16 MiB reach berth-api, which refuses those over its limit in ECS's shape.
        .layer(DefaultBodyLimit::max(16 * 1024 * 1024))
        .with_state(engine);
    eprintln!(
        "berth: serving the ECS API on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
