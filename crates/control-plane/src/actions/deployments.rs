//! The service deployment history: ListServiceDeployments, DescribeServiceDeployments,
//! DescribeServiceRevisions.
//!
//! Every deployment a service ever had is kept with the service revision it deployed (task
//! definition, launch type, network configuration, images), its status over time
//! (IN_PROGRESS, SUCCESSFUL, STOPPED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL), the
//! revisions it replaced, its circuit breaker's count, and its rollback. A circuit-breaker
//! rollback belongs to the deployment that failed, as in ECS: the deployment that carries it
//! out is not listed on its own.

use crate::paging::page;
use crate::records::{
    active_cluster, cluster_name, history::History, last_segment, ServiceRecord, State,
};
use crate::requests::*;
use berth_model::resources::Failure;
use berth_model::states::{
    HookStatus, RolloutState, ServiceDeploymentLifecycleStage, ServiceDeploymentStatus,
    ServiceStatus,
};
use berth_model::{messages, ApiError, ExceptionType, SimTime};
use serde_json::{json, Value};

/// The `{arn, requestedTaskCount, runningTaskCount, pendingTaskCount}` of a revision now,
/// and, while a traffic-shifting deployment moves traffic between it and another
/// (`weights`: the share of production and test traffic it has), those shares.
fn summary(
    cp: &State,
    cluster: &str,
    record: &ServiceRecord,
    h: &History,
    weights: Option<(f64, f64)>,
) -> Value {
    let doc = crate::documents::service_document(cp, cluster, &record.doc.service_name, false);
    let deployment = doc.deployments.iter().find(|d| d.id == h.id);
    let mut value = json!({
        "arn": h.revision_arn,
        "requestedTaskCount": deployment.map_or(0, |d| d.desired_count),
        "runningTaskCount": deployment.map_or(0, |d| d.running_count),
        "pendingTaskCount": deployment.map_or(0, |d| d.pending_count),
    });
    if let Some((production, test)) = weights {
        value["requestedProductionTrafficWeight"] = json!(production);
        value["requestedTestTrafficWeight"] = json!(test);
    }
    value
}

fn brief(h: &History) -> Value {
    json!({
        "serviceDeploymentArn": h.arn,
        "serviceArn": h.revision["serviceArn"],
        "clusterArn": h.revision["clusterArn"],
        "createdAt": h.created_at,
        "startedAt": h.created_at,
        "finishedAt": h.finished_at,
        "targetServiceRevisionArn": h.revision_arn,
        "status": h.status,
        "statusReason": h.status_reason,
    })
}

fn full(cp: &State, cluster: &str, record: &ServiceRecord, h: &History) -> Value {
    let breaker = &h.configuration.deployment_circuit_breaker;
    let failures = record
        .doc
        .deployments
        .iter()
        .find(|d| d.id == h.id)
        .map_or(0, |d| d.failed_tasks);
    let breaker_status = match (breaker.enable, h.tripped, &h.status) {
        (false, _, _) => "DISABLED",
        (true, true, _) => "TRIGGERED",
        (true, false, ServiceDeploymentStatus::InProgress) => "MONITORING",
        _ => "MONITORING_COMPLETE",
    };
    // A managed traffic shift splits the traffic between its source and its target.
    let managed = h.shift.as_ref().filter(|s| s.managed);
    let source_id = managed.and_then(|s| s.source.as_deref());
    let sources: Vec<Value> = record
        .history
        .iter()
        .chain(&record.hidden)
        .filter(|s| h.sources.contains(&s.revision_arn))
        .map(|s| {
            let weights = managed
                .filter(|_| Some(s.id.as_str()) == source_id)
                .map(|m| (100.0 - m.production, 100.0 - m.test));
            summary(cp, cluster, record, s, weights)
        })
        .collect();
    let mut value = brief(h);
    value["stoppedAt"] = json!(h.stopped_at);
    value["updatedAt"] = json!(h.updated_at);
    value["sourceServiceRevisions"] = json!(sources);
    let weights = managed.map(|m| (m.production, m.test));
    value["targetServiceRevision"] = summary(cp, cluster, record, h, weights);
    if let Some(stage) = h.stage() {
        value["lifecycleStage"] = json!(stage);
        let hooks: Vec<Value> = h
            .hook_runs()
            .iter()
            .map(|run| {
                json!({
                    "hookId": run.id,
                    "targetType": run.target_type,
                    "targetArn": run.target_arn,
                    "status": run.status,
                    "expiresAt": run.expires_at,
                    "timeoutAction": run.timeout_action,
                })
            })
            .map(strip_nulls)
            .collect();
        if !hooks.is_empty() {
            value["lifecycleHookDetails"] = json!(hooks);
        }
    }
    value["deploymentConfiguration"] = json!(h.configuration);
    value["deploymentCircuitBreaker"] = json!({
        "status": breaker_status,
        "failureCount": failures,
        "threshold": crate::engine::deployments::breaker_threshold(breaker, record.doc.desired_count),
    });
    if let Some(alarms) = crate::engine::alarms::document(h) {
        value["alarms"] = alarms;
    }
    if let Some(rollback) = &h.rollback {
        value["rollback"] = rollback.clone();
    }
    strip_nulls(value)
}

/// Omits absent members, as ECS does.
fn strip_nulls(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.retain(|_, v| !v.is_null());
    }
    value
}

/// The service and cluster names a service-deployment or service-revision ARN names:
/// `...:<kind>/<cluster>/<service>/<id>`.
fn parse(arn: &str, kind: &str) -> Option<(String, String)> {
    let rest = arn.split_once(&format!(":{kind}/"))?.1;
    let mut parts = rest.split('/');
    let (cluster, service) = (parts.next()?, parts.next()?);
    parts.next()?;
    Some((cluster.to_owned(), service.to_owned()))
}

pub(super) fn list(
    cp: &mut State,
    request: ListServiceDeploymentsRequest,
) -> Result<Response, ApiError> {
    active_cluster(cp, request.cluster.as_deref())?;
    let cluster = cluster_name(request.cluster.as_deref());
    let service = last_segment(request.service.as_deref().unwrap_or("")).to_owned();
    let record = cp.clusters[&cluster]
        .services
        .get(&service)
        .ok_or_else(|| {
            ApiError::new(
                ExceptionType::ServiceNotFoundException,
                messages::SERVICE_NOT_FOUND,
            )
        })?;
    let statuses = request.status.unwrap_or_default();
    let before = request
        .created_at
        .as_ref()
        .and_then(|c| c.get("before"))
        .and_then(|v| serde_json::from_value::<SimTime>(v.clone()).ok());
    let after = request
        .created_at
        .as_ref()
        .and_then(|c| c.get("after"))
        .and_then(|v| serde_json::from_value::<SimTime>(v.clone()).ok());
    // Newest first.
    let found: Vec<Value> = record
        .history
        .iter()
        .rev()
        .filter(|h| statuses.is_empty() || statuses.iter().any(|s| s == h.status.as_str()))
        .filter(|h| {
            before.is_none_or(|b| h.created_at < b) && after.is_none_or(|a| h.created_at > a)
        })
        .map(|h| strip_nulls(brief(h)))
        .collect();
    let (deployments, next_token) = page(
        &found,
        request.max_results,
        request.next_token.as_deref(),
        20,
    )?;
    Ok(Response::ServiceDeployments(ServiceDeploymentsResponse {
        service_deployments: Some(deployments),
        failures: None,
        next_token,
    }))
}

/// Looks up each ARN of a Describe call (`<kind>/<cluster>/<service>/<id>`) with `found`;
/// the ones it cannot find are `MISSING` failures. At most 20 ARNs.
fn describe_each(
    cp: &State,
    arns: Vec<String>,
    kind: &str,
    too_many: &str,
    found: impl Fn(&str, &str, &ServiceRecord) -> Option<Value>,
) -> Result<(Vec<Value>, Vec<Failure>), ApiError> {
    if arns.is_empty() || arns.len() > 20 {
        return Err(messages::operation_error(too_many, &[]));
    }
    let mut values = Vec::new();
    let mut failures = Vec::new();
    for arn in arns {
        let hit = parse(&arn, kind).and_then(|(cluster, service)| {
            let record = cp.clusters.get(&cluster)?.services.get(&service)?;
            found(&arn, &cluster, record)
        });
        match hit {
            Some(value) => values.push(value),
            None => failures.push(Failure {
                arn: Some(arn),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok((values, failures))
}

pub(super) fn describe(
    cp: &mut State,
    request: DescribeServiceDeploymentsRequest,
) -> Result<Response, ApiError> {
    let arns = request.service_deployment_arns.unwrap_or_default();
    let (found, failures) = describe_each(
        cp,
        arns,
        "service-deployment",
        "service-deployment-arns",
        |arn, cluster, record| {
            let h = record.history.iter().find(|h| h.arn == arn)?;
            Some(full(cp, cluster, record, h))
        },
    )?;
    Ok(Response::ServiceDeployments(ServiceDeploymentsResponse {
        service_deployments: Some(found),
        failures: Some(failures),
        next_token: None,
    }))
}

pub(super) fn describe_revisions(
    cp: &mut State,
    request: DescribeServiceRevisionsRequest,
) -> Result<Response, ApiError> {
    let arns = request.service_revision_arns.unwrap_or_default();
    let (found, failures) = describe_each(
        cp,
        arns,
        "service-revision",
        "service-revision-arns",
        |arn, _, record| {
            let h = record
                .history
                .iter()
                .chain(&record.hidden)
                .find(|h| h.revision_arn == arn)?;
            let mut revision = h.revision.clone();
            // The images each container of the revision runs, and the digests its first
            // tasks pinned.
            let images: Vec<Value> =
                crate::records::resolve(cp, h.revision["taskDefinition"].as_str().unwrap_or(""))
                    .map(|td| {
                        td.container_definitions
                            .iter()
                            .flatten()
                            .map(|c| {
                                let mut image = json!({"containerName": c.name, "image": c.image});
                                if let Some(digest) = c.name.as_ref().and_then(|n| h.digests.get(n))
                                {
                                    image["imageDigest"] = json!(digest);
                                }
                                image
                            })
                            .collect()
                    })
                    .unwrap_or_default();
            revision["containerImages"] = json!(images);
            Some(strip_nulls(revision))
        },
    )?;
    Ok(Response::ServiceRevisions(ServiceRevisionsResponse {
        service_revisions: Some(found),
        failures: Some(failures),
    }))
}

/// The service deployment an ARN names: its cluster, service and place in the history.
fn find(cp: &State, arn: &str) -> Result<(String, String, usize), ApiError> {
    let not_found = || {
        ApiError::new(
            ExceptionType::ServiceDeploymentNotFoundException,
            messages::operation_text("service-deployment-not-found", &[&arn]),
        )
    };
    let (cluster, service) = parse(arn, "service-deployment").ok_or_else(not_found)?;
    let index = cp
        .service(&cluster, &service)
        .and_then(|record| record.history.iter().position(|h| h.arn == arn))
        .ok_or_else(not_found)?;
    Ok((cluster, service, index))
}

/// StopServiceDeployment: a deployment in progress is rolled back to the service's last
/// completed revision (`stopType` ROLLBACK, the one value ECS takes).
pub(super) fn stop(
    cp: &mut State,
    now: SimTime,
    request: StopServiceDeploymentRequest,
) -> Result<Response, ApiError> {
    if request
        .stop_type
        .as_deref()
        .is_some_and(|t| t != "ROLLBACK")
    {
        return Err(messages::operation_error("stop-type", &[]));
    }
    let arn = request.service_deployment_arn.unwrap_or_default();
    let (cluster, service, index) = find(cp, &arn)?;
    let record = cp.service_mut(&cluster, &service).expect("found");
    let h = &record.history[index];
    let primary = record.doc.deployments.first().map(|d| d.id.as_str());
    let target = record.last_completed.clone();
    let stoppable = matches!(
        h.status,
        ServiceDeploymentStatus::Pending | ServiceDeploymentStatus::InProgress
    ) && primary == Some(&h.id);
    let Some(target) = target.filter(|_| stoppable && record.doc.status == ServiceStatus::Active)
    else {
        return Err(ApiError::new(
            ExceptionType::ConflictException,
            messages::operation_text("service-deployment-conflict", &[&h.status]),
        ));
    };
    let id = h.id.clone();
    // A traffic-shifting deployment goes back to its source, still running, before CLEAN_UP.
    if let Some(shift) = &h.shift {
        let cleaning = shift.stage == ServiceDeploymentLifecycleStage::CleanUp;
        if shift.source.is_none() || cleaning || shift.rollback.is_some() {
            return Err(ApiError::new(
                ExceptionType::ConflictException,
                messages::operation_text("service-deployment-conflict", &[&h.status]),
            ));
        }
        crate::engine::deployments::begin_rollback(cp, now, &cluster, &service, index, "stopped");
        return Ok(Response::StopServiceDeployment(
            StopServiceDeploymentResponse {
                service_deployment_arn: Some(arn),
            },
        ));
    }
    let history = &mut record.history[index];
    history.status = ServiceDeploymentStatus::RollbackRequested;
    history.status_reason = Some(messages::operation_text("service-deployment-stopped", &[]));
    history.updated_at = now;
    if let Some(deployment) = record.doc.deployments.iter_mut().find(|d| d.id == id) {
        deployment.rollout_state = RolloutState::Failed;
        deployment.rollout_state_reason =
            messages::operation_text("service-deployment-stopped", &[]);
        deployment.updated_at = now;
    }
    crate::engine::deployments::deploy(
        cp,
        now,
        &cluster,
        &service,
        target,
        Some(messages::operation_text(
            "service-deployment-rollback",
            &[&id],
        )),
        Some(&id),
    );
    Ok(Response::StopServiceDeployment(
        StopServiceDeploymentResponse {
            service_deployment_arn: Some(arn),
        },
    ))
}

/// ContinueServiceDeployment: a PAUSE hook awaiting action is answered. CONTINUE lets the
/// deployment on to its next stage; ROLLBACK rolls it back.
pub(super) fn continue_deployment(
    cp: &mut State,
    now: SimTime,
    request: ContinueServiceDeploymentRequest,
) -> Result<Response, ApiError> {
    let action = match request.action.as_deref() {
        None | Some("CONTINUE") => HookStatus::Succeeded,
        Some("ROLLBACK") => HookStatus::Failed,
        Some(other) => {
            let path = berth_model::JsonPath::root().key("action");
            let mut error =
                messages::enum_value(other, &["CONTINUE", "ROLLBACK"], &path).to_api_error();
            error.exception = ExceptionType::InvalidParameterException;
            return Err(error);
        }
    };
    let arn = request.service_deployment_arn.unwrap_or_default();
    let hook_id = request.hook_id.unwrap_or_default();
    let (cluster, service, index) = find(cp, &arn)?;
    let record = cp.service_mut(&cluster, &service).expect("found");
    let h = &mut record.history[index];
    let status = h.status.clone();
    let run = h
        .hook_run_mut(&hook_id)
        .ok_or_else(|| messages::operation_error("hook-not-found", &[&hook_id, &arn]))?;
    if run.status != HookStatus::AwaitingAction {
        return Err(messages::operation_error(
            "hook-not-awaiting",
            &[&hook_id, &run.status],
        ));
    }
    if status != ServiceDeploymentStatus::InProgress {
        return Err(messages::operation_error(
            "deployment-not-in-progress",
            &[&arn, &status],
        ));
    }
    run.status = action;
    h.updated_at = now;
    let service_arn = record.doc.service_arn.clone();
    cp.out().emit(
        now,
        "ECS Hook State Change",
        &service_arn,
        &json!({
            "eventName": if action_continues(&request.action) { "HOOK_SUCCEEDED" } else { "HOOK_FAILED" },
            "hookId": hook_id,
            "serviceDeploymentArn": arn,
        }),
    );
    Ok(Response::StopServiceDeployment(
        StopServiceDeploymentResponse {
            service_deployment_arn: Some(arn),
        },
    ))
}

fn action_continues(action: &Option<String>) -> bool {
    action.as_deref() != Some("ROLLBACK")
}
