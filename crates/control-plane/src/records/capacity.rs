//! Capacity providers' records: a cluster's providers and default strategy, Auto Scaling
//! group providers with their managed scaling, and what managed scaling asks of a group.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use berth_model::resources::CapacityProviderStrategyItem;
use berth_model::states::{CapacityProviderStatus, CapacityProviderUpdateStatus, Toggle};
use berth_model::task_definition::Tag;
use berth_model::{messages, ApiError, ExceptionType, SimTime};

use crate::requests::*;

/// What managed scaling asks of an Auto Scaling group (§9.1): its new desired capacity, and
/// the instances a scale-in must not take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingRequest {
    /// The cluster the provider serves (where the group's instances register).
    pub cluster: String,
    /// The capacity provider.
    pub capacity_provider: String,
    /// The group.
    pub auto_scaling_group_arn: String,
    /// How many instances the group should have.
    pub desired_capacity: u32,
    /// EC2 instance ids protected from scale-in (managed termination protection).
    pub protected_instance_ids: Vec<String>,
    /// CapacityProviderReservation, the metric behind the request (percent).
    pub reservation: u32,
}

/// managedScaling as ECS shows it, defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ManagedScaling {
    pub(crate) status: Toggle,
    pub(crate) target_capacity: u32,
    pub(crate) minimum_scaling_step_size: u32,
    pub(crate) maximum_scaling_step_size: u32,
    pub(crate) instance_warmup_period: u32,
}

impl Default for ManagedScaling {
    fn default() -> Self {
        ManagedScaling {
            status: Toggle::Disabled,
            target_capacity: 100,
            minimum_scaling_step_size: 1,
            maximum_scaling_step_size: 10_000,
            instance_warmup_period: 300,
        }
    }
}

impl ManagedScaling {
    pub(crate) fn enabled(&self) -> bool {
        self.status == Toggle::Enabled
    }

    /// These settings with the given ones applied, checked.
    pub(crate) fn merged(&self, given: Option<&Value>) -> Result<ManagedScaling, ApiError> {
        let mut out = self.clone();
        let Some(given) = given else {
            return Ok(out);
        };
        let given: ManagedScalingInput = serde_json::from_value(given.clone())
            .map_err(|e| ApiError::new(ExceptionType::SerializationException, e.to_string()))?;
        if let Some(status) = given.status {
            let status = Toggle::from_wire(&status);
            if !status.is_known() {
                return Err(messages::operation_error(
                    "managed-scaling-status",
                    &[&status],
                ));
            }
            out.status = status;
        }
        let ranged = |value: Option<i64>, low: i64, high: i64, current: u32, name: &str| match value
        {
            None => Ok(current),
            Some(v) if (low..=high).contains(&v) => Ok(v as u32),
            Some(_) => Err(messages::operation_error(
                "managed-scaling-range",
                &[&name, &low, &high],
            )),
        };
        out.target_capacity = ranged(
            given.target_capacity,
            1,
            100,
            out.target_capacity,
            "targetCapacity",
        )?;
        out.minimum_scaling_step_size = ranged(
            given.minimum_scaling_step_size,
            1,
            10_000,
            out.minimum_scaling_step_size,
            "minimumScalingStepSize",
        )?;
        out.maximum_scaling_step_size = ranged(
            given.maximum_scaling_step_size,
            1,
            10_000,
            out.maximum_scaling_step_size,
            "maximumScalingStepSize",
        )?;
        out.instance_warmup_period = ranged(
            given.instance_warmup_period,
            0,
            10_000,
            out.instance_warmup_period,
            "instanceWarmupPeriod",
        )?;
        if out.minimum_scaling_step_size > out.maximum_scaling_step_size {
            return Err(messages::operation_error("managed-scaling-steps", &[]));
        }
        Ok(out)
    }
}

/// An Auto Scaling group capacity provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct AsgProvider {
    pub(crate) name: String,
    pub(crate) arn: String,
    /// ACTIVE, or INACTIVE once deleted.
    pub(crate) status: CapacityProviderStatus,
    pub(crate) update_status: CapacityProviderUpdateStatus,
    pub(crate) asg_arn: String,
    pub(crate) scaling: ManagedScaling,
    pub(crate) termination_protection: bool,
    pub(crate) draining: bool,
    pub(crate) tags: Vec<Tag>,
    /// When managed scaling last scaled the group out.
    pub(crate) scaled_out_at: Option<SimTime>,
    /// Since when the group has had more instances than it needs.
    pub(crate) surplus_since: Option<SimTime>,
    /// The desired capacity last asked for.
    pub(crate) desired: Option<u32>,
}

impl AsgProvider {
    pub(crate) fn active(&self) -> bool {
        self.status == CapacityProviderStatus::Active
    }

    /// Its DescribeCapacityProviders document.
    pub(crate) fn document(&self, with_tags: bool) -> Value {
        let on_off = |b: bool| if b { "ENABLED" } else { "DISABLED" };
        let mut doc = json!({
            "capacityProviderArn": self.arn,
            "name": self.name,
            "status": self.status,
            "autoScalingGroupProvider": {
                "autoScalingGroupArn": self.asg_arn,
                "managedScaling": self.scaling,
                "managedTerminationProtection": on_off(self.termination_protection),
                "managedDraining": on_off(self.draining),
            },
            "updateStatus": self.update_status,
            "type": "EC2_AUTOSCALING",
        });
        if with_tags {
            doc["tags"] = json!(self.tags);
        }
        doc
    }
}

/// The capacity providers every account has.
pub(crate) const BUILT_IN: [&str; 2] = ["FARGATE", "FARGATE_SPOT"];

/// A cluster's capacity providers and default strategy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ClusterProviders {
    pub(crate) names: Vec<String>,
    pub(crate) default_strategy: Vec<CapacityProviderStrategyItem>,
}
