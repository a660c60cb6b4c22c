//! "Why here, why not there?": where the next task of a service, or of a task definition run
//! as RunTask would run it, would be placed now, and every other instance's reason not to take
//! it. This is Berth's own read, not an ECS operation: the scheduler's full explanation
//! ([`berth_scheduler::Detail::Full`]), computed on a copy of the cluster's instances with a
//! generator of its own, so asking changes nothing and draws no id.

use crate::engine::launch::definition_constraints;
use crate::records::{cluster_name, last_segment, resolve};
use berth_model::states::ServiceStatus;
use berth_model::{messages, ApiError, ExceptionType};
use berth_scheduler::{compile_constraints, compile_strategies, Detail, PlacementRequest, Verdict};
use rand_chacha::rand_core::SeedableRng;
use serde_json::{json, Value};

impl crate::ControlPlane {
    /// The explanation of the next placement for `service` (its PRIMARY revision, constraints,
    /// strategies and group) or, without one, for `task_definition` run as RunTask runs it
    /// (group `family:<name>`, random placement).
    pub fn explain_placement(
        &self,
        cluster: Option<&str>,
        service: Option<&str>,
        task_definition: Option<&str>,
    ) -> Result<Value, ApiError> {
        let name = cluster_name(cluster);
        let record = crate::records::active_cluster_ref(&self.state, cluster)?;
        let mut constraints = Vec::new();
        let mut strategies = Vec::new();
        let (td_ref, group) = match service.filter(|s| !s.is_empty()) {
            Some(service) => {
                let service_name = last_segment(service);
                let svc = record
                    .services
                    .get(service_name)
                    .filter(|s| s.doc.status == ServiceStatus::Active)
                    .ok_or_else(|| {
                        ApiError::new(
                            ExceptionType::ServiceNotFoundException,
                            messages::SERVICE_NOT_FOUND,
                        )
                    })?;
                if svc.on_fargate() {
                    return Ok(json!({
                        "cluster": name,
                        "fargate": true,
                        "summary": "Fargate tasks take no container instance: each gets an ENI in the least used of its subnets.",
                    }));
                }
                constraints.extend(svc.doc.placement_constraints.iter().cloned());
                strategies = compile_strategies(&svc.doc.placement_strategy)?;
                if strategies.is_empty() {
                    strategies = berth_scheduler::rules::service_default_strategies();
                }
                let td = svc
                    .doc
                    .deployments
                    .first()
                    .map(|d| d.task_definition.clone())
                    .unwrap_or_else(|| svc.doc.task_definition.clone());
                (td, format!("service:{service_name}"))
            }
            None => {
                let td = task_definition.unwrap_or_default().to_owned();
                let family = resolve(&self.state, &td)
                    .and_then(|t| t.family.clone())
                    .unwrap_or_default();
                (td, format!("family:{family}"))
            }
        };
        let td = resolve(&self.state, &td_ref).cloned().ok_or_else(|| {
            ApiError::new(
                ExceptionType::ClientException,
                messages::TASK_DEFINITION_NOT_FOUND,
            )
        })?;
        let mut given = definition_constraints(&td);
        given.append(&mut constraints);
        let constraints = compile_constraints(&given, 0)?;
        let requirements = berth_scheduler::TaskRequirements::from_task_definition(&td);
        let request = PlacementRequest {
            requirements: &requirements,
            constraints: &constraints,
            strategies: &strategies,
            group: &group,
            count: 1,
            capacity_provider: None,
            detail: Detail::Full,
        };
        let mut instances = record.fleet.instances().to_vec();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let outcome = berth_scheduler::place::place(&mut instances, &request, &mut rng);
        let Some(decision) = outcome.decisions.first() else {
            return Ok(json!({"cluster": name, "summary": "No task to place."}));
        };
        let verdicts = decision.verdicts.clone().unwrap_or_default();
        let rows: Vec<Value> = record
            .fleet
            .instances()
            .iter()
            .zip(&verdicts)
            .enumerate()
            .map(|(index, (instance, verdict))| {
                let (kind, reason, detail, keys) = match verdict {
                    Verdict::Ranked(keys) if decision.chosen == Some(index) => {
                        ("chosen", String::new(), String::new(), keys.clone())
                    }
                    Verdict::Ranked(keys) => ("ranked", String::new(), String::new(), keys.clone()),
                    Verdict::Rejected(reason) => (
                        match reason.bucket() {
                            berth_scheduler::explain::Bucket::Filtered => "filtered",
                            berth_scheduler::explain::Bucket::Exhausted => "exhausted",
                        },
                        reason.failure_reason(),
                        reason.to_string(),
                        Vec::new(),
                    ),
                };
                json!({
                    "containerInstanceArn": instance.arn,
                    "ec2InstanceId": instance.ec2_instance_id,
                    "availabilityZone": instance.attribute_value("ecs.availability-zone"),
                    "verdict": kind,
                    "reason": reason,
                    "detail": detail,
                    "keys": keys,
                })
            })
            .collect();
        let chosen = decision
            .chosen
            .and_then(|i| record.fleet.instances().get(i))
            .map(|i| i.arn.clone());
        Ok(json!({
            "cluster": name,
            "taskDefinition": td.task_definition_arn,
            "group": group,
            "strategies": strategies.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>(),
            "chosen": chosen,
            "tied": decision.tied,
            "summary": decision.summary(record.fleet.instances()),
            "closestMatch": decision.closest_match(record.fleet.instances()),
            "instances": rows,
        }))
    }
}
