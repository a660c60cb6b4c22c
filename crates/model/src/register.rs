//! Registration: a valid task definition becomes the document ECS stores and returns.
//!
//! Normalisation is what `describe-task-definition` shows after `register-task-definition`:
//! `cpu`/`memory` in units, container defaults made explicit (`essential: true`, `cpu: 0`,
//! empty `environment`/`mountPoints`/`volumesFrom`/`portMappings`), port mappings with their
//! protocol and, in awsvpc and host mode, their host port; and the read-only members
//! (`taskDefinitionArn`, `revision`, `status`, `compatibilities`, `requiresAttributes`,
//! `registeredAt`, `registeredBy`) computed here, replacing anything pasted in.

use crate::arn::ArnScope;
use crate::parse::{parse_task_definition, InputForm, ParsedTaskDefinition, SyntaxError};
use crate::problem::Problem;
use crate::task_definition::*;
use crate::time::SimTime;
use crate::units::{parse_cpu_units, parse_memory_mib};
use crate::validate::{compatibilities, effective_network_mode, validate};

/// What registration needs besides the document: where, which revision, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationContext {
    /// Region and account of the ARN.
    pub scope: ArnScope,
    /// The revision this registration gets (the family's previous maximum plus one).
    pub revision: u32,
    /// The registration time.
    pub now: SimTime,
}

/// The result of checking a pasted document, as the editor and `berth validate` show it.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Not JSON.
    Malformed(SyntaxError),
    /// JSON, but ECS would refuse it: every problem, paths relative to the pasted text.
    Invalid(Vec<Problem>),
    /// What ECS would store and return, and the tags returned beside it.
    Registered {
        /// The registered task definition.
        task_definition: Box<TaskDefinition>,
        /// Its tags, if any were given.
        tags: Option<Vec<Tag>>,
    },
}

/// Reads, validates and registers `text` in one step. `family` names a bare
/// `containerDefinitions` array's family.
pub fn check_text(text: &str, family: Option<&str>, context: &RegistrationContext) -> Outcome {
    match parse_task_definition(text, family) {
        Err(syntax) => Outcome::Malformed(syntax),
        Ok(parsed) => check_parsed(parsed, context),
    }
}

/// Validates and registers an already-parsed document.
pub fn check_parsed(parsed: ParsedTaskDefinition, context: &RegistrationContext) -> Outcome {
    let ParsedTaskDefinition {
        task_definition,
        prefix,
        mut problems,
        form,
    } = parsed;
    let found = validate(&task_definition);
    problems.extend(found.into_iter().map(|problem| {
        let mut path = problem.path.under(&prefix);
        // A bare array's paths start at the array.
        if form == InputForm::ContainerDefinitions {
            if let Some(crate::problem::PathSegment::Key(key)) = path.0.first() {
                if key == "containerDefinitions" {
                    path.0.remove(0);
                }
            }
        }
        Problem { path, ..problem }
    }));
    if !problems.is_empty() {
        return Outcome::Invalid(problems);
    }
    let mut registered = register(task_definition, context);
    let tags = registered.tags.take();
    Outcome::Registered {
        task_definition: Box::new(registered),
        tags,
    }
}

/// Registers a task definition that has passed [`validate`]: normalises it and fills in the
/// read-only members. The result's `tags` still hold the request's tags; callers that
/// return the document move them beside it, as ECS does.
pub fn register(mut td: TaskDefinition, context: &RegistrationContext) -> TaskDefinition {
    let family = td.family.clone().unwrap_or_default();
    let mode = effective_network_mode(&td);
    if let Some(cpu) = td.cpu.as_deref().and_then(parse_cpu_units) {
        td.cpu = Some(cpu.to_string());
    }
    if let Some(memory) = td.memory.as_deref().and_then(parse_memory_mib) {
        td.memory = Some(memory.to_string());
    }
    for container in td.container_definitions.iter_mut().flatten() {
        container.cpu.get_or_insert(0);
        container.essential.get_or_insert(true);
        container.environment.get_or_insert_with(Vec::new);
        container.mount_points.get_or_insert_with(Vec::new);
        container.volumes_from.get_or_insert_with(Vec::new);
        for mapping in container.port_mappings.get_or_insert_with(Vec::new) {
            mapping.protocol.get_or_insert(TransportProtocol::Tcp);
            if matches!(mode, NetworkMode::Awsvpc | NetworkMode::Host)
                && mapping.container_port_range.is_none()
            {
                mapping.host_port = mapping.host_port.or(mapping.container_port);
            }
        }
    }
    // An EFS volume without a root directory mounts the file system's root, and ECS stores
    // it so: "rootDirectory": "/" (a registered definition quoted in
    // CircleCI-Public/aws-ecs-orb #105; the only source found, so our reading).
    for volume in td.volumes.get_or_insert_with(Vec::new) {
        if let Some(efs) = &mut volume.efs_volume_configuration {
            efs.root_directory.get_or_insert_with(|| "/".to_owned());
        }
    }
    td.placement_constraints.get_or_insert_with(Vec::new);
    td.task_definition_arn = Some(context.scope.task_definition(&family, context.revision));
    td.revision = Some(context.revision);
    td.status = Some(TaskDefinitionStatus::Active);
    td.requires_attributes = Some(requires_attributes(&td));
    td.compatibilities = Some(compatibilities(&td));
    td.registered_at = Some(context.now);
    td.registered_by = Some(context.scope.root_user());
    td.deregistered_at = None;
    td.delete_requested_at = None;
    td
}

/// The container-instance attributes a host must have to run `td`, derived from the
/// features it uses, in a fixed order without repeats.
///
/// UNCONFIRMED in detail: which Docker remote API level each feature maps to follows the
/// ECS documentation's "requires version 1.x of the Docker Remote API" notes and outputs
/// seen in public issues; ECS may list more or fewer attributes.
pub fn requires_attributes(td: &TaskDefinition) -> Vec<Attribute> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    };
    const API: &str = "com.amazonaws.ecs.capability.docker-remote-api.";
    let containers = td.container_definitions.as_deref().unwrap_or(&[]);
    for c in containers {
        if let Some(driver) = c
            .log_configuration
            .as_ref()
            .and_then(|l| l.log_driver.as_ref())
        {
            add(&format!(
                "com.amazonaws.ecs.capability.logging-driver.{driver}"
            ));
            add(&format!("{API}1.18"));
            if *driver == LogDriver::Awslogs {
                add(&format!("{API}1.19"));
                if td.execution_role_arn.is_some() {
                    add("ecs.capability.execution-role-awslogs");
                }
            }
            if *driver == LogDriver::Awsfirelens {
                add("ecs.capability.firelens.options.config.file");
            }
        }
        if c.docker_labels.is_some() || c.ulimits.is_some() {
            add(&format!("{API}1.18"));
        }
        if c.memory_reservation.is_some() {
            add(&format!("{API}1.21"));
        }
        if c.health_check.is_some() {
            add("ecs.capability.container-health-check");
            add(&format!("{API}1.24"));
        }
        if c.linux_parameters
            .as_ref()
            .is_some_and(|l| l.init_process_enabled == Some(true))
        {
            add(&format!("{API}1.25"));
        }
        if c.privileged == Some(true) {
            add("com.amazonaws.ecs.capability.privileged-container");
        }
        if c.depends_on.is_some() || c.start_timeout.is_some() || c.stop_timeout.is_some() {
            add("ecs.capability.container-ordering");
        }
        if c.image.as_deref().is_some_and(|i| i.contains(".dkr.ecr.")) {
            add("com.amazonaws.ecs.capability.ecr-auth");
            if td.execution_role_arn.is_some() {
                add("ecs.capability.execution-role-ecr-pull");
            }
        }
        if c.repository_credentials.is_some() {
            add("com.amazonaws.ecs.capability.private-registry-authentication.secretsmanager");
        }
        for secret in c.secrets.iter().flatten() {
            if secret
                .value_from
                .as_deref()
                .is_some_and(|v| v.contains(":secretsmanager:"))
            {
                add("ecs.capability.secrets.asm.environment-variables");
            } else {
                add("ecs.capability.secrets.ssm.environment-variables");
            }
        }
        if c.environment_files.is_some() {
            add("ecs.capability.env-files.s3");
        }
        if let Some(firelens) = &c.firelens_configuration {
            let kind = firelens.r#type.as_ref().map_or("fluentbit", |t| t.as_str());
            add(&format!("ecs.capability.firelens.{kind}"));
        }
        if c.port_mappings
            .iter()
            .flatten()
            .any(|m| m.container_port_range.is_some())
        {
            add("ecs.capability.network.container-port-range");
        }
        if c.restart_policy
            .as_ref()
            .is_some_and(|r| r.enabled == Some(true))
        {
            add("ecs.capability.container-restart-policy");
        }
    }
    if td.task_role_arn.is_some() {
        add("com.amazonaws.ecs.capability.task-iam-role");
    }
    if effective_network_mode(td) == NetworkMode::Awsvpc {
        add("ecs.capability.task-eni");
    }
    if td
        .volumes
        .iter()
        .flatten()
        .any(|v| v.efs_volume_configuration.is_some())
    {
        add("ecs.capability.efsAuth");
        add("ecs.capability.efs");
    }
    if td.proxy_configuration.is_some() {
        add("ecs.capability.aws-appmesh");
    }
    let mut attributes: Vec<Attribute> = names
        .into_iter()
        .map(|name| Attribute {
            name,
            ..Attribute::default()
        })
        .collect();
    if td
        .runtime_platform
        .as_ref()
        .and_then(|p| p.cpu_architecture.as_ref())
        == Some(&CpuArchitecture::Arm64)
    {
        attributes.push(Attribute {
            name: "ecs.cpu-architecture".into(),
            value: Some("arm64".into()),
            ..Attribute::default()
        });
    }
    attributes
}
