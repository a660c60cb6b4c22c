//! The agent protocol: what a control plane tells an agent, and what an agent reports back.
//!
//! This is the seam every fleet implements: the virtual fleet in the browser and `berth
//! agent` on Docker both receive [`AgentInstruction`]s and send [`AgentEvent`]s, so the control
//! plane cannot tell a virtual instance from a real one. Like the ECS agent's own protocol,
//! an agent reports only `PENDING`, `RUNNING` and `STOPPED` for tasks and containers; the
//! control plane owns every other lifecycle state. What an agent reports, from what its
//! containers did, is [`task_rules`]: written once, for both.
//!
//! On a wire (WebSocket), each message is one JSON text wrapped in an [`Envelope`] carrying
//! [`PROTOCOL_VERSION`]; a peer refuses versions it does not know.
//!
//! Time travels as milliseconds since the Unix epoch (`at`), the control plane's `SimTime`.

#![warn(missing_docs, unreachable_pub)]

pub mod task_rules;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The protocol's version; bumped on any incompatible change.
pub const PROTOCOL_VERSION: u32 = 1;

/// One message on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// [`PROTOCOL_VERSION`] of the sender.
    pub version: u32,
    /// The message.
    pub message: T,
}

impl<T> Envelope<T> {
    /// Wraps a message with this build's protocol version.
    pub fn new(message: T) -> Envelope<T> {
        Envelope {
            version: PROTOCOL_VERSION,
            message,
        }
    }
}

/// Decodes an envelope, refusing other protocol versions.
pub fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let envelope: Envelope<serde_json::Value> = serde_json::from_str(text)
        .map_err(|error| format!("not an agent-protocol message: {error}"))?;
    if envelope.version != PROTOCOL_VERSION {
        return Err(format!(
            "agent-protocol version {} is not supported (this side speaks {PROTOCOL_VERSION})",
            envelope.version
        ));
    }
    serde_json::from_value(envelope.message)
        .map_err(|error| format!("malformed agent-protocol message: {error}"))
}

/// Encodes a message in an envelope.
pub fn encode<T: Serialize>(message: &T) -> String {
    serde_json::to_string(&Envelope::new(message)).expect("protocol messages always serialise")
}

/// What the control plane tells an agent to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum AgentInstruction {
    /// Start a task: pull images, create and start its containers.
    StartTask(TaskSpec),
    /// Stop a task: SIGTERM each container, SIGKILL after `timeoutSeconds`.
    #[serde(rename_all = "camelCase")]
    StopTask {
        /// The task.
        task_arn: String,
        /// Seconds between SIGTERM and SIGKILL (`stopTimeout`, default 30).
        timeout_seconds: u32,
    },
    /// Sent whenever the agent (re)connects: the tasks this instance should be running. The
    /// agent reports the state of each (STOPPED, with a reason, for any it does not have),
    /// and stops and reports every other task it runs, so that nothing is lost or orphaned
    /// while the two sides could not talk.
    #[serde(rename_all = "camelCase")]
    Reconcile {
        /// The ARNs of the instance's tasks that are not stopped and should not stop.
        task_arns: Vec<String>,
    },
}

/// A task, resolved so an agent needs nothing else to run it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSpec {
    /// The task's ARN.
    pub task_arn: String,
    /// The cluster's name (for the agent's container labels).
    pub cluster: String,
    /// The task definition's family.
    pub family: String,
    /// Its revision.
    pub revision: u32,
    /// `bridge`, `host`, `awsvpc` or `none`.
    pub network_mode: String,
    /// The containers, in the task definition's order.
    pub containers: Vec<ContainerSpec>,
    /// `pidMode` (`host` or `task`), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_mode: Option<String>,
    /// `ipcMode` (`host`, `task` or `none`), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipc_mode: Option<String>,
}

/// One container of a [`TaskSpec`], with overrides applied and host ports assigned.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerSpec {
    /// The container's name.
    pub name: String,
    /// The image.
    pub image: String,
    /// The digest its service deployment pinned the image to (`versionConsistency`): the
    /// agent runs exactly this image, or fails with CannotPullContainerError.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    /// Whether the task stops when this container stops.
    pub essential: bool,
    /// Entry point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<Vec<String>>,
    /// Command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Environment, overrides applied.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    /// CPU shares.
    pub cpu: u32,
    /// Hard memory limit (MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    /// Soft memory limit (MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<u32>,
    /// Ports with their host ports already chosen by the control plane.
    #[serde(default)]
    pub port_bindings: Vec<PortBinding>,
    /// Links to other containers of the task (bridge mode): `name` or `name:alias`.
    #[serde(default)]
    pub links: Vec<String>,
    /// The health check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheckSpec>,
    /// Seconds between SIGTERM and SIGKILL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<u32>,
    /// Docker labels.
    #[serde(default)]
    pub docker_labels: BTreeMap<String, String>,
    /// Runs privileged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub privileged: bool,
    /// Volumes mounted into the container (`mountPoints` resolved against `volumes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<MountSpec>,
    /// Its restart policy, when enabled: the agent restarts it in place when it exits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicySpec>,
    /// Its log driver and the driver's options (`logConfiguration`), when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<LogConfigurationSpec>,
}

/// A container's `logConfiguration`: the driver and its options (secret options are not
/// resolved: Berth has no Secrets Manager).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogConfigurationSpec {
    /// `awslogs`, `json-file`, ...
    pub log_driver: String,
    /// The driver's options.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

/// An enabled `restartPolicy`, its defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestartPolicySpec {
    /// Exit codes that are not restarted on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_exit_codes: Vec<i32>,
    /// Seconds a container must have run since it last (re)started before it is restarted
    /// (ECS's default is 300).
    pub restart_attempt_period: u32,
}

/// A volume mounted into a container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountSpec {
    /// The task definition's volume name.
    pub volume: String,
    /// A host path (`volumes[].host.sourcePath`): a bind mount of the host's files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<String>,
    /// Where it appears in the container.
    pub container_path: String,
    /// Mounted read-only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

/// A published port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortBinding {
    /// The container port.
    pub container_port: u16,
    /// The host port.
    pub host_port: u16,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// The host address it is published on, as the agent reports it (`0.0.0.0` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_ip: Option<String>,
}

/// A container health check, with ECS's defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheckSpec {
    /// `["CMD", ...]` or `["CMD-SHELL", "..."]`.
    pub command: Vec<String>,
    /// Seconds between checks.
    pub interval: u32,
    /// Seconds before a check fails.
    pub timeout: u32,
    /// Consecutive failures before UNHEALTHY.
    pub retries: u32,
    /// Grace period in seconds.
    pub start_period: u32,
}

/// What an agent reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum AgentEvent {
    /// A task or its containers changed state.
    TaskStateChange(TaskStateChange),
    /// The agent is alive (and connected).
    Heartbeat,
    /// The connection to the agent opened or dropped. Sent by the transport (the server's
    /// WebSocket, the virtual fleet) on the agent's behalf, since a dropped agent cannot
    /// say so itself.
    #[serde(rename_all = "camelCase")]
    Connection {
        /// Whether the agent is now connected.
        connected: bool,
    },
}

/// A Docker-backed container instance an agent offers, as its [`Hello`] lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceOffer {
    /// The instance's id, stable across the agent's restarts (`i-` and 17 hex digits).
    pub instance_id: String,
    /// The loopback address its containers' ports are published on (`127.0.0.2`, ...).
    pub address: String,
    /// CPU units (1,024 per core).
    pub cpu: u32,
    /// Memory in MiB.
    pub memory: u32,
}

/// What an agent says first on a connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hello {
    /// The agent's version.
    pub agent_version: String,
    /// The Docker engine's version.
    pub docker_version: String,
    /// The instances it offers.
    pub instances: Vec<InstanceOffer>,
}

/// A message from an agent to its controller on a wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum AgentMessage {
    /// The first message: who the agent is and what it offers.
    Hello(Hello),
    /// An event of one of its instances.
    #[serde(rename_all = "camelCase")]
    Event {
        /// The instance's id (from [`InstanceOffer`]).
        instance_id: String,
        /// The event.
        event: AgentEvent,
    },
    /// Lines a container wrote (stdout and stderr), for the UI.
    #[serde(rename_all = "camelCase")]
    Log {
        /// The task.
        task_arn: String,
        /// The container.
        container: String,
        /// The lines, without their line ends.
        lines: Vec<String>,
    },
}

/// A message from a controller to an agent on a wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ControllerMessage {
    /// An instruction for one of the agent's instances.
    #[serde(rename_all = "camelCase")]
    Instruct {
        /// The instance's id (from [`InstanceOffer`]).
        instance_id: String,
        /// The instruction.
        instruction: AgentInstruction,
    },
}

/// `PENDING`, `RUNNING` or `STOPPED`: all an agent ever reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Pulling, creating.
    Pending,
    /// Running.
    Running,
    /// Stopped.
    Stopped,
}

impl Status {
    /// `PENDING`, `RUNNING`, `STOPPED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Running => "RUNNING",
            Status::Stopped => "STOPPED",
        }
    }
}

/// A task's state as the agent sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStateChange {
    /// The task.
    pub task_arn: String,
    /// Its status.
    pub status: Status,
    /// When the image pull started, if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_started_at: Option<u64>,
    /// When the image pull stopped, if it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_stopped_at: Option<u64>,
    /// Every container's state.
    pub containers: Vec<ContainerStateChange>,
}

/// A container's state as the agent sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStateChange {
    /// The container's name.
    pub name: String,
    /// Its status.
    pub status: Status,
    /// The runtime's container id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_id: Option<String>,
    /// Exit code, once stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Why it stopped, as the ECS agent words it (`CannotPullContainerError: ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Published ports, once running.
    #[serde(default)]
    pub port_bindings: Vec<PortBinding>,
    /// `HEALTHY`, `UNHEALTHY` or `UNKNOWN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_status: Option<String>,
    /// The digest (`sha256:...`) of the image it runs, once pulled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
    /// How many times its restart policy restarted it in place (Berth's: ECS counts it in
    /// task metadata v4, not in its documents).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub restart_count: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    use super::*;

    /// Messages round-trip through their JSON form, which is stable and readable.
    #[test]
    fn wire_form() {
        let stop = AgentInstruction::StopTask {
            task_arn: "arn:t".into(),
            timeout_seconds: 30,
        };
        let text = encode(&stop);
        assert_eq!(
            text,
            r#"{"version":1,"message":{"type":"stopTask","taskArn":"arn:t","timeoutSeconds":30}}"#
        );
        assert_eq!(decode::<AgentInstruction>(&text), Ok(stop));
        let event = AgentEvent::TaskStateChange(TaskStateChange {
            task_arn: "arn:t".into(),
            status: Status::Stopped,
            pull_started_at: None,
            pull_stopped_at: None,
            containers: vec![ContainerStateChange {
                name: "web".into(),
                status: Status::Stopped,
                runtime_id: None,
                exit_code: Some(137),
                reason: Some("OutOfMemoryError: Container killed due to memory usage".into()),
                port_bindings: vec![],
                health_status: None,
                image_digest: Some(format!("sha256:{}", "ab".repeat(32))),
                restart_count: 0,
            }],
        });
        assert_eq!(decode::<AgentEvent>(&encode(&event)), Ok(event));
    }

    /// Other versions and malformed messages are refused with a reason.
    #[test]
    fn refusals() {
        assert_eq!(
            decode::<AgentEvent>(r#"{"version":2,"message":{"type":"heartbeat"}}"#),
            Err("agent-protocol version 2 is not supported (this side speaks 1)".to_owned())
        );
        assert!(decode::<AgentEvent>("{")
            .unwrap_err()
            .starts_with("not an agent-protocol message"));
        assert!(
            decode::<AgentEvent>(r#"{"version":1,"message":{"type":"dance"}}"#)
                .unwrap_err()
                .starts_with("malformed agent-protocol message")
        );
    }
}
