//! The control plane in the page: when no `berth serve` answers (the page is served as plain
//! files, or opened with `?engine=page`), the page runs the journalled world itself
//! (berth-world: the virtual fleet, the control plane, the clock, replay and rewind) and
//! answers the same requests `berth serve` would — ECS's JSON 1.1 operations and Berth's own
//! `/berth/clock`, `/berth/fleet`, `/berth/summary` and `/berth/explain` — so every view,
//! form and lesson works unchanged.
//!
//! What is the page's own: the journal is kept in memory and saved to localStorage as the
//! seed, the start and the inputs ([`Local::save`]), rebuilt by replaying them
//! ([`Local::load`]), and named by them ([`Local::world`]) so tabs can tell each other's
//! worlds apart. The wall clock comes in as an argument.

use berth_model::views::{
    CheckRequest, ClockRequest, ExplainRequest, LoadBalancingRequest, SummaryRequest,
};
use berth_model::{ApiError, SimTime};
use berth_world::{Entry, MemoryJournal, What, World};
use serde_json::{json, Value};

/// The region and account of the page's fleet (`berth serve`'s defaults).
pub const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";
/// The version of the saved form ([`Local::save`]).
const FORMAT: u64 = 1;

/// The page's own world, with its journal.
pub struct Local {
    seed: u64,
    start: SimTime,
    journal: MemoryJournal,
    world: World,
}

/// A reply: the HTTP status `berth serve` would send and the body.
pub type Reply = (u16, String);

/// The wall clock as the world reads it (epoch milliseconds, never negative).
fn millis(wall: f64) -> u64 {
    wall.max(0.0) as u64
}

impl Local {
    /// A new world at `wall` (epoch milliseconds): the default cluster with two t3.medium
    /// instances, the clock at 1×.
    pub fn new(seed: u64, wall: f64) -> Local {
        Local::begin(seed, SimTime(millis(wall)), wall)
    }

    /// A world begun at `start` (its region and instances journalled then), its clock at 1×
    /// from `start` at `wall`.
    fn begin(seed: u64, start: SimTime, wall: f64) -> Local {
        let options = berth_world::Options {
            account: ACCOUNT.into(),
            default_region: REGION.into(),
            virtual_instances: 2,
            instance_type: "t3.medium".into(),
            endpoint: None,
            seed: Some(seed),
        };
        let mut world = World::new(options, millis(wall), start);
        let mut journal = MemoryJournal::default();
        world
            .ensure_region(&mut journal, REGION, start)
            .expect("a memory journal takes every entry");
        Local {
            seed,
            start,
            journal,
            world,
        }
    }

    /// The saved form at `wall`: the seed, the start, the journal and the clock's time (JSON).
    pub fn save(&self, wall: f64) -> String {
        json!({
            "format": FORMAT,
            "seed": self.seed,
            "start": self.start.as_millis(),
            "now": self.world.now(millis(wall)).as_millis(),
            "journal": self.journal_json(),
        })
        .to_string()
    }

    /// The inputs the user made (the region and its instances follow from seed and start).
    fn inputs(&self) -> impl Iterator<Item = &Entry> {
        self.journal.entries.iter().filter(|entry| {
            matches!(
                entry.what,
                What::Request { .. } | What::ElbRequest { .. } | What::Fleet(_)
            )
        })
    }

    fn journal_json(&self) -> Vec<Value> {
        self.inputs()
            .filter_map(|input| match &input.what {
                What::Request { operation, body } => {
                    Some(json!({"at": input.at.as_millis(), "operation": operation, "body": body}))
                }
                What::ElbRequest { body } => {
                    Some(json!({"at": input.at.as_millis(), "elbv2": body}))
                }
                What::Fleet(action) => Some(json!({"at": input.at.as_millis(), "fleet": action})),
                _ => None,
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
        let mut local = Local::begin(seed, start, wall);
        for entry in saved["journal"].as_array()? {
            let at = SimTime(entry["at"].as_u64()?);
            let what = if let Some(operation) = entry["operation"].as_str() {
                What::Request {
                    operation: operation.to_owned(),
                    body: entry["body"].as_str()?.to_owned(),
                }
            } else if let Some(body) = entry["elbv2"].as_str() {
                What::ElbRequest {
                    body: body.to_owned(),
                }
            } else {
                What::Fleet(entry["fleet"].as_str()?.to_owned())
            };
            local.journal.entries.push(Entry {
                region: REGION.into(),
                at,
                what,
            });
        }
        let stored = berth_world::Journal::stored(&local.journal).ok()?;
        local.world.rebuild(stored).ok()?;
        let saved_now = SimTime(saved["now"].as_u64().unwrap_or(0));
        local.world.resume(millis(wall), saved_now);
        Some(local)
    }

    /// How many inputs the journal holds (it grows with each change).
    pub fn journal_len(&self) -> usize {
        self.inputs().count()
    }

    /// The events since the last call, as EventBridge envelopes.
    pub fn take_events(&mut self) -> Vec<Value> {
        self.world.take_events()
    }

    /// Answers a request to `path` as `berth serve` would: `/` with `target` (the
    /// `X-Amz-Target` header) is an ECS operation; `/berth/...` are Berth's own endpoints.
    pub fn post(&mut self, wall: f64, path: &str, target: Option<&str>, body: &str) -> Reply {
        const CLOUDWATCH: &str = berth_api::cloudwatch::TARGET_PREFIX;
        const AUTOSCALING: &str = berth_api::autoscaling::TARGET_PREFIX;
        const LOGS: &str = berth_api::logs::TARGET_PREFIX;
        let wall = millis(wall);
        self.world.catch_up(wall);
        let Local { world, journal, .. } = self;
        match path {
            "/" if target.is_some_and(|t| t.starts_with(CLOUDWATCH)) => {
                let operation = &target.unwrap_or_default()[CLOUDWATCH.len()..];
                let protocol = berth_api::cloudwatch::Protocol::Json;
                let outcome = world
                    .call_cloudwatch(wall, journal, REGION, protocol, operation, body.as_bytes())
                    .expect("a memory journal takes every entry");
                let reply = berth_api::cloudwatch::reply(protocol, &outcome);
                (reply.status, String::from_utf8(reply.body).unwrap_or_default())
            }
            "/" if target.is_some_and(|t| t.starts_with(AUTOSCALING)) => {
                let operation = &target.unwrap_or_default()[AUTOSCALING.len()..];
                let outcome = world
                    .call_autoscaling(wall, journal, REGION, operation, body.as_bytes())
                    .expect("a memory journal takes every entry");
                let reply = berth_api::autoscaling::reply(&outcome);
                (reply.status, reply.body)
            }
            "/" if target.is_some_and(|t| t.starts_with(LOGS)) => {
                let operation = &target.unwrap_or_default()[LOGS.len()..];
                let outcome = world
                    .call_logs(wall, journal, REGION, operation, body.as_bytes())
                    .expect("a memory journal takes every entry");
                let reply = berth_api::logs::reply(&outcome);
                (reply.status, reply.body)
            }
            "/" => {
                let outcome = world
                    .call(wall, journal, REGION, target, body.as_bytes())
                    .expect("a memory journal takes every entry");
                let reply = berth_api::reply(&outcome);
                (reply.status, reply.body)
            }
            "/berth/clock" => {
                let request: ClockRequest = serde_json::from_str(body).unwrap_or_default();
                match world.clock(wall, &request, journal) {
                    Ok(document) => (200, serde_json::to_string(&document).unwrap_or_default()),
                    Err(refused) => refused,
                }
            }
            "/berth/fleet" => {
                let outcome = world
                    .fleet(wall, journal, body.as_bytes())
                    .expect("a memory journal takes every entry");
                json_reply(outcome.map(|()| "{}".to_owned()))
            }
            "/berth/summary" => {
                let request: SummaryRequest = serde_json::from_str(body).unwrap_or_default();
                let summary = world.summary(wall, &request);
                json_reply(summary.map(|s| serde_json::to_string(&s).unwrap_or_default()))
            }
            "/berth/load-balancers" => {
                let request: LoadBalancingRequest = serde_json::from_str(body).unwrap_or_default();
                let view = world.load_balancers(wall, &request);
                json_reply(view.map(|v| serde_json::to_string(&v).unwrap_or_default()))
            }
            "/berth/hooks" => {
                let listed = world.hook_invocations(wall).map(|invocations| {
                    // No endpoint answers for a function here: the person at the page does.
                    json!({ "invocations": invocations }).to_string()
                });
                json_reply(listed)
            }
            "/berth/check" => {
                let request: CheckRequest = serde_json::from_str(body).unwrap_or_default();
                let verdict = world.check(wall, &request);
                (200, serde_json::to_string(&verdict).unwrap_or_default())
            }
            "/berth/explain" => {
                let request: ExplainRequest = serde_json::from_str(body).unwrap_or_default();
                let explanation = world.explain(wall, &request);
                json_reply(explanation.map(|e| serde_json::to_string(&e).unwrap_or_default()))
            }
            "/berth/agents" => (
                409,
                "Docker agents are linked through berth serve: open the playground from `scripts/serve` (or `berth serve --web dist`) to run real containers.".into(),
            ),
            _ => (404, format!("{path}: no such endpoint")),
        }
    }

    /// Answers an Elastic Load Balancing call (a Query-protocol form body to `/`): its status
    /// and, for an error, ELB's XML, as `berth serve` answers it. A success's body is left
    /// out: the page reads nothing of it, and writing the 26 operations' XML results would
    /// cost the page's bundle more than all of ELB's logic.
    pub fn post_query(&mut self, wall: f64, body: &str) -> Reply {
        let wall = millis(wall);
        self.world.catch_up(wall);
        let request_id = berth_api::request_id(self.journal_len() as u128);
        let Local { world, journal, .. } = self;
        let (_, answer) = world
            .call_elb(wall, journal, REGION, body.as_bytes())
            .expect("a memory journal takes every entry");
        match answer {
            Ok(_) => (200, String::new()),
            Err(error) => {
                let reply = berth_api::elb::error_reply(&error, &request_id);
                (reply.status, reply.body)
            }
        }
    }
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

    /// Reads of the region's other services before anything used them create nothing and
    /// draw no random number: the journal holds no reads, so a reload must arrive at the same
    /// load balancer ARNs as the session it replays (the scaling plot reads them every look).
    #[test]
    fn reads_of_unused_services_leave_the_replay_unchanged() {
        let mut local = Local::new(11, T0);
        for (prefix, operation, body) in [
            (
                berth_api::autoscaling::TARGET_PREFIX,
                "DescribeScalableTargets",
                json!({"ServiceNamespace": "ecs"}),
            ),
            (
                berth_api::cloudwatch::TARGET_PREFIX,
                "DescribeAlarms",
                json!({}),
            ),
            (
                berth_api::logs::TARGET_PREFIX,
                "DescribeLogGroups",
                json!({}),
            ),
        ] {
            let target = format!("{prefix}{operation}");
            let (status, text) = local.post(T0, "/", Some(&target), &body.to_string());
            assert_eq!(status, 200, "{operation}: {text}");
        }
        let created = local.post_query(
            T0 + 1_000.0,
            "Action=CreateTargetGroup&Version=2015-12-01&Name=web&Port=80&Protocol=HTTP&VpcId=vpc-1",
        );
        assert_eq!(created.0, 200, "{}", created.1);
        let wall = T0 + 2_000.0;
        let view = |local: &mut Local| post(local, wall, "/berth/load-balancers", json!({})).1;
        let before = view(&mut local);
        assert!(before.contains("targetgroup/web/"), "{before}");
        let mut loaded = Local::load(&local.save(wall), wall).expect("loads");
        assert_eq!(view(&mut loaded), before);
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
