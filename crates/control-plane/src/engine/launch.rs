//! Launching and stopping tasks: what a launch needs (task definition, group, requirements,
//! Fargate's network), placing it (on an instance, on Fargate's capacity, or waiting for an
//! Auto Scaling group's), the task's document and its agent's instruction, and the stop.

use crate::records::{
    invalid_parameter, resolve, Awaiting, ClusterRecord, Out, State, TaskKey, TaskRecord,
};
use berth_agent_protocol::{
    AgentInstruction, ContainerSpec, HealthCheckSpec, LogConfigurationSpec, MountSpec, PortBinding,
    RestartPolicySpec, TaskSpec,
};
use berth_model::overrides::TaskOverride;
use berth_model::resources::{Container, Task};
use berth_model::states::{Connectivity, HealthStatus, LaunchType, TaskStatus, TaskStopCode};
use berth_model::task_definition::TaskDefinition;
use berth_model::task_definition::TaskDefinitionStatus;
use berth_model::validate::effective_network_mode;
use berth_model::{messages, ApiError, ExceptionType, SimTime};
use berth_scheduler::{Placement, TaskRequirements};
use std::collections::BTreeMap;

/// Everything a call needs to launch tasks of one task definition.
pub(crate) struct Launch {
    pub(crate) td: TaskDefinition,
    pub(crate) overrides: TaskOverride,
    pub(crate) requirements: TaskRequirements,
    pub(crate) group: String,
    pub(crate) started_by: Option<String>,
    pub(crate) tags: Vec<berth_model::task_definition::Tag>,
    /// Fargate: the subnets and the rest of its awsvpc configuration.
    pub(crate) fargate: Option<FargateNetwork>,
    /// The service launching it (`None` for RunTask and StartTask).
    pub(crate) service: Option<String>,
    /// enableExecuteCommand.
    pub(crate) execute_command: bool,
    /// The image digests its service deployment pinned, by container (`versionConsistency`).
    pub(crate) pinned: BTreeMap<String, String>,
}

impl Launch {
    /// A service's launch of `td` for one of its deployments: group `service:<name>`,
    /// started by the deployment, owned by the service.
    pub(crate) fn for_service(
        td: TaskDefinition,
        service: &str,
        deployment: &str,
        fargate: Option<FargateNetwork>,
        execute_command: bool,
    ) -> Launch {
        Launch {
            requirements: TaskRequirements::from_task_definition(&td),
            td,
            overrides: TaskOverride::default(),
            group: format!("service:{service}"),
            started_by: Some(deployment.to_owned()),
            tags: Vec::new(),
            fargate,
            service: Some(service.to_owned()),
            execute_command,
            pinned: BTreeMap::new(),
        }
    }
}

/// Where Fargate tasks get their ENIs.
#[derive(Clone, Debug)]
pub(crate) struct FargateNetwork {
    pub(crate) subnets: Vec<String>,
}

impl FargateNetwork {
    /// The subnets of a `networkConfiguration`; at least one is required.
    pub(crate) fn of(network_configuration: Option<&serde_json::Value>) -> Result<Self, ApiError> {
        let subnets: Vec<String> = network_configuration
            .and_then(|n| n.pointer("/awsvpcConfiguration/subnets"))
            .and_then(|s| s.as_array())
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect();
        if subnets.is_empty() {
            return Err(invalid_parameter(messages::SUBNETS_EMPTY));
        }
        Ok(FargateNetwork { subnets })
    }
}

/// Where a task runs: on a placed instance (of an Auto Scaling group provider, when a
/// strategy chose one), on Fargate in a subnet, or nowhere yet: waiting for a provider's
/// capacity.
pub(crate) enum Target {
    Instance(Placement, Option<String>),
    Waiting(Awaiting),
    Fargate {
        subnet: String,
        /// The capacity provider, when a strategy chose it.
        provider: Option<String>,
    },
}

/// The subnet for a group's next Fargate task: the one with the fewest of the group's
/// unstopped tasks, the first listed on a tie (ECS spreads Fargate tasks over the zones).
pub(crate) fn next_subnet(
    cluster: &crate::records::ClusterRecord,
    group: &str,
    subnets: &[String],
) -> String {
    let mut counts = vec![0usize; subnets.len()];
    for record in cluster.tasks.values() {
        if record.instance.is_some()
            || record.task.group != group
            || record.task.last_status == TaskStatus::Stopped
        {
            continue;
        }
        let subnet = record.task.attachments.iter().find_map(|a| {
            a["details"]
                .as_array()?
                .iter()
                .find(|d| d["name"] == "subnetId")?["value"]
                .as_str()
        });
        if let Some(i) = subnets.iter().position(|s| Some(s.as_str()) == subnet) {
            counts[i] += 1;
        }
    }
    let best = (0..subnets.len()).min_by_key(|&i| counts[i]).unwrap_or(0);
    subnets[best].clone()
}

/// Records a task on its target in `cluster`, tells its agent to start it, and returns its
/// document.
pub(crate) fn launch_task(
    cluster: &mut ClusterRecord,
    out: &mut Out<'_>,
    now: SimTime,
    launch: &Launch,
    target: Target,
) -> Task {
    let cluster_name = cluster.name.clone();
    let cluster_name = cluster_name.as_str();
    let task_id = out.new_id();
    let container_ids: Vec<_> = launch
        .td
        .container_definitions
        .iter()
        .flatten()
        .map(|_| out.new_id())
        .collect();
    // Fargate: the task's ENI, named from ids of its own.
    let eni = match &target {
        Target::Fargate { subnet, .. } => Some(Eni::new(
            out.new_id(),
            out.new_id(),
            subnet,
            &out.scope.region,
        )),
        Target::Instance(..) | Target::Waiting(_) => None,
    };
    let task_arn = out.scope.task(cluster_name, &task_id);
    let sized = launch.overrides.apply_sizes(&launch.td);
    let containers: Vec<Container> = sized
        .container_definitions
        .iter()
        .flatten()
        .zip(&container_ids)
        .map(|(c, id)| Container {
            container_arn: out.scope.container(cluster_name, &task_id, id),
            task_arn: task_arn.clone(),
            name: c.name.clone().unwrap_or_default(),
            image: c.image.clone().unwrap_or_default(),
            image_digest: None,
            runtime_id: None,
            last_status: TaskStatus::Pending,
            exit_code: None,
            reason: None,
            network_bindings: Vec::new(),
            network_interfaces: eni.iter().map(Eni::container_interface).collect(),
            health_status: HealthStatus::Undetermined,
            cpu: c.cpu.unwrap_or(0).to_string(),
            memory: c.memory.map(|m| m.to_string()),
            memory_reservation: c.memory_reservation.map(|m| m.to_string()),
        })
        .collect();
    let region = out.scope.region.clone();
    let mut task = Task {
        attachments: eni.iter().map(Eni::attachment).collect(),
        attributes: Vec::new(),
        availability_zone: None,
        cluster_arn: cluster.arn.clone(),
        connectivity: Connectivity::Connected,
        connectivity_at: Some(now),
        container_instance_arn: None,
        containers,
        cpu: sized
            .cpu
            .clone()
            .unwrap_or_else(|| launch.requirements.cpu.to_string()),
        created_at: now,
        desired_status: TaskStatus::Running,
        enable_execute_command: launch.execute_command,
        group: launch.group.clone(),
        health_status: HealthStatus::Undetermined,
        last_status: TaskStatus::Pending,
        launch_type: if launch.requirements.external {
            LaunchType::External
        } else {
            LaunchType::Ec2
        },
        memory: sized
            .memory
            .clone()
            .unwrap_or_else(|| launch.requirements.memory.to_string()),
        overrides: launch.overrides.clone(),
        started_by: launch.started_by.clone(),
        tags: launch.tags.clone(),
        task_arn: task_arn.clone(),
        task_definition_arn: launch.td.task_definition_arn.clone().unwrap_or_default(),
        version: 1,
        ..Task::default()
    };
    let (agent, instance_index, placement, bindings, awaiting) = match target {
        Target::Instance(placement, provider) => {
            occupy(cluster, &mut task, &placement);
            task.capacity_provider_name = provider;
            let bindings = placement.bindings.clone();
            (
                cluster.fleet.instances()[placement.instance].arn.clone(),
                Some(placement.instance),
                Some(placement),
                bindings,
                None,
            )
        }
        Target::Waiting(awaiting) => {
            // PROVISIONING until an instance of the provider can take it (§9.1).
            task.capacity_provider_name = Some(awaiting.provider.clone());
            task.last_status = TaskStatus::Provisioning;
            (String::new(), None, None, Vec::new(), Some(awaiting))
        }
        Target::Fargate { subnet, provider } => {
            task.availability_zone = Some(berth_model::network::zone_of_subnet(&region, &subnet));
            task.capacity_provider_name = provider;
            task.launch_type = LaunchType::Fargate;
            task.platform_version = Some(FARGATE_PLATFORM_VERSION.into());
            task.platform_family = Some("Linux".into());
            // Until the ENI is attached and the agent reports (§6.1).
            task.last_status = TaskStatus::Provisioning;
            (
                crate::records::fargate_agent(&cluster.arn),
                None,
                None,
                Vec::new(),
                None,
            )
        }
    };
    let spec = task_spec(
        &task_arn,
        cluster_name,
        &sized,
        &launch.overrides,
        &bindings,
        &launch.pinned,
    );
    let stop_timeout = spec
        .containers
        .iter()
        .filter_map(|c| c.stop_timeout)
        .max()
        .unwrap_or(30);
    let key = TaskKey::of(task_id.as_str()).expect("ids are 32 hex characters");
    if let Some(index) = instance_index {
        cluster.instances[index].tasks.insert(key);
    }
    cluster.tasks.insert(
        key,
        TaskRecord {
            key,
            task: task.clone(),
            instance: instance_index,
            placement,
            family: launch.td.family.clone().unwrap_or_default(),
            stop_timeout,
            ever_running: false,
            essential: sized
                .container_definitions
                .iter()
                .flatten()
                .filter(|c| c.essential != Some(false))
                .filter_map(|c| c.name.clone())
                .collect(),
            health_checked: sized
                .container_definitions
                .iter()
                .flatten()
                .any(|c| c.essential != Some(false) && c.health_check.is_some()),
            protected_until: None,
            service: launch.service.clone(),
            awaiting: None,
            counted: (false, false),
            targets: Vec::new(),
            seen_healthy: false,
            pinned: launch.pinned.clone(),
            restarts: BTreeMap::new(),
        },
    );
    if let Some(awaiting) = awaiting {
        cluster.tasks.get_mut(&key).expect("inserted").awaiting = Some(awaiting);
        cluster.waiting.push(key);
        cluster.sync(key);
        out.emit(now, "ECS Task State Change", &task_arn, &task);
        return task;
    }
    cluster.sync(key);
    let instance_document = instance_index.map(|index| {
        cluster.instances[index].version += 1;
        crate::documents::instance_document(cluster, index, false)
    });
    out.instruct(agent, AgentInstruction::StartTask(spec));
    out.emit(now, "ECS Task State Change", &task_arn, &task);
    if let Some(document) = instance_document {
        out.emit(
            now,
            "ECS Container Instance State Change",
            &document.container_instance_arn.clone(),
            &document,
        );
    }
    task
}

/// A task's document takes its instance: the container instance ARN and its zone.
fn occupy(cluster: &crate::records::ClusterRecord, task: &mut Task, placement: &Placement) {
    let instance = &cluster.fleet.instances()[placement.instance];
    task.availability_zone = instance
        .attribute_value("ecs.availability-zone")
        .map(str::to_owned);
    task.container_instance_arn = Some(instance.arn.clone());
}

/// Places the tasks waiting for capacity that an instance of their provider can take now,
/// oldest first, and hands each to its agent (PROVISIONING → PENDING).
pub(crate) fn place_waiting(cp: &mut State, now: SimTime) {
    let clusters: Vec<String> = cp
        .clusters
        .values()
        .filter(|c| !c.waiting.is_empty())
        .map(|c| c.name.clone())
        .collect();
    for name in clusters {
        let keys = cp.clusters[&name].waiting.clone();
        for key in keys {
            place_one_waiting(cp, now, &name, key);
        }
    }
}

fn place_one_waiting(cp: &mut State, now: SimTime, cluster_name: &str, key: TaskKey) {
    let Some(cluster) = cp.clusters.get_mut(cluster_name) else {
        return;
    };
    let still_waiting = cluster.tasks.get(&key).is_some_and(|r| {
        r.awaiting.is_some()
            && r.task.desired_status == TaskStatus::Running
            && r.task.last_status != TaskStatus::Stopped
    });
    if !still_waiting {
        cluster.waiting.retain(|k| *k != key);
        return;
    }
    let awaiting = cluster.tasks[&key].awaiting.clone().expect("checked above");
    if !crate::engine::capacity::waits_for_capacity(cp, &awaiting.provider) {
        // Its provider no longer scales (managed scaling turned off, the provider deleted):
        // nothing will ever make room, so the task fails to start.
        let Some((cluster, mut out)) = cp.cluster_and_out(cluster_name) else {
            return;
        };
        let Some(record) = cluster.tasks.get_mut(&key) else {
            return;
        };
        let task = &mut record.task;
        task.desired_status = TaskStatus::Stopped;
        task.stop_code = Some(TaskStopCode::TaskFailedToStart);
        task.stopped_reason = Some(messages::operation_text(
            "capacity-provider-gave-up",
            &[&awaiting.provider],
        ));
        task.stopping_at = Some(now);
        task.version += 1;
        out.emit(now, "ECS Task State Change", &task.task_arn, &*task);
        cluster.sync(key);
        stop_waiting(cp, now, cluster_name, key);
        return;
    }
    let record = &cp.clusters[cluster_name].tasks[&key];
    let overrides = record.task.overrides.clone();
    let group = record.task.group.clone();
    let from_service = record.service.is_some();
    let Some(td) = resolve(
        cp,
        &cp.clusters[cluster_name].tasks[&key]
            .task
            .task_definition_arn,
    )
    .cloned() else {
        return;
    };
    let Ok(rules) = crate::engine::placement::Rules::waiting(&awaiting, from_service) else {
        return;
    };
    let requirements = TaskRequirements::with_overrides(&td, Some(&overrides));
    let request = rules.request(&requirements, &group, Some(&awaiting.provider), 1);
    let Some((cluster, mut out)) = cp.cluster_and_out(cluster_name) else {
        return;
    };
    let Some(placement) = cluster.fleet.place(&request, out.rng).placements.pop() else {
        return;
    };
    start_waiting(cluster, &mut out, now, key, &td, &overrides, placement);
}

/// A waiting task takes its placement: PROVISIONING → PENDING, and its agent starts it.
fn start_waiting(
    cluster: &mut ClusterRecord,
    out: &mut Out<'_>,
    now: SimTime,
    key: TaskKey,
    td: &TaskDefinition,
    overrides: &TaskOverride,
    placement: Placement,
) {
    let Some(record) = cluster.tasks.get(&key) else {
        return;
    };
    cluster.waiting.retain(|k| *k != key);
    let index = placement.instance;
    let mut task = record.task.clone();
    let pinned = record.pinned.clone();
    occupy(cluster, &mut task, &placement);
    task.last_status = TaskStatus::Pending;
    task.version += 1;
    let sized = overrides.apply_sizes(td);
    let spec = task_spec(
        &task.task_arn,
        &cluster.name,
        &sized,
        overrides,
        &placement.bindings,
        &pinned,
    );
    let record = cluster.tasks.get_mut(&key).expect("found above");
    record.task = task.clone();
    record.instance = Some(index);
    record.placement = Some(placement);
    record.awaiting = None;
    cluster.sync(key);
    cluster.instances[index].tasks.insert(key);
    cluster.instances[index].version += 1;
    let document = crate::documents::instance_document(cluster, index, false);
    let instance_arn = document.container_instance_arn.clone();
    out.instruct(instance_arn.clone(), AgentInstruction::StartTask(spec));
    out.emit(now, "ECS Task State Change", &task.task_arn, &task);
    out.emit(
        now,
        "ECS Container Instance State Change",
        &instance_arn,
        &document,
    );
}

/// Tells a task's agent to stop it. A task still waiting for capacity has no agent: it
/// stops at once, never having run.
pub(crate) fn send_stop(
    cp: &mut State,
    now: SimTime,
    cluster_name: &str,
    key: TaskKey,
    timeout_seconds: u32,
) {
    let Some((cluster, mut out)) = cp.cluster_and_out(cluster_name) else {
        return;
    };
    if !instruct_stop(cluster, &mut out, key, timeout_seconds) {
        stop_waiting(cp, now, cluster_name, key);
    }
}

/// Tells a task's agent to stop it; false when it has none (it waits for capacity).
pub(crate) fn instruct_stop(
    cluster: &ClusterRecord,
    out: &mut Out<'_>,
    key: TaskKey,
    timeout_seconds: u32,
) -> bool {
    let Some(record) = cluster.tasks.get(&key) else {
        return true;
    };
    if record.awaiting.is_some() {
        return false;
    }
    let instruction = AgentInstruction::StopTask {
        task_arn: record.task.task_arn.clone(),
        timeout_seconds,
    };
    out.instruct(cluster.agent_of(record), instruction);
    true
}

/// A task waiting for capacity stops: as if its agent said it had, for it never ran.
pub(crate) fn stop_waiting(cp: &mut State, now: SimTime, cluster_name: &str, key: TaskKey) {
    let Some(cluster) = cp.clusters.get(cluster_name) else {
        return;
    };
    let Some(record) = cluster.tasks.get(&key) else {
        return;
    };
    let agent = cluster.agent_of(record);
    let change = berth_agent_protocol::TaskStateChange {
        task_arn: record.task.task_arn.clone(),
        status: berth_agent_protocol::Status::Stopped,
        pull_started_at: None,
        pull_stopped_at: None,
        containers: Vec::new(),
    };
    crate::engine::lifecycle::handle(
        cp,
        now,
        &agent,
        berth_agent_protocol::AgentEvent::TaskStateChange(change),
    );
    if let Some(cluster) = cp.clusters.get_mut(cluster_name) {
        if let Some(record) = cluster.tasks.get_mut(&key) {
            record.awaiting = None;
        }
        cluster.waiting.retain(|k| *k != key);
    }
}

/// The platform version Fargate tasks run on when `LATEST` is asked for.
pub(crate) const FARGATE_PLATFORM_VERSION: &str = "1.4.0";

/// A Fargate task's elastic network interface: ids and a private address in its subnet,
/// derived from the generator so that a session replays exactly.
struct Eni {
    attachment_id: String,
    eni_id: String,
    subnet: String,
    mac: String,
    ip: String,
    dns: String,
}

impl Eni {
    fn new(
        attachment: berth_model::EcsId,
        eni: berth_model::EcsId,
        subnet: &str,
        region: &str,
    ) -> Eni {
        let a = attachment.as_str();
        let e = eni.as_str();
        let byte = |i: usize| u8::from_str_radix(&e[i..i + 2], 16).unwrap_or(0);
        let ip = format!("10.0.{}.{}", byte(0), byte(2).max(4));
        Eni {
            attachment_id: format!(
                "{}-{}-{}-{}-{}",
                &a[..8],
                &a[8..12],
                &a[12..16],
                &a[16..20],
                &a[20..]
            ),
            eni_id: format!("eni-{}", &e[..17]),
            subnet: subnet.to_owned(),
            mac: format!(
                "0a:{}:{}:{}:{}:{}",
                &e[4..6],
                &e[6..8],
                &e[8..10],
                &e[10..12],
                &e[12..14]
            ),
            dns: format!("ip-{}.{region}.compute.internal", ip.replace('.', "-")),
            ip,
        }
    }

    /// The task's `attachments[]` entry.
    fn attachment(&self) -> serde_json::Value {
        let detail = |name: &str, value: &str| serde_json::json!({"name": name, "value": value});
        serde_json::json!({
            "id": self.attachment_id,
            "type": "ElasticNetworkInterface",
            "status": "ATTACHED",
            "details": [
                detail("subnetId", &self.subnet),
                detail("networkInterfaceId", &self.eni_id),
                detail("macAddress", &self.mac),
                detail("privateDnsName", &self.dns),
                detail("privateIPv4Address", &self.ip),
            ],
        })
    }

    /// A container's `networkInterfaces[]` entry.
    fn container_interface(&self) -> serde_json::Value {
        serde_json::json!({"attachmentId": self.attachment_id, "privateIpv4Address": self.ip})
    }
}

/// `restartPolicy.restartAttemptPeriod` when not given (API_ContainerRestartPolicy: "By
/// default, a container must run for 300 seconds before it can be restarted").
const DEFAULT_RESTART_ATTEMPT_PERIOD: u32 = 300;

/// The task as its agent needs it: overrides applied, host ports chosen, defaults explicit.
fn task_spec(
    task_arn: &str,
    cluster: &str,
    td: &TaskDefinition,
    overrides: &TaskOverride,
    bindings: &[berth_scheduler::place::HostPortBinding],
    pinned: &BTreeMap<String, String>,
) -> TaskSpec {
    let containers = td
        .container_definitions
        .iter()
        .flatten()
        .map(|c| {
            let name = c.name.clone().unwrap_or_default();
            let container_override = overrides
                .container_overrides
                .iter()
                .flatten()
                .find(|o| o.name.as_deref() == Some(&name));
            let mut environment: BTreeMap<String, String> = BTreeMap::new();
            let given = c.environment.iter().flatten().chain(
                container_override
                    .and_then(|o| o.environment.as_ref())
                    .into_iter()
                    .flatten(),
            );
            for pair in given {
                if let Some(key) = &pair.name {
                    environment.insert(key.clone(), pair.value.clone().unwrap_or_default());
                }
            }
            let size = |v: Option<i64>| v.and_then(|m| u32::try_from(m).ok());
            ContainerSpec {
                name: name.clone(),
                image: c.image.clone().unwrap_or_default(),
                image_digest: pinned.get(&name).cloned(),
                essential: c.essential != Some(false),
                entry_point: c.entry_point.clone(),
                command: container_override
                    .and_then(|o| o.command.clone())
                    .or_else(|| c.command.clone()),
                environment,
                working_directory: c.working_directory.clone(),
                cpu: size(c.cpu).unwrap_or(0),
                memory: size(c.memory),
                memory_reservation: size(c.memory_reservation),
                port_bindings: bindings
                    .iter()
                    .filter(|b| b.container_name == name)
                    .map(|b| PortBinding {
                        container_port: b.container_port,
                        host_port: b.host_port,
                        protocol: b.protocol.as_str().into(),
                        bind_ip: None,
                    })
                    .collect(),
                links: c.links.clone().unwrap_or_default(),
                health_check: c.health_check.as_ref().map(|h| HealthCheckSpec {
                    command: h.command.clone().unwrap_or_default(),
                    interval: h.interval.map_or(30, |v| v as u32),
                    timeout: h.timeout.map_or(5, |v| v as u32),
                    retries: h.retries.map_or(3, |v| v as u32),
                    start_period: h.start_period.map_or(0, |v| v as u32),
                }),
                stop_timeout: c.stop_timeout.and_then(|t| u32::try_from(t).ok()),
                docker_labels: c.docker_labels.clone().unwrap_or_default(),
                privileged: c.privileged == Some(true),
                mounts: c
                    .mount_points
                    .iter()
                    .flatten()
                    .map(|m| {
                        let volume = m.source_volume.clone().unwrap_or_default();
                        MountSpec {
                            host_path: td
                                .volumes
                                .iter()
                                .flatten()
                                .find(|v| v.name.as_deref() == Some(volume.as_str()))
                                .and_then(|v| v.host.as_ref())
                                .and_then(|h| h.source_path.clone()),
                            volume,
                            container_path: m.container_path.clone().unwrap_or_default(),
                            read_only: m.read_only == Some(true),
                        }
                    })
                    .collect(),
                restart_policy: c
                    .restart_policy
                    .as_ref()
                    .filter(|p| p.enabled == Some(true))
                    .map(|p| RestartPolicySpec {
                        ignored_exit_codes: p
                            .ignored_exit_codes
                            .iter()
                            .flatten()
                            .filter_map(|&code| i32::try_from(code).ok())
                            .collect(),
                        restart_attempt_period: p
                            .restart_attempt_period
                            .and_then(|s| u32::try_from(s).ok())
                            .unwrap_or(DEFAULT_RESTART_ATTEMPT_PERIOD),
                    }),
                log_configuration: c.log_configuration.as_ref().and_then(|l| {
                    Some(LogConfigurationSpec {
                        log_driver: l.log_driver.as_ref()?.as_str().to_owned(),
                        options: l.options.clone().unwrap_or_default(),
                    })
                }),
            }
        })
        .collect();
    TaskSpec {
        task_arn: task_arn.to_owned(),
        cluster: cluster.to_owned(),
        family: td.family.clone().unwrap_or_default(),
        revision: td.revision.unwrap_or(0),
        network_mode: effective_network_mode(td).as_str().to_owned(),
        containers,
        pid_mode: td.pid_mode.as_ref().map(|m| m.as_str().to_owned()),
        ipc_mode: td.ipc_mode.as_ref().map(|m| m.as_str().to_owned()),
    }
}

/// The ARN of an ACTIVE task definition, or ECS's error.
pub(crate) fn active_task_definition(cp: &State, text: Option<&str>) -> Result<String, ApiError> {
    let text = text
        .filter(|t| !t.is_empty())
        .ok_or_else(|| messages::operation_error("task-definition-blank", &[]))?;
    crate::records::parse_reference(text)?;
    let td = resolve(cp, text).ok_or_else(|| {
        ApiError::new(
            ExceptionType::ClientException,
            messages::TASK_DEFINITION_NOT_FOUND,
        )
    })?;
    if td.status != Some(TaskDefinitionStatus::Active) {
        return Err(ApiError::new(
            ExceptionType::ClientException,
            messages::TASK_DEFINITION_INACTIVE,
        ));
    }
    Ok(td.task_definition_arn.clone().unwrap_or_default())
}

/// Whether a `launchType` is FARGATE (EC2 or none is not); another value is refused.
pub(crate) fn is_fargate_launch_type(launch_type: Option<&str>) -> Result<bool, ApiError> {
    match launch_type {
        None | Some("EC2") => Ok(false),
        Some("FARGATE") => Ok(true),
        Some(other) => Err(messages::operation_error("fargate-unsupported", &[&other])),
    }
}

/// Whether a task definition can run on Fargate.
pub(crate) fn fargate_compatible(cp: &State, task_definition: &str) -> bool {
    resolve(cp, task_definition).is_some_and(|td| {
        td.compatibilities
            .iter()
            .flatten()
            .any(|c| *c == berth_model::task_definition::Compatibility::Fargate)
    })
}
