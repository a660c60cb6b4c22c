//! CreateCluster, DescribeClusters, ListClusters, UpdateCluster, UpdateClusterSettings,
//! DeleteCluster.

use crate::documents::cluster_document;
use crate::paging::page;
use crate::records::{cluster_name, cluster_not_found, ClusterRecord, State};
use crate::requests::*;
use berth_model::resources::Failure;
use berth_model::states::{ServiceStatus, TaskStatus};
use berth_model::task_definition::KeyValuePair;
use berth_model::{messages, ApiError, ExceptionType};
use berth_scheduler::InstanceStatus;

fn valid_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
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
            return Err(messages::operation_error("cluster-setting-name", &[&name]));
        }
        if !["enabled", "disabled", "enhanced"].contains(&value) {
            return Err(messages::operation_error(
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
    crate::records::check_tags(&tags)?;
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
                configuration: request.configuration.map(|s| s.0),
                providers,
                fleet: Default::default(),
                instances: Vec::new(),
                tasks: Default::default(),
                services: Default::default(),
                service_tasks: Default::default(),
                service_connect_defaults: request.service_connect_defaults.map(|s| s.0),
                waiting: Vec::new(),
            },
        );
    }
    let record = &cp.clusters[&name];
    Ok(Response::Cluster(ClusterResponse {
        cluster: Some(cluster_document(
            record,
            &["SETTINGS".into(), "TAGS".into()],
        )),
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
            Some(record) => clusters.push(cluster_document(record, &include)),
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
        cluster: Some(cluster_document(
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
        cluster: Some(cluster_document(record, &[])),
    }))
}
