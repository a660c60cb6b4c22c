//! CreateCluster, DescribeClusters, ListClusters, UpdateCluster, UpdateClusterSettings,
//! DeleteCluster.

use berth_model::resources::{Cluster, Failure};
use berth_model::states::{ClusterStatus, ServiceStatus, TaskStatus};
use berth_model::task_definition::KeyValuePair;
use berth_model::{messages, ApiError, ExceptionType};
use berth_scheduler::InstanceStatus;

use crate::paging::page;
use crate::records::{cluster_name, cluster_not_found, ClusterRecord, State};
use crate::requests::*;

fn valid_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The cluster as DescribeClusters shows it.
pub(crate) fn document(record: &ClusterRecord, include: &[String]) -> Cluster {
    let registered = record
        .fleet
        .instances()
        .iter()
        .filter(|i| matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining))
        .count() as u32;
    let count = |status: TaskStatus| {
        record
            .tasks
            .values()
            .filter(|t| t.task.last_status == status)
            .count() as u32
    };
    // Statistics split by launch type: Fargate ones, and the rest (EC2, EXTERNAL).
    let tasks_of = |status: TaskStatus, fargate: bool| {
        record
            .tasks
            .values()
            .filter(|t| t.task.last_status == status && (t.instance.is_none() == fargate))
            .count() as u32
    };
    let services_of = |status: ServiceStatus, fargate: bool| {
        record
            .services
            .values()
            .filter(|s| s.doc.status == status && s.on_fargate() == fargate)
            .count() as u32
    };
    let wants = |what: &str| include.iter().any(|i| i == what);
    let active_services = record
        .services
        .values()
        .filter(|s| s.doc.status == ServiceStatus::Active)
        .count() as u32;
    let statistics = if wants("STATISTICS") {
        [
            ("runningEC2TasksCount", tasks_of(TaskStatus::Running, false)),
            ("pendingEC2TasksCount", tasks_of(TaskStatus::Pending, false)),
            (
                "runningFargateTasksCount",
                tasks_of(TaskStatus::Running, true),
            ),
            (
                "pendingFargateTasksCount",
                tasks_of(TaskStatus::Pending, true),
            ),
            (
                "activeEC2ServiceCount",
                services_of(ServiceStatus::Active, false),
            ),
            (
                "activeFargateServiceCount",
                services_of(ServiceStatus::Active, true),
            ),
            (
                "drainingEC2ServiceCount",
                services_of(ServiceStatus::Draining, false),
            ),
            (
                "drainingFargateServiceCount",
                services_of(ServiceStatus::Draining, true),
            ),
        ]
        .into_iter()
        .map(|(name, value)| KeyValuePair {
            name: Some(name.into()),
            value: Some(value.to_string()),
        })
        .collect()
    } else {
        Vec::new()
    };
    Cluster {
        cluster_arn: record.arn.clone(),
        cluster_name: record.name.clone(),
        status: if record.active {
            ClusterStatus::Active
        } else {
            ClusterStatus::Inactive
        },
        registered_container_instances_count: registered,
        running_tasks_count: count(TaskStatus::Running),
        pending_tasks_count: count(TaskStatus::Pending),
        active_services_count: active_services,
        statistics,
        tags: if wants("TAGS") {
            record.tags.clone()
        } else {
            Vec::new()
        },
        settings: if wants("SETTINGS") {
            record.settings.clone()
        } else {
            Vec::new()
        },
        configuration: record
            .configuration
            .clone()
            .filter(|_| wants("CONFIGURATIONS")),
        capacity_providers: record.providers.names.clone(),
        default_capacity_provider_strategy: record.providers.default_strategy.clone(),
        service_connect_defaults: record.service_connect_defaults.clone(),
    }
}

/// Settings as ECS keeps them: each name once, a later value replacing an earlier one.
/// `containerInsights` is the only cluster setting, with the values ECS accepts.
fn merge_settings(
    current: &mut Vec<KeyValuePair>,
    given: Vec<KeyValuePair>,
) -> Result<(), ApiError> {
    for setting in given {
        let name = setting.name.as_deref().unwrap_or("");
        let value = setting.value.as_deref().unwrap_or("");
        if name != "containerInsights" {
            return Err(messages::unconfirmed_error(
                "cluster-setting-name",
                &[&name],
            ));
        }
        if !["enabled", "disabled", "enhanced"].contains(&value) {
            return Err(messages::unconfirmed_error(
                "cluster-setting-value",
                &[&value],
            ));
        }
        match current.iter_mut().find(|s| s.name == setting.name) {
            Some(existing) => existing.value = setting.value,
            None => current.push(setting),
        }
    }
    Ok(())
}

pub(super) fn create(cp: &mut State, request: CreateClusterRequest) -> Result<Response, ApiError> {
    let name = request.cluster_name.unwrap_or_else(|| "default".into());
    if !valid_name(&name) {
        return Err(ApiError::new(
            ExceptionType::InvalidParameterException,
            messages::cluster_name_invalid(&name),
        ));
    }
    let tags = request.tags.unwrap_or_default();
    super::tags::check(&tags)?;
    // A new cluster's Container Insights follows the account setting.
    let insights = cp
        .account_settings
        .effective(&cp.scope.root_user(), "containerInsights");
    let mut settings = vec![KeyValuePair {
        name: Some("containerInsights".into()),
        value: Some(insights),
    }];
    merge_settings(&mut settings, request.settings.unwrap_or_default())?;
    let provider_names = request.capacity_providers.unwrap_or_default();
    let strategy: Vec<berth_model::resources::CapacityProviderStrategyItem> =
        match request.default_capacity_provider_strategy {
            Some(value) => serde_json::from_value(value).map_err(|error| {
                ApiError::new(ExceptionType::SerializationException, error.to_string())
            })?,
            None => Vec::new(),
        };
    let arn = cp.scope.cluster(&name);
    let providers =
        crate::records::capacity::ClusterProviders::checked(cp, &name, provider_names, strategy)?;
    let existing_active = cp.clusters.get(&name).is_some_and(|c| c.active);
    if !existing_active {
        // A deleted cluster's name can be used again: it is a new cluster.
        cp.clusters.insert(
            name.clone(),
            ClusterRecord {
                arn,
                name: name.clone(),
                active: true,
                tags,
                settings,
                configuration: request.configuration,
                providers,
                fleet: Default::default(),
                instances: Vec::new(),
                tasks: Default::default(),
                services: Default::default(),
                service_tasks: Default::default(),
                service_connect_defaults: request.service_connect_defaults,
                waiting: Vec::new(),
            },
        );
    }
    let record = &cp.clusters[&name];
    Ok(Response::Cluster(ClusterResponse {
        cluster: Some(document(record, &["SETTINGS".into(), "TAGS".into()])),
    }))
}

pub(super) fn describe(
    cp: &mut State,
    request: DescribeClustersRequest,
) -> Result<Response, ApiError> {
    let include = request.include.unwrap_or_default();
    let names = request.clusters.unwrap_or_else(|| vec!["default".into()]);
    let mut clusters = Vec::new();
    let mut failures = Vec::new();
    for given in names {
        let name = cluster_name(Some(&given));
        match cp.clusters.get(&name) {
            Some(record) => clusters.push(document(record, &include)),
            None => failures.push(Failure {
                arn: Some(if given.starts_with("arn:") {
                    given
                } else {
                    cp.scope.cluster(&name)
                }),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(Response::DescribeClusters(DescribeClustersResponse {
        clusters: Some(clusters),
        failures: Some(failures),
    }))
}

pub(super) fn list(cp: &mut State, request: ListClustersRequest) -> Result<Response, ApiError> {
    let arns: Vec<String> = cp
        .clusters
        .values()
        .filter(|c| c.active)
        .map(|c| c.arn.clone())
        .collect();
    let (arns, next_token) = page(
        &arns,
        request.max_results,
        request.next_token.as_deref(),
        100,
    )?;
    Ok(Response::ListClusters(ListClustersResponse {
        cluster_arns: Some(arns),
        next_token,
    }))
}

/// UpdateCluster and UpdateClusterSettings: settings merge by name; a configuration given
/// replaces the one held.
pub(super) fn update(
    cp: &mut State,
    cluster: Option<&str>,
    settings: Option<Vec<KeyValuePair>>,
    configuration: Option<serde_json::Value>,
    service_connect_defaults: Option<serde_json::Value>,
) -> Result<Response, ApiError> {
    let record = crate::records::active_cluster(cp, cluster)?;
    if service_connect_defaults.is_some() {
        record.service_connect_defaults = service_connect_defaults;
    }
    let mut merged = record.settings.clone();
    merge_settings(&mut merged, settings.unwrap_or_default())?;
    record.settings = merged;
    if configuration.is_some() {
        record.configuration = configuration;
    }
    Ok(Response::Cluster(ClusterResponse {
        cluster: Some(document(
            record,
            &["SETTINGS".into(), "CONFIGURATIONS".into()],
        )),
    }))
}

pub(super) fn delete(cp: &mut State, request: DeleteClusterRequest) -> Result<Response, ApiError> {
    let name = cluster_name(request.cluster.as_deref());
    let record = cp
        .clusters
        .get_mut(&name)
        .filter(|c| c.active)
        .ok_or_else(cluster_not_found)?;
    let registered = record
        .fleet
        .instances()
        .iter()
        .any(|i| matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining));
    if registered {
        return Err(ApiError::new(
            ExceptionType::ClusterContainsContainerInstancesException,
            messages::CLUSTER_HAS_INSTANCES,
        ));
    }
    if record
        .services
        .values()
        .any(|s| s.doc.status == ServiceStatus::Active || s.doc.status == ServiceStatus::Draining)
    {
        return Err(ApiError::new(
            ExceptionType::ClusterContainsServicesException,
            messages::CLUSTER_HAS_SERVICES,
        ));
    }
    if record
        .tasks
        .values()
        .any(|t| t.task.last_status != TaskStatus::Stopped)
    {
        return Err(ApiError::new(
            ExceptionType::ClusterContainsTasksException,
            messages::CLUSTER_HAS_TASKS,
        ));
    }
    record.active = false;
    Ok(Response::Cluster(ClusterResponse {
        cluster: Some(document(record, &[])),
    }))
}
