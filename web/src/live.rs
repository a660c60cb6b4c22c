//! The live view's state: what `berth serve` reports of a cluster (ECS's Describe documents,
//! unchanged), the container logs and events its stream brought, and the views the page
//! renders from them: instances grouped by zone with their reservations, task blocks and host
//! ports; services with their deployments and events; the selected task. Pure (tested
//! natively); the fetching lives in [`crate::api`].

use std::collections::BTreeMap;
use std::rc::Rc;

use berth_model::views::{ClockDocument, Explanation};
use serde_json::Value;
use yew::Reducible;

/// One look at a cluster, as ECS's Describe operations return it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Every cluster's name.
    pub clusters: Vec<String>,
    /// The cluster shown.
    pub cluster: String,
    /// DescribeContainerInstances documents.
    pub instances: Vec<Value>,
    /// DescribeTasks documents (not stopped, and stopped within the hour).
    pub tasks: Vec<Value>,
    /// DescribeServices documents.
    pub services: Vec<Value>,
    /// A cluster too large to describe instance by instance: its tiles, from
    /// `/berth/summary` (then `instances` and `tasks` stay empty).
    pub tiles: Option<std::rc::Rc<Vec<crate::canvas::Tile>>>,
    /// The region's load balancers (`/berth/load-balancers`' `loadBalancers`).
    pub load_balancers: Vec<Value>,
    /// DescribeServiceDeployments documents of the services' current deployments.
    pub service_deployments: Vec<Value>,
    /// AWS_LAMBDA hook invocations waiting for an answer (`/berth/hooks`), fetched only
    /// while a deployment has a Lambda hook in progress.
    pub hook_invocations: Vec<Value>,
    /// Restarts in place by a restart policy: `(task ARN, container, count)` (the summary's).
    pub restarts: Vec<(String, String, u32)>,
}

/// Whether the page talks to a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// Not known yet.
    Unknown,
    /// `berth serve` answers.
    Connected,
    /// No server (the page was served some other way), or it went away.
    Unavailable(String),
}

/// What the live view holds.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveState {
    /// Whether a server answers.
    pub link: Link,
    /// The latest look at the cluster.
    pub snapshot: Snapshot,
    /// The task whose document is open.
    pub selected: Option<String>,
    /// Log lines per task ARN: (container, line), the latest last, at most [`LOG_LINES`].
    pub logs: BTreeMap<String, Vec<(String, String)>>,
    /// The latest events, newest first: (time, detail-type, what).
    pub events: Vec<(String, String, String)>,
    /// What the last action came to: Ok(what happened) or Err(ECS's error).
    pub outcome: Option<Result<String, String>>,
    /// The cluster's reservation over time, oldest first, at most [`HISTORY`] points.
    pub history: Vec<Reservation>,
    /// The last placement explanation asked for (`POST /berth/explain`).
    pub explanation: Option<Explanation>,
    /// The cluster as `aws ecs` commands, when asked for.
    pub export: Option<String>,
    /// The server's clock.
    pub clock: Option<ClockDocument>,
}

/// The cluster's reserved and registered CPU and memory at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Reservation {
    /// Wall-clock milliseconds (the caller's clock).
    pub at: u64,
    pub cpu: (i64, i64),
    pub memory: (i64, i64),
}

/// Points of reservation history kept (10 minutes at one look every 2 s).
pub const HISTORY: usize = 300;

/// Log lines kept per task.
pub const LOG_LINES: usize = 200;
/// Events kept for the timeline.
pub const EVENTS: usize = 60;

impl Default for LiveState {
    fn default() -> Self {
        LiveState {
            link: Link::Unknown,
            snapshot: Snapshot {
                cluster: "default".into(),
                ..Snapshot::default()
            },
            selected: None,
            logs: BTreeMap::new(),
            events: Vec::new(),
            outcome: None,
            history: Vec::new(),
            explanation: None,
            export: None,
            clock: None,
        }
    }
}

/// What the page can do to the live view.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A fresh look at the cluster, taken at `at` (wall-clock milliseconds).
    Loaded { snapshot: Snapshot, at: u64 },
    /// The server could not be reached.
    Unavailable(String),
    /// A message from the event stream.
    Streamed(Value),
    /// Open (or close) a task's document.
    Select(Option<String>),
    /// Show another cluster (the next load fetches it).
    Cluster(String),
    /// An action's outcome.
    Outcome(Result<String, String>),
    /// A placement explanation (or `None` to close it).
    Explained(Option<Explanation>),
    /// The cluster as `aws ecs` commands (or `None` to close them).
    Exported(Option<String>),
    /// The server's clock.
    Clock(ClockDocument),
}

impl Reducible for LiveState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Loaded { snapshot, at } => {
                next.link = Link::Connected;
                // A look at another cluster than the one now chosen arrived late: drop it.
                if snapshot.cluster == next.snapshot.cluster {
                    next.snapshot = snapshot;
                    let point = next.reservation(at);
                    next.history.push(point);
                    let excess = next.history.len().saturating_sub(HISTORY);
                    next.history.drain(..excess);
                } else {
                    next.snapshot.clusters = snapshot.clusters;
                }
            }
            Action::Unavailable(why) => next.link = Link::Unavailable(why),
            Action::Streamed(message) => next.streamed(&message),
            Action::Select(task) => next.selected = task,
            Action::Cluster(name) => {
                next.events.clear();
                next.snapshot = Snapshot {
                    clusters: next.snapshot.clusters.clone(),
                    cluster: name,
                    ..Snapshot::default()
                };
                next.selected = None;
                next.history.clear();
            }
            Action::Outcome(outcome) => next.outcome = Some(outcome),
            Action::Explained(explanation) => next.explanation = explanation,
            Action::Exported(export) => next.export = export,
            Action::Clock(clock) => next.clock = Some(clock),
        }
        Rc::new(next)
    }
}

/// The cluster an event is about: from its document's `clusterArn`, its detail's `cluster`,
/// or a service ARN (`...:service/<cluster>/<name>`); `None` for events of no cluster.
fn event_cluster(message: &Value) -> Option<&str> {
    let detail = &message["detail"];
    if let Some(arn) = detail["clusterArn"].as_str() {
        return Some(short(arn));
    }
    if let Some(name) = detail["cluster"].as_str() {
        return Some(name);
    }
    let resource = message["resources"][0].as_str()?;
    let (_, rest) = resource.split_once(":service/")?;
    rest.split('/').next()
}

/// The last part of an ARN (`.../default/abc` → `abc`).
pub fn short(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

impl LiveState {
    fn streamed(&mut self, message: &Value) {
        let kind = message["detail-type"].as_str().unwrap_or_default();
        let detail = &message["detail"];
        if kind == "Berth Container Log" {
            let task = detail["taskArn"].as_str().unwrap_or_default().to_owned();
            let container = detail["containerName"].as_str().unwrap_or_default();
            let lines = self.logs.entry(task).or_default();
            for line in detail["lines"].as_array().into_iter().flatten() {
                lines.push((
                    container.to_owned(),
                    line.as_str().unwrap_or_default().into(),
                ));
            }
            let excess = lines.len().saturating_sub(LOG_LINES);
            lines.drain(..excess);
            return;
        }
        if kind == "Berth Rewind" {
            // What happened after that time did not happen: forget what the stream said.
            self.events.clear();
            self.history.clear();
            self.logs.clear();
            self.selected = None;
        }
        // The timeline is the shown cluster's (a rewind is everyone's).
        if event_cluster(message).is_some_and(|c| c != self.snapshot.cluster) {
            return;
        }
        let time = message["time"].as_str().unwrap_or_default();
        let time = time.get(11..19).unwrap_or(time).to_owned();
        let what = match kind {
            "Berth Rewind" => {
                "the fleet went back to this time (what came after is forgotten)".into()
            }
            "ECS Task State Change" => format!(
                "task {} {} ({})",
                short(detail["taskArn"].as_str().unwrap_or_default()),
                detail["lastStatus"].as_str().unwrap_or_default(),
                short(detail["taskDefinitionArn"].as_str().unwrap_or_default()),
            ),
            "ECS Container Instance State Change" => format!(
                "instance {} {}{}",
                short(detail["containerInstanceArn"].as_str().unwrap_or_default()),
                detail["status"].as_str().unwrap_or_default(),
                if detail["agentConnected"] == Value::Bool(false) {
                    ", agent disconnected"
                } else {
                    ""
                },
            ),
            "ECS Service Action" | "ECS Deployment State Change" => format!(
                "{} {}",
                short(message["resources"][0].as_str().unwrap_or_default()),
                detail["eventName"].as_str().unwrap_or_default()
            ),
            "Berth Target Health" => {
                let group = detail["targetGroupArn"].as_str().unwrap_or_default();
                let reason = detail["reason"].as_str().filter(|r| !r.is_empty());
                format!(
                    "target {}:{} {} in {}{}",
                    detail["id"].as_str().unwrap_or_default(),
                    detail["port"],
                    detail["state"].as_str().unwrap_or_default(),
                    group.rsplit('/').nth(1).unwrap_or(group),
                    reason.map(|r| format!(" ({r})")).unwrap_or_default()
                )
            }
            _ => detail["message"].as_str().unwrap_or(kind).to_owned(),
        };
        self.events.insert(0, (time, kind.to_owned(), what));
        self.events.truncate(EVENTS);
    }

    /// The cluster's reservation now: the sums over its ACTIVE and DRAINING instances.
    fn reservation(&self, at: u64) -> Reservation {
        let mut point = Reservation {
            at,
            ..Reservation::default()
        };
        for tile in self.snapshot.tiles.iter().flat_map(|t| t.iter()) {
            let used: u32 = tile.tasks.iter().map(|t| t.1).sum();
            point.cpu.0 += i64::from(tile.cpu.0);
            point.cpu.1 += i64::from(tile.cpu.1);
            point.memory.0 += i64::from(used);
            point.memory.1 += i64::from(tile.memory);
        }
        for (_, instances) in self.zones() {
            for i in instances {
                point.cpu.0 += i.cpu.0;
                point.cpu.1 += i.cpu.1;
                point.memory.0 += i.memory.0;
                point.memory.1 += i.memory.1;
            }
        }
        point
    }

    /// The reservation history as SVG polyline points (`x,y ...`) in a `width` × `height` box:
    /// time across (the newest at the right edge), percent reserved up.
    pub fn plot(&self, width: u32, height: u32, memory: bool) -> String {
        let (Some(first), Some(last)) = (self.history.first(), self.history.last()) else {
            return String::new();
        };
        let span = (last.at - first.at).max(1) as f64;
        self.history
            .iter()
            .map(|p| {
                let (used, total) = if memory { p.memory } else { p.cpu };
                let share = if total > 0 {
                    used as f64 / total as f64
                } else {
                    0.0
                };
                let x = (p.at - first.at) as f64 / span * f64::from(width);
                let y = f64::from(height) * (1.0 - share);
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The instances grouped by zone (zones in order, instances in the order listed).
    pub fn zones(&self) -> Vec<(String, Vec<InstanceView>)> {
        let mut zones: BTreeMap<String, Vec<InstanceView>> = BTreeMap::new();
        for doc in &self.snapshot.instances {
            let view = self.instance_view(doc);
            zones.entry(view.zone.clone()).or_default().push(view);
        }
        zones.into_iter().collect()
    }

    fn instance_view(&self, doc: &Value) -> InstanceView {
        let arn = doc["containerInstanceArn"].as_str().unwrap_or_default();
        let attribute = |name: &str| {
            doc["attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["name"] == name)
                .and_then(|a| a["value"].as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let resource = |list: &str, name: &str| {
            doc[list]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["name"] == name)
                .and_then(|r| r["integerValue"].as_i64())
                .unwrap_or(0)
        };
        let mut tasks = Vec::new();
        let mut ports = Vec::new();
        for task in self.snapshot.tasks.iter().filter(|t| {
            t["containerInstanceArn"] == arn && t["lastStatus"].as_str() != Some("STOPPED")
        }) {
            let block = TaskBlock::of(task);
            for container in task["containers"].as_array().into_iter().flatten() {
                for binding in container["networkBindings"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let port = binding["hostPort"].as_u64().unwrap_or(0);
                    let protocol = binding["protocol"].as_str().unwrap_or("tcp");
                    let chip = PortChip {
                        port: port as u16,
                        protocol: protocol.to_owned(),
                        dynamic: is_dynamic_port(doc, port, protocol),
                        task: block.id.clone(),
                        url: link(binding),
                    };
                    // Kept in order of port, protocol and task as they come: the page
                    // carries no sort (a stable one costs it 4 kB, an unstable one 2 kB).
                    let key = |c: &PortChip| (c.port, c.protocol.clone(), c.task.clone());
                    let at = ports.partition_point(|c: &PortChip| key(c) < key(&chip));
                    ports.insert(at, chip);
                }
            }
            tasks.push(block);
        }
        let registered = |name| resource("registeredResources", name);
        let remaining = |name| resource("remainingResources", name);
        InstanceView {
            arn: arn.to_owned(),
            id: short(arn).get(..8).unwrap_or(short(arn)).to_owned(),
            ec2_id: doc["ec2InstanceId"].as_str().unwrap_or_default().to_owned(),
            instance_type: attribute("ecs.instance-type"),
            zone: attribute("ecs.availability-zone"),
            status: doc["status"].as_str().unwrap_or_default().to_owned(),
            connected: doc["agentConnected"] != Value::Bool(false),
            docker: is_docker(doc),
            cpu: (registered("CPU") - remaining("CPU"), registered("CPU")),
            memory: (
                registered("MEMORY") - remaining("MEMORY"),
                registered("MEMORY"),
            ),
            tasks,
            ports,
        }
    }

    /// The fleet switch: which instances to drain and which to activate so that tasks run only
    /// on Docker-backed instances (`docker`) or only on virtual ones, or on all (`None`).
    /// Services move their tasks off DRAINING instances as ECS does.
    pub fn switch_to(&self, docker: Option<bool>) -> (Vec<String>, Vec<String>) {
        let mut drain = Vec::new();
        let mut activate = Vec::new();
        for doc in &self.snapshot.instances {
            let arn = doc["containerInstanceArn"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let wanted = docker.is_none_or(|d| d == is_docker(doc));
            match (wanted, doc["status"].as_str()) {
                (true, Some("DRAINING")) => activate.push(arn),
                (false, Some("ACTIVE")) => drain.push(arn),
                _ => {}
            }
        }
        (drain, activate)
    }

    /// Where the fleet switch stands: only Docker-backed instances ACTIVE (`Some(true)`), only
    /// virtual ones (`Some(false)`), or anything else (`None`).
    pub fn fleet_mode(&self) -> Option<bool> {
        let active = |docker: bool| {
            self.snapshot
                .instances
                .iter()
                .filter(|doc| is_docker(doc) == docker)
                .filter(|doc| doc["status"] == "ACTIVE")
                .count()
        };
        match (active(false), active(true)) {
            (0, d) if d > 0 => Some(true),
            (v, 0) if v > 0 => Some(false),
            _ => None,
        }
    }

    /// Every service with what the page shows of it.
    pub fn services(&self) -> Vec<ServiceView> {
        self.snapshot
            .services
            .iter()
            .map(|s| ServiceView {
                name: s["serviceName"].as_str().unwrap_or_default().to_owned(),
                status: s["status"].as_str().unwrap_or_default().to_owned(),
                task_definition: short(s["taskDefinition"].as_str().unwrap_or_default()).to_owned(),
                counts: (
                    s["desiredCount"].as_i64().unwrap_or(0),
                    s["runningCount"].as_i64().unwrap_or(0),
                    s["pendingCount"].as_i64().unwrap_or(0),
                ),
                deployments: s["deployments"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| DeploymentView {
                        status: d["status"].as_str().unwrap_or_default().to_owned(),
                        task_definition: short(d["taskDefinition"].as_str().unwrap_or_default())
                            .to_owned(),
                        counts: (
                            d["desiredCount"].as_i64().unwrap_or(0),
                            d["runningCount"].as_i64().unwrap_or(0),
                            d["pendingCount"].as_i64().unwrap_or(0),
                        ),
                        rollout: d["rolloutState"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect(),
                events: s["events"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .take(8)
                    .filter_map(|e| e["message"].as_str().map(str::to_owned))
                    .collect(),
                shift: self
                    .snapshot
                    .service_deployments
                    .iter()
                    .find(|d| d["serviceDeploymentArn"] == s["currentServiceDeployment"])
                    .and_then(|d| ShiftView::of(d, &self.snapshot.hook_invocations)),
            })
            .collect()
    }

    /// The load balancers as their panels show them.
    pub fn load_balancers(&self) -> Vec<BalancerView> {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let counts = |c: &Value| {
            let n = |k: &str| c[k].as_u64().unwrap_or(0);
            (n("requests"), n("target5xx") + n("elb5xx"))
        };
        let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
        self.snapshot
            .load_balancers
            .iter()
            .map(|lb| BalancerView {
                name: text(&lb["name"]),
                kind: text(&lb["kind"]),
                dns_name: text(&lb["dnsName"]),
                requests_per_second: lb["requestsPerSecond"].as_u64().unwrap_or(0),
                profile: lb.get("profile").filter(|p| p.is_object()).cloned(),
                counts: counts(&lb["counts"]),
                listeners: list(&lb["listeners"])
                    .iter()
                    .map(|l| text(&l["summary"]))
                    .collect(),
                groups: list(&lb["targetGroups"])
                    .iter()
                    .map(|g| GroupView {
                        name: text(&g["name"]),
                        health_check: crate::i18n::t(
                            "{checks} every {i} s, healthy after {h}, unhealthy after {u}",
                        )
                        .replace("{checks}", &text(&g["checks"]))
                        .replace("{i}", &g["intervalSeconds"].to_string())
                        .replace("{h}", &g["healthyThreshold"].to_string())
                        .replace("{u}", &g["unhealthyThreshold"].to_string()),
                        deregistration_delay: g["deregistrationDelaySeconds"].as_u64().unwrap_or(0),
                        targets: list(&g["targets"])
                            .iter()
                            .map(|t| TargetRow {
                                target: format!("{}:{}", text(&t["id"]), t["port"]),
                                task: t["taskArn"].as_str().map(str::to_owned),
                                state: text(&t["state"]),
                                note: match t["drainingForMs"].as_u64() {
                                    Some(ms) => crate::i18n::t("{} s left")
                                        .replace("{}", &ms.div_ceil(1000).to_string()),
                                    None if t["state"] == "healthy" => String::new(),
                                    None => text(&t["description"]),
                                },
                                counts: counts(&t["counts"]),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The selected task's document, if it is still known.
    pub fn selected_task(&self) -> Option<&Value> {
        let arn = self.selected.as_deref()?;
        self.snapshot.tasks.iter().find(|t| t["taskArn"] == arn)
    }

    /// How many times each container of task `arn` was restarted in place, as
    /// `sidecar ×1, web ×2` (no break inside a pair); `None` when none was.
    pub fn restarts(&self, arn: &str) -> Option<String> {
        let text: Vec<String> = self
            .snapshot
            .restarts
            .iter()
            .filter(|(task, _, n)| task == arn && *n > 0)
            .map(|(_, container, n)| format!("{container}\u{a0}×{n}"))
            .collect();
        (!text.is_empty()).then(|| text.join(", "))
    }

    /// Tasks on no instance and not stopped: on Fargate (`true`), or waiting in
    /// PROVISIONING for an Auto Scaling group capacity provider's instances (`false`).
    pub fn unplaced_tasks(&self, fargate: bool) -> Vec<TaskBlock> {
        self.snapshot
            .tasks
            .iter()
            .filter(|t| t["containerInstanceArn"].is_null())
            .filter(|t| t["lastStatus"].as_str() != Some("STOPPED"))
            .filter(|t| (t["launchType"] == "FARGATE") == fargate)
            .map(TaskBlock::of)
            .collect()
    }

    /// Recently stopped tasks, newest first by their ARN order in the snapshot.
    pub fn stopped_tasks(&self) -> Vec<TaskBlock> {
        self.snapshot
            .tasks
            .iter()
            .filter(|t| t["lastStatus"].as_str() == Some("STOPPED"))
            .map(TaskBlock::of)
            .collect()
    }
}

/// Whether a container instance is run by a Docker agent (`berth agent` registers them as
/// instance type `berth.docker`).
pub fn is_docker(instance: &Value) -> bool {
    instance["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|a| a["name"] == "ecs.instance-type" && a["value"] == "berth.docker")
}

/// Whether `port` (of `protocol`) was given to a task dynamically on the container instance
/// `instance` describes: ECS lists an instance's reserved ports (the agent's and every static
/// `hostPort` of its tasks) in `remainingResources` PORTS and PORTS_UDP, and never a dynamic
/// one, so a bound port not listed there is one the agent picked.
pub fn is_dynamic_port(instance: &Value, port: u64, protocol: &str) -> bool {
    let name = if protocol == "udp" {
        "PORTS_UDP"
    } else {
        "PORTS"
    };
    let port = port.to_string();
    !instance["remainingResources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["name"] == name)
        .flat_map(|r| r["stringSetValue"].as_array().into_iter().flatten())
        .any(|reserved| reserved.as_str() == Some(port.as_str()))
}

/// A page on a published port, when it is published on an address the browser can reach.
fn link(binding: &Value) -> Option<String> {
    let ip = binding["bindIP"].as_str()?;
    let port = binding["hostPort"].as_u64()?;
    (ip.starts_with("127.") && binding["protocol"].as_str() != Some("udp"))
        .then(|| format!("http://{ip}:{port}/"))
}

/// An instance as the fleet view draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceView {
    pub arn: String,
    /// Run by a Docker agent (else virtual).
    pub docker: bool,
    /// The first characters of its id.
    pub id: String,
    pub ec2_id: String,
    pub instance_type: String,
    pub zone: String,
    pub status: String,
    pub connected: bool,
    /// (reserved, registered) CPU units.
    pub cpu: (i64, i64),
    /// (reserved, registered) MiB.
    pub memory: (i64, i64),
    pub tasks: Vec<TaskBlock>,
    pub ports: Vec<PortChip>,
}

/// A task as a block: sized by its reservation, coloured by its task definition revision.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskBlock {
    pub arn: String,
    pub id: String,
    /// `family:revision`.
    pub revision: String,
    pub last_status: String,
    pub desired_status: String,
    pub health: String,
    /// CPU units and MiB reserved.
    pub cpu: i64,
    pub memory: i64,
    /// One of 8 colours, by task definition.
    pub colour: usize,
    pub group: String,
}

impl TaskBlock {
    fn of(task: &Value) -> TaskBlock {
        let arn = task["taskArn"].as_str().unwrap_or_default();
        let td = task["taskDefinitionArn"].as_str().unwrap_or_default();
        let number = |v: &Value| v.as_str().and_then(|s| s.parse::<i64>().ok());
        let containers = task["containers"].as_array().cloned().unwrap_or_default();
        let sum = |key: &str| {
            containers
                .iter()
                .filter_map(|c| number(&c[key]))
                .sum::<i64>()
        };
        TaskBlock {
            arn: arn.to_owned(),
            id: short(arn).get(..8).unwrap_or(short(arn)).to_owned(),
            revision: short(td).to_owned(),
            last_status: task["lastStatus"].as_str().unwrap_or_default().to_owned(),
            desired_status: task["desiredStatus"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            health: task["healthStatus"].as_str().unwrap_or_default().to_owned(),
            cpu: number(&task["cpu"]).unwrap_or_else(|| sum("cpu")),
            memory: number(&task["memory"])
                .unwrap_or_else(|| sum("memory").max(sum("memoryReservation"))),
            colour: colour_of(td),
            group: task["group"].as_str().unwrap_or_default().to_owned(),
        }
    }
}

/// One of 8 colours for a task definition ARN (the same in blocks and on the canvas).
pub fn colour_of(task_definition_arn: &str) -> usize {
    task_definition_arn
        .bytes()
        .fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize))
        % 8
}

/// A host port in use on an instance.
#[derive(Clone, Debug, PartialEq)]
pub struct PortChip {
    pub port: u16,
    pub protocol: String,
    /// From the ephemeral range (a `hostPort` of 0), rather than asked for by number.
    pub dynamic: bool,
    /// The task using it.
    pub task: String,
    /// Its page, when the browser can reach it.
    pub url: Option<String>,
}

/// A load balancer as its panel shows it.
pub struct BalancerView {
    pub name: String,
    /// `application` or `network`.
    pub kind: String,
    pub dns_name: String,
    pub requests_per_second: u64,
    /// The profile its offered load follows, if any (the view's `profile`).
    pub profile: Option<Value>,
    /// (requests, 5xx of the targets' and the load balancer's own).
    pub counts: (u64, u64),
    /// One line per listener: its rules in order (the view's `summary`).
    pub listeners: Vec<String>,
    pub groups: Vec<GroupView>,
}

/// A target group with its targets.
pub struct GroupView {
    pub name: String,
    pub health_check: String,
    pub deregistration_delay: u64,
    pub targets: Vec<TargetRow>,
}

/// A target: where it is, whose it is, its health and traffic.
pub struct TargetRow {
    /// `i-0123:49153` or `10.0.1.5:80`.
    pub target: String,
    /// The task registered as it.
    pub task: Option<String>,
    /// `initial`, `healthy`, `unhealthy`, `draining`, `unused`.
    pub state: String,
    /// Why (ELB's description), or the drain's time left (`42 s left`).
    pub note: String,
    /// (requests, 5xx).
    pub counts: (u64, u64),
}

/// A service as its panel shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceView {
    pub name: String,
    pub status: String,
    pub task_definition: String,
    /// (desired, running, pending).
    pub counts: (i64, i64, i64),
    pub deployments: Vec<DeploymentView>,
    /// The latest events, newest first.
    pub events: Vec<String>,
    /// Its current deployment's stage machine, if it shifts traffic.
    pub shift: Option<ShiftView>,
}

/// The lifecycle stages of a traffic-shifting deployment, in order.
pub const STAGES: [&str; 10] = [
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
];

/// The lifecycle stages a ROLLING deployment with lifecycle hooks walks (Berth's reading:
/// no traffic stages), in order.
pub const ROLLING_STAGES: [&str; 5] = [
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "CLEAN_UP",
];

/// The stages a deployment of `strategy` walks.
pub fn stages(strategy: &str) -> &'static [&'static str] {
    if strategy == "ROLLING" {
        &ROLLING_STAGES
    } else {
        &STAGES
    }
}

/// A deployment with lifecycle stages as its service's panel draws it: its stage
/// machine, the traffic on the new revision, the bake, the hooks awaiting action.
#[derive(Clone, Debug, PartialEq)]
pub struct ShiftView {
    pub arn: String,
    pub strategy: String,
    /// IN_PROGRESS, SUCCESSFUL, ROLLBACK_IN_PROGRESS ...
    pub status: String,
    pub stage: String,
    /// Percent of the production and of the test traffic on the new revision.
    pub production: f64,
    pub test: f64,
    /// The ids of its hooks awaiting action.
    pub awaiting: Vec<String>,
    /// Its AWS_LAMBDA hooks in progress.
    pub invoked: Vec<Invoked>,
    /// While it bakes: when the bake ends, epoch milliseconds.
    pub bake_ends: Option<u64>,
    /// Its deployment alarms as ECS watches them: MONITORING, TRIGGERED or
    /// MONITORING_COMPLETE, the alarms, and those that went into ALARM.
    pub alarms: Option<(String, Vec<String>, Vec<String>)>,
}

/// An AWS_LAMBDA hook in progress: its function, and the invocation waiting for an answer,
/// if one does (between invocations it waits for its call-back delay).
#[derive(Clone, Debug, PartialEq)]
pub struct Invoked {
    pub hook_id: String,
    /// The function's name.
    pub function: String,
    /// The invocation waiting: its number, the endpoint answering for the function (none:
    /// the person at the page answers), and the event it carries.
    pub waiting: Option<(u64, Option<String>, Value)>,
}

/// Whether a DescribeServiceDeployments document has an AWS_LAMBDA hook in progress.
pub fn lambda_in_progress(d: &Value) -> bool {
    d["lifecycleHookDetails"]
        .as_array()
        .into_iter()
        .flatten()
        .any(lambda_running)
}

/// Whether a `lifecycleHookDetails` entry is an AWS_LAMBDA hook in progress.
fn lambda_running(h: &Value) -> bool {
    h["targetType"] == "AWS_LAMBDA" && h["status"] == "IN_PROGRESS"
}

impl ShiftView {
    /// The view of a DescribeServiceDeployments document, if it has lifecycle stages, with
    /// the hook invocations waiting for an answer.
    fn of(d: &Value, invocations: &[Value]) -> Option<ShiftView> {
        let stage = d["lifecycleStage"].as_str()?.to_owned();
        let config = &d["deploymentConfiguration"];
        let target = &d["targetServiceRevision"];
        let baking = stage == "BAKE_TIME" && d["status"] == "IN_PROGRESS";
        let bake_ends = baking.then(|| {
            let since = d["updatedAt"].as_f64().unwrap_or(0.0) * 1000.0;
            since as u64 + config["bakeTimeInMinutes"].as_u64().unwrap_or(0) * 60_000
        });
        Some(ShiftView {
            arn: d["serviceDeploymentArn"].as_str()?.to_owned(),
            // No strategy is ROLLING.
            strategy: config["strategy"].as_str().unwrap_or("ROLLING").to_owned(),
            status: d["status"].as_str().unwrap_or_default().to_owned(),
            stage,
            production: target["requestedProductionTrafficWeight"]
                .as_f64()
                .unwrap_or(0.0),
            test: target["requestedTestTrafficWeight"].as_f64().unwrap_or(0.0),
            awaiting: d["lifecycleHookDetails"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|h| h["status"] == "AWAITING_ACTION")
                .filter_map(|h| h["hookId"].as_str().map(str::to_owned))
                .collect(),
            invoked: d["lifecycleHookDetails"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|h| lambda_running(h))
                .map(|h| {
                    let id = h["hookId"].as_str().unwrap_or_default();
                    let waiting = invocations
                        .iter()
                        .find(|i| i["executionId"] == id)
                        .map(|i| {
                            let endpoint = i["endpoint"].as_str().map(str::to_owned);
                            (
                                i["attempt"].as_u64().unwrap_or(1),
                                endpoint,
                                i["payload"].clone(),
                            )
                        });
                    Invoked {
                        hook_id: id.to_owned(),
                        function: short(h["targetArn"].as_str().unwrap_or_default())
                            .rsplit(':')
                            .next()
                            .unwrap_or_default()
                            .to_owned(),
                        waiting,
                    }
                })
                .collect(),
            bake_ends,
            alarms: d["alarms"]["status"].as_str().map(|status| {
                let names = |key: &str| -> Vec<String> {
                    d["alarms"][key]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|n| n.as_str().map(str::to_owned))
                        .collect()
                };
                (
                    status.to_owned(),
                    names("alarmNames"),
                    names("triggeredAlarmNames"),
                )
            }),
        })
    }
}

/// One deployment of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentView {
    /// PRIMARY or ACTIVE.
    pub status: String,
    pub task_definition: String,
    /// (desired, running, pending).
    pub counts: (i64, i64, i64),
    pub rollout: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state() -> LiveState {
        let instance = |id: &str, zone: &str, cpu_left: i64| {
            json!({
                "containerInstanceArn": format!("arn:aws:ecs:us-east-1:1:container-instance/default/{id}"),
                "ec2InstanceId": "i-1", "status": "ACTIVE", "agentConnected": true,
                "attributes": [{"name": "ecs.availability-zone", "value": zone},
                               {"name": "ecs.instance-type", "value": "t3.medium"}],
                "registeredResources": [{"name": "CPU", "integerValue": 2048}, {"name": "MEMORY", "integerValue": 3904}],
                "remainingResources": [{"name": "CPU", "integerValue": cpu_left}, {"name": "MEMORY", "integerValue": 3776},
                                       {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22", "80", "2375"]}],
            })
        };
        let task = |id: &str, on: &str, port: u16, status: &str| {
            json!({
                "taskArn": format!("arn:aws:ecs:us-east-1:1:task/default/{id}"),
                "containerInstanceArn": format!("arn:aws:ecs:us-east-1:1:container-instance/default/{on}"),
                "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/web:2",
                "lastStatus": status, "desiredStatus": "RUNNING", "cpu": "0", "memory": "128",
                "containers": [{"name": "web", "memory": "128", "cpu": "0",
                    "networkBindings": [{"bindIP": "127.0.0.2", "containerPort": 80, "hostPort": port, "protocol": "tcp"}]}],
            })
        };
        let mut state = LiveState::default();
        state.snapshot.instances = vec![
            instance("bbbbbbbbbb", "us-east-1b", 2048),
            instance("aaaaaaaaaa", "us-east-1a", 1024),
        ];
        state.snapshot.tasks = vec![
            task("t1", "aaaaaaaaaa", 80, "RUNNING"),
            task("t2", "aaaaaaaaaa", 49153, "PENDING"),
            task("t3", "aaaaaaaaaa", 49154, "STOPPED"),
        ];
        state
    }

    #[test]
    fn the_fleet_by_zone_with_reservations_and_ports() {
        let zones = state().zones();
        assert_eq!(
            zones.iter().map(|(z, _)| z.as_str()).collect::<Vec<_>>(),
            ["us-east-1a", "us-east-1b"]
        );
        let a = &zones[0].1[0];
        assert_eq!(
            (a.id.as_str(), a.cpu, a.memory),
            ("aaaaaaaa", (1024, 2048), (128, 3904))
        );
        // The stopped task is not on the instance any more.
        assert_eq!(
            a.tasks.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            ["t1", "t2"]
        );
        assert_eq!(a.tasks[0].revision, "web:2");
        let ports: Vec<(u16, bool)> = a.ports.iter().map(|p| (p.port, p.dynamic)).collect();
        assert_eq!(ports, [(80, false), (49153, true)]);
        assert_eq!(a.ports[0].url.as_deref(), Some("http://127.0.0.2:80/"));
        assert!(zones[1].1[0].tasks.is_empty());
    }

    #[test]
    fn the_fleet_switch_drains_the_other_kind() {
        let mut state = state();
        state.snapshot.instances[0]["attributes"][1]["value"] = json!("berth.docker");
        // One virtual (a…) and one Docker (b…) instance, both ACTIVE.
        assert_eq!(state.fleet_mode(), None);
        let (drain, activate) = state.switch_to(Some(true));
        assert_eq!(drain.len(), 1);
        assert!(drain[0].ends_with("/aaaaaaaaaa"));
        assert!(activate.is_empty());
        state.snapshot.instances[1]["status"] = json!("DRAINING");
        assert_eq!(state.fleet_mode(), Some(true));
        let (drain, activate) = state.switch_to(None);
        assert!(drain.is_empty());
        assert!(activate[0].ends_with("/aaaaaaaaaa"));
    }

    #[test]
    fn the_timeline_is_the_shown_clusters() {
        let state = Rc::new(LiveState::default());
        let event = |cluster: &str| {
            json!({"detail-type": "ECS Task State Change", "time": "2024-11-13T00:00:01Z",
                   "resources": ["arn:aws:ecs:us-east-1:1:task/x/0123"],
                   "detail": {"clusterArn": format!("arn:aws:ecs:us-east-1:1:cluster/{cluster}"),
                              "taskArn": "arn:aws:ecs:us-east-1:1:task/x/0123", "lastStatus": "RUNNING"}})
        };
        let service_event = json!({"detail-type": "ECS Service Event", "time": "2024-11-13T00:00:02Z",
            "resources": ["arn:aws:ecs:us-east-1:1:service/other/web"],
            "detail": {"message": "(service web) has reached a steady state."}});
        let state = state.reduce(Action::Streamed(event("default")));
        let state = state.reduce(Action::Streamed(event("other")));
        let state = state.reduce(Action::Streamed(service_event));
        assert_eq!(state.events.len(), 1);
        let state = state.reduce(Action::Cluster("other".into()));
        assert!(state.events.is_empty());
        let state = state.reduce(Action::Streamed(event("other")));
        assert_eq!(state.events.len(), 1);
    }

    #[test]
    fn reservation_history_plots_percent_over_time() {
        let mut state = Rc::new(LiveState::default());
        let look = state.snapshot.clone();
        let loaded = |state: Rc<LiveState>, at, instances: Vec<Value>| {
            let snapshot = Snapshot {
                instances,
                ..look.clone()
            };
            state.reduce(Action::Loaded { snapshot, at })
        };
        let base = super::tests::state().snapshot.instances;
        state = loaded(state, 0, base.clone());
        state = loaded(state, 2000, base[..1].to_vec());
        assert_eq!(state.history[0].cpu, (1024, 4096));
        assert_eq!(state.history[1].cpu, (0, 2048));
        // 25 % at the left edge, 0 % at the right, in a 100 × 40 box.
        assert_eq!(state.plot(100, 40, false), "0.0,30.0 100.0,40.0");
    }

    #[test]
    fn restarts_read_as_containers_and_counts() {
        let mut state = state();
        assert_eq!(state.restarts("arn:t1"), None);
        state.snapshot.restarts = vec![
            ("arn:t1".into(), "log".into(), 1),
            ("arn:t1".into(), "web".into(), 2),
            ("arn:t2".into(), "web".into(), 0),
        ];
        assert_eq!(
            state.restarts("arn:t1").as_deref(),
            Some("log\u{a0}×1, web\u{a0}×2")
        );
        assert_eq!(state.restarts("arn:t2"), None);
    }

    #[test]
    fn logs_and_events_from_the_stream() {
        let mut state = Rc::new(state());
        state = state.reduce(Action::Streamed(json!({
            "detail-type": "Berth Container Log",
            "detail": {"taskArn": "arn:t1", "containerName": "web", "lines": ["a", "b"]},
        })));
        state = state.reduce(Action::Streamed(json!({
            "detail-type": "ECS Task State Change", "time": "2026-11-23T15:00:01Z",
            "detail": {"taskArn": "arn:aws:ecs:r:1:task/default/t9", "lastStatus": "RUNNING",
                       "taskDefinitionArn": "arn:aws:ecs:r:1:task-definition/web:3"},
        })));
        assert_eq!(
            state.logs["arn:t1"],
            [
                ("web".to_owned(), "a".to_owned()),
                ("web".to_owned(), "b".to_owned())
            ]
        );
        assert_eq!(
            state.events[0],
            (
                "15:00:01".to_owned(),
                "ECS Task State Change".to_owned(),
                "task t9 RUNNING (web:3)".to_owned()
            )
        );
        state = state.reduce(Action::Streamed(json!({
            "detail-type": "Berth Target Health", "time": "2026-11-23T15:00:02Z",
            "resources": ["arn:aws:elasticloadbalancing:r:1:targetgroup/web/0a1b"],
            "detail": {"targetGroupArn": "arn:aws:elasticloadbalancing:r:1:targetgroup/web/0a1b",
                       "id": "i-1", "port": 49153, "state": "unhealthy", "reason": "Target.ResponseCodeMismatch"},
        })));
        assert_eq!(
            state.events[0].2,
            "target i-1:49153 unhealthy in web (Target.ResponseCodeMismatch)"
        );
    }

    #[test]
    fn load_balancers_read_as_their_panels_show_them() {
        let mut live = state();
        live.snapshot.load_balancers = vec![json!({
            "loadBalancerArn": "arn:lb", "name": "web", "kind": "application",
            "dnsName": "web-1.us-east-1.elb.amazonaws.com", "requestsPerSecond": 100,
            "counts": {"requests": 900, "target5xx": 2, "elb5xx": 5},
            "listeners": [{"port": 80, "protocol": "HTTP", "summary": "HTTP :80 — default → blue"}],
            "targetGroups": [{"name": "blue", "checks": "HTTP /", "intervalSeconds": 30, "healthyThreshold": 5, "unhealthyThreshold": 2, "deregistrationDelaySeconds": 300,
                "targets": [
                    {"id": "i-1", "port": 49153, "state": "draining", "drainingForMs": 41_200, "counts": {"requests": 7, "target5xx": 0, "elb5xx": 1}, "taskArn": "arn:task/c/abc"},
                    {"id": "i-1", "port": 49154, "state": "unhealthy", "description": "Health checks failed", "counts": {}}]}],
        })];
        let [lb] = &live.load_balancers()[..] else {
            panic!()
        };
        assert_eq!((lb.requests_per_second, lb.counts), (100, (900, 7)));
        assert_eq!(lb.listeners, ["HTTP :80 — default → blue"]);
        let targets = &lb.groups[0].targets;
        assert_eq!(
            (
                targets[0].target.as_str(),
                targets[0].note.as_str(),
                targets[0].counts
            ),
            ("i-1:49153", "42 s left", (7, 1))
        );
        assert_eq!(targets[0].task.as_deref(), Some("arn:task/c/abc"));
        assert_eq!(targets[1].note, "Health checks failed");
        assert_eq!(
            lb.groups[0].health_check,
            "HTTP / every 30 s, healthy after 5, unhealthy after 2"
        );
    }

    #[test]
    fn a_traffic_shifting_deployment_reads_as_its_stage_machine() {
        let mut live = state();
        live.snapshot.services = vec![json!({
            "serviceName": "web", "status": "ACTIVE", "taskDefinition": "web:2",
            "currentServiceDeployment": "arn:sd/1", "deployments": [], "events": [],
        })];
        live.snapshot.service_deployments = vec![json!({
            "serviceDeploymentArn": "arn:sd/1", "status": "IN_PROGRESS",
            "lifecycleStage": "BAKE_TIME", "updatedAt": 100.0,
            "deploymentConfiguration": {"strategy": "CANARY", "bakeTimeInMinutes": 2},
            "targetServiceRevision": {"requestedProductionTrafficWeight": 100.0,
                                      "requestedTestTrafficWeight": 100.0},
            "lifecycleHookDetails": [{"hookId": "ecs-pause-1", "status": "SUCCEEDED"},
                                     {"hookId": "ecs-pause-2", "status": "AWAITING_ACTION"}],
            "alarms": {"status": "TRIGGERED", "alarmNames": ["web-5xx", "web-latency"],
                       "triggeredAlarmNames": ["web-5xx"]},
        })];
        let shift = live.services()[0].shift.clone().expect("a stage machine");
        assert_eq!(shift.stage, "BAKE_TIME");
        assert_eq!(shift.strategy, "CANARY");
        assert_eq!((shift.production, shift.test), (100.0, 100.0));
        assert_eq!(shift.awaiting, ["ecs-pause-2"]);
        assert_eq!(shift.bake_ends, Some(100_000 + 120_000));
        let alarms = shift.alarms.clone().expect("its alarms");
        assert_eq!(alarms.0, "TRIGGERED");
        assert_eq!(
            (alarms.1.len(), &alarms.2[..]),
            (2, &["web-5xx".to_owned()][..])
        );
        // A rolling deployment with hooks walks its own stages; one without has none to draw.
        let rolling = live.snapshot.service_deployments[0]
            .as_object_mut()
            .unwrap();
        rolling.insert("lifecycleStage".into(), json!("POST_SCALE_UP"));
        rolling.insert(
            "deploymentConfiguration".into(),
            json!({"maximumPercent": 200}),
        );
        let shift = live.services()[0]
            .shift
            .clone()
            .expect("a rolling stage machine");
        assert_eq!(shift.strategy, "ROLLING");
        assert_eq!(stages(&shift.strategy)[3], "POST_SCALE_UP");
        assert_eq!(stages(&shift.strategy).len(), 5);
        live.snapshot.service_deployments[0]
            .as_object_mut()
            .unwrap()
            .remove("lifecycleStage");
        assert_eq!(live.services()[0].shift, None);
    }

    #[test]
    fn a_late_look_at_another_cluster_is_dropped() {
        let state = Rc::new(state()).reduce(Action::Cluster("other".into()));
        let late = Snapshot {
            clusters: vec!["default".into(), "other".into()],
            cluster: "default".into(),
            instances: vec![json!({})],
            ..Snapshot::default()
        };
        let state = state.reduce(Action::Loaded {
            snapshot: late,
            at: 1,
        });
        assert_eq!(state.snapshot.cluster, "other");
        assert!(state.snapshot.instances.is_empty());
        assert_eq!(state.snapshot.clusters.len(), 2);
    }
}
