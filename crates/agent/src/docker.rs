//! Everything the agent asks of Docker, through bollard: a task's containers are created and
//! started in link order with the ECS agent's labels, stopped with SIGTERM then SIGKILL, and
//! found again after a restart by those labels. Nothing here keeps state; `lib.rs` does.

use std::collections::HashMap;

use berth_agent_protocol::{ContainerSpec, PortBinding, TaskSpec};
use bollard::models::{ContainerCreateBody, HealthConfig, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;

/// The label every container of this agent carries: the instance it belongs to.
pub(crate) const INSTANCE_LABEL: &str = "berth.instance-id";
/// The ECS agent's labels.
pub(crate) const TASK_LABEL: &str = "com.amazonaws.ecs.task-arn";
pub(crate) const CONTAINER_LABEL: &str = "com.amazonaws.ecs.container-name";
const CLUSTER_LABEL: &str = "com.amazonaws.ecs.cluster";
const FAMILY_LABEL: &str = "com.amazonaws.ecs.task-definition-family";
const VERSION_LABEL: &str = "com.amazonaws.ecs.task-definition-version";
/// What the agent needs to take a task over again after its own restart.
pub(crate) const ESSENTIAL_LABEL: &str = "berth.essential";
pub(crate) const STOP_TIMEOUT_LABEL: &str = "berth.stop-timeout";
pub(crate) const ORDER_LABEL: &str = "berth.container-index";
/// How many containers the task has: a task taken over with fewer was interrupted mid-launch.
pub(crate) const COUNT_LABEL: &str = "berth.container-count";
/// The container's enabled restart policy, as the agent-protocol's JSON.
pub(crate) const RESTART_POLICY_LABEL: &str = "berth.restart-policy";

/// A container started for a task.
#[derive(Clone, Debug)]
pub(crate) struct Started {
    pub(crate) name: String,
    pub(crate) id: String,
    pub(crate) bindings: Vec<PortBinding>,
    /// The digest of the image it runs.
    pub(crate) digest: Option<String>,
}

/// Why a task could not start, as the ECS agent words it, and the container it concerns.
#[derive(Clone, Debug)]
pub(crate) struct LaunchError {
    pub(crate) container: String,
    pub(crate) reason: String,
}

/// The order containers start in: a container after those it links to (Docker needs a linked
/// container running), otherwise the task definition's order.
pub(crate) fn start_order(spec: &TaskSpec) -> Vec<usize> {
    let mut order = Vec::new();
    let mut placed = vec![false; spec.containers.len()];
    // At most n passes; a link cycle (refused by ECS's validation) falls back to the given order.
    for _ in 0..spec.containers.len() {
        for (i, container) in spec.containers.iter().enumerate() {
            if placed[i] {
                continue;
            }
            let ready = container.links.iter().all(|link| {
                let target = link.split(':').next().unwrap_or_default();
                spec.containers
                    .iter()
                    .position(|c| c.name == target)
                    .is_none_or(|j| placed[j])
            });
            if ready {
                placed[i] = true;
                order.push(i);
            }
        }
    }
    order.extend((0..spec.containers.len()).filter(|i| !placed[*i]));
    order
}

/// The Docker name of a task's container: like the ECS agent's `ecs-FAMILY-REV-NAME-ID`.
pub(crate) fn docker_name(spec: &TaskSpec, container: &str) -> String {
    let id = spec.task_arn.rsplit('/').next().unwrap_or_default();
    let clean = |s: &str| {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
    };
    format!(
        "ecs-{}-{}-{}-{}",
        clean(&spec.family),
        spec.revision,
        clean(container),
        clean(id)
    )
}

/// The image a container is created from, once it is there, and its digest.
pub(crate) struct Image {
    /// What to create the container from: the image as named, or, for a pinned digest, the
    /// local image's id or `repository@digest`.
    reference: String,
    /// Its digest: the repository digest a registry gave it, else (an image built or
    /// imported here has none) its id.
    digest: Option<String>,
}

/// Makes sure the image is there: a local image is used as is (the ECS agent's
/// `prefer-cached`), a missing one is pulled. With a digest pinned by the service deployment
/// (`versionConsistency`) exactly that image runs: the local one with that id or repository
/// digest, even when its tag has moved on, else a pull of `repository@digest`.
async fn ensure_image(docker: &Docker, image: &str, pinned: Option<&str>) -> Result<Image, String> {
    if let Some(digest) = pinned {
        if let Ok(found) = docker.inspect_image(image).await {
            if digest_of(&found).as_deref() == Some(digest) || found.id.as_deref() == Some(digest) {
                let reference = found.id.unwrap_or_else(|| image.to_owned());
                return Ok(Image {
                    reference,
                    digest: Some(digest.to_owned()),
                });
            }
        }
        if docker.inspect_image(digest).await.is_ok() {
            return Ok(Image {
                reference: digest.to_owned(),
                digest: Some(digest.to_owned()),
            });
        }
        let by_digest = format!("{}@{digest}", repository(image));
        pull(docker, &by_digest).await?;
        return Ok(Image {
            reference: by_digest,
            digest: Some(digest.to_owned()),
        });
    }
    let found = match docker.inspect_image(image).await {
        Ok(found) => found,
        Err(_) => {
            pull(docker, image).await?;
            docker
                .inspect_image(image)
                .await
                .map_err(|error| format!("CannotPullContainerError: {}", docker_message(&error)))?
        }
    };
    Ok(Image {
        reference: image.to_owned(),
        digest: digest_of(&found).or(found.id),
    })
}

/// The digest a registry gave an image (`name@sha256:...` in its RepoDigests), if any.
fn digest_of(image: &bollard::models::ImageInspect) -> Option<String> {
    image
        .repo_digests
        .iter()
        .flatten()
        .find_map(|d| d.split_once('@').map(|(_, digest)| digest.to_owned()))
}

/// An image's repository: its name without tag or digest.
fn repository(image: &str) -> &str {
    let image = image.split_once('@').map_or(image, |(name, _)| name);
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => name,
        _ => image,
    }
}

/// Pulls an image: `name@sha256:...` by digest, `name:tag` by tag, a bare name as `latest`.
async fn pull(docker: &Docker, image: &str) -> Result<(), String> {
    let options = if image.contains('@') {
        CreateImageOptionsBuilder::new().from_image(image).build()
    } else {
        let (name, tag) = match image.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, tag),
            _ => (image, "latest"),
        };
        CreateImageOptionsBuilder::new()
            .from_image(name)
            .tag(tag)
            .build()
    };
    let mut pull = docker.create_image(Some(options), None, None);
    while let Some(step) = pull.next().await {
        if let Err(error) = step {
            return Err(format!(
                "CannotPullContainerError: pull image manifest has been retried 1 time(s): {}",
                docker_message(&error)
            ));
        }
    }
    Ok(())
}

/// The daemon's own words for an error, without bollard's wrapping.
pub(crate) fn docker_message(error: &bollard::errors::Error) -> String {
    match error {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn labels(spec: &TaskSpec, instance_id: &str, index: usize) -> HashMap<String, String> {
    let container = &spec.containers[index];
    let mut labels: HashMap<String, String> = container
        .docker_labels
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, value) in [
        (CLUSTER_LABEL, spec.cluster.clone()),
        (TASK_LABEL, spec.task_arn.clone()),
        (CONTAINER_LABEL, container.name.clone()),
        (FAMILY_LABEL, spec.family.clone()),
        (VERSION_LABEL, spec.revision.to_string()),
        (INSTANCE_LABEL, instance_id.to_owned()),
        (ESSENTIAL_LABEL, container.essential.to_string()),
        (
            STOP_TIMEOUT_LABEL,
            container.stop_timeout.unwrap_or(30).to_string(),
        ),
        (ORDER_LABEL, index.to_string()),
        (COUNT_LABEL, spec.containers.len().to_string()),
    ] {
        labels.insert(key.to_owned(), value);
    }
    if let Some(policy) = &container.restart_policy {
        let json = serde_json::to_string(policy).expect("a restart policy serialises");
        labels.insert(RESTART_POLICY_LABEL.to_owned(), json);
    }
    labels
}

fn body(
    spec: &TaskSpec,
    instance_id: &str,
    address: &str,
    index: usize,
    image: &str,
) -> ContainerCreateBody {
    let container: &ContainerSpec = &spec.containers[index];
    let seconds = |s: u32| i64::from(s) * 1_000_000_000;
    let mut port_map = HashMap::new();
    let mut exposed = Vec::new();
    for binding in &container.port_bindings {
        let key = format!("{}/{}", binding.container_port, binding.protocol);
        exposed.push(key.clone());
        port_map.insert(
            key,
            Some(vec![bollard::models::PortBinding {
                host_ip: Some(address.to_owned()),
                host_port: Some(binding.host_port.to_string()),
            }]),
        );
    }
    let network_mode = match spec.network_mode.as_str() {
        "host" => "host",
        "none" => "none",
        _ => "bridge",
    };
    let links = container
        .links
        .iter()
        .map(|link| {
            let (target, alias) = link.split_once(':').unwrap_or((link, link));
            format!("{}:{alias}", docker_name(spec, target))
        })
        .collect::<Vec<_>>();
    let binds = container
        .mounts
        .iter()
        .map(|m| {
            // A host path is bound; otherwise a Docker volume named after the task's volume.
            let source = m.host_path.clone().unwrap_or_else(|| {
                format!(
                    "ecs-{}-{}",
                    spec.task_arn.rsplit('/').next().unwrap_or_default(),
                    m.volume
                )
            });
            let mode = if m.read_only { ":ro" } else { "" };
            format!("{source}:{}{mode}", m.container_path)
        })
        .collect::<Vec<_>>();
    ContainerCreateBody {
        image: Some(image.to_owned()),
        entrypoint: container.entry_point.clone(),
        cmd: container.command.clone(),
        env: Some(
            container
                .environment
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
        ),
        working_dir: container.working_directory.clone(),
        labels: Some(labels(spec, instance_id, index)),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        stop_timeout: Some(i64::from(container.stop_timeout.unwrap_or(30))),
        healthcheck: container.health_check.as_ref().map(|h| HealthConfig {
            test: Some(h.command.clone()),
            interval: Some(seconds(h.interval)),
            timeout: Some(seconds(h.timeout)),
            retries: Some(i64::from(h.retries)),
            start_period: Some(seconds(h.start_period)),
            start_interval: None,
        }),
        host_config: Some(HostConfig {
            // As the ECS agent does: cpu units are CPU shares, at least 2.
            cpu_shares: Some(i64::from(container.cpu.max(2))),
            memory: container.memory.map(|m| i64::from(m) * 1024 * 1024),
            memory_reservation: container
                .memory_reservation
                .map(|m| i64::from(m) * 1024 * 1024),
            // An init process forwards SIGTERM, so stopTimeout means what it says.
            init: Some(true),
            port_bindings: (!port_map.is_empty()).then_some(port_map),
            network_mode: Some(network_mode.to_owned()),
            links: (!links.is_empty()).then_some(links),
            binds: (!binds.is_empty()).then_some(binds),
            privileged: Some(container.privileged),
            pid_mode: spec
                .pid_mode
                .as_deref()
                .filter(|m| *m == "host")
                .map(str::to_owned),
            // ECS's `task` IPC mode (shared by the task's containers) is Docker's shareable.
            ipc_mode: spec.ipc_mode.as_deref().map(|mode| match mode {
                "task" => "shareable".to_owned(),
                other => other.to_owned(),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Creates and starts a task's containers. On failure every container it created is removed
/// again, so a failed start leaves nothing behind.
/// How long an image pull may take before the task stops with CannotPullContainerError.
const PULL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Creates and starts a task's containers; `cancelled` (a StopTask that came meanwhile) is
/// checked before each step, so a task stopped while its image is pulled never starts.
pub(crate) async fn launch(
    docker: &Docker,
    spec: &TaskSpec,
    instance_id: &str,
    address: &str,
    cancelled: &std::sync::atomic::AtomicBool,
) -> Result<Vec<Started>, LaunchError> {
    let stopped = || LaunchError {
        container: String::new(),
        reason: String::new(),
    };
    let mut images = Vec::new();
    for container in &spec.containers {
        let ensured = ensure_image(docker, &container.image, container.image_digest.as_deref());
        let pulled = tokio::time::timeout(PULL_TIMEOUT, ensured)
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "CannotPullContainerError: pulling {} took longer than {} s",
                    container.image,
                    PULL_TIMEOUT.as_secs()
                ))
            });
        images.push(pulled.map_err(|reason| LaunchError {
            container: container.name.clone(),
            reason,
        })?);
        if cancelled.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(stopped());
        }
    }
    let mut started: Vec<Started> = Vec::new();
    let mut created: Vec<String> = Vec::new();
    let mut outcome = Ok(());
    for index in start_order(spec) {
        if cancelled.load(std::sync::atomic::Ordering::SeqCst) {
            outcome = Err(stopped());
            break;
        }
        let container = &spec.containers[index];
        let name = docker_name(spec, &container.name);
        let options = CreateContainerOptionsBuilder::new().name(&name).build();
        let id = match docker
            .create_container(
                Some(options),
                body(spec, instance_id, address, index, &images[index].reference),
            )
            .await
        {
            Ok(response) => response.id,
            Err(error) => {
                outcome = Err(LaunchError {
                    container: container.name.clone(),
                    reason: format!("CannotCreateContainerError: {}", docker_message(&error)),
                });
                break;
            }
        };
        created.push(id.clone());
        if let Err(error) = docker.start_container(&id, None).await {
            outcome = Err(LaunchError {
                container: container.name.clone(),
                reason: format!("CannotStartContainerError: {}", docker_message(&error)),
            });
            break;
        }
        started.push(Started {
            name: container.name.clone(),
            bindings: published(docker, &id).await,
            id,
            digest: images[index].digest.clone(),
        });
    }
    if let Err(error) = outcome {
        for id in created.iter().rev() {
            remove(docker, id).await;
        }
        return Err(error);
    }
    Ok(started)
}

/// Starts a container of a running task again in place (its restart policy): its ports,
/// mounts and name stay. The reason, as the ECS agent words it, when Docker refuses.
pub(crate) async fn restart(docker: &Docker, id: &str) -> Result<(), String> {
    docker
        .start_container(id, None)
        .await
        .map_err(|error| format!("CannotStartContainerError: {}", docker_message(&error)))
}

/// The ports a container is published on, as Docker reports them.
pub(crate) async fn published(docker: &Docker, id: &str) -> Vec<PortBinding> {
    let Ok(inspect) = docker.inspect_container(id, None).await else {
        return Vec::new();
    };
    let mut bindings = Vec::new();
    let ports = inspect
        .network_settings
        .and_then(|n| n.ports)
        .unwrap_or_default();
    for (key, hosts) in ports {
        let (port, protocol) = key.split_once('/').unwrap_or((&key, "tcp"));
        let Ok(container_port) = port.parse() else {
            continue;
        };
        for host in hosts.into_iter().flatten() {
            if let Some(host_port) = host.host_port.and_then(|p| p.parse().ok()) {
                bindings.push(PortBinding {
                    container_port,
                    host_port,
                    protocol: protocol.to_owned(),
                    bind_ip: host.host_ip.filter(|ip| !ip.is_empty()),
                });
            }
        }
    }
    bindings.sort_by_key(|b| (b.container_port, b.host_port));
    bindings
}

/// SIGTERM, then SIGKILL after `timeout` seconds (Docker's stop does both).
pub(crate) async fn stop(docker: &Docker, id: &str, timeout: u32) {
    let options = StopContainerOptionsBuilder::new()
        .t(i32::try_from(timeout).unwrap_or(30))
        .build();
    let _ = docker.stop_container(id, Some(options)).await;
}

/// Removes a container (and its anonymous volumes), running or not.
pub(crate) async fn remove(docker: &Docker, id: &str) {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    let _ = docker.remove_container(id, Some(options)).await;
}

/// Removes a stopped task's containers and the Docker volumes made for it
/// (`ecs-<task id>-<volume>`).
pub(crate) async fn remove_task(docker: &Docker, task_arn: &str, ids: &[String]) {
    for id in ids {
        remove(docker, id).await;
    }
    let prefix = format!("ecs-{}-", task_arn.rsplit('/').next().unwrap_or_default());
    let filters = HashMap::from([("name".to_owned(), vec![prefix.clone()])]);
    let options = bollard::query_parameters::ListVolumesOptionsBuilder::new()
        .filters(&filters)
        .build();
    let Ok(listed) = docker.list_volumes(Some(options)).await else {
        return;
    };
    for volume in listed.volumes.unwrap_or_default() {
        // The name filter matches anywhere in the name: keep to this task's own.
        if volume.name.starts_with(&prefix) {
            let _ = docker
                .remove_volume(
                    &volume.name,
                    None::<bollard::query_parameters::RemoveVolumeOptions>,
                )
                .await;
        }
    }
}

/// What Docker knows of one of the agent's containers.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub(crate) id: String,
    pub(crate) labels: HashMap<String, String>,
    pub(crate) running: bool,
    pub(crate) exit_code: Option<i32>,
    pub(crate) oom_killed: bool,
    pub(crate) health: Option<String>,
    pub(crate) bindings: Vec<PortBinding>,
}

/// Every container carrying one of `instance_ids` in its instance label, running or not.
pub(crate) async fn find(
    docker: &Docker,
    instance_ids: &[String],
) -> Result<Vec<Found>, bollard::errors::Error> {
    let filters = HashMap::from([("label".to_owned(), vec![INSTANCE_LABEL.to_owned()])]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let mut found = Vec::new();
    for summary in docker.list_containers(Some(options)).await? {
        let labels = summary.labels.unwrap_or_default();
        if !labels
            .get(INSTANCE_LABEL)
            .is_some_and(|id| instance_ids.contains(id))
        {
            continue; // Another agent's: not ours to touch.
        }
        let Some(id) = summary.id else { continue };
        let Ok(inspect) = docker.inspect_container(&id, None).await else {
            continue; // Removed meanwhile.
        };
        let state = inspect.state.unwrap_or_default();
        let running = state.running == Some(true);
        found.push(Found {
            bindings: if running {
                published(docker, &id).await
            } else {
                Vec::new()
            },
            id,
            labels,
            running,
            exit_code: (!running)
                .then(|| state.exit_code.and_then(|c| i32::try_from(c).ok()))
                .flatten(),
            oom_killed: state.oom_killed == Some(true),
            health: state
                .health
                .and_then(|h| h.status)
                .and_then(|s| health_word(s.as_ref())),
        });
    }
    Ok(found)
}

/// ECS's health word for Docker's (`healthy` → `HEALTHY`); none for containers without checks.
pub(crate) fn health_word(docker: &str) -> Option<String> {
    match docker {
        "healthy" => Some("HEALTHY".into()),
        "unhealthy" => Some("UNHEALTHY".into()),
        "starting" => Some("UNKNOWN".into()),
        _ => None,
    }
}
