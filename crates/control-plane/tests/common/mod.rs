//! The test harness shared by the control plane's tests: a session with a clock and agents
//! that do what they are told at once (or fail the way a real agent would).
#![allow(dead_code)]

use berth_agent_protocol::{
    AgentEvent, AgentInstruction, ContainerStateChange, Status, TaskStateChange,
};
use berth_control_plane::requests::*;
use berth_control_plane::{Config, ControlPlane, Request, Response};
use berth_model::resources::{Resource, Task};
use berth_model::{parse_task_definition, ApiError, SimTime};

/// 2014-11-13, ECS's launch: every session starts here.
pub const T0: SimTime = SimTime::from_secs(1_415_836_800);

/// A control plane and a clock, with agents that do what they are told at once (or, when
/// asked, fail the way a real agent would).
pub struct Session {
    pub cp: ControlPlane,
    pub now: SimTime,
    pub log: Vec<String>,
    /// Images whose pull fails (CannotPullContainerError).
    pub unpullable: Vec<String>,
}

impl Session {
    pub fn new(seed: u64) -> Session {
        Session {
            cp: ControlPlane::new(Config {
                rng_seed: seed,
                ..Config::default()
            }),
            now: T0,
            log: Vec::new(),
            unpullable: Vec::new(),
        }
    }

    pub fn call(&mut self, request: Request) -> Result<Response, ApiError> {
        let response = self.cp.handle_request(self.now, request);
        self.drain_events();
        response
    }

    /// An operation as the AWS CLI names it, with its `--cli-input-json` body: the response
    /// as JSON, or the error as `__type: message`.
    pub fn cli(
        &mut self,
        operation: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let request = Request::from_operation(operation, body).map_err(|e| e.to_string())?;
        self.call(request)
            .map(|r| serde_json::to_value(r).unwrap())
            .map_err(|e| e.to_string())
    }

    pub fn ok(&mut self, request: Request) -> serde_json::Value {
        let response = self
            .call(request)
            .unwrap_or_else(|e| panic!("unexpected error: {e}"));
        serde_json::to_value(response).unwrap()
    }

    pub fn err(&mut self, request: Request) -> String {
        self.call(request)
            .map(|r| format!("unexpected success: {r:?}"))
            .unwrap_or_else(|e| e.to_string())
    }

    pub fn drain_events(&mut self) {
        while let Some(event) = self.cp.poll_event() {
            self.log.push(serde_json::to_string(&event).unwrap());
        }
    }

    pub fn advance(&mut self, millis: u64) {
        self.now = self.now.plus_millis(millis);
        self.cp.handle_timeout(self.now);
    }

    /// Agents start what they are told to start (publishing the ports they were given) and
    /// stop what they are told to stop (exit 143 after SIGTERM).
    pub fn agents_obey(&mut self) {
        while let Some((instance, instruction)) = self.cp.poll_instruction() {
            let change = match instruction {
                AgentInstruction::StartTask(spec) if spec.containers.iter().any(|c| self.unpullable.contains(&c.image)) => {
                    TaskStateChange {
                        task_arn: spec.task_arn,
                        status: Status::Stopped,
                        pull_started_at: Some(self.now.as_millis()),
                        pull_stopped_at: None,
                        containers: spec
                            .containers
                            .into_iter()
                            .map(|c| ContainerStateChange {
                                reason: Some(format!("CannotPullContainerError: pull access denied for {}, repository does not exist", c.image)),
                                name: c.name,
                                status: Status::Stopped,
                                runtime_id: None,
                                exit_code: None,
                                port_bindings: vec![],
                                health_status: None,
                                image_digest: None,
                                restart_count: 0,
                            })
                            .collect(),
                    }
                }
                AgentInstruction::StartTask(spec) => TaskStateChange {
                    task_arn: spec.task_arn,
                    status: Status::Running,
                    pull_started_at: Some(self.now.as_millis()),
                    pull_stopped_at: Some(self.now.as_millis()),
                    containers: spec
                        .containers
                        .into_iter()
                        .map(|c| ContainerStateChange {
                            name: c.name,
                            status: Status::Running,
                            runtime_id: Some("0123456789ab".into()),
                            exit_code: None,
                            reason: None,
                            port_bindings: c.port_bindings,
                            health_status: None,
                            image_digest: None,
                            restart_count: 0,
                        })
                        .collect(),
                },
                // These agents never miss an instruction: nothing to reconcile.
                AgentInstruction::Reconcile { .. } => continue,
                AgentInstruction::StopTask { task_arn, .. } => TaskStateChange {
                    task_arn,
                    status: Status::Stopped,
                    pull_started_at: None,
                    pull_stopped_at: None,
                    containers: vec![],
                },
            };
            self.cp
                .handle_agent_event(self.now, &instance, AgentEvent::TaskStateChange(change));
        }
        self.drain_events();
    }

    pub fn register_instance(&mut self, cluster: &str, cpu: i64, memory: i64) -> String {
        let response = self.ok(Request::RegisterContainerInstance(
            RegisterContainerInstanceRequest {
                cluster: Some(cluster.into()),
                total_resources: Some(vec![
                    Resource::integer("CPU", cpu),
                    Resource::integer("MEMORY", memory),
                ]),
                instance_identity_document: Some(
                    r#"{"instanceType": "t2.medium", "availabilityZone": "us-east-1b"}"#.into(),
                ),
                ..Default::default()
            },
        ));
        response["containerInstance"]["containerInstanceArn"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn register_task_definition(
        &mut self,
        json: &str,
        family: Option<&str>,
    ) -> serde_json::Value {
        let parsed = parse_task_definition(json, family).unwrap();
        assert!(parsed.problems.is_empty());
        self.ok(Request::RegisterTaskDefinition(parsed.task_definition))
    }

    pub fn run(&mut self, cluster: &str, task_definition: &str, count: i64) -> serde_json::Value {
        self.ok(Request::RunTask(RunTaskRequest {
            cluster: Some(cluster.into()),
            task_definition: Some(task_definition.into()),
            count: Some(count),
            ..Default::default()
        }))
    }

    pub fn describe(&mut self, cluster: &str, task: &str) -> Task {
        let response = self.ok(Request::DescribeTasks(DescribeTasksRequest {
            cluster: Some(cluster.into()),
            tasks: Some(vec![task.into()]),
            ..Default::default()
        }));
        serde_json::from_value(response["tasks"][0].clone()).expect("a task")
    }

    pub fn list_tasks(&mut self, cluster: &str, desired_status: Option<&str>) -> Vec<String> {
        let response = self.ok(Request::ListTasks(ListTasksRequest {
            cluster: Some(cluster.into()),
            desired_status: desired_status.map(str::to_owned),
            ..Default::default()
        }));
        serde_json::from_value(response["taskArns"].clone()).unwrap()
    }

    /// The id of the cluster's `index`-th container instance.
    pub fn cp_instance_id(&mut self, index: usize) -> String {
        let listed = self.ok(Request::ListContainerInstances(
            ListContainerInstancesRequest::default(),
        ));
        let arn = listed["containerInstanceArns"][index]
            .as_str()
            .unwrap()
            .to_owned();
        arn.rsplit('/').next().unwrap().to_owned()
    }
}
