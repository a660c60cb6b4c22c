//! What the run-task and service forms send: the text a user typed and picked, turned into
//! the ECS request the AWS CLI would send (RunTask, StartTask, CreateService, UpdateService).
//! Pure and tested natively. Only the shape of the request is built here: whether ECS
//! accepts it (a strategy's field, a memberOf expression, a DAEMON service's strategies) is
//! the control plane's to say, in its words.

use berth_model::placement::{PlacementConstraint, PlacementStrategy, PlacementStrategyType};
use serde_json::{json, Value};

/// The placement strategies a form offers: an id, a label, and the strategy ECS takes.
pub const STRATEGIES: &[(&str, &str)] = &[
    ("", "default"),
    ("spread-zone", "spread across zones"),
    ("spread-instance", "spread across instances"),
    ("binpack-memory", "binpack on memory"),
    ("binpack-cpu", "binpack on CPU"),
    ("random", "random"),
    (
        "spread-zone+binpack-memory",
        "spread across zones, then binpack on memory",
    ),
];

/// The placement constraints a form offers: an id and a label. `memberOf` takes the
/// expression typed beside it.
pub const CONSTRAINTS: &[(&str, &str)] = &[
    ("", "none"),
    (
        "distinctInstance",
        "distinctInstance: one task per instance",
    ),
    ("memberOf", "memberOf: the expression below"),
];

/// A strategy id's `placementStrategy` list (empty for the default), in the model's types.
pub fn strategy(id: &str) -> Vec<PlacementStrategy> {
    use PlacementStrategyType::{Binpack, Random, Spread};
    id.split('+')
        .filter_map(|part| match part {
            "spread-zone" => Some((Spread, Some("attribute:ecs.availability-zone"))),
            "spread-instance" => Some((Spread, Some("instanceId"))),
            "binpack-memory" => Some((Binpack, Some("memory"))),
            "binpack-cpu" => Some((Binpack, Some("cpu"))),
            "random" => Some((Random, None)),
            _ => None,
        })
        .map(|(kind, field)| PlacementStrategy::new(kind, field))
        .collect()
}

/// A constraint id's `placementConstraints` list (empty for none), in the model's types.
pub fn constraints(id: &str, expression: &str) -> Vec<PlacementConstraint> {
    match id {
        "distinctInstance" => vec![PlacementConstraint::distinct_instance()],
        "memberOf" => vec![PlacementConstraint::member_of(expression)],
        _ => Vec::new(),
    }
}

/// Where tasks go: the picked strategy and constraint.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Placement {
    /// An id of [`STRATEGIES`].
    pub strategy: String,
    /// An id of [`CONSTRAINTS`].
    pub constraint: String,
    /// The memberOf expression.
    pub expression: String,
}

impl Placement {
    fn add_to(&self, body: &mut Value) {
        let strategy = strategy(&self.strategy);
        if !strategy.is_empty() {
            body["placementStrategy"] = json!(strategy);
        }
        let constraints = constraints(&self.constraint, &self.expression);
        if !constraints.is_empty() {
            body["placementConstraints"] = json!(constraints);
        }
    }
}

/// The run-task form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunForm {
    /// `family` or `family:revision`.
    pub task_definition: String,
    /// How many (RunTask); empty for 1.
    pub count: Option<i64>,
    /// The task group (empty: ECS's `family:<family>`).
    pub group: String,
    /// Strategy and constraint (RunTask only: StartTask names its instances).
    pub placement: Placement,
    /// The `overrides` document as JSON text (empty for none).
    pub overrides: String,
}

impl RunForm {
    /// The RunTask request, or why the form cannot make one.
    pub fn run_task(&self, cluster: &str) -> Result<Value, String> {
        let mut body = self.common(cluster)?;
        body["count"] = json!(self.count.unwrap_or(1));
        self.placement.add_to(&mut body);
        Ok(body)
    }

    /// The StartTask request that puts the task on `instance` (a container instance ARN).
    pub fn start_task(&self, cluster: &str, instance: &str) -> Result<Value, String> {
        let mut body = self.common(cluster)?;
        body["containerInstances"] = json!([instance]);
        Ok(body)
    }

    fn common(&self, cluster: &str) -> Result<Value, String> {
        let mut body = json!({"cluster": cluster, "taskDefinition": self.task_definition});
        if !self.group.is_empty() {
            body["group"] = json!(self.group);
        }
        if !self.overrides.trim().is_empty() {
            let overrides: Value = serde_json::from_str(&self.overrides)
                .map_err(|error| format!("The overrides are not JSON: {error}."))?;
            body["overrides"] = overrides;
        }
        Ok(body)
    }
}

/// The service form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceForm {
    /// The service's name.
    pub name: String,
    /// `family:revision` (empty: unchanged, on an update).
    pub task_definition: String,
    /// The desired count (empty: unchanged, or ECS's default).
    pub desired: Option<i64>,
    /// minimumHealthyPercent.
    pub min: Option<i64>,
    /// maximumPercent.
    pub max: Option<i64>,
    /// The deployment circuit breaker, with rollback.
    pub circuit_breaker: bool,
    /// A DAEMON service (CreateService only: ECS cannot change it later).
    pub daemon: bool,
    /// Strategy and constraint.
    pub placement: Placement,
}

impl ServiceForm {
    /// The CreateService (`update` false) or UpdateService request.
    pub fn request(&self, cluster: &str, update: bool) -> Value {
        let mut body = json!({"cluster": cluster});
        if update {
            body["service"] = json!(self.name);
        } else {
            body["serviceName"] = json!(self.name);
            if self.daemon {
                body["schedulingStrategy"] = json!("DAEMON");
            }
        }
        if !self.task_definition.is_empty() {
            body["taskDefinition"] = json!(self.task_definition);
        }
        if let Some(n) = self.desired {
            body["desiredCount"] = json!(n);
        }
        let mut config = json!({});
        if let Some(n) = self.min {
            config["minimumHealthyPercent"] = json!(n);
        }
        if let Some(n) = self.max {
            config["maximumPercent"] = json!(n);
        }
        if self.circuit_breaker {
            config["deploymentCircuitBreaker"] = json!({"enable": true, "rollback": true});
        }
        if config != json!({}) {
            body["deploymentConfiguration"] = config;
        }
        self.placement.add_to(&mut body);
        body
    }
}

/// What an accepted call did, in a line: RunTask and StartTask answer 200 even when no task
/// could be placed, with the reasons in `failures` (RESOURCE:MEMORY, MEMBEROF, ...), which
/// are the point. An answer whose every item failed is shown as a failure.
pub fn outcome(operation: &str, response: &Value) -> Result<String, String> {
    let failures: Vec<String> = response["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let reason = f["reason"].as_str().unwrap_or_default();
            match f["arn"].as_str() {
                Some(arn) if !arn.is_empty() => format!("{reason} ({arn})"),
                _ => reason.to_owned(),
            }
        })
        .collect();
    if failures.is_empty() {
        return Ok(format!("{operation}: done"));
    }
    let started = response["tasks"].as_array().map_or(0, Vec::len);
    let line = format!(
        "{operation}: {started} started, {} failed: {}",
        failures.len(),
        failures.join(", ")
    );
    if started == 0 {
        Err(line)
    } else {
        Ok(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_strategy_and_constraint_is_a_real_one() {
        for (id, _) in STRATEGIES.iter().filter(|(id, _)| !id.is_empty()) {
            assert_eq!(strategy(id).len(), id.split('+').count(), "{id}");
        }
        for (id, _) in CONSTRAINTS.iter().filter(|(id, _)| !id.is_empty()) {
            assert_eq!(
                constraints(id, "attribute:ecs.instance-type =~ t3.*").len(),
                1
            );
        }
        assert!(strategy("").is_empty() && constraints("", "").is_empty());
    }

    #[test]
    fn run_and_start_task_requests() {
        let form = RunForm {
            task_definition: "web:2".into(),
            count: Some(3),
            group: "blue".into(),
            placement: Placement {
                strategy: "spread-zone+binpack-memory".into(),
                constraint: "memberOf".into(),
                expression: "attribute:ecs.availability-zone in [us-east-1a]".into(),
            },
            overrides: r#"{"containerOverrides": [{"name": "web", "command": ["sleep", "5"]}]}"#
                .into(),
        };
        assert_eq!(
            form.run_task("default").unwrap(),
            json!({"cluster": "default", "taskDefinition": "web:2", "count": 3, "group": "blue",
                   "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"},
                                         {"type": "binpack", "field": "memory"}],
                   "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.availability-zone in [us-east-1a]"}],
                   "overrides": {"containerOverrides": [{"name": "web", "command": ["sleep", "5"]}]}})
        );
        let start = form.start_task("default", "arn:ci").unwrap();
        assert_eq!(start["containerInstances"], json!(["arn:ci"]));
        assert!(start.get("count").is_none() && start.get("placementStrategy").is_none());
        let bad = RunForm {
            overrides: "{oops".into(),
            ..form
        };
        assert!(bad
            .run_task("default")
            .unwrap_err()
            .starts_with("The overrides are not JSON"));
        let plain = RunForm {
            task_definition: "web".into(),
            ..RunForm::default()
        };
        assert_eq!(
            plain.run_task("c").unwrap(),
            json!({"cluster": "c", "taskDefinition": "web", "count": 1})
        );
    }

    #[test]
    fn failures_are_the_outcome() {
        assert_eq!(
            outcome("RunTask", &json!({"tasks": [{}], "failures": []})),
            Ok("RunTask: done".into())
        );
        assert_eq!(
            outcome(
                "RunTask",
                &json!({"tasks": [], "failures": [{"arn": "arn:ci/1", "reason": "MEMBEROF"}]})
            ),
            Err("RunTask: 0 started, 1 failed: MEMBEROF (arn:ci/1)".into())
        );
        assert_eq!(
            outcome(
                "RunTask",
                &json!({"tasks": [{}], "failures": [{"reason": "RESOURCE:MEMORY"}]})
            ),
            Ok("RunTask: 1 started, 1 failed: RESOURCE:MEMORY".into())
        );
        assert_eq!(
            outcome("CreateService", &json!({"service": {}})),
            Ok("CreateService: done".into())
        );
    }

    #[test]
    fn service_requests() {
        let form = ServiceForm {
            name: "web".into(),
            task_definition: "web:1".into(),
            desired: Some(2),
            min: Some(0),
            max: None,
            circuit_breaker: true,
            daemon: true,
            placement: Placement {
                constraint: "distinctInstance".into(),
                ..Placement::default()
            },
        };
        assert_eq!(
            form.request("default", false),
            json!({"cluster": "default", "serviceName": "web", "schedulingStrategy": "DAEMON",
                   "taskDefinition": "web:1", "desiredCount": 2,
                   "deploymentConfiguration": {"minimumHealthyPercent": 0,
                       "deploymentCircuitBreaker": {"enable": true, "rollback": true}},
                   "placementConstraints": [{"type": "distinctInstance"}]})
        );
        // ECS cannot turn a service into a DAEMON one later: an update does not say it.
        let update = form.request("default", true);
        assert_eq!(update["service"], "web");
        assert!(update.get("schedulingStrategy").is_none() && update.get("serviceName").is_none());
        let bare = ServiceForm {
            name: "web".into(),
            ..ServiceForm::default()
        };
        assert_eq!(
            bare.request("c", true),
            json!({"cluster": "c", "service": "web"})
        );
    }
}
