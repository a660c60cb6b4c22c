//! The control plane in the page: when no `berth serve` answers (the page is served as plain
//! files, or opened with `?engine=page`), the page runs berth-fleet-sim's virtual fleet and
//! control plane itself and answers the same requests `berth serve` would — ECS's JSON 1.1
//! operations through berth-api, and Berth's own `/berth/clock`, `/berth/fleet`,
//! `/berth/summary` and `/berth/explain` — so every view, form and lesson works unchanged.
//!
//! Pure and deterministic: the wall clock comes in as an argument. What changes the world is
//! journalled (the time and the request), so the session is the seed plus the journal: it is
//! saved as that ([`Local::save`]), rebuilt by replaying it ([`Local::load`]), and rewound by
//! forgetting the tail and replaying the rest, exactly as `berth serve` does with its SQLite
//! journal.

use berth_control_plane::{Config, Response};
use berth_fleet_sim::{FleetAction, Simulation};
use berth_model::views::{ExplainRequest, SummaryRequest};
use berth_model::{ApiError, ArnScope, ExceptionType, SimTime};
use serde_json::{json, Value};

/// The region and account of the page's fleet (`berth serve`'s defaults).
pub const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";
/// The default cluster's virtual instances, as `berth serve` starts with.
const DEFAULT_INSTANCES: [(&str, &str); 2] =
    [("t3.medium", "us-east-1a"), ("t3.medium", "us-east-1b")];
/// The speeds the clock runs at.
const SPEEDS: [u32; 4] = [0, 1, 10, 100];
/// The version of the saved form ([`Local::save`]).
const FORMAT: u64 = 1;

/// One journalled input: when it happened and what it was.
#[derive(Clone, Debug, PartialEq)]
struct Input {
    at: SimTime,
    what: What,
}

#[derive(Clone, Debug, PartialEq)]
enum What {
    /// An ECS operation that changes something, and its JSON body.
    Request { operation: String, body: String },
    /// A fleet action (`/berth/fleet`), as JSON.
    Fleet(String),
}

/// The fleet's time: `base` when the wall clock read `wall_base`, running `speed` times as
/// fast as the wall clock since (or stopped).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Clock {
    wall_base: f64,
    base: SimTime,
    speed: u32,
}

impl Clock {
    fn now(&self, wall: f64) -> SimTime {
        let elapsed = (wall - self.wall_base).max(0.0) as u64;
        SimTime(self.base.0 + elapsed * u64::from(self.speed))
    }
}

/// The page's own fleet and control plane, with its journal and clock.
pub struct Local {
    seed: u64,
    start: SimTime,
    journal: Vec<Input>,
    sim: Simulation,
    clock: Clock,
    /// Event ids: a counter.
    published: u64,
    /// Cluster events as EventBridge envelopes, for the live view to take.
    events: Vec<Value>,
}

/// A reply: the HTTP status `berth serve` would send and the body.
pub type Reply = (u16, String);

impl Local {
    /// A new world at `wall` (epoch milliseconds): the default cluster with two t3.medium
    /// instances, the clock at 1×.
    pub fn new(seed: u64, wall: f64) -> Local {
        Local::begin(seed, SimTime(wall as u64), wall)
    }

    /// A world begun at `start` with an empty journal, its clock at 1× from `start` at `wall`.
    fn begin(seed: u64, start: SimTime, wall: f64) -> Local {
        Local {
            seed,
            start,
            journal: Vec::new(),
            sim: fresh(seed, start),
            clock: Clock {
                wall_base: wall,
                base: start,
                speed: 1,
            },
            published: 0,
            events: Vec::new(),
        }
    }

    /// The saved form at `wall`: the seed, the start, the journal and the clock's time (JSON).
    pub fn save(&self, wall: f64) -> String {
        json!({
            "format": FORMAT,
            "seed": self.seed,
            "start": self.start.as_millis(),
            "now": self.clock.now(wall).as_millis(),
            "journal": self.journal_json(),
        })
        .to_string()
    }

    fn journal_json(&self) -> Vec<Value> {
        self.journal
            .iter()
            .map(|input| match &input.what {
                What::Request { operation, body } => {
                    json!({"at": input.at.as_millis(), "operation": operation, "body": body})
                }
                What::Fleet(action) => json!({"at": input.at.as_millis(), "fleet": action}),
            })
            .collect()
    }

    /// Names this world as its inputs made it (seed, start, journal; not the clock): two
    /// tabs with the same name show the same world, and a tab that finds another name saved
    /// knows another tab has changed it.
    pub fn world(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        (self.seed, self.start.as_millis()).hash(&mut hasher);
        Value::Array(self.journal_json())
            .to_string()
            .hash(&mut hasher);
        format!("{:016x}", hasher.finish())
    }

    /// Rebuilds a saved world by replaying its journal, with the clock at 1× from where it was
    /// saved, or from `wall` if that is later (time passed while the page was closed, as it
    /// does for `berth serve`). `None` if `saved` is not a saved world.
    pub fn load(saved: &str, wall: f64) -> Option<Local> {
        let saved: Value = serde_json::from_str(saved).ok()?;
        if saved["format"].as_u64() != Some(FORMAT) {
            return None;
        }
        let seed = saved["seed"].as_u64()?;
        let start = SimTime(saved["start"].as_u64()?);
        let mut journal = Vec::new();
        for entry in saved["journal"].as_array()? {
            let at = SimTime(entry["at"].as_u64()?);
            let what = match (entry["operation"].as_str(), entry["fleet"].as_str()) {
                (Some(operation), _) => What::Request {
                    operation: operation.to_owned(),
                    body: entry["body"].as_str()?.to_owned(),
                },
                (None, Some(action)) => What::Fleet(action.to_owned()),
                (None, None) => return None,
            };
            journal.push(Input { at, what });
        }
        let mut local = Local::begin(seed, start, wall);
        local.journal = journal;
        local.replay(None);
        let saved_now = SimTime(saved["now"].as_u64().unwrap_or(0));
        local.clock.base = local.sim.now().max(saved_now).max(SimTime(wall as u64));
        Some(local)
    }

    /// Rebuilds the world from the seed and the journal, up to `until` (everything, if
    /// `None`). What replay re-enacts was seen before: its events are dropped.
    fn replay(&mut self, until: Option<SimTime>) {
        self.sim = fresh(self.seed, self.start);
        for input in &self.journal {
            self.sim.run_until(input.at.max(self.sim.now()));
            let _ = apply(&mut self.sim, &input.what);
        }
        if let Some(until) = until {
            while self.sim.run_to_next(until).is_some() {}
        }
        self.sim.take_log();
    }

    /// How many inputs the journal holds (it grows with each change).
    pub fn journal_len(&self) -> usize {
        self.journal.len()
    }

    /// The events since the last call, as EventBridge envelopes.
    pub fn take_events(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.events)
    }

    /// Lets the fleet catch up with the clock: what was due by now happens, at its time.
    pub fn catch_up(&mut self, wall: f64) -> SimTime {
        let now = self.clock.now(wall);
        while self.sim.run_to_next(now).is_some() {}
        self.publish();
        now
    }

    fn publish(&mut self) {
        for event in self.sim.take_log() {
            self.published += 1;
            self.events.push(berth_api::event_envelope(
                self.published,
                ACCOUNT,
                REGION,
                &event,
            ));
        }
    }

    /// Journals an input at `now` and applies it.
    fn record(&mut self, now: SimTime, what: What) -> Result<Response, ApiError> {
        let at = now.max(self.sim.now());
        self.sim.run_until(at);
        let outcome = apply(&mut self.sim, &what);
        self.journal.push(Input { at, what });
        self.publish();
        outcome
    }

    /// Answers a request to `path` as `berth serve` would: `/` with `target` (the
    /// `X-Amz-Target` header) is an ECS operation; `/berth/...` are Berth's own endpoints.
    pub fn post(&mut self, wall: f64, path: &str, target: Option<&str>, body: &str) -> Reply {
        let now = self.catch_up(wall);
        match path {
            "/" => self.call(now, target, body),
            "/berth/clock" => self.clock(wall, body),
            "/berth/fleet" => self.fleet(now, body),
            "/berth/summary" => {
                let request: SummaryRequest = serde_json::from_str(body).unwrap_or_default();
                json_reply(
                    self.sim
                        .fleet_summary(request.cluster.as_deref())
                        .map(|summary| serde_json::to_string(&summary).unwrap_or_default()),
                )
            }
            "/berth/explain" => {
                let request: ExplainRequest = serde_json::from_str(body).unwrap_or_default();
                json_reply(
                    self.sim
                        .explain_placement(
                            request.cluster.as_deref(),
                            request.service.as_deref(),
                            request.task_definition.as_deref(),
                        )
                        .map(|explanation| {
                            serde_json::to_string(&explanation).unwrap_or_default()
                        }),
                )
            }
            "/berth/agents" => (
                409,
                "Docker agents are linked through berth serve: open the playground from `scripts/serve` (or `berth serve --web dist`) to run real containers.".into(),
            ),
            _ => (404, format!("{path}: no such endpoint")),
        }
    }

    fn call(&mut self, now: SimTime, target: Option<&str>, body: &str) -> Reply {
        let call = match berth_api::decode(target, body.as_bytes()) {
            Ok(call) => call,
            Err(error) => return reply(&Err(error)),
        };
        if call.is_read_only() {
            return reply(&self.sim.request(call.request));
        }
        let body = if body.trim().is_empty() { "{}" } else { body };
        let outcome = self.record(
            now,
            What::Request {
                operation: call.operation,
                body: body.to_owned(),
            },
        );
        reply(&outcome)
    }

    fn fleet(&mut self, now: SimTime, body: &str) -> Reply {
        let action = match parse_action(body) {
            Ok(action) => action,
            Err(error) => return json_reply(Err(error)),
        };
        let outcome = self.record(now, What::Fleet(action));
        json_reply(outcome.map(|_| "{}".to_owned()))
    }

    /// `/berth/clock`: `{}` reads it; `{"speed"}`, `{"step": true}` and `{"rewindTo"}` change
    /// it, as on `berth serve`.
    fn clock(&mut self, wall: f64, body: &str) -> Reply {
        let request: Value = serde_json::from_str(body).unwrap_or_default();
        if let Some(speed) = request.get("speed") {
            match speed.as_u64().and_then(|s| u32::try_from(s).ok()) {
                Some(speed) if SPEEDS.contains(&speed) => {
                    self.clock = Clock {
                        wall_base: wall,
                        base: self.clock.now(wall),
                        speed,
                    };
                }
                _ => return (400, "speed is one of 0 (paused), 1, 10 and 100.".into()),
            }
        }
        if let Some(to) = request.get("rewindTo") {
            let Some(to) = to.as_u64().map(SimTime) else {
                return (400, "rewindTo is a time in epoch milliseconds.".into());
            };
            if let Err(why) = self.rewind(wall, to) {
                return (409, why);
            }
        }
        if request["step"] == true {
            if let Some(next) = self.sim.next_wakeup() {
                let now = self.clock.now(wall).max(next);
                self.clock = Clock {
                    wall_base: wall,
                    base: now,
                    speed: self.clock.speed,
                };
                self.catch_up(wall);
            }
        }
        let body = json!({
            "now": self.clock.now(wall).as_millis(),
            "speed": self.clock.speed,
            "adjustable": true,
            "earliest": self.start.as_millis(),
        });
        (200, body.to_string())
    }

    /// Goes back to `to`: the journal after it is forgotten and the world replayed up to it;
    /// the live view is told with a `Berth Rewind` message.
    fn rewind(&mut self, wall: f64, to: SimTime) -> Result<(), String> {
        if to < self.start {
            return Err(format!(
                "Berth can rewind to {} at the earliest: before it the fleet did not exist yet.",
                self.start.to_iso8601()
            ));
        }
        if to >= self.clock.now(wall) {
            return Err("That is not in the past.".into());
        }
        self.journal.retain(|input| input.at <= to);
        self.replay(Some(to));
        self.clock = Clock {
            wall_base: wall,
            base: to,
            speed: self.clock.speed,
        };
        self.events.push(json!({
            "detail-type": "Berth Rewind",
            "source": "berth",
            "time": to.to_iso8601(),
            "detail": {"to": to.as_millis()},
        }));
        Ok(())
    }
}

/// A world at `start`: the default cluster and its two instances.
fn fresh(seed: u64, start: SimTime) -> Simulation {
    let config = Config {
        scope: ArnScope {
            region: REGION.into(),
            account_id: ACCOUNT.into(),
        },
        rng_seed: seed,
        endpoint: None,
    };
    let mut sim = Simulation::with_config(config, start);
    for (instance_type, zone) in DEFAULT_INSTANCES {
        let _ = sim.launch_instance("default", instance_type, zone);
    }
    sim
}

/// Applies an input; what it does depends only on the input and the world.
fn apply(sim: &mut Simulation, what: &What) -> Result<Response, ApiError> {
    match what {
        What::Request { operation, body } => {
            let body = serde_json::from_str(body).unwrap_or_default();
            berth_control_plane::Request::from_operation(operation, body)
                .and_then(|request| sim.request(request))
        }
        What::Fleet(action) => {
            let action: FleetAction = serde_json::from_str(action).map_err(|error| {
                ApiError::new(ExceptionType::InvalidParameterException, error.to_string())
            })?;
            sim.act(&action)
                .map(|_| Response::Empty(Default::default()))
        }
    }
}

/// A fleet action's JSON, checked as `berth serve` checks it, in the journal's form.
fn parse_action(body: &str) -> Result<String, ApiError> {
    let action = FleetAction::from_json(body.as_bytes())?;
    serde_json::to_string(&action)
        .map_err(|error| ApiError::new(ExceptionType::InvalidParameterException, error.to_string()))
}

fn reply(outcome: &Result<Response, ApiError>) -> Reply {
    let reply = berth_api::reply(outcome);
    (reply.status, reply.body)
}

fn json_reply(outcome: Result<String, ApiError>) -> Reply {
    match outcome {
        Ok(body) => (200, body),
        Err(error) => {
            let reply = berth_api::error_reply(&error);
            (reply.status, reply.body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: f64 = 1_700_000_000_000.0;

    fn call(local: &mut Local, wall: f64, operation: &str, body: Value) -> (u16, Value) {
        let target = format!("{}{operation}", berth_api::TARGET_PREFIX);
        let (status, text) = local.post(wall, "/", Some(&target), &body.to_string());
        (status, serde_json::from_str(&text).unwrap())
    }

    fn post(local: &mut Local, wall: f64, path: &str, body: Value) -> (u16, String) {
        local.post(wall, path, None, &body.to_string())
    }

    fn register_and_run(local: &mut Local, wall: f64) {
        let definition = json!({"family": "web", "containerDefinitions": [{
            "name": "web", "image": "nginx", "memory": 128, "essential": true,
            "portMappings": [{"containerPort": 80, "hostPort": 0}]}]});
        assert_eq!(
            call(local, wall, "RegisterTaskDefinition", definition).0,
            200
        );
        let (status, ran) = call(
            local,
            wall,
            "RunTask",
            json!({"taskDefinition": "web", "count": 2}),
        );
        assert_eq!(status, 200, "{ran}");
    }

    fn tasks(local: &mut Local, wall: f64) -> Value {
        let listed = call(local, wall, "ListTasks", json!({})).1;
        call(
            local,
            wall,
            "DescribeTasks",
            json!({"tasks": listed["taskArns"]}),
        )
        .1
    }

    #[test]
    fn a_new_world_is_the_default_cluster_with_two_instances() {
        let mut local = Local::new(7, T0);
        let (status, listed) = call(&mut local, T0, "ListContainerInstances", json!({}));
        assert_eq!(status, 200);
        assert_eq!(listed["containerInstanceArns"].as_array().unwrap().len(), 2);
        // Reads are not journalled.
        assert_eq!(local.journal_len(), 0);
    }

    #[test]
    fn errors_come_in_ecs_shape() {
        let mut local = Local::new(7, T0);
        let (status, error) = call(
            &mut local,
            T0,
            "DescribeServices",
            json!({"cluster": "nope", "services": ["x"]}),
        );
        assert_eq!(status, 400);
        assert_eq!(error["__type"], "ClusterNotFoundException");
        let (status, text) = post(
            &mut local,
            T0,
            "/berth/fleet",
            json!({"action": "launch", "cluster": "default", "instanceType": "t9.huge", "zone": "us-east-1a"}),
        );
        assert_eq!(status, 400);
        assert!(text.contains("Unknown instance type t9.huge"), "{text}");
        assert_eq!(post(&mut local, T0, "/berth/agents", json!({})).0, 409);
        assert_eq!(local.journal_len(), 0, "refused inputs are not journalled");
    }

    #[test]
    fn time_runs_with_the_wall_clock_and_events_are_published() {
        let mut local = Local::new(7, T0);
        register_and_run(&mut local, T0);
        let later = T0 + 60_000.0;
        let described = tasks(&mut local, later);
        let statuses: Vec<&str> = described["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["lastStatus"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["RUNNING", "RUNNING"]);
        let events = local.take_events();
        assert!(events
            .iter()
            .any(|e| e["detail-type"] == "ECS Task State Change"
                && e["detail"]["lastStatus"] == "RUNNING"));
        assert!(local.take_events().is_empty(), "events are taken once");
    }

    #[test]
    fn a_saved_world_replays_to_the_same_documents() {
        let mut local = Local::new(11, T0);
        register_and_run(&mut local, T0);
        post(
            &mut local,
            T0 + 1_000.0,
            "/berth/fleet",
            json!({"action": "launch", "cluster": "default", "instanceType": "m5.large", "zone": "us-east-1c"}),
        );
        let wall = T0 + 120_000.0;
        let before = tasks(&mut local, wall);
        let mut loaded = Local::load(&local.save(wall), wall).expect("loads");
        assert_eq!(tasks(&mut loaded, wall), before);
        assert_eq!(loaded.journal_len(), 3);
        assert_eq!(loaded.save(wall), local.save(wall));
        assert!(Local::load("{\"format\": 99}", wall).is_none());
        assert!(Local::load("not json", wall).is_none());
    }

    #[test]
    fn a_world_is_named_by_its_inputs_not_its_clock() {
        let mut local = Local::new(11, T0);
        let fresh = local.world();
        assert_eq!(fresh, Local::new(11, T0).world());
        assert_ne!(fresh, Local::new(12, T0).world(), "another seed");
        post(
            &mut local,
            T0 + 5_000.0,
            "/berth/clock",
            json!({"speed": 100}),
        );
        assert_eq!(local.world(), fresh, "the clock is not the world");
        register_and_run(&mut local, T0 + 6_000.0);
        let changed = local.world();
        assert_ne!(changed, fresh);
        let loaded = Local::load(&local.save(T0 + 9_000.0), T0 + 9_000.0).unwrap();
        assert_eq!(loaded.world(), changed, "a reload keeps the name");
    }

    #[test]
    fn a_reload_resumes_the_clock_where_it_was() {
        let mut local = Local::new(3, T0);
        assert_eq!(
            post(&mut local, T0, "/berth/clock", json!({"speed": 100})).0,
            200
        );
        // Ten seconds at 100×: the fleet is 1,000 s ahead of the wall clock when saved.
        let saved = local.save(T0 + 10_000.0);
        let mut loaded = Local::load(&saved, T0 + 20_000.0).unwrap();
        let (_, text) = post(&mut loaded, T0 + 20_000.0, "/berth/clock", json!({}));
        let clock: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(clock["now"], T0 as u64 + 1_000_000);
        assert_eq!(clock["speed"], 1);
        // Closed for longer than that: the wall clock wins.
        let mut loaded = Local::load(&saved, T0 + 5_000_000.0).unwrap();
        let (_, text) = post(&mut loaded, T0 + 5_000_000.0, "/berth/clock", json!({}));
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap()["now"],
            T0 as u64 + 5_000_000
        );
    }

    #[test]
    fn the_clock_pauses_speeds_up_and_steps() {
        let mut local = Local::new(7, T0);
        let now = |local: &mut Local, wall: f64, body: Value| -> Value {
            let (status, text) = post(local, wall, "/berth/clock", body);
            assert_eq!(status, 200, "{text}");
            serde_json::from_str(&text).unwrap()
        };
        assert_eq!(now(&mut local, T0, json!({"speed": 0}))["now"], T0 as u64);
        assert_eq!(
            now(&mut local, T0 + 5_000.0, json!({}))["now"],
            T0 as u64,
            "paused"
        );
        assert_eq!(
            now(&mut local, T0 + 5_000.0, json!({"speed": 100}))["now"],
            T0 as u64
        );
        assert_eq!(
            now(&mut local, T0 + 6_000.0, json!({}))["now"],
            T0 as u64 + 100_000
        );
        assert_eq!(
            post(&mut local, T0, "/berth/clock", json!({"speed": 3})).0,
            400
        );
        now(&mut local, T0 + 6_000.0, json!({"speed": 0}));
        register_and_run(&mut local, T0 + 6_000.0);
        let stepped = now(&mut local, T0 + 6_000.0, json!({"step": true}));
        assert!(
            stepped["now"].as_u64().unwrap() > T0 as u64 + 100_000,
            "{stepped}"
        );
    }

    #[test]
    fn rewinding_forgets_what_came_after() {
        let mut local = Local::new(7, T0);
        register_and_run(&mut local, T0);
        let service = json!({"serviceName": "svc", "taskDefinition": "web", "desiredCount": 1});
        assert_eq!(
            call(&mut local, T0 + 60_000.0, "CreateService", service).0,
            200
        );
        let (status, text) = post(
            &mut local,
            T0 + 90_000.0,
            "/berth/clock",
            json!({"rewindTo": T0 as u64 + 30_000}),
        );
        assert_eq!(status, 200, "{text}");
        let services = call(&mut local, T0 + 90_000.0, "ListServices", json!({})).1;
        assert_eq!(services["serviceArns"], json!([]));
        assert_eq!(
            tasks(&mut local, T0 + 90_000.0)["tasks"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert!(local
            .take_events()
            .iter()
            .any(|e| e["detail-type"] == "Berth Rewind"));
        assert_eq!(
            post(
                &mut local,
                T0 + 90_000.0,
                "/berth/clock",
                json!({"rewindTo": T0 as u64 - 1})
            )
            .0,
            409
        );
        assert_eq!(
            post(
                &mut local,
                T0 + 90_000.0,
                "/berth/clock",
                json!({"rewindTo": T0 as u64 + 40_000})
            )
            .0,
            409,
            "not in the past"
        );
    }
}
