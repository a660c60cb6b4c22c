//! Scenario files: API calls and fleet events at virtual times, with expectations, replayed on
//! a [`Simulation`] into a readable event log.
//!
//! ```text
//! # One instance, host port 80: a rolling update stalls.
//! seed 2
//! at 0s   launch-instance default t3.medium us-east-1a
//! at 0s   register-task-definition {"family": "web", "containerDefinitions": [...]}
//! at 0s   create-service {"serviceName": "web", "taskDefinition": "web:1", "desiredCount": 1}
//! at 2m   expect describe-services {"services": ["web"]} services[0].deployments[0].rolloutState == "COMPLETED"
//! at 1h   expect-event "is already using a port required by your task"
//! at 1h   expect-error run-task {"taskDefinition": "nope"} == "ClientException: TaskDefinition not found."
//! ```
//! Times are offsets from the start (`500ms`, `90s`, `2m`, `1h2m30s`) and never go back.
//! An API line is an ECS operation as the AWS CLI names it with its `--cli-input-json` body.
//! Fleet lines: `launch-instance CLUSTER TYPE ZONE`, `disconnect-agent N`, `reconnect-agent N`,
//! `terminate-instance N` (N counts launched instances from 1), `make-unpullable IMAGE`,
//! `make-unhealthy IMAGE` (its containers' health checks fail), `push-image IMAGE` (a new
//! image under the tag: pulls of it resolve to a new digest). Expectations:
//! `expect OP JSON PATH == VALUE` (PATH like `services[0].deployments.length`),
//! `expect-error OP JSON == "Exception: message"`, `expect-event "text"` (a service event or
//! log line so far contains it). `$instanceN` anywhere in a line stands for the ARN of the
//! N-th launched instance. `elbv2 ACTION JSON` is an Elastic Load Balancing call
//! (`elbv2 create-target-group {"Name": "web", ...}`, lists as the AWS CLI writes them), and
//! `$tg:NAME`, `$lb:NAME`, `$listener:LB:PORT` stand for a target group's, a load balancer's
//! and a listener's ARN (`$dimension:lb:NAME`, `$dimension:tg:NAME` a load balancer's and a
//! target group's CloudWatch dimension value); target health changes are logged as `target NAME ID:PORT STATE`.
//! `$rule:LB:PORT:PRIORITY` a listener rule's (`default` for a listener's default rule);
//! `$deployment:SERVICE` the ARN of a service's newest deployment, `$revision:SERVICE` its
//! service revision's and `$hook:SERVICE` the id of its lifecycle hook awaiting action (or
//! in progress);
//! `$tasks:FAMILY` the family's tasks that are to run, as quoted ARNs with commas between.
//! `hook-answer SERVICE JSON` has the function of the service's AWS_LAMBDA hook invocation
//! return JSON (`{"hookStatus": "IN_PROGRESS", "callBackDelay": 60}`), `hook-fail SERVICE
//! WHY` has it fail; each invocation is logged as `invoke FUNCTION (attempt N) PAYLOAD`.
//! `offer-load LB[:PORT] RPS [PATH] [PROFILE]` offers a load balancer (by name; to one
//! listener with `:PORT`) RPS requests a second, changing by a profile's JSON if one follows
//! (`{"shape": "spike", "peak": 2700, "afterMinutes": 5, "minutes": 20}`: [`crate::LoadProfile`]);
//! `traffic` logs what each load balancer and target has counted so far
//! (`requests/target 5xx/ELB 5xx`).
//! `cloudwatch OPERATION JSON` is a CloudWatch call (`cloudwatch put-metric-alarm
//! {"AlarmName": ...}`, members as the AWS CLI's `--cli-input-json` writes them); alarm state
//! changes are logged as `alarm NAME OLD -> NEW (reason)`, a read's answer as `< JSON`.
//! `application-autoscaling OPERATION JSON` is an Application Auto Scaling call (members as
//! `--cli-input-json` writes them); each scaling activity is logged as `scaling RESOURCE
//! DESCRIPTION (CAUSE) STATUS [NOT-SCALED REASONS]`, and `$policy:NAME` (closed by a quote)
//! stands for the ARN of the scaling policy so named. `logs OPERATION JSON` is a CloudWatch
//! Logs call (`logs get-log-events {"logGroupName": ...}`); `expect` and `expect-error` take
//! `application-autoscaling OP`, `logs OP` and `cloudwatch OP` as they take an ECS operation.

use berth_control_plane::{ClusterEvent, Request};

/// What of a service's newest deployment a `$...:SERVICE` placeholder names.
#[derive(Clone, Copy)]
enum Newest {
    Deployment,
    Revision,
    Hook,
}
use berth_model::SimTime;
use serde_json::Value;

use crate::Simulation;

/// The start of every scenario unless it says otherwise: ECS's launch day.
pub const DEFAULT_START: SimTime = SimTime::from_secs(1_415_836_800);

/// What a scenario did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The event log, one line per request, response error, cluster event and expectation.
    pub log: Vec<String>,
    /// Expectations that failed (and lines that could not be run), with their line numbers.
    pub failures: Vec<String>,
}

/// Parses and runs a scenario. Malformed lines are failures, reported with their number.
pub fn run(text: &str) -> Report {
    let mut seed = 0;
    let mut start = DEFAULT_START;
    let mut steps = Vec::new();
    let mut failures = Vec::new();
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(value) = line.strip_prefix("seed ") {
            match value.trim().parse() {
                Ok(value) => seed = value,
                Err(_) => failures.push(format!("line {number}: seed must be a number")),
            }
        } else if let Some(value) = line.strip_prefix("start ") {
            match SimTime::parse_iso8601(value.trim()) {
                Some(value) => start = value,
                None => failures.push(format!("line {number}: start must be an ISO 8601 time")),
            }
        } else if let Some(rest) = line.strip_prefix("at ") {
            let rest = rest.trim_start();
            let (when, command) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            match parse_duration(when) {
                Some(offset) => steps.push((number, offset, command.trim().to_owned())),
                None => failures.push(format!(
                    "line {number}: '{when}' is not a time such as 90s, 2m or 1h2m"
                )),
            }
        } else {
            failures.push(format!(
                "line {number}: expected 'seed', 'start' or 'at <time> <command>'"
            ));
        }
    }
    let mut runner = Runner {
        sim: Simulation::new(seed, start),
        start,
        log: Vec::new(),
        failures,
        instances: Vec::new(),
        seen: 0,
        notes_seen: 0,
        invocations_seen: Default::default(),
    };
    runner.log.push(format!("seed {seed}, start {start}"));
    let mut last = 0;
    for (number, offset, command) in steps {
        if offset < last {
            runner.failures.push(format!(
                "line {number}: time goes back ({} after {})",
                clock(offset),
                clock(last)
            ));
            continue;
        }
        last = offset;
        runner.sim.run_until(start.plus_millis(offset));
        runner.drain();
        runner.command(number, &command);
        runner.drain();
    }
    Report {
        log: runner.log,
        failures: runner.failures,
    }
}

struct Runner {
    sim: Simulation,
    start: SimTime,
    log: Vec<String>,
    failures: Vec<String>,
    instances: Vec<String>,
    seen: usize,
    notes_seen: usize,
    /// The hook invocations logged so far: (execution id, attempt).
    invocations_seen: std::collections::BTreeSet<(String, u32)>,
}

impl Runner {
    fn stamp(&self) -> String {
        clock(self.sim.now().as_millis() - self.start.as_millis())
    }

    /// Logs the cluster's events and the agents' notes since the last drain, in time order
    /// (an agent's note before the report it led to).
    fn drain(&mut self) {
        let new: Vec<ClusterEvent> = self.sim.log()[self.seen..].to_vec();
        self.seen = self.sim.log().len();
        let notes = self.sim.agent_log()[self.notes_seen..].to_vec();
        self.notes_seen = self.sim.agent_log().len();
        let start = self.start.as_millis();
        let mut lines: Vec<(u64, u8, String)> = new
            .iter()
            .map(|e| (e.time.as_millis() - start, 1, summarise(e)))
            .collect();
        lines.extend(notes.iter().map(|n| {
            let task = n.task_arn.rsplit('/').next().unwrap_or("");
            let short: String = task.chars().take(8).collect();
            (
                n.time.as_millis() - start,
                0,
                format!("agent: task {short} {}", n.text),
            )
        }));
        for invocation in self.sim.hook_invocations() {
            let key = (invocation.execution_id.clone(), invocation.attempt);
            if self.invocations_seen.insert(key) {
                let function = invocation.function_arn.rsplit(':').next().unwrap_or("");
                lines.push((
                    invocation.invoked_at.as_millis() - start,
                    2,
                    format!(
                        "invoke {function} (attempt {}) {}",
                        invocation.attempt, invocation.payload
                    ),
                ));
            }
        }
        lines.sort_by_key(|(at, order, _)| (*at, *order));
        for (at, _, line) in lines {
            self.log.push(format!("{} {line}", clock(at)));
        }
    }

    fn fail(&mut self, number: usize, message: String) {
        self.log
            .push(format!("{} FAILED line {number}: {message}", self.stamp()));
        self.failures.push(format!("line {number}: {message}"));
    }

    fn command(&mut self, number: usize, command: &str) {
        // `$instance2` stands for the ARN of the second launched instance.
        let mut command = command.to_owned();
        for (i, arn) in self.instances.iter().enumerate().rev() {
            command = command.replace(&format!("$instance{}", i + 1), arn);
        }
        // `$deployment:SERVICE` stands for the ARN of the service's newest deployment (in
        // the default cluster), `$revision:SERVICE` for the revision it deploys and
        // `$hook:SERVICE` for the id of its hook awaiting action.
        for (prefix, what) in [
            ("$deployment:", Newest::Deployment),
            ("$revision:", Newest::Revision),
            ("$hook:", Newest::Hook),
        ] {
            while let Some(at) = command.find(prefix) {
                let tail = &command[at + prefix.len()..];
                let end = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .unwrap_or(tail.len());
                let service = tail[..end].to_owned();
                let found = self.newest_deployment(&service, what).unwrap_or_default();
                command.replace_range(at..at + prefix.len() + end, &found);
            }
        }
        // `$tasks:FAMILY` stands for the family's tasks that are to run, as quoted ARNs
        // separated by commas (`{"tasks": [$tasks:web]}`).
        while let Some(at) = command.find("$tasks:") {
            let tail = &command[at + "$tasks:".len()..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(tail.len());
            let family = tail[..end].to_owned();
            let arns =
                Request::from_operation("list-tasks", serde_json::json!({ "family": family }))
                    .and_then(|r| self.sim.request(r))
                    .ok()
                    .and_then(|r| serde_json::to_value(r).ok())
                    .and_then(|list| list["taskArns"].as_array().cloned())
                    .unwrap_or_default();
            let quoted: Vec<String> = arns.iter().map(Value::to_string).collect();
            command.replace_range(at.."$tasks:".len() + at + end, &quoted.join(","));
        }
        // `$tg:NAME` and `$lb:NAME` stand for a target group's and a load balancer's ARN,
        // `$dimension:tg:NAME` and `$dimension:lb:NAME` for them as CloudWatch's dimensions.
        if let Some(elb) = self.sim.elb() {
            for (name, arn) in elb.names() {
                let dimension = berth_elb::metric_dimension(&arn);
                command = command.replace(&format!("$dimension:{name}"), &dimension);
                command = command.replace(&format!("${name}"), &arn);
            }
        }
        // `$policy:NAME` stands for the ARN of the scaling policy so named.
        if let Some(aas) = self.sim.autoscaling() {
            for policy in aas.policies() {
                command = command.replace(
                    &format!("$policy:{}\"", policy.policy_name),
                    &format!("{}\"", policy.policy_arn),
                );
            }
        }
        let command = command.as_str();
        let (verb, rest) = command
            .split_once(char::is_whitespace)
            .unwrap_or((command, ""));
        let rest = rest.trim();
        let stamp = self.stamp();
        match verb {
            "launch-instance" => {
                let words: Vec<&str> = rest.split_whitespace().collect();
                let [cluster, kind, zone] = words[..] else {
                    return self.fail(number, "launch-instance takes CLUSTER TYPE ZONE".into());
                };
                self.log
                    .push(format!("{stamp} > launch-instance {cluster} {kind} {zone}"));
                match self.sim.launch_instance(cluster, kind, zone) {
                    Ok(arn) => self.instances.push(arn),
                    Err(error) => self.fail(number, error.to_string()),
                }
            }
            "disconnect-agent" | "reconnect-agent" | "terminate-instance" => {
                // N counts launched instances from 1.
                let Some(arn) = rest
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| self.instances.get(n.wrapping_sub(1)))
                    .cloned()
                else {
                    return self.fail(
                        number,
                        format!("{verb} takes the number of a launched instance"),
                    );
                };
                self.log.push(format!("{stamp} > {verb} {rest}"));
                if verb == "terminate-instance" {
                    if let Err(error) = self.sim.terminate_instance(&arn) {
                        self.fail(number, error.to_string());
                    }
                } else {
                    self.sim
                        .set_agent_connected(&arn, verb == "reconnect-agent");
                }
            }
            "kill" => {
                // kill FAMILY [CONTAINER]: `docker kill` of a running task's container (its
                // essential one unless named).
                let words: Vec<&str> = rest.split_whitespace().collect();
                let (family, container) = match words[..] {
                    [family] => (family, None),
                    [family, container] => (family, Some(container.to_owned())),
                    _ => return self.fail(number, "kill takes FAMILY [CONTAINER]".into()),
                };
                self.log.push(format!("{stamp} > kill {rest}"));
                let listed = Request::from_operation(
                    "list-tasks",
                    serde_json::json!({ "family": family, "desiredStatus": "RUNNING" }),
                )
                .and_then(|r| self.sim.request(r))
                .map(|r| serde_json::to_value(r).expect("responses serialise"));
                let Some(task) = listed
                    .ok()
                    .and_then(|l| l["taskArns"][0].as_str().map(str::to_owned))
                else {
                    return self.fail(number, format!("no task of {family} runs"));
                };
                let short: String = task
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(8)
                    .collect();
                let action = crate::FleetAction::Kill {
                    task: task.clone(),
                    container,
                };
                match self.sim.act(&action) {
                    Ok(said) => {
                        let said = said.replace(&task, &format!("task {short}"));
                        self.log.push(format!("{stamp} {said}"));
                    }
                    Err(error) => self.fail(number, error.to_string()),
                }
            }
            "make-unpullable" => {
                self.log.push(format!("{stamp} > make-unpullable {rest}"));
                self.sim.make_unpullable(rest);
            }
            "push-image" => {
                self.log.push(format!("{stamp} > push-image {rest}"));
                match self.sim.push_image(rest) {
                    Ok(digest) => self.log.push(format!("{stamp} {rest} is now {digest}")),
                    Err(error) => self.fail(number, error.to_string()),
                }
            }
            "hook-answer" | "hook-fail" => {
                // hook-answer SERVICE JSON: the function of the service's hook invocation
                // waiting for an answer returns JSON; hook-fail SERVICE WHY: it fails.
                let (service, what) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                self.log.push(format!("{stamp} > {verb} {rest}"));
                let suffix = format!("/{service}");
                let Some(invocation) = self
                    .sim
                    .hook_invocations()
                    .into_iter()
                    .rev()
                    .find(|i| i.service_arn.ends_with(&suffix))
                else {
                    return self.fail(number, format!("no hook of {service} waits for an answer"));
                };
                let reply = if verb == "hook-fail" {
                    crate::HookReply::Failed(what.trim().to_owned())
                } else {
                    match serde_json::from_str(what.trim()) {
                        Ok(value) => crate::HookReply::Returned(value),
                        Err(error) => {
                            return self.fail(number, format!("hook-answer needs JSON: {error}"))
                        }
                    }
                };
                let action = crate::FleetAction::HookAnswer {
                    execution_id: invocation.execution_id,
                    attempt: Some(invocation.attempt),
                    reply,
                };
                if let Err(error) = self.sim.act(&action) {
                    self.log.push(format!("{stamp} ! {error}"));
                }
            }
            "make-unhealthy" => {
                self.log.push(format!("{stamp} > make-unhealthy {rest}"));
                self.sim.make_unhealthy(rest);
            }
            "offer-load" => {
                let (words, profile) = match rest.find('{') {
                    Some(at) => match serde_json::from_str(&rest[at..]) {
                        Ok(profile) => (&rest[..at], Some(profile)),
                        Err(error) => {
                            return self.fail(number, format!("offer-load's profile: {error}"))
                        }
                    },
                    None => (rest, None),
                };
                let words: Vec<&str> = words.split_whitespace().collect();
                let (lb, rps, path) = match words[..] {
                    [lb, rps] => (lb, rps, None),
                    [lb, rps, path] => (lb, rps, Some(path.to_owned())),
                    _ => {
                        return self.fail(
                            number,
                            "offer-load takes LB[:PORT] RPS [PATH] [PROFILE]".into(),
                        )
                    }
                };
                let Ok(requests_per_second) = rps.parse() else {
                    return self.fail(number, "offer-load's RPS must be a number".into());
                };
                self.log.push(format!("{stamp} > offer-load {rest}"));
                let action = crate::FleetAction::OfferedLoad {
                    load_balancer: lb.to_owned(),
                    requests_per_second,
                    path,
                    profile,
                };
                if let Err(error) = self.sim.act(&action) {
                    self.fail(number, error.to_string());
                }
            }
            "traffic" => {
                for lb in self.sim.traffic().load_balancers {
                    let c = lb.counts;
                    self.log.push(format!(
                        "{stamp} traffic {} {}/{}/{}",
                        lb.load_balancer_name, c.requests, c.target5xx, c.elb5xx
                    ));
                    for t in lb.targets {
                        let c = t.counts;
                        let group = t.target_group_arn.rsplit('/').nth(1).unwrap_or("");
                        self.log.push(format!(
                            "{stamp} traffic {group} {}:{} {}/{}/{}",
                            t.id, t.port, c.requests, c.target5xx, c.elb5xx
                        ));
                    }
                }
            }
            "expect-event" => {
                let wanted = unquote(rest);
                let found = self.log.iter().any(|l| l.contains(&wanted));
                if found {
                    self.log.push(format!("{stamp} ok expect-event {rest}"));
                } else {
                    self.fail(number, format!("no event so far contains {rest}"));
                }
            }
            "expect" | "expect-error" => self.expect(number, verb, rest),
            "elbv2" => {
                let (action, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, "{}"));
                let Some((body, _)) = split_json(rest.trim()) else {
                    return self.fail(number, format!("elbv2 {action} needs a JSON body"));
                };
                self.log.push(format!("{stamp} > elbv2 {action} {body}"));
                let action = berth_model::inputs::operation_name(action);
                let Some(decoded) =
                    berth_elb::Request::decode(&action, berth_elb::rebuild::query_shape(body))
                else {
                    return self.fail(number, format!("elbv2 has no action {action}"));
                };
                let outcome = decoded
                    .map_err(|e| e.to_string())
                    .and_then(|r| self.sim.elb_request(r).map_err(|e| e.to_string()));
                if let Err(error) = outcome {
                    self.log.push(format!("{stamp} ! {error}"));
                }
            }
            service if SERVICES.contains(&service) => self.service_call(number, verb, rest),
            operation => {
                let Some((body, _)) = split_json(rest) else {
                    return self.fail(number, format!("{operation} needs a JSON body"));
                };
                self.log.push(format!("{stamp} > {operation} {body}"));
                match Request::from_operation(operation, body).and_then(|r| self.sim.request(r)) {
                    Ok(_) => {}
                    Err(error) => self.log.push(format!("{stamp} ! {error}")),
                }
            }
        }
    }

    /// `SERVICE OPERATION JSON`, a call to one of the region's other AWS services
    /// ([`call_service`]); a read's response is logged as JSON, so a golden shows what the
    /// service holds.
    fn service_call(&mut self, number: usize, service: &str, rest: &str) {
        let stamp = self.stamp();
        let (operation, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, "{}"));
        let Some((body, _)) = split_json(rest.trim()) else {
            return self.fail(number, format!("{service} {operation} needs a JSON body"));
        };
        self.log
            .push(format!("{stamp} > {service} {operation} {body}"));
        let operation = berth_model::inputs::operation_name(operation);
        match call_service(&mut self.sim, service, &operation, &body) {
            None => self.fail(number, format!("{service} has no operation {operation}")),
            Some(Ok((true, json))) => self.log.push(format!("{stamp} < {json}")),
            Some(Ok((false, _))) => {}
            Some(Err(error)) => self.log.push(format!("{stamp} ! {error}")),
        }
    }

    /// The ARN of `service`'s newest deployment or (`hook`) the id of its hook run awaiting
    /// action.
    fn newest_deployment(&mut self, service: &str, what: Newest) -> Option<String> {
        let list = Request::from_operation(
            "list-service-deployments",
            serde_json::json!({ "service": service }),
        )
        .and_then(|r| self.sim.request(r))
        .ok()?;
        let list = serde_json::to_value(list).ok()?;
        let newest = &list["serviceDeployments"][0];
        let arn = newest["serviceDeploymentArn"].as_str()?.to_owned();
        match what {
            Newest::Deployment => return Some(arn),
            Newest::Revision => {
                return newest["targetServiceRevisionArn"]
                    .as_str()
                    .map(str::to_owned)
            }
            Newest::Hook => {}
        }
        let described = Request::from_operation(
            "describe-service-deployments",
            serde_json::json!({ "serviceDeploymentArns": [arn] }),
        )
        .and_then(|r| self.sim.request(r))
        .ok()?;
        let described = serde_json::to_value(described).ok()?;
        described["serviceDeployments"][0]["lifecycleHookDetails"]
            .as_array()?
            .iter()
            .find(|h| h["status"] == "AWAITING_ACTION" || h["status"] == "IN_PROGRESS")?["hookId"]
            .as_str()
            .map(str::to_owned)
    }

    fn expect(&mut self, number: usize, verb: &str, rest: &str) {
        let (mut operation, mut rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        // `application-autoscaling OP`, `logs OP`: that service's operation.
        let service = SERVICES.contains(&operation).then_some(operation);
        if service.is_some() {
            (operation, rest) = rest
                .trim_start()
                .split_once(char::is_whitespace)
                .unwrap_or((rest, ""));
        }
        let Some((body, tail)) = split_json(rest.trim()) else {
            return self.fail(number, format!("{verb} {operation} needs a JSON body"));
        };
        let (path, expected) = match tail.split_once("==") {
            Some((path, expected)) => (path.trim(), expected.trim()),
            None => return self.fail(number, format!("{verb} needs '== VALUE'")),
        };
        let result: Result<Value, String> = if let Some(service) = service {
            let name = berth_model::inputs::operation_name(operation);
            match call_service(&mut self.sim, service, &name, &body) {
                None => return self.fail(number, format!("{service} has no operation {name}")),
                Some(answer) => {
                    answer.map(|(_, json)| serde_json::from_str(&json).expect("a response is JSON"))
                }
            }
        } else {
            Request::from_operation(operation, body)
                .and_then(|r| self.sim.request(r))
                .map(|r| serde_json::to_value(r).expect("responses serialise"))
                .map_err(|e| e.to_string())
        };
        let stamp = self.stamp();
        if verb == "expect-error" {
            let wanted = unquote(expected);
            match result {
                Err(error) if error == wanted => self
                    .log
                    .push(format!("{stamp} ok {verb} {operation} {expected}")),
                Err(error) => self.fail(number, format!("expected {wanted}, got {error}")),
                Ok(_) => self.fail(number, format!("expected {wanted}, got success")),
            }
            return;
        }
        let response = match result {
            Ok(response) => response,
            Err(error) => return self.fail(number, format!("{operation} failed: {error}")),
        };
        let Ok(expected_value) = serde_json::from_str::<Value>(expected) else {
            return self.fail(number, format!("'{expected}' is not a JSON value"));
        };
        match lookup(&response, path) {
            Some(actual) if actual == expected_value => self
                .log
                .push(format!("{stamp} ok {operation} {path} == {expected}")),
            actual => {
                let shown = actual.map_or("nothing".to_owned(), |v| v.to_string());
                self.fail(
                    number,
                    format!("{operation} {path}: expected {expected}, got {shown}"),
                )
            }
        }
    }
}

/// The region's other AWS services, by their CLI names ([`call_service`] calls them).
const SERVICES: &[&str] = &["cloudwatch", "application-autoscaling", "logs"];

/// A call to one of the region's other AWS services by its CLI name (`cloudwatch`,
/// `application-autoscaling`, `logs`): `None` for an operation it does not have; whether the
/// operation only reads and its answer as JSON text (members in the service's order), or its
/// error.
fn call_service(
    sim: &mut Simulation,
    service: &str,
    operation: &str,
    body: &Value,
) -> Option<Result<(bool, String), String>> {
    fn answer<R: serde::Serialize, E: std::fmt::Display>(
        read: bool,
        response: Result<R, E>,
    ) -> Result<(bool, String), String> {
        response
            .map(|r| {
                (
                    read,
                    serde_json::to_string(&r).expect("responses serialise"),
                )
            })
            .map_err(|e| e.to_string())
    }
    let error = |e: serde_json::Error| Err(e.to_string());
    Some(match service {
        "cloudwatch" => match berth_cloudwatch::Request::decode(operation, body)? {
            Ok(r) => answer(r.is_read_only(), sim.cloudwatch_request(r)),
            Err(e) => error(e),
        },
        "application-autoscaling" => match berth_autoscaling::Request::decode(operation, body)? {
            Ok(r) => answer(r.is_read_only(), sim.autoscaling_request(r)),
            Err(e) => error(e),
        },
        "logs" => match berth_logs::Request::decode(operation, body)? {
            Ok(r) => answer(r.is_read_only(), sim.logs_request(r)),
            Err(e) => error(e),
        },
        _ => return None,
    })
}

/// A readable one-line summary of a cluster event.
fn summarise(event: &ClusterEvent) -> String {
    let d = &event.detail.to_json();
    let short = |arn: &str| {
        arn.rsplit('/')
            .next()
            .unwrap_or("")
            .chars()
            .take(8)
            .collect::<String>()
    };
    let text = |key: &str| d.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    match event.detail_type {
        "ECS Task State Change" => {
            let mut line = format!(
                "task {} {}/{} {}",
                short(&text("taskArn")),
                text("lastStatus"),
                text("desiredStatus"),
                text("group")
            );
            if let Some(instance) = d.get("containerInstanceArn").and_then(Value::as_str) {
                line.push_str(&format!(" on {}", short(instance)));
            } else if d["launchType"] == "FARGATE" {
                line.push_str(&format!(" on FARGATE in {}", text("availabilityZone")));
            }
            let ports: Vec<String> = d["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["networkBindings"].as_array().into_iter().flatten())
                .map(|b| format!("{}->{}", b["hostPort"], b["containerPort"]))
                .collect();
            if !ports.is_empty() {
                line.push_str(&format!(" ports {}", ports.join(",")));
            }
            match d.get("stopCode").and_then(Value::as_str) {
                Some(code) => line.push_str(&format!(" [{code}: {}]", text("stoppedReason"))),
                None if d.get("stoppedReason").is_some() => {
                    line.push_str(&format!(" [{}]", text("stoppedReason")))
                }
                None => {}
            }
            // A container's own reason, when it says more than the task's (OutOfMemoryError).
            for c in d["containers"].as_array().into_iter().flatten() {
                if let Some(reason) = c["reason"].as_str().filter(|r| *r != text("stoppedReason")) {
                    line.push_str(&format!(
                        " {{{}: exit {} {reason}}}",
                        c["name"].as_str().unwrap_or(""),
                        c["exitCode"]
                    ));
                }
            }
            line
        }
        "ECS Container Instance State Change" => {
            let resource = |list: &str, name: &str| {
                d[list]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|r| r["name"] == name)
                    .map_or(0, |r| r["integerValue"].as_i64().unwrap_or(0))
            };
            format!(
                "instance {} {} agent {} cpu {}/{} memory {}/{}",
                short(&text("containerInstanceArn")),
                text("status"),
                if d["agentConnected"] == Value::Bool(true) {
                    "connected"
                } else {
                    "disconnected"
                },
                resource("remainingResources", "CPU"),
                resource("registeredResources", "CPU"),
                resource("remainingResources", "MEMORY"),
                resource("registeredResources", "MEMORY"),
            )
        }
        "ECS Service Event" => format!("event {}", text("message")),
        "ECS Deployment State Change" => format!(
            "deployment {} {} {}",
            text("deploymentId"),
            text("eventName"),
            text("reason")
        ),
        "ECS Service Action" => {
            let service = event.resources.join(" ");
            let mut line = format!(
                "service-action {} {} {}",
                service.rsplit('/').next().unwrap_or(""),
                text("eventType"),
                text("eventName")
            );
            if let Some(reason) = d.get("reason").and_then(Value::as_str) {
                line.push_str(&format!(" {reason}"));
            }
            line
        }
        "Application Auto Scaling Scaling Activity" => {
            let mut line = format!(
                "scaling {} {} ({}) {}",
                d["ResourceId"].as_str().unwrap_or(""),
                d["Description"].as_str().unwrap_or(""),
                d["Cause"].as_str().unwrap_or(""),
                d["StatusCode"].as_str().unwrap_or("")
            );
            if let Some(reasons) = d["NotScaledReasons"].as_array() {
                let codes: Vec<&str> = reasons.iter().filter_map(|r| r["Code"].as_str()).collect();
                line.push_str(&format!(" [{}]", codes.join(", ")));
            }
            line
        }
        "CloudWatch Alarm State Change" => format!(
            "alarm {} {} -> {} ({})",
            text("alarmName"),
            d["previousState"]["value"].as_str().unwrap_or(""),
            d["state"]["value"].as_str().unwrap_or(""),
            d["state"]["reason"].as_str().unwrap_or("")
        ),
        "Berth Target Health" => {
            let group = text("targetGroupArn");
            let name = group.rsplit('/').nth(1).unwrap_or("");
            let mut line = format!(
                "target {name} {}:{} {}",
                text("id"),
                d["port"],
                text("state")
            );
            if !text("reason").is_empty() {
                line.push_str(&format!(" ({})", text("reason")));
            }
            line
        }
        other => format!("{other} {}", event.resources.join(" ")),
    }
}

/// `HH:MM:SS.mmm` since the start.
fn clock(millis: u64) -> String {
    let (h, m, s, ms) = (
        millis / 3_600_000,
        millis / 60_000 % 60,
        millis / 1000 % 60,
        millis % 1000,
    );
    format!("{h:02}:{m:02}:{s:02}.{ms:03}")
}

/// `500ms`, `90s`, `2m`, `1h2m30s` in milliseconds.
fn parse_duration(text: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let value: u64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            'h' => 3_600_000,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                1
            }
            'm' => 60_000,
            's' => 1000,
            _ => return None,
        };
        total = total.checked_add(value.checked_mul(unit)?)?;
        any = true;
    }
    (number.is_empty() && any).then_some(total)
}

/// Splits a leading JSON value off `text`; returns it and the rest.
fn split_json(text: &str) -> Option<(Value, &str)> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let value = stream.next()?.ok()?;
    Some((value, &text[stream.byte_offset()..]))
}

fn unquote(text: &str) -> String {
    serde_json::from_str::<String>(text.trim()).unwrap_or_else(|_| text.trim().to_owned())
}

/// `services[0].deployments.length` in a JSON value.
fn lookup(value: &Value, path: &str) -> Option<Value> {
    let mut current = value.clone();
    for part in path.split('.') {
        let (key, indexes) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if key == "length" && indexes.is_empty() {
            current = Value::from(current.as_array()?.len());
            continue;
        }
        if !key.is_empty() {
            current = current.get(key)?.clone();
        }
        for index in indexes.split(['[', ']']).filter(|s| !s.is_empty()) {
            current = current.get(index.parse::<usize>().ok()?)?.clone();
        }
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Durations, JSON splitting and paths read as documented.
    #[test]
    fn pieces() {
        assert_eq!(parse_duration("1h2m30s"), Some(3_750_000));
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("0s"), Some(0));
        assert_eq!(parse_duration("2"), None);
        assert_eq!(parse_duration("soon"), None);
        let (value, rest) = split_json(r#"{"a": [1, {"b": "x"}]} a[1].b == "x""#).unwrap();
        assert_eq!(rest.trim(), r#"a[1].b == "x""#);
        assert_eq!(lookup(&value, "a[1].b"), Some(Value::from("x")));
        assert_eq!(lookup(&value, "a.length"), Some(Value::from(2)));
        assert_eq!(clock(3_750_000), "01:02:30.000");
    }

    /// Malformed lines are failures with their line numbers, not panics.
    #[test]
    fn malformed_lines() {
        let report = run("seed x\nat soon launch-instance\nhello\nat 1s launch-instance a\nat 2s create-service nope\n");
        assert_eq!(
            report.failures,
            [
                "line 1: seed must be a number",
                "line 2: 'soon' is not a time such as 90s, 2m or 1h2m",
                "line 3: expected 'seed', 'start' or 'at <time> <command>'",
                "line 4: launch-instance takes CLUSTER TYPE ZONE",
                "line 5: create-service needs a JSON body",
            ]
        );
    }
}
