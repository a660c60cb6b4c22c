//! ARNs and ids in ECS's long format.
//!
//! Every account has had the long ARN format since April 2021: `task/<cluster>/<id>`,
//! `container-instance/<cluster>/<id>`, `service/<cluster>/<name>`, with ids of 32 lowercase
//! hex characters. Ids come from a generator passed in by the caller (seeded in the
//! simulator), so this module never asks the OS for entropy.

use std::fmt;

/// The partition, region and account every ARN of one control plane shares.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ArnScope {
    /// e.g. `us-east-1`.
    pub region: String,
    /// Twelve digits, e.g. `123456789012`.
    pub account_id: String,
}

impl Default for ArnScope {
    fn default() -> Self {
        ArnScope {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
        }
    }
}

impl ArnScope {
    fn arn(&self, resource: fmt::Arguments<'_>) -> String {
        format!(
            "arn:aws:ecs:{}:{}:{}",
            self.region, self.account_id, resource
        )
    }

    /// `arn:aws:ecs:<region>:<account>:cluster/<name>`.
    pub fn cluster(&self, name: &str) -> String {
        self.arn(format_args!("cluster/{name}"))
    }

    /// `arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>`.
    pub fn task_definition(&self, family: &str, revision: u32) -> String {
        self.arn(format_args!("task-definition/{family}:{revision}"))
    }

    /// `arn:aws:ecs:<region>:<account>:task/<cluster>/<id>`.
    pub fn task(&self, cluster: &str, id: &EcsId) -> String {
        self.arn(format_args!("task/{cluster}/{id}"))
    }

    /// `arn:aws:ecs:<region>:<account>:container-instance/<cluster>/<id>`.
    pub fn container_instance(&self, cluster: &str, id: &EcsId) -> String {
        self.arn(format_args!("container-instance/{cluster}/{id}"))
    }

    /// `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`.
    pub fn service(&self, cluster: &str, name: &str) -> String {
        self.arn(format_args!("service/{cluster}/{name}"))
    }

    /// `arn:aws:ecs:<region>:<account>:service/<name>`: the short form DescribeServices
    /// names a missing service with, without its cluster (real outputs quoted in
    /// aws-actions/amazon-ecs-deploy-task-definition #312 and #369).
    pub fn missing_service(&self, name: &str) -> String {
        self.arn(format_args!("service/{name}"))
    }

    /// `arn:aws:ecs:<region>:<account>:container/<cluster>/<task-id>/<id>`
    /// (the long container form is UNCONFIRMED; see ECS_REFERENCE §2.2).
    pub fn container(&self, cluster: &str, task_id: &EcsId, id: &EcsId) -> String {
        self.arn(format_args!("container/{cluster}/{task_id}/{id}"))
    }

    /// The IAM identity shown as `registeredBy`: the account's root user.
    pub fn root_user(&self) -> String {
        format!("arn:aws:iam::{}:root", self.account_id)
    }
}

/// A 32-character lowercase hex id, as ECS gives tasks and container instances.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EcsId(String);

impl EcsId {
    /// Builds an id from 128 random bits supplied by the caller's seeded generator.
    pub fn from_bits(bits: u128) -> EcsId {
        EcsId(format!("{bits:032x}"))
    }

    /// Accepts a 32-hex id (either case, stored lowercase); `None` otherwise.
    pub fn parse(text: &str) -> Option<EcsId> {
        (text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| EcsId(text.to_ascii_lowercase()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a UUID is written (8-4-4-4-12), as AWS writes execution ids.
    pub fn hyphenated(&self) -> String {
        let s = &self.0;
        format!(
            "{}-{}-{}-{}-{}",
            &s[..8],
            &s[8..12],
            &s[12..16],
            &s[16..20],
            &s[20..]
        )
    }
}

impl fmt::Display for EcsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The parts of an ECS ARN: `arn:<partition>:ecs:<region>:<account>:<resource>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedArn<'a> {
    /// e.g. `us-east-1`.
    pub region: &'a str,
    /// e.g. `123456789012`.
    pub account_id: &'a str,
    /// The resource type before the first `/`: `task`, `cluster`, `task-definition`, ...
    pub resource_type: &'a str,
    /// Everything after the first `/`.
    pub resource: &'a str,
}

/// Splits an ECS ARN; `None` when `text` is not one (callers then treat it as a name or id).
pub fn parse_arn(text: &str) -> Option<ParsedArn<'_>> {
    let mut parts = text.splitn(6, ':');
    let (arn, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    let (region, account_id, rest) = (parts.next()?, parts.next()?, parts.next()?);
    if arn != "arn" || service != "ecs" {
        return None;
    }
    let (resource_type, resource) = rest.split_once('/')?;
    Some(ParsedArn {
        region,
        account_id,
        resource_type,
        resource,
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Long-format ARNs have the shapes ECS documents, and parse back into their parts.
    #[test]
    fn long_format() {
        let scope = ArnScope::default();
        let id = EcsId::from_bits(0xabc);
        assert_eq!(id.as_str(), "00000000000000000000000000000abc");
        let task = scope.task("default", &id);
        assert_eq!(
            task,
            "arn:aws:ecs:us-east-1:123456789012:task/default/00000000000000000000000000000abc"
        );
        let parsed = parse_arn(&task).unwrap();
        assert_eq!(parsed.resource_type, "task");
        assert_eq!(parsed.resource, "default/00000000000000000000000000000abc");
        assert_eq!(
            scope.task_definition("web", 3),
            "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"
        );
        assert_eq!(parse_arn("web:3"), None);
        assert_eq!(
            EcsId::parse("0C949733862C4979B5BDD4F8B474C58E")
                .unwrap()
                .as_str()
                .len(),
            32
        );
        assert_eq!(EcsId::parse("0c949733-862c-4979-b5bd-d4f8b474c58e"), None);
    }
}
