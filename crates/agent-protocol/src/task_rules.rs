//! What an ECS agent makes of its containers: the rules every Berth agent follows, whether its
//! containers are Docker's (`berth agent`) or the virtual fleet's.
//!
//! A [`TaskRun`] is one task as its agent sees it. The agent tells it what happened to the
//! containers (created and started, exited, OOM-killed, health changed, never started), and
//! it answers with what ECS's agent would do and say:
//!
//! - a task is `PENDING` until every container has started, `RUNNING` then, and `STOPPED`
//!   once every container has stopped (amazon-ecs-agent reports no other task states);
//! - an essential container that exits stops the task: the agent stops the others
//!   ([`TaskRun::must_stop`], [`TaskRun::stop`]), and a non-essential one's exit stops
//!   nothing;
//! - a container keeps the exit code it exited with (the first one), and one the kernel's OOM
//!   killer stopped carries [`OOM_REASON`];
//! - a container that never started has no exit code, and the one that could not start
//!   carries the reason (`CannotPullContainerError: ...`);
//! - a stopped container publishes no ports and has no health;
//! - a container with a restart policy that exits is restarted in place instead, keeping its
//!   ports, when the task is not stopping, its exit code is not ignored and it has run for the
//!   policy's `restartAttemptPeriod` since it last (re)started (amazon-ecs-agent
//!   `RestartTracker.ShouldRestart`); so an essential container's exit stops the task only
//!   when it will not be restarted.
//!
//! It holds no clock and does no I/O: times are inputs, and what to signal is an output.

use serde::{Deserialize, Serialize};

use crate::{
    ContainerStateChange, PortBinding, RestartPolicySpec, Status, TaskSpec, TaskStateChange,
};

/// Docker's reason for a container the OOM killer stopped, as the ECS agent reports it
/// (amazon-ecs-agent `dockerapi`).
pub const OOM_REASON: &str = "OutOfMemoryError: Container killed due to memory usage";

/// The exit code of a process that ended on SIGTERM (128 + 15), as a stopped container's
/// usually is.
pub const SIGTERM_EXIT_CODE: i32 = 143;

/// The exit code of a process that was SIGKILLed (128 + 9): `docker kill`, the OOM killer, a
/// container that outlived its stop timeout.
pub const SIGKILL_EXIT_CODE: i32 = 137;

/// One task as its agent runs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRun {
    /// The task's ARN.
    pub task_arn: String,
    /// Its containers, in the task definition's order.
    pub containers: Vec<ContainerRun>,
    /// Still being launched (images pulled, containers created and started): no container
    /// counts as running yet.
    pub launching: bool,
    /// The agent has begun to stop it (a StopTask, or an essential container's exit).
    pub stopping: bool,
    /// When the image pull started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_started_at: Option<u64>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_stopped_at: Option<u64>,
}

/// One container of a [`TaskRun`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerRun {
    /// The container's name.
    pub name: String,
    /// Whether its exit stops the task.
    pub essential: bool,
    /// Seconds between SIGTERM and SIGKILL when the agent stops it.
    pub stop_timeout: u32,
    /// The runtime's id, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_id: Option<String>,
    /// Whether it has stopped (or will never start).
    pub stopped: bool,
    /// The code it exited with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Why it stopped, when the agent can say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The OOM killer stopped it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub oom: bool,
    /// Its published ports, once started.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<PortBinding>,
    /// `HEALTHY`, `UNHEALTHY` or `UNKNOWN` when it has a health check and is not stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    /// Its restart policy, when enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<RestartPolicySpec>,
    /// When it last started or was restarted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<u64>,
    /// How many times it was restarted in place.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub restart_count: u32,
    /// The digest of the image it runs, once pulled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What became of a container that exited ([`TaskRun::exited`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It had stopped already: a container exits once, and keeps its first exit code.
    AlreadyStopped,
    /// It is stopped, and says why its restart policy (if any) did not restart it.
    Stopped {
        /// Why not restarted, in amazon-ecs-agent's words; `None` without a restart policy.
        not_restarted: Option<String>,
    },
    /// Its restart policy restarts it in place: the agent starts it again (`docker start`).
    Restarted {
        /// Its restarts so far, this one included.
        count: u32,
    },
}

impl ContainerRun {
    /// A container not yet created.
    pub fn new(name: &str, essential: bool, stop_timeout: u32, health_checked: bool) -> Self {
        ContainerRun {
            name: name.to_owned(),
            essential,
            stop_timeout,
            runtime_id: None,
            stopped: false,
            exit_code: None,
            reason: None,
            oom: false,
            bindings: Vec::new(),
            health: health_checked.then(|| "UNKNOWN".to_owned()),
            restart: None,
            started_at: None,
            restart_count: 0,
            image_digest: None,
        }
    }

    /// Why its restart policy does not restart it after exiting with `exit_code` at `at`,
    /// or `None` when it does (amazon-ecs-agent's `ShouldRestart`, in its words).
    fn not_restarted(&self, exit_code: Option<i32>, at: u64, stopping: bool) -> Option<String> {
        let Some(policy) = &self.restart else {
            return Some("restart policy is not enabled".into());
        };
        if stopping {
            return Some("container's desired status is stopped".into());
        }
        let Some(code) = exit_code else {
            return Some("exit code is nil".into());
        };
        if policy.ignored_exit_codes.contains(&code) {
            return Some(format!("exit code {code} should be ignored"));
        }
        let ran = at.saturating_sub(self.started_at.unwrap_or(at));
        if ran < u64::from(policy.restart_attempt_period) * 1000 {
            return Some("attempt reset period has not elapsed".into());
        }
        None
    }

    fn status(&self, launching: bool) -> Status {
        if self.stopped {
            Status::Stopped
        } else if self.runtime_id.is_some() && !launching {
            Status::Running
        } else {
            Status::Pending
        }
    }
}

impl TaskRun {
    /// A task whose launch begins (its image pull starts) at `now`.
    pub fn new(spec: &TaskSpec, now: u64) -> TaskRun {
        TaskRun {
            task_arn: spec.task_arn.clone(),
            containers: spec
                .containers
                .iter()
                .map(|c| {
                    let mut run = ContainerRun::new(
                        &c.name,
                        c.essential,
                        c.stop_timeout.unwrap_or(30),
                        c.health_check.is_some(),
                    );
                    run.restart = c.restart_policy.clone();
                    run
                })
                .collect(),
            launching: true,
            stopping: false,
            pull_started_at: Some(now),
            pull_stopped_at: None,
        }
    }

    /// A task found running (an agent that restarted takes its containers over): launched,
    /// with the containers given, each created.
    pub fn adopted(task_arn: &str, containers: Vec<ContainerRun>) -> TaskRun {
        TaskRun {
            task_arn: task_arn.to_owned(),
            containers,
            launching: false,
            stopping: false,
            pull_started_at: None,
            pull_stopped_at: None,
        }
    }

    /// The container called `name`.
    pub fn container_mut(&mut self, name: &str) -> Option<&mut ContainerRun> {
        self.containers.iter_mut().find(|c| c.name == name)
    }

    /// What the agent reports for the task as a whole.
    pub fn status(&self) -> Status {
        if self.containers.iter().all(|c| c.stopped) {
            Status::Stopped
        } else if !self.launching && self.containers.iter().all(|c| c.runtime_id.is_some()) {
            Status::Running
        } else {
            Status::Pending
        }
    }

    /// The report of the task as it stands.
    pub fn report(&self) -> TaskStateChange {
        TaskStateChange {
            task_arn: self.task_arn.clone(),
            status: self.status(),
            pull_started_at: self.pull_started_at,
            pull_stopped_at: self.pull_stopped_at,
            containers: self
                .containers
                .iter()
                .map(|c| ContainerStateChange {
                    name: c.name.clone(),
                    status: c.status(self.launching),
                    runtime_id: c.runtime_id.clone(),
                    exit_code: c.exit_code,
                    reason: c
                        .reason
                        .clone()
                        .or_else(|| c.oom.then(|| OOM_REASON.to_owned())),
                    port_bindings: if c.stopped {
                        Vec::new()
                    } else {
                        c.bindings.clone()
                    },
                    health_status: c.health.clone(),
                    image_digest: c.image_digest.clone(),
                    restart_count: c.restart_count,
                })
                .collect(),
        }
    }

    /// The image of container `name` was pulled: it runs `digest`.
    pub fn pulled(&mut self, name: &str, digest: Option<String>) {
        if let Some(c) = self.container_mut(name) {
            c.image_digest = digest;
        }
    }

    /// The container `name` was created and started at `at`, with its ports published.
    pub fn started(&mut self, name: &str, runtime_id: String, bindings: Vec<PortBinding>, at: u64) {
        if let Some(c) = self.container_mut(name) {
            c.runtime_id = Some(runtime_id);
            c.bindings = bindings;
            c.started_at = Some(at);
        }
    }

    /// The launch is over (every container that could be started was) at `at`. Returns the
    /// reports to send first: when a container exited while the others were still starting,
    /// the task did run (ECS says "Essential container in task exited", not that it failed
    /// to start), so it is reported RUNNING, every container running, before what follows.
    pub fn launched(&mut self, at: u64) -> Option<TaskStateChange> {
        self.launching = false;
        self.pull_stopped_at = Some(at);
        if !self.containers.iter().any(|c| c.stopped) {
            return None;
        }
        let mut running = self.report();
        running.status = Status::Running;
        for c in &mut running.containers {
            c.status = Status::Running;
            c.exit_code = None;
        }
        Some(running)
    }

    /// The task will not start, at `at`: no container runs, and the one called `container`
    /// (if any) says why with `reason`.
    pub fn failed_to_start(&mut self, container: Option<&str>, reason: &str, at: Option<u64>) {
        self.launching = false;
        if let Some(at) = at {
            self.pull_stopped_at = Some(at);
        }
        for c in &mut self.containers {
            c.stopped = true;
            c.runtime_id = None;
            c.bindings.clear();
            c.health = None;
            if Some(c.name.as_str()) == container && !reason.is_empty() {
                c.reason = Some(reason.to_owned());
            }
        }
    }

    /// The container `name` exited at `at` (with `exit_code` when the runtime knows it): it
    /// stops, or its restart policy restarts it in place (its health starts over, its ports
    /// stay).
    pub fn exited(&mut self, name: &str, exit_code: Option<i32>, at: u64) -> Exit {
        let stopping = self.stopping;
        let Some(c) = self.container_mut(name) else {
            return Exit::AlreadyStopped;
        };
        if c.stopped {
            return Exit::AlreadyStopped;
        }
        let not_restarted = c.not_restarted(exit_code, at, stopping);
        if not_restarted.is_none() {
            c.restart_count += 1;
            c.started_at = Some(at);
            c.oom = false;
            if c.health.is_some() {
                c.health = Some("UNKNOWN".to_owned());
            }
            return Exit::Restarted {
                count: c.restart_count,
            };
        }
        c.stopped = true;
        c.exit_code = exit_code;
        c.health = None;
        Exit::Stopped {
            not_restarted: c.restart.is_some().then_some(not_restarted).flatten(),
        }
    }

    /// The OOM killer stopped the container `name` (its exit follows, or came).
    pub fn out_of_memory(&mut self, name: &str) {
        if let Some(c) = self.container_mut(name) {
            c.oom = true;
        }
    }

    /// The container `name`'s health check now says `health`. False when that is no change.
    pub fn health(&mut self, name: &str, health: &str) -> bool {
        match self.container_mut(name) {
            Some(c) if !c.stopped && c.health.as_deref() != Some(health) => {
                c.health = Some(health.to_owned());
                true
            }
            _ => false,
        }
    }

    /// Whether the agent should stop the task's containers now: it was asked to, or an
    /// essential container exited, and one still runs. (During the launch it waits for the
    /// launch to finish.)
    pub fn must_stop(&self) -> bool {
        let essential_exited = self.containers.iter().any(|c| c.essential && c.stopped);
        !self.launching
            && (self.stopping || essential_exited)
            && self.containers.iter().any(|c| !c.stopped)
    }

    /// The agent stops the task: the containers to signal (SIGTERM, then SIGKILL after each
    /// one's stop timeout), by name. A container never created has nothing to stop and is
    /// stopped at once. While the task is still launching nothing is signalled: the launch
    /// gives up, and what it started is stopped when it ends.
    pub fn stop(&mut self) -> Vec<String> {
        self.stopping = true;
        if self.launching {
            return Vec::new();
        }
        let mut signalled = Vec::new();
        for c in self.containers.iter_mut().filter(|c| !c.stopped) {
            if c.runtime_id.is_some() {
                signalled.push(c.name.clone());
            } else {
                c.stopped = true;
            }
        }
        signalled
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::{ContainerSpec, HealthCheckSpec};

    fn spec() -> TaskSpec {
        let container = |name: &str, essential| ContainerSpec {
            name: name.into(),
            image: "nginx".into(),
            essential,
            ..ContainerSpec::default()
        };
        let mut web = container("web", true);
        web.health_check = Some(HealthCheckSpec {
            command: vec!["CMD-SHELL".into(), "true".into()],
            interval: 30,
            timeout: 5,
            retries: 3,
            start_period: 0,
        });
        TaskSpec {
            task_arn: "arn:t".into(),
            cluster: "default".into(),
            family: "web".into(),
            revision: 1,
            network_mode: "bridge".into(),
            containers: vec![web, container("sidecar", false)],
            pid_mode: None,
            ipc_mode: None,
        }
    }

    fn running() -> TaskRun {
        let mut run = TaskRun::new(&spec(), 1_000);
        run.started("web", "a".into(), Vec::new(), 2_000);
        run.started("sidecar", "b".into(), Vec::new(), 2_000);
        assert_eq!(run.launched(4_000), None);
        run
    }

    fn stopped() -> Exit {
        Exit::Stopped {
            not_restarted: None,
        }
    }

    fn statuses(run: &TaskRun) -> Vec<(Status, Option<i32>)> {
        run.report()
            .containers
            .iter()
            .map(|c| (c.status, c.exit_code))
            .collect()
    }

    /// PENDING until every container has started, RUNNING then, with the pull's times.
    #[test]
    fn pending_then_running() {
        let mut run = TaskRun::new(&spec(), 1_000);
        assert_eq!(run.status(), Status::Pending);
        run.started("web", "a".into(), Vec::new(), 2_000);
        assert_eq!(run.report().containers[0].status, Status::Pending);
        run.started("sidecar", "b".into(), Vec::new(), 2_000);
        run.launched(4_000);
        let report = run.report();
        assert_eq!(report.status, Status::Running);
        assert_eq!(
            (report.pull_started_at, report.pull_stopped_at),
            (Some(1_000), Some(4_000))
        );
        assert_eq!(
            report.containers[0].health_status.as_deref(),
            Some("UNKNOWN")
        );
        assert_eq!(report.containers[1].health_status, None);
    }

    /// An essential container's exit stops the others; the exit codes stay each one's own.
    #[test]
    fn an_essential_exit_stops_the_task() {
        let mut run = running();
        assert_eq!(run.exited("web", Some(1), 9_000), stopped());
        assert!(run.must_stop());
        assert_eq!(run.stop(), vec!["sidecar".to_owned()]);
        assert_eq!(run.status(), Status::Running);
        run.exited("sidecar", Some(SIGTERM_EXIT_CODE), 9_000);
        assert!(!run.must_stop());
        assert_eq!(run.status(), Status::Stopped);
        assert_eq!(
            statuses(&run),
            [(Status::Stopped, Some(1)), (Status::Stopped, Some(143))]
        );
    }

    /// A non-essential container's exit stops nothing, and a later stop keeps its exit code.
    #[test]
    fn a_sidecar_exit_stops_nothing() {
        let mut run = running();
        run.exited("sidecar", Some(SIGKILL_EXIT_CODE), 9_000);
        assert!(!run.must_stop());
        assert_eq!(run.status(), Status::Running);
        assert_eq!(run.stop(), vec!["web".to_owned()]);
        run.exited("web", Some(SIGTERM_EXIT_CODE), 9_000);
        assert_eq!(
            run.exited("sidecar", Some(SIGTERM_EXIT_CODE), 9_000),
            Exit::AlreadyStopped
        );
        assert_eq!(
            statuses(&run),
            [(Status::Stopped, Some(143)), (Status::Stopped, Some(137))]
        );
    }

    /// The OOM killer's victim says so; a stopped container has no ports or health.
    #[test]
    fn out_of_memory() {
        let mut run = running();
        run.started(
            "web",
            "a".into(),
            vec![PortBinding {
                container_port: 80,
                host_port: 32768,
                protocol: "tcp".into(),
                bind_ip: None,
            }],
            2_000,
        );
        assert!(run.health("web", "HEALTHY"));
        assert!(!run.health("web", "HEALTHY"));
        run.out_of_memory("web");
        run.exited("web", Some(SIGKILL_EXIT_CODE), 9_000);
        let web = &run.report().containers[0];
        assert_eq!(web.reason.as_deref(), Some(OOM_REASON));
        assert!(web.port_bindings.is_empty());
        assert_eq!(web.health_status, None);
        assert!(!run.health("web", "UNHEALTHY"));
    }

    /// A task that cannot start: every container stopped, none with an exit code, the
    /// culprit with the reason.
    #[test]
    fn failed_to_start() {
        let mut run = TaskRun::new(&spec(), 1_000);
        run.failed_to_start(Some("sidecar"), "CannotPullContainerError: no", Some(4_000));
        let report = run.report();
        assert_eq!(report.status, Status::Stopped);
        assert_eq!(report.containers[0].reason, None);
        assert_eq!(
            report.containers[1].reason.as_deref(),
            Some("CannotPullContainerError: no")
        );
        assert!(report.containers.iter().all(|c| c.exit_code.is_none()));
    }

    /// Stopped while launching: nothing signalled until the launch ends, then the started
    /// containers are; a container that exited during the launch makes a RUNNING report first.
    #[test]
    fn stopped_while_launching() {
        let mut run = TaskRun::new(&spec(), 1_000);
        assert!(run.stop().is_empty());
        run.started("web", "a".into(), Vec::new(), 2_000);
        run.exited("web", Some(0), 9_000);
        let first = run
            .launched(4_000)
            .expect("a container exited while starting");
        assert_eq!(first.status, Status::Running);
        assert!(first.containers.iter().all(|c| c.exit_code.is_none()));
        assert!(run.must_stop());
        // The sidecar was never created: nothing to signal, and it is stopped.
        assert!(run.stop().is_empty());
        assert_eq!(run.status(), Status::Stopped);
        assert_eq!(run.report().containers[1].exit_code, None);
    }

    /// A task whose essential container restarts after 60 s of running, except on exit 0.
    fn restarting() -> TaskRun {
        let mut spec = spec();
        spec.containers[0].restart_policy = Some(RestartPolicySpec {
            ignored_exit_codes: vec![0],
            restart_attempt_period: 60,
        });
        let mut run = TaskRun::new(&spec, 1_000);
        run.started("web", "a".into(), Vec::new(), 2_000);
        run.started("sidecar", "b".into(), Vec::new(), 2_000);
        run.launched(2_000);
        run
    }

    /// An essential container that ran its period is restarted in place, once per period:
    /// the task keeps running, its health starts over, and the report counts the restarts.
    #[test]
    fn a_restart_policy_restarts_in_place() {
        let mut run = restarting();
        assert!(run.health("web", "HEALTHY"));
        assert_eq!(
            run.exited("web", Some(1), 62_000),
            Exit::Restarted { count: 1 }
        );
        assert!(!run.must_stop());
        let report = run.report();
        assert_eq!(report.status, Status::Running);
        let web = &report.containers[0];
        assert_eq!((web.status, web.exit_code), (Status::Running, None));
        assert_eq!(run.containers[0].restart_count, 1);
        assert_eq!(web.health_status.as_deref(), Some("UNKNOWN"));
        // 59 s after the restart is too soon: this exit stops the task.
        assert_eq!(
            run.exited("web", Some(1), 121_000),
            Exit::Stopped {
                not_restarted: Some("attempt reset period has not elapsed".into())
            }
        );
        assert!(run.must_stop());
        assert_eq!(run.containers[0].restart_count, 1);
    }

    /// Not restarted: too soon after the start, an ignored exit code, a container of a task
    /// being stopped, or one without a policy.
    #[test]
    fn what_a_restart_policy_does_not_restart() {
        let mut run = restarting();
        assert_eq!(
            run.exited("web", Some(1), 61_999),
            Exit::Stopped {
                not_restarted: Some("attempt reset period has not elapsed".into())
            }
        );
        let mut run = restarting();
        assert_eq!(
            run.exited("web", Some(0), 500_000),
            Exit::Stopped {
                not_restarted: Some("exit code 0 should be ignored".into())
            }
        );
        let mut run = restarting();
        assert_eq!(run.stop(), vec!["web".to_owned(), "sidecar".to_owned()]);
        assert_eq!(
            run.exited("web", Some(SIGTERM_EXIT_CODE), 500_000),
            Exit::Stopped {
                not_restarted: Some("container's desired status is stopped".into())
            }
        );
        let mut run = restarting();
        assert_eq!(run.exited("sidecar", Some(1), 500_000), stopped());
        assert_eq!(
            run.exited("web", None, 500_000),
            Exit::Stopped {
                not_restarted: Some("exit code is nil".into())
            }
        );
    }
}
