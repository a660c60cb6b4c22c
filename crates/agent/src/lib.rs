//! `berth agent`: ECS's container agent for a Berth control plane, running tasks as Docker
//! containers through bollard.
//!
//! The agent listens on a WebSocket (127.0.0.1:51678 by default, the ECS agent's port) and
//! speaks agent-protocol to whoever connects with its token: `berth serve --agent`, or the
//! playground in a browser (from an allowed Origin). It offers N container instances of one
//! Docker host, each with its share of the host's cpu and memory and its own loopback address
//! (127.0.0.2, 127.0.0.3, ...) that its containers' ports are published on, so that a static
//! host port conflicts per instance, as on ECS.
//!
//! One actor ([`Agent`]) owns the tasks; Docker calls that take time (pulls, starts, stops)
//! run beside it and report back as [`Command`]s, so the agent answers the control plane while
//! a container takes its 30 seconds to stop. Containers carry the ECS agent's labels and
//! Berth's (`berth.instance-id`, ...): the agent touches no other container, and after its own
//! restart it takes its containers over again from those labels. Docker's event stream tells
//! it when a container exits or changes health; a resync every few seconds (and whenever the
//! stream breaks, as when the Docker daemon restarts) catches anything the stream missed.

#![warn(missing_docs, unreachable_pub)]

mod docker;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use berth_agent_protocol::task_rules::Exit;
use berth_agent_protocol::{
    task_rules, AgentEvent, AgentInstruction, AgentMessage, ControllerMessage, Hello,
    InstanceOffer, Status, TaskSpec, TaskStateChange,
};
use bollard::query_parameters::{EventsOptionsBuilder, LogsOptionsBuilder};
use bollard::Docker;
use futures_util::{SinkExt, StreamExt};
use task_rules::{ContainerRun, TaskRun};
use tokio::sync::mpsc;

/// What `berth agent` is started with.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where to listen for a control plane.
    pub listen: SocketAddr,
    /// The token a control plane must present; generated when not given.
    pub token: Option<String>,
    /// How many container instances to offer.
    pub instances: u32,
    /// CPU units per instance; the host's cores × 1,024 shared out when not given.
    pub cpu: Option<u32>,
    /// MiB per instance; the host's memory shared out when not given.
    pub memory: Option<u32>,
    /// Allow privileged containers, host network, PID and IPC modes and host bind mounts.
    pub allow_unsafe: bool,
    /// Browser origins allowed to connect besides the local ones (`http://127.0.0.1:*`,
    /// `http://localhost:*`).
    pub allowed_origins: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 51678)),
            token: None,
            instances: 1,
            cpu: None,
            memory: None,
            allow_unsafe: false,
            allowed_origins: Vec::new(),
        }
    }
}

/// The ids and addresses of the instances an agent on `listen` offers: stable across restarts
/// (derived from the Docker host's id and the port), so that a restarted agent, or its control
/// plane, finds its instances again, and agents on two hosts never offer the same id.
pub fn offers(options: &Options, host_id: &str) -> Vec<InstanceOffer> {
    let count = options.instances.max(1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let cpu = options.cpu.unwrap_or(cores * 1024 / count).max(128);
    let memory = options
        .memory
        .unwrap_or_else(|| host_memory_mib().saturating_sub(512) / count)
        .max(128);
    (0..count)
        .map(|i| InstanceOffer {
            instance_id: format!(
                "i-0b{:07x}{:08x}",
                host_hash(host_id, options.listen.port()),
                i + 1
            ),
            address: format!("127.0.0.{}", i + 2),
            cpu,
            memory,
        })
        .collect()
}

/// 28 bits of FNV-1a over the Docker host's id and the agent's port.
fn host_hash(host_id: &str, port: u16) -> u32 {
    let hash = host_id
        .bytes()
        .chain(port.to_be_bytes())
        .fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
    hash & 0x0fff_ffff
}

/// The host's memory in MiB (`MemTotal`), 2 GiB when it cannot be read.
fn host_memory_mib() -> u32 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or(2048, |kib| u32::try_from(kib / 1024).unwrap_or(u32::MAX))
}

/// A token of 128 random bits from the OS, as hex.
fn generate_token() -> anyhow::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("cannot read /dev/urandom for a token")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Binds `options.listen`, prints the connect URL and runs until Ctrl-C.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    run_on(listener, options).await
}

/// Runs on a bound listener.
pub async fn run_on(listener: tokio::net::TcpListener, mut options: Options) -> anyhow::Result<()> {
    let docker = Docker::connect_with_local_defaults()
        .context("cannot reach the Docker engine")?
        .negotiate_version()
        .await
        .context("the Docker engine does not answer (is dockerd running?)")?;
    let docker_version = docker
        .version()
        .await
        .context("the Docker engine does not answer (is dockerd running?)")?
        .version
        .unwrap_or_default();
    let host_id = docker
        .info()
        .await
        .context("the Docker engine does not answer (is dockerd running?)")?
        .id
        .unwrap_or_default();
    options.listen = listener.local_addr()?;
    let token = match options.token.clone() {
        Some(token) if !token.is_empty() => token,
        _ => generate_token()?,
    };
    let instances = offers(&options, &host_id);
    let (commands, inbox) = mpsc::unbounded_channel();
    let mut agent = Agent {
        docker: docker.clone(),
        allow_unsafe: options.allow_unsafe,
        hello: Hello {
            agent_version: env!("CARGO_PKG_VERSION").into(),
            docker_version,
            instances: instances.clone(),
        },
        tasks: BTreeMap::new(),
        out: None,
        commands: commands.clone(),
    };
    // Take over the containers of an earlier run before any control plane can ask about them.
    let ids: Vec<String> = instances.iter().map(|i| i.instance_id.clone()).collect();
    let found = docker::find(&docker, &ids)
        .await
        .context("cannot list the agent's containers")?;
    if !found.is_empty() {
        println!(
            "berth agent: took over {} container(s) from an earlier run",
            found.len()
        );
    }
    agent.resync(found, None);
    tokio::spawn(agent.run(inbox));
    tokio::spawn(watch_docker(
        docker,
        instances.iter().map(|i| i.instance_id.clone()).collect(),
        commands.clone(),
    ));
    println!(
        "berth agent: connect with ws://{}/?token={token}",
        options.listen
    );
    for offer in &instances {
        println!(
            "berth agent: instance {} publishes on {} ({} cpu units, {} MiB)",
            offer.instance_id, offer.address, offer.cpu, offer.memory
        );
    }
    let app = Router::new().route("/", get(connect)).with_state(Gate {
        token,
        allowed_origins: options.allowed_origins.clone(),
        commands,
        busy: Arc::new(AtomicBool::new(false)),
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// What a connection must get past.
#[derive(Clone)]
struct Gate {
    token: String,
    allowed_origins: Vec<String>,
    commands: mpsc::UnboundedSender<Command>,
    /// Whether a control plane is connected: an agent serves one at a time, as an ECS agent
    /// belongs to one cluster.
    busy: Arc<AtomicBool>,
}

/// Whether a browser origin may connect: the local ones, and those given.
fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    if allowed.iter().any(|a| a == origin) {
        return true;
    }
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => rest.split(':').next().unwrap_or_default(),
    };
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Equal without telling by its timing how much of a guess was right.
fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn connect(
    State(gate): State<Gate>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let given = query.get("token").map(String::as_str).or(bearer);
    if !given.is_some_and(|t| same_token(t, &gate.token)) {
        return (
            StatusCode::UNAUTHORIZED,
            "berth agent: a token is required (?token=...)\n",
        )
            .into_response();
    }
    if let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) {
        if !origin_allowed(origin, &gate.allowed_origins) {
            return (
                StatusCode::FORBIDDEN,
                format!(
                    "berth agent: connections from {origin} are not allowed (--allow-origin)\n"
                ),
            )
                .into_response();
        }
    }
    if gate.busy.swap(true, Ordering::SeqCst) {
        return (
            StatusCode::CONFLICT,
            "berth agent: another control plane is connected\n",
        )
            .into_response();
    }
    let busy = Arc::clone(&gate.busy);
    upgrade
        .on_failed_upgrade({
            let busy = Arc::clone(&busy);
            move |_| busy.store(false, Ordering::SeqCst)
        })
        .on_upgrade(move |socket| async move {
            session(socket, gate.commands).await;
            busy.store(false, Ordering::SeqCst);
        })
}

/// One control plane's connection: its messages in, the agent's out.
async fn session(socket: WebSocket, commands: mpsc::UnboundedSender<Command>) {
    static CONNECTIONS: AtomicU64 = AtomicU64::new(0);
    let id = CONNECTIONS.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut stream) = socket.split();
    let (out, mut outgoing) = mpsc::unbounded_channel::<String>();
    let _ = commands.send(Command::Connected { id, out });
    let writer = tokio::spawn(async move {
        while let Some(text) = outgoing.recv().await {
            if sink.send(Message::Text(text.into())).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    // The server pings every 10 s: a connection silent for 45 s is gone (a control plane that
    // vanished without closing it must not keep the agent busy).
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(Duration::from_secs(45), stream.next()).await
    {
        match message {
            Message::Text(text) => match berth_agent_protocol::decode::<ControllerMessage>(&text) {
                Ok(message) => {
                    let _ = commands.send(Command::Controller(message));
                }
                Err(error) => eprintln!("berth agent: ignored a message: {error}"),
            },
            Message::Close(_) => break,
            _ => {}
        }
    }
    let _ = commands.send(Command::Disconnected { id });
    writer.abort();
}

/// Follows Docker's events for the agent's containers, and resyncs on start, every few
/// seconds, and whenever the stream breaks (the daemon restarted).
async fn watch_docker(
    docker: Docker,
    instance_ids: Vec<String>,
    commands: mpsc::UnboundedSender<Command>,
) {
    let filters = std::collections::HashMap::from([
        ("type".to_owned(), vec!["container".to_owned()]),
        ("label".to_owned(), vec![docker::INSTANCE_LABEL.to_owned()]),
        (
            "event".to_owned(),
            vec!["die".into(), "oom".into(), "health_status".into()],
        ),
    ]);
    loop {
        let options = EventsOptionsBuilder::new().filters(&filters).build();
        let mut events = docker.events(Some(options));
        let mut resync = tokio::time::interval(Duration::from_secs(5));
        loop {
            tokio::select! {
                _ = resync.tick() => {
                    let started = Instant::now();
                    if let Ok(found) = docker::find(&docker, &instance_ids).await {
                        let _ = commands.send(Command::Resync { found, started });
                    }
                }
                event = events.next() => {
                    let Some(Ok(event)) = event else { break };
                    let attributes = event.actor.and_then(|a| a.attributes).unwrap_or_default();
                    let (Some(task_arn), Some(container)) = (
                        attributes.get(docker::TASK_LABEL).cloned(),
                        attributes.get(docker::CONTAINER_LABEL).cloned(),
                    ) else {
                        continue;
                    };
                    let action = event.action.unwrap_or_default();
                    let command = if action == "die" {
                        Command::Died {
                            task_arn,
                            container,
                            exit_code: attributes.get("exitCode").and_then(|c| c.parse().ok()),
                        }
                    } else if action == "oom" {
                        Command::OutOfMemory { task_arn, container }
                    } else if let Some(status) = action.strip_prefix("health_status: ") {
                        let Some(health) = docker::health_word(status) else { continue };
                        Command::Health { task_arn, container, health }
                    } else {
                        continue;
                    };
                    let _ = commands.send(command);
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// What the agent's actor acts on.
enum Command {
    Connected {
        id: u64,
        out: mpsc::UnboundedSender<String>,
    },
    Disconnected {
        id: u64,
    },
    Controller(ControllerMessage),
    Launched {
        task_arn: String,
        outcome: Result<Vec<docker::Started>, docker::LaunchError>,
    },
    Died {
        task_arn: String,
        container: String,
        exit_code: Option<i32>,
    },
    /// Docker refused to start again a container its restart policy restarted.
    RestartFailed {
        task_arn: String,
        container: String,
        exit_code: Option<i32>,
        reason: String,
    },
    OutOfMemory {
        task_arn: String,
        container: String,
    },
    Health {
        task_arn: String,
        container: String,
        health: String,
    },
    /// What Docker listed, and when the listing began (containers started after it may be
    /// missing from it).
    Resync {
        found: Vec<docker::Found>,
        started: Instant,
    },
    Logs {
        task_arn: String,
        container: String,
        lines: Vec<String>,
    },
}

/// A task the agent runs: its containers' states (and what the agent reports of them, by
/// [`task_rules`]), and what only a Docker agent needs.
#[derive(Clone, Debug)]
struct Task {
    instance_id: String,
    run: TaskRun,
    /// When the agent learnt each container's id: a resync listing begun before then may miss
    /// it.
    known_since: BTreeMap<String, Instant>,
    /// Set when a StopTask comes while the task is starting: the launch gives up.
    cancel: Arc<AtomicBool>,
}

/// Why the agent refuses a task when not started with `--allow-unsafe`.
fn unsafe_reason(spec: &TaskSpec) -> Option<(String, String)> {
    let first = spec
        .containers
        .first()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let refuse = |what: &str| {
        format!(
            "CannotStartContainerError: berth agent refuses {what} (start it with --allow-unsafe to allow it)"
        )
    };
    if let Some(c) = spec.containers.iter().find(|c| c.privileged) {
        return Some((c.name.clone(), refuse("privileged containers")));
    }
    if spec.network_mode == "host" {
        return Some((first, refuse("the host network mode")));
    }
    if spec.pid_mode.as_deref() == Some("host") {
        return Some((first, refuse("the host PID mode")));
    }
    if spec.ipc_mode.as_deref() == Some("host") {
        return Some((first, refuse("the host IPC mode")));
    }
    spec.containers
        .iter()
        .find(|c| c.mounts.iter().any(|m| m.host_path.is_some()))
        .map(|c| (c.name.clone(), refuse("bind mounts of host paths")))
}

/// The actor: every task of every instance, and the connection to the control plane.
struct Agent {
    docker: Docker,
    allow_unsafe: bool,
    hello: Hello,
    tasks: BTreeMap<String, Task>,
    out: Option<(u64, mpsc::UnboundedSender<String>)>,
    commands: mpsc::UnboundedSender<Command>,
}

impl Agent {
    async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<Command>) {
        while let Some(command) = inbox.recv().await {
            self.handle(command);
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Connected { id, out } => {
                self.out = Some((id, out));
                self.send(&AgentMessage::Hello(self.hello.clone()));
            }
            Command::Disconnected { id } => {
                if self.out.as_ref().is_some_and(|(current, _)| *current == id) {
                    self.out = None;
                }
            }
            Command::Controller(ControllerMessage::Instruct {
                instance_id,
                instruction,
            }) => self.instruct(&instance_id, instruction),
            Command::Launched { task_arn, outcome } => self.launched(&task_arn, outcome),
            Command::Died {
                task_arn,
                container,
                exit_code,
            } => self.died(&task_arn, &container, exit_code),
            Command::RestartFailed {
                task_arn,
                container,
                exit_code,
                reason,
            } => {
                if let Some(c) = self
                    .tasks
                    .get_mut(&task_arn)
                    .and_then(|t| t.run.container_mut(&container))
                {
                    c.reason = Some(reason);
                }
                self.died(&task_arn, &container, exit_code);
            }
            Command::OutOfMemory {
                task_arn,
                container,
            } => {
                if let Some(task) = self.tasks.get_mut(&task_arn) {
                    task.run.out_of_memory(&container);
                }
            }
            Command::Health {
                task_arn,
                container,
                health,
            } => {
                let changed = self
                    .tasks
                    .get_mut(&task_arn)
                    .is_some_and(|task| task.run.health(&container, &health));
                if changed {
                    self.report(&task_arn);
                }
            }
            Command::Resync { found, started } => self.resync(found, Some(started)),
            Command::Logs {
                task_arn,
                container,
                lines,
            } => {
                self.send(&AgentMessage::Log {
                    task_arn,
                    container,
                    lines,
                });
            }
        }
    }

    /// Sends a message to the control plane; false when none is connected.
    fn send(&mut self, message: &AgentMessage) -> bool {
        let Some((_, out)) = &self.out else {
            return false;
        };
        out.send(berth_agent_protocol::encode(message)).is_ok()
    }

    fn address(&self, instance_id: &str) -> Option<String> {
        self.hello
            .instances
            .iter()
            .find(|i| i.instance_id == instance_id)
            .map(|i| i.address.clone())
    }

    /// Reports a task's state. A stopped task whose report went out is forgotten and its
    /// containers removed; one that could not be reported waits for the next reconcile.
    fn report(&mut self, task_arn: &str) {
        let Some(task) = self.tasks.get(task_arn) else {
            return;
        };
        let change = task.run.report();
        let stopped = change.status == Status::Stopped;
        let message = AgentMessage::Event {
            instance_id: task.instance_id.clone(),
            event: AgentEvent::TaskStateChange(change),
        };
        if self.send(&message) && stopped {
            let task = self.tasks.remove(task_arn).expect("found above");
            let docker = self.docker.clone();
            let task_arn = task_arn.to_owned();
            tokio::spawn(async move {
                let ids: Vec<String> = task
                    .run
                    .containers
                    .iter()
                    .filter_map(|c| c.runtime_id.clone())
                    .collect();
                docker::remove_task(&docker, &task_arn, &ids).await;
            });
        }
    }

    /// A task the agent does not have, reported STOPPED.
    fn report_missing(&mut self, instance_id: &str, task_arn: &str) {
        self.send(&AgentMessage::Event {
            instance_id: instance_id.to_owned(),
            event: AgentEvent::TaskStateChange(TaskStateChange {
                task_arn: task_arn.to_owned(),
                status: Status::Stopped,
                pull_started_at: None,
                pull_stopped_at: None,
                containers: Vec::new(),
            }),
        });
    }

    fn instruct(&mut self, instance_id: &str, instruction: AgentInstruction) {
        match instruction {
            AgentInstruction::StartTask(spec) => self.start(instance_id, spec),
            AgentInstruction::StopTask {
                task_arn,
                timeout_seconds,
            } => {
                // Each container gets its own stopTimeout, as the ECS agent gives it; the
                // instruction's (the task's longest) is only what the control plane waits.
                let _ = timeout_seconds;
                if self.tasks.contains_key(&task_arn) {
                    self.stop(&task_arn);
                } else {
                    self.report_missing(instance_id, &task_arn);
                }
            }
            AgentInstruction::Reconcile { task_arns } => {
                let mine: Vec<String> = self
                    .tasks
                    .iter()
                    .filter(|(_, t)| t.instance_id == instance_id)
                    .map(|(arn, _)| arn.clone())
                    .collect();
                for arn in &mine {
                    if task_arns.contains(arn) {
                        self.report(arn);
                    } else {
                        // An orphan: the control plane does not want it any more.
                        self.stop(arn);
                        self.report(arn);
                    }
                }
                for arn in task_arns.iter().filter(|arn| !mine.contains(arn)) {
                    self.report_missing(instance_id, arn);
                }
            }
        }
    }

    fn start(&mut self, instance_id: &str, spec: TaskSpec) {
        if self.tasks.contains_key(&spec.task_arn) {
            // Already ours (a repeated instruction): say where it stands.
            self.report(&spec.task_arn);
            return;
        }
        let Some(address) = self.address(instance_id) else {
            eprintln!(
                "berth agent: no instance {instance_id}; task {} ignored",
                spec.task_arn
            );
            return;
        };
        let mut task = Task {
            instance_id: instance_id.to_owned(),
            run: TaskRun::new(&spec, now_ms()),
            known_since: BTreeMap::new(),
            cancel: Arc::new(AtomicBool::new(false)),
        };
        if !self.allow_unsafe {
            if let Some((container, reason)) = unsafe_reason(&spec) {
                task.run.failed_to_start(Some(&container), &reason, None);
                task.run.pull_started_at = None;
                self.tasks.insert(spec.task_arn.clone(), task);
                self.report(&spec.task_arn);
                return;
            }
        }
        let cancel = Arc::clone(&task.cancel);
        self.tasks.insert(spec.task_arn.clone(), task);
        let docker = self.docker.clone();
        let commands = self.commands.clone();
        let instance_id = instance_id.to_owned();
        tokio::spawn(async move {
            let outcome = docker::launch(&docker, &spec, &instance_id, &address, &cancel).await;
            let _ = commands.send(Command::Launched {
                task_arn: spec.task_arn,
                outcome,
            });
        });
    }

    fn launched(
        &mut self,
        task_arn: &str,
        outcome: Result<Vec<docker::Started>, docker::LaunchError>,
    ) {
        let Some(task) = self.tasks.get_mut(task_arn) else {
            return;
        };
        match outcome {
            Ok(started) => {
                let following = started.clone();
                for s in started {
                    task.known_since.insert(s.name.clone(), Instant::now());
                    task.run.pulled(&s.name, s.digest);
                    task.run.started(&s.name, s.id, s.bindings, now_ms());
                }
                if let Some(running) = task.run.launched(now_ms()) {
                    let instance_id = task.instance_id.clone();
                    self.send(&AgentMessage::Event {
                        instance_id,
                        event: AgentEvent::TaskStateChange(running),
                    });
                }
                // Output follows the report that names the containers' ids (a stream
                // without a prefix is named after one), from each container's first line.
                for container in &following {
                    follow_logs(&self.docker, task_arn, container, &self.commands, "all");
                }
                // Stopped while it was starting, or an essential container already exited.
                if self.tasks[task_arn].run.must_stop() {
                    self.stop(task_arn);
                }
            }
            Err(error) => {
                task.run
                    .failed_to_start(Some(&error.container), &error.reason, Some(now_ms()));
            }
        }
        self.report(task_arn);
    }

    /// Stops a task's running containers: SIGTERM, then SIGKILL after each container's
    /// stopTimeout.
    fn stop(&mut self, task_arn: &str) {
        let Some(task) = self.tasks.get_mut(task_arn) else {
            return;
        };
        if task.run.launching {
            // The launch gives up at its next step; `launched` stops what it started.
            task.run.stop();
            task.cancel.store(true, Ordering::SeqCst);
            return;
        }
        let signalled = task.run.stop();
        for name in &signalled {
            let Some(c) = task.run.containers.iter().find(|c| &c.name == name) else {
                continue;
            };
            let (docker, id, seconds) = (
                self.docker.clone(),
                c.runtime_id.clone().unwrap_or_default(),
                c.stop_timeout,
            );
            tokio::spawn(async move { docker::stop(&docker, &id, seconds).await });
        }
        if signalled.is_empty() {
            self.report(task_arn);
        }
    }

    fn died(&mut self, task_arn: &str, container: &str, exit_code: Option<i32>) {
        let Some(task) = self.tasks.get_mut(task_arn) else {
            return;
        };
        match task.run.exited(container, exit_code, now_ms()) {
            Exit::AlreadyStopped => return,
            Exit::Restarted { count } => {
                eprintln!(
                    "berth agent: container {container} of {task_arn} exited {}: restarting it in place (restart {count})",
                    exit_code.map_or("?".to_owned(), |c| c.to_string())
                );
                self.restart(task_arn, container, exit_code);
                self.report(task_arn);
                return;
            }
            Exit::Stopped { not_restarted } => {
                if let Some(why) = not_restarted {
                    eprintln!(
                        "berth agent: container {container} of {task_arn} not restarted: {why}"
                    );
                }
            }
        }
        if task.run.launching {
            // Still launching: `launched` reports the task RUNNING, then stops it.
            return;
        }
        if !task.run.stopping && task.run.must_stop() {
            // An essential container exited: the task stops (ECS: "Essential container in task
            // exited").
            self.stop(task_arn);
        }
        self.report(task_arn);
    }

    /// Starts a container its restart policy restarts, and follows its output again. If
    /// Docker refuses, the container has stopped, with Docker's reason.
    fn restart(&mut self, task_arn: &str, container: &str, exit_code: Option<i32>) {
        let Some(task) = self.tasks.get_mut(task_arn) else {
            return;
        };
        // A listing begun before now may show it stopped: that is not a second exit.
        task.known_since
            .insert(container.to_owned(), Instant::now());
        let Some(c) = task.run.containers.iter().find(|c| c.name == container) else {
            return;
        };
        let started = docker::Started {
            name: container.to_owned(),
            id: c.runtime_id.clone().unwrap_or_default(),
            bindings: Vec::new(),
            digest: None,
        };
        let (docker, commands, task_arn) = (
            self.docker.clone(),
            self.commands.clone(),
            task_arn.to_owned(),
        );
        tokio::spawn(async move {
            match docker::restart(&docker, &started.id).await {
                Ok(()) => follow_logs(&docker, &task_arn, &started, &commands, "0"),
                Err(reason) => {
                    let _ = commands.send(Command::RestartFailed {
                        task_arn,
                        container: started.name,
                        exit_code,
                        reason,
                    });
                }
            }
        });
    }

    /// Brings the agent's view in line with Docker's: containers that stopped unnoticed, and,
    /// after a restart, the tasks whose containers carry this agent's labels.
    /// `listed_at` is when a periodic listing began; `None` is the agent's start, the only
    /// time it takes over containers it does not know (any other unknown container is one it
    /// is removing, or not its own).
    fn resync(&mut self, found: Vec<docker::Found>, listed_at: Option<Instant>) {
        let mut seen: BTreeMap<String, Vec<docker::Found>> = BTreeMap::new();
        for f in found {
            if let Some(arn) = f.labels.get(docker::TASK_LABEL) {
                seen.entry(arn.clone()).or_default().push(f);
            }
        }
        for (task_arn, mut containers) in seen.clone() {
            if !self.tasks.contains_key(&task_arn) {
                if listed_at.is_some() {
                    // A task the agent has reported STOPPED and forgotten: its containers
                    // should be gone already (a removal that failed, say while the Docker
                    // daemon restarted, is retried here).
                    let docker = self.docker.clone();
                    let ids: Vec<String> = containers.iter().map(|f| f.id.clone()).collect();
                    let task_arn = task_arn.clone();
                    tokio::spawn(async move {
                        docker::remove_task(&docker, &task_arn, &ids).await;
                    });
                    continue;
                }
                containers.sort_by_key(|f| {
                    f.labels
                        .get(docker::ORDER_LABEL)
                        .and_then(|i| i.parse::<usize>().ok())
                });
                let Some(instance_id) = containers[0].labels.get(docker::INSTANCE_LABEL).cloned()
                else {
                    continue;
                };
                let adopted = containers
                    .iter()
                    .map(|f| {
                        let label = |name: &str| f.labels.get(name).map(String::as_str);
                        let mut c = ContainerRun::new(
                            label(docker::CONTAINER_LABEL).unwrap_or_default(),
                            label(docker::ESSENTIAL_LABEL) != Some("false"),
                            label(docker::STOP_TIMEOUT_LABEL)
                                .and_then(|t| t.parse().ok())
                                .unwrap_or(30),
                            false,
                        );
                        c.runtime_id = Some(f.id.clone());
                        c.bindings = f.bindings.clone();
                        c.restart = label(docker::RESTART_POLICY_LABEL)
                            .and_then(|json| serde_json::from_str(json).ok());
                        // Taken over: its restart period counts from now.
                        c.started_at = Some(now_ms());
                        c
                    })
                    .collect();
                let run = TaskRun::adopted(&task_arn, adopted);
                let task = Task {
                    instance_id,
                    known_since: run
                        .containers
                        .iter()
                        .map(|c| (c.name.clone(), Instant::now()))
                        .collect(),
                    run,
                    cancel: Arc::new(AtomicBool::new(false)),
                };
                // Fewer containers than the task has: the agent died while starting it. It
                // cannot run as defined, so it stops (and is reported STOPPED).
                let expected = containers[0]
                    .labels
                    .get(docker::COUNT_LABEL)
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(containers.len());
                let incomplete = containers.len() < expected;
                self.tasks.insert(task_arn.clone(), task);
                if incomplete {
                    self.stop(&task_arn);
                }
                for c in containers.iter().filter(|f| f.running) {
                    let Some(name) = c.labels.get(docker::CONTAINER_LABEL).cloned() else {
                        continue;
                    };
                    follow_logs(
                        &self.docker,
                        &task_arn,
                        &docker::Started {
                            name,
                            id: c.id.clone(),
                            bindings: Vec::new(),
                            digest: None,
                        },
                        &self.commands,
                        // Adopted after a restart: only what it writes from now on, so its
                        // log stream holds no line twice.
                        "0",
                    );
                }
            }
            for f in containers {
                let Some(name) = f.labels.get(docker::CONTAINER_LABEL).cloned() else {
                    continue;
                };
                if let Some(c) = self
                    .tasks
                    .get_mut(&task_arn)
                    .and_then(|t| t.run.container_mut(&name))
                {
                    if f.running && f.health.is_some() {
                        c.health = f.health.clone();
                    }
                    c.oom |= f.oom_killed;
                }
                // Stopped in a listing begun after the agent last (re)started it.
                let current = self
                    .tasks
                    .get(&task_arn)
                    .and_then(|t| t.known_since.get(&name))
                    .is_none_or(|since| listed_at.is_none_or(|at| *since < at));
                if !f.running && current {
                    self.died(&task_arn, &name, f.exit_code);
                }
            }
        }
        // Containers of a started task that are gone altogether (removed behind our back).
        let vanished: Vec<(String, String)> = self
            .tasks
            .iter()
            .filter(|(_, t)| !t.run.launching)
            .flat_map(|(arn, t)| {
                let seen = seen.get(arn);
                t.run
                    .containers
                    .iter()
                    .filter(|c| !c.stopped)
                    // Known before the listing began, and not in it.
                    .filter(move |c| {
                        listed_at
                            .is_some_and(|at| t.known_since.get(&c.name).is_some_and(|k| *k < at))
                    })
                    .filter(move |c| {
                        c.runtime_id
                            .as_ref()
                            .is_some_and(|id| !seen.is_some_and(|s| s.iter().any(|f| &f.id == id)))
                    })
                    .map(move |c| (arn.clone(), c.name.clone()))
            })
            .collect();
        for (task_arn, name) in vanished {
            if let Some(c) = self
                .tasks
                .get_mut(&task_arn)
                .and_then(|t| t.run.container_mut(&name))
            {
                c.reason = Some("DockerTimeoutError: the container is gone".into());
            }
            self.died(&task_arn, &name, None);
        }
    }
}

/// The most log lines a second a container forwards.
const LOG_LINES_PER_SECOND: usize = 200;

/// Streams a container's output to the control plane (for the UI), a batch of lines at a time.
fn follow_logs(
    docker: &Docker,
    task_arn: &str,
    container: &docker::Started,
    commands: &mpsc::UnboundedSender<Command>,
    tail: &'static str,
) {
    let docker = docker.clone();
    let commands = commands.clone();
    let task_arn = task_arn.to_owned();
    let name = container.name.clone();
    let id = container.id.clone();
    tokio::spawn(async move {
        let options = LogsOptionsBuilder::new()
            .follow(true)
            .stdout(true)
            .stderr(true)
            .tail(tail)
            .build();
        let mut logs = docker.logs(&id, Some(options));
        // At most LOG_LINES_PER_SECOND lines a second go to the control plane; a container
        // that writes more has the rest counted, not queued.
        let mut window = Instant::now();
        let (mut sent, mut dropped) = (0usize, 0usize);
        while let Some(Ok(output)) = logs.next().await {
            let text = String::from_utf8_lossy(&output.into_bytes()).into_owned();
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            if window.elapsed() >= Duration::from_secs(1) {
                if dropped > 0 {
                    lines.insert(0, format!("[berth agent: {dropped} lines not forwarded]"));
                }
                window = Instant::now();
                sent = 0;
                dropped = 0;
            }
            let room = LOG_LINES_PER_SECOND.saturating_sub(sent);
            if lines.len() > room {
                dropped += lines.len() - room;
                lines.truncate(room);
            }
            sent += lines.len();
            if lines.is_empty() {
                continue;
            }
            let sent = commands.send(Command::Logs {
                task_arn: task_arn.clone(),
                container: name.clone(),
                lines,
            });
            if sent.is_err() {
                break;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let allowed = vec!["https://docs.example".to_owned()];
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:8081",
            "http://[::1]:3000",
            "https://docs.example",
        ] {
            assert!(origin_allowed(ok, &allowed), "{ok}");
        }
        for refused in [
            "http://evil.example",
            "http://127.0.0.1.evil.example",
            "https://docs.example.evil",
            "null",
            "file://",
        ] {
            assert!(!origin_allowed(refused, &allowed), "{refused}");
        }
    }

    #[test]
    fn tokens() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abd", "abc"));
        assert!(!same_token("ab", "abc"));
    }

    #[test]
    fn instance_ids_are_stable_and_ec2_shaped() {
        let options = Options {
            instances: 2,
            ..Options::default()
        };
        let offers = offers(&options, "HOST:ID");
        assert_eq!(offers, super::offers(&options, "HOST:ID"));
        assert_ne!(
            offers[0].instance_id,
            super::offers(&options, "OTHER")[0].instance_id
        );
        assert!(offers[0].instance_id.starts_with("i-0b"));
        assert!(offers[0].instance_id.ends_with("00000001"));
        assert_eq!(offers[1].address, "127.0.0.3");
        assert!(offers.iter().all(|o| o.instance_id.len() == 19));
    }

    #[test]
    fn links_start_first() {
        let spec: TaskSpec = serde_json::from_value(serde_json::json!({
            "taskArn": "arn:aws:ecs:us-east-1:1:task/c/abc", "cluster": "c", "family": "wp",
            "revision": 1, "networkMode": "bridge",
            "containers": [
                {"name": "wordpress", "image": "w", "essential": true, "cpu": 0, "links": ["mysql"]},
                {"name": "mysql", "image": "m", "essential": true, "cpu": 0},
            ],
        }))
        .unwrap();
        assert_eq!(docker::start_order(&spec), vec![1, 0]);
        assert_eq!(docker::docker_name(&spec, "mysql"), "ecs-wp-1-mysql-abc");
    }
}
