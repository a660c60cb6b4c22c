//! RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition,
//! ListTaskDefinitions, ListTaskDefinitionFamilies.
//!
//! Revisions count up per family from 1 and are never reused, even after deregistration.
//! Deregistered (INACTIVE) revisions stay describable; new tasks may not use them.

use berth_model::arn::parse_arn;
use berth_model::task_definition::{TaskDefinition, TaskDefinitionStatus};
use berth_model::{
    messages, register, validate, ApiError, ExceptionType, RegistrationContext, SimTime,
};

use crate::paging::page;
use crate::requests::*;
use crate::ControlPlane;

/// What a `taskDefinition` parameter names: a family and maybe a revision.
pub(crate) fn parse_reference(text: &str) -> Result<(String, Option<u32>), ApiError> {
    let reference = match parse_arn(text) {
        Some(arn) if arn.resource_type == "task-definition" => arn.resource,
        _ => text,
    };
    match reference.rsplit_once(':') {
        Some((family, revision)) => match revision.parse::<u32>() {
            Ok(revision) => Ok((family.to_owned(), Some(revision))),
            Err(_) => Err(ApiError::new(
                ExceptionType::InvalidParameterException,
                messages::INVALID_REVISION,
            )),
        },
        None => Ok((reference.to_owned(), None)),
    }
}

/// The revision a reference resolves to: the given one, or the family's latest ACTIVE one.
pub(crate) fn resolve<'r>(cp: &'r ControlPlane, text: &str) -> Option<&'r TaskDefinition> {
    let (family, revision) = parse_reference(text).ok()?;
    let family = cp.task_definitions.families.get(&family)?;
    match revision {
        Some(revision) => family.revisions.get(&revision).map(|(td, _)| td),
        None => family
            .revisions
            .values()
            .rev()
            .map(|(td, _)| td)
            .find(|td| td.status == Some(TaskDefinitionStatus::Active)),
    }
}

pub(super) fn register_definition(
    cp: &mut ControlPlane,
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
    cp: &mut ControlPlane,
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
    cp: &mut ControlPlane,
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
    let revision = revision.ok_or_else(|| messages::unconfirmed_error("revision-missing", &[]))?;
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

pub(super) fn list(
    cp: &mut ControlPlane,
    request: ListTaskDefinitionsRequest,
) -> Result<Response, ApiError> {
    let status = request.status.as_deref().unwrap_or("ACTIVE");
    let prefix = request.family_prefix.as_deref().unwrap_or("");
    let mut arns: Vec<String> = cp
        .task_definitions
        .families
        .iter()
        .filter(|(family, _)| family.starts_with(prefix))
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
    cp: &mut ControlPlane,
    request: ListTaskDefinitionFamiliesRequest,
) -> Result<Response, ApiError> {
    let status = request.status.as_deref().unwrap_or("ACTIVE");
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
                "ALL" => true,
                "INACTIVE" => !active,
                _ => active,
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
