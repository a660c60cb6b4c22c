//! The account's settings (PutAccountSetting and friends): per principal, and the defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Every setting: its name, AWS's default, and the values it takes. The defaults of the
/// newer settings are UNCONFIRMED best guesses from the API reference's descriptions.
pub(crate) const SETTINGS: &[(&str, &str, &[&str])] = &[
    ("serviceLongArnFormat", "enabled", &["enabled", "disabled"]),
    ("taskLongArnFormat", "enabled", &["enabled", "disabled"]),
    (
        "containerInstanceLongArnFormat",
        "enabled",
        &["enabled", "disabled"],
    ),
    ("awsvpcTrunking", "disabled", &["enabled", "disabled"]),
    (
        "containerInsights",
        "disabled",
        &["enabled", "disabled", "enhanced"],
    ),
    ("fargateFIPSMode", "disabled", &["enabled", "disabled"]),
    ("tagResourceAuthorization", "on", &["on", "off"]),
    ("fargateTaskRetirementWaitPeriod", "7", &["0", "7", "14"]),
    ("guardDutyActivate", "off", &["on", "off"]),
    (
        "defaultLogDriverMode",
        "blocking",
        &["blocking", "non-blocking"],
    ),
    ("fargateEventWindows", "disabled", &["enabled", "disabled"]),
];

/// The account's settings: per principal, and the account-wide defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct AccountSettings {
    pub(crate) by_principal: BTreeMap<String, BTreeMap<String, String>>,
    pub(crate) defaults: BTreeMap<String, String>,
}

impl AccountSettings {
    /// The value that applies to `principal`.
    pub(crate) fn effective(&self, principal: &str, name: &str) -> String {
        self.by_principal
            .get(principal)
            .and_then(|settings| settings.get(name))
            .or_else(|| self.defaults.get(name))
            .cloned()
            .unwrap_or_else(|| {
                SETTINGS
                    .iter()
                    .find(|(n, _, _)| *n == name)
                    .map_or_else(String::new, |(_, default, _)| (*default).to_owned())
            })
    }
}
