//! The virtual fleet: simulated ECS agents on virtual EC2 instances, and a virtual clock,
//! driving a [`ControlPlane`] deterministically.
//!
//! A [`Simulation`] owns the control plane and the agents. Instances join the way real ones
//! do: their agent calls RegisterContainerInstance with its instance identity document and
//! total resources. Agents receive the control plane's instructions and answer on the virtual
//! clock: an image pull takes `pull_ms`, a start `start_ms`, a stop `stop_ms`; an image the
//! simulation marks unpullable fails with `CannotPullContainerError`; a container whose
//! command is `sleep N` exits 0 after N seconds; one whose command allocates more than its hard
//! memory limit (`stress --vm-bytes 600M` with `memory` 512) is OOM-killed (exit 137,
//! `OutOfMemoryError`); a container with a health check reports HEALTHY after its first
//! interval, or UNHEALTHY after its start period and retries when its image is made
//! unhealthy; a terminated instance takes its containers with it. What an agent reports of
//! its containers, and what it does when an essential one exits, are the rules
//! `berth agent` follows too ([`berth_agent_protocol::task_rules`]). The clock jumps straight
//! to the next thing that happens (an agent report or the control plane's `poll_timeout`), so
//! a virtual day passes in milliseconds and the same inputs give the same event log, byte for
//! byte.

#![warn(missing_docs, unreachable_pub)]

mod container_logs;
mod load;
mod metrics;
mod output;
mod profile;
pub mod scenario;
mod service_scaling;

use std::collections::{BTreeMap, BTreeSet};

use berth_agent_protocol::task_rules::{self, Exit, TaskRun};
use berth_agent_protocol::{
    AgentEvent, AgentInstruction, ContainerSpec, InstanceOffer, PortBinding, Status, TaskSpec,
    TaskStateChange,
};
use berth_autoscaling::{AasError, AutoScaling};
use berth_cloudwatch::{CloudWatch, CwError};
use berth_control_plane::requests::{CreateClusterRequest, RegisterContainerInstanceRequest};
use berth_control_plane::{ClusterEvent, Config, ControlPlane, Request, Response};
use berth_elb::{Elb, ElbError, Probe, ProbeOutcome};
use berth_model::instance_types::instance_type;
use berth_model::load_balancing::{Target, TargetCall, TargetState};
use berth_model::resources::{Resource, VersionInfo};
use berth_model::states::{ClusterStatus, ContainerInstanceStatus};
use berth_model::{ApiError, SimTime};
pub use profile::LoadProfile;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How long simulated agents take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timings {
    /// Pulling a task's images.
    pub pull_ms: u64,
    /// Creating and starting its containers.
    pub start_ms: u64,
    /// Stopping them (SIGTERM honoured).
    pub stop_ms: u64,
    /// From an Auto Scaling group's launch to its instance's registration (boot, agent start).
    #[serde(default = "default_boot_ms")]
    pub boot_ms: u64,
}

fn default_boot_ms() -> u64 {
    60_000
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            pull_ms: 3_000,
            start_ms: 1_000,
            stop_ms: 2_000,
            boot_ms: default_boot_ms(),
        }
    }
}

/// A virtual EC2 Auto Scaling group, created the first time managed scaling asks something
/// of it: instances of one type, spread over the region's first three zones, up to a
/// maximum size. Its instances register into the cluster its capacity provider serves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct AutoScalingGroup {
    cluster: String,
    instance_type: String,
    max_size: u32,
    /// Its registered instances, oldest first: (container instance ARN, EC2 instance id).
    instances: Vec<(String, String)>,
    /// Launches under way.
    launching: u32,
    /// Launches under way that a scale-in has called off.
    cancelled: u32,
    /// Instances launched so far (the next zone).
    launched: u64,
}

/// What the groups the virtual fleet creates are like.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDefaults {
    /// Their instance type.
    pub instance_type: String,
    /// Their maximum size.
    pub max_size: u32,
}

impl Default for GroupDefaults {
    fn default() -> Self {
        GroupDefaults {
            instance_type: "t3.medium".into(),
            max_size: 10,
        }
    }
}

/// Something the fleet will do at a virtual time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Pending {
    /// Something happens to a task's containers; its agent reports what it makes of it.
    Containers {
        instance: String,
        task_arn: String,
        happening: Happening,
    },
    /// A report as format 1 snapshots scheduled it, ahead of time: read as what happened to
    /// the containers it names.
    Report {
        instance: String,
        change: TaskStateChange,
    },
    /// An Auto Scaling group's new instance has booted: its agent registers.
    Boot { group: String },
}

/// What the virtual Docker does to a task's containers. What the agent reports of it, and
/// what it does next (stopping the others when an essential container exits), are the
/// agent's rules ([`task_rules`]), the same as `berth agent`'s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Happening {
    /// The images are pulled (at `pulled`) and every container has started, publishing
    /// `ports` (one list per container, in the task's order).
    Started {
        pulled: u64,
        ports: Vec<Vec<PortBinding>>,
        /// The digest each container's image resolved to (its pin, if its deployment has one).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        digests: Vec<String>,
    },
    /// An image could not be pulled, or a container's log driver could not start: the task
    /// never starts.
    #[serde(alias = "pullFailed")]
    FailedToStart {
        container: String,
        reason: String,
        pulled: u64,
    },
    /// A container's health check now says `health`.
    Health { container: String, health: String },
    /// A container exited; the OOM killer's victim when `oom`.
    Exited {
        container: String,
        exit_code: i32,
        oom: bool,
    },
    /// The containers the agent stopped have exited (SIGTERM: 143); a task stopped before it
    /// started has none.
    Stopped,
}

impl Happening {
    /// The one container it happens to, if it is one.
    fn container(&self) -> Option<&str> {
        match self {
            Happening::Health { container, .. } | Happening::Exited { container, .. } => {
                Some(container)
            }
            _ => None,
        }
    }
}

/// What a user can do to the virtual world itself (the playground's fleet controls): add an
/// instance, terminate one or cut its agent off, kill a container, break an image. ECS learns
/// of each as it would in AWS: from the agents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum FleetAction {
    /// An EC2 instance of `instanceType` in `zone` joins `cluster`.
    #[serde(rename_all = "camelCase")]
    Launch {
        /// The cluster its agent registers with.
        cluster: String,
        /// Its EC2 instance type (berth-model's catalogue).
        instance_type: String,
        /// Its Availability Zone.
        zone: String,
    },
    /// The EC2 instance is terminated.
    #[serde(rename_all = "camelCase")]
    Terminate {
        /// The container instance.
        container_instance: String,
    },
    /// The instance's agent loses its connection.
    #[serde(rename_all = "camelCase")]
    Disconnect {
        /// The container instance.
        container_instance: String,
    },
    /// The instance's agent connects again.
    #[serde(rename_all = "camelCase")]
    Reconnect {
        /// The container instance.
        container_instance: String,
    },
    /// A container of a running task is killed (exit 137).
    #[serde(rename_all = "camelCase")]
    Kill {
        /// The task (ARN or id).
        task: String,
        /// The container; the first essential one if none is named.
        container: Option<String>,
    },
    /// Pulls of `image` fail from now on.
    #[serde(rename_all = "camelCase")]
    Unpullable {
        /// The image, as task definitions name it.
        image: String,
    },
    /// A new image is pushed under `image`'s tag: pulls by the tag get a new digest.
    #[serde(rename_all = "camelCase")]
    Push {
        /// The image, as task definitions name it (`repository:tag`).
        image: String,
    },
    /// Containers running `image` fail their health checks from now on, and answer the
    /// load balancers' requests with 503.
    #[serde(rename_all = "camelCase")]
    Unhealthy {
        /// The image, as task definitions name it.
        image: String,
    },
    /// A load balancer's offered load: `requestsPerSecond` requests (`GET path`, `/` unless
    /// named) spread evenly over its listeners; 0 stops them. With a `profile` the rate
    /// changes minute by minute from then on ([`LoadProfile`]).
    #[serde(rename_all = "camelCase")]
    OfferedLoad {
        /// The load balancer (ARN or name).
        load_balancer: String,
        /// Requests a second, at most [`MAX_OFFERED_LOAD`]: the profile's base.
        requests_per_second: u32,
        /// The requests' path.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
        /// How the rate changes (steady without one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        profile: Option<LoadProfile>,
    },
    /// The function of an AWS_LAMBDA hook answers ECS's invocation (Berth has no Lambda:
    /// `berth serve --hook-endpoint` or a person in the page answers for it).
    #[serde(rename_all = "camelCase")]
    HookAnswer {
        /// The hook run (`lifecycleHookDetails[].hookId`, the payload's `executionId`).
        execution_id: String,
        /// The invocation answered; the current one if absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attempt: Option<u32>,
        /// What it answered.
        reply: HookReply,
    },
}

/// What an AWS_LAMBDA hook's function answered: its return value, or why it failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HookReply {
    /// What the function returned (`{"hookStatus": "SUCCEEDED" | "FAILED" | "IN_PROGRESS",
    /// "callBackDelay": seconds, "hookDetails": {...}}`).
    Returned(serde_json::Value),
    /// The function failed (could not be reached, answered an error): ECS rolls back.
    Failed(String),
}

/// The most requests a second a load balancer may be offered.
pub const MAX_OFFERED_LOAD: u32 = 1_000_000;

impl FleetAction {
    /// Reads a fleet action's JSON (`POST /berth/fleet`), refusing one that is not an action or
    /// launches an instance type the catalogue lacks, in ECS's shape.
    pub fn from_json(body: &[u8]) -> Result<FleetAction, ApiError> {
        let invalid = |message: String| {
            ApiError::new(
                berth_model::ExceptionType::InvalidParameterException,
                message,
            )
        };
        let action: FleetAction = serde_json::from_slice(body)
            .map_err(|error| invalid(format!("Not a fleet action: {error}.")))?;
        if let FleetAction::Launch {
            instance_type: t, ..
        } = &action
        {
            if instance_type(t).is_none() {
                return Err(invalid(format!("Unknown instance type {t}.")));
            }
        }
        Ok(action)
    }
}

/// Random task failures: each running task's essential container exits with code 1 after a
/// time drawn uniformly from `0..2 × mean_ms` (so `mean_ms` on average), from the seeded
/// generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failures {
    /// Mean time a task runs before it fails.
    pub mean_ms: u64,
}

/// How a virtual instance answers a load balancer's health check (`None`: not a virtual
/// instance's target, left to whoever runs it).
fn virtual_answer(
    probe: &Probe,
    address_owner: Option<String>,
    ec2_instances: &BTreeMap<String, String>,
    agents: &BTreeMap<String, BTreeMap<String, AgentTask>>,
    unhealthy: &BTreeSet<String>,
) -> Option<ProbeOutcome> {
    let (arn, only) = match ec2_instances.get(&probe.target_id) {
        Some(arn) => (arn.clone(), None),
        // An IP target: the awsvpc task at that address, wherever it runs.
        None => match address_owner {
            Some(task_arn) => {
                let instance = agents.iter().find(|(_, t)| t.contains_key(&task_arn))?.0;
                (instance.clone(), Some(task_arn))
            }
            // An address nothing of the fleet's has: the check waits out its timeout.
            None => return Some(ProbeOutcome::TimedOut),
        },
    };
    let tasks = agents.get(&arn)?;
    let tasks = tasks
        .iter()
        .filter(|(task_arn, _)| only.as_ref().is_none_or(|o| o == *task_arn))
        .map(|(_, t)| t);
    for task in tasks.filter(|t| !t.run.launching) {
        for (i, container) in task.run.containers.iter().enumerate() {
            let listening = !container.stopped
                && container
                    .bindings
                    .iter()
                    .any(|b| u32::from(b.host_port) == probe.port && b.protocol == "tcp");
            if !listening {
                continue;
            }
            if probe.protocol == "TCP" {
                return Some(ProbeOutcome::Connected);
            }
            let failing = task
                .images
                .get(i)
                .is_some_and(|image| unhealthy.contains(image))
                || container.health.as_deref() == Some("UNHEALTHY");
            return Some(ProbeOutcome::Answered(if failing { 503 } else { 200 }));
        }
    }
    Some(ProbeOutcome::Refused)
}

/// What a simulated agent knows of one task: its run, by the agents' shared rules.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(from = "StoredAgentTask")]
struct AgentTask {
    run: TaskRun,
    /// Each container's image, in the run's order (a load balancer's health check of an
    /// image made unhealthy fails).
    images: Vec<String>,
    /// What happens to each container with a restart policy once it runs (milliseconds
    /// after its start), lived again from each restart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    lives: Vec<(u64, Happening)>,
    /// MiB each container's command allocates (`stress --vm-bytes`), in the run's order: the
    /// load model's memory use. Empty when none allocates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    allocated: Vec<u64>,
    /// The containers whose output goes to CloudWatch Logs (what they write is
    /// [`output::started`]'s).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    writers: Vec<ContainerSpec>,
}

/// An [`AgentTask`] as snapshots hold it: now its run; in format 1, its spec and whether it
/// ran.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredAgentTask {
    Now {
        run: TaskRun,
        #[serde(default)]
        images: Vec<String>,
        #[serde(default)]
        lives: Vec<(u64, Happening)>,
        #[serde(default)]
        allocated: Vec<u64>,
        #[serde(default)]
        writers: Vec<ContainerSpec>,
    },
    Format1 {
        spec: TaskSpec,
        running: bool,
    },
}

impl From<StoredAgentTask> for AgentTask {
    fn from(stored: StoredAgentTask) -> AgentTask {
        match stored {
            StoredAgentTask::Now {
                run,
                images,
                lives,
                allocated,
                writers,
            } => AgentTask {
                run,
                images,
                lives,
                allocated,
                writers,
            },
            StoredAgentTask::Format1 { spec, running } => {
                let mut run = TaskRun::new(&spec, 0);
                run.pull_started_at = None;
                // What the control plane heard of their health stands until the next check.
                for c in &mut run.containers {
                    c.health = None;
                }
                if running {
                    for c in &spec.containers {
                        let id = runtime_id(&spec.task_arn, &c.name);
                        run.started(&c.name, id, c.port_bindings.clone(), 0);
                    }
                    run.launched(0);
                    run.pull_stopped_at = None;
                }
                let images = spec.containers.iter().map(|c| c.image.clone()).collect();
                AgentTask {
                    run,
                    images,
                    lives: Vec::new(),
                    allocated: allocations(&spec),
                    writers: Vec::new(),
                }
            }
        }
    }
}

/// A line of a virtual agent's own log (the ECS agent writes its restarts in its log, not to
/// ECS).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentNote {
    /// When.
    pub time: SimTime,
    /// The task.
    pub task_arn: String,
    /// What the agent did.
    pub text: String,
}

/// A virtual fleet and the control plane it drives. It serialises whole (see
/// [`Simulation::snapshot`]), so a long session can be saved and resumed exactly.
#[derive(Serialize, Deserialize)]
pub struct Simulation {
    cp: ControlPlane,
    now: SimTime,
    timings: Timings,
    #[serde(with = "berth_model::pairs")]
    queue: BTreeMap<(SimTime, u64), Pending>,
    /// Where each task's pending reports are in `queue`, so a stop cancels them directly.
    scheduled: BTreeMap<String, Vec<(SimTime, u64)>>,
    sequence: u64,
    /// Tasks per instance ARN.
    agents: BTreeMap<String, BTreeMap<String, AgentTask>>,
    unpullable: BTreeSet<String>,
    /// The virtual registry: how many times each image (`registry/repository:tag`) was
    /// pushed again since the first, which gives the digest a pull of its tag resolves to.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pushes: BTreeMap<String, u32>,
    /// Images whose health checks fail.
    unhealthy: BTreeSet<String>,
    instance_count: u64,
    /// Events for the driver; a snapshot does not keep them.
    #[serde(skip)]
    log: Vec<ClusterEvent>,
    /// The virtual agents' own log, kept with `log`.
    #[serde(skip)]
    agent_log: Vec<AgentNote>,
    failures: Option<Failures>,
    rng: ChaCha8Rng,
    keep_log: bool,
    failed: usize,
    /// Instances run by agents outside the simulation (`berth agent`), by the agent's instance
    /// id: their instructions go to [`Simulation::take_outbox`], their reports come in through
    /// [`Simulation::agent_event`].
    #[serde(default)]
    external: BTreeMap<String, String>,
    /// Instructions for external agents, for the driver to deliver.
    #[serde(skip)]
    outbox: Vec<(String, AgentInstruction)>,
    /// Auto Scaling groups by ARN.
    #[serde(default)]
    groups: BTreeMap<String, AutoScalingGroup>,
    /// What new groups are like.
    #[serde(default)]
    group_defaults: GroupDefaults,
    /// Virtual instances whose agent is cut off from ECS: what each would have sent (its
    /// reports) and been sent (instructions), delivered when it reconnects.
    #[serde(default)]
    cut_off: BTreeMap<String, CutOff>,
    /// The region's Elastic Load Balancing, once anything has used it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    elb: Option<Elb>,
    /// Container instance ARNs by EC2 instance id (what an instance target names).
    #[serde(default)]
    ec2_instances: BTreeMap<String, String>,
    /// The loopback address each external agent's instance publishes its ports on, by
    /// instance id.
    #[serde(default)]
    addresses: BTreeMap<String, String>,
    /// Health checks of targets on external instances, for the driver to make for real
    /// (their answers come back through [`Simulation::probe_answered`]).
    #[serde(skip)]
    external_probes: Vec<Probe>,
    /// The region's CloudWatch, once anything has used it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cloudwatch: Option<CloudWatch>,
    /// How far the load balancers' metrics have been put into CloudWatch.
    #[serde(default)]
    published: metrics::Published,
    /// The region's Application Auto Scaling, once anything has used it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    autoscaling: Option<AutoScaling>,
    /// Offered loads that follow a profile, by the load balancer (and port) as the action
    /// named it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    profiles: BTreeMap<String, Profiled>,
    /// The region's CloudWatch Logs, once anything has used it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    logs: Option<berth_logs::Logs>,
    /// Where each task's containers' output goes.
    #[serde(default)]
    log_routes: container_logs::Routes,
}

/// An offered load following a profile since `start`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Profiled {
    /// The load balancer's ARN (empty in a state saved before it was kept).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    arn: String,
    start: SimTime,
    base: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    profile: LoadProfile,
}

/// What ELB may ask of the fleet: which instances run, and how a virtual container answers.
struct Fleet<'a> {
    ec2_instances: &'a BTreeMap<String, String>,
    agents: &'a BTreeMap<String, BTreeMap<String, AgentTask>>,
    external: &'a BTreeMap<String, String>,
    unhealthy: &'a BTreeSet<String>,
    cp: &'a ControlPlane,
}

impl berth_elb::Hosts for Fleet<'_> {
    fn is_running_instance(&self, instance_id: &str) -> bool {
        self.ec2_instances.get(instance_id).is_some_and(|arn| {
            self.agents.contains_key(arn) || self.external.values().any(|a| a == arn)
        })
    }

    /// `None` for a target on an external instance: the driver checks it for real. A
    /// virtual instance with nothing on the port refuses.
    fn answer(&self, probe: &Probe) -> Option<ProbeOutcome> {
        if self.external.contains_key(&probe.target_id) {
            return None;
        }
        let owner = (!self.ec2_instances.contains_key(&probe.target_id))
            .then(|| self.cp.task_at_address(&probe.target_id))
            .flatten();
        virtual_answer(
            probe,
            owner,
            self.ec2_instances,
            self.agents,
            self.unhealthy,
        )
        .or(Some(ProbeOutcome::Refused))
    }
}

/// What a cut-off agent holds until it reconnects.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct CutOff {
    reports: Vec<TaskStateChange>,
    instructions: Vec<AgentInstruction>,
}

impl Simulation {
    /// Sets where agents reach the control plane (see [`Config::endpoint`]); a restored
    /// simulation has none until its driver sets it.
    pub fn set_endpoint(&mut self, endpoint: Option<String>) {
        self.cp.set_endpoint(endpoint);
    }

    /// A simulation starting at `start` with a control plane seeded by `seed`.
    pub fn new(seed: u64, start: SimTime) -> Simulation {
        Simulation::with_config(
            Config {
                rng_seed: seed,
                ..Config::default()
            },
            start,
        )
    }

    /// A simulation starting at `start` with a control plane configured by `config` (its
    /// region and account, and the seed of its generator and the fleet's).
    pub fn with_config(config: Config, start: SimTime) -> Simulation {
        let seed = config.rng_seed;
        Simulation {
            cp: ControlPlane::new(config),
            now: start,
            timings: Timings::default(),
            queue: BTreeMap::new(),
            scheduled: BTreeMap::new(),
            sequence: 0,
            agents: BTreeMap::new(),
            unpullable: BTreeSet::new(),
            pushes: BTreeMap::new(),
            unhealthy: BTreeSet::new(),
            instance_count: 0,
            log: Vec::new(),
            agent_log: Vec::new(),
            failures: None,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_f1ee7),
            keep_log: true,
            failed: 0,
            external: BTreeMap::new(),
            outbox: Vec::new(),
            groups: BTreeMap::new(),
            group_defaults: GroupDefaults::default(),
            cut_off: BTreeMap::new(),
            elb: None,
            ec2_instances: BTreeMap::new(),
            addresses: BTreeMap::new(),
            external_probes: Vec::new(),
            cloudwatch: None,
            published: metrics::Published::default(),
            autoscaling: None,
            profiles: BTreeMap::new(),
            logs: None,
            log_routes: container_logs::Routes::default(),
        }
    }

    /// Sets what the Auto Scaling groups created from now on are like.
    pub fn set_group_defaults(&mut self, defaults: GroupDefaults) {
        self.group_defaults = defaults;
    }

    /// Each Auto Scaling group: its ARN, registered instances' ARNs and launches under way.
    pub fn auto_scaling_groups(&self) -> impl Iterator<Item = (&str, Vec<&str>, u32)> {
        self.groups.iter().map(|(arn, group)| {
            (
                arn.as_str(),
                group.instances.iter().map(|(a, _)| a.as_str()).collect(),
                group.launching - group.cancelled,
            )
        })
    }

    /// Makes running tasks fail at random (seeded), or stops that.
    pub fn set_failures(&mut self, failures: Option<Failures>) {
        self.failures = failures;
    }

    /// Whether to keep cluster events in [`Simulation::log`] (long runs may not want to).
    pub fn keep_log(&mut self, keep: bool) {
        self.keep_log = keep;
    }

    /// Replaces the agents' timings.
    pub fn set_timings(&mut self, timings: Timings) {
        self.timings = timings;
    }

    /// The virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// How many tasks the random failures have stopped so far.
    pub fn failed_tasks(&self) -> usize {
        self.failed
    }

    /// Every cluster event so far, in order.
    pub fn log(&self) -> &[ClusterEvent] {
        &self.log
    }

    /// The whole simulation as JSON: the control plane, the agents' tasks and their pending
    /// reports, the clock and the generators; the event log is not included. Restored, it
    /// answers the same inputs with the same outputs.
    pub fn snapshot(&mut self) -> String {
        self.pump();
        serde_json::to_string(&Snapshot {
            berth_simulation: SNAPSHOT_VERSION,
            simulation: &*self,
        })
        .expect("the simulation always serialises")
    }

    /// A simulation from a [`Simulation::snapshot`].
    pub fn restore(snapshot: &str) -> Result<Simulation, String> {
        let snapshot: Snapshot<Simulation> = serde_json::from_str(snapshot)
            .map_err(|error| format!("not a Berth simulation snapshot: {error}"))?;
        if !(OLDEST_SNAPSHOT_VERSION..=SNAPSHOT_VERSION).contains(&snapshot.berth_simulation) {
            return Err(format!(
                "simulation snapshot format {} is not a format this Berth reads ({OLDEST_SNAPSHOT_VERSION} to {SNAPSHOT_VERSION})",
                snapshot.berth_simulation
            ));
        }
        let mut simulation = snapshot.simulation;
        // A snapshot from before load balancers has no EC2 ids: the control plane has them.
        if simulation.ec2_instances.is_empty() {
            simulation.ec2_instances = simulation.cp.ec2_instances().into_iter().collect();
        }
        Ok(simulation)
    }

    /// What the virtual agents did that ECS's documents do not show (a container restarted
    /// in place, or why not), in order.
    pub fn agent_log(&self) -> &[AgentNote] {
        &self.agent_log
    }

    /// Takes the events kept so far, leaving the log empty (a long-running driver forwards
    /// them and keeps nothing).
    /// The agents' log goes with it.
    pub fn take_log(&mut self) -> Vec<ClusterEvent> {
        self.agent_log.clear();
        std::mem::take(&mut self.log)
    }

    /// Makes an image fail to pull from now on.
    pub fn make_unpullable(&mut self, image: &str) {
        self.unpullable.insert(image.to_owned());
    }

    /// A new image is pushed under `image`'s tag: pulls by the tag resolve to a new digest
    /// from now on, which it returns. Every digest pushed before can still be pulled.
    pub fn push_image(&mut self, image: &str) -> Result<String, ApiError> {
        if image.contains('@') {
            return Err(invalid(format!(
                "{image} names a digest, which never changes: push a tag."
            )));
        }
        if image.trim().is_empty() {
            return Err(invalid("an image to push is required.".to_owned()));
        }
        *self.pushes.entry(tagged(image)).or_default() += 1;
        Ok(self.digest(image))
    }

    /// The digest a pull of `image` resolves to now: the one it names, or the one the
    /// virtual registry has under its tag. A virtual image has no manifest to hash, so its
    /// digest is derived from its reference and how many times it was pushed.
    pub fn digest(&self, image: &str) -> String {
        if let Some((_, digest)) = image.split_once('@') {
            return digest.to_owned();
        }
        let reference = tagged(image);
        let pushes = self.pushes.get(&reference).copied().unwrap_or(0);
        // FNV-1a of the reference and the push, stretched to 256 bits with splitmix64.
        let mut state = format!("{reference}#{pushes}")
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
        let mut hex = String::with_capacity(71);
        hex.push_str("sha256:");
        for _ in 0..4 {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            hex.push_str(&format!("{:016x}", z ^ (z >> 31)));
        }
        hex
    }

    /// Does what a user asked of the virtual world; says what happened.
    pub fn act(&mut self, action: &FleetAction) -> Result<String, ApiError> {
        // A Docker agent's instance is real: the user stops it with Docker, not here.
        let virtual_instance = |sim: &Simulation, arn: &str| {
            if !arn.contains(":container-instance/") {
                Err(invalid(format!(
                    "{arn} is not a container instance ARN (arn:aws:ecs:...:container-instance/...)."
                )))
            } else if sim.external.values().any(|a| a == arn) {
                Err(invalid(format!(
                    "{arn} is a Docker instance: stop its agent or its containers with Docker."
                )))
            } else {
                Ok(())
            }
        };
        match action {
            FleetAction::Launch {
                cluster,
                instance_type,
                zone,
            } => {
                let arn = self.launch_instance(cluster, instance_type, zone)?;
                Ok(format!("{instance_type} launched in {zone}: {arn}"))
            }
            FleetAction::Terminate { container_instance } => {
                virtual_instance(self, container_instance)?;
                self.terminate_instance(container_instance)?;
                Ok(format!("{container_instance} terminated"))
            }
            FleetAction::Disconnect { container_instance }
            | FleetAction::Reconnect { container_instance } => {
                virtual_instance(self, container_instance)?;
                let connected = matches!(action, FleetAction::Reconnect { .. });
                self.set_agent_connected(container_instance, connected);
                Ok(format!(
                    "the agent of {container_instance} {}",
                    if connected {
                        "reconnected"
                    } else {
                        "disconnected"
                    }
                ))
            }
            FleetAction::Kill { task, container } => self.kill(task, container.as_deref()),
            FleetAction::Unpullable { image } => {
                self.make_unpullable(image);
                Ok(format!("pulls of {image} fail from now on"))
            }
            FleetAction::Push { image } => {
                let digest = self.push_image(image)?;
                Ok(format!(
                    "a new {image} was pushed: pulls of its tag resolve to {digest} from now on"
                ))
            }
            FleetAction::Unhealthy { image } => {
                self.make_unhealthy(image);
                Ok(format!(
                    "containers of {image} fail their health checks from now on"
                ))
            }
            FleetAction::OfferedLoad {
                load_balancer,
                requests_per_second,
                path,
                profile,
            } => {
                if *requests_per_second > MAX_OFFERED_LOAD {
                    return Err(invalid(format!(
                        "requestsPerSecond must be at most {MAX_OFFERED_LOAD}."
                    )));
                }
                if path.as_ref().is_some_and(|p| !p.starts_with('/')) {
                    return Err(invalid("path must start with /.".to_owned()));
                }
                if let Some(profile) = profile {
                    profile.check(MAX_OFFERED_LOAD).map_err(invalid)?;
                }
                let now = self.now;
                let rate = profile.as_ref().map_or(*requests_per_second, |p| {
                    p.rate(*requests_per_second, now, now)
                });
                let arn = self
                    .with_elb(|elb, fleet| {
                        elb.set_offered_load(load_balancer, rate, path.as_deref(), now, fleet)
                    })
                    .unwrap_or_else(|| {
                        Err(ElbError::new(
                            "LoadBalancerNotFound",
                            berth_model::messages::elb_load_balancers_not_found(
                                std::slice::from_ref(load_balancer),
                            ),
                        ))
                    })
                    .map_err(|e| invalid(e.message))?;
                match profile.clone().filter(|p| *p != LoadProfile::Steady) {
                    Some(profile) => {
                        self.profiles.insert(
                            load_balancer.clone(),
                            Profiled {
                                arn: arn.clone(),
                                start: now,
                                base: *requests_per_second,
                                path: path.clone(),
                                profile,
                            },
                        );
                        Ok(format!(
                            "{arn} is offered {rate} requests a second, changing by its profile"
                        ))
                    }
                    None => {
                        self.profiles.remove(load_balancer);
                        Ok(format!(
                            "{arn} is offered {requests_per_second} requests a second"
                        ))
                    }
                }
            }
            FleetAction::HookAnswer {
                execution_id,
                attempt,
                reply,
            } => {
                let (answer, said) = match reply {
                    HookReply::Returned(value) => (Ok(value.clone()), value.to_string()),
                    HookReply::Failed(why) => (Err(why.clone()), format!("failed: {why}")),
                };
                let now = self.now;
                self.cp
                    .handle_hook_answer(now, execution_id, *attempt, answer)?;
                self.pump();
                Ok(format!(
                    "the function of hook {execution_id} answered {said}"
                ))
            }
        }
    }

    /// Every invocation of an AWS_LAMBDA hook's function waiting for its answer.
    pub fn hook_invocations(&self) -> Vec<berth_control_plane::HookInvocation> {
        self.cp.hook_invocations()
    }

    /// A container of a running task is killed (`docker kill`: exit 137). An essential one
    /// takes the task down (the agent stops the others); another just stops.
    fn kill(&mut self, task_arn: &str, container: Option<&str>) -> Result<String, ApiError> {
        let found = self
            .agents
            .iter()
            .filter(|(instance, _)| !self.external.values().any(|a| a == *instance))
            .find_map(|(instance, tasks)| {
                tasks
                    .iter()
                    .find(|(arn, t)| {
                        t.run.status() == Status::Running
                            && (arn.as_str() == task_arn || arn.ends_with(&format!("/{task_arn}")))
                    })
                    .map(|(arn, t)| (instance.clone(), arn.clone(), t.run.clone()))
            });
        let Some((instance, task_arn, run)) = found else {
            return Err(invalid(format!(
                "{task_arn} is not running on the virtual fleet."
            )));
        };
        let victim = match container {
            Some(name) => run.containers.iter().find(|c| c.name == name),
            None => run.containers.iter().find(|c| c.essential),
        }
        .ok_or_else(|| {
            invalid(format!(
                "{task_arn} has no container {}.",
                container.unwrap_or("essential")
            ))
        })?
        .name
        .clone();
        let happening = Happening::Exited {
            container: victim.clone(),
            exit_code: task_rules::SIGKILL_EXIT_CODE,
            oom: false,
        };
        let restarts = |sim: &Simulation| {
            sim.agents
                .get(&instance)
                .and_then(|t| t.get(&task_arn))
                .and_then(|t| t.run.containers.iter().find(|c| c.name == victim))
                .map_or(0, |c| c.restart_count)
        };
        let before = restarts(self);
        self.schedule(self.now, &instance, &task_arn, happening);
        self.run_until(self.now);
        let after = restarts(self);
        if after > before {
            return Ok(format!(
                "{victim} of {task_arn} killed (exit 137) and restarted in place by its restart policy (restart {after})"
            ));
        }
        Ok(format!("{victim} of {task_arn} killed (exit 137)"))
    }

    /// Makes the health checks of containers running an image fail from now on.
    pub fn make_unhealthy(&mut self, image: &str) {
        self.unhealthy.insert(image.to_owned());
    }

    /// Sends an API request now, as a user or script would, and lets the fleet react.
    pub fn request(&mut self, request: Request) -> Result<Response, ApiError> {
        let registers = matches!(request, Request::RegisterContainerInstance(_));
        let response = self.cp.handle_request(self.now, request);
        // An instance registered through the API (as an agent of its own would) runs a
        // virtual agent, and ELB may register it as an instance target.
        if let (true, Ok(Response::ContainerInstance(registered))) = (registers, &response) {
            if let Some(instance) = &registered.container_instance {
                let arn = instance.container_instance_arn.clone();
                self.agents.entry(arn.clone()).or_default();
                self.ec2_instances
                    .insert(instance.ec2_instance_id.clone(), arn);
            }
        }
        self.pump();
        response
    }

    /// Sends an Elastic Load Balancing request now, and lets the fleet react.
    pub fn elb_request(
        &mut self,
        request: berth_elb::Request,
    ) -> Result<berth_elb::Response, ElbError> {
        if self.elb.is_none() {
            let seed = self.rng.next_u64();
            self.elb = Some(Elb::new(self.cp.region(), self.cp.account(), seed));
        }
        let now = self.now;
        let (outcome, facts, rules) = self
            .with_elb(|elb, fleet| {
                let outcome = elb.handle(request, now, fleet);
                (outcome, elb.target_group_facts(), elb.listener_rule_arns())
            })
            .expect("made above");
        self.cp.set_target_groups(facts);
        self.cp.set_listener_rules(rules);
        self.pump();
        outcome
    }

    /// Sends a CloudWatch request now; ECS hears of the alarms' states at once.
    pub fn cloudwatch_request(
        &mut self,
        request: berth_cloudwatch::Request,
    ) -> Result<berth_cloudwatch::Response, CwError> {
        // A read creates nothing, so a session replays to the same state (its journal holds
        // no reads), and the fleet's metrics do not start for it.
        if self.cloudwatch.is_none() && request.is_read_only() {
            return CloudWatch::new(self.cp.region(), self.cp.account()).handle(request, self.now);
        }
        let cloudwatch = self
            .cloudwatch
            .get_or_insert_with(|| CloudWatch::new(self.cp.region(), self.cp.account()));
        let outcome = cloudwatch.handle(request, self.now);
        self.tell_alarms();
        self.pump();
        outcome
    }

    /// Sends an Application Auto Scaling request now; what it scales, ECS does at once.
    pub fn autoscaling_request(
        &mut self,
        request: berth_autoscaling::Request,
    ) -> Result<berth_autoscaling::Response, AasError> {
        // A read creates nothing and draws no random number, so a session replays to the same
        // state (its journal holds no reads): it is answered by an empty service, then dropped.
        let unused_read = self.autoscaling.is_none() && request.is_read_only();
        if self.autoscaling.is_none() {
            let seed = if unused_read { 0 } else { self.rng.next_u64() };
            self.autoscaling = Some(AutoScaling::new(self.cp.region(), self.cp.account(), seed));
        }
        let outcome = self.with_autoscaling(|aas, region| aas.handle(request, region.now, region));
        if unused_read {
            self.autoscaling = None;
            return outcome.expect("made above");
        }
        self.tell_alarms();
        self.pump();
        outcome.expect("made above")
    }

    /// The region's Application Auto Scaling, once anything has used it.
    pub fn autoscaling(&self) -> Option<&AutoScaling> {
        self.autoscaling.as_ref()
    }

    /// Runs `f` on Application Auto Scaling (if any has been used) and the region it calls,
    /// then logs the activities it recorded.
    fn with_autoscaling<R>(
        &mut self,
        f: impl FnOnce(&mut AutoScaling, &mut service_scaling::Region<'_>) -> R,
    ) -> Option<R> {
        let mut aas = self.autoscaling.take()?;
        let cloudwatch = self
            .cloudwatch
            .get_or_insert_with(|| CloudWatch::new(self.cp.region(), self.cp.account()));
        let mut region = service_scaling::Region {
            cp: &mut self.cp,
            cloudwatch,
            now: self.now,
        };
        let result = f(&mut aas, &mut region);
        while let Some(activity) = aas.poll_activity() {
            if self.keep_log {
                let detail = serde_json::to_value(&activity).unwrap_or_default();
                self.log.push(ClusterEvent {
                    time: activity.start_time,
                    detail_type: "Application Auto Scaling Scaling Activity",
                    resources: vec![activity.resource_id.clone()],
                    detail: berth_control_plane::EventDetail::Json(detail),
                });
            }
        }
        self.autoscaling = Some(aas);
        Some(result)
    }

    /// The region's CloudWatch, once anything has used it.
    pub fn cloudwatch(&self) -> Option<&CloudWatch> {
        self.cloudwatch.as_ref()
    }

    /// Tells ECS every alarm's state, logs each change, and has Application Auto Scaling
    /// act on the policies the alarms invoked.
    fn tell_alarms(&mut self) {
        self.log_alarm_changes();
        let invocations: Vec<_> = match &mut self.cloudwatch {
            Some(cloudwatch) => std::iter::from_fn(|| cloudwatch.poll_invocation()).collect(),
            None => return,
        };
        if !invocations.is_empty() {
            self.with_autoscaling(|aas, region| {
                for invocation in &invocations {
                    aas.invoke(invocation, region.now, region);
                }
            });
        }
        // What a policy changed (alarms of its own) ECS hears of too.
        self.log_alarm_changes();
    }

    /// Tells ECS every alarm's state, and logs each change.
    fn log_alarm_changes(&mut self) {
        let Some(cloudwatch) = &mut self.cloudwatch else {
            return;
        };
        while let Some(change) = cloudwatch.poll_change() {
            if self.keep_log {
                // As EventBridge delivers it.
                let detail = serde_json::json!({
                    "alarmName": change.alarm_name,
                    "state": {"value": change.new, "reason": change.reason},
                    "previousState": {"value": change.old},
                });
                self.log.push(ClusterEvent {
                    time: change.at,
                    detail_type: "CloudWatch Alarm State Change",
                    resources: vec![change.alarm_arn],
                    detail: berth_control_plane::EventDetail::Json(detail),
                });
            }
        }
        self.cp.set_alarms(self.now, cloudwatch.alarm_facts());
    }

    /// Runs `f` on the ELB (if any has been used) and the fleet as ELB sees it.
    fn with_elb<R>(&mut self, f: impl FnOnce(&mut Elb, &Fleet<'_>) -> R) -> Option<R> {
        let mut elb = self.elb.take()?;
        let fleet = Fleet {
            ec2_instances: &self.ec2_instances,
            agents: &self.agents,
            external: &self.external,
            unhealthy: &self.unhealthy,
            cp: &self.cp,
        };
        let result = f(&mut elb, &fleet);
        self.elb = Some(elb);
        Some(result)
    }

    /// Accounts the load balancers' offered load up to now, as the fleet stood since it was
    /// last accounted: called before anything changes at a new time.
    /// Each whole minute on the way is accounted on its own and its counts put into
    /// CloudWatch, as the load balancers publish them.
    fn accrue_traffic(&mut self) {
        let now = self.now;
        if self.elb.is_none() && self.cloudwatch.is_none() {
            return;
        }
        while let Some(end) = self.published.next_minute(now) {
            self.with_elb(|elb, fleet| elb.accrue(end, fleet));
            let (data, targets) = match &self.elb {
                Some(elb) => self.published.publish(end, elb),
                None => {
                    self.published.passed(end);
                    Default::default()
                }
            };
            if !data.is_empty() {
                let cloudwatch = self
                    .cloudwatch
                    .get_or_insert_with(|| CloudWatch::new(self.cp.region(), self.cp.account()));
                data.into_iter().for_each(|d| d.put(cloudwatch));
            }
            // The fleet's ECS metrics go to a CloudWatch someone uses: a fleet of thousands
            // left alone keeps no minutes of them.
            if self.cloudwatch.is_some() {
                let data = self.usage_data(end, &targets);
                if let Some(cloudwatch) = &mut self.cloudwatch {
                    data.into_iter().for_each(|d| d.put(cloudwatch));
                }
            }
            self.follow_profiles(end);
        }
        self.with_elb(|elb, fleet| elb.accrue(now, fleet));
    }

    /// Sets each profiled load's rate for the minute starting at `at`; a load whose load
    /// balancer is gone is dropped.
    fn follow_profiles(&mut self, at: SimTime) {
        let profiles = std::mem::take(&mut self.profiles);
        for (load_balancer, profiled) in profiles {
            let rate = profiled.profile.rate(profiled.base, profiled.start, at);
            let kept = self.with_elb(|elb, fleet| {
                elb.set_offered_load(&load_balancer, rate, profiled.path.as_deref(), at, fleet)
                    .is_ok()
            });
            if kept == Some(true) {
                self.profiles.insert(load_balancer, profiled);
            }
        }
    }

    /// The `AWS/ECS` utilisation and reservation datapoints, the load balancers'
    /// `TargetResponseTime` and the Container Insights counts of the minute ending at `end`,
    /// from what each task used by the load model ([`load`]) given the requests its targets
    /// took (`targets`).
    fn usage_data(&self, end: SimTime, targets: &[metrics::TargetMinute]) -> Vec<metrics::Datum> {
        let owner =
            |t: &metrics::TargetMinute| self.target_task(&t.target_group_arn, &t.id, t.port);
        let mut requests: BTreeMap<String, u64> = BTreeMap::new();
        for target in targets {
            if let Some(task) = owner(target) {
                *requests.entry(task).or_default() += target.counts.requests;
            }
        }
        let clusters = self.cp.usage();
        let mut used = BTreeMap::new();
        for cluster in &clusters {
            used.extend(load::measure(cluster, |task| {
                if self.external.values().any(|arn| *arn == task.agent) {
                    return None;
                }
                let agent = self.agents.get(&task.agent)?.get(&task.task_arn)?;
                let allocated_mib = agent
                    .allocated
                    .iter()
                    .zip(&agent.run.containers)
                    .filter(|(_, c)| !c.stopped)
                    .map(|(mib, _)| mib)
                    .sum();
                Some(load::Demand {
                    requests: requests.get(&task.task_arn).copied().unwrap_or(0),
                    allocated_mib,
                })
            }));
        }
        let mut data = metrics::ecs(end, &clusters, &used);
        data.extend(metrics::container_insights(end, &clusters));
        data.extend(metrics::response_times(end, targets, |t| {
            owner(t)
                .and_then(|task| used.get(&task))
                .map(|u| u.response_time)
        }));
        data
    }

    /// The load balancers as the page draws them, each target with its task.
    pub fn load_balancing(&self) -> berth_elb::view::LoadBalancingView {
        let owner = |group: &str, id: &str, port: u32| self.target_task(group, id, port);
        let mut view = self
            .elb
            .as_ref()
            .map(|elb| elb.view(self.now, &owner))
            .unwrap_or_default();
        for lb in &mut view.load_balancers {
            let profiled = self.profiles.iter().find(|(key, p)| {
                p.arn == lb.load_balancer_arn || **key == lb.name || **key == lb.load_balancer_arn
            });
            lb.profile = profiled.and_then(|(_, p)| {
                let mut shape = serde_json::to_value(&p.profile).ok()?;
                shape["base"] = p.base.into();
                shape["startedAt"] = p.start.as_millis().into();
                Some(shape)
            });
        }
        view
    }

    /// What the load balancers carried, accounted up to now.
    pub fn traffic(&self) -> berth_elb::TrafficView {
        self.elb.as_ref().map(Elb::traffic).unwrap_or_default()
    }

    /// The region's Elastic Load Balancing, once anything has used it.
    pub fn elb(&self) -> Option<&Elb> {
        self.elb.as_ref()
    }

    /// Launches an instance of `type_name` in `zone` into `cluster`: its agent creates the
    /// cluster if needed (as the ECS agent does) and registers. Returns its ARN.
    pub fn launch_instance(
        &mut self,
        cluster: &str,
        type_name: &str,
        zone: &str,
    ) -> Result<String, ApiError> {
        self.launch(cluster, type_name, zone, None)
    }

    /// Launches an instance, into an Auto Scaling group when one is named.
    fn launch(
        &mut self,
        cluster: &str,
        type_name: &str,
        zone: &str,
        group: Option<&str>,
    ) -> Result<String, ApiError> {
        let kind = instance_type(type_name).ok_or_else(|| {
            ApiError::new(
                berth_model::ExceptionType::InvalidParameterException,
                format!("Unknown instance type {type_name}."),
            )
        })?;
        self.instance_count += 1;
        let ec2_id = format!("i-{:017x}", self.instance_count);
        let mut identity = serde_json::json!({
            "instanceId": ec2_id,
            "instanceType": kind.name,
            "availabilityZone": zone,
            "region": zone.trim_end_matches(|c: char| c.is_ascii_lowercase()),
            "architecture": kind.architecture,
            "imageId": "ami-0berth0000000001",
        });
        if let Some(group) = group {
            // Not in EC2's document: ECS would look the group up in EC2 (see
            // berth-control-plane's auto_scaling).
            identity["autoScalingGroupArn"] = group.into();
        }
        let version = VersionInfo {
            agent_version: Some(berth_control_plane::LATEST_AGENT_VERSION.into()),
            agent_hash: Some("berth".into()),
            docker_version: Some("DockerVersion: 25.0.8".into()),
        };
        let arn = self.register(
            cluster,
            &identity,
            kind.cpu_units(),
            kind.registered_memory(),
            version,
        )?;
        self.agents.insert(arn.clone(), BTreeMap::new());
        self.ec2_instances.insert(ec2_id, arn.clone());
        self.pump();
        Ok(arn)
    }

    /// The agent's RegisterContainerInstance, creating the cluster first if needed.
    fn register(
        &mut self,
        cluster: &str,
        identity: &serde_json::Value,
        cpu: u32,
        memory: u32,
        version: VersionInfo,
    ) -> Result<String, ApiError> {
        let described = self.cp.handle_request(
            self.now,
            Request::DescribeClusters(berth_control_plane::requests::DescribeClustersRequest {
                clusters: Some(vec![cluster.to_owned()]),
                ..Default::default()
            }),
        )?;
        let exists = matches!(&described, Response::DescribeClusters(r) if r.clusters.as_ref().is_some_and(|c| c.iter().any(|c| c.status == ClusterStatus::Active)));
        if !exists {
            self.cp.handle_request(
                self.now,
                Request::CreateCluster(CreateClusterRequest {
                    cluster_name: Some(cluster.to_owned()),
                    ..Default::default()
                }),
            )?;
        }
        let response = self.cp.handle_request(
            self.now,
            Request::RegisterContainerInstance(RegisterContainerInstanceRequest {
                cluster: Some(cluster.to_owned()),
                instance_identity_document: Some(identity.to_string()),
                total_resources: Some(vec![
                    Resource::integer("CPU", i64::from(cpu)),
                    Resource::integer("MEMORY", i64::from(memory)),
                    Resource::string_set(
                        "PORTS",
                        ["22", "2375", "2376", "51678", "51679"]
                            .map(String::from)
                            .to_vec(),
                    ),
                    Resource::string_set("PORTS_UDP", Vec::new()),
                ]),
                version_info: Some(version),
                ..Default::default()
            }),
        )?;
        let Response::ContainerInstance(registered) = response else {
            unreachable!("RegisterContainerInstance answers with an instance")
        };
        Ok(registered
            .container_instance
            .map(|i| i.container_instance_arn)
            .unwrap_or_default())
    }

    /// An external agent (`berth agent`) offers an instance to `cluster`: the first time, it
    /// is registered with the offered size (as the ECS agent registers its host); when it is
    /// still registered from an earlier connection, the agent is marked connected again and
    /// told which tasks it should be running. Returns the container instance's ARN.
    pub fn attach_instance(
        &mut self,
        cluster: &str,
        zone: &str,
        offer: &InstanceOffer,
        docker_version: &str,
    ) -> Result<String, ApiError> {
        if let Some(arn) = self.external.get(&offer.instance_id).cloned() {
            let described = self.cp.handle_request(
                self.now,
                Request::DescribeContainerInstances(
                    berth_control_plane::requests::DescribeContainerInstancesRequest {
                        cluster: arn
                            .split_once(":container-instance/")
                            .and_then(|(_, rest)| rest.split_once('/'))
                            .map(|(cluster, _)| cluster.to_owned()),
                        container_instances: Some(vec![arn.clone()]),
                        ..Default::default()
                    },
                ),
            );
            let registered = matches!(&described, Ok(Response::ContainerInstances(r))
                if r.container_instances.iter().flatten().any(|i| i.status != ContainerInstanceStatus::Inactive));
            if registered {
                self.agent_event(&arn, AgentEvent::Connection { connected: true });
                return Ok(arn);
            }
        }
        let identity = serde_json::json!({
            "instanceId": offer.instance_id,
            "instanceType": "berth.docker",
            "availabilityZone": zone,
            "region": zone.trim_end_matches(|c: char| c.is_ascii_lowercase()),
            "architecture": std::env::consts::ARCH,
            "imageId": "ami-0berth0000000001",
            "privateIp": offer.address,
        });
        let version = VersionInfo {
            agent_version: Some(env!("CARGO_PKG_VERSION").into()),
            agent_hash: Some("berth-agent".into()),
            docker_version: Some(format!("DockerVersion: {docker_version}")),
        };
        let arn = self.register(cluster, &identity, offer.cpu, offer.memory, version)?;
        self.external.insert(offer.instance_id.clone(), arn.clone());
        self.addresses
            .insert(offer.instance_id.clone(), offer.address.clone());
        self.ec2_instances
            .insert(offer.instance_id.clone(), arn.clone());
        // New to this control plane, the instance should run nothing: the agent stops what it
        // may still run for another (a server restarted without its journal, say).
        self.agent_event(&arn, AgentEvent::Connection { connected: true });
        Ok(arn)
    }

    /// Why the next task of a service (or of a task definition) would go where it would:
    /// [`ControlPlane::explain_placement`] on the simulation's control plane.
    pub fn explain_placement(
        &self,
        cluster: Option<&str>,
        service: Option<&str>,
        task_definition: Option<&str>,
    ) -> Result<berth_model::views::Explanation, ApiError> {
        self.cp.explain_placement(cluster, service, task_definition)
    }

    /// The cluster at a glance (see [`berth_model::views::FleetSummary`]).
    pub fn fleet_summary(
        &self,
        cluster: Option<&str>,
    ) -> Result<berth_model::views::FleetSummary, ApiError> {
        self.cp.fleet_summary(cluster)
    }

    /// An event from an external agent's instance, now.
    pub fn agent_event(&mut self, instance_arn: &str, event: AgentEvent) {
        if let AgentEvent::TaskStateChange(change) = &event {
            self.note_report(change);
        }
        self.cp.handle_agent_event(self.now, instance_arn, event);
        self.pump();
    }

    /// The instructions for external agents since the last call, in order, each with the
    /// container instance's ARN and the agent's instance id.
    pub fn take_outbox(&mut self) -> Vec<(String, AgentInstruction)> {
        std::mem::take(&mut self.outbox)
    }

    /// The health checks of targets on external instances, to make for real.
    pub fn take_external_probes(&mut self) -> Vec<Probe> {
        std::mem::take(&mut self.external_probes)
    }

    /// A real health check's answer (a check answered late, after its timeout, is ignored).
    pub fn probe_answered(&mut self, id: u64, outcome: ProbeOutcome) {
        self.with_elb(|elb, _| elb.handle_probe(id, outcome));
        self.pump();
    }

    /// Counts the requests a real listener carried (`berth serve`'s proxy).
    pub fn count_served(&mut self, served: &[berth_elb::Served]) {
        if let Some(elb) = self.elb.as_mut() {
            elb.count_served(served);
        }
    }

    /// Where a target on an external instance is reached: its instance's published address
    /// and the port (`127.0.0.2:49153`). `None` for a virtual target.
    pub fn target_address(&self, id: &str, port: u32) -> Option<String> {
        self.addresses
            .get(id)
            .map(|address| format!("{address}:{port}"))
    }

    /// The task registered as this target, and its container instance's ARN.
    pub fn target_task(&self, target_group_arn: &str, id: &str, port: u32) -> Option<String> {
        self.cp.target_task(&Target {
            target_group_arn: target_group_arn.to_owned(),
            id: id.to_owned(),
            port,
        })
    }

    /// The container instance ARN of an external agent's instance.
    pub fn external_instance_arn(&self, instance_id: &str) -> Option<&str> {
        self.external.get(instance_id).map(String::as_str)
    }

    /// Every external agent's instance: its id and its container instance ARN.
    pub fn external_instances(&self) -> impl Iterator<Item = (&str, &str)> {
        self.external
            .iter()
            .map(|(id, arn)| (id.as_str(), arn.as_str()))
    }

    /// The agent's instance id of an external container instance.
    pub fn external_instance_id(&self, instance_arn: &str) -> Option<&str> {
        self.external
            .iter()
            .find(|(_, arn)| arn.as_str() == instance_arn)
            .map(|(id, _)| id.as_str())
    }

    /// An instance's agent loses (or regains) its connection. While it is away its
    /// containers go on as they were, ECS hears nothing from it and it hears nothing from
    /// ECS; when it is back it reports what happened meanwhile and does what it missed.
    pub fn set_agent_connected(&mut self, instance: &str, connected: bool) {
        let external = self.external.values().any(|a| a == instance);
        if !connected && !external {
            self.cut_off.entry(instance.to_owned()).or_default();
        }
        self.cp
            .handle_agent_event(self.now, instance, AgentEvent::Connection { connected });
        self.pump();
        if connected {
            if let Some(held) = self.cut_off.remove(instance) {
                for change in held.reports {
                    self.cp.handle_agent_event(
                        self.now,
                        instance,
                        AgentEvent::TaskStateChange(change),
                    );
                }
                self.pump();
                for instruction in held.instructions {
                    self.instruct(instance, instruction);
                }
                self.pump();
            }
        }
    }

    /// The EC2 instance behind a container instance is terminated: its agent and containers
    /// vanish, and ECS deregisters it, stopping its tasks (services replace theirs).
    pub fn terminate_instance(&mut self, instance: &str) -> Result<(), ApiError> {
        self.cut_off.remove(instance);
        self.ec2_instances.retain(|_, arn| arn != instance);
        if let Some(tasks) = self.agents.remove(instance) {
            for task_arn in tasks.keys() {
                for slot in self.scheduled.remove(task_arn).unwrap_or_default() {
                    self.queue.remove(&slot);
                }
            }
        }
        let cluster = instance
            .split_once(":container-instance/")
            .and_then(|(_, rest)| rest.split_once('/'))
            .map(|(cluster, _)| cluster.to_owned());
        let response = self.cp.handle_request(
            self.now,
            Request::DeregisterContainerInstance(
                berth_control_plane::requests::DeregisterContainerInstanceRequest {
                    cluster,
                    container_instance: Some(instance.to_owned()),
                    force: Some(true),
                },
            ),
        );
        self.pump();
        response.map(|_| ())
    }

    /// Lets virtual time run to `until`, handling everything that happens on the way.
    pub fn run_until(&mut self, until: SimTime) {
        while let Some(next) = self.next_wakeup().filter(|at| *at <= until) {
            self.now = self.now.max(next);
            self.step();
        }
        self.now = self.now.max(until);
        self.accrue_traffic();
        self.cp.handle_timeout(self.now);
        self.pump();
    }

    /// Moves to the next moment anything happens (no further than `limit`) and handles it;
    /// returns the new time, or `None` when nothing is due before `limit`.
    pub fn run_to_next(&mut self, limit: SimTime) -> Option<SimTime> {
        let next = self.next_wakeup().filter(|at| *at <= limit)?;
        self.now = self.now.max(next);
        self.step();
        Some(self.now)
    }

    /// Runs for `millis` of virtual time.
    pub fn advance(&mut self, millis: u64) {
        self.run_until(self.now.plus_millis(millis));
    }

    /// The next time anything happens: an agent report or a control-plane timer.
    pub fn next_wakeup(&mut self) -> Option<SimTime> {
        let report = self.queue.keys().next().map(|(at, _)| *at);
        let elb = self.elb.as_ref().and_then(Elb::poll_timeout);
        let cloudwatch = self.cloudwatch.as_ref().and_then(CloudWatch::poll_timeout);
        let autoscaling = self
            .autoscaling
            .as_ref()
            .and_then(AutoScaling::poll_timeout);
        [report, self.cp.poll_timeout(), elb, cloudwatch, autoscaling]
            .into_iter()
            .flatten()
            .min()
    }

    /// Handles everything due at the current time: every report due now reaches the control
    /// plane before its outputs are read, as simultaneous reports would.
    fn step(&mut self) {
        self.accrue_traffic();
        while self
            .queue
            .keys()
            .next()
            .is_some_and(|(at, _)| *at <= self.now)
        {
            self.deliver_due();
            self.pump();
        }
        if self.cp.poll_timeout().is_some_and(|at| at <= self.now) {
            self.cp.handle_timeout(self.now);
            self.pump();
        }
        if let Some(elb) = &mut self.elb {
            if elb.poll_timeout().is_some_and(|at| at <= self.now) {
                elb.handle_timeout(self.now);
                self.pump();
            }
        }
        if let Some(cloudwatch) = &mut self.cloudwatch {
            if cloudwatch.poll_timeout().is_some_and(|at| at <= self.now) {
                cloudwatch.handle_timeout(self.now);
                self.tell_alarms();
                self.pump();
            }
        }
        let now = self.now;
        if self
            .autoscaling
            .as_ref()
            .and_then(AutoScaling::poll_timeout)
            .is_some_and(|at| at <= now)
        {
            self.with_autoscaling(|aas, region| aas.handle_timeout(now, region));
            self.tell_alarms();
            self.pump();
        }
    }

    fn deliver_due(&mut self) {
        while let Some((&(at, sequence), _)) = self.queue.iter().next() {
            if at > self.now {
                break;
            }
            let (instance, task_arn, happenings) = match self.queue.remove(&(at, sequence)) {
                Some(Pending::Containers {
                    instance,
                    task_arn,
                    happening,
                }) => (instance, task_arn, vec![happening]),
                Some(Pending::Report { instance, change }) => {
                    let task_arn = change.task_arn.clone();
                    let launching = self
                        .agents
                        .get(&instance)
                        .and_then(|t| t.get(&task_arn))
                        .is_some_and(|t| t.run.launching);
                    (instance, task_arn, format1_happenings(&change, launching))
                }
                Some(Pending::Boot { group }) => {
                    self.boot(&group);
                    continue;
                }
                None => continue,
            };
            let Some(task) = self
                .agents
                .get_mut(&instance)
                .and_then(|t| t.get_mut(&task_arn))
            else {
                continue;
            };
            let mut reports = Vec::new();
            let mut restarted = Vec::new();
            let started = happenings
                .iter()
                .any(|h| matches!(h, Happening::Started { .. }));
            for happening in happenings {
                let happened = happen(&mut task.run, happening, self.now.as_millis());
                reports.extend(happened.first);
                restarted.extend(happened.restarted);
                if self.keep_log {
                    self.agent_log
                        .extend(happened.notes.into_iter().map(|text| AgentNote {
                            time: self.now,
                            task_arn: task_arn.clone(),
                            text,
                        }));
                }
            }
            let report = task.run.report();
            // What the containers write as they (re)start goes to their streams.
            let writing: Vec<(String, Vec<String>)> = task
                .writers
                .iter()
                .filter(|c| started || restarted.contains(&c.name))
                .map(|c| (c.name.clone(), output::started(c, self.now)))
                .collect();
            for (container, lines) in writing {
                self.container_output(&task_arn, &container, &lines);
            }
            self.note_report(&report);
            if report.status == Status::Stopped {
                if let Some(tasks) = self.agents.get_mut(&instance) {
                    tasks.remove(&task_arn);
                }
                // Whatever else was to happen to the task will not.
                for slot in self.scheduled.remove(&task_arn).unwrap_or_default() {
                    self.queue.remove(&slot);
                }
                if report.containers.iter().any(|c| c.exit_code == Some(1)) {
                    self.failed += 1;
                }
            } else {
                for name in restarted {
                    self.restarted(&instance, &task_arn, &name);
                }
            }
            reports.push(report);
            for change in reports {
                match self.cut_off.get_mut(&instance) {
                    Some(held) => held.reports.push(change),
                    None => self.cp.handle_agent_event(
                        self.now,
                        &instance,
                        AgentEvent::TaskStateChange(change),
                    ),
                }
            }
        }
    }

    /// Something happens to a task's containers at `at` (unless the task stops first).
    fn schedule(&mut self, at: SimTime, instance: &str, task_arn: &str, happening: Happening) {
        let slot = self.enqueue(
            at,
            Pending::Containers {
                instance: instance.to_owned(),
                task_arn: task_arn.to_owned(),
                happening,
            },
        );
        self.scheduled
            .entry(task_arn.to_owned())
            .or_default()
            .push(slot);
    }

    fn enqueue(&mut self, at: SimTime, pending: Pending) -> (SimTime, u64) {
        self.sequence += 1;
        self.queue.insert((at, self.sequence), pending);
        (at, self.sequence)
    }

    /// EC2 Auto Scaling meets managed scaling's request: launches instances (they register
    /// after `boot_ms`) or terminates the newest unprotected ones.
    fn scale(&mut self, request: berth_control_plane::ScalingRequest) {
        let defaults = self.group_defaults.clone();
        let agents = &self.agents;
        let group = self
            .groups
            .entry(request.auto_scaling_group_arn.clone())
            .or_insert_with(|| AutoScalingGroup {
                cluster: request.cluster.clone(),
                instance_type: defaults.instance_type,
                max_size: defaults.max_size,
                instances: Vec::new(),
                launching: 0,
                cancelled: 0,
                launched: 0,
            });
        group.cluster = request.cluster.clone();
        // Instances terminated some other way have left the group.
        group.instances.retain(|(arn, _)| agents.contains_key(arn));
        let coming = group.launching - group.cancelled;
        let current = group.instances.len() as u32 + coming;
        let desired = request.desired_capacity.min(group.max_size);
        if desired > current {
            group.launching += desired - current;
            let boot = self.now.plus_millis(self.timings.boot_ms);
            for _ in current..desired {
                let group = request.auto_scaling_group_arn.clone();
                self.enqueue(boot, Pending::Boot { group });
            }
            return;
        }
        let mut surplus = current - desired;
        let called_off = surplus.min(coming);
        group.cancelled += called_off;
        surplus -= called_off;
        let victims: Vec<String> = group
            .instances
            .iter()
            .rev()
            .filter(|(_, ec2)| !request.protected_instance_ids.contains(ec2))
            .take(surplus as usize)
            .map(|(arn, _)| arn.clone())
            .collect();
        group.instances.retain(|(arn, _)| !victims.contains(arn));
        for arn in victims {
            let _ = self.terminate_instance(&arn);
        }
    }

    /// A group's instance has booted: it registers, unless a scale-in called it off.
    fn boot(&mut self, arn: &str) {
        let Some(group) = self.groups.get_mut(arn) else {
            return;
        };
        if group.cancelled > 0 {
            group.cancelled -= 1;
            group.launching = group.launching.saturating_sub(1);
            return;
        }
        let region = self.cp.region().to_owned();
        let zone = format!("{region}{}", ['a', 'b', 'c'][(group.launched % 3) as usize]);
        group.launched += 1;
        let (cluster, instance_type) = (group.cluster.clone(), group.instance_type.clone());
        // Still counted as launching while it registers: managed scaling may look at the
        // group in between, and must see it.
        let launched = self.launch(&cluster, &instance_type, &zone, Some(arn));
        let ec2 = format!("i-{:017x}", self.instance_count);
        if let Some(group) = self.groups.get_mut(arn) {
            group.launching = group.launching.saturating_sub(1);
            group.cancelled = group.cancelled.min(group.launching);
            if let Ok(instance) = launched {
                group.instances.push((instance, ec2));
            }
        }
    }

    /// Takes the control plane's instructions and events.
    fn pump(&mut self) {
        // ECS and ELB answer each other until neither has anything more to say.
        loop {
            while let Some((instance, instruction)) = self.cp.poll_instruction() {
                self.instruct(&instance, instruction);
            }
            while let Some(event) = self.cp.poll_event() {
                if self.keep_log {
                    self.log.push(event);
                }
            }
            while let Some(request) = self.cp.poll_scaling() {
                self.scale(request);
            }
            let mut spoke = false;
            while let Some(call) = self.cp.poll_target_call() {
                spoke = true;
                self.call_elb(call);
            }
            spoke |= self.answer_health_checks();
            if !spoke {
                break;
            }
        }
    }

    /// ECS's RegisterTargets or DeregisterTargets, as ECS calls ELB.
    fn call_elb(&mut self, call: TargetCall) {
        if self.elb.is_none() {
            return; // No ELB has been used: no target group exists to register in.
        }
        let (target, register) = match call {
            TargetCall::Register(target) => (target, true),
            TargetCall::Deregister(target) => (target, false),
            TargetCall::Weigh { rule, weights } => {
                // A rule deleted since: ECS's call fails, and the traffic stays where it is.
                let now = self.now;
                self.with_elb(|elb, fleet| {
                    let request = elb.weigh_request(&rule, &weights)?;
                    elb.handle(request, now, fleet).ok()
                });
                return;
            }
        };
        let input = berth_elb::requests::TargetsInput {
            target_group_arn: Some(target.target_group_arn.clone()),
            targets: Some(
                vec![berth_elb::TargetDescription {
                    id: target.id.clone(),
                    port: Some(target.port),
                    availability_zone: None,
                }]
                .into(),
            ),
        };
        let request = if register {
            berth_elb::Request::RegisterTargets(input)
        } else {
            berth_elb::Request::DeregisterTargets(input)
        };
        // A target group deleted since (or an instance ELB does not know): ECS's call fails
        // and the task runs without the target.
        let now = self.now;
        let answered = self.with_elb(|elb, fleet| elb.handle(request, now, fleet));
        if answered.is_some_and(|a| a.is_err()) {
            self.cp
                .handle_target_health(self.now, &target, TargetState::Gone);
        }
    }

    /// The virtual containers answer the load balancers' health checks at once: a running
    /// container publishing the checked port answers 200 (a TCP check connects), or 503 when
    /// its image was made unhealthy; nothing there refuses. Docker-backed instances answer
    /// through `berth serve`'s own checks.
    /// Returns whether ELB told ECS anything.
    fn answer_health_checks(&mut self) -> bool {
        let events = self.with_elb(|elb, fleet| {
            let mut external = Vec::new();
            while let Some(probe) = elb.poll_probe() {
                match berth_elb::Hosts::answer(fleet, &probe) {
                    Some(outcome) => elb.handle_probe(probe.id, outcome),
                    None => external.push(probe),
                }
            }
            let events: Vec<_> = std::iter::from_fn(|| elb.poll_event()).collect();
            (events, external)
        });
        let (events, external) = events.unwrap_or_default();
        self.external_probes.extend(external);
        let mut told = false;
        for event in events {
            told = true;
            let (target, state) = match event {
                berth_elb::ElbEvent::TargetHealth {
                    target_group_arn,
                    target,
                    health,
                } => (
                    Target {
                        target_group_arn,
                        id: target.id,
                        port: target.port.unwrap_or(0),
                    },
                    match health.state {
                        berth_elb::TargetHealthState::Healthy => TargetState::Healthy,
                        berth_elb::TargetHealthState::Unhealthy => {
                            TargetState::Unhealthy(health.description.unwrap_or_default())
                        }
                        berth_elb::TargetHealthState::Draining => TargetState::Draining,
                        _ => TargetState::Initial,
                    },
                ),
                berth_elb::ElbEvent::TargetDeregistered {
                    target_group_arn,
                    target,
                } => (
                    Target {
                        target_group_arn,
                        id: target.id,
                        port: target.port.unwrap_or(0),
                    },
                    TargetState::Gone,
                ),
            };
            if self.keep_log {
                let (name, reason) = match &state {
                    TargetState::Initial => ("initial", String::new()),
                    TargetState::Healthy => ("healthy", String::new()),
                    TargetState::Unhealthy(why) => ("unhealthy", why.clone()),
                    TargetState::Draining => ("draining", String::new()),
                    TargetState::Gone => ("deregistered", String::new()),
                };
                let detail = serde_json::json!({
                    "targetGroupArn": target.target_group_arn,
                    "id": target.id,
                    "port": target.port,
                    "state": name,
                    "reason": reason,
                });
                self.log.push(ClusterEvent {
                    time: self.now,
                    detail_type: "Berth Target Health",
                    resources: vec![target.target_group_arn.clone()],
                    detail: berth_control_plane::EventDetail::Json(detail),
                });
            }
            self.cp.handle_target_health(self.now, &target, state);
        }
        told
    }

    /// What a simulated agent does with an instruction.
    fn instruct(&mut self, instance: &str, instruction: AgentInstruction) {
        if self.external.values().any(|arn| arn == instance) {
            if let AgentInstruction::StartTask(spec) = &instruction {
                // The Docker daemon's log driver fails before the agent could start
                // anything: the task stops as the agent would report it.
                if let Err((container, reason)) = self.open_log_streams(instance, spec, true) {
                    let mut run = TaskRun::new(spec, self.now.as_millis());
                    run.failed_to_start(Some(&container), &reason, None);
                    run.pull_started_at = None;
                    let change = run.report();
                    self.note_report(&change);
                    self.cp.handle_agent_event(
                        self.now,
                        instance,
                        AgentEvent::TaskStateChange(change),
                    );
                    return;
                }
            }
            self.outbox.push((instance.to_owned(), instruction));
            return;
        }
        if let Some(held) = self.cut_off.get_mut(instance) {
            held.instructions.push(instruction);
            return;
        }
        match instruction {
            AgentInstruction::StartTask(spec) => self.start(instance, &spec),
            // A virtual agent never misses an instruction: what it runs is already what the
            // control plane expects.
            AgentInstruction::Reconcile { .. } => {}
            AgentInstruction::StopTask { task_arn, .. } => {
                let Some(task) = self
                    .agents
                    .get_mut(instance)
                    .and_then(|t| t.get_mut(&task_arn))
                else {
                    return;
                };
                task.run.stop();
                // Whatever was still to happen to the task will not: it stops.
                for slot in self.scheduled.remove(&task_arn).unwrap_or_default() {
                    self.queue.remove(&slot);
                }
                let at = self.now.plus_millis(self.timings.stop_ms);
                self.schedule(at, instance, &task_arn, Happening::Stopped);
            }
        }
    }

    /// A virtual agent starts a task: what will happen to its containers, and when. Its
    /// images pull in `pull_ms` (or fail to), its containers start `start_ms` later; then
    /// their health checks report, a random failure, the OOM killer or the end of a `sleep`
    /// may come.
    fn start(&mut self, instance: &str, spec: &TaskSpec) {
        let task_arn = spec.task_arn.clone();
        let run = TaskRun::new(spec, self.now.as_millis());
        self.agents.entry(instance.to_owned()).or_default().insert(
            task_arn.clone(),
            AgentTask {
                run,
                images: spec.containers.iter().map(|c| c.image.clone()).collect(),
                lives: Vec::new(),
                allocated: allocations(spec),
                writers: Vec::new(),
            },
        );
        let pulled = self.now.plus_millis(self.timings.pull_ms);
        let unpullable = spec
            .containers
            .iter()
            .find(|c| self.unpullable.contains(&c.image));
        if let Some(c) = unpullable {
            let reason = format!(
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {}: not found",
                qualified(&c.image)
            );
            let happening = Happening::FailedToStart {
                container: c.name.clone(),
                reason,
                pulled: pulled.as_millis(),
            };
            self.schedule(pulled, instance, &task_arn, happening);
            return;
        }
        let running_at = pulled.plus_millis(self.timings.start_ms);
        // The log driver starts with the container: a stream it cannot open stops it.
        if let Err((container, reason)) = self.open_log_streams(instance, spec, false) {
            let happening = Happening::FailedToStart {
                container,
                reason,
                pulled: pulled.as_millis(),
            };
            self.schedule(running_at, instance, &task_arn, happening);
            return;
        }
        let writers: Vec<ContainerSpec> = spec
            .containers
            .iter()
            .filter(|c| self.ships_logs(&task_arn, &c.name))
            .cloned()
            .collect();
        if let Some(task) = self
            .agents
            .get_mut(instance)
            .and_then(|t| t.get_mut(&task_arn))
        {
            task.writers = writers;
        }
        let started = Happening::Started {
            pulled: pulled.as_millis(),
            ports: spec
                .containers
                .iter()
                .map(|c| c.port_bindings.clone())
                .collect(),
            digests: spec
                .containers
                .iter()
                .map(|c| {
                    c.image_digest
                        .clone()
                        .unwrap_or_else(|| self.digest(&c.image))
                })
                .collect(),
        };
        self.schedule(running_at, instance, &task_arn, started);
        let life = self.life(spec);
        for (after, happening) in &life {
            let at = running_at.plus_millis(*after);
            self.schedule(at, instance, &task_arn, happening.clone());
        }
        // A container its restart policy restarts lives the same life again from its restart.
        if let Some(task) = self
            .agents
            .get_mut(instance)
            .and_then(|t| t.get_mut(&task_arn))
        {
            task.lives = life
                .into_iter()
                .filter(|(_, happening)| {
                    spec.containers.iter().any(|c| {
                        Some(c.name.as_str()) == happening.container() && c.restart_policy.is_some()
                    })
                })
                .collect();
        }
    }

    /// What will happen to each container once it runs, as (milliseconds after its start,
    /// what): its health checks report, a random failure, the OOM killer or the end of a
    /// `sleep` may come.
    fn life(&mut self, spec: &TaskSpec) -> Vec<(u64, Happening)> {
        let mut life = Vec::new();
        // Health checks pass after their first interval; failing ones (images made
        // unhealthy) turn UNHEALTHY once `retries` checks after the start period failed.
        for c in &spec.containers {
            let Some(check) = &c.health_check else {
                continue;
            };
            let interval = u64::from(check.interval.max(1));
            let (after_s, health) = if self.unhealthy.contains(&c.image) {
                (
                    u64::from(check.start_period) + interval * u64::from(check.retries.max(1)),
                    "UNHEALTHY",
                )
            } else {
                (interval, "HEALTHY")
            };
            let happening = Happening::Health {
                container: c.name.clone(),
                health: health.into(),
            };
            life.push((after_s * 1000, happening));
        }
        // A random failure: the first essential container exits 1.
        if let (Some(failures), Some(essential)) =
            (self.failures, spec.containers.iter().find(|c| c.essential))
        {
            let after = self.rng.next_u64() % (2 * failures.mean_ms.max(1));
            let happening = Happening::Exited {
                container: essential.name.clone(),
                exit_code: 1,
                oom: false,
            };
            life.push((after, happening));
        }
        // A container that allocates more than its hard memory limit is killed by the
        // kernel's OOM killer a second after it starts (exit 137).
        for c in &spec.containers {
            let (Some(wants), Some(limit)) = (allocation_mib(c), c.memory) else {
                continue;
            };
            if wants > u64::from(limit) {
                let happening = Happening::Exited {
                    container: c.name.clone(),
                    exit_code: task_rules::SIGKILL_EXIT_CODE,
                    oom: true,
                };
                life.push((1_000, happening));
            }
        }
        // `sleep N` exits 0 after N seconds (`sleep N; exit C`, C).
        let sleeper = spec
            .containers
            .iter()
            .filter(|c| c.essential)
            .filter_map(|c| Some((sleep_exit(c)?, c)))
            // A sleep longer than a century never ends in any session.
            .filter(|((seconds, _), _)| *seconds <= MAX_SLEEP_SECONDS)
            .min_by_key(|((seconds, _), _)| *seconds);
        if let Some(((seconds, exit_code), c)) = sleeper {
            let happening = Happening::Exited {
                container: c.name.clone(),
                exit_code,
                oom: false,
            };
            life.push((seconds.saturating_mul(1000), happening));
        }
        life
    }

    /// The container `name` of a task was restarted in place at `now`: what was still to
    /// happen to it will not, and its life begins again.
    fn restarted(&mut self, instance: &str, task_arn: &str, name: &str) {
        let slots = self.scheduled.remove(task_arn).unwrap_or_default();
        let (mine, others): (Vec<_>, Vec<_>) = slots.into_iter().partition(|slot| {
            matches!(
                self.queue.get(slot),
                Some(Pending::Containers { happening, .. }) if happening.container() == Some(name)
            )
        });
        for slot in mine {
            self.queue.remove(&slot);
        }
        self.scheduled.insert(task_arn.to_owned(), others);
        let life: Vec<(u64, Happening)> = self
            .agents
            .get(instance)
            .and_then(|t| t.get(task_arn))
            .into_iter()
            .flat_map(|t| &t.lives)
            .filter(|(_, happening)| happening.container() == Some(name))
            .cloned()
            .collect();
        for (after, happening) in life {
            let at = self.now.plus_millis(after);
            self.schedule(at, instance, task_arn, happening);
        }
    }
}

/// Applies what happened at `now` to a task's containers to its run, and does what the agent
/// does next: when an essential container has exited (and will not be restarted), it stops
/// the others, which end on the SIGTERM at once.
fn happen(run: &mut TaskRun, happening: Happening, now: u64) -> Happened {
    let mut happened = Happened::default();
    match happening {
        Happening::Started {
            pulled,
            ports,
            digests,
        } => {
            let names: Vec<String> = run.containers.iter().map(|c| c.name.clone()).collect();
            for (name, digest) in names.iter().zip(digests) {
                run.pulled(name, Some(digest));
            }
            for (name, ports) in names.iter().zip(ports) {
                let id = runtime_id(&run.task_arn, name);
                run.started(name, id, ports, now);
            }
            happened.first = run.launched(pulled);
        }
        Happening::FailedToStart {
            container,
            reason,
            pulled,
        } => run.failed_to_start(Some(&container), &reason, Some(pulled)),
        Happening::Health { container, health } => {
            run.health(&container, &health);
        }
        Happening::Exited {
            container,
            exit_code,
            oom,
        } => {
            if oom {
                run.out_of_memory(&container);
            }
            match run.exited(&container, Some(exit_code), now) {
                Exit::Restarted { count } => {
                    happened.notes.push(format!(
                        "container {container} exited {exit_code}: restarted in place by its restart policy (restart {count})"
                    ));
                    happened.restarted.push(container);
                }
                Exit::Stopped {
                    not_restarted: Some(why),
                } => happened.notes.push(format!(
                    "container {container} exited {exit_code}: not restarted ({why})"
                )),
                Exit::Stopped {
                    not_restarted: None,
                }
                | Exit::AlreadyStopped => {}
            }
        }
        Happening::Stopped if run.launching => run.failed_to_start(None, "", None),
        Happening::Stopped => {
            for name in run.stop() {
                run.exited(&name, Some(task_rules::SIGTERM_EXIT_CODE), now);
            }
        }
    }
    if run.must_stop() {
        for name in run.stop() {
            run.exited(&name, Some(task_rules::SIGTERM_EXIT_CODE), now);
        }
    }
    happened
}

/// What [`happen`] did besides changing the run.
#[derive(Default)]
struct Happened {
    /// A report to send before the task's own (see [`TaskRun::launched`]).
    first: Option<TaskStateChange>,
    /// Containers restarted in place.
    restarted: Vec<String>,
    /// Lines for the agent's log.
    notes: Vec<String>,
}

/// What a report a format 1 snapshot scheduled says happened to the containers.
fn format1_happenings(change: &TaskStateChange, launching: bool) -> Vec<Happening> {
    let pulled = change.pull_stopped_at.unwrap_or(0);
    if launching && change.status == Status::Stopped {
        let culprit = change.containers.iter().find(|c| c.reason.is_some());
        return vec![match culprit {
            Some(c) => Happening::FailedToStart {
                container: c.name.clone(),
                reason: c.reason.clone().unwrap_or_default(),
                pulled,
            },
            None => Happening::Stopped,
        }];
    }
    let mut happenings = Vec::new();
    if launching && change.status == Status::Running {
        happenings.push(Happening::Started {
            pulled,
            ports: change
                .containers
                .iter()
                .map(|c| c.port_bindings.clone())
                .collect(),
            digests: Vec::new(),
        });
    }
    for c in &change.containers {
        if c.status == Status::Stopped {
            happenings.push(Happening::Exited {
                container: c.name.clone(),
                exit_code: c.exit_code.unwrap_or(task_rules::SIGTERM_EXIT_CODE),
                oom: c.reason.as_deref() == Some(task_rules::OOM_REASON),
            });
        } else if let Some(health) = &c.health_status {
            happenings.push(Happening::Health {
                container: c.name.clone(),
                health: health.clone(),
            });
        }
    }
    if change.status == Status::Stopped {
        happenings.push(Happening::Stopped);
    }
    happenings
}

/// An image reference as Docker resolves it: Docker Hub unless the first part names a host.
fn qualified(image: &str) -> String {
    let first = image.split('/').next().unwrap_or("");
    let has_host =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    match (has_host, image.contains('/')) {
        (true, _) => image.to_owned(),
        (false, true) => format!("docker.io/{image}"),
        (false, false) => format!("docker.io/library/{image}"),
    }
}

/// An image reference with its registry and tag (`latest` when none is named).
fn tagged(image: &str) -> String {
    let reference = qualified(image);
    let last = reference.rsplit('/').next().unwrap_or("");
    if last.contains(':') {
        reference
    } else {
        format!("{reference}:latest")
    }
}

/// A stable, readable runtime id for a simulated container.
fn runtime_id(task_arn: &str, container: &str) -> String {
    let id = task_arn.rsplit('/').next().unwrap_or("");
    format!("{}-{container}", &id[..id.len().min(12)])
}

/// The longest `sleep N` the fleet schedules an exit for (a century).
const MAX_SLEEP_SECONDS: u64 = 100 * 365 * 24 * 3600;

/// The format of [`Simulation::snapshot`]; bumped whenever the state's shape changes.
/// Format 2 schedules what happens to containers, and keeps each task's run by the agents'
/// rules; format 1 scheduled reports, and is read still.
const SNAPSHOT_VERSION: u32 = 2;

/// The oldest format [`Simulation::restore`] reads.
const OLDEST_SNAPSHOT_VERSION: u32 = 1;

/// A snapshot document: its format, then the state.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot<S> {
    berth_simulation: u32,
    simulation: S,
}

/// MiB each container's command allocates, in the spec's order; empty when none does.
fn allocations(spec: &TaskSpec) -> Vec<u64> {
    let each: Vec<u64> = spec
        .containers
        .iter()
        .map(|c| allocation_mib(c).unwrap_or(0))
        .collect();
    if each.iter().all(|m| *m == 0) {
        Vec::new()
    } else {
        each
    }
}

/// MiB a container's command allocates: `stress --vm-bytes 600M` (the ECS docs' memory
/// example) or `--vm-bytes 1G`, `512K`, bytes without a suffix.
fn allocation_mib(container: &ContainerSpec) -> Option<u64> {
    let command = container.command.as_ref()?;
    let words: Vec<&str> = command
        .iter()
        .flat_map(|part| part.split_whitespace())
        .collect();
    let at = words.iter().position(|w| *w == "--vm-bytes")?;
    let size = words.get(at + 1)?.to_ascii_uppercase();
    let (digits, unit) = match size.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => size.split_at(i),
        None => (size.as_str(), ""),
    };
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "" | "B" => n.div_ceil(1024 * 1024),
        "K" | "KB" => n.div_ceil(1024),
        "M" | "MB" => n,
        "G" | "GB" => n.saturating_mul(1024),
        _ => return None,
    })
}

/// A fleet action's refusal.
fn invalid(message: String) -> ApiError {
    ApiError::new(
        berth_model::ExceptionType::InvalidParameterException,
        message,
    )
}

/// `N` for a command `sleep N` or `sh -c "sleep N"`.
fn sleep_exit(container: &ContainerSpec) -> Option<(u64, i32)> {
    let command = container.command.as_ref()?;
    let words: Vec<&str> = command
        .iter()
        .flat_map(|part| part.split_whitespace())
        .map(|w| w.trim_end_matches([';', '&']))
        .collect();
    let at = words.iter().position(|w| *w == "sleep")?;
    let seconds = words.get(at + 1)?.parse().ok()?;
    // `sleep N; exit C` ends with C.
    let code = words[at + 2..]
        .iter()
        .position(|w| *w == "exit")
        .and_then(|i| words.get(at + 2 + i + 1)?.parse().ok())
        .unwrap_or(0);
    Some((seconds, code))
}

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
