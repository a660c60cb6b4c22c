//! Placement constraints and strategies in AWS's shape, as RunTask, StartTask, CreateService
//! and UpdateService take them. berth-scheduler compiles and applies them.

use serde::{Deserialize, Serialize};

use crate::ecs_enum::ecs_enum;

ecs_enum! {
    /// `placementConstraints[].type` for tasks and services.
    PlacementConstraintType { DistinctInstance = "distinctInstance", MemberOf = "memberOf" }
}

ecs_enum! {
    /// `placementStrategy[].type`.
    PlacementStrategyType { Random = "random", Spread = "spread", Binpack = "binpack" }
}

/// `placementConstraints[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlacementConstraint {
    /// `distinctInstance` or `memberOf`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<PlacementConstraintType>,
    /// The cluster query language expression (memberOf only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// `placementStrategy[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlacementStrategy {
    /// `random`, `spread` or `binpack`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<PlacementStrategyType>,
    /// spread: `instanceId`, `host` or `attribute:<name>`; binpack: `cpu` or `memory`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl PlacementStrategy {
    /// A strategy from its two parts.
    pub fn new(kind: PlacementStrategyType, field: Option<&str>) -> Self {
        PlacementStrategy {
            r#type: Some(kind),
            field: field.map(str::to_owned),
        }
    }
}

impl PlacementConstraint {
    /// A memberOf constraint.
    pub fn member_of(expression: &str) -> Self {
        PlacementConstraint {
            r#type: Some(PlacementConstraintType::MemberOf),
            expression: Some(expression.to_owned()),
        }
    }

    /// A distinctInstance constraint.
    pub fn distinct_instance() -> Self {
        PlacementConstraint {
            r#type: Some(PlacementConstraintType::DistinctInstance),
            expression: None,
        }
    }
}
