//! DescribeCapacityProviders, PutClusterCapacityProviders, and capacity provider strategies:
//! the FARGATE and FARGATE_SPOT capacity providers every account has, and the Auto Scaling
//! group providers of CreateCapacityProvider (`auto_scaling`).
//!
//! A strategy spreads a call's tasks over its providers: each provider's `base` first, then
//! the rest in proportion to the weights. A RunTask with no launch type and no strategy uses
//! the cluster's default strategy, if it has one. A strategy is all Fargate or all Auto
//! Scaling groups, never a mix.

use crate::paging::page;
use crate::records::capacity::{ClusterProviders, BUILT_IN};
use crate::records::{active_cluster, last_segment, State};
use crate::requests::*;
use berth_model::resources::Failure;
use berth_model::states::ServiceStatus;
use berth_model::{messages, ApiError};
use serde_json::{json, Value};

fn document(cp: &State, name: &str) -> Value {
    json!({
        "capacityProviderArn": format!("arn:aws:ecs:{}:{}:capacity-provider/{name}", cp.scope.region, cp.scope.account_id),
        "name": name,
        "status": "ACTIVE",
        "tags": [],
        "type": name,
    })
}

pub(super) fn describe(
    cp: &mut State,
    request: DescribeCapacityProvidersRequest,
) -> Result<Response, ApiError> {
    let wanted = request
        .capacity_providers
        .clone()
        .unwrap_or_else(|| BUILT_IN.iter().map(|n| (*n).to_owned()).collect());
    let with_tags = request
        .include
        .as_ref()
        .is_some_and(|i| i.iter().any(|x| x == "TAGS"));
    let wanted = if request.capacity_providers.is_none() {
        // Everything ACTIVE: the account's own providers after Fargate's.
        let mut all = wanted;
        all.extend(
            cp.capacity_providers
                .values()
                .filter(|p| p.active())
                .map(|p| p.name.clone()),
        );
        all
    } else {
        wanted
    };
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for given in wanted {
        let name = last_segment(&given);
        if BUILT_IN.contains(&name) {
            found.push(document(cp, name));
        } else if let Some(provider) = cp.capacity_providers.get(name) {
            found.push(provider.document(with_tags));
        } else {
            failures.push(Failure {
                arn: Some(given.clone()),
                reason: Some("MISSING".into()),
                detail: None,
            });
        }
    }
    if request.max_results.is_some_and(|n| !(1..=10).contains(&n)) {
        return Err(messages::operation_error(
            "capacity-providers-max-results",
            &[],
        ));
    }
    let (providers, next_token) = page(
        &found,
        request.max_results,
        request.next_token.as_deref(),
        10,
    )?;
    Ok(Response::CapacityProviders(CapacityProvidersResponse {
        capacity_providers: Some(providers),
        failures: Some(failures),
        next_token,
    }))
}

pub(super) fn put_cluster(
    cp: &mut State,
    request: PutClusterCapacityProvidersRequest,
) -> Result<Response, ApiError> {
    let (Some(names), Some(strategy)) = (
        request.capacity_providers,
        request.default_capacity_provider_strategy,
    ) else {
        return Err(messages::operation_error(
            "capacity-providers-required",
            &[],
        ));
    };
    let cluster_name = active_cluster(cp, request.cluster.as_deref())?.name.clone();
    let providers = ClusterProviders::checked(cp, &cluster_name, names, strategy)?;
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    // A provider a service runs on stays.
    for service in cluster
        .services
        .values()
        .filter(|s| s.doc.status != ServiceStatus::Inactive)
    {
        for item in &service.doc.capacity_provider_strategy {
            if !providers.names.contains(&item.capacity_provider) {
                return Err(messages::operation_error(
                    "capacity-provider-in-use",
                    &[&item.capacity_provider],
                ));
            }
        }
    }
    cluster.providers = providers;
    let document = crate::documents::cluster_document(cluster, &[]);
    Ok(Response::Cluster(ClusterResponse {
        cluster: Some(document),
    }))
}
