//! Auto Scaling group capacity providers (CreateCapacityProvider, UpdateCapacityProvider,
//! DeleteCapacityProvider) and cluster auto scaling (managed scaling, §9.1).
//!
//! A capacity provider names an Auto Scaling group. Instances the group launches after the
//! provider exists belong to it (`capacityProviderName`), and a strategy's share for the
//! provider is placed on them only. When none can take a task and the provider has managed
//! scaling, the task waits in PROVISIONING instead of failing, and once a minute ECS works
//! out how many instances the provider needs:
//!
//! - M = instances running a task (DAEMON services' tasks aside) + instances the waiting
//!   tasks need (their CPU and memory
//!   binpacked onto instances the size of the provider's largest), or 2 when it has none
//!   yet (ECS scales an empty group out to 200%);
//! - CapacityProviderReservation = M / N × 100 for N instances, and the group's desired
//!   capacity is ceil(M × 100 / targetCapacity);
//! - it scales out by at least minimumScalingStepSize and at most maximumScalingStepSize
//!   instances, and not again within instanceWarmupPeriod; it scales in only after the
//!   metric has stayed below target for 15 minutes, and with managed termination protection
//!   never takes an instance that runs a task (a DAEMON service's tasks aside: they run
//!   everywhere).
//!
//! The group itself is EC2 Auto Scaling's, which Berth's virtual fleet plays: the control
//! plane hands it a [`ScalingRequest`] (where ECS would publish the metric for the group's
//! target-tracking policy) and the fleet launches or terminates instances.

use crate::engine::capacity::group_name;
use crate::records::capacity::{AsgProvider, ManagedScaling};
use crate::records::{invalid_parameter, last_segment, State};
use crate::requests::*;
use berth_model::states::{CapacityProviderStatus, CapacityProviderUpdateStatus};
use berth_model::{messages, ApiError};
use serde_json::Value;

fn on_off(given: Option<&str>, default: bool, key: &str) -> Result<bool, ApiError> {
    match given {
        None => Ok(default),
        Some("ENABLED") => Ok(true),
        Some("DISABLED") => Ok(false),
        Some(other) => Err(messages::operation_error(key, &[&other])),
    }
}

fn group_provider(value: Option<&Value>) -> Result<AutoScalingGroupProviderInput, ApiError> {
    match value {
        None => Err(messages::operation_error("asg-provider-required", &[])),
        Some(value) => serde_json::from_value(value.clone()).map_err(|e| {
            invalid_parameter(e.to_string().replace("unknown field", "Unknown parameter"))
        }),
    }
}

pub(super) fn create(
    cp: &mut State,
    request: CreateCapacityProviderRequest,
) -> Result<Response, ApiError> {
    let name = request.name.unwrap_or_default();
    if name.is_empty()
        || name.len() > 255
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(messages::operation_error("capacity-provider-name", &[]));
    }
    let lower = name.to_ascii_lowercase();
    if ["aws", "ecs", "fargate"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Err(messages::operation_error(
            "capacity-provider-name-prefix",
            &[],
        ));
    }
    if request.managed_instances_provider.is_some() {
        return Err(messages::operation_error("managed-instances", &[]));
    }
    let given = group_provider(request.auto_scaling_group_provider.as_deref())?;
    let group = given
        .auto_scaling_group_arn
        .filter(|a| !a.is_empty())
        .ok_or_else(|| messages::operation_error("asg-arn-required", &[]))?;
    if cp.capacity_providers.contains_key(&name) {
        return Err(messages::operation_error("capacity-provider-exists", &[]));
    }
    let asg_arn = if group.starts_with("arn:") {
        if !group.contains(":autoScalingGroupName/") {
            return Err(messages::operation_error("asg-arn-invalid", &[&group]));
        }
        group
    } else {
        let id = cp.new_id();
        let id = id.as_str();
        format!(
            "arn:aws:autoscaling:{}:{}:autoScalingGroup:{}-{}-{}-{}-{}:autoScalingGroupName/{group}",
            cp.scope.region,
            cp.scope.account_id,
            &id[..8],
            &id[8..12],
            &id[12..16],
            &id[16..20],
            &id[20..32]
        )
    };
    if let Some(other) = cp
        .capacity_providers
        .values()
        .find(|p| p.active() && group_name(&p.asg_arn) == group_name(&asg_arn))
    {
        return Err(messages::operation_error("asg-in-use", &[&other.name]));
    }
    let scaling = ManagedScaling::default().merged(given.managed_scaling.as_deref())?;
    let termination_protection = on_off(
        given.managed_termination_protection.as_deref(),
        false,
        "enabled-disabled",
    )?;
    if termination_protection && !scaling.enabled() {
        return Err(messages::operation_error(
            "termination-protection-needs-scaling",
            &[],
        ));
    }
    let draining = on_off(given.managed_draining.as_deref(), true, "enabled-disabled")?;
    let tags = request.tags.unwrap_or_default();
    crate::records::check_tags(&tags)?;
    let provider = AsgProvider {
        arn: format!(
            "arn:aws:ecs:{}:{}:capacity-provider/{name}",
            cp.scope.region, cp.scope.account_id
        ),
        name: name.clone(),
        status: CapacityProviderStatus::Active,
        update_status: CapacityProviderUpdateStatus::CreateComplete,
        asg_arn,
        scaling,
        termination_protection,
        draining,
        tags,
        scaled_out_at: None,
        surplus_since: None,
        desired: None,
    };
    let document = provider.document(true);
    cp.capacity_providers.insert(name, provider);
    Ok(Response::CapacityProvider(CapacityProviderResponse {
        capacity_provider: Some(document),
    }))
}

/// The ACTIVE Auto Scaling group provider a name or ARN names.
fn active_provider<'c>(
    cp: &'c mut State,
    given: &str,
) -> Result<&'c mut crate::records::capacity::AsgProvider, ApiError> {
    let name = last_segment(given);
    if crate::records::capacity::BUILT_IN.contains(&name) {
        return Err(messages::operation_error("capacity-provider-reserved", &[]));
    }
    cp.capacity_providers
        .get_mut(name)
        .filter(|p| p.active())
        .ok_or_else(|| messages::operation_error("capacity-provider-missing", &[]))
}

pub(super) fn update(
    cp: &mut State,
    request: UpdateCapacityProviderRequest,
) -> Result<Response, ApiError> {
    if request.managed_instances_provider.is_some() {
        return Err(messages::operation_error("managed-instances", &[]));
    }
    let given = group_provider(request.auto_scaling_group_provider.as_deref())?;
    let provider = active_provider(cp, request.name.as_deref().unwrap_or(""))?;
    if given.auto_scaling_group_arn.is_some() {
        return Err(messages::operation_error("asg-arn-fixed", &[]));
    }
    let scaling = provider.scaling.merged(given.managed_scaling.as_deref())?;
    let name = provider.name.clone();
    // Managed scaling serves one cluster: it cannot be turned on for a provider in several.
    let clusters: Vec<String> = cp
        .clusters
        .values()
        .filter(|c| c.active && c.providers.names.contains(&name))
        .map(|c| c.name.clone())
        .collect();
    if scaling.enabled() && clusters.len() > 1 {
        return Err(messages::operation_error(
            "capacity-provider-other-cluster",
            &[&name, &clusters[1]],
        ));
    }
    let provider = cp.capacity_providers.get_mut(&name).expect("found above");
    let termination_protection = on_off(
        given.managed_termination_protection.as_deref(),
        provider.termination_protection,
        "enabled-disabled",
    )?;
    if termination_protection && !scaling.enabled() {
        return Err(messages::operation_error(
            "termination-protection-needs-scaling",
            &[],
        ));
    }
    provider.draining = on_off(
        given.managed_draining.as_deref(),
        provider.draining,
        "enabled-disabled",
    )?;
    provider.scaling = scaling;
    provider.termination_protection = termination_protection;
    provider.update_status = CapacityProviderUpdateStatus::UpdateComplete;
    Ok(Response::CapacityProvider(CapacityProviderResponse {
        capacity_provider: Some(provider.document(true)),
    }))
}

pub(super) fn delete(
    cp: &mut State,
    request: DeleteCapacityProviderRequest,
) -> Result<Response, ApiError> {
    let given = request.capacity_provider.unwrap_or_default();
    let name = active_provider(cp, &given)?.name.clone();
    if cp
        .clusters
        .values()
        .any(|c| c.active && c.providers.names.contains(&name))
    {
        return Err(messages::operation_error(
            "capacity-provider-associated",
            &[],
        ));
    }
    let provider = cp.capacity_providers.get_mut(&name).expect("found above");
    provider.status = CapacityProviderStatus::Inactive;
    provider.update_status = CapacityProviderUpdateStatus::DeleteComplete;
    let mut document = provider.document(true);
    // The call answers while the deletion is under way (§9).
    document["status"] = "ACTIVE".into();
    document["updateStatus"] = "DELETE_IN_PROGRESS".into();
    Ok(Response::CapacityProvider(CapacityProviderResponse {
        capacity_provider: Some(document),
    }))
}
