//! Constraints and strategies compiled from their AWS shapes, with ECS's limits and errors.
//!
//! Compiling once per call (not per instance) is what lets placement evaluate a memberOf
//! expression against thousands of instances cheaply; malformed input is refused here as an
//! InvalidParameterException before any instance is looked at.

use berth_model::messages;
use berth_model::placement::{
    PlacementConstraint, PlacementConstraintType, PlacementStrategy, PlacementStrategyType,
};
use berth_model::problem::ApiError;
use berth_model::JsonPath;

use crate::query::{self, Expr};

/// The most strategies a task or service may have.
pub const MAX_STRATEGIES: usize = 5;
/// The most constraints (task definition and call together).
pub const MAX_CONSTRAINTS: usize = 10;

/// A compiled constraint.
#[derive(Clone, Debug)]
pub enum Constraint {
    /// Each task of the group on a different instance.
    DistinctInstance,
    /// Only instances matching the expression.
    MemberOf {
        /// The expression as written (for explanations).
        text: String,
        /// The parsed expression.
        expr: Expr,
    },
}

/// What spread balances over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpreadField {
    /// `instanceId` (or its synonym `host`).
    InstanceId,
    /// `attribute:<name>`.
    Attribute(String),
}

/// What binpack packs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinpackField {
    /// CPU units.
    Cpu,
    /// Memory.
    Memory,
}

/// A compiled strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Random order.
    Random,
    /// Fewest tasks of the group per field value first.
    Spread(SpreadField),
    /// Least remaining of the resource first.
    Binpack(BinpackField),
}

impl Strategy {
    /// `spread(attribute:ecs.availability-zone)`, as explanations write it.
    pub fn label(&self) -> String {
        match self {
            Strategy::Random => "random".into(),
            Strategy::Spread(SpreadField::InstanceId) => "spread(instanceId)".into(),
            Strategy::Spread(SpreadField::Attribute(name)) => format!("spread(attribute:{name})"),
            Strategy::Binpack(BinpackField::Cpu) => "binpack(cpu)".into(),
            Strategy::Binpack(BinpackField::Memory) => "binpack(memory)".into(),
        }
    }
}

/// The strategies ECS uses for a service with none: spread over availability zones, then
/// over instances.
pub fn service_default_strategies() -> Vec<Strategy> {
    vec![
        Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into())),
        Strategy::Spread(SpreadField::InstanceId),
    ]
}

/// RunTask's default: random.
pub fn run_task_default_strategies() -> Vec<Strategy> {
    vec![Strategy::Random]
}

/// Compiles constraints (`extra` counts the task definition's own toward the limit of 10).
pub fn compile_constraints(
    constraints: &[PlacementConstraint],
    extra: usize,
) -> Result<Vec<Constraint>, ApiError> {
    if constraints.len() + extra > MAX_CONSTRAINTS {
        return Err(messages::unconfirmed_error(
            "too-many-task-constraints",
            &[],
        ));
    }
    constraints
        .iter()
        .enumerate()
        .map(|(i, constraint)| {
            let expression = constraint
                .expression
                .as_deref()
                .filter(|e| !e.trim().is_empty());
            match (&constraint.r#type, expression) {
                (Some(PlacementConstraintType::DistinctInstance), None) => {
                    Ok(Constraint::DistinctInstance)
                }
                (Some(PlacementConstraintType::DistinctInstance), Some(_)) => {
                    Err(messages::unconfirmed_error("distinct-with-expression", &[]))
                }
                (Some(PlacementConstraintType::MemberOf), Some(text)) => compile_expression(text),
                (Some(PlacementConstraintType::MemberOf), None) => {
                    Err(messages::unconfirmed_error("expression-missing", &[]))
                }
                (other, _) => {
                    let value = other.as_ref().map_or("null", |t| t.as_str());
                    let path = JsonPath::root()
                        .key("placementConstraints")
                        .index(i)
                        .key("type");
                    let mut error =
                        messages::enum_value(value, PlacementConstraintType::ALL, &path)
                            .to_api_error();
                    error.exception = berth_model::ExceptionType::InvalidParameterException;
                    Err(error)
                }
            }
        })
        .collect()
}

/// Compiles one memberOf expression.
pub fn compile_expression(text: &str) -> Result<Constraint, ApiError> {
    match query::parse(text) {
        Ok(expr) => Ok(Constraint::MemberOf {
            text: text.to_owned(),
            expr,
        }),
        Err(error) => Err(messages::unconfirmed_error(
            "expression-invalid",
            &[&text, &error],
        )),
    }
}

/// Compiles strategies.
pub fn compile_strategies(strategies: &[PlacementStrategy]) -> Result<Vec<Strategy>, ApiError> {
    if strategies.len() > MAX_STRATEGIES {
        return Err(messages::unconfirmed_error("too-many-strategies", &[]));
    }
    strategies
        .iter()
        .enumerate()
        .map(|(i, strategy)| {
            let field = strategy.field.as_deref().unwrap_or("");
            let bad_field = |kind: &str| {
                Err(messages::unconfirmed_error(
                    "strategy-field",
                    &[&field, &kind],
                ))
            };
            match &strategy.r#type {
                Some(PlacementStrategyType::Random) => Ok(Strategy::Random),
                Some(PlacementStrategyType::Binpack) => match field {
                    "cpu" | "CPU" => Ok(Strategy::Binpack(BinpackField::Cpu)),
                    "memory" | "MEMORY" => Ok(Strategy::Binpack(BinpackField::Memory)),
                    _ => bad_field("binpack"),
                },
                Some(PlacementStrategyType::Spread) => match field {
                    "instanceId" | "host" => Ok(Strategy::Spread(SpreadField::InstanceId)),
                    _ => match field.strip_prefix("attribute:") {
                        Some(name) if !name.is_empty() => {
                            Ok(Strategy::Spread(SpreadField::Attribute(name.to_owned())))
                        }
                        _ => bad_field("spread"),
                    },
                },
                other => {
                    let value = other.as_ref().map_or("null", |t| t.as_str());
                    let path = JsonPath::root()
                        .key("placementStrategy")
                        .index(i)
                        .key("type");
                    let mut error = messages::enum_value(value, PlacementStrategyType::ALL, &path)
                        .to_api_error();
                    error.exception = berth_model::ExceptionType::InvalidParameterException;
                    Err(error)
                }
            }
        })
        .collect()
}
