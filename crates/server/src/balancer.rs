//! The load balancers made real: every HTTP listener of every region's ELB is served on
//! 127.0.0.1 at its port, a reverse proxy routing each request as berth-elb's
//! [`berth_elb::Elb::route`] says (rules, weights, round robin over healthy targets) to the
//! target's published `127.0.0.x:port` on a Docker-backed instance. A target on a virtual
//! instance has nothing to forward to: the listener says which task would have served the
//! request. The health checks of Docker-backed targets are made here for real, and their
//! answers journalled, so a replay sees the same answers at the same times.
//!
//! What each request came to is counted per load balancer and target, and journalled once a
//! second ([`flush`], `What::Served`), so the counts are the world's like the offered load's.
//!
//! A Network Load Balancer's TCP, TLS and TCP_UDP listeners pass each connection whole to
//! the target routing picks ([`flows`]); UDP listeners are not served.
//!
//! A draining target gets no new requests (routing leaves it out); requests in flight finish,
//! since the task stops only when its drain ends. HTTPS listeners are served as plain HTTP and
//! TLS ones as plain TCP (Berth has no certificates).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Mutex, Weak};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use berth_elb::documents::Protocol;
use berth_elb::{Counts, HttpRequest, Probe, ProbeOutcome, Routing, Served};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::{lock, Engine};

/// An ALB's idle timeout (60 s by default): a target that has not answered by then gets 504.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The server's side of the load balancers: the ports it serves, and each listener's turn.
pub(crate) struct Balancer {
    /// Each served port, how, and the task serving it.
    served: BTreeMap<u16, (Carries, tokio::task::AbortHandle)>,
    /// Sockets a CreateListener or ModifyListener bound before it was applied.
    reserved: BTreeMap<u16, std::net::TcpListener>,
    /// Each listener's next request's number.
    turns: BTreeMap<String, u64>,
    /// What the listeners carried since the last [`flush`], by region, load balancer and
    /// target.
    pending: BTreeMap<Account, Counts>,
    /// When the counts were last journalled.
    flushed: std::time::Instant,
    client: Client<HttpConnector, Body>,
}

/// Whose counts a request adds to: the region, the load balancer and the target, if any.
type Account = (String, String, Option<(String, String, u32)>);

/// How often the listeners' counts are journalled: the page's view lags by at most this.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

impl Balancer {
    pub(crate) fn new() -> Balancer {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(10)));
        Balancer {
            served: BTreeMap::new(),
            reserved: BTreeMap::new(),
            turns: BTreeMap::new(),
            pending: BTreeMap::new(),
            flushed: std::time::Instant::now(),
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    /// Adds what one request or connection came to, for the next [`flush`].
    fn count(&mut self, account: Option<Account>, counts: Counts) {
        if let Some(account) = account {
            self.pending.entry(account).or_default().add(counts);
        }
    }

    /// Before a listener call is applied: its port must be one this machine gives Berth.
    /// The socket is bound now and kept for the listener.
    pub(crate) fn reserve(&mut self, body: &[u8]) -> Result<(), berth_elb::ElbError> {
        let port = match berth_api::elb::decode(body).map(|call| call.request) {
            Ok(berth_elb::Request::CreateListener(input)) => input.port,
            Ok(berth_elb::Request::ModifyListener(input)) => input.port,
            _ => None,
        };
        let Some(port) = port.and_then(|p| u16::try_from(p).ok()).filter(|p| *p > 0) else {
            return Ok(()); // Nothing to bind, or ELB refuses the port itself.
        };
        if self.served.contains_key(&port) || self.reserved.contains_key(&port) {
            return Ok(());
        }
        let socket = std::net::TcpListener::bind(("127.0.0.1", port))
            .and_then(|s| s.set_nonblocking(true).map(|()| s))
            .map_err(|error| {
                berth_elb::ElbError::new(
                    "ValidationError",
                    berth_model::messages::elb_port_unavailable(
                        u32::from(port),
                        &error.to_string(),
                    ),
                )
            })?;
        self.reserved.insert(port, socket);
        Ok(())
    }
}

/// How a listener's port is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Carries {
    /// HTTP and HTTPS listeners: requests, each routed by the rules.
    Requests,
    /// TCP, TLS and TCP_UDP listeners: connections, each passed whole to a target.
    Flows,
}

/// How a listener of `protocol` is served on 127.0.0.1, if it is (UDP is not).
fn carries(protocol: &Protocol) -> Option<Carries> {
    match protocol {
        Protocol::Http | Protocol::Https => Some(Carries::Requests),
        Protocol::Tcp | Protocol::Tls | Protocol::TcpUdp => Some(Carries::Flows),
        _ => None,
    }
}

/// The served listeners' ports of every region, and how each is served (the first
/// listener's way when load balancers share a port).
fn wanted(engine: &Engine) -> BTreeMap<u16, Carries> {
    let mut ports = BTreeMap::new();
    for listener in engine
        .world
        .regions()
        .filter_map(|(_, sim)| sim.elb())
        .flat_map(|elb| elb.listener_ports())
    {
        if let (Some(kind), Ok(port)) = (carries(&listener.protocol), u16::try_from(listener.port))
        {
            ports.entry(port).or_insert(kind);
        }
    }
    ports
}

/// After every change: serves the listeners' ports that are not served yet, stops serving
/// those no listener has, and makes the health checks Docker-backed targets are due.
pub(crate) fn sync(engine: &mut Engine, shared: &Weak<Mutex<Engine>>) {
    let wanted = wanted(engine);
    let balancer = &mut engine.balancer;
    balancer.served.retain(|port, (kind, task)| {
        let keep = wanted.get(port) == Some(kind);
        if !keep {
            task.abort();
        }
        keep
    });
    balancer
        .reserved
        .retain(|port, _| wanted.contains_key(port));
    for (port, kind) in wanted {
        if balancer.served.contains_key(&port) {
            continue;
        }
        let socket = match balancer.reserved.remove(&port) {
            Some(socket) => Ok(socket),
            None => std::net::TcpListener::bind(("127.0.0.1", port))
                .and_then(|s| s.set_nonblocking(true).map(|()| s)),
        };
        let socket = match socket.and_then(tokio::net::TcpListener::from_std) {
            Ok(socket) => socket,
            Err(error) => {
                // A listener restored from the journal whose port is taken now: said once
                // per attempt, and tried again after the next change.
                eprintln!("berth: cannot serve the listener on 127.0.0.1:{port}: {error}");
                continue;
            }
        };
        let task = match kind {
            Carries::Requests => {
                let app = axum::Router::new()
                    .fallback(proxy)
                    .with_state((shared.clone(), port));
                tokio::spawn(async move {
                    let service = app.into_make_service_with_connect_info::<SocketAddr>();
                    let _ = axum::serve(socket, service).await;
                })
            }
            Carries::Flows => tokio::spawn(flows(socket, shared.clone(), port)),
        };
        balancer.served.insert(port, (kind, task.abort_handle()));
    }
    let mut probes = Vec::new();
    for (region, sim) in engine.world.regions_mut() {
        for probe in sim.take_external_probes() {
            if let Some(address) = sim.target_address(&probe.target_id, probe.port) {
                probes.push((region.clone(), probe, address));
            }
            // A target with no address here (an awsvpc task on Docker) is not answered: its
            // check times out.
        }
    }
    for (region, probe, address) in probes {
        let client = engine.balancer.client.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let outcome = check(&client, &probe, &address).await;
            let Some(engine) = shared.upgrade() else {
                return;
            };
            let answered = lock(&engine).guarded(|world, journal, wall| {
                world.probe_answered(wall, journal, &region, probe.id, outcome)
            });
            if let Err(error) = answered {
                eprintln!("berth: a health check's answer was not kept: {error:#}");
            }
        });
    }
}

/// Journals what the listeners carried, once a second at most (or at once with `now`), so
/// the counts are the world's: the page's view and a replay see them.
pub(crate) fn flush(engine: &mut Engine, now: bool) {
    let balancer = &mut engine.balancer;
    if balancer.pending.is_empty() || !(now || balancer.flushed.elapsed() >= FLUSH_EVERY) {
        return;
    }
    balancer.flushed = std::time::Instant::now();
    let mut regions: BTreeMap<String, Vec<Served>> = BTreeMap::new();
    for ((region, load_balancer_arn, target), counts) in std::mem::take(&mut balancer.pending) {
        regions.entry(region).or_default().push(Served {
            load_balancer_arn,
            target,
            counts,
        });
    }
    for (region, served) in regions {
        let counted =
            engine.guarded(|world, journal, wall| world.served(wall, journal, &region, served));
        if let Err(error) = counted {
            eprintln!("berth: a listener's counts were not kept: {error:#}");
        }
    }
}

/// A health check of a Docker container's published port: an HTTP GET of the group's path
/// (its status is the answer), or for TCP a connection.
async fn check(client: &Client<HttpConnector, Body>, probe: &Probe, address: &str) -> ProbeOutcome {
    let timeout = Duration::from_millis(probe.timeout_ms.max(1));
    if probe.protocol == "TCP" {
        return match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(address)).await {
            Ok(Ok(_)) => ProbeOutcome::Connected,
            Ok(Err(_)) => ProbeOutcome::Refused,
            Err(_) => ProbeOutcome::TimedOut,
        };
    }
    let path = probe.path.as_deref().unwrap_or("/");
    let Ok(uri) = format!("http://{address}{path}").parse::<Uri>() else {
        return ProbeOutcome::Refused;
    };
    let mut request = axum::http::Request::new(Body::empty());
    *request.uri_mut() = uri;
    request.headers_mut().insert(
        header::USER_AGENT,
        HeaderValue::from_static("ELB-HealthChecker/2.0"),
    );
    match tokio::time::timeout(timeout, client.request(request)).await {
        Ok(Ok(response)) => ProbeOutcome::Answered(response.status().as_u16()),
        Ok(Err(_)) => ProbeOutcome::Refused,
        Err(_) => ProbeOutcome::TimedOut,
    }
}

/// Where a listener sends a request, as the server can act on it.
enum Decision {
    /// To a Docker container at this address.
    Proxy(String),
    /// To a virtual target: which task would have served it, and the target (`id:port of
    /// target group NAME`).
    Virtual(String, String),
    /// The load balancer answers.
    Answer(Routing),
    /// No listener on the port any more.
    Gone,
}

/// Chooses the listener on `port` that carries `kind` (by the Host header when load
/// balancers share the port), takes its next turn and routes the request; whose counts it
/// adds to.
fn decide(
    engine: &mut Engine,
    port: u16,
    kind: Carries,
    request: &HttpRequest,
) -> (Decision, Option<Account>) {
    let mut found = None;
    for (region, sim) in engine.world.regions() {
        let Some(elb) = sim.elb() else { continue };
        for listener in elb.listener_ports() {
            if listener.port != u32::from(port) || carries(&listener.protocol) != Some(kind) {
                continue;
            }
            let named = listener.dns_name.eq_ignore_ascii_case(&request.host);
            if found.is_none() || named {
                found = Some((region, sim, listener));
            }
            if named {
                break;
            }
        }
    }
    let Some((region, sim, listener)) = found else {
        return (Decision::Gone, None);
    };
    let turn = engine
        .balancer
        .turns
        .entry(listener.listener_arn.clone())
        .or_default();
    let this = *turn;
    *turn += 1;
    let Some(elb) = sim.elb() else {
        return (Decision::Gone, None);
    };
    let mut account = (region.clone(), listener.load_balancer_arn.clone(), None);
    let decision = match elb.route(&listener.listener_arn, request, this) {
        None => return (Decision::Gone, None),
        Some(Routing::Forward {
            target_group_arn,
            id,
            port,
        }) => {
            account.2 = Some((target_group_arn.clone(), id.clone(), port));
            match sim.target_address(&id, port) {
                Some(address) => Decision::Proxy(address),
                None => {
                    let task = sim
                        .target_task(&target_group_arn, &id, port)
                        .unwrap_or_else(|| "(no task)".to_owned());
                    let group = target_group_arn.rsplit('/').nth(1).unwrap_or_default();
                    Decision::Virtual(task, format!("{id}:{port} of target group {group}"))
                }
            }
        }
        Some(other) => Decision::Answer(other),
    };
    (decision, Some(account))
}

/// One request to a listener.
async fn proxy(
    State((shared, port)): State<(Weak<Mutex<Engine>>, u16)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let Some(engine) = shared.upgrade() else {
        return elb_page(503);
    };
    let seen = seen(&request, peer);
    let ((decision, account), client) = {
        let mut engine = lock(&engine);
        (
            decide(&mut engine, port, Carries::Requests, &seen),
            engine.balancer.client.clone(),
        )
    };
    let what = format!("{} {}", seen.method, seen.path);
    let (response, counts) = answer(decision, &client, request, &what, peer, port).await;
    lock(&engine).balancer.count(account, counts);
    response
}

/// The answer to a request routed as `decision`, and what it counts as.
async fn answer(
    decision: Decision,
    client: &Client<HttpConnector, Body>,
    request: Request,
    what: &str,
    peer: SocketAddr,
    port: u16,
) -> (Response, Counts) {
    let by_elb = |status: u16| (elb_page(status), Counts::answered(status));
    match decision {
        Decision::Gone => by_elb(503),
        Decision::Virtual(task, target) => (
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                virtual_answer(what, &task, &target),
            )
                .into_response(),
            Counts::forwarded(ProbeOutcome::Answered(200), 1),
        ),
        Decision::Answer(Routing::NoTarget { .. }) => by_elb(503),
        Decision::Answer(Routing::Fixed {
            status,
            content_type,
            body,
        }) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let kind = content_type.unwrap_or_else(|| "text/plain; charset=utf-8".to_owned());
            (
                (
                    code,
                    [(header::CONTENT_TYPE, kind)],
                    body.unwrap_or_default(),
                )
                    .into_response(),
                Counts::answered(code.as_u16()),
            )
        }
        Decision::Answer(Routing::Redirect { status, location }) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND);
            (
                (code, [(header::LOCATION, location)]).into_response(),
                Counts::answered(code.as_u16()),
            )
        }
        Decision::Answer(Routing::Forward { .. }) => by_elb(503),
        Decision::Proxy(address) => {
            let (response, outcome) = forward(client, request, &address, peer, port).await;
            (response, Counts::forwarded(outcome, 1))
        }
    }
}

/// What a virtual target's listener says in its stead.
fn virtual_answer(what: &str, task: &str, target: &str) -> String {
    format!(
        "Berth: {what} would be served by task {task}, target {target}, on the virtual fleet.\n"
    )
}

/// A TCP, TLS or TCP_UDP listener: each connection is passed whole to the target routing
/// picks (round robin per connection over healthy targets, where an NLB hashes the flow),
/// counted as one request. With no target it is closed at once, as an NLB resets it.
async fn flows(socket: tokio::net::TcpListener, shared: Weak<Mutex<Engine>>, port: u16) {
    loop {
        let Ok((stream, peer)) = socket.accept().await else {
            continue;
        };
        tokio::spawn(flow(stream, peer, shared.clone(), port));
    }
}

/// One connection to a TCP listener.
async fn flow(
    mut stream: tokio::net::TcpStream,
    peer: SocketAddr,
    shared: Weak<Mutex<Engine>>,
    port: u16,
) {
    use tokio::io::AsyncWriteExt;
    let Some(engine) = shared.upgrade() else {
        return;
    };
    let request = HttpRequest {
        source_ip: Some(peer.ip()),
        ..HttpRequest::default()
    };
    let (decision, account) = decide(&mut lock(&engine), port, Carries::Flows, &request);
    let (target, counts) = match decision {
        Decision::Proxy(address) => {
            match tokio::time::timeout(IDLE_TIMEOUT, tokio::net::TcpStream::connect(&address)).await
            {
                Ok(Ok(target)) => (Some(target), Counts::forwarded(ProbeOutcome::Connected, 1)),
                Ok(Err(_)) => (None, Counts::forwarded(ProbeOutcome::Refused, 1)),
                Err(_) => (None, Counts::forwarded(ProbeOutcome::TimedOut, 1)),
            }
        }
        Decision::Virtual(task, target) => {
            let text = virtual_answer("this connection", &task, &target);
            let _ = stream.write_all(text.as_bytes()).await;
            (None, Counts::forwarded(ProbeOutcome::Connected, 1))
        }
        Decision::Gone => return,
        Decision::Answer(_) => (None, Counts::answered(503)),
    };
    lock(&engine).balancer.count(account, counts);
    drop(engine);
    if let Some(mut target) = target {
        let _ = tokio::io::copy_bidirectional(&mut stream, &mut target).await;
    }
}

/// The request as the listener's rules see it.
fn seen(request: &Request, peer: SocketAddr) -> HttpRequest {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let host = host
        .rsplit_once(':')
        .map_or(host, |(name, _)| name)
        .to_owned();
    let query = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    HttpRequest {
        host,
        path: request.uri().path().to_owned(),
        method: request.method().as_str().to_owned(),
        query,
        headers: request
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        source_ip: Some(peer.ip()),
    }
}

/// Forwards the request to the container, as an ALB does: the Host kept, `X-Forwarded-*`
/// added, hop-by-hop headers dropped. A refused connection is a 502, no answer within the
/// idle timeout a 504. With the response, how the target answered.
async fn forward(
    client: &Client<HttpConnector, Body>,
    request: Request,
    address: &str,
    peer: SocketAddr,
    port: u16,
) -> (Response, ProbeOutcome) {
    let (mut parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let Ok(uri) = format!("http://{address}{path}").parse::<Uri>() else {
        return (elb_page(502), ProbeOutcome::Refused);
    };
    parts.uri = uri;
    for hop in [
        header::CONNECTION,
        header::TE,
        header::TRAILER,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
    ] {
        parts.headers.remove(hop);
    }
    parts.headers.remove("keep-alive");
    let forwarded_for = match parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
    {
        Some(earlier) => format!("{earlier}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    for (name, value) in [
        ("x-forwarded-for", forwarded_for),
        ("x-forwarded-proto", "http".to_owned()),
        ("x-forwarded-port", port.to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            parts.headers.insert(name, value);
        }
    }
    let request = axum::http::Request::from_parts(parts, body);
    match tokio::time::timeout(IDLE_TIMEOUT, client.request(request)).await {
        Ok(Ok(response)) => {
            let outcome = ProbeOutcome::Answered(response.status().as_u16());
            (response.map(Body::new).into_response(), outcome)
        }
        Ok(Err(_)) => (elb_page(502), ProbeOutcome::Refused),
        Err(_) => (elb_page(504), ProbeOutcome::TimedOut),
    }
}

/// A page the load balancer answers itself.
fn elb_page(status: u16) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
        [
            (header::CONTENT_TYPE, "text/html"),
            (header::SERVER, "awselb/2.0"),
        ],
        berth_model::messages::elb_error_page(status),
    )
        .into_response()
}
