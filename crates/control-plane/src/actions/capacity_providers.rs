//! DescribeCapacityProviders, PutClusterCapacityProviders, and capacity provider strategies
//! for RunTask: the FARGATE and FARGATE_SPOT capacity providers every account has.
//!
//! A strategy spreads a call's tasks over its providers: each provider's `base` first, then
//! the rest in proportion to the weights. A RunTask with no launch type and no strategy uses
//! the cluster's default strategy, if it has one. Auto Scaling group capacity providers
//! (CreateCapacityProvider) need EC2 Auto Scaling, which Berth does not simulate.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use berth_model::resources::{CapacityProviderStrategyItem, Failure};
use berth_model::{messages, ApiError, ExceptionType};

use super::{active_cluster, last_segment};
use crate::paging::page;
use crate::requests::*;
use crate::state::ClusterRecord;
use crate::ControlPlane;

/// The capacity providers every account has.
pub(crate) const BUILT_IN: [&str; 2] = ["FARGATE", "FARGATE_SPOT"];

/// A cluster's capacity providers and default strategy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ClusterProviders {
    pub(crate) names: Vec<String>,
    pub(crate) default_strategy: Vec<CapacityProviderStrategyItem>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ExceptionType::InvalidParameterException, message)
}

fn document(cp: &ControlPlane, name: &str) -> Value {
    json!({
        "capacityProviderArn": format!("arn:aws:ecs:{}:{}:capacity-provider/{name}", cp.scope.region, cp.scope.account_id),
        "name": name,
        "status": "ACTIVE",
        "tags": [],
    })
}

/// A strategy checked against ECS's rules and the cluster's providers.
fn check_strategy(
    providers: &[String],
    strategy: &[CapacityProviderStrategyItem],
) -> Result<(), ApiError> {
    if strategy.len() > 20 {
        return Err(messages::unconfirmed_error("strategy-too-long", &[]));
    }
    for item in strategy {
        if !providers.contains(&item.capacity_provider) {
            return Err(messages::unconfirmed_error(
                "strategy-provider-not-associated",
                &[],
            ));
        }
        if !(0..=1000).contains(&item.weight.unwrap_or(0))
            || !(0..=100_000).contains(&item.base.unwrap_or(0))
        {
            return Err(messages::unconfirmed_error("strategy-weight-base", &[]));
        }
    }
    if strategy.iter().filter(|i| i.base.unwrap_or(0) > 0).count() > 1 {
        return Err(messages::unconfirmed_error("strategy-one-base", &[]));
    }
    if !strategy.is_empty() && strategy.iter().all(|i| i.weight.unwrap_or(0) == 0) {
        return Err(messages::unconfirmed_error("strategy-weights-zero", &[]));
    }
    Ok(())
}

/// The strategy a RunTask uses: the one given, else (without a launch type) the cluster's
/// default; `None` for the EC2 path. Refuses both a launch type and a strategy.
pub(crate) fn strategy_for(
    cluster: &ClusterRecord,
    launch_type: Option<&str>,
    given: Option<&Value>,
) -> Result<Option<Vec<CapacityProviderStrategyItem>>, ApiError> {
    let given: Vec<CapacityProviderStrategyItem> = match given {
        Some(value) => serde_json::from_value(value.clone()).map_err(|error| {
            ApiError::new(ExceptionType::SerializationException, error.to_string())
        })?,
        None => Vec::new(),
    };
    if launch_type.is_some() && !given.is_empty() {
        return Err(invalid(messages::LAUNCH_TYPE_AND_STRATEGY));
    }
    let strategy = if !given.is_empty() {
        given
    } else if launch_type.is_none() {
        cluster.providers.default_strategy.clone()
    } else {
        Vec::new()
    };
    if strategy.is_empty() {
        return Ok(None);
    }
    check_strategy(&cluster.providers.names, &strategy)?;
    Ok(Some(strategy))
}

/// Which provider the next task goes to, given how many of this call each already has:
/// the base first, then whichever is furthest below its share of the weights.
pub(crate) fn next_provider(strategy: &[CapacityProviderStrategyItem], counts: &[u64]) -> usize {
    if let Some(i) = (0..strategy.len()).find(|&i| counts[i] < strategy[i].base.unwrap_or(0) as u64)
    {
        return i;
    }
    let based: Vec<u64> = strategy
        .iter()
        .zip(counts)
        .map(|(item, n)| n.saturating_sub(item.base.unwrap_or(0) as u64))
        .collect();
    (0..strategy.len())
        .filter(|&i| strategy[i].weight.unwrap_or(0) > 0)
        // Fewest tasks per unit of weight; the first listed on a tie.
        .min_by(|&a, &b| {
            let (wa, wb) = (
                strategy[a].weight.unwrap_or(0) as u64,
                strategy[b].weight.unwrap_or(0) as u64,
            );
            (based[a] * wb).cmp(&(based[b] * wa)).then(a.cmp(&b))
        })
        .unwrap_or(0)
}

pub(super) fn describe(
    cp: &mut ControlPlane,
    request: DescribeCapacityProvidersRequest,
) -> Result<Response, ApiError> {
    let wanted = request
        .capacity_providers
        .unwrap_or_else(|| BUILT_IN.iter().map(|n| (*n).to_owned()).collect());
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for given in wanted {
        let name = last_segment(&given);
        if BUILT_IN.contains(&name) {
            found.push(document(cp, name));
        } else {
            failures.push(Failure {
                arn: Some(given.clone()),
                reason: Some("MISSING".into()),
                detail: None,
            });
        }
    }
    if request.max_results.is_some_and(|n| !(1..=10).contains(&n)) {
        return Err(messages::unconfirmed_error(
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

impl ClusterProviders {
    /// A cluster's providers, checked: only the built-in ones exist, and the default
    /// strategy names only providers of the cluster.
    pub(crate) fn checked(
        names: Vec<String>,
        default_strategy: Vec<CapacityProviderStrategyItem>,
    ) -> Result<ClusterProviders, ApiError> {
        for name in &names {
            if !BUILT_IN.contains(&name.as_str()) {
                return Err(messages::unconfirmed_error(
                    "capacity-provider-unknown",
                    &[name],
                ));
            }
        }
        check_strategy(&names, &default_strategy)?;
        Ok(ClusterProviders {
            names,
            default_strategy,
        })
    }
}

pub(super) fn put_cluster(
    cp: &mut ControlPlane,
    request: PutClusterCapacityProvidersRequest,
) -> Result<Response, ApiError> {
    let (Some(names), Some(strategy)) = (
        request.capacity_providers,
        request.default_capacity_provider_strategy,
    ) else {
        return Err(messages::unconfirmed_error(
            "capacity-providers-required",
            &[],
        ));
    };
    let providers = ClusterProviders::checked(names, strategy)?;
    let cluster = active_cluster(cp, request.cluster.as_deref())?;
    // A provider a service runs on stays.
    for service in cluster
        .services
        .values()
        .filter(|s| s.doc.status != "INACTIVE")
    {
        for item in &service.doc.capacity_provider_strategy {
            if !providers.names.contains(&item.capacity_provider) {
                return Err(messages::unconfirmed_error(
                    "capacity-provider-in-use",
                    &[&item.capacity_provider],
                ));
            }
        }
    }
    cluster.providers = providers;
    let document = super::clusters::document(cluster, &[]);
    Ok(Response::Cluster(ClusterResponse {
        cluster: Some(document),
    }))
}
