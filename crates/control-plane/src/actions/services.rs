//! CreateService, UpdateService, DeleteService, DescribeServices, ListServices.
//!
//! These change what a service should be; `schedulers` makes it so.

use crate::documents::service_document;
use crate::engine::deployments::deploy;
use crate::engine::launch::{active_task_definition, fargate_compatible, is_fargate_launch_type};
use crate::paging::page;
use crate::records::{
    active_cluster, cluster_name, invalid_parameter, last_segment, ServiceRecord, State,
};
use crate::requests::*;
use berth_model::resources::{DeploymentController, Failure, Service};
use berth_model::states::{
    AvailabilityZoneRebalancing, DeploymentControllerType, LaunchType, PropagateTags,
    SchedulingStrategy, ServiceStatus,
};
use berth_model::{messages, ApiError, ExceptionType, SimTime};

fn service_not_found() -> ApiError {
    ApiError::new(
        ExceptionType::ServiceNotFoundException,
        messages::SERVICE_NOT_FOUND,
    )
}

pub(super) fn create(
    cp: &mut State,
    now: SimTime,
    request: CreateServiceRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let cluster_arn = cluster.arn.clone();
    let name = request.service_name.clone().unwrap_or_default();
    let valid = (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(messages::operation_error("service-name", &[&name]));
    }
    if cluster
        .services
        .get(&name)
        .is_some_and(|s| s.doc.status != ServiceStatus::Inactive)
    {
        return Err(invalid_parameter(messages::SERVICE_NOT_IDEMPOTENT));
    }
    let rebalancing = rebalancing(request.availability_zone_rebalancing.as_deref())?;
    let daemon = match request.scheduling_strategy.as_deref() {
        None | Some("REPLICA") => false,
        Some("DAEMON") => true,
        Some(other) => {
            let path = berth_model::JsonPath::root().key("schedulingStrategy");
            let mut error =
                messages::enum_value(other, &["REPLICA", "DAEMON"], &path).to_api_error();
            error.exception = ExceptionType::InvalidParameterException;
            return Err(error);
        }
    };
    let external = match request.deployment_controller.as_ref().map(|c| &c["type"]) {
        None => false,
        Some(kind) if kind == "ECS" => false,
        Some(kind) if kind == "EXTERNAL" => true,
        Some(kind) => {
            return Err(ApiError::new(
                ExceptionType::UnsupportedFeatureException,
                format!(
                    "Berth runs the ECS and EXTERNAL deployment controllers, not {}.",
                    kind.as_str().unwrap_or("this one")
                ),
            ))
        }
    };
    if external && daemon {
        return Err(invalid_parameter(
            "The daemon scheduling strategy does not support the EXTERNAL deployment controller.",
        ));
    }
    let fargate = is_fargate_launch_type(request.launch_type.as_deref())?;
    // A capacity provider strategy (given, or the cluster's default when no launch type is)
    // puts the service on FARGATE / FARGATE_SPOT capacity.
    let strategy = crate::engine::capacity::strategy_for(
        &cp.clusters[&cluster_name(request.cluster.as_deref())],
        request.launch_type.as_deref(),
        request.capacity_provider_strategy.as_ref(),
    )?
    .unwrap_or_default();
    let fargate =
        fargate || (!strategy.is_empty() && crate::engine::capacity::on_fargate(&strategy));
    if fargate && daemon {
        return Err(messages::operation_error("fargate-daemon", &[]));
    }
    // A DAEMON service's desired count is the number of instances it runs on.
    let desired = match (daemon, request.desired_count) {
        (true, _) => 0,
        (false, None) => return Err(messages::operation_error("service-desired-count", &[])),
        (false, Some(desired)) => desired_count(desired)?,
    };
    // DAEMON defaults: maximumPercent 100 and minimumHealthyPercent 0 (§7.2).
    let deployment_configuration = match (daemon, request.deployment_configuration) {
        (_, Some(configuration)) => configuration,
        (true, None) => berth_model::resources::DeploymentConfiguration {
            maximum_percent: 100,
            minimum_healthy_percent: 0,
            ..Default::default()
        },
        (false, None) => Default::default(),
    };
    // An EXTERNAL service takes its task definitions and networks from its task sets.
    let task_definition = match (external, request.task_definition.as_deref()) {
        (true, None) => String::new(),
        (_, given) => active_task_definition(cp, given)?,
    };
    if fargate && !external {
        if !fargate_compatible(cp, &task_definition) {
            return Err(invalid_parameter(messages::launch_type_unsupported(
                "FARGATE",
            )));
        }
        if request.network_configuration.is_none() {
            return Err(invalid_parameter(messages::NETWORK_CONFIGURATION_REQUIRED));
        }
        crate::engine::launch::FargateNetwork::of(request.network_configuration.as_deref())?;
    }
    // Compile once now so malformed rules are refused here, not at the first placement.
    berth_scheduler::compile_constraints(
        request.placement_constraints.as_deref().unwrap_or(&[]),
        0,
    )?;
    berth_scheduler::compile_strategies(request.placement_strategy.as_deref().unwrap_or(&[]))?;
    let load_balancers = request.load_balancers.clone().unwrap_or_default();
    if let Some(td) = crate::records::resolve(cp, &task_definition) {
        crate::engine::load_balancing::check(
            &cp.target_groups,
            &load_balancers,
            td,
            request.role.as_deref(),
        )?;
    }
    crate::engine::configuration::check(
        &deployment_configuration,
        &crate::engine::configuration::Context {
            daemon,
            external,
            load_balancers: &load_balancers,
            target_groups: &cp.target_groups,
            listener_rules: &cp.listener_rules,
        },
    )?;
    if rebalancing == Some(AvailabilityZoneRebalancing::Enabled)
        && !daemon
        && deployment_configuration.maximum_percent <= 100
    {
        return Err(messages::operation_error(
            "rebalancing-maximum-percent",
            &[],
        ));
    }
    let cluster_name = cluster_name(request.cluster.as_deref());
    let doc = Service {
        load_balancers,
        service_arn: cp.scope.service(&cluster_name, &name),
        service_name: name.clone(),
        cluster_arn,
        status: ServiceStatus::Active,
        desired_count: desired,
        launch_type: match (fargate, strategy.is_empty()) {
            (_, false) => None,
            (true, true) => Some(LaunchType::Fargate),
            (false, true) => Some(LaunchType::Ec2),
        },
        capacity_provider_strategy: strategy,
        platform_version: fargate.then(|| {
            request
                .platform_version
                .clone()
                .unwrap_or_else(|| "LATEST".into())
        }),
        platform_family: fargate.then(|| "Linux".into()),
        network_configuration: request.network_configuration.clone().map(|s| s.0),
        task_definition: task_definition.clone(),
        deployment_configuration,
        created_at: now,
        placement_constraints: request.placement_constraints.unwrap_or_default(),
        placement_strategy: request.placement_strategy.unwrap_or_default(),
        health_check_grace_period_seconds: request
            .health_check_grace_period_seconds
            .map(|s| s.clamp(0, i64::from(u32::MAX)) as u32),
        scheduling_strategy: if daemon {
            SchedulingStrategy::Daemon
        } else {
            SchedulingStrategy::Replica
        },
        deployment_controller: DeploymentController {
            r#type: if external {
                DeploymentControllerType::External
            } else {
                DeploymentControllerType::Ecs
            },
        },
        created_by: cp.scope.root_user(),
        propagate_tags: PropagateTags::None,
        enable_execute_command: request.enable_execute_command.unwrap_or(false),
        tags: request.tags.unwrap_or_default(),
        ..Service::default()
    };
    // Unless told, a new service rebalances if it can (since 2025-06-30).
    let doc = Service {
        availability_zone_rebalancing: Some(rebalancing.unwrap_or(
            if crate::schedulers::rebalance::compatible(&doc) {
                AvailabilityZoneRebalancing::Enabled
            } else {
                AvailabilityZoneRebalancing::Disabled
            },
        )),
        ..doc
    };
    cp.clusters
        .get_mut(&cluster_name)
        .expect("checked above")
        .services
        .insert(
            name.clone(),
            ServiceRecord {
                doc,
                last_problem: None,
                last_completed: None,
                last_completed_network: None,
                start_failures: 0,
                throttled_until: None,
                throttle_level: 0,
                ran: Vec::new(),
                history: Vec::new(),
                hidden: Vec::new(),
                production_alternate: false,
                holds: Vec::new(),
                rebalancing: false,
                service_connect: request.service_connect_configuration.map(|s| s.0),
            },
        );
    if !external {
        deploy(cp, now, &cluster_name, &name, task_definition, None, None);
    }
    crate::schedulers::reconcile(cp, now, &cluster_name, &name);
    Ok(Response::Service(ServiceResponse {
        service: Some(service_document(cp, &cluster_name, &name, false)),
    }))
}

/// ECS's quota of tasks per service.
const MAX_DESIRED_COUNT: i64 = 5000;

/// A valid `desiredCount`: 0 up to the quota.
/// `availabilityZoneRebalancing` as given: ENABLED or DISABLED.
fn rebalancing(given: Option<&str>) -> Result<Option<AvailabilityZoneRebalancing>, ApiError> {
    let Some(given) = given else {
        return Ok(None);
    };
    let value = AvailabilityZoneRebalancing::from_wire(given);
    if value.is_known() {
        return Ok(Some(value));
    }
    let path = berth_model::JsonPath::root().key("availabilityZoneRebalancing");
    let allowed = AvailabilityZoneRebalancing::ALL;
    let mut error = messages::enum_value(given, allowed, &path).to_api_error();
    error.exception = ExceptionType::InvalidParameterException;
    Err(error)
}

fn desired_count(desired: i64) -> Result<u32, ApiError> {
    if !(0..=MAX_DESIRED_COUNT).contains(&desired) {
        return Err(messages::operation_error(
            "desired-count-range",
            &[&desired, &MAX_DESIRED_COUNT],
        ));
    }
    Ok(desired as u32)
}

pub(super) fn update(
    cp: &mut State,
    now: SimTime,
    request: UpdateServiceRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let name = last_segment(request.service.as_deref().unwrap_or("")).to_owned();
    let record = cluster.services.get(&name).ok_or_else(service_not_found)?;
    if record.doc.status != ServiceStatus::Active {
        return Err(ApiError::new(
            ExceptionType::ServiceNotActiveException,
            messages::SERVICE_NOT_ACTIVE,
        ));
    }
    if crate::records::is_external(&record.doc.deployment_controller)
        && (request.task_definition.is_some()
            || request.network_configuration.is_some()
            || request.platform_version.is_some()
            || request.force_new_deployment == Some(true))
    {
        return Err(messages::operation_error(
            "external-service-task-definition",
            &[],
        ));
    }
    let current = record.doc.task_definition.clone();
    let fargate = record.on_fargate();
    let on_strategy = !record.doc.capacity_provider_strategy.is_empty();
    let new_definition = match request.task_definition.as_deref() {
        Some(text) => Some(active_task_definition(cp, Some(text))?),
        None => None,
    };
    if let Some(td) = &new_definition {
        if fargate && !fargate_compatible(cp, td) {
            return Err(invalid_parameter(messages::launch_type_unsupported(
                "FARGATE",
            )));
        }
    }
    if let (true, Some(network)) = (fargate, &request.network_configuration) {
        crate::engine::launch::FargateNetwork::of(Some(network))?;
    }
    if let Some(desired) = request.desired_count {
        desired_count(desired)?;
    }
    let rebalancing = rebalancing(request.availability_zone_rebalancing.as_deref())?;
    // A new strategy applies to the tasks launched from now on (it is no new deployment).
    let new_strategy = match request.capacity_provider_strategy.as_ref() {
        Some(given) if given.as_array().is_some_and(|a| !a.is_empty()) => {
            if !on_strategy {
                return Err(messages::operation_error("service-strategy-switch", &[]));
            }
            crate::engine::capacity::strategy_for(
                &cp.clusters[&cluster_name(request.cluster.as_deref())],
                None,
                Some(given),
            )?
        }
        _ => None,
    };
    if let Some(constraints) = &request.placement_constraints {
        berth_scheduler::compile_constraints(constraints, 0)?;
    }
    if let Some(strategies) = &request.placement_strategy {
        berth_scheduler::compile_strategies(strategies)?;
    }
    // New load balancers are checked against the task definition the service will run.
    let changed_load_balancers = request
        .load_balancers
        .clone()
        .filter(|lbs| *lbs != record_load_balancers(cp, request.cluster.as_deref(), &name));
    // ... as are the load balancers it has, against a new task definition.
    let checked = changed_load_balancers
        .clone()
        .or_else(|| {
            new_definition
                .as_ref()
                .map(|_| record_load_balancers(cp, request.cluster.as_deref(), &name))
        })
        .filter(|lbs| !lbs.is_empty());
    if let Some(lbs) = &checked {
        let td_text = new_definition.clone().unwrap_or_else(|| current.clone());
        if let Some(td) = crate::records::resolve(cp, &td_text) {
            crate::engine::load_balancing::check(&cp.target_groups, lbs, td, None)?;
        }
    }
    // The deployment configuration the service will have, with the load balancers it will
    // have: a strategy that shifts traffic needs its listener rules.
    if request.deployment_configuration.is_some() || changed_load_balancers.is_some() {
        let record = &cp.clusters[&cluster_name(request.cluster.as_deref())].services[&name];
        let configuration = request
            .deployment_configuration
            .as_ref()
            .unwrap_or(&record.doc.deployment_configuration);
        let load_balancers = changed_load_balancers
            .as_deref()
            .unwrap_or(&record.doc.load_balancers);
        crate::engine::configuration::check(
            configuration,
            &crate::engine::configuration::Context {
                daemon: record.doc.scheduling_strategy == SchedulingStrategy::Daemon,
                external: false,
                load_balancers,
                target_groups: &cp.target_groups,
                listener_rules: &cp.listener_rules,
            },
        )?;
    }
    let cluster_name = cluster_name(request.cluster.as_deref());
    // An ENABLED service keeps room for the task a rebalancing starts first.
    let record = &cp.clusters[&cluster_name].services[&name];
    let enabled = rebalancing
        .as_ref()
        .or(record.doc.availability_zone_rebalancing.as_ref())
        == Some(&AvailabilityZoneRebalancing::Enabled);
    let maximum_percent = (request.deployment_configuration.as_ref())
        .map_or(record.doc.deployment_configuration.maximum_percent, |c| {
            c.maximum_percent
        });
    if enabled
        && record.doc.scheduling_strategy == SchedulingStrategy::Replica
        && maximum_percent <= 100
    {
        return Err(messages::operation_error(
            "rebalancing-maximum-percent-update",
            &[],
        ));
    }
    let record = cp.service_mut(&cluster_name, &name).expect("checked above");
    if let Some(desired) = request.desired_count {
        let from = record.doc.desired_count;
        record.doc.desired_count = desired_count(desired)?;
        if let Some(primary) = record.doc.deployments.first_mut() {
            primary.desired_count = record.doc.desired_count;
        }
        // A rolling deployment under way scales out both revisions (since 2025-11-14).
        for (_, held) in &mut record.holds {
            *held = messages::rolling_scale_out(*held, from, record.doc.desired_count);
        }
        record.last_problem = None;
    }
    if let Some(strategy) = new_strategy {
        record.doc.capacity_provider_strategy = strategy;
    }
    // No new deployment: the scheduler looks at the zones again at its next step.
    if let Some(rebalancing) = rebalancing {
        record.doc.availability_zone_rebalancing = Some(rebalancing);
        record.rebalancing = false;
    }
    if let Some(configuration) = request.deployment_configuration {
        record.doc.deployment_configuration = configuration;
    }
    if let Some(constraints) = request.placement_constraints {
        record.doc.placement_constraints = constraints;
    }
    if let Some(strategies) = request.placement_strategy {
        record.doc.placement_strategy = strategies;
    }
    if let Some(service_connect) = request.service_connect_configuration {
        record.service_connect = Some(service_connect.0);
    }
    if let Some(enabled) = request.enable_execute_command {
        // Applies to tasks launched from now on (no new deployment, §7.4).
        record.doc.enable_execute_command = enabled;
    }
    if let Some(grace) = request.health_check_grace_period_seconds {
        record.doc.health_check_grace_period_seconds =
            Some(grace.clamp(0, i64::from(u32::MAX)) as u32);
    }
    // A new network configuration is a new deployment, as a new task definition is (§7.4).
    let changed_network = request
        .network_configuration
        .filter(|network| record.doc.network_configuration.as_ref() != Some(network));
    if let Some(network) = &changed_network {
        record.doc.network_configuration = Some(network.0.clone());
    }
    // New load balancers are a new deployment too: new tasks register in them.
    if let Some(lbs) = &changed_load_balancers {
        record.doc.load_balancers = lbs.clone();
    }
    let changed_definition = new_definition.filter(|td| *td != current);
    if changed_definition.is_some()
        || changed_network.is_some()
        || changed_load_balancers.is_some()
        || request.force_new_deployment == Some(true)
    {
        deploy(
            cp,
            now,
            &cluster_name,
            &name,
            changed_definition.unwrap_or(current),
            None,
            None,
        );
    }
    crate::schedulers::reconcile(cp, now, &cluster_name, &name);
    Ok(Response::Service(ServiceResponse {
        service: Some(service_document(cp, &cluster_name, &name, false)),
    }))
}

/// A service's load balancers as they are.
fn record_load_balancers(
    cp: &State,
    cluster: Option<&str>,
    name: &str,
) -> Vec<berth_model::resources::ServiceLoadBalancer> {
    cp.clusters
        .get(&cluster_name(cluster))
        .and_then(|c| c.services.get(name))
        .map(|s| s.doc.load_balancers.clone())
        .unwrap_or_default()
}

pub(super) fn delete(
    cp: &mut State,
    now: SimTime,
    request: DeleteServiceRequest,
) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    let name = last_segment(request.service.as_deref().unwrap_or("")).to_owned();
    let record = cluster
        .services
        .get_mut(&name)
        .filter(|s| s.doc.status == ServiceStatus::Active)
        .ok_or_else(service_not_found)?;
    // A DAEMON service has no count to scale down first (force only matters for REPLICA).
    if record.doc.desired_count > 0
        && record.doc.scheduling_strategy == SchedulingStrategy::Replica
        && request.force != Some(true)
    {
        return Err(messages::operation_error("service-scaled", &[]));
    }
    record.doc.status = ServiceStatus::Draining;
    record.doc.desired_count = 0;
    crate::engine::deployments::deleted(record, now);
    for deployment in &mut record.doc.deployments {
        deployment.desired_count = 0;
    }
    let cluster_name = cluster_name(request.cluster.as_deref());
    crate::schedulers::reconcile(cp, now, &cluster_name, &name);
    Ok(Response::Service(ServiceResponse {
        service: Some(service_document(cp, &cluster_name, &name, false)),
    }))
}

pub(super) fn describe(
    cp: &mut State,
    request: DescribeServicesRequest,
) -> Result<Response, ApiError> {
    active_cluster(cp, request.cluster.as_deref())?;
    let cluster_name = cluster_name(request.cluster.as_deref());
    let with_tags = request
        .include
        .unwrap_or_default()
        .iter()
        .any(|i| i == "TAGS");
    let mut services = Vec::new();
    let mut failures = Vec::new();
    let wanted = request.services.unwrap_or_default();
    if wanted.is_empty() {
        return Err(messages::operation_error("services-empty", &[]));
    }
    for given in wanted {
        let name = last_segment(&given);
        if cp.clusters[&cluster_name].services.contains_key(name) {
            services.push(service_document(cp, &cluster_name, name, with_tags));
        } else {
            let arn = if given.starts_with("arn:") {
                given.clone()
            } else {
                cp.scope.missing_service(name)
            };
            failures.push(Failure {
                arn: Some(arn),
                reason: Some("MISSING".into()),
                detail: None,
            });
        }
    }
    Ok(Response::DescribeServices(DescribeServicesResponse {
        services: Some(services),
        failures: Some(failures),
    }))
}

pub(super) fn list(cp: &mut State, request: ListServicesRequest) -> Result<Response, ApiError> {
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    crate::records::one_of(
        request.launch_type.as_deref(),
        "launchType",
        berth_model::states::LaunchType::ALL,
    )?;
    crate::records::one_of(
        request.scheduling_strategy.as_deref(),
        "schedulingStrategy",
        berth_model::states::SchedulingStrategy::ALL,
    )?;
    let arns: Vec<String> = cluster
        .services
        .values()
        .filter(|s| s.doc.status == ServiceStatus::Active)
        .filter(|s| {
            request
                .launch_type
                .as_deref()
                .is_none_or(|l| s.doc.launch_type.as_ref().is_some_and(|t| t.as_str() == l))
        })
        .filter(|s| {
            request
                .scheduling_strategy
                .as_deref()
                .is_none_or(|l| s.doc.scheduling_strategy.as_str() == l)
        })
        .map(|s| s.doc.service_arn.clone())
        .collect();
    let (arns, next_token) = page(
        &arns,
        request.max_results,
        request.next_token.as_deref(),
        10,
    )?;
    Ok(Response::ListServices(ListServicesResponse {
        service_arns: Some(arns),
        next_token,
    }))
}

/// ListServicesByNamespace: the ACTIVE services, in every cluster, that use a Service Connect
/// namespace (their own `serviceConnectConfiguration.namespace`, or their cluster's
/// `serviceConnectDefaults` when Service Connect is enabled without one). A namespace is
/// known when a cluster's defaults or a service names it.
pub(super) fn list_by_namespace(
    cp: &mut State,
    request: ListServicesByNamespaceRequest,
) -> Result<Response, ApiError> {
    let wanted = request.namespace.unwrap_or_default();
    let same = |value: &serde_json::Value| {
        value.as_str().is_some_and(|given| {
            given == wanted || last_segment(given) == wanted || given == last_segment(&wanted)
        })
    };
    let mut known = false;
    let mut arns = Vec::new();
    for cluster in cp.clusters.values().filter(|c| c.active) {
        let default = cluster
            .service_connect_defaults
            .as_ref()
            .map(|d| d["namespace"].clone());
        known |= default.as_ref().is_some_and(same);
        for service in cluster.services.values() {
            let Some(config) = &service.service_connect else {
                continue;
            };
            let namespace = match &config["namespace"] {
                serde_json::Value::Null => default.clone().unwrap_or_default(),
                given => given.clone(),
            };
            if !same(&namespace) {
                continue;
            }
            known = true;
            if service.doc.status == ServiceStatus::Active && config["enabled"] != false {
                arns.push(service.doc.service_arn.clone());
            }
        }
    }
    if !known {
        return Err(messages::operation_error("namespace-not-found", &[]));
    }
    let (arns, next_token) = page(
        &arns,
        request.max_results,
        request.next_token.as_deref(),
        10,
    )?;
    Ok(Response::ListServicesByNamespace(
        ListServicesByNamespaceResponse {
            service_arns: Some(arns),
            next_token,
        },
    ))
}
