//! The journalled world: the fleets of one or more regions (each a berth-fleet-sim
//! [`Simulation`] with its control plane), the clock they run by, and the journal of inputs
//! that made them, with replay, rewind and Berth's own endpoints (`/berth/clock`,
//! `/berth/fleet`, `/berth/summary`, `/berth/explain`) and ECS's operations. `berth serve`
//! keeps it behind HTTP with its journal in SQLite; the serverless page keeps it in memory
//! and its journal in localStorage. Neither implements any of it.
//!
//! Pure and deterministic, like the crates below it: the wall time comes in as an argument
//! (milliseconds), the journal is the host's ([`Journal`]), events come out as values for the
//! host to send. The world is a function of its journal: an input is journalled before it is
//! applied, a restart or a rewind replays the journal, and arrives where it was.

#![warn(missing_docs, unreachable_pub)]

pub mod clock;
pub mod entry;

use std::collections::BTreeMap;

use berth_control_plane::{Config, Request, Response};
use berth_fleet_sim::{FleetAction, Simulation};
use berth_model::views::{
    ClockDocument, ClockRequest, ExplainRequest, Explanation, FleetSummary, LoadBalancingRequest,
    SummaryRequest, Verdict,
};
use berth_model::{ApiError, ArnScope, ExceptionType, SimTime};
use serde_json::{json, Value};

pub use clock::{Clock, SPEEDS};
pub use entry::{seed_of, Entry, What};

/// The zones virtual instances are spread over, in order.
pub const ZONES: [&str; 3] = ["a", "b", "c"];

/// What a world is made with.
#[derive(Clone, Debug)]
pub struct Options {
    /// The account id in every ARN.
    pub account: String,
    /// The region of requests that name none, and of Berth's own endpoints.
    pub default_region: String,
    /// Virtual instances launched into each region's `default` cluster when it is created.
    pub virtual_instances: u32,
    /// Their EC2 instance type.
    pub instance_type: String,
    /// The URL DiscoverPollEndpoint answers (`None` when not served over a network).
    pub endpoint: Option<String>,
    /// Every region's seed; `None` gives each region created a fresh one (kept in the
    /// journal), so two servers never hand out the same ids.
    pub seed: Option<u64>,
}

/// Where the host keeps the journal: an input is kept before it is applied, so what was
/// acknowledged survives; a rewind forgets the tail and rebuilds from what is left.
pub trait Journal {
    /// Keeps an entry, before the world applies it.
    fn append(&mut self, entry: &Entry) -> Result<(), String>;
    /// Forgets every entry after `at`.
    fn forget_after(&mut self, at: SimTime) -> Result<(), String>;
    /// When the first entry it still holds came, if any.
    fn first_at(&self) -> Option<SimTime>;
    /// What to rebuild the world from: each region as its latest snapshot restores it
    /// (`Simulation::restore`; a journal that takes none has none), then the entries that
    /// came after them, in order.
    fn stored(&self) -> Result<Stored, String>;
}

/// A journal's contents, as [`World::rebuild`] reads them.
#[derive(Default)]
pub struct Stored {
    /// Regions restored from their snapshots. (Restoring is the journal's: a world whose
    /// journal keeps no snapshots, the page's, then carries no code to read one.)
    pub snapshots: Vec<(String, Simulation)>,
    /// The entries after them, oldest first.
    pub entries: Vec<Entry>,
}

/// What a world input answers: `None` when the input has no answer (an instance launched),
/// else the control plane's.
pub type Outcome = Option<Answer>;

/// A request's answer, in its service's terms. (ECS's responses are large; an answer is made
/// and moved once per request, so it is not boxed.)
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Answer {
    /// ECS's.
    Ecs(Result<Response, ApiError>),
    /// Elastic Load Balancing's.
    Elb(Result<berth_elb::Response, berth_elb::ElbError>),
    /// CloudWatch's.
    CloudWatch(Result<berth_cloudwatch::Response, berth_cloudwatch::CwError>),
    /// Application Auto Scaling's.
    AutoScaling(Result<berth_autoscaling::Response, berth_autoscaling::AasError>),
    /// CloudWatch Logs'.
    Logs(Result<berth_logs::Response, berth_logs::LogsError>),
}

impl Answer {
    /// ECS's answer (`None` for another service's).
    pub fn ecs(self) -> Option<Result<Response, ApiError>> {
        match self {
            Answer::Ecs(answer) => Some(answer),
            _ => None,
        }
    }

    /// ELB's answer (`None` for another service's).
    pub fn elb(self) -> Option<Result<berth_elb::Response, berth_elb::ElbError>> {
        match self {
            Answer::Elb(answer) => Some(answer),
            _ => None,
        }
    }

    /// CloudWatch Logs' answer (`None` for another service's).
    pub fn logs(self) -> Option<Result<berth_logs::Response, berth_logs::LogsError>> {
        match self {
            Answer::Logs(answer) => Some(answer),
            _ => None,
        }
    }

    /// Application Auto Scaling's answer (`None` for another service's).
    pub fn autoscaling(
        self,
    ) -> Option<Result<berth_autoscaling::Response, berth_autoscaling::AasError>> {
        match self {
            Answer::AutoScaling(answer) => Some(answer),
            _ => None,
        }
    }

    /// CloudWatch's answer (`None` for another service's).
    pub fn cloudwatch(
        self,
    ) -> Option<Result<berth_cloudwatch::Response, berth_cloudwatch::CwError>> {
        match self {
            Answer::CloudWatch(answer) => Some(answer),
            _ => None,
        }
    }
}

/// The world: every region's fleet, the clock, and what is waiting for the host to send.
pub struct World {
    options: Options,
    regions: BTreeMap<String, Simulation>,
    clock: Clock,
    /// The earliest a rewind can go back to because of snapshots: the inputs before the
    /// latest one are gone.
    snapshot_floor: SimTime,
    /// Whether the clock may be changed (not while Docker agents run real containers).
    adjustable: bool,
    /// Event ids: a counter.
    published: u64,
    /// Cluster events as EventBridge envelopes (and `Berth Rewind`), for the host to send.
    events: Vec<Value>,
}

impl World {
    /// A world with no region yet, its clock at 1× from `start` when the wall clock reads
    /// `wall`.
    pub fn new(options: Options, wall: u64, start: SimTime) -> World {
        World {
            options,
            regions: BTreeMap::new(),
            clock: Clock::new(wall, start, 1),
            snapshot_floor: SimTime(0),
            adjustable: true,
            published: 0,
            events: Vec::new(),
        }
    }

    /// The options it was made with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Rebuilds every region from `stored` (the snapshots, then the entries after them). An
    /// entry whose application panics is skipped where panics unwind; its place in the
    /// journal is returned so the host can say so. What replay re-enacts was seen live
    /// before: its events and agent instructions are dropped.
    pub fn rebuild(&mut self, stored: Stored) -> Result<Vec<usize>, String> {
        self.regions.clear();
        for (region, sim) in stored.snapshots {
            let mut sim = sim;
            sim.set_endpoint(self.options.endpoint.clone());
            self.snapshot_floor = self.snapshot_floor.max(sim.now());
            self.regions.insert(region, sim);
        }
        let mut skipped = Vec::new();
        for (index, entry) in stored.entries.iter().enumerate() {
            let applied =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.apply(entry)));
            if applied.is_err() {
                skipped.push(index);
            }
        }
        for sim in self.regions.values_mut() {
            sim.take_log();
            sim.take_outbox();
        }
        Ok(skipped)
    }

    /// After a rebuild at start-up: the clock at 1× from the wall clock, or from where the
    /// fleets (or a clock that ran faster) had got to, if later.
    pub fn resume(&mut self, wall: u64, at_least: SimTime) {
        let latest = self.regions.values().map(Simulation::now).max();
        let base = latest
            .unwrap_or(SimTime(0))
            .max(at_least)
            .max(SimTime(wall));
        self.clock = Clock::new(wall, base, 1);
    }

    /// Applies an entry (live or replayed): what it does depends only on the entry and the
    /// world.
    pub fn apply(&mut self, entry: &Entry) -> Outcome {
        let at = entry.at;
        if let What::Region { account, seed } = &entry.what {
            let config = Config {
                scope: ArnScope {
                    region: entry.region.clone(),
                    account_id: account.clone(),
                },
                rng_seed: *seed,
                endpoint: self.options.endpoint.clone(),
            };
            self.regions
                .insert(entry.region.clone(), Simulation::with_config(config, at));
            return None;
        }
        let sim = self.regions.get_mut(&entry.region)?;
        sim.run_until(at.max(sim.now()));
        match &entry.what {
            What::Region { .. } => None,
            What::LaunchInstance {
                instance_type,
                zone,
            } => {
                // A failed launch (unknown type) is refused before it is journalled.
                let _ = sim.launch_instance("default", instance_type, zone);
                None
            }
            What::AgentAttach { body, .. } => {
                let attach: Value = serde_json::from_str(body).unwrap_or_default();
                if let Ok(offer) = serde_json::from_value(attach["offer"].clone()) {
                    let zone = format!("{}{}", entry.region, ZONES[0]);
                    let docker = attach["dockerVersion"].as_str().unwrap_or_default();
                    let _ = sim.attach_instance("default", &zone, &offer, docker);
                }
                None
            }
            What::AgentEvent {
                instance_arn,
                event,
            } => {
                if let Ok(event) = serde_json::from_str(event) {
                    sim.agent_event(instance_arn, event);
                }
                None
            }
            What::Fleet(action) => {
                let Ok(action) = serde_json::from_str::<FleetAction>(action) else {
                    return Some(Answer::Ecs(Err(ApiError::new(
                        ExceptionType::InvalidParameterException,
                        "Not a fleet action.",
                    ))));
                };
                Some(Answer::Ecs(
                    sim.act(&action)
                        .map(|_| Response::Empty(Default::default())),
                ))
            }
            What::ProbeAnswer { id, outcome } => {
                sim.probe_answered(*id, *outcome);
                None
            }
            What::Served(served) => {
                sim.count_served(served);
                None
            }
            What::Request { operation, body } => {
                let body = serde_json::from_str(body).unwrap_or_default();
                Some(Answer::Ecs(
                    Request::from_operation(operation, body).and_then(|r| sim.request(r)),
                ))
            }
            What::ElbRequest { body } => Some(Answer::Elb(
                berth_api::elb::decode(body.as_bytes())
                    .and_then(|call| sim.elb_request(call.request)),
            )),
            What::CloudWatchRequest { operation, input } => {
                let input = serde_json::from_str(input).unwrap_or_default();
                Some(Answer::CloudWatch(
                    berth_api::cloudwatch::decode_json(operation, &input)
                        .and_then(|request| sim.cloudwatch_request(request)),
                ))
            }
            What::AutoScalingRequest { operation, input } => {
                let input = serde_json::from_str(input).unwrap_or_default();
                Some(Answer::AutoScaling(
                    berth_api::autoscaling::decode_json(operation, &input)
                        .and_then(|request| sim.autoscaling_request(request)),
                ))
            }
            What::LogsRequest { operation, input } => {
                let input = serde_json::from_str(input).unwrap_or_default();
                Some(Answer::Logs(
                    berth_api::logs::decode_json(operation, &input)
                        .and_then(|request| sim.logs_request(request)),
                ))
            }
            What::ContainerOutput {
                task_arn,
                container,
                lines,
            } => {
                sim.container_output(task_arn, container, lines);
                None
            }
        }
    }

    /// Journals an input that came at `now` (or at the region's time, if later), then applies
    /// it.
    pub fn record(
        &mut self,
        journal: &mut impl Journal,
        region: &str,
        now: SimTime,
        what: What,
    ) -> Result<Outcome, String> {
        let region_now = self.regions.get(region).map_or(now, Simulation::now);
        let entry = Entry {
            region: region.to_owned(),
            at: now.max(region_now),
            what,
        };
        journal.append(&entry)?;
        let outcome = self.apply(&entry);
        self.publish();
        Ok(outcome)
    }

    /// The region's fleet, created (with its virtual instances) on first use, at `now`.
    pub fn ensure_region(
        &mut self,
        journal: &mut impl Journal,
        region: &str,
        now: SimTime,
    ) -> Result<(), String> {
        if self.regions.contains_key(region) {
            return Ok(());
        }
        let seed = self.options.seed.unwrap_or_else(|| {
            seed_of(region) ^ now.as_millis().wrapping_mul(0x9e37_79b9_7f4a_7c15)
        });
        let account = self.options.account.clone();
        self.record(journal, region, now, What::Region { account, seed })?;
        for i in 0..self.options.virtual_instances as usize {
            let what = What::LaunchInstance {
                instance_type: self.options.instance_type.clone(),
                zone: format!("{region}{}", ZONES[i % ZONES.len()]),
            };
            self.record(journal, region, now, what)?;
        }
        Ok(())
    }

    /// The fleets' time when the wall clock reads `wall`.
    pub fn now(&self, wall: u64) -> SimTime {
        self.clock.now(wall)
    }

    /// Lets every region's fleet catch up with the clock: agent reports and timers due by now
    /// happen, at the times they were due (no journal entry: they follow from it).
    pub fn catch_up(&mut self, wall: u64) -> SimTime {
        let now = self.clock.now(wall);
        for sim in self.regions.values_mut() {
            while sim.run_to_next(now).is_some() {}
        }
        self.publish();
        now
    }

    /// Whether the clock may be changed; when it may not (Docker agents are linked) it runs
    /// at 1×.
    pub fn set_adjustable(&mut self, wall: u64, adjustable: bool) {
        self.adjustable = adjustable;
        if !adjustable {
            self.clock.set_speed(wall, 1);
        }
    }

    /// The earliest time a rewind can go back to: the latest snapshot's, and never before
    /// the first input (before a region existed there is nothing to go back to, and
    /// recreating it would give it a new seed).
    pub fn earliest(&self, journal: &impl Journal) -> SimTime {
        let first = journal.first_at().unwrap_or(SimTime(0));
        self.snapshot_floor.max(first)
    }

    /// The clock, as `/berth/clock` answers.
    pub fn clock_document(&self, wall: u64, journal: &impl Journal) -> ClockDocument {
        ClockDocument {
            region: self.options.default_region.clone(),
            now: self.clock.now(wall).as_millis(),
            speed: self.clock.speed(),
            adjustable: self.adjustable,
            earliest: self.earliest(journal).as_millis(),
        }
    }

    /// `/berth/clock`: a read, or a change of speed, a step to the next thing that happens
    /// in the default region, a rewind, in that order. A refusal is an HTTP status and a
    /// sentence.
    pub fn clock(
        &mut self,
        wall: u64,
        request: &ClockRequest,
        journal: &mut impl Journal,
    ) -> Result<ClockDocument, (u16, String)> {
        if request.changes() && !self.adjustable {
            return Err((
                409,
                "Docker containers run in real time: the clock stays at 1× while an agent is linked."
                    .into(),
            ));
        }
        if let Some(speed) = &request.speed {
            match speed.as_u64().and_then(|s| u32::try_from(s).ok()) {
                Some(speed) if SPEEDS.contains(&speed) => {
                    self.catch_up(wall);
                    self.clock.set_speed(wall, speed);
                }
                _ => return Err((400, "speed is one of 0 (paused), 1, 10 and 100.".into())),
            }
        }
        if let Some(to) = &request.rewind_to {
            let Some(to) = to.as_u64() else {
                return Err((400, "rewindTo is a time in epoch milliseconds.".into()));
            };
            self.rewind(wall, SimTime(to), journal)
                .map_err(|why| (409, why))?;
        }
        if request.step {
            self.catch_up(wall);
            let region = self.options.default_region.clone();
            let next = self
                .regions
                .get_mut(&region)
                .and_then(Simulation::next_wakeup);
            if let Some(next) = next {
                self.clock.jump_to(wall, next);
                self.catch_up(wall);
            }
        }
        Ok(self.clock_document(wall, journal))
    }

    /// Goes back to `to`: the journal after it is forgotten and every region rebuilt from the
    /// rest (deterministic replay), then the clock runs on from `to`. Live views are told
    /// with a `Berth Rewind` event.
    pub fn rewind(
        &mut self,
        wall: u64,
        to: SimTime,
        journal: &mut impl Journal,
    ) -> Result<(), String> {
        if !self.adjustable {
            return Err("Docker containers cannot be rewound: unlink the agents first.".into());
        }
        let floor = self.earliest(journal);
        if to < floor {
            let compacted = if self.snapshot_floor > journal.first_at().unwrap_or(SimTime(0)) {
                ", or the journal was compacted into a snapshot"
            } else {
                ""
            };
            return Err(format!(
                "Berth can rewind to {} at the earliest: before it the fleet did not exist yet{compacted}.",
                floor.to_iso8601()
            ));
        }
        if to >= self.clock.now(wall) {
            return Err("That is not in the past.".into());
        }
        journal.forget_after(to)?;
        self.rebuild(journal.stored()?)?;
        for sim in self.regions.values_mut() {
            // As catching up does: what was due by then, nothing more.
            while sim.run_to_next(to).is_some() {}
            sim.take_log();
            sim.take_outbox();
        }
        self.clock.restart_at(wall, to);
        self.events.push(json!({
            "detail-type": "Berth Rewind",
            "source": "berth",
            "time": to.to_iso8601(),
            "detail": {"to": to.as_millis()},
        }));
        Ok(())
    }

    /// An ECS operation in `region` (JSON 1.1: `target` is the `X-Amz-Target` header): a read
    /// is answered from the fleet as it is now, a write is journalled and applied. `Err` is
    /// the host's journal failing.
    pub fn call(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        region: &str,
        target: Option<&str>,
        body: &[u8],
    ) -> Result<Result<Response, ApiError>, String> {
        let call = match berth_api::decode(target, body) {
            Ok(call) => call,
            Err(error) => return Ok(Err(error)),
        };
        let now = self.clock.now(wall);
        self.ensure_region(journal, region, now)?;
        self.catch_up(wall);
        if call.is_read_only() {
            let sim = self.regions.get_mut(region).expect("ensured above");
            return Ok(sim.request(call.request));
        }
        // The body as journalled: the decoded request is rebuilt from it on replay.
        let body = std::str::from_utf8(body).unwrap_or("{}");
        let body = if body.trim().is_empty() { "{}" } else { body };
        let what = What::Request {
            operation: call.operation,
            body: body.to_owned(),
        };
        let outcome = self.record(journal, region, now, what)?;
        Ok(outcome
            .and_then(Answer::ecs)
            .expect("an ECS request has ECS's answer"))
    }

    /// An Elastic Load Balancing operation in `region` (the Query protocol: a form body): a
    /// read is answered from the region as it is now, a write is journalled and applied.
    /// Returns the action (for the reply's envelope) and ELB's answer; `Err` is the host's
    /// journal failing.
    pub fn call_elb(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        region: &str,
        body: &[u8],
    ) -> Result<(String, Result<berth_elb::Response, berth_elb::ElbError>), String> {
        let call = match berth_api::elb::decode(body) {
            Ok(call) => call,
            Err(error) => {
                let action = berth_api::query::Form::parse(body)
                    .ok()
                    .and_then(|form| form.action)
                    .unwrap_or_default();
                return Ok((action, Err(error)));
            }
        };
        let action = call.action.to_owned();
        let now = self.clock.now(wall);
        self.ensure_region(journal, region, now)?;
        self.catch_up(wall);
        if call.request.is_read_only() {
            let sim = self.regions.get_mut(region).expect("ensured above");
            return Ok((action, sim.elb_request(call.request)));
        }
        let what = What::ElbRequest {
            body: String::from_utf8_lossy(body).into_owned(),
        };
        let outcome = self.record(journal, region, now, what)?;
        let answer = outcome
            .and_then(Answer::elb)
            .expect("an ELB request has ELB's answer");
        Ok((action, answer))
    }

    /// A CloudWatch operation in `region` (in either of its protocols, which name the
    /// operation): a read is answered from the region as it is now, a write is journalled (its
    /// input as JSON) and applied. `Err` is the host's journal failing.
    pub fn call_cloudwatch(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        region: &str,
        protocol: berth_api::cloudwatch::Protocol,
        operation: &str,
        body: &[u8],
    ) -> Result<Result<berth_cloudwatch::Response, berth_cloudwatch::CwError>, String> {
        let call = match berth_api::cloudwatch::decode(protocol, operation, body) {
            Ok(call) => call,
            Err(error) => return Ok(Err(error)),
        };
        let write = (!call.request.is_read_only()).then(|| What::CloudWatchRequest {
            operation: call.operation.to_owned(),
            input: call.input.to_string(),
        });
        let request = call.request;
        self.call_service(
            wall,
            journal,
            region,
            write,
            |sim| sim.cloudwatch_request(request),
            Answer::cloudwatch,
        )
    }

    /// A decoded call to one of the region's other services: a read (`write` is `None`) is
    /// answered from the region as it is now, a write is journalled and applied and its answer
    /// taken from the outcome. `Err` is the host's journal failing.
    fn call_service<R>(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        region: &str,
        write: Option<What>,
        read: impl FnOnce(&mut Simulation) -> R,
        answer: impl FnOnce(Answer) -> Option<R>,
    ) -> Result<R, String> {
        let now = self.clock.now(wall);
        self.ensure_region(journal, region, now)?;
        self.catch_up(wall);
        let Some(what) = write else {
            let sim = self.regions.get_mut(region).expect("ensured above");
            return Ok(read(sim));
        };
        let outcome = self.record(journal, region, now, what)?;
        Ok(outcome
            .and_then(answer)
            .expect("a service's request has that service's answer"))
    }

    /// An Application Auto Scaling operation in `region` (JSON 1.1: `operation` is the
    /// `X-Amz-Target` header's suffix): a read is answered from the region as it is now, a
    /// write is journalled (its input as JSON) and applied. `Err` is the host's journal failing.
    pub fn call_autoscaling(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        region: &str,
        operation: &str,
        body: &[u8],
    ) -> Result<Result<berth_autoscaling::Response, berth_autoscaling::AasError>, String> {
        let call = match berth_api::autoscaling::decode(operation, body) {
            Ok(call) => call,
            Err(error) => return Ok(Err(error)),
        };
        let write = (!call.request.is_read_only()).then(|| What::AutoScalingRequest {
            operation: call.operation.to_owned(),
            input: call.input.to_string(),
        });
        let request = call.request;
        self.call_service(
            wall,
            journal,
            region,
            write,
            |sim| sim.autoscaling_request(request),
            Answer::autoscaling,
        )
    }

    /// A CloudWatch Logs operation in `region` (JSON 1.1: `operation` is the `X-Amz-Target`
    /// header's suffix): a read is answered from the region as it is now, a write is
    /// journalled (its input as JSON) and applied. `Err` is the host's journal failing.
    pub fn call_logs(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        region: &str,
        operation: &str,
        body: &[u8],
    ) -> Result<Result<berth_logs::Response, berth_logs::LogsError>, String> {
        let call = match berth_api::logs::decode(operation, body) {
            Ok(call) => call,
            Err(error) => return Ok(Err(error)),
        };
        let write = (!call.request.is_read_only()).then(|| What::LogsRequest {
            operation: call.operation.to_owned(),
            input: call.input.to_string(),
        });
        let request = call.request;
        self.call_service(
            wall,
            journal,
            region,
            write,
            |sim| sim.logs_request(request),
            Answer::logs,
        )
    }

    /// Lines a Docker container wrote (`berth agent`), in the default region: journalled and
    /// put in the container's log stream when it has one, dropped otherwise (the live
    /// views still show them). `Err` is the host's journal failing.
    pub fn container_output(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        task_arn: &str,
        container: &str,
        lines: Vec<String>,
    ) -> Result<(), String> {
        let region = self.options.default_region.clone();
        let ships = self
            .regions
            .get(&region)
            .is_some_and(|sim| sim.ships_logs(task_arn, container));
        if !ships {
            return Ok(());
        }
        let now = self.catch_up(wall);
        let what = What::ContainerOutput {
            task_arn: task_arn.to_owned(),
            container: container.to_owned(),
            lines,
        };
        self.record(journal, &region, now, what).map(|_| ())
    }

    /// `/berth/fleet`: a [`FleetAction`] on the default region's virtual world, journalled
    /// like a request. `Err` is the host's journal failing.
    pub fn fleet(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        body: &[u8],
    ) -> Result<Result<(), ApiError>, String> {
        let action = match FleetAction::from_json(body) {
            Ok(action) => action,
            Err(error) => return Ok(Err(error)),
        };
        let region = self.options.default_region.clone();
        let now = self.clock.now(wall);
        self.ensure_region(journal, &region, now)?;
        self.catch_up(wall);
        let action = serde_json::to_string(&action).expect("a fleet action serialises");
        let outcome = self.record(journal, &region, now, What::Fleet(action))?;
        Ok(match outcome.and_then(Answer::ecs) {
            Some(outcome) => outcome.map(|_| ()),
            None => Err(ApiError::new(
                ExceptionType::InvalidParameterException,
                "Not a fleet action.",
            )),
        })
    }

    /// A real health check's answer (`berth serve` checks Docker-backed targets itself),
    /// journalled like an agent's report.
    pub fn probe_answered(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        region: &str,
        id: u64,
        outcome: berth_elb::ProbeOutcome,
    ) -> Result<(), String> {
        if !self.regions.contains_key(region) {
            return Ok(());
        }
        let now = self.catch_up(wall);
        self.record(journal, region, now, What::ProbeAnswer { id, outcome })
            .map(|_| ())
    }

    /// What an AWS_LAMBDA hook's function answered (`berth serve` posts the invocation to
    /// the endpoint `--hook-endpoint` names), journalled like a fleet action of `region`, so a
    /// replay sees the same answer at the same time. `Ok(Err)`: no invocation waited for it.
    pub fn hook_answered(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        region: &str,
        action: &FleetAction,
    ) -> Result<Result<(), ApiError>, String> {
        if !self.regions.contains_key(region) {
            return Ok(Ok(()));
        }
        let now = self.catch_up(wall);
        let action = serde_json::to_string(action).expect("a fleet action serialises");
        let outcome = self.record(journal, region, now, What::Fleet(action))?;
        Ok(match outcome.and_then(Answer::ecs) {
            Some(outcome) => outcome.map(|_| ()),
            None => Ok(()),
        })
    }

    /// `/berth/hooks`: the default region's hook invocations waiting for an answer.
    pub fn hook_invocations(
        &mut self,
        wall: u64,
    ) -> Result<Vec<berth_control_plane::HookInvocation>, ApiError> {
        self.read_default_region(wall, |sim| Ok(sim.hook_invocations()))
    }

    /// The requests `berth serve`'s real listeners carried since it last said, journalled so
    /// a replay counts them too.
    pub fn served(
        &mut self,
        wall: u64,
        journal: &mut impl Journal,
        region: &str,
        served: Vec<berth_elb::Served>,
    ) -> Result<(), String> {
        if served.is_empty() || !self.regions.contains_key(region) {
            return Ok(());
        }
        let now = self.catch_up(wall);
        self.record(journal, region, now, What::Served(served))
            .map(|_| ())
    }

    /// `/berth/summary`: the default region's cluster at a glance.
    pub fn summary(
        &mut self,
        wall: u64,
        request: &SummaryRequest,
    ) -> Result<FleetSummary, ApiError> {
        self.read_default_region(wall, |sim| sim.fleet_summary(request.cluster.as_deref()))
    }

    /// `/berth/load-balancers`: the default region's load balancers, listeners, rules,
    /// target groups and targets with their health, drains, traffic and tasks, and the
    /// calls that rebuild the target groups the request names.
    pub fn load_balancers(
        &mut self,
        wall: u64,
        request: &LoadBalancingRequest,
    ) -> Result<berth_elb::view::LoadBalancingView, ApiError> {
        self.read_default_region(wall, |sim| {
            let mut view = sim.load_balancing();
            if let Some(elb) = sim.elb() {
                view.rebuild = elb.rebuild_calls(&request.rebuild);
            }
            Ok(view)
        })
    }

    /// `/berth/explain`: where the next task would be placed in the default region, and why.
    pub fn explain(
        &mut self,
        wall: u64,
        request: &ExplainRequest,
    ) -> Result<Explanation, ApiError> {
        self.read_default_region(wall, |sim| {
            sim.explain_placement(
                request.cluster.as_deref(),
                request.service.as_deref(),
                request.task_definition.as_deref(),
            )
        })
    }

    /// `/berth/check`: the editor's verdict on a pasted task definition, as
    /// RegisterTaskDefinition would judge it at the world's time (nothing is registered).
    pub fn check(&self, wall: u64, request: &berth_model::views::CheckRequest) -> Verdict {
        berth_model::views::judge(&request.text, &request.family, self.clock.now(wall))
    }

    /// A read of the default region's fleet, caught up with the clock first; a region not yet
    /// created has no cluster.
    fn read_default_region<T>(
        &mut self,
        wall: u64,
        read: impl FnOnce(&Simulation) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.catch_up(wall);
        match self.regions.get(&self.options.default_region) {
            Some(sim) => read(sim),
            None => Err(ApiError::new(
                ExceptionType::ClusterNotFoundException,
                berth_model::messages::CLUSTER_NOT_FOUND,
            )),
        }
    }

    /// A region's fleet.
    pub fn region(&self, region: &str) -> Option<&Simulation> {
        self.regions.get(region)
    }

    /// Every region's fleet, by region.
    pub fn regions(&self) -> impl Iterator<Item = (&String, &Simulation)> {
        self.regions.iter()
    }

    /// Every region's fleet, for what only the host does (delivering agent instructions).
    pub fn regions_mut(&mut self) -> impl Iterator<Item = (&String, &mut Simulation)> {
        self.regions.iter_mut()
    }

    /// A snapshot of every region, taken as of now, replaced the inputs before it (the
    /// host's compaction): the earliest rewind moves up to it, and what taking it flushed is
    /// published.
    pub fn snapshot_taken(&mut self) {
        if let Some(latest) = self.regions.values().map(Simulation::now).max() {
            self.snapshot_floor = self.snapshot_floor.max(latest);
        }
        self.publish();
    }

    /// The events since the last call: cluster events as EventBridge envelopes, in order.
    pub fn take_events(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.events)
    }

    /// Turns what the fleets logged into envelopes, as EventBridge would deliver them (ISO
    /// times in the envelope, the document as `detail`).
    fn publish(&mut self) {
        for (region, sim) in &mut self.regions {
            for event in sim.take_log() {
                self.published += 1;
                self.events.push(berth_api::event_envelope(
                    self.published,
                    &self.options.account,
                    region,
                    &event,
                ));
            }
        }
    }
}

/// A journal kept in memory, in order (the page's, whose host saves it to localStorage; and
/// a server's without `--data`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryJournal {
    /// The entries, oldest first.
    pub entries: Vec<Entry>,
}

impl Journal for MemoryJournal {
    fn append(&mut self, entry: &Entry) -> Result<(), String> {
        self.entries.push(entry.clone());
        Ok(())
    }

    fn forget_after(&mut self, at: SimTime) -> Result<(), String> {
        self.entries.retain(|entry| entry.at <= at);
        Ok(())
    }

    fn first_at(&self) -> Option<SimTime> {
        self.entries.first().map(|entry| entry.at)
    }

    fn stored(&self) -> Result<Stored, String> {
        Ok(Stored {
            snapshots: Vec::new(),
            entries: self.entries.clone(),
        })
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
