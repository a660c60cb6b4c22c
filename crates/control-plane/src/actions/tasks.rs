//! RunTask, StartTask, StopTask, DescribeTasks, ListTasks.
//!
//! RunTask places with the scheduler (the task definition's constraints plus the call's,
//! the call's strategies or random) and hands each placed task to its instance's agent as a
//! fully resolved [`TaskSpec`]; the task is PENDING until the agent reports otherwise.
//! A Fargate task needs no instance: it gets an ENI in one of its subnets (spread over them)
//! and goes to the agent of the region's Fargate capacity, PROVISIONING until that reports.

use crate::engine::launch::{launch_task, next_subnet, send_stop, FargateNetwork, Launch, Target};
use crate::engine::placement::{place, Rules};
use crate::paging::page;
use crate::records::{
    active_cluster, cluster_name, cluster_not_found, find_task, invalid_parameter, last_segment,
    resolve, Awaiting, State,
};
use crate::requests::*;
use berth_model::overrides::TaskOverride;
use berth_model::resources::Failure;
use berth_model::states::{TaskStatus, TaskStopCode};
use berth_model::task_definition::{Compatibility, NetworkMode, TaskDefinitionStatus};
use berth_model::validate::effective_network_mode;
use berth_model::{messages, ApiError, ExceptionType, SimTime};
use berth_scheduler::TaskRequirements;

/// The checks RunTask and StartTask share, in ECS's order.
#[allow(clippy::too_many_arguments)]
fn prepare(
    cp: &State,
    task_definition: Option<&str>,
    launch_type: Option<&str>,
    network_configuration: Option<&serde_json::Value>,
    overrides: Option<TaskOverride>,
    group: Option<String>,
    started_by: Option<String>,
    tags: Option<Vec<berth_model::task_definition::Tag>>,
    execute_command: Option<bool>,
) -> Result<Launch, ApiError> {
    let text = task_definition
        .filter(|t| !t.is_empty())
        .ok_or_else(|| messages::operation_error("task-definition-blank", &[]))?;
    crate::records::parse_reference(text)?;
    let td = resolve(cp, text)
        .ok_or_else(|| {
            ApiError::new(
                ExceptionType::ClientException,
                messages::TASK_DEFINITION_NOT_FOUND,
            )
        })?
        .clone();
    if td.status != Some(TaskDefinitionStatus::Active) {
        return Err(ApiError::new(
            ExceptionType::ClientException,
            messages::TASK_DEFINITION_INACTIVE,
        ));
    }
    let launch_type = launch_type.unwrap_or("EC2");
    let compatibility = match launch_type {
        "EC2" => Compatibility::Ec2,
        "EXTERNAL" => Compatibility::External,
        "FARGATE" => Compatibility::Fargate,
        other => return Err(messages::operation_error("fargate-unsupported", &[&other])),
    };
    if !td
        .compatibilities
        .iter()
        .flatten()
        .any(|c| *c == compatibility)
    {
        return Err(invalid_parameter(messages::launch_type_unsupported(
            launch_type,
        )));
    }
    let awsvpc = effective_network_mode(&td) == NetworkMode::Awsvpc;
    match (awsvpc, network_configuration.is_some()) {
        (true, false) => return Err(invalid_parameter(messages::NETWORK_CONFIGURATION_REQUIRED)),
        (false, true) => return Err(invalid_parameter(messages::NETWORK_CONFIGURATION_INVALID)),
        _ => {}
    }
    let fargate = match compatibility {
        Compatibility::Fargate => Some(FargateNetwork::of(network_configuration)?),
        _ => None,
    };
    let overrides = overrides.unwrap_or_default();
    let mut requirements = TaskRequirements::with_overrides(&td, Some(&overrides));
    if compatibility == Compatibility::External {
        requirements = requirements.for_external_instances();
    }
    let family = td.family.clone().unwrap_or_default();
    Ok(Launch {
        td,
        overrides,
        requirements,
        group: group
            .filter(|g| !g.is_empty())
            .unwrap_or_else(|| format!("family:{family}")),
        started_by,
        tags: tags.unwrap_or_default(),
        fargate,
        service: None,
        execute_command: execute_command.unwrap_or(false),
        pinned: std::collections::BTreeMap::new(),
    })
}

pub(super) fn run(
    cp: &mut State,
    now: SimTime,
    request: RunTaskRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    // A capacity provider strategy (given, or the cluster's default) runs the tasks on
    // FARGATE or FARGATE_SPOT capacity, or on Auto Scaling groups' instances.
    let strategy = crate::engine::capacity::strategy_for(
        cluster,
        request.launch_type.as_deref(),
        request.capacity_provider_strategy.as_ref(),
    )?;
    let on_groups = strategy
        .as_ref()
        .is_some_and(|s| !crate::engine::capacity::on_fargate(s));
    let launch_type = match &strategy {
        Some(_) if on_groups => Some("EC2"),
        Some(_) => Some("FARGATE"),
        None => request.launch_type.as_deref(),
    };
    let launch = prepare(
        cp,
        request.task_definition.as_deref(),
        launch_type,
        request.network_configuration.as_deref(),
        request.overrides,
        request.group,
        request.started_by,
        request.tags,
        request.enable_execute_command,
    )?;
    let count = request.count.unwrap_or(1);
    if !(1..=10).contains(&count) {
        return Err(messages::operation_error("run-task-count", &[]));
    }
    let name = cluster_name(request.cluster.as_deref());
    if let Some(network) = &launch.fargate {
        let given_rules = request
            .placement_constraints
            .as_ref()
            .is_some_and(|c| !c.is_empty())
            || request
                .placement_strategy
                .as_ref()
                .is_some_and(|s| !s.is_empty());
        if given_rules {
            return Err(messages::operation_error("fargate-placement", &[]));
        }
        let mut tasks = Vec::new();
        let mut counts = vec![0u64; strategy.as_ref().map_or(0, Vec::len)];
        let (cluster, mut out) = cp.cluster_and_out(&name).ok_or_else(cluster_not_found)?;
        for _ in 0..count {
            let subnet = next_subnet(cluster, &launch.group, &network.subnets);
            let provider = strategy.as_ref().map(|strategy| {
                let i = crate::engine::capacity::next_provider(strategy, &counts);
                counts[i] += 1;
                strategy[i].capacity_provider.clone()
            });
            tasks.push(launch_task(
                cluster,
                &mut out,
                now,
                &launch,
                Target::Fargate { subnet, provider },
            ));
        }
        return Ok(Response::Tasks(TasksResponse {
            tasks: Some(tasks),
            failures: Some(Vec::new()),
        }));
    }
    // The task definition's constraints and the call's count together toward the limit of 10.
    let rules = Rules::run_task(
        &launch.td,
        request.placement_constraints.unwrap_or_default(),
        request.placement_strategy.unwrap_or_default(),
    )?;
    let registered = cp.clusters[&name].fleet.instances().iter().any(|i| {
        matches!(
            i.status,
            berth_scheduler::InstanceStatus::Active | berth_scheduler::InstanceStatus::Draining
        )
    });
    // An Auto Scaling group provider may have no instance yet: its tasks wait for them.
    if !registered && !on_groups {
        return Err(invalid_parameter(messages::NO_CONTAINER_INSTANCES));
    }
    // Each provider of the strategy takes its share on its own instances.
    let mut counts = vec![0u64; strategy.as_ref().map_or(0, Vec::len)];
    let shares = crate::engine::capacity::shares(strategy.as_deref(), &mut counts, count as u32);
    let mut tasks = Vec::new();
    let mut failures: Vec<Failure> = Vec::new();
    for (provider, share) in shares {
        let outcome = place(cp, &name, &launch, &rules, provider.as_deref(), share);
        let placed = outcome.placements.len() as u32;
        let waits = provider
            .as_deref()
            .is_some_and(|p| crate::engine::capacity::waits_for_capacity(cp, p));
        let (cluster, mut out) = cp.cluster_and_out(&name).ok_or_else(cluster_not_found)?;
        for placement in outcome.placements {
            let target = Target::Instance(placement, provider.clone());
            tasks.push(launch_task(cluster, &mut out, now, &launch, target));
        }
        match provider {
            // Managed scaling: what found no room waits in PROVISIONING (§9.1).
            Some(provider) if waits => {
                for _ in placed..share {
                    let target = Target::Waiting(Awaiting {
                        provider: provider.clone(),
                        constraints: rules.given_constraints.clone(),
                        strategies: rules.given_strategies.clone(),
                    });
                    tasks.push(launch_task(cluster, &mut out, now, &launch, target));
                }
            }
            Some(provider) => {
                // Only the provider's own instances say why; without any, the provider does.
                let own: Vec<Failure> = outcome
                    .failures
                    .iter()
                    .filter(|f| f.reason != "CAPACITY_PROVIDER")
                    .map(|f| Failure {
                        arn: Some(f.arn.clone()),
                        reason: Some(f.reason.clone()),
                        detail: None,
                    })
                    .collect();
                if own.is_empty() && placed < share {
                    failures.push(Failure {
                        arn: Some(format!(
                            "arn:aws:ecs:{}:{}:capacity-provider/{provider}",
                            cp.scope.region, cp.scope.account_id
                        )),
                        reason: Some("CAPACITY_PROVIDER".into()),
                        detail: Some(messages::operation_text(
                            "capacity-provider-no-instance",
                            &[&provider],
                        )),
                    });
                }
                failures.extend(own);
            }
            None => failures.extend(outcome.failures.iter().map(|f| Failure {
                arn: Some(f.arn.clone()),
                reason: Some(f.reason.clone()),
                detail: None,
            })),
        }
    }
    Ok(Response::Tasks(TasksResponse {
        tasks: Some(tasks),
        failures: Some(failures),
    }))
}

pub(super) fn start(
    cp: &mut State,
    now: SimTime,
    request: StartTaskRequest,
) -> Result<Response, ApiError> {
    active_cluster(cp, request.cluster.as_deref())?;
    let wanted = request.container_instances.unwrap_or_default();
    if !(1..=10).contains(&wanted.len()) {
        return Err(messages::operation_error("start-task-instances", &[]));
    }
    let launch = prepare(
        cp,
        request.task_definition.as_deref(),
        None,
        request.network_configuration.as_deref(),
        request.overrides,
        request.group,
        request.started_by,
        request.tags,
        request.enable_execute_command,
    )?;
    let name = cluster_name(request.cluster.as_deref());
    let mut tasks = Vec::new();
    let mut failures = Vec::new();
    for given in wanted {
        let cluster = cp.clusters.get_mut(&name).expect("checked above");
        let Some(index) = crate::records::find_instance(cluster, &given) else {
            failures.push(Failure {
                arn: Some(given),
                reason: Some("MISSING".into()),
                detail: None,
            });
            continue;
        };
        let instance = &cluster.fleet.instances()[index];
        if instance.status == berth_scheduler::InstanceStatus::Inactive {
            failures.push(Failure {
                arn: Some(instance.arn.clone()),
                reason: Some("INACTIVE".into()),
                detail: None,
            });
            continue;
        }
        // StartTask skips strategies: the task goes to exactly this instance if it fits, which
        // is placement restricted to it.
        let rules = Rules::run_task(&launch.td, Vec::new(), Vec::new())?
            .only_on(&instance.ec2_instance_id)?;
        let arn = instance.arn.clone();
        let outcome = place(cp, &name, &launch, &rules, None, 1);
        match outcome.placements.into_iter().next() {
            Some(placement) => {
                let (cluster, mut out) = cp.cluster_and_out(&name).ok_or_else(cluster_not_found)?;
                tasks.push(launch_task(
                    cluster,
                    &mut out,
                    now,
                    &launch,
                    Target::Instance(placement, None),
                ));
            }
            None => {
                let reason = outcome
                    .failures
                    .iter()
                    .find(|f| f.arn == arn)
                    .map(|f| f.reason.clone());
                failures.push(Failure {
                    arn: Some(arn),
                    reason,
                    detail: None,
                });
            }
        }
    }
    Ok(Response::Tasks(TasksResponse {
        tasks: Some(tasks),
        failures: Some(failures),
    }))
}

pub(super) fn stop(
    cp: &mut State,
    now: SimTime,
    request: StopTaskRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let given = request.task.unwrap_or_default();
    let key =
        find_task(cluster, &given).ok_or_else(|| invalid_parameter(messages::TASK_NOT_FOUND))?;
    let record = cluster.tasks.get_mut(&key).expect("found above");
    let task_arn = record.task.task_arn.clone();
    let stopping = record.task.desired_status != TaskStatus::Stopped;
    if stopping {
        let task = &mut record.task;
        task.desired_status = TaskStatus::Stopped;
        task.stop_code = Some(TaskStopCode::UserInitiated);
        task.stopped_reason = Some(
            request
                .reason
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| messages::operation_text("stopped-by-user", &[])),
        );
        task.stopping_at = Some(now);
        task.version += 1;
    }
    let task = record.task.clone();
    let timeout_seconds = record.stop_timeout;
    cluster.sync(key);
    if stopping {
        cp.out()
            .emit(now, "ECS Task State Change", &task_arn, &task);
        let cluster = cluster_name(request.cluster.as_deref());
        // Behind a load balancer the task drains first (DEACTIVATING), as a service's would.
        let draining = cp
            .cluster_and_out(&cluster)
            .map(|(c, mut out)| crate::engine::load_balancing::drain(c, &mut out, key))
            .unwrap_or_default();
        if draining.is_empty() {
            send_stop(cp, now, &cluster, key, timeout_seconds);
        }
    }
    Ok(Response::Task(TaskResponse { task: Some(task) }))
}

pub(super) fn describe(
    cp: &mut State,
    request: DescribeTasksRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let wanted = request.tasks.unwrap_or_default();
    if wanted.is_empty() {
        return Err(invalid_parameter(messages::TASKS_EMPTY));
    }
    let with_tags = request
        .include
        .unwrap_or_default()
        .iter()
        .any(|i| i == "TAGS");
    let mut tasks = Vec::new();
    let mut failures = Vec::new();
    for given in wanted {
        match find_task(cluster, &given) {
            Some(arn) => {
                let mut task = cluster.tasks[&arn].task.clone();
                if !with_tags {
                    task.tags.clear();
                }
                tasks.push(task);
            }
            None => failures.push(Failure {
                arn: Some(given),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(Response::Tasks(TasksResponse {
        tasks: Some(tasks),
        failures: Some(failures),
    }))
}

pub(super) fn list(cp: &mut State, request: ListTasksRequest) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let desired = request.desired_status.as_deref().unwrap_or("RUNNING");
    crate::records::one_of(
        Some(desired),
        "desiredStatus",
        &["RUNNING", "PENDING", "STOPPED"],
    )?;
    crate::records::one_of(
        request.launch_type.as_deref(),
        "launchType",
        berth_model::states::LaunchType::ALL,
    )?;
    let instance = match request.container_instance.as_deref() {
        Some(given) => Some(
            crate::records::find_instance(cluster, given).ok_or_else(|| {
                invalid_parameter(format!(
                    "Container instance {} not found.",
                    last_segment(given)
                ))
            })?,
        ),
        None => None,
    };
    let service_group = request
        .service_name
        .as_deref()
        .map(|s| format!("service:{}", last_segment(s)));
    let arns: Vec<String> = cluster
        .tasks
        .values()
        .filter(|r| r.task.desired_status.as_str() == desired)
        .filter(|r| instance.is_none_or(|i| r.instance == Some(i)))
        .filter(|r| request.family.as_deref().is_none_or(|f| r.family == f))
        .filter(|r| {
            request
                .started_by
                .as_deref()
                .is_none_or(|s| r.task.started_by.as_deref() == Some(s))
        })
        .filter(|r| service_group.as_deref().is_none_or(|g| r.task.group == g))
        .filter(|r| {
            request
                .launch_type
                .as_deref()
                .is_none_or(|l| r.task.launch_type.as_str() == l)
        })
        .map(|r| r.task.task_arn.clone())
        .collect();
    let (arns, next_token) = page(
        &arns,
        request.max_results,
        request.next_token.as_deref(),
        100,
    )?;
    Ok(Response::ListTasks(ListTasksResponse {
        task_arns: Some(arns),
        next_token,
    }))
}
