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
mod balancer;
mod hooks;
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
use berth_api::cloudwatch::{error_reply, CwReply, Protocol};
use berth_fleet_sim::Simulation;
use berth_model::views::{
    CheckRequest, ClockRequest, ExplainRequest, LoadBalancingRequest, SummaryRequest,
};
use berth_model::{ApiError, SimTime};
use berth_world::{What, World};

use journal::Journal;

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
    /// `FUNCTION=URL`: the HTTP endpoint standing in for an AWS_LAMBDA hook's function (its
    /// ARN or name), which each invocation is POSTed to.
    pub hook_endpoints: Vec<String>,
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
            hook_endpoints: Vec::new(),
        }
    }
}

/// The server's state: the world (every region's fleet and the clock), its journal in
/// SQLite, and what only a server has: the live views' channel and the Docker agents' links.
struct Engine {
    options: Options,
    world: World,
    journal: Journal,
    /// Request ids: a counter mixed with the start time (they need only be unique).
    requests: u128,
    /// Cluster events, as EventBridge envelopes, to the live views (`GET /events`).
    events: tokio::sync::broadcast::Sender<Arc<str>>,
    /// The link to the agent of each Docker-backed instance, by the agent's instance id.
    links: BTreeMap<String, tokio::sync::mpsc::UnboundedSender<String>>,
    /// The URLs of the agents linked (from `--agent` or `POST /berth/agents`).
    linked: std::collections::BTreeSet<String>,
    /// The wall clock when the server started, and a monotonic clock since: the world's wall
    /// time is their sum, so setting the system clock back does not move the fleets back.
    wall_at_start: u64,
    started: std::time::Instant,
    /// The load balancers' listeners served for real.
    balancer: balancer::Balancer,
    /// The engine itself, for what its changes start (listeners, health checks).
    shared: std::sync::Weak<Mutex<Engine>>,
    /// The endpoints standing in for lifecycle hooks' Lambda functions.
    hooks: hooks::Hooks,
}

/// The wall clock, in epoch milliseconds.
fn wall_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Engine {
    fn open(options: Options, endpoint: String) -> anyhow::Result<Engine> {
        let journal = Journal::open(options.data.as_deref(), &options.account)?;
        let wall = wall_clock();
        let world = World::new(
            berth_world::Options {
                account: options.account.clone(),
                default_region: options.default_region.clone(),
                virtual_instances: options.virtual_instances,
                instance_type: options.instance_type.clone(),
                endpoint: Some(endpoint),
                seed: None,
            },
            wall,
            SimTime(wall),
        );
        let hooks = hooks::Hooks::new(&options.hook_endpoints)?;
        let mut engine = Engine {
            hooks,
            options,
            world,
            journal,
            requests: 0,
            events: tokio::sync::broadcast::channel(4096).0,
            links: BTreeMap::new(),
            linked: std::collections::BTreeSet::new(),
            wall_at_start: wall,
            started: std::time::Instant::now(),
            balancer: balancer::Balancer::new(),
            shared: std::sync::Weak::new(),
        };
        engine.replay()?;
        // At 1×, from the wall clock, or from where an earlier run left a faster clock.
        engine.world.resume(wall, SimTime(0));
        Ok(engine)
    }

    /// The wall time the world runs by (monotonic).
    fn wall(&self) -> u64 {
        self.wall_at_start + self.started.elapsed().as_millis() as u64
    }

    /// Rebuilds every region from the journal. An input whose application panics is skipped
    /// (and said so), so one bad entry cannot keep the server from starting.
    fn replay(&mut self) -> anyhow::Result<()> {
        let stored = berth_world::Journal::stored(&self.journal).map_err(anyhow::Error::msg)?;
        let rows: Vec<_> = stored
            .entries
            .iter()
            .map(berth_world::Entry::to_row)
            .collect();
        for index in self.world.rebuild(stored).map_err(anyhow::Error::msg)? {
            let (kind, operation, _) = &rows[index];
            eprintln!("berth: journal entry {kind} {operation} could not be replayed; skipped");
        }
        Ok(())
    }

    /// Runs `change` on the world and its journal. A panic is a bug, not the caller's fault:
    /// the inputs it journalled are forgotten and the world rebuilt, so the journal and the
    /// memory agree again. Then what the change left for others goes out.
    fn guarded<T>(
        &mut self,
        change: impl FnOnce(&mut World, &mut Journal, u64) -> Result<T, String>,
    ) -> anyhow::Result<T> {
        let mark = self.journal.last_seq();
        let wall = self.wall();
        let (world, journal) = (&mut self.world, &mut self.journal);
        let changed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            change(world, journal, wall)
        }));
        let outcome = match changed {
            Ok(outcome) => outcome.map_err(anyhow::Error::msg),
            Err(_) => {
                let failed = self.journal.remove_after(mark)?;
                self.replay()?;
                let (kind, operation) = failed.unwrap_or_default();
                Err(anyhow::anyhow!(
                    "Berth failed applying {kind} {operation}; nothing was changed"
                ))
            }
        };
        self.settle();
        outcome
    }

    /// After every change and every catch-up: the instructions for Docker-backed instances go
    /// to their agents, the events to the live views, and every `snapshot_every` inputs a
    /// snapshot of every region replaces them (a restart then replays at most that many).
    fn settle(&mut self) {
        self.deliver();
        let shared = self.shared.clone();
        balancer::sync(self, &shared);
        hooks::sync(self, &shared);
        if self.journal.since_snapshot >= self.options.snapshot_every.max(1) {
            // The writes have happened whatever becomes of the compaction: report, go on.
            if let Err(error) = self.compact() {
                eprintln!("berth: compaction skipped: {error:#}");
            }
        }
        for event in self.world.take_events() {
            // No live view connected is fine: the event is simply not seen.
            let _ = self.events.send(Arc::from(event.to_string()));
        }
    }

    /// Writes every region's state as of now and drops the inputs it includes. Only a
    /// snapshot that loads back may replace the inputs it stands for.
    fn compact(&mut self) -> anyhow::Result<()> {
        let states: Vec<(String, String)> = self
            .world
            .regions_mut()
            .map(|(region, sim)| (region.clone(), sim.snapshot()))
            .collect();
        for (region, state) in &states {
            Simulation::restore(state).map_err(|error| {
                anyhow::anyhow!("the snapshot of {region} would not load back: {error}")
            })?;
        }
        self.journal.compact(&states)?;
        self.world.snapshot_taken();
        Ok(())
    }

    /// Lets every region's fleet catch up with the clock.
    fn catch_up(&mut self) {
        let wall = self.wall();
        self.world.catch_up(wall);
        self.settle();
    }

    /// Sends the control plane's instructions for Docker-backed instances to their agents. One
    /// whose agent is not linked is dropped: the agent learns what it should run when it
    /// reconnects.
    fn deliver(&mut self) {
        for (_, sim) in self.world.regions_mut() {
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

    /// Docker agents linked or gone: real containers run in real time, so while one is
    /// linked the clock stays at 1× and cannot be rewound.
    fn links_changed(&mut self) {
        let wall = self.wall();
        self.world.set_adjustable(wall, self.links.is_empty());
    }

    /// An agent's Hello: each instance it offers joins the default region's `default`
    /// cluster (or rejoins it, being told which tasks it should run).
    fn attach(
        &mut self,
        hello: &berth_agent_protocol::Hello,
        link: &tokio::sync::mpsc::UnboundedSender<String>,
    ) -> anyhow::Result<()> {
        let region = self.options.default_region.clone();
        for offer in &hello.instances {
            self.links.insert(offer.instance_id.clone(), link.clone());
        }
        self.links_changed();
        self.guarded(|world, journal, wall| {
            let now = world.now(wall);
            world.ensure_region(journal, &region, now)?;
            world.catch_up(wall);
            for (index, offer) in hello.instances.iter().enumerate() {
                let what = What::AgentAttach {
                    instance_id: offer.instance_id.clone(),
                    body: agents::attach_body(hello, index),
                };
                world.record(journal, &region, now, what)?;
            }
            Ok(())
        })?;
        for offer in &hello.instances {
            let region = self.world.region(&region);
            if region
                .and_then(|sim| sim.external_instance_arn(&offer.instance_id))
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
            .world
            .region(&region)
            .and_then(|sim| sim.external_instance_arn(instance_id))
            .map(str::to_owned)
        else {
            return Ok(()); // Not an instance of ours.
        };
        let event = serde_json::to_string(&event)?;
        self.guarded(|world, journal, wall| {
            let now = world.catch_up(wall);
            let what = What::AgentEvent {
                instance_arn: arn,
                event,
            };
            world.record(journal, &region, now, what).map(|_| ())
        })
    }

    /// An agent's link dropped (or the server started without it): its instances are
    /// disconnected until it is back.
    fn detach(&mut self, instance_ids: &[String]) -> anyhow::Result<()> {
        for id in instance_ids {
            self.links.remove(id);
            let event = berth_agent_protocol::AgentEvent::Connection { connected: false };
            self.agent_event(id, event)?;
        }
        self.links_changed();
        Ok(())
    }

    /// A container's output: to its CloudWatch Logs stream (journalled) when it has one, and
    /// to the live views.
    fn publish_log(&mut self, task_arn: &str, container: &str, lines: Vec<String>) {
        let shipped = self.guarded(|world, journal, wall| {
            world.container_output(wall, journal, task_arn, container, lines.clone())
        });
        if let Err(error) = shipped {
            eprintln!("berth: a container's output was not recorded: {error:#}");
        }
        let message = serde_json::json!({
            "detail-type": "Berth Container Log",
            "source": "berth.agent",
            "resources": [task_arn],
            "detail": {"taskArn": task_arn, "containerName": container, "lines": lines},
        });
        let _ = self.events.send(Arc::from(message.to_string()));
    }

    /// One Elastic Load Balancing call (the Query protocol): `(status, XML, request id)`.
    fn call_elb(&mut self, region: &str, body: &[u8]) -> (u16, String, String) {
        self.requests += 1;
        let request_id = berth_api::request_id((u128::from(wall_clock()) << 64) | self.requests);
        if let Err(error) = self.balancer.reserve(body) {
            let reply = berth_api::elb::error_reply(&error, &request_id);
            return (reply.status, reply.body, request_id);
        }
        let outcome =
            self.guarded(|world, journal, wall| world.call_elb(wall, journal, region, body));
        let reply = match outcome {
            Ok((action, answer)) => berth_api::elb::reply(&action, &answer, &request_id),
            Err(error) => berth_api::elb::error_reply(
                &berth_elb::ElbError::new("InternalFailure", format!("{error:#}")),
                &request_id,
            ),
        };
        (reply.status, reply.body, request_id)
    }

    /// One CloudWatch call in `protocol`: the reply and the request id.
    fn call_cloudwatch(
        &mut self,
        region: &str,
        protocol: Protocol,
        operation: &str,
        body: &[u8],
    ) -> (CwReply, String) {
        self.requests += 1;
        let request_id = berth_api::request_id((u128::from(wall_clock()) << 64) | self.requests);
        let outcome = self.guarded(|world, journal, wall| {
            world.call_cloudwatch(wall, journal, region, protocol, operation, body)
        });
        let reply = match outcome {
            Ok(answer) => berth_api::cloudwatch::reply(protocol, &answer),
            Err(error) => berth_api::cloudwatch::error_reply(
                protocol,
                &berth_cloudwatch::CwError::new("InternalServiceFault", format!("{error:#}")),
            ),
        };
        (reply, request_id)
    }

    /// One Application Auto Scaling call (JSON 1.1): `(status, body, request id)`.
    fn call_autoscaling(
        &mut self,
        region: &str,
        operation: &str,
        body: &[u8],
    ) -> (u16, String, String) {
        self.requests += 1;
        let request_id = berth_api::request_id((u128::from(wall_clock()) << 64) | self.requests);
        let outcome = self.guarded(|world, journal, wall| {
            world.call_autoscaling(wall, journal, region, operation, body)
        });
        let reply = match outcome {
            Ok(answer) => berth_api::autoscaling::reply(&answer),
            Err(error) => berth_api::autoscaling::error_reply(&berth_autoscaling::AasError::new(
                "InternalServiceException",
                format!("{error:#}"),
            )),
        };
        (reply.status, reply.body, request_id)
    }

    /// One CloudWatch Logs call (JSON 1.1): `(status, body, request id)`.
    fn call_logs(&mut self, region: &str, operation: &str, body: &[u8]) -> (u16, String, String) {
        self.requests += 1;
        let request_id = berth_api::request_id((u128::from(wall_clock()) << 64) | self.requests);
        let outcome = self.guarded(|world, journal, wall| {
            world.call_logs(wall, journal, region, operation, body)
        });
        let reply = match outcome {
            Ok(answer) => berth_api::logs::reply(&answer),
            Err(error) => berth_api::logs::error_reply(&berth_logs::LogsError::new(
                "ServiceUnavailableException",
                format!("{error:#}"),
            )),
        };
        (reply.status, reply.body, request_id)
    }

    /// One API call: `(status, body, request id)`.
    fn call(&mut self, region: &str, target: Option<&str>, body: &[u8]) -> (u16, String, String) {
        self.requests += 1;
        let request_id = berth_api::request_id((u128::from(wall_clock()) << 64) | self.requests);
        let outcome =
            self.guarded(|world, journal, wall| world.call(wall, journal, region, target, body));
        let reply = match outcome {
            Ok(outcome) => berth_api::reply(&outcome),
            Err(error) => berth_api::error_reply(&ApiError::new(
                berth_model::ExceptionType::ServerException,
                format!("{error:#}"),
            )),
        };
        (reply.status, reply.body, request_id)
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
    // CloudWatch's JSON 1.0 names its operation in X-Amz-Target with its own prefix.
    if let Some(operation) =
        target.and_then(|t| t.strip_prefix(berth_api::cloudwatch::TARGET_PREFIX))
    {
        let (reply, request_id) = {
            let mut engine = lock(&engine);
            let region = text("authorization")
                .and_then(berth_api::region_of)
                .map(str::to_owned)
                .unwrap_or_else(|| engine.options.default_region.clone());
            engine.call_cloudwatch(&region, Protocol::Json, operation, &body)
        };
        return cloudwatch_response(reply, request_id);
    }
    // ECS names its operation in X-Amz-Target; ELBv2 (the Query protocol) sends a form.
    let form = target.is_none()
        && text("content-type").is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let (status, body, request_id) = {
        let mut engine = lock(&engine);
        let region = text("authorization")
            .and_then(berth_api::region_of)
            .map(str::to_owned)
            .unwrap_or_else(|| engine.options.default_region.clone());
        let autoscaling =
            target.and_then(|t| t.strip_prefix(berth_api::autoscaling::TARGET_PREFIX));
        let logs = target.and_then(|t| t.strip_prefix(berth_api::logs::TARGET_PREFIX));
        match (autoscaling, logs) {
            _ if form => engine.call_elb(&region, &body),
            (Some(operation), _) => engine.call_autoscaling(&region, operation, &body),
            (_, Some(operation)) => engine.call_logs(&region, operation, &body),
            (None, None) => engine.call(&region, target, &body),
        }
    };
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if form {
            berth_api::query::XML_CONTENT_TYPE
        } else {
            berth_api::CONTENT_TYPE
        }),
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

/// CloudWatch on Smithy RPC v2 CBOR: `POST /service/{service}/operation/{operation}`.
async fn cloudwatch(
    State(engine): State<Shared>,
    axum::extract::Path((service, operation)): axum::extract::Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let path = format!("/service/{service}/operation/{operation}");
    // The protocol requires its header and forbids X-Amz-Target.
    let framed = text("smithy-protocol") == Some(berth_api::cloudwatch::PROTOCOL)
        && text("x-amz-target").is_none()
        && text("x-amzn-target").is_none();
    let (reply, request_id) = match berth_api::cloudwatch::operation_of(&path) {
        Some(operation) if framed => {
            let mut engine = lock(&engine);
            let region = text("authorization")
                .and_then(berth_api::region_of)
                .map(str::to_owned)
                .unwrap_or_else(|| engine.options.default_region.clone());
            engine.call_cloudwatch(&region, Protocol::Cbor, operation, &body)
        }
        _ => {
            let error = berth_cloudwatch::guessed("cw-protocol", &[]);
            (error_reply(Protocol::Cbor, &error), String::new())
        }
    };
    let mut response = cloudwatch_response(reply, request_id);
    response.headers_mut().insert(
        "smithy-protocol",
        HeaderValue::from_static(berth_api::cloudwatch::PROTOCOL),
    );
    response
}

/// A CloudWatch reply as HTTP.
fn cloudwatch_response(reply: CwReply, request_id: String) -> Response {
    let mut response = (
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        reply.body,
    )
        .into_response();
    let headers = response.headers_mut();
    match reply.content_type {
        Some(content_type) => {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        None => {
            headers.remove(header::CONTENT_TYPE);
        }
    }
    for (name, value) in [
        ("x-amzn-requestid", Some(request_id)),
        ("x-amzn-query-error", reply.query_error),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
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
/// where the next task would be placed now and why not elsewhere (Berth's own view, for the
/// page's explainer), in the default region. Errors come in ECS's shape.
async fn explain(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let request: ExplainRequest = serde_json::from_slice(&body).unwrap_or_default();
    let mut engine = lock(&engine);
    let wall = engine.wall();
    let outcome = engine.world.explain(wall, &request);
    engine.settle();
    json_reply(outcome.map(|explanation| serde_json::to_string(&explanation).unwrap_or_default()))
}

/// `POST /berth/check` with `{"text", "family"}`: the editor's verdict on a pasted task
/// definition ([`berth_model::views::Verdict`]), judged here so the page `berth serve` serves
/// does not carry RegisterTaskDefinition's rules (a third of its size). Registers nothing.
async fn check(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let request: CheckRequest = serde_json::from_slice(&body).unwrap_or_default();
    let verdict = {
        let engine = lock(&engine);
        engine.world.check(engine.wall(), &request)
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(&verdict).unwrap_or_default(),
    )
        .into_response()
}

/// `GET /berth/clock`, and `POST /berth/clock` with `{"speed": 0|1|10|100}`, `{"step": true}`
/// (jump to the next thing that happens in the default region) or `{"rewindTo": <epoch ms>}`
/// (forget everything after it and replay the journal up to it): the fleets' time
/// ([`berth_model::views::ClockDocument`]). Only the virtual fleet can run faster or stop:
/// while Docker agents are linked the clock stays at 1×.
async fn clock(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let request: ClockRequest = serde_json::from_slice(&body).unwrap_or_default();
    let mut engine = lock(&engine);
    let wall = engine.wall();
    let Engine { world, journal, .. } = &mut *engine;
    let answer = world.clock(wall, &request, journal);
    engine.settle();
    match answer {
        Ok(document) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&document).unwrap_or_default(),
        )
            .into_response(),
        Err((status, why)) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            why,
        )
            .into_response(),
    }
}

/// `POST /berth/fleet` with a [`berth_fleet_sim::FleetAction`] (`{"action": "launch",
/// "cluster", "instanceType", "zone"}`, `terminate`, `disconnect`, `reconnect` with
/// `containerInstance`, `kill` with `task` and an optional `container`, `unpullable` or
/// `push` with `image`): what a user does to the default region's virtual world, journalled like a
/// request. Errors come in ECS's shape.
async fn fleet(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let outcome = lock(&engine).guarded(|world, journal, wall| world.fleet(wall, journal, &body));
    json_reply(match outcome {
        Ok(outcome) => outcome.map(|()| "{}".to_owned()),
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
    let mut engine = lock(&engine);
    let wall = engine.wall();
    let outcome = engine.world.summary(wall, &request);
    engine.settle();
    json_reply(outcome.map(|summary| serde_json::to_string(&summary).unwrap_or_default()))
}

/// `POST /berth/load-balancers`: the default region's load balancers as the page draws them
/// (`berth_elb::view::LoadBalancingView`), with the calls that rebuild the target groups a
/// `{"rebuild": [ARN, ...]}` body names.
async fn load_balancers(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let request: LoadBalancingRequest = serde_json::from_slice(&body).unwrap_or_default();
    let mut engine = lock(&engine);
    // What the listeners carried up to now, counted before it is shown.
    balancer::flush(&mut engine, true);
    let wall = engine.wall();
    let outcome = engine.world.load_balancers(wall, &request);
    engine.settle();
    json_reply(outcome.map(|view| serde_json::to_string(&view).unwrap_or_default()))
}

/// `POST /berth/hooks`: the default region's AWS_LAMBDA hook invocations waiting for an
/// answer (`{"invocations": [...]}`), each with the endpoint standing in for its function, if
/// `--hook-endpoint` named one; the others are answered through `POST /berth/fleet`.
async fn hook_invocations(State(engine): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refused) = foreign_origin(&headers) {
        return refused;
    }
    let mut engine = lock(&engine);
    let wall = engine.wall();
    let outcome = engine.world.hook_invocations(wall).map(|invocations| {
        let listed: Vec<serde_json::Value> = invocations
            .into_iter()
            .map(|invocation| {
                let endpoint = engine
                    .hooks
                    .endpoint(&invocation.function_arn)
                    .map(ToString::to_string);
                let mut value = serde_json::to_value(invocation).expect("invocations serialise");
                value["endpoint"] = serde_json::json!(endpoint);
                value
            })
            .collect();
        serde_json::json!({ "invocations": listed }).to_string()
    });
    engine.settle();
    json_reply(outcome)
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
    lock(&engine).shared = Arc::downgrade(&engine);
    {
        // Docker-backed instances are disconnected until their agent links up again.
        let mut locked = lock(&engine);
        let region = locked.options.default_region.clone();
        let ids: Vec<String> = locked
            .world
            .region(&region)
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
            engine.catch_up();
            balancer::flush(&mut engine, false);
        }
    });
    let app = Router::new()
        .route("/", post(api).get(files))
        .route("/events", get(events))
        .route("/berth/agents", post(link_agent))
        .route("/berth/explain", post(explain))
        .route("/berth/check", post(check))
        .route("/berth/clock", get(clock).post(clock))
        .route("/berth/fleet", post(fleet))
        .route("/berth/summary", post(summary))
        .route("/berth/load-balancers", post(load_balancers))
        .route("/berth/hooks", post(hook_invocations))
        .route("/service/{service}/operation/{operation}", post(cloudwatch))
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
