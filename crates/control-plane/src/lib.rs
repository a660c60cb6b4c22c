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
//! # Layout, top to bottom (each module imports only those below it; a tidy test holds it)
//! - this file: [`ControlPlane`], the surface; `explain`, `summary`: Berth's two views
//!   ([`berth_model::views`]).
//! - `actions/`: one module per group of operations: validate, call the engine, render.
//! - `schedulers/`: the service scheduler's step for REPLICA, DAEMON and task-set services.
//! - `engine/`: launching and stopping tasks, agents' reports (`lifecycle`), deployments and
//!   the circuit breaker, capacity providers and managed scaling, agent updates.
//! - `documents`: records as ECS's documents.
//! - `records/`: the records, their lookups, and `State`, which holds them all.
//! - `events`, [`requests`], `paging`: cluster events, the operations' shapes, paging.

#![warn(missing_docs, unreachable_pub)]

mod actions;
mod documents;
mod engine;
mod events;
mod explain;
mod paging;
mod records;
pub mod requests;
mod schedulers;
mod summary;
mod usage;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use berth_agent_protocol::{AgentEvent, AgentInstruction};
use berth_model::load_balancing::{Target, TargetCall, TargetGroupFacts, TargetState};
use berth_model::monitoring::AlarmFact;
use berth_model::views::{Explanation, FleetSummary};
use berth_model::{ApiError, ArnScope, SimTime};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub use engine::hooks::Answer as HookAnswer;
pub use events::{ClusterEvent, EventDetail};
pub use records::capacity::ScalingRequest;
pub use records::history::HookInvocation;
use records::{State, TaskDefinitionRegistry};
pub use records::{LATEST_AGENT_VERSION, STOPPED_TASK_RETENTION_MS};
pub use requests::{Request, Response};
pub use usage::{ClusterUsage, ServiceUsage, TaskUsage};

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

/// The format of [`ControlPlane::snapshot`]; bumped whenever the state's shape changes.
/// 2: timers say why they wake (format 1's bare times are read as timers of no recorded
/// reason).
const SNAPSHOT_VERSION: u32 = 2;

/// The oldest format [`ControlPlane::restore`] reads.
const OLDEST_SNAPSHOT_VERSION: u32 = 1;

/// A snapshot document: its format, then the state.
#[derive(Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot<C> {
    berth_snapshot: u32,
    control_plane: C,
}

/// The ECS control plane. It serialises whole (see [`ControlPlane::snapshot`]), exactly as
/// its state does.
#[derive(Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ControlPlane {
    state: State,
}

impl ControlPlane {
    /// An empty control plane (no clusters; `default` is created on first use, as ECS does).
    pub fn new(config: Config) -> ControlPlane {
        ControlPlane {
            state: State {
                scope: config.scope,
                rng: ChaCha8Rng::seed_from_u64(config.rng_seed),
                clusters: BTreeMap::new(),
                task_definitions: TaskDefinitionRegistry::default(),
                expiries: BTreeSet::new(),
                timers: records::timers::Timers::default(),
                instructions: VecDeque::new(),
                events: VecDeque::new(),
                now: SimTime::ZERO,
                dirty: false,
                account_settings: Default::default(),
                endpoint: config.endpoint,
                capacity_providers: BTreeMap::new(),
                scaling: VecDeque::new(),
                next_scaling: None,
                target_groups: BTreeMap::new(),
                target_calls: VecDeque::new(),
                listener_rules: Default::default(),
                alarms: Default::default(),
            },
        }
    }

    /// The region it serves.
    pub fn region(&self) -> &str {
        &self.state.scope.region
    }

    /// The account in its ARNs.
    pub fn account(&self) -> &str {
        &self.state.scope.account_id
    }

    /// Sets [`Config::endpoint`] (a restored control plane has none).
    pub fn set_endpoint(&mut self, endpoint: Option<String>) {
        self.state.endpoint = endpoint;
    }

    /// Handles an API request at `now`.
    pub fn handle_request(&mut self, now: SimTime, request: Request) -> Result<Response, ApiError> {
        self.flush();
        self.state.now = now;
        self.state.expire(now);
        // Reads change nothing, so they give the services no step: a session's outcome never
        // depends on when someone looked at it.
        let writes = !request.is_read_only();
        let response = actions::dispatch(&mut self.state, now, request);
        if writes {
            schedulers::reconcile_all(&mut self.state, now);
            engine::capacity::tick(&mut self.state, now);
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
        self.state.now = now;
        self.state.expire(now);
        engine::lifecycle::handle(&mut self.state, now, container_instance_arn, event);
        self.state.dirty = true;
    }

    /// What Elastic Load Balancing says of its target groups now (the region calls this after
    /// every ELB change): CreateService and UpdateService check `loadBalancers` against it.
    pub fn set_target_groups(&mut self, target_groups: Vec<TargetGroupFacts>) {
        self.state.target_groups = target_groups
            .into_iter()
            .map(|facts| (facts.target_group_arn.clone(), facts))
            .collect();
    }

    /// Every listener and listener rule ARN ELB has now (the region calls this with
    /// [`ControlPlane::set_target_groups`]): a traffic-shifting service's
    /// `advancedConfiguration` is checked against it.
    pub fn set_listener_rules(&mut self, arns: impl IntoIterator<Item = String>) {
        self.state.listener_rules = arns.into_iter().collect();
    }

    /// Every CloudWatch alarm's state at `now` (the region calls this whenever one changes): a
    /// deployment whose `deploymentConfiguration.alarms` names one in ALARM fails.
    pub fn set_alarms(&mut self, now: SimTime, alarms: Vec<AlarmFact>) {
        self.state.now = now;
        self.state.expire(now);
        let alarms: BTreeMap<String, AlarmFact> = alarms
            .into_iter()
            .map(|fact| (fact.alarm_name.clone(), fact))
            .collect();
        if alarms != self.state.alarms {
            self.state.alarms = alarms;
            self.state.dirty = true;
        }
    }

    /// What ELB says of a target at `now`: its health, or that it drained.
    pub fn handle_target_health(&mut self, now: SimTime, target: &Target, state: TargetState) {
        self.state.now = now;
        self.state.expire(now);
        engine::load_balancing::handle_health(&mut self.state, target, state);
    }

    /// Every registered container instance's EC2 instance id and ARN.
    pub fn ec2_instances(&self) -> Vec<(String, String)> {
        self.state
            .clusters
            .values()
            .flat_map(|c| c.fleet.instances())
            .map(|i| (i.ec2_instance_id.clone(), i.arn.clone()))
            .collect()
    }

    /// The unstopped task (its ARN) registered as `target`.
    pub fn target_task(&self, target: &Target) -> Option<String> {
        self.unstopped_task(|r| {
            r.targets
                .iter()
                .any(|(t, s)| t == target && *s != berth_model::load_balancing::TargetState::Gone)
        })
    }

    /// The task (its ARN) whose awsvpc address is `address`, unless it has stopped.
    pub fn task_at_address(&self, address: &str) -> Option<String> {
        self.unstopped_task(|r| {
            r.task.attachments.iter().any(|a| {
                a["details"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|d| d["name"] == "privateIPv4Address" && d["value"] == address)
            })
        })
    }

    /// The first task, of any cluster, not stopped and `chosen`: its ARN.
    fn unstopped_task(&self, chosen: impl Fn(&records::TaskRecord) -> bool) -> Option<String> {
        self.state.clusters.values().find_map(|cluster| {
            cluster
                .tasks
                .values()
                .filter(|r| r.task.last_status != berth_model::states::TaskStatus::Stopped)
                .find(|r| chosen(r))
                .map(|r| r.task.task_arn.clone())
        })
    }

    /// Every invocation of an AWS_LAMBDA hook's function that waits for its answer, oldest
    /// first. They are state, not a queue: a host that restarts sees them again.
    pub fn hook_invocations(&self) -> Vec<HookInvocation> {
        engine::hooks::invocations(&self.state)
    }

    /// The function of hook run `execution_id` answered its invocation `attempt` (the
    /// current one if `None`) at `now`: what it returned (`{"hookStatus", "callBackDelay",
    /// "hookDetails"}`) or why it failed. Refused when no invocation waits for that answer.
    pub fn handle_hook_answer(
        &mut self,
        now: SimTime,
        execution_id: &str,
        attempt: Option<u32>,
        answer: HookAnswer,
    ) -> Result<(), ApiError> {
        self.flush();
        self.state.now = now;
        self.state.expire(now);
        engine::hooks::answer(&mut self.state, now, execution_id, attempt, answer)?;
        schedulers::reconcile_all(&mut self.state, now);
        engine::capacity::tick(&mut self.state, now);
        Ok(())
    }

    /// The next RegisterTargets or DeregisterTargets for ELB.
    pub fn poll_target_call(&mut self) -> Option<TargetCall> {
        self.flush();
        self.state.target_calls.pop_front()
    }

    /// Lets time pass: STOPPED tasks older than an hour disappear, services take their
    /// next step (tasks that have run 40 s count as healthy).
    pub fn handle_timeout(&mut self, now: SimTime) {
        self.state.now = now;
        self.state.dirty = false;
        self.state.expire(now);
        self.state.timers.expire(now);
        engine::agent_updates::advance_agent_updates(&mut self.state, now);
        schedulers::reconcile_all(&mut self.state, now);
        engine::capacity::tick(&mut self.state, now);
    }

    /// Where the next task of `service` (its PRIMARY revision, rules and group) or, without
    /// one, of `task_definition` run as RunTask runs it would be placed now, and every
    /// instance's verdict: the placement itself, made on a copy. Berth's own view.
    pub fn explain_placement(
        &self,
        cluster: Option<&str>,
        service: Option<&str>,
        task_definition: Option<&str>,
    ) -> Result<Explanation, ApiError> {
        explain::placement(&self.state, cluster, service, task_definition)
    }

    /// The cluster's instances and their tasks in compact form. Berth's own view.
    pub fn fleet_summary(&self, cluster: Option<&str>) -> Result<FleetSummary, ApiError> {
        summary::fleet(&self.state, cluster)
    }

    /// Every active cluster's registered and reserved capacity and its RUNNING tasks'
    /// reservations and limits: what the fleet measures its CloudWatch metrics against.
    /// Berth's own read; it changes nothing.
    pub fn usage(&self) -> Vec<ClusterUsage> {
        usage::clusters(&self.state)
    }

    /// When the control plane next needs `handle_timeout`.
    pub fn poll_timeout(&mut self) -> Option<SimTime> {
        self.flush();
        let expiry = self.state.expiries.first().map(|(at, _)| *at);
        let wakeup = self.state.timers.next();
        match (expiry, wakeup) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next instruction for an agent: `(container instance ARN, instruction)`.
    pub fn poll_instruction(&mut self) -> Option<(String, AgentInstruction)> {
        self.flush();
        self.state.instructions.pop_front()
    }

    /// The next request of managed scaling for an Auto Scaling group (cluster auto scaling):
    /// the driver's EC2 Auto Scaling launches or terminates instances to meet it.
    pub fn poll_scaling(&mut self) -> Option<ScalingRequest> {
        self.flush();
        self.state.scaling.pop_front()
    }

    /// The next cluster event.
    pub fn poll_event(&mut self) -> Option<ClusterEvent> {
        self.flush();
        self.state.events.pop_front()
    }

    /// The whole state as JSON: clusters, instances, tasks, services, task definitions,
    /// pending instructions and timers, and the generator's position, so a session can be
    /// saved, shared and restored exactly. Cluster events not yet polled are not included.
    pub fn snapshot(&mut self) -> String {
        self.flush();
        serde_json::to_string(&Snapshot {
            berth_snapshot: SNAPSHOT_VERSION,
            control_plane: &self.state,
        })
        .expect("the state always serialises")
    }

    /// A control plane from a [`ControlPlane::snapshot`]; the same inputs then give the same
    /// outputs as they would have given the original.
    pub fn restore(snapshot: &str) -> Result<ControlPlane, String> {
        let snapshot: Snapshot<State> = serde_json::from_str(snapshot)
            .map_err(|error| format!("not a Berth control-plane snapshot: {error}"))?;
        if !(OLDEST_SNAPSHOT_VERSION..=SNAPSHOT_VERSION).contains(&snapshot.berth_snapshot) {
            return Err(format!(
                "snapshot format {} is not a format this Berth reads ({OLDEST_SNAPSHOT_VERSION} to {SNAPSHOT_VERSION})",
                snapshot.berth_snapshot
            ));
        }
        let mut state = snapshot.control_plane;
        // Counts kept incrementally are rebuilt (snapshots from before they existed lack them;
        // for the others this changes nothing).
        for cluster in state.clusters.values_mut() {
            let keys: Vec<records::TaskKey> = cluster.tasks.keys().copied().collect();
            for key in keys {
                cluster.sync(key);
            }
        }
        Ok(ControlPlane { state })
    }

    /// Lets the services take the step agent events called for.
    fn flush(&mut self) {
        if std::mem::take(&mut self.state.dirty) {
            let now = self.state.now;
            schedulers::reconcile_all(&mut self.state, now);
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
