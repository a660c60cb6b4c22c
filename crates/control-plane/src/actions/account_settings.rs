//! PutAccountSetting, PutAccountSettingDefault, ListAccountSettings, DeleteAccountSetting.
//!
//! A setting's effective value for a principal is the principal's own, else the account's
//! default, else AWS's. `containerInsights` takes effect: it is the default of new clusters.
//! The long ARN formats can no longer be turned off in ECS, so Berth refuses `disabled`.

use crate::paging::page;
use crate::records::{account::SETTINGS, State};
use crate::requests::*;
use berth_model::{messages, ApiError, ExceptionType, JsonPath};

fn invalid_enum(value: &str, allowed: &[&str], member: &str) -> ApiError {
    let mut error =
        messages::enum_value(value, allowed, &JsonPath::root().key(member)).to_api_error();
    error.exception = ExceptionType::InvalidParameterException;
    error
}

/// Checks a name (and a value for it, when given).
fn check(name: Option<&str>, value: Option<&str>) -> Result<String, ApiError> {
    let names: Vec<&str> = SETTINGS.iter().map(|(n, _, _)| *n).collect();
    let name = name.unwrap_or("");
    let Some((_, _, allowed)) = SETTINGS.iter().find(|(n, _, _)| *n == name) else {
        return Err(invalid_enum(name, &names, "name"));
    };
    if let Some(value) = value {
        if !allowed.contains(&value) {
            return Err(invalid_enum(value, allowed, "value"));
        }
        if name.ends_with("LongArnFormat") && value == "disabled" {
            return Err(messages::operation_error("long-arn-format", &[&name]));
        }
    }
    Ok(name.to_owned())
}

fn setting(name: &str, value: &str, principal: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "value": value, "principalArn": principal, "type": "user"})
}

/// PutAccountSetting (for a principal) and PutAccountSettingDefault (`principal` `None`: the
/// account's default, shown with the root user as its principal).
fn put_setting(
    cp: &mut State,
    name: Option<&str>,
    value: Option<String>,
    principal: Option<String>,
) -> Result<Response, ApiError> {
    let value = value.unwrap_or_default();
    let name = check(name, Some(&value))?;
    let shown = principal.clone().unwrap_or_else(|| cp.scope.root_user());
    let settings = match principal {
        Some(principal) => cp
            .account_settings
            .by_principal
            .entry(principal)
            .or_default(),
        None => &mut cp.account_settings.defaults,
    };
    settings.insert(name.clone(), value.clone());
    Ok(Response::AccountSetting(AccountSettingResponse {
        setting: Some(setting(&name, &value, &shown)),
    }))
}

pub(super) fn put(cp: &mut State, request: PutAccountSettingRequest) -> Result<Response, ApiError> {
    let principal = request
        .principal_arn
        .unwrap_or_else(|| cp.scope.root_user());
    put_setting(cp, request.name.as_deref(), request.value, Some(principal))
}

pub(super) fn put_default(
    cp: &mut State,
    request: PutAccountSettingDefaultRequest,
) -> Result<Response, ApiError> {
    put_setting(cp, request.name.as_deref(), request.value, None)
}

pub(super) fn delete(
    cp: &mut State,
    request: DeleteAccountSettingRequest,
) -> Result<Response, ApiError> {
    let name = check(request.name.as_deref(), None)?;
    let principal = request
        .principal_arn
        .unwrap_or_else(|| cp.scope.root_user());
    let removed = cp
        .account_settings
        .by_principal
        .get_mut(&principal)
        .and_then(|settings| settings.remove(&name));
    let value = removed.unwrap_or_else(|| cp.account_settings.effective(&principal, &name));
    Ok(Response::AccountSetting(AccountSettingResponse {
        setting: Some(setting(&name, &value, &principal)),
    }))
}

pub(super) fn list(
    cp: &mut State,
    request: ListAccountSettingsRequest,
) -> Result<Response, ApiError> {
    if let Some(name) = request.name.as_deref() {
        check(Some(name), None)?;
    }
    let principal = request
        .principal_arn
        .unwrap_or_else(|| cp.scope.root_user());
    let effective = request.effective_settings.unwrap_or(false);
    let settings = &cp.account_settings;
    let found: Vec<serde_json::Value> = SETTINGS
        .iter()
        .map(|(name, _, _)| *name)
        .filter(|name| request.name.as_deref().is_none_or(|n| n == *name))
        .filter_map(|name| {
            let own = settings
                .by_principal
                .get(&principal)
                .and_then(|s| s.get(name))
                .cloned();
            let value = if effective {
                Some(settings.effective(&principal, name))
            } else {
                own
            }?;
            Some((name, value))
        })
        .filter(|(_, value)| request.value.as_deref().is_none_or(|v| v == value))
        .map(|(name, value)| setting(name, &value, &principal))
        .collect();
    let (settings, next_token) = page(
        &found,
        request.max_results,
        request.next_token.as_deref(),
        10,
    )?;
    Ok(Response::AccountSettings(AccountSettingsResponse {
        settings: Some(settings),
        next_token,
    }))
}
