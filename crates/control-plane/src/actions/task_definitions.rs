//! RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition,
//! DeleteTaskDefinitions, ListTaskDefinitions, ListTaskDefinitionFamilies.
//!
//! Revisions count up per family from 1 and are never reused, even after deregistration.
//! Deregistered (INACTIVE) revisions stay describable; new tasks may not use them. Deleting
//! an INACTIVE revision makes it DELETE_IN_PROGRESS; it goes for good once no task or service
//! deployment refers to it any more ([`purge_deleted`]).

use crate::paging::page;
use crate::records::{parse_reference, purge_deleted, resolve, State};
use crate::requests::*;
use berth_model::resources::Failure;
use berth_model::task_definition::{TaskDefinition, TaskDefinitionStatus};
use berth_model::{
    messages, register, validate, ApiError, ExceptionType, RegistrationContext, SimTime,
};

pub(super) fn register_definition(
    cp: &mut State,
    now: SimTime,
    td: TaskDefinition,
) -> Result<Response, ApiError> {
    if let Some(problem) = validate(&td).into_iter().next() {
        return Err(problem.to_api_error());
    }
    let family_name = td.family.clone().unwrap_or_default();
    let family = cp.task_definitions.families.entry(family_name).or_default();
    let revision = family.last_revision + 1;
    let context = RegistrationContext {
        scope: cp.scope.clone(),
        revision,
        now,
    };
    let mut registered = register(td, &context);
    let tags = registered.tags.take().unwrap_or_default();
    family.last_revision = revision;
    family
        .revisions
        .insert(revision, (registered.clone(), tags.clone()));
    Ok(Response::TaskDefinition(TaskDefinitionResponse {
        task_definition: Some(registered),
        tags: (!tags.is_empty()).then_some(tags),
    }))
}

pub(super) fn describe(
    cp: &mut State,
    request: DescribeTaskDefinitionRequest,
) -> Result<Response, ApiError> {
    let not_found = || {
        ApiError::new(
            ExceptionType::ClientException,
            messages::UNABLE_TO_DESCRIBE_TASK_DEFINITION,
        )
    };
    let text = request.task_definition.ok_or_else(not_found)?;
    let (family, _) = parse_reference(&text)?;
    let td = resolve(cp, &text).ok_or_else(not_found)?;
    let with_tags = request
        .include
        .unwrap_or_default()
        .iter()
        .any(|i| i == "TAGS");
    let tags = cp.task_definitions.families[&family]
        .revisions
        .get(&td.revision.unwrap_or(0))
        .map(|(_, tags)| tags.clone())
        .filter(|_| with_tags);
    Ok(Response::TaskDefinition(TaskDefinitionResponse {
        task_definition: Some(td.clone()),
        tags,
    }))
}

pub(super) fn deregister(
    cp: &mut State,
    now: SimTime,
    request: DeregisterTaskDefinitionRequest,
) -> Result<Response, ApiError> {
    let missing = || {
        ApiError::new(
            ExceptionType::ClientException,
            messages::TASK_DEFINITION_DOES_NOT_EXIST,
        )
    };
    let text = request.task_definition.ok_or_else(missing)?;
    let (family, revision) = parse_reference(&text)?;
    let revision = revision.ok_or_else(|| messages::operation_error("revision-missing", &[]))?;
    let (td, _) = cp
        .task_definitions
        .families
        .get_mut(&family)
        .and_then(|f| f.revisions.get_mut(&revision))
        .ok_or_else(missing)?;
    if td.status == Some(TaskDefinitionStatus::Active) {
        td.status = Some(TaskDefinitionStatus::Inactive);
        td.deregistered_at = Some(now);
    }
    Ok(Response::TaskDefinition(TaskDefinitionResponse {
        task_definition: Some(td.clone()),
        tags: None,
    }))
}

/// At most this many revisions per DeleteTaskDefinitions call.
const MAX_DELETIONS: usize = 10;

pub(super) fn delete(
    cp: &mut State,
    now: SimTime,
    request: DeleteTaskDefinitionsRequest,
) -> Result<Response, ApiError> {
    let given = request.task_definitions.unwrap_or_default();
    if given.is_empty() {
        return Err(messages::operation_error(
            "delete-task-definitions-empty",
            &[],
        ));
    }
    if given.len() > MAX_DELETIONS {
        return Err(messages::operation_error(
            "delete-task-definitions-count",
            &[],
        ));
    }
    let mut deleted = Vec::new();
    let mut failures = Vec::new();
    for text in given {
        let failure = |reason: &str, detail: Option<String>| Failure {
            arn: Some(text.clone()),
            reason: Some(reason.to_owned()),
            detail,
        };
        let (family, revision) = match parse_reference(&text) {
            Ok((family, Some(revision))) => (family, revision),
            Ok((_, None)) => {
                failures.push(failure(
                    &messages::operation_text("delete-task-definition-identifier", &[]),
                    None,
                ));
                continue;
            }
            Err(error) => {
                failures.push(failure(&error.message, None));
                continue;
            }
        };
        let Some((td, _)) = cp
            .task_definitions
            .families
            .get_mut(&family)
            .and_then(|f| f.revisions.get_mut(&revision))
        else {
            failures.push(failure(
                &messages::operation_text("delete-task-definition-missing", &[]),
                None,
            ));
            continue;
        };
        if td.status == Some(TaskDefinitionStatus::Active) {
            failures.push(failure(
                &messages::operation_text("delete-active-task-definition", &[]),
                None,
            ));
            continue;
        }
        if td.status == Some(TaskDefinitionStatus::Inactive) {
            td.status = Some(TaskDefinitionStatus::DeleteInProgress);
            td.delete_requested_at = Some(now);
        }
        deleted.push(td.clone());
    }
    purge_deleted(cp);
    Ok(Response::DeleteTaskDefinitions(
        DeleteTaskDefinitionsResponse {
            task_definitions: Some(deleted),
            failures: Some(failures),
        },
    ))
}

pub(super) fn list(
    cp: &mut State,
    request: ListTaskDefinitionsRequest,
) -> Result<Response, ApiError> {
    let status = request.status.as_deref().unwrap_or("ACTIVE");
    crate::records::one_of(
        Some(status),
        "status",
        &["ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"],
    )?;
    crate::records::one_of(request.sort.as_deref(), "sort", &["ASC", "DESC"])?;
    let prefix = request.family_prefix.as_deref().unwrap_or("");
    let mut arns: Vec<String> = cp
        .task_definitions
        .families
        .iter()
        // Despite its name, ListTaskDefinitions' familyPrefix is the full family name.
        .filter(|(family, _)| prefix.is_empty() || family.as_str() == prefix)
        .flat_map(|(_, family)| family.revisions.values())
        .filter(|(td, _)| td.status.as_ref().map(|s| s.as_str()) == Some(status))
        .filter_map(|(td, _)| td.task_definition_arn.clone())
        .collect();
    if request.sort.as_deref() == Some("DESC") {
        arns.reverse();
    }
    let (arns, next_token) = page(
        &arns,
        request.max_results,
        request.next_token.as_deref(),
        100,
    )?;
    Ok(Response::ListTaskDefinitions(ListTaskDefinitionsResponse {
        task_definition_arns: Some(arns),
        next_token,
    }))
}

pub(super) fn list_families(
    cp: &mut State,
    request: ListTaskDefinitionFamiliesRequest,
) -> Result<Response, ApiError> {
    // "By default, both ACTIVE and INACTIVE task definition families are listed."
    let status = request.status.as_deref().unwrap_or("ALL");
    crate::records::one_of(Some(status), "status", &["ACTIVE", "INACTIVE", "ALL"])?;
    let prefix = request.family_prefix.as_deref().unwrap_or("");
    let families: Vec<String> = cp
        .task_definitions
        .families
        .iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .filter(|(_, family)| {
            let active = family
                .revisions
                .values()
                .any(|(td, _)| td.status == Some(TaskDefinitionStatus::Active));
            match status {
                "ACTIVE" => active,
                "INACTIVE" => !active,
                _ => true,
            }
        })
        .map(|(name, _)| name.clone())
        .collect();
    let (families, next_token) = page(
        &families,
        request.max_results,
        request.next_token.as_deref(),
        100,
    )?;
    Ok(Response::ListTaskDefinitionFamilies(
        ListTaskDefinitionFamiliesResponse {
            families: Some(families),
            next_token,
        },
    ))
}
