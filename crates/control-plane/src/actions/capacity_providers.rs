//! DescribeCapacityProviders, PutClusterCapacityProviders, and capacity provider strategies:
//! the FARGATE and FARGATE_SPOT capacity providers every account has, and the Auto Scaling
//! group providers of CreateCapacityProvider (`auto_scaling`).
//!
//! A strategy spreads a call's tasks over its providers: each provider's `base` first, then
//! the rest in proportion to the weights. A RunTask with no launch type and no strategy uses
//! the cluster's default strategy, if it has one. A strategy is all Fargate or all Auto
//! Scaling groups, never a mix.

use serde_json::{json, Value};

use berth_model::resources::{CapacityProviderStrategyItem, Failure};
use berth_model::states::{ServiceStatus, Toggle};
use berth_model::{messages, ApiError, ExceptionType};

use crate::paging::page;
use crate::records::{
    active_cluster, capacity::ClusterProviders, capacity::BUILT_IN, last_segment, ClusterRecord,
    State,
};
use crate::requests::*;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ExceptionType::InvalidParameterException, message)
}

fn document(cp: &State, name: &str) -> Value {
    json!({
        "capacityProviderArn": format!("arn:aws:ecs:{}:{}:capacity-provider/{name}", cp.scope.region, cp.scope.account_id),
        "name": name,
        "status": "ACTIVE",
        "tags": [],
        "type": name,
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
    let fargate = strategy
        .iter()
        .filter(|i| is_fargate(&i.capacity_provider))
        .count();
    if fargate != 0 && fargate != strategy.len() {
        return Err(messages::unconfirmed_error("strategy-mixed", &[]));
    }
    Ok(())
}

/// Whether a provider is Fargate's (else an Auto Scaling group's).
pub(crate) fn is_fargate(name: &str) -> bool {
    BUILT_IN.contains(&name)
}

/// Whether a (checked, non-empty) strategy runs its tasks on Fargate.
pub(crate) fn on_fargate(strategy: &[CapacityProviderStrategyItem]) -> bool {
    strategy.iter().all(|i| is_fargate(&i.capacity_provider))
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

/// How many of `count` new tasks each provider of a strategy gets, given how many each has
/// (`counts`, updated): `(provider, share)` for the providers that get some; without a
/// strategy, all of them on no provider.
pub(crate) fn shares(
    strategy: Option<&[CapacityProviderStrategyItem]>,
    counts: &mut [u64],
    count: u32,
) -> Vec<(Option<String>, u32)> {
    let Some(strategy) = strategy.filter(|s| !s.is_empty()) else {
        return vec![(None, count)];
    };
    let mut shares = vec![0u32; strategy.len()];
    for _ in 0..count {
        let i = next_provider(strategy, counts);
        counts[i] += 1;
        shares[i] += 1;
    }
    strategy
        .iter()
        .zip(shares)
        .filter(|(_, n)| *n > 0)
        .map(|(item, n)| (Some(item.capacity_provider.clone()), n))
        .collect()
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
    /// A cluster's providers, checked: each is Fargate's or an ACTIVE Auto Scaling group
    /// provider (one with managed scaling serves one cluster only), and the default strategy
    /// names only providers of the cluster.
    pub(crate) fn checked(
        cp: &State,
        cluster: &str,
        names: Vec<String>,
        default_strategy: Vec<CapacityProviderStrategyItem>,
    ) -> Result<ClusterProviders, ApiError> {
        for name in &names {
            if is_fargate(name) {
                continue;
            }
            let Some(provider) = cp.capacity_providers.get(name).filter(|p| p.active()) else {
                return Err(messages::unconfirmed_error(
                    "capacity-provider-unknown",
                    &[name],
                ));
            };
            if provider.scaling.status == Toggle::Enabled {
                if let Some(other) = cp
                    .clusters
                    .values()
                    .find(|c| c.active && c.name != cluster && c.providers.names.contains(name))
                {
                    return Err(messages::unconfirmed_error(
                        "capacity-provider-other-cluster",
                        &[name, &other.name],
                    ));
                }
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
    cp: &mut State,
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
