//! ECS's control plane as a sans-IO state machine.
//!
//! Inputs are API requests ([`ControlPlane::handle_request`]), agent events
//! ([`ControlPlane::handle_agent_event`]) and time ([`ControlPlane::handle_timeout`]);
//! outputs are API responses, instructions for agents ([`ControlPlane::poll_instruction`]) and
//! cluster events for timelines ([`ControlPlane::poll_event`]). It never reads a clock, never
//! does I/O and draws every id from a generator seeded by [`Config::rng_seed`], so the same
//! seed and inputs give the same responses, instructions and events, byte for byte. Drivers:
//! the virtual fleet (virtual time), the server (wall clock), the browser.
//!
//! Call order after any input: drain `poll_instruction` and `poll_event`, then arm a timer for
//! `poll_timeout`. Spurious `handle_timeout` calls are harmless.
//!
//! # Layout
//! - [`requests`]: the operations' requests and responses in AWS's shape.
//! - `actions/`: one module per group of operations (clusters, container instances, task
//!   definitions, tasks).
//! - `lifecycle`: what agent events do to tasks (PENDING → RUNNING → STOPPED, stop codes).
//! - `state`: the records.

#![warn(missing_docs, unreachable_pub)]

mod actions;
mod explain;
mod lifecycle;
mod paging;
pub mod requests;
mod service_scheduler;
mod state;
mod summary;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use berth_agent_protocol::{AgentEvent, AgentInstruction};
use berth_model::{ApiError, ArnScope, EcsId, SimTime};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub use actions::auto_scaling::ScalingRequest;
pub use requests::{Request, Response};
use state::{ClusterRecord, TaskDefinitionRegistry};
pub use summary::{FleetSummary, InstanceSummary};

/// How long STOPPED tasks stay visible to DescribeTasks and ListTasks.
pub const STOPPED_TASK_RETENTION_MS: u64 = 60 * 60 * 1000;

/// The ECS agent version Berth's agents run, and the one UpdateContainerAgent updates to.
pub const LATEST_AGENT_VERSION: &str = "1.89.0";

/// What a control plane is configured with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Region and account of every ARN.
    pub scope: ArnScope,
    /// The seed of every id and random placement.
    pub rng_seed: u64,
    /// Where agents reach this control plane (`http://127.0.0.1:8080/`), which
    /// DiscoverPollEndpoint answers; `None` when it is not served over a network.
    pub endpoint: Option<String>,
}

/// An event for timelines, in the shape of an EventBridge event from `aws.ecs` (§10).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterEvent {
    /// When it happened.
    pub time: SimTime,
    /// `ECS Task State Change`, `ECS Container Instance State Change`, ...
    #[serde(rename = "detail-type")]
    pub detail_type: &'static str,
    /// The ARNs it is about.
    pub resources: Vec<String>,
    /// The object as it is now (a Task, a ContainerInstance).
    pub detail: EventDetail,
}

/// An event's `detail`: the document itself, serialised only when someone serialises the
/// event (a fleet of a thousand tasks emits hundreds of thousands of events a day; most
/// consumers keep few of them).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventDetail {
    /// `ECS Task State Change`.
    Task(Box<berth_model::resources::Task>),
    /// `ECS Container Instance State Change`.
    ContainerInstance(Box<berth_model::resources::ContainerInstance>),
    /// Berth's `ECS Service Event`: a service event as DescribeServices shows it.
    ServiceEvent(berth_model::resources::ServiceEvent),
    /// `ECS Deployment State Change`, `ECS Service Action`.
    Json(serde_json::Value),
}

impl EventDetail {
    /// The detail as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("ECS documents always serialise")
    }
}

/// What can be an event's detail.
trait ToDetail {
    fn to_detail(&self) -> EventDetail;
}

impl ToDetail for berth_model::resources::Task {
    /// The task as its event carries it: as DescribeTasks shows it, except that an ENI
    /// attachment's type is `eni` in events (`ElasticNetworkInterface` in the API, §6.2).
    fn to_detail(&self) -> EventDetail {
        let mut task = self.clone();
        for attachment in &mut task.attachments {
            if attachment["type"] == "ElasticNetworkInterface" {
                attachment["type"] = "eni".into();
            }
        }
        EventDetail::Task(Box::new(task))
    }
}

impl ToDetail for berth_model::resources::ContainerInstance {
    fn to_detail(&self) -> EventDetail {
        EventDetail::ContainerInstance(Box::new(self.clone()))
    }
}

impl ToDetail for berth_model::resources::ServiceEvent {
    fn to_detail(&self) -> EventDetail {
        EventDetail::ServiceEvent(self.clone())
    }
}

impl ToDetail for serde_json::Value {
    fn to_detail(&self) -> EventDetail {
        EventDetail::Json(self.clone())
    }
}

/// The format of [`ControlPlane::snapshot`]; bumped whenever the state's shape changes.
const SNAPSHOT_VERSION: u32 = 1;

/// A snapshot document: its format, then the state.
#[derive(Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot<C> {
    berth_snapshot: u32,
    control_plane: C,
}

/// The ECS control plane. It serialises whole (see [`ControlPlane::snapshot`]).
#[derive(Serialize, serde::Deserialize)]
pub struct ControlPlane {
    scope: ArnScope,
    rng: ChaCha8Rng,
    clusters: BTreeMap<String, ClusterRecord>,
    task_definitions: TaskDefinitionRegistry,
    /// STOPPED tasks by when they expire.
    expiries: BTreeSet<(SimTime, String)>,
    /// When services need another look (a task becomes healthy by having run 40 s).
    wakeups: BTreeSet<SimTime>,
    instructions: VecDeque<(String, AgentInstruction)>,
    /// Outputs for timelines; a restored session starts with none.
    #[serde(skip)]
    events: VecDeque<ClusterEvent>,
    /// The latest time an input brought.
    now: SimTime,
    /// Agent events arrived since the services last took a step: they take it before any
    /// output is read, once for however many reports arrived at the same instant.
    dirty: bool,
    /// PutAccountSetting and friends.
    #[serde(default)]
    account_settings: actions::account_settings::AccountSettings,
    /// Auto Scaling group capacity providers by name.
    #[serde(default)]
    capacity_providers: BTreeMap<String, actions::auto_scaling::AsgProvider>,
    /// Managed scaling's requests for the Auto Scaling groups, not yet taken.
    #[serde(default)]
    scaling: VecDeque<ScalingRequest>,
    /// When managed scaling next looks at the providers.
    #[serde(default)]
    next_scaling: Option<SimTime>,
    /// [`Config::endpoint`]; a restored control plane takes its driver's.
    #[serde(skip)]
    endpoint: Option<String>,
}

impl ControlPlane {
    /// An empty control plane (no clusters; `default` is created on first use, as ECS does).
    pub fn new(config: Config) -> ControlPlane {
        ControlPlane {
            scope: config.scope,
            rng: ChaCha8Rng::seed_from_u64(config.rng_seed),
            clusters: BTreeMap::new(),
            task_definitions: TaskDefinitionRegistry::default(),
            expiries: BTreeSet::new(),
            wakeups: BTreeSet::new(),
            instructions: VecDeque::new(),
            events: VecDeque::new(),
            now: SimTime::ZERO,
            dirty: false,
            account_settings: Default::default(),
            endpoint: config.endpoint,
            capacity_providers: BTreeMap::new(),
            scaling: VecDeque::new(),
            next_scaling: None,
        }
    }

    /// The region it serves.
    pub fn region(&self) -> &str {
        &self.scope.region
    }

    /// Sets [`Config::endpoint`] (a restored control plane has none).
    pub fn set_endpoint(&mut self, endpoint: Option<String>) {
        self.endpoint = endpoint;
    }

    /// Handles an API request at `now`.
    pub fn handle_request(&mut self, now: SimTime, request: Request) -> Result<Response, ApiError> {
        self.flush();
        self.now = now;
        self.expire(now);
        // Reads change nothing, so they give the services no step: a session's outcome never
        // depends on when someone looked at it.
        let writes = !request.is_read_only();
        let response = actions::dispatch(self, now, request);
        if writes {
            service_scheduler::reconcile_all(self, now);
            actions::auto_scaling::tick(self, now);
        }
        response
    }

    /// Handles an event from the agent of `container_instance_arn`.
    pub fn handle_agent_event(
        &mut self,
        now: SimTime,
        container_instance_arn: &str,
        event: AgentEvent,
    ) {
        self.now = now;
        self.expire(now);
        lifecycle::handle(self, now, container_instance_arn, event);
        self.dirty = true;
    }

    /// Lets time pass: STOPPED tasks older than an hour disappear, services take their
    /// next step (tasks that have run 40 s count as healthy).
    pub fn handle_timeout(&mut self, now: SimTime) {
        self.now = now;
        self.dirty = false;
        self.expire(now);
        while self.wakeups.first().is_some_and(|at| *at <= now) {
            self.wakeups.pop_first();
        }
        actions::instances::advance_agent_updates(self, now);
        service_scheduler::reconcile_all(self, now);
        actions::auto_scaling::tick(self, now);
    }

    /// When the control plane next needs `handle_timeout`.
    pub fn poll_timeout(&mut self) -> Option<SimTime> {
        self.flush();
        let expiry = self.expiries.first().map(|(at, _)| *at);
        let wakeup = self.wakeups.first().copied();
        match (expiry, wakeup) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next instruction for an agent: `(container instance ARN, instruction)`.
    pub fn poll_instruction(&mut self) -> Option<(String, AgentInstruction)> {
        self.flush();
        self.instructions.pop_front()
    }

    /// The next request of managed scaling for an Auto Scaling group (cluster auto scaling):
    /// the driver's EC2 Auto Scaling launches or terminates instances to meet it.
    pub fn poll_scaling(&mut self) -> Option<ScalingRequest> {
        self.flush();
        self.scaling.pop_front()
    }

    /// The next cluster event.
    pub fn poll_event(&mut self) -> Option<ClusterEvent> {
        self.flush();
        self.events.pop_front()
    }

    /// The whole state as JSON: clusters, instances, tasks, services, task definitions,
    /// pending instructions and timers, and the generator's position, so a session can be
    /// saved, shared and restored exactly. Cluster events not yet polled are not included.
    pub fn snapshot(&mut self) -> String {
        self.flush();
        serde_json::to_string(&Snapshot {
            berth_snapshot: SNAPSHOT_VERSION,
            control_plane: &*self,
        })
        .expect("the state always serialises")
    }

    /// A control plane from a [`ControlPlane::snapshot`]; the same inputs then give the same
    /// outputs as they would have given the original.
    pub fn restore(snapshot: &str) -> Result<ControlPlane, String> {
        let snapshot: Snapshot<ControlPlane> = serde_json::from_str(snapshot)
            .map_err(|error| format!("not a Berth control-plane snapshot: {error}"))?;
        if snapshot.berth_snapshot != SNAPSHOT_VERSION {
            return Err(format!(
                "snapshot format {} is not the format {SNAPSHOT_VERSION} this Berth reads",
                snapshot.berth_snapshot
            ));
        }
        let mut control_plane = snapshot.control_plane;
        // Counts kept incrementally are rebuilt (snapshots from before they existed lack them;
        // for the others this changes nothing).
        for cluster in control_plane.clusters.values_mut() {
            let keys: Vec<state::TaskKey> = cluster.tasks.keys().copied().collect();
            for key in keys {
                cluster.sync(key);
            }
        }
        Ok(control_plane)
    }

    /// Lets the services take the step agent events called for.
    fn flush(&mut self) {
        if std::mem::take(&mut self.dirty) {
            service_scheduler::reconcile_all(self, self.now);
        }
    }

    fn expire(&mut self, now: SimTime) {
        while let Some((at, task_arn)) = self.expiries.first().cloned() {
            if at > now {
                break;
            }
            self.expiries.pop_first();
            for cluster in self.clusters.values_mut() {
                if let Some(key) = state::TaskKey::of(&task_arn) {
                    cluster.tasks.remove(&key);
                }
            }
            actions::task_definitions::purge_deleted(self);
        }
    }

    /// A fresh 32-hex id from the seeded generator.
    fn new_id(&mut self) -> EcsId {
        let high = u128::from(self.rng.next_u64());
        let low = u128::from(self.rng.next_u64());
        EcsId::from_bits((high << 64) | low)
    }

    /// An `ECS Deployment State Change` event (§10).
    fn emit_deployment_state(
        &mut self,
        time: SimTime,
        service_arn: &str,
        event_type: &str,
        event_name: &str,
        deployment_id: &str,
        reason: &str,
    ) {
        let detail = serde_json::json!({
            "eventType": event_type,
            "eventName": event_name,
            "deploymentId": deployment_id,
            "updatedAt": time,
            "reason": reason,
        });
        self.emit(time, "ECS Deployment State Change", service_arn, &detail);
    }

    /// An `ECS Service Action` event (§10): `reason` and `containerInstanceArns` when given.
    fn emit_service_action(
        &mut self,
        time: SimTime,
        service_arn: &str,
        event_type: &str,
        event_name: &str,
        reason: Option<&str>,
        container_instance_arns: &[String],
    ) {
        let cluster_arn = service_arn
            .rsplit_once('/')
            .map(|(head, _)| head.replacen(":service/", ":cluster/", 1))
            .unwrap_or_default();
        let mut detail = serde_json::json!({
            "eventType": event_type,
            "eventName": event_name,
            "clusterArn": cluster_arn,
            "createdAt": time,
        });
        if let Some(reason) = reason {
            detail["reason"] = reason.into();
        }
        if !container_instance_arns.is_empty() {
            detail["containerInstanceArns"] = container_instance_arns.into();
        }
        self.emit(time, "ECS Service Action", service_arn, &detail);
    }

    fn emit(
        &mut self,
        time: SimTime,
        detail_type: &'static str,
        arn: &str,
        detail: &impl ToDetail,
    ) {
        self.events.push_back(ClusterEvent {
            time,
            detail_type,
            resources: vec![arn.to_owned()],
            detail: detail.to_detail(),
        });
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
