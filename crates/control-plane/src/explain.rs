//! "Why here, why not there?": where the next task of a service, or of a task definition run
//! as RunTask would run it, would be placed now, and every other instance's reason not to take
//! it. This is Berth's own view, not an ECS operation. It is the placement the service or
//! RunTask would make, with the same rules ([`Rules`]), the same capacity provider share and
//! the same generator state, made on a copy ([`dry_run`]) with the scheduler's full
//! explanation: asking changes nothing, and what it predicts is where the task lands.

use crate::engine::capacity::{on_fargate, provider_counts, shares, strategy_for};
use crate::engine::placement::{dry_run, Rules};
use crate::records::{
    active_cluster_ref, cluster_name, last_segment, resolve, ClusterRecord, State,
};
use berth_model::states::ServiceStatus;
use berth_model::task_definition::TaskDefinition;
use berth_model::views::{Explanation, InstanceVerdict, VerdictKind};
use berth_model::{messages, ApiError, ExceptionType};
use berth_scheduler::explain::Bucket;
use berth_scheduler::{TaskRequirements, Verdict};

/// What the page says of a Fargate task: there is no instance to choose.
const FARGATE_SUMMARY: &str =
    "Fargate tasks take no container instance: each gets an ENI in the least used of its subnets.";

/// The explanation of the next placement for `service` (its PRIMARY revision, constraints,
/// strategies, capacity provider strategy and group) or, without one, for `task_definition`
/// run as RunTask runs it (the cluster's default capacity provider strategy, group
/// `family:<name>`, random placement).
pub(crate) fn placement(
    cp: &State,
    cluster: Option<&str>,
    service: Option<&str>,
    task_definition: Option<&str>,
) -> Result<Explanation, ApiError> {
    let name = cluster_name(cluster);
    let record = active_cluster_ref(cp, cluster)?;
    let fargate = || Explanation {
        cluster: name.clone(),
        fargate: true,
        summary: FARGATE_SUMMARY.into(),
        ..Explanation::default()
    };
    let Some(service) = service.filter(|s| !s.is_empty()) else {
        let td = revision(cp, task_definition.unwrap_or_default())?;
        let strategy = strategy_for(record, None, None)?;
        if strategy.as_deref().is_some_and(on_fargate) {
            return Ok(fargate());
        }
        // RunTask's first task goes to the first provider its strategy gives a share to.
        let mut counts = vec![0; strategy.as_ref().map_or(0, Vec::len)];
        let provider = shares(strategy.as_deref(), &mut counts, 1)
            .into_iter()
            .find_map(|(provider, _)| provider);
        let rules = Rules::run_task(&td, Vec::new(), Vec::new())?;
        let group = format!("family:{}", td.family.as_deref().unwrap_or_default());
        return Ok(explain(cp, record, name, &td, &group, &rules, provider));
    };
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
        return Ok(fargate());
    }
    let (deployment, td_ref) = match svc.doc.deployments.first() {
        Some(d) => (d.id.as_str(), d.task_definition.as_str()),
        None => ("", svc.doc.task_definition.as_str()),
    };
    let td = revision(cp, td_ref)?;
    let rules = Rules::service(&td, &svc.doc)?;
    // The next task's share of the service's capacity provider strategy, as a step gives it.
    let strategy = &svc.doc.capacity_provider_strategy;
    let mut counts = provider_counts(record, service_name, deployment, strategy);
    let provider = shares(Some(strategy), &mut counts, 1)
        .into_iter()
        .find_map(|(provider, _)| provider);
    let group = format!("service:{service_name}");
    Ok(explain(cp, record, name, &td, &group, &rules, provider))
}

/// The registered revision `reference` names.
fn revision(cp: &State, reference: &str) -> Result<TaskDefinition, ApiError> {
    resolve(cp, reference).cloned().ok_or_else(|| {
        ApiError::new(
            ExceptionType::ClientException,
            messages::TASK_DEFINITION_NOT_FOUND,
        )
    })
}

/// The dry run of one task of `td` in `group` under `rules`, and every instance's verdict.
fn explain(
    cp: &State,
    record: &ClusterRecord,
    cluster: String,
    td: &TaskDefinition,
    group: &str,
    rules: &Rules,
    provider: Option<String>,
) -> Explanation {
    let requirements = TaskRequirements::from_task_definition(td);
    let outcome = dry_run(cp, record, &requirements, group, rules, provider.as_deref());
    let instances = record.fleet.instances();
    let Some(decision) = outcome.decisions.first() else {
        return Explanation {
            cluster,
            summary: "No task to place.".into(),
            ..Explanation::default()
        };
    };
    let verdicts = decision.verdicts.as_deref().unwrap_or_default();
    let rows = instances
        .iter()
        .zip(verdicts)
        .enumerate()
        .map(|(index, (instance, verdict))| {
            let (verdict, reason, detail, keys) = match verdict {
                Verdict::Ranked(keys) if decision.chosen == Some(index) => (
                    VerdictKind::Chosen,
                    String::new(),
                    String::new(),
                    keys.clone(),
                ),
                Verdict::Ranked(keys) => (
                    VerdictKind::Ranked,
                    String::new(),
                    String::new(),
                    keys.clone(),
                ),
                Verdict::Rejected(reason) => (
                    match reason.bucket() {
                        Bucket::Filtered => VerdictKind::Filtered,
                        Bucket::Exhausted => VerdictKind::Exhausted,
                    },
                    reason.failure_reason(),
                    reason.to_string(),
                    Vec::new(),
                ),
            };
            InstanceVerdict {
                container_instance_arn: instance.arn.clone(),
                ec2_instance_id: instance.ec2_instance_id.clone(),
                availability_zone: instance
                    .attribute_value("ecs.availability-zone")
                    .map(str::to_owned),
                verdict,
                reason,
                detail,
                keys,
            }
        })
        .collect();
    Explanation {
        cluster,
        fargate: false,
        task_definition: td.task_definition_arn.clone(),
        group: group.to_owned(),
        capacity_provider: provider,
        strategies: rules.strategies.iter().map(|s| format!("{s:?}")).collect(),
        chosen: decision
            .chosen
            .and_then(|i| instances.get(i))
            .map(|i| i.arn.clone()),
        tied: decision.tied,
        summary: decision.summary(instances),
        closest_match: decision.closest_match(instances),
        instances: rows,
    }
}
