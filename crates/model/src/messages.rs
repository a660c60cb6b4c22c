//! Every message text Berth's model returns, in ECS's words, in one place.
//!
//! Texts seen in real ECS responses are plain functions below, each with its source. Texts we
//! could not confirm are in two tables here, [`UNCONFIRMED`] (the documents' rules, which the
//! page judges alone) and [`OPERATIONS_UNCONFIRMED`] (ECS's operations), so a better source
//! fixes one line.
//! Sources are short keys of shared/ECS_REFERENCE.md or public issues quoting the API.

use serde_json::Value;

use crate::problem::{ExceptionType, JsonPath, Problem};

use ExceptionType::{
    AttributeLimitExceededException, ClientException, InvalidParameterException,
    NamespaceNotFoundException, NoUpdateAvailableException, ResourceInUseException,
    ResourceNotFoundException, SerializationException, TargetNotConnectedException,
    TargetNotFoundException, TaskSetNotFoundException, UnknownOperationException,
    UnsupportedFeatureException, UpdateInProgressException,
};

/// Messages we could not confirm from a real response: `(key, exception, template)`.
/// `{}` placeholders are filled in order. These are the documents' rules (task definitions,
/// placement); the operations' guesses are in [`OPERATIONS_UNCONFIRMED`].
pub const UNCONFIRMED: &[(&str, ExceptionType, &str)] = &[
    // The shape of a request is checked by the service framework; its wording for an
    // unknown member follows botocore's client-side check, which is what AWS CLI users see.
    ("unknown-parameter", InvalidParameterException, "Unknown parameter in {}: \"{}\", must be one of: {}"),
    ("invalid-type", SerializationException, "Invalid type for parameter {}, value: {}, valid types: {}"),
    // AWS's generic request-validation form.
    ("enum", ClientException, "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]"),
    ("reservation-above-memory", ClientException, "Invalid setting for container '{}'. 'memory' must be greater than or equal to 'memoryReservation'."),
    ("container-memory-minimum", ClientException, "Invalid 'memory' setting for container '{}'. The minimum is 6 MiB."),
    ("container-cpu-negative", ClientException, "Invalid 'cpu' setting for container '{}'."),
    ("task-memory-invalid", ClientException, "Invalid 'memory' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."),
    ("host-port-invalid", ClientException, "Invalid 'hostPort' setting for container '{}'."),
    ("none-port-mappings", ClientException, "Port mappings are not supported when networkMode=none."),
    ("link-unknown", ClientException, "Invalid 'links' setting. Unknown container: '{}'."),
    ("depends-on-self", ClientException, "Container '{}' cannot depend on itself."),
    ("depends-on-cycle", ClientException, "Container dependencies should not have a cycle"),
    ("depends-on-condition", ClientException, "Invalid 'dependsOn' setting for container '{}'. 'condition' must be specified."),
    ("health-check-command", ClientException, "Health check command must not be empty for container '{}'"),
    ("health-check-min", ClientException, "Health check {} must be greater than or equal to the minimum allowed value {} for container '{}'"),
    ("duplicate-volume", ClientException, "Volume names must be unique within a Task Definition."),
    ("volume-name", ClientException, "Volume.name contains invalid characters."),
    ("fargate-privileged", ClientException, "Fargate requires that the \u{2018}privileged\u{2019} setting be \u{2018}false\u{2019} at the container level."),
    ("fargate-links", ClientException, "Tasks using the Fargate launch type do not support links."),
    ("external-awsvpc", ClientException, "Tasks using the EXTERNAL launch type do not support network mode 'awsvpc'."),
    ("ephemeral-storage-max", ClientException, "EphemeralStorage size should be at most 200"),
    ("memberof-expression", ClientException, "constraint.expression should not be null or empty for 'memberOf'."),
    ("too-many-constraints", ClientException, "Too many placement constraints. The maximum is 10."),
    ("too-many-tags", InvalidParameterException, "Too many tags. The maximum is 50."),
    ("tag-key", InvalidParameterException, "Tag keys must be between 1 and 128 characters."),
    ("tag-value", InvalidParameterException, "Tag values must be at most 256 characters."),
    ("credential-specs", ClientException, "Only one credentialSpecs entry is supported for container '{}'."),
    ("container-port-protocols", ClientException, "Container port '{}' is exposed with more than one protocol in container '{}'."),
    ("gpu-value", ClientException, "Invalid GPU value '{}' for container '{}'."),
    ("start-timeout-fargate", ClientException, "Tasks using the Fargate launch type must have a container start timeout between 2 and 120 seconds."),
    ("proxy-container-name", ClientException, "ProxyConfiguration.containerName should not be null or empty."),
    // Placement (RunTask, StartTask, CreateService, UpdateService).
    ("expression-invalid", InvalidParameterException, "Invalid placement constraint expression '{}': {}."),
    ("expression-missing", InvalidParameterException, "A memberOf placement constraint requires an expression."),
    ("distinct-with-expression", InvalidParameterException, "A distinctInstance placement constraint does not take an expression."),
    ("too-many-task-constraints", InvalidParameterException, "Too many placement constraints. The maximum is 10."),
    ("too-many-strategies", InvalidParameterException, "Too many placement strategies. The maximum is 5."),
    ("strategy-field", InvalidParameterException, "Invalid field '{}' for placement strategy type '{}'."),
    ("member-of-unsatisfied", InvalidParameterException, "MemberOf placement constraint unsatisfied."),
    ("distinct-instance-unsatisfied", InvalidParameterException, "DistinctInstance placement constraint unsatisfied."),
    ("closest-error", InvalidParameterException, "The closest matching container-instance {} encountered error \"{}\"."),
];

/// The guesses of ECS's operations, beside the document rules in [`UNCONFIRMED`]:
/// `(key, exception, template)` in the same form. A table of its own so that the page served
/// by `berth serve`, which judges documents but runs no operation, does not carry it.
pub const OPERATIONS_UNCONFIRMED: &[(&str, ExceptionType, &str)] = &[
    // Control plane.
    ("run-task-count", InvalidParameterException, "Count must be between 1 and 10."),
    // AZ rebalancing at maximumPercent 100 or less: as several users' logs quote it (the DG
    // says only that it is not supported); UpdateService's form adds a prefix.
    ("rebalancing-maximum-percent", InvalidParameterException, "Availability Zone Rebalancing does not support maximumPercent <= 100 % as deployment configuration."),
    ("rebalancing-maximum-percent-update", InvalidParameterException, "The service couldn't be updated because Availability Zone Rebalancing does not support maximumPercent <= 100 % as deployment configuration."),
    ("start-task-instances", InvalidParameterException, "Container instances must be between 1 and 10."),
    ("task-definition-blank", ClientException, "TaskDefinition can not be blank."),
    ("revision-missing", ClientException, "Revision is missing."),
    ("instance-has-tasks", InvalidParameterException, "Found running tasks on the instance."),
    ("container-instances-empty", ClientException, "Container Instances cannot be empty."),
    ("instance-status", InvalidParameterException, "Container instance status should be one of [ACTIVE, DRAINING]"),
    ("stopped-by-user", ClientException, "Task stopped by user"),
    ("fargate-unsupported", InvalidParameterException, "1 validation error detected: Value '{}' at 'launchType' failed to satisfy constraint: Member must satisfy enum value set: [EC2, FARGATE, EXTERNAL]"),
    ("fargate-placement", InvalidParameterException, "Task placement constraints and strategies are not supported for the Fargate launch type."),
    ("fargate-daemon", InvalidParameterException, "The DAEMON scheduling strategy does not support the Fargate launch type."),
    ("next-token", InvalidParameterException, "Invalid nextToken: {}"),
    ("max-results", InvalidParameterException, "maxResults must be between 1 and {}."),
    // A list filter outside its enum: refused as ListTasks' desiredStatus is, not answered
    // with an empty list.
    ("filter-enum", InvalidParameterException, "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]"),
    ("identity-document", InvalidParameterException, "The instance identity document is not valid JSON: {}"),
    // Agent reports through the API.
    ("submitted-status", InvalidParameterException, "1 validation error detected: Value '{}' at 'status' failed to satisfy constraint: Member must be one of [PENDING, RUNNING, STOPPED]"),
    // Service deployments.
    ("deployment-superseded", ClientException, "ECS deployment stopped: a newer deployment of the service started."),
    ("deployment-service-deleted", ClientException, "ECS deployment stopped: the service is being deleted."),
    ("service-deployment-arns", InvalidParameterException, "serviceDeploymentArns must contain between 1 and 20 items."),
    ("stop-type", InvalidParameterException, "stopType must be ROLLBACK."),
    ("service-deployment-not-found", ClientException, "The service deployment {} was not found."),
    ("service-deployment-conflict", ClientException, "The service deployment cannot be stopped in its {} status."),
    ("service-deployment-stopped", ClientException, "ECS deployment stopped by StopServiceDeployment."),
    ("service-deployment-rollback", ClientException, "ECS deployment rolling back: (deployment {}) was stopped by StopServiceDeployment."),
    ("service-revision-arns", InvalidParameterException, "serviceRevisionArns must contain between 1 and 20 items."),
    // UpdateContainerAgent, ListServicesByNamespace, SubmitAttachmentStateChanges.
    // ExecuteCommand: the first is the well-known answer for a task launched without
    // enableExecuteCommand; the second ECS's when the task's SSM agent cannot be reached.
    ("exec-not-enabled", InvalidParameterException, "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn\u{2019}t running. Wait and try the command again or run a new task with execute command enabled and try again."),
    ("exec-no-agent", TargetNotConnectedException, "The execute command failed due to an internal error. Try again later."),
    ("exec-interactive-only", InvalidParameterException, "Interactive is the only mode supported currently."),
    ("exec-command-required", InvalidParameterException, "command can not be blank."),
    ("exec-container-required", InvalidParameterException, "The container name must be specified when there are multiple containers in the task."),
    ("exec-container-unknown", InvalidParameterException, "The specified container {} was not found in the task."),
    ("no-agent-update", NoUpdateAvailableException, "There is no update available for your container instance."),
    ("agent-update-in-progress", UpdateInProgressException, "There is already a current agent update in progress."),
    ("agent-update-disconnected", InvalidParameterException, "The container instance agent is not connected."),
    ("namespace-not-found", NamespaceNotFoundException, "The specified namespace wasn't found."),
    ("attachment-not-found", InvalidParameterException, "Attachment {} not found."),
    ("attachment-status", InvalidParameterException, "1 validation error detected: Value '{}' at 'attachments.status' failed to satisfy constraint: Member must be one of [PRECREATED, CREATED, ATTACHING, ATTACHED, DETACHING, DETACHED, DELETED, FAILED]"),
    // Task sets (EXTERNAL and CODE_DEPLOY deployment controllers).
    ("task-set-controller", InvalidParameterException, "Task sets can only be created for services that use the EXTERNAL or CODE_DEPLOY deployment controller."),
    ("task-set-not-found", TaskSetNotFoundException, "The specified task set does not exist."),
    ("task-set-scale", InvalidParameterException, "Scale value must be between 0 and 100."),
    ("task-set-unit", InvalidParameterException, "Scale unit must be PERCENT."),
    ("task-set-not-scaled-down", InvalidParameterException, "The task set cannot be deleted because it has not been scaled down to zero. Use force to delete it anyway."),
    ("task-set-primary-delete", InvalidParameterException, "The task set cannot be deleted because it is the primary task set of the service."),
    ("task-set-started", ClientException, "(service {}, taskSet {}) has started {} tasks: {}."),
    ("external-service-task-definition", InvalidParameterException, "A service using the EXTERNAL deployment controller takes its task definition from its task sets; UpdateService cannot change it."),
    // Capacity providers.
    ("strategy-mixed", InvalidParameterException, "The capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling groups and Fargate providers. Specify one or the other and try again."),
    ("capacity-provider-other-cluster", InvalidParameterException, "The capacity provider {} uses managed scaling and is already associated with the cluster {}. It can be associated with only one cluster."),
    ("capacity-provider-name", InvalidParameterException, "The capacity provider name is invalid. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed."),
    ("capacity-provider-name-prefix", InvalidParameterException, "The capacity provider name can't be prefixed with \"aws\", \"ecs\", or \"fargate\"."),
    ("capacity-provider-exists", ClientException, "The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider."),
    ("capacity-provider-missing", ClientException, "The specified capacity provider does not exist."),
    ("capacity-provider-reserved", InvalidParameterException, "The FARGATE and FARGATE_SPOT capacity providers are reserved and can't be updated or deleted."),
    ("capacity-provider-associated", ClientException, "The specified capacity provider is in use and cannot be removed. Remove it from its cluster first."),
    ("capacity-provider-no-instance", InvalidParameterException, "No container instance of capacity provider {} can take the task."),
    ("capacity-provider-gave-up", InvalidParameterException, "Capacity provider {} does not scale: no capacity will come for the task."),
    ("managed-instances", UnsupportedFeatureException, "Berth does not offer Amazon ECS Managed Instances capacity providers; use an Auto Scaling group provider."),
    ("asg-provider-required", InvalidParameterException, "autoScalingGroupProvider must be specified."),
    ("asg-arn-required", InvalidParameterException, "autoScalingGroupProvider.autoScalingGroupArn must be specified."),
    ("asg-arn-invalid", InvalidParameterException, "The specified Auto Scaling group ARN is not valid: {}."),
    ("asg-arn-fixed", InvalidParameterException, "The Auto Scaling group of a capacity provider cannot be changed."),
    ("asg-in-use", ClientException, "The specified Auto Scaling group is already in use by the capacity provider {}."),
    ("enabled-disabled", InvalidParameterException, "Invalid value '{}'. Valid values are ENABLED and DISABLED."),
    ("managed-scaling-status", InvalidParameterException, "Invalid managedScaling status '{}'. Valid values are ENABLED and DISABLED."),
    ("managed-scaling-range", InvalidParameterException, "managedScaling.{} must be between {} and {}."),
    ("managed-scaling-steps", InvalidParameterException, "managedScaling.minimumScalingStepSize must be less than or equal to maximumScalingStepSize."),
    ("termination-protection-needs-scaling", InvalidParameterException, "The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, managed scaling must also be enabled."),
    ("strategy-too-long", InvalidParameterException, "A capacity provider strategy can have at most 20 items."),
    ("strategy-provider-not-associated", InvalidParameterException, "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again."),
    ("strategy-weight-base", InvalidParameterException, "A capacity provider strategy's weight must be from 0 to 1000 and its base from 0 to 100000."),
    ("strategy-one-base", InvalidParameterException, "Only one capacity provider in a strategy can have a base."),
    ("strategy-weights-zero", InvalidParameterException, "At least one capacity provider in a strategy must have a weight greater than 0."),
    ("capacity-providers-required", InvalidParameterException, "capacityProviders and defaultCapacityProviderStrategy are required."),
    ("capacity-provider-in-use", ResourceInUseException, "The capacity provider {} is in use by a service of the cluster and cannot be removed from it."),
    ("service-strategy-switch", InvalidParameterException, "Berth cannot move a service between a launch type and a capacity provider strategy; create a new service."),
    ("capacity-providers-max-results", InvalidParameterException, "maxResults must be between 1 and 10."),
    ("capacity-provider-unknown", InvalidParameterException, "The specified capacity provider '{}' does not exist."),
    // Account settings.
    ("long-arn-format", InvalidParameterException, "The {} setting can no longer be disabled: every account uses the long ARN format."),
    // Task protection.
    ("protection-tasks", InvalidParameterException, "tasks must contain between 1 and 10 items."),
    ("protection-enabled", InvalidParameterException, "protectionEnabled is required."),
    ("protection-minutes", InvalidParameterException, "expiresInMinutes must be between 1 and 2880."),
    // Services.
    ("desired-count-range", InvalidParameterException, "desiredCount {} is out of range: a service runs from 0 to {} tasks."),
    ("services-empty", InvalidParameterException, "Services cannot be empty."),
    ("service-scaled", InvalidParameterException, "The service cannot be stopped while it is scaled above 0."),
    ("service-desired-count", InvalidParameterException, "desiredCount is required for a service with schedulingStrategy REPLICA."),
    ("service-name", InvalidParameterException, "Service name must match ^[a-zA-Z0-9\\-_]{1,255}$, but was {}"),
    ("deployment-completed", ClientException, "(service {}) (deployment {}) deployment completed."),
    ("deployment-failed", ClientException, "(service {}) (deployment {}) deployment failed: tasks failed to start."),
    ("task-stopped-scaling", ClientException, "Scaling activity initiated by (deployment {})"),
    ("task-failed-health-checks", ClientException, "Task failed container health checks"),
    ("service-task-unhealthy", ClientException, "(service {}) (task {}) failed container health checks."),
    // The stoppedReason of tasks on an instance that was terminated or force-deregistered
    // (the Developer Guide names "Host EC2 (instance <id>) stopped/terminated").
    ("host-terminated", ClientException, "Host EC2 (instance {}) terminated."),
    // The wire protocol (berth-api).
    ("unknown-target", UnknownOperationException, "Missing or malformed X-Amz-Target header '{}': expected AmazonEC2ContainerServiceV20141113.<Operation>."),
    ("unknown-operation", UnknownOperationException, "Unknown operation {}."),
    ("body-too-large", SerializationException, "The request body of {} bytes is larger than the {} bytes accepted."),
    ("body-not-json", SerializationException, "The request body is not valid JSON: {}"),
    ("body-not-object", SerializationException, "The request body must be a JSON object."),
    // Services behind load balancers.
    ("load-balancers-too-many", InvalidParameterException, "A service can have at most 5 target groups in loadBalancers."),
    ("classic-load-balancer", InvalidParameterException, "Berth has no Classic Load Balancers: name an Application or Network Load Balancer's targetGroupArn instead of loadBalancerName."),
    ("target-group-required", InvalidParameterException, "targetGroupArn is required for each load balancer."),
    ("target-group-missing", InvalidParameterException, "The target group {} does not exist."),
    // Clusters.
    ("cluster-setting-name", InvalidParameterException, "Invalid cluster setting name '{}'. The only cluster setting is containerInsights."),
    ("cluster-setting-value", InvalidParameterException, "Invalid value '{}' for setting containerInsights. Valid values are enabled, disabled and enhanced."),
    // Attributes.
    ("attribute-name", InvalidParameterException, "Attribute name '{}' is invalid: up to 128 letters (uppercase and lowercase), numbers, hyphens, underscores, forward slashes, back slashes and periods are allowed."),
    ("attribute-value", InvalidParameterException, "Attribute value '{}' of attribute '{}' is invalid: up to 128 letters (uppercase and lowercase), numbers, hyphens, underscores, periods, at signs (@), forward slashes, back slashes, colons or spaces are allowed, with no leading or trailing space."),
    ("attribute-target-id", InvalidParameterException, "Attribute targetId should not be null or empty."),
    ("attribute-target-type", InvalidParameterException, "targetType is required when targetId is not an ARN."),
    ("attribute-target-missing", TargetNotFoundException, "Could not find {}"),
    ("attributes-empty", InvalidParameterException, "attributes can not be empty"),
    ("attributes-per-call", InvalidParameterException, "Attributes cannot exceed 10 per call."),
    ("attribute-limit", AttributeLimitExceededException, "You can apply up to 10 custom attributes for each resource."),
    ("attribute-list-target-type", InvalidParameterException, "targetType must be container-instance."),
    ("attribute-value-without-name", InvalidParameterException, "attributeValue requires attributeName."),
    // Tags.
    ("resource-arn-invalid", InvalidParameterException, "The ARN provided is invalid."),
    ("resource-not-found", ResourceNotFoundException, "The specified resource wasn't found."),
    // Task definitions.
    ("delete-task-definitions-empty", InvalidParameterException, "size of TaskDefinition references list must be greater than 0"),
    ("delete-task-definitions-count", InvalidParameterException, "Size of TaskDefinition references list cannot exceed 10"),
    ("delete-task-definition-missing", ClientException, "The specified task definition does not exist. Specify a valid account, family, revision and try again."),
    ("delete-task-definition-identifier", ClientException, "The specified task definition identifier is invalid. Specify a valid name or ARN and try again."),
    ("delete-active-task-definition", ClientException, "The specified task definition is still in ACTIVE status. Please deregister the target and try again."),
    // deploymentConfiguration: the ranges are the API reference's, the wording ours.
    ("breaker-threshold-value", InvalidParameterException, "deploymentCircuitBreaker.thresholdConfiguration.value must be at least 1."),
    ("strategy-controller", InvalidParameterException, "The {} deployment strategy requires the ECS deployment controller."),
    ("strategy-daemon", InvalidParameterException, "The {} deployment strategy is not supported for services using the DAEMON scheduling strategy."),
    ("bake-time-required", InvalidParameterException, "bakeTimeInMinutes must be specified for the BLUE_GREEN deployment strategy."),
    ("minutes-range", InvalidParameterException, "{} must be between 0 and 1440."),
    ("strategy-member", InvalidParameterException, "{} is only valid when the deployment strategy is {}."),
    ("step-percent", InvalidParameterException, "linearConfiguration.stepPercent must be a multiple of 0.1 from 3.0 to 100.0."),
    ("canary-percent", InvalidParameterException, "canaryConfiguration.canaryPercent must be a multiple of 0.1 from 0.1 to 100.0."),
    ("hook-stages", InvalidParameterException, "lifecycleStages must be specified for a deployment lifecycle hook."),
    ("hook-target", InvalidParameterException, "hookTargetArn must be specified for an AWS_LAMBDA deployment lifecycle hook."),
    ("pause-hook-stage", InvalidParameterException, "PAUSE hooks cannot be configured at the {} stage."),
    ("hooks-controller", InvalidParameterException, "Deployment lifecycle hooks require the ECS deployment controller."),
    ("hook-stage-rolling", InvalidParameterException, "The {} lifecycle stage is only valid when the deployment strategy is BLUE_GREEN, LINEAR or CANARY: a ROLLING deployment shifts no traffic."),
    ("hook-timeout", InvalidParameterException, "timeoutConfiguration.timeoutInMinutes must be between 1 and 20160."),
    ("advanced-configuration", InvalidParameterException, "The {} deployment strategy requires an advancedConfiguration with an alternateTargetGroupArn and a productionListenerRule for target group {}."),
    ("alternate-target-group", InvalidParameterException, "The alternate target group {} must differ from the target group {} and have its target type."),
    ("listener-rule-missing", InvalidParameterException, "The listener rule {} does not exist."),
    // Traffic-shifting deployments (BLUE_GREEN, LINEAR, CANARY): rollback reasons and hooks.
    ("shift-rollback-hook-failed", ClientException, "ECS deployment rolling back: (deployment {}) a lifecycle hook at {} failed."),
    ("shift-rollback-hook-timed-out", ClientException, "ECS deployment rolling back: (deployment {}) a lifecycle hook at {} timed out."),
    ("shift-rollback-circuit-breaker", ClientException, "ECS deployment rolling back: (deployment {}) the deployment circuit breaker was triggered."),
    ("shift-deployment-failed", ClientException, "(service {}) (deployment {}) deployment failed: {}."),
    ("shift-failed-hook", ClientException, "a lifecycle hook at {} failed"),
    ("shift-failed-hook-timeout", ClientException, "a lifecycle hook at {} timed out"),
    ("shift-failed-stopped", ClientException, "it was stopped by StopServiceDeployment"),
    ("shift-failed-alarm", ClientException, "the CloudWatch alarm(s) {} went into ALARM"),
    ("shift-rollback-alarm", ClientException, "ECS deployment rolling back: (deployment {}) the CloudWatch alarm(s) {} went into ALARM."),
    // Deployment alarms (ECS_SINCE_2024 §1.5: what fails and that it rolls back is documented,
    // the words are not).
    ("alarm-failed", ClientException, "ECS deployment alarms: the CloudWatch alarm(s) {} went into ALARM."),
    ("deployment-failed-alarm", ClientException, "(service {}) (deployment {}) deployment failed: the CloudWatch alarm(s) {} went into ALARM."),
    ("alarm-rollback", ClientException, "ECS deployment alarms: rolling back to deploymentId {}."),
    ("alarms-controller", InvalidParameterException, "Deployment alarms require the ECS deployment controller."),
    ("alarms-names", InvalidParameterException, "deploymentConfiguration.alarms.alarmNames must name at least one alarm when enable is true."),
    ("shift-rolled-back", ClientException, "(service {}) (deployment {}) rolled back: production traffic is on the earlier service revision again."),
    ("shift-no-source", ClientException, "ECS deployment failed: there is no earlier service revision to roll back to."),
    ("hook-invoked", ClientException, "(service {}) deployment {} invoked lifecycle hook {} at {}: function {}."),
    ("hook-awaiting-action", ClientException, "(service {}) deployment {} is paused at {}: lifecycle hook {} is awaiting action."),
    // A ROLLING deployment's hooks (its rollback is a new deployment, as the circuit breaker's).
    ("hook-failed-reason", ClientException, "ECS deployment lifecycle hooks: a lifecycle hook at {} failed."),
    ("hook-timed-out-reason", ClientException, "ECS deployment lifecycle hooks: a lifecycle hook at {} timed out."),
    ("hook-rollback", ClientException, "ECS deployment lifecycle hooks: rolling back to deploymentId {}."),
    ("hook-not-found", InvalidParameterException, "The lifecycle hook {} was not found in service deployment {}."),
    ("hook-not-awaiting", InvalidParameterException, "The lifecycle hook {} is not awaiting action: its status is {}."),
    ("hook-not-invoked", InvalidParameterException, "The lifecycle hook {} has no invocation awaiting an answer."),
    ("hook-answer-unknown", InvalidParameterException, "No lifecycle hook {} is in progress."),
    ("deployment-not-in-progress", InvalidParameterException, "The service deployment {} is not in progress: its status is {}."),
];

/// An [`OPERATIONS_UNCONFIRMED`] entry's text with its placeholders filled.
pub fn operation_text(key: &str, args: &[&dyn std::fmt::Display]) -> String {
    operation_error(key, args).message
}

/// An [`OPERATIONS_UNCONFIRMED`] entry as an API error. Panics only on a key missing from the
/// table, which tidy's test rules out.
pub fn operation_error(key: &str, args: &[&dyn std::fmt::Display]) -> crate::problem::ApiError {
    let (_, exception, template) = OPERATIONS_UNCONFIRMED
        .iter()
        .find(|(k, _, _)| *k == key)
        .expect("every operation key used in the code is in the table");
    crate::problem::ApiError::new(*exception, fill(template, args))
}

/// The text of an [`UNCONFIRMED`] entry with its placeholders filled, for callers that need
/// a sentence rather than a [`Problem`] (failure reasons, event texts).
pub fn unconfirmed_text(key: &str, args: &[&dyn std::fmt::Display]) -> String {
    unconfirmed(key, args, &JsonPath::root()).message
}

/// An [`UNCONFIRMED`] entry as an API error.
pub fn unconfirmed_error(key: &str, args: &[&dyn std::fmt::Display]) -> crate::problem::ApiError {
    unconfirmed(key, args, &JsonPath::root()).to_api_error()
}

/// Fills an [`UNCONFIRMED`] template. Panics only on a key missing from the table, which the
/// table's own test rules out.
fn unconfirmed(key: &str, args: &[&dyn std::fmt::Display], path: &JsonPath) -> Problem {
    let (_, exception, template) = UNCONFIRMED
        .iter()
        .find(|(k, _, _)| *k == key)
        .expect("every unconfirmed key used in the code is in the table");
    let message = fill(template, args);
    Problem {
        exception: *exception,
        message,
        path: path.clone(),
    }
}

/// Fills `{}` placeholders in order.
fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut message = String::with_capacity(template.len() + 32);
    let mut args = args.iter();
    let mut pieces = template.split("{}");
    message.push_str(pieces.next().unwrap_or(""));
    for piece in pieces {
        if let Some(arg) = args.next() {
            message.push_str(&arg.to_string());
        }
        message.push_str(piece);
    }
    message
}

// ECS with load balancers (crates/elb/FACTS.md §6 holds the sources: real ECS responses).

/// CreateService with a role for a service that uses the service-linked role (awsvpc).
pub const SERVICE_LINKED_ROLE: &str =
    "You cannot specify an IAM role for services that require a service linked role.";

/// A target group no listener or rule forwards to.
pub fn target_group_without_load_balancer(arn: &str) -> String {
    format!("The target group with targetGroupArn {arn} does not have an associated load balancer.")
}

/// `loadBalancers[].containerName` not in the task definition.
pub fn container_not_in_task_definition(name: &str) -> String {
    format!("The container {name} does not exist in the task definition.")
}

/// `loadBalancers[].containerPort` not a port mapping of the container.
pub fn container_port_not_defined(name: &str, port: u32) -> String {
    format!("The container {name} did not have a container port {port} defined.")
}

/// A target group whose target type does not suit the network mode (`ip` for awsvpc).
pub fn target_type_incompatible(arn: &str, target_type: &str, mode: &str) -> String {
    format!(
        "The provided target group {arn} has target type {target_type}, which is incompatible with the {mode} network mode specified in the task definition."
    )
}

/// A service registered its tasks' targets.
pub fn targets_registered(service: &str, n: usize, arn: &str) -> String {
    format!("(service {service}) registered {n} targets in (target-group {arn})")
}

/// A service deregistered its tasks' targets.
pub fn targets_deregistered(service: &str, n: usize, arn: &str) -> String {
    format!("(service {service}) deregistered {n} targets in (target-group {arn})")
}

/// A service began draining the tasks it stops.
pub fn draining_connections(service: &str, n: usize) -> String {
    format!("(service {service}) has begun draining connections on {n} tasks.")
}

/// A task's target failed its health checks (ECS Developer Guide, service event messages):
/// with `instance` on EC2, without it for awsvpc.
pub fn target_unhealthy(
    service: &str,
    task_id: &str,
    instance: Option<&str>,
    port: u32,
    arn: &str,
    reason: &str,
) -> String {
    let instance = instance
        .map(|i| format!(" (instance {i})"))
        .unwrap_or_default();
    format!(
        "(service {service}) (task {task_id}){instance} (port {port}) is unhealthy in (target-group {arn}) due to (reason {reason})"
    )
}

/// The stoppedReason of a task replaced for its failing target.
pub fn failed_elb_health_checks(arn: &str) -> String {
    format!("Task failed ELB health checks in (target-group {arn})")
}

// Elastic Load Balancing v2 (crates/elb/FACTS.md holds the sources).

/// ELBv2 messages we could not confirm from a real response: `(key, ELB error code,
/// template)`. ELB's codes are not ECS's exceptions, hence a table of their own beside
/// [`UNCONFIRMED`]; keep these two the only tables of guesses.
pub const ELB_UNCONFIRMED: &[(&str, &str, &str)] = &[
    // The Query protocol's framework (FACTS §3.2: the common errors name the codes only).
    ("elb-unknown-action", "InvalidAction", "The action {} is not valid for this web service."),
    ("elb-missing-action", "MissingAction", "The request must contain the parameter Action."),
    ("elb-bad-parameter", "ValidationError", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: {}"),
    ("elb-null", "ValidationError", "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null"),
    ("elb-range-max", "ValidationError", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must have value less than or equal to {}"),
    ("elb-range-min", "ValidationError", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must have value greater than or equal to {}"),
    ("elb-enum", "ValidationError", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]"),
    ("elb-body-too-large", "ValidationError", "The request body of {} bytes is larger than the {} bytes accepted."),
    ("elb-marker", "ValidationError", "The marker '{}' is not valid."),
    // Names (the length rule is confirmed: elb_name_too_long).
    ("elb-name-characters", "ValidationError", "{} name '{}' can only contain characters that are alphanumeric characters or hyphens(-)"),
    ("elb-name-hyphen", "ValidationError", "{} name '{}' cannot begin or end with '-'"),
    ("elb-name-internal", "ValidationError", "The load balancer name '{}' cannot begin with 'internal-'"),
    ("elb-arn-invalid", "ValidationError", "'{}' is not a valid {} ARN."),
    // Load balancers.
    ("elb-two-zones", "ValidationError", "At least two subnets in two different Availability Zones must be specified"),
    ("elb-subnet-zone-twice", "InvalidConfigurationRequest", "A load balancer cannot be attached to multiple subnets in the same Availability Zone"),
    ("elb-load-balancers-not-found", "LoadBalancerNotFound", "One or more load balancers not found"),
    ("elb-gateway", "InvalidConfigurationRequest", "Gateway Load Balancers are not supported by Berth: it has no GENEVE appliances to send traffic to."),
    // Target groups.
    ("elb-timeout-interval", "ValidationError", "Health check timeout '{}' must be smaller than the interval '{}'"),
    ("elb-timeout-interval-equal", "ValidationError", "Health check timeout '{}' must be smaller than or equal to the interval '{}'"),
    ("elb-target-group-in-use", "ResourceInUse", "Target group '{}' is currently in use by a listener or a rule"),
    ("elb-target-group-protocol", "ValidationError", "Target group protocol '{}' is not supported for target type '{}'"),
    ("elb-lambda-members", "ValidationError", "Protocol, port and VPC ID cannot be specified for target groups with target type 'lambda'"),
    ("elb-lambda", "ValidationError", "Target groups of target type '{}' are not supported by Berth: it has no Lambda and no load balancers as targets."),
    ("elb-health-check-protocol", "ValidationError", "Health check protocol '{}' is not supported for target groups with the '{}' protocol"),
    ("elb-health-check-disabled", "ValidationError", "Health checks cannot be disabled for target groups with target type '{}'"),
    ("elb-health-check-port", "ValidationError", "Health check port '{}' must be 'traffic-port' or a port from 1 to 65535"),
    ("elb-matcher", "ValidationError", "Health check matcher HTTP code '{}' must be a code, a list or a range of codes from {} to {}"),
    ("elb-attribute-key", "InvalidConfigurationRequest", "The attribute key '{}' is not recognized"),
    ("elb-attribute-range", "ValidationError", "'{}' value '{}' must be between '{}-{}' inclusive"),
    ("elb-attribute-value", "ValidationError", "'{}' value '{}' is not valid: {}"),
    ("elb-slow-start", "ValidationError", "'slow_start.duration_seconds' value '{}' must be 0 or between '30-900' inclusive"),
    ("elb-association-limit", "TargetGroupAssociationLimit", "The following target groups cannot be associated with more than one load balancer: {}"),
    // Targets.
    ("elb-targets-empty", "ValidationError", "At least one target must be specified"),
    ("elb-target-port-missing", "ValidationError", "A port must be specified for target '{}' because the target group has no port"),
    ("elb-target-not-running", "InvalidTarget", "The following targets are not in a running state and cannot be registered: '{}'"),
    ("elb-target-not-ip", "InvalidTarget", "The IP address '{}' is not a valid IPv4 address"),
    ("elb-target-kind", "InvalidTarget", "The target '{}' is not an instance id: the target group's target type is 'instance'"),
    // Listeners and rules.
    ("elb-duplicate-listener", "DuplicateListener", "A listener already exists on this port for this load balancer"),
    ("elb-listener-protocol", "UnsupportedProtocol", "Protocol '{}' is not supported for a load balancer of type '{}'"),
    ("elb-incompatible-protocols", "IncompatibleProtocols", "The target group '{}' uses protocol '{}', which is incompatible with the listener's protocol '{}'"),
    ("elb-certificate", "ValidationError", "A certificate must be specified for {} listeners"),
    ("elb-actions-empty", "ValidationError", "At least one action must be specified"),
    ("elb-action-terminal", "InvalidLoadBalancerAction", "Exactly one forward, redirect or fixed-response action must be specified, and it must be the last action"),
    ("elb-action-authenticate", "InvalidLoadBalancerAction", "Action type '{}' is not supported by Berth: it has no identity provider."),
    ("elb-forward-target", "InvalidLoadBalancerAction", "A forward action must specify a target group ARN or a forward configuration"),
    ("elb-forward-mismatch", "InvalidLoadBalancerAction", "The target group ARN and the forward configuration's target group must be the same"),
    ("elb-forward-weight", "ValidationError", "1 validation error detected: Value '{}' at 'weight' failed to satisfy constraint: Member must have value less than or equal to 999"),
    ("elb-forward-too-many", "TooManyActions", "A forward action can forward to at most 5 target groups"),
    ("elb-forward-network", "InvalidLoadBalancerAction", "A forward action of a Network Load Balancer listener must forward to exactly one target group"),
    ("elb-forward-duplicate", "InvalidLoadBalancerAction", "Target group '{}' is specified more than once in the forward configuration"),
    ("elb-action-status", "ValidationError", "A status code must be specified for a {} action"),
    ("elb-network-action", "InvalidLoadBalancerAction", "Action type '{}' is not supported for a Network Load Balancer"),
    ("elb-listeners-not-found", "ListenerNotFound", "One or more listeners not found"),
    ("elb-rules-not-found", "RuleNotFound", "One or more rules not found"),
    ("elb-conditions-empty", "ValidationError", "A rule must have at least one condition"),
    ("elb-condition-field", "ValidationError", "1 validation error detected: Value '{}' at 'conditions.member.field' failed to satisfy constraint: Member must satisfy enum value set: [http-header, http-request-method, host-header, path-pattern, query-string, source-ip]"),
    ("elb-condition-values", "ValidationError", "The 'Values' field is not compatible with '{}'"),
    ("elb-condition-empty", "ValidationError", "Condition '{}' must have at least one value"),
    ("elb-condition-twice", "ValidationError", "A rule can only have one '{}' condition"),
    ("elb-rules-network", "InvalidConfigurationRequest", "Rules are not supported for a Network Load Balancer listener"),
    ("elb-default-rule-delete", "OperationNotPermitted", "Default rule '{}' cannot be deleted"),
    ("elb-default-rule-priority", "OperationNotPermitted", "Default rule '{}' cannot have its priority changed"),
    ("elb-priority-twice", "ValidationError", "Priority '{}' was provided multiple times"),
    ("elb-rule-listeners", "ValidationError", "You must specify either listener rule ARNs or a listener ARN"),
    ("elb-rule-both", "ValidationError", "Listener rule ARNs and a listener ARN cannot be specified at the same time"),
    // Tags.
    ("elb-duplicate-tag-keys", "DuplicateTagKeys", "Tag key '{}' was specified more than once"),
    ("elb-too-many-tags", "TooManyTags", "The resource '{}' cannot have more than 50 tags"),
    ("elb-tag-resources", "ValidationError", "Between 1 and 20 resource ARNs must be specified"),
];

/// An [`ELB_UNCONFIRMED`] entry: its ELB error code and its text.
pub fn elb_unconfirmed(key: &str, args: &[&dyn std::fmt::Display]) -> (&'static str, String) {
    let (_, code, template) = ELB_UNCONFIRMED
        .iter()
        .find(|(k, _, _)| *k == key)
        .expect("every unconfirmed ELB key used in the code is in the table");
    (code, fill(template, args))
}

// Amazon CloudWatch (crates/cloudwatch).

/// CloudWatch texts we could not confirm from a real response: `(key, error shape, template)`;
/// the shape is `-` for a text that is not an error (an alarm's state reason, a history
/// summary). CloudWatch's errors are its own shapes, hence a table beside [`ELB_UNCONFIRMED`].
pub const CLOUDWATCH_UNCONFIRMED: &[(&str, &str, &str)] = &[
    // The protocol's framework.
    ("cw-unknown-operation", "UnknownOperationException", "The operation {} is not known to CloudWatch."),
    ("cw-body", "SerializationException", "The request body could not be read: {}"),
    ("cw-protocol", "SerializationException", "A CloudWatch request is POST /service/GraniteServiceVersion20100801/operation/<Operation> with the header smithy-protocol: rpc-v2-cbor and a CBOR body."),
    // Members.
    ("cw-missing", "MissingRequiredParameterException", "The parameter {} is required."),
    ("cw-invalid-value", "InvalidParameterValueException", "The value {} for parameter {} is invalid."),
    ("cw-length", "ValidationException", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must have length between {} and {}"),
    ("cw-too-many", "InvalidParameterValueException", "The collection {} must not have more than {} members."),
    ("cw-period", "InvalidParameterValueException", "The parameter {} must be 10, 20, 30 or a multiple of 60."),
    ("cw-evaluation-window", "InvalidParameterValueException", "The product of Period and EvaluationPeriods must not be greater than {} seconds."),
    ("cw-datapoints-to-alarm", "InvalidParameterValueException", "DatapointsToAlarm ({}) must be between 1 and EvaluationPeriods ({})."),
    ("cw-statistic-one", "InvalidParameterCombinationException", "Exactly one of the parameters Statistic and ExtendedStatistic must be specified."),
    ("cw-metric-math", "InvalidParameterCombinationException", "Berth does not evaluate metric math (Metrics): give MetricName, Namespace and Statistic."),
    ("cw-anomaly-band", "InvalidParameterCombinationException", "Berth does not compute anomaly detection bands (ThresholdMetricId and the band comparison operators)."),
    ("cw-names-and-prefix", "InvalidParameterCombinationException", "The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both."),
    ("cw-next-token", "InvalidNextToken", "The service returned an invalid NextToken."),
    ("cw-delete-not-found", "ResourceNotFound", "The alarm(s) {} could not be found; no alarms were deleted."),
    ("cw-alarm-not-found", "ResourceNotFound", "Alarm {} not found"),
    ("cw-reason-data-json", "InvalidFormatFault", "StateReasonData was not syntactically valid JSON"),
    ("cw-timestamp-range", "InvalidParameterValueException", "The parameter {} must specify a time no more than two weeks in the past and no more than two hours in the future."),
    ("cw-datum-exclusive", "InvalidParameterCombinationException", "The parameters Value, StatisticValues and Values of MetricData.member.{} are mutually exclusive and you have specified more than one."),
    ("cw-values-counts", "InvalidParameterValueException", "The parameters MetricData.member.{}.Values and MetricData.member.{}.Counts must be of the same size."),
    ("cw-start-after-end", "InvalidParameterValueException", "The parameter StartTime must be less than the parameter EndTime."),
    ("cw-statistics-one", "InvalidParameterCombinationException", "Exactly one of the parameters Statistics and ExtendedStatistics must be specified."),
    ("cw-queries", "InvalidParameterValueException", "MetricDataQueries must have between 1 and 500 members, not {}."),
    ("cw-query-id", "InvalidParameterValueException", "The Id {} is not valid: it must start with a lowercase letter and hold only letters, numbers and underscores."),
    ("cw-query-id-twice", "InvalidParameterValueException", "The Id {} is used by more than one query."),
    ("cw-query-one", "InvalidParameterCombinationException", "The query {} must specify either Expression or MetricStat."),
    ("cw-expression", "InvalidParameterValueException", "Berth does not evaluate metric math: give the query {} a MetricStat instead of an Expression."),
    ("cw-too-many-datapoints", "InvalidParameterCombinationException", "You have requested up to {} datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range."),
    // State reasons and history. (CloudWatch's `missing` also looks further back for data than
    // the evaluation periods; Berth does not.)
    ("cw-reason-created", "-", "Unchecked: Initial alarm creation"),
    ("cw-reason-insufficient", "-", "Insufficient Data: {} {} unknown."),
    ("cw-reason-no-data", "-", "Threshold Crossed: no datapoints were received for {} {} and {} missing {} treated as [{}]."),
    ("cw-reason-crossed-one", "-", "Threshold Crossed: 1 datapoint [{}] {} {}{} the threshold ({})."),
    ("cw-reason-crossed-of", "-", "Threshold Crossed: {} out of the last {} datapoints [{}] {} {}{} the threshold ({}) (minimum {} datapoints for {} transition)."),
    ("cw-history-state", "-", "Alarm updated from {} to {}"),
    ("cw-history-created", "-", "Alarm \"{}\" created"),
    ("cw-history-updated", "-", "Alarm \"{}\" updated"),
    ("cw-history-deleted", "-", "Alarm \"{}\" deleted"),
];

/// A [`CLOUDWATCH_UNCONFIRMED`] entry: its error shape and its text.
pub fn cloudwatch_unconfirmed(
    key: &str,
    args: &[&dyn std::fmt::Display],
) -> (&'static str, String) {
    let (_, shape, template) = CLOUDWATCH_UNCONFIRMED
        .iter()
        .find(|(k, _, _)| *k == key)
        .expect("every unconfirmed CloudWatch key used in the code is in the table");
    (shape, fill(template, args))
}

/// A [`CLOUDWATCH_UNCONFIRMED`] text.
pub fn cloudwatch_text(key: &str, args: &[&dyn std::fmt::Display]) -> String {
    cloudwatch_unconfirmed(key, args).1
}

// Application Auto Scaling (crates/autoscaling).

/// Application Auto Scaling texts we could not confirm from a real response: `(key, error
/// shape, template)`; the shape is `-` for a text that is not an error (an activity's words).
/// The `1 validation error detected` forms are AWS's usual wording for a member's constraint,
/// as other services send it; the rest are Berth's.
pub const AUTOSCALING_UNCONFIRMED: &[(&str, &str, &str)] = &[
    // The protocol's framework.
    ("aas-unknown-operation", "UnknownOperationException", "The operation {} is not known to Application Auto Scaling."),
    ("aas-body", "SerializationException", "The request body could not be read: {}"),
    // Members.
    ("aas-missing", "ValidationException", "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null"),
    ("aas-length", "ValidationException", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must have length between {} and {}"),
    ("aas-too-many", "ValidationException", "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length less than or equal to {}"),
    ("aas-enum", "ValidationException", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]"),
    ("aas-pattern", "ValidationException", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!((^[ ]+.*)|(.*([\\u0000-\\u001f]|[\\u007f-\\u009f]|[:/|])+.*)|(.*[ ]+$))).+"),
    ("aas-negative-capacity", "ValidationException", "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have value greater than or equal to 0"),
    ("aas-max-results", "ValidationException", "MaxResults {} must be between 1 and {}."),
    ("aas-next-token", "InvalidNextTokenException", "Invalid NextToken."),
    // Targets.
    ("aas-namespace", "ValidationException", "Berth scales Amazon ECS services only: ServiceNamespace {} is not supported (use ecs)."),
    ("aas-dimension", "ValidationException", "Unsupported scalable dimension {} for ServiceNamespace ecs: use ecs:service:DesiredCount."),
    ("aas-resource-id", "ValidationException", "Unsupported resource ID {}: an ECS service's is service/<cluster-name>/<service-name>."),
    ("aas-no-service", "ValidationException", "ECS service doesn't exist: {}"),
    ("aas-new-target-range", "ValidationException", "MinCapacity and MaxCapacity are required when registering a new scalable target."),
    ("aas-min-over-max", "ValidationException", "Minimum capacity ({}) cannot be greater than maximum capacity ({})."),
    // Policies.
    ("aas-no-policy", "ObjectNotFoundException", "No scaling policy found for service namespace: {}, resource ID: {}, scalable dimension: {}, policy name: {}"),
    ("aas-policy-type", "ValidationException", "PolicyType is required when creating a scaling policy."),
    ("aas-config-mismatch", "ValidationException", "{} cannot be specified for a policy of type {}."),
    ("aas-config-missing", "ValidationException", "{} is required for a policy of type {}."),
    ("aas-adjustment-type", "ValidationException", "AdjustmentType is required for a new step scaling policy configuration."),
    ("aas-steps", "ValidationException", "Invalid StepAdjustments: {}."),
    ("aas-negative-cooldown", "ValidationException", "{} must be greater than or equal to 0."),
    ("aas-predictive", "ValidationException", "Berth does not forecast: PredictiveScaling policies are not supported (use TargetTrackingScaling or StepScaling)."),
    ("aas-target-value", "ValidationException", "TargetValue {} is not valid for a target tracking policy of an ECS service: it must be greater than 0."),
    ("aas-metric-type", "ValidationException", "The predefined metric type {} is not valid for ecs:service:DesiredCount in Berth: use ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization or ALBRequestCountPerTarget (Berth publishes one-minute metrics, not high-resolution ones)."),
    ("aas-resource-label", "ValidationException", "ResourceLabel '{}' is not of the form app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>."),
    ("aas-resource-label-only", "ValidationException", "ResourceLabel can only be specified for ALBRequestCountPerTarget, not for {}."),
    ("aas-metric-math", "ValidationException", "Berth does not evaluate metric math (Metrics): give MetricName, Namespace and Statistic."),
    ("aas-custom-metric", "ValidationException", "CustomizedMetricSpecification needs {}."),
    ("aas-unit", "ValidationException", "{} is not a CloudWatch unit."),
    ("aas-one-metric", "ValidationException", "Exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification must be specified."),
    // Scheduled actions.
    ("aas-no-scheduled-action", "ObjectNotFoundException", "No scheduled action found for service namespace: {}, resource ID: {}, scalable dimension: {}, scheduled action name: {}"),
    ("aas-schedule", "ValidationException", "Invalid schedule expression: {} ({})."),
    ("aas-timezone", "ValidationException", "Berth carries no time-zone database: Timezone {} is not supported; give the schedule in UTC."),
    ("aas-end-before-start", "ValidationException", "EndTime must be after StartTime."),
    // Tags.
    ("aas-tag", "ValidationException", "Invalid tag {}: keys are 1 to 128 characters, values at most 256, and keys may not start with aws:."),
    ("aas-too-many-tags", "TooManyTagsException", "A scalable target may have at most 50 tags."),
    ("aas-tag-not-found", "ResourceNotFoundException", "No scalable target has the ARN {}."),
    // Activities. (The forms for a scheduled action that sets one bound, and for a failure,
    // follow those AWS shows for other services.)
    ("aas-desired-count-failed", "-", "Failed to set desired count to {}. Reason: {}"),
    ("aas-setting-min", "-", "Setting min capacity to {}"),
    ("aas-min-set", "-", "Successfully set min capacity to {}"),
    ("aas-setting-max", "-", "Setting max capacity to {}"),
    ("aas-max-set", "-", "Successfully set max capacity to {}"),
];

/// An [`AUTOSCALING_UNCONFIRMED`] entry: its error shape and its text.
pub fn autoscaling_unconfirmed(
    key: &str,
    args: &[&dyn std::fmt::Display],
) -> (&'static str, String) {
    let (_, shape, template) = AUTOSCALING_UNCONFIRMED
        .iter()
        .find(|(k, _, _)| *k == key)
        .expect("every unconfirmed Application Auto Scaling key used in the code is in the table");
    (shape, fill(template, args))
}

/// An [`AUTOSCALING_UNCONFIRMED`] text.
pub fn autoscaling_text(key: &str, args: &[&dyn std::fmt::Display]) -> String {
    autoscaling_unconfirmed(key, args).1
}

/// A policy or scheduled action on a target never registered ([REAL] ansible#35632,
/// cloudposse/terraform-aws-ecs-cloudwatch-autoscaling#36).
pub fn aas_no_scalable_target(namespace: &str, resource: &str, dimension: &str) -> String {
    format!("No scalable target registered for service namespace: {namespace}, resource ID: {resource}, scalable dimension: {dimension}")
}

/// Tags given when registering a target that exists ([REAL] terraform-provider-aws#31839).
pub fn aas_tag_existing_target() -> String {
    "The scalable target that you tried to tag already exists. To update tags on an existing scalable target, use the TagResource API.".to_owned()
}

/// A scheduled action that sets neither bound ([REAL] aws-cloudformation
/// community-registry-extensions#255).
pub fn aas_min_or_max() -> String {
    "At least one of minimum capacity and maximum capacity should be provided".to_owned()
}

/// A scaling activity's description ([DOCS] botocore's DescribeScalingActivities example).
pub fn aas_setting_desired_count(count: i64) -> String {
    format!("Setting desired count to {count}.")
}

/// Its status message when ECS took the count ([DOCS] the same example).
pub fn aas_desired_count_set(count: i64) -> String {
    format!("Successfully set desired count to {count}. Change successfully fulfilled by ecs.")
}

/// An alarm's cause ([DOCS] the same example; a target tracking alarm's in a real service event).
pub fn aas_cause_alarm(alarm: &str, state: &str, policy: &str) -> String {
    format!("monitor alarm {alarm} in state {state} triggered policy {policy}")
}

/// A not-scaled activity's description ([DOCS] the user guide's scaling activities page).
pub fn aas_not_scaled_description() -> String {
    "Attempting to scale due to alarm triggered".to_owned()
}

/// A scheduled action's cause ([DOCS] the user guide's getting-started exercise).
pub fn aas_cause_scheduled(name: &str) -> String {
    format!("scheduled action name {name} was triggered")
}

/// A scheduled action's description ([DOCS] the same exercise).
pub fn aas_setting_min_max(min: i64, max: i64) -> String {
    format!("Setting min capacity to {min} and max capacity to {max}")
}

/// Its status message ([DOCS] the same exercise).
pub fn aas_min_max_set(min: i64, max: i64) -> String {
    format!("Successfully set min capacity to {min} and max capacity to {max}")
}

/// The cause of a scaling into a raised minimum ([DOCS] the same exercise).
pub fn aas_cause_min(min: i64) -> String {
    format!("minimum capacity was set to {min}")
}

/// The cause of a scaling into a lowered maximum ([DOCS] the same exercise).
pub fn aas_cause_max(max: i64) -> String {
    format!("maximum capacity was set to {max}")
}

/// A target tracking alarm's description ([REAL] terraformer exports of such alarms).
pub fn aas_alarm_description(action: &str) -> String {
    format!("DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {action}.")
}

// Amazon CloudWatch Logs (crates/logs).

/// CloudWatch Logs texts we could not confirm from a real response: `(key, error shape,
/// template)`. The `1 validation error detected` forms are AWS's usual wording for a member's
/// constraint; the rest are Berth's.
pub const LOGS_UNCONFIRMED: &[(&str, &str, &str)] = &[
    // The protocol's framework.
    ("logs-unknown-operation", "UnknownOperationException", "The operation {} is not known to CloudWatch Logs."),
    ("logs-body", "SerializationException", "The request body could not be read: {}"),
    // Members.
    ("logs-missing", "InvalidParameterException", "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null"),
    ("logs-pattern", "InvalidParameterException", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must satisfy regular expression pattern: {}"),
    ("logs-too-short", "InvalidParameterException", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must have length greater than or equal to {}"),
    ("logs-too-long", "InvalidParameterException", "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length less than or equal to {}"),
    ("logs-too-many", "InvalidParameterException", "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length less than or equal to {}"),
    ("logs-too-few", "InvalidParameterException", "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length greater than or equal to {}"),
    ("logs-at-least", "InvalidParameterException", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must have value greater than or equal to {}"),
    ("logs-enum", "InvalidParameterException", "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]"),
    ("logs-retention", "InvalidParameterException", "1 validation error detected: Value '{}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]"),
    ("logs-reserved", "InvalidParameterException", "Log groups starting with AWS/ are reserved for AWS."),
    ("logs-no-group-named", "InvalidParameterException", "Either logGroupName or logGroupIdentifier must be given."),
    ("logs-tail-start", "InvalidParameterException", "Setting startFromHead to false is supported only when startTime is on or after Jan 1, 2024 00:00:00 UTC."),
    ("logs-names-and-prefix", "InvalidParameterException", "logStreamNames and logStreamNamePrefix are mutually exclusive parameters."),
    ("logs-identifiers-alone", "InvalidParameterException", "logGroupIdentifiers cannot be given with logGroupNamePrefix, logGroupNamePattern or logGroupClass."),
    ("logs-filter-pattern", "InvalidParameterException", "Invalid filter pattern: {}"),
    ("logs-filter-unsupported", "InvalidParameterException", "Berth reads filter patterns of terms, \"quoted phrases\", ?alternatives and -exclusions: {} patterns are not supported."),
    ("logs-event-too-large", "InvalidParameterException", "Log event too large: {} bytes exceeds limit of {}"),
    ("logs-kms", "InvalidParameterException", "Berth has no AWS KMS: kmsKeyId is not supported."),
    ("logs-deletion-protection", "InvalidParameterException", "Berth does not protect log groups from deletion: deletionProtectionEnabled is not supported."),
    ("logs-linked-accounts", "InvalidParameterException", "Berth has one account: accountIdentifiers and includeLinkedAccounts are not supported."),
    ("logs-tag-arn", "InvalidParameterException", "Berth tags log groups only: {} is not a log group's ARN."),
    ("logs-too-many-tags", "TooManyTagsException", "A resource can have no more than 50 tags: {} would have {}."),
    ("logs-tag-key", "InvalidParameterException", "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Map keys must have length between 1 and 128 and satisfy the pattern ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$"),
    ("logs-tag-value", "InvalidParameterException", "1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Map values must have length at most 256 and satisfy the pattern ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"),
    // The awslogs driver, when the group is missing and may not be created, on Fargate: the
    // form is real (TechToSpeech/terraform-aws-serverless-static-wordpress#74 quotes it for
    // another cause); the ending after the Logs error is our reading of users' reports.
    ("awslogs-fargate", "-", "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log {}: {}: {} : exit status 1"),
];

/// A [`LOGS_UNCONFIRMED`] entry: its error shape and its text.
pub fn logs_unconfirmed(key: &str, args: &[&dyn std::fmt::Display]) -> (&'static str, String) {
    let (_, shape, template) = LOGS_UNCONFIRMED
        .iter()
        .find(|(k, _, _)| *k == key)
        .expect("every unconfirmed CloudWatch Logs key used in the code is in the table");
    (shape, fill(template, args))
}

/// A log group that exists already ([REAL] localstack's `test_logs_groups` snapshot, recorded
/// against AWS; aws-robotics/cloudwatchlogs-ros1#1): no final period.
pub const LOGS_GROUP_EXISTS: &str = "The specified log group already exists";

/// A log stream that exists already ([REAL] the same, `test_logs_streams`).
pub const LOGS_STREAM_EXISTS: &str = "The specified log stream already exists";

/// A log group that does not exist ([REAL] localstack `test_logs_events`; the awslogs
/// driver's error quoted in prakhar1989/docker-curriculum#253).
pub const LOGS_NO_GROUP: &str = "The specified log group does not exist.";

/// A log stream that does not exist ([REAL] localstack `test_logs_events`; apache/airflow#50802
/// quotes the body).
pub const LOGS_NO_STREAM: &str = "The specified log stream does not exist.";

/// A name over 512 characters ([REAL] localstack `test_logs_groups`).
pub const LOGS_NAME_TOO_LONG: &str =
    "Invalid LogGroup or LogStream, both must have length less than or equal to 512.";

/// DescribeLogGroups given a prefix and a pattern ([REAL] localstack `test_logs_groups`).
pub const LOGS_PREFIX_AND_PATTERN: &str =
    "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.";

/// A group named and identified at once, a `ValidationException` ([REAL] localstack
/// `test_logs_streams`).
pub const LOGS_NAME_AND_IDENTIFIER: &str =
    "LogGroup name and LogGroup ARN are mutually exclusive parameters.";

/// DescribeLogStreams ordered by event time with a prefix ([REAL] moto, and the API
/// reference's rule for `orderBy`).
pub const LOGS_ORDER_BY_PREFIX: &str = "Cannot order by LastEventTime with a logStreamNamePrefix.";

/// A `limit` over its maximum ([REAL] localstack `test_logs_events`, `10001` over `10000`).
pub fn logs_limit(value: i64, most: i64) -> String {
    format!("1 validation error detected: Value '{value}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to {most}")
}

/// A token this stream or group never gave ([REAL] localstack `test_logs_events`).
pub const LOGS_BAD_TOKEN: &str = "The specified nextToken is invalid.";

/// PutLogEvents out of order ([REAL] localstack `test_logs_events`).
pub const LOGS_NOT_CHRONOLOGICAL: &str =
    "Log events in a single PutLogEvents request must be in chronological order.";

/// A batch over a day ([REAL] maxbanton/cwh#96).
pub const LOGS_SPAN: &str =
    "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.";

/// A batch over 1 MiB ([REAL] vectordotdev/vector#2394).
pub fn logs_upload_too_large(bytes: usize) -> String {
    format!("Upload too large: {bytes} bytes exceeds limit of 1048576")
}

/// The awslogs driver on an EC2 instance could not create what it writes to ([REAL]
/// prakhar1989/docker-curriculum#253 for a missing group, #260 for `log group`): `what` is
/// `stream` or `group`, then the Logs error's shape and message.
pub fn awslogs_cannot_start(what: &str, shape: &str, message: &str) -> String {
    format!("CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log {what}: {shape}: {message}")
}

/// A name longer than 32 characters ([REAL] terraform#11699, cfn-lint#3259): `what` is
/// `Target group` or `The load balancer`.
pub fn elb_name_too_long(what: &str, name: &str) -> String {
    format!("{what} name '{name}' cannot be longer than '32' characters")
}

/// CreateTargetGroup with an existing name and other settings ([REAL] many captures).
pub fn elb_duplicate_target_group(name: &str) -> String {
    format!("A target group with the same name '{name}' exists, but with different settings")
}

/// CreateLoadBalancer with an existing name and other settings ([REAL]).
pub fn elb_duplicate_load_balancer(name: &str) -> String {
    format!("A load balancer with the same name '{name}' exists, but with different settings")
}

/// DescribeTargetGroups of unknown ARNs or names ([REAL] service-screener-v2#212).
pub const ELB_TARGET_GROUPS_NOT_FOUND: &str = "One or more target groups not found";

/// An action naming an unknown target group ([REAL] copilot-cli#3833).
pub fn elb_target_groups_not_found(arn: &str) -> String {
    format!("Target groups '{arn}' not found")
}

/// DescribeLoadBalancers of unknown names ([REAL] terraform-provider-aws#10669).
pub fn elb_load_balancers_not_found(names: &[String]) -> String {
    format!("Load balancers '[{}]' not found", names.join(", "))
}

/// CreateRule or SetRulePriorities with a taken priority ([REAL] terraform#24239).
pub fn elb_priority_in_use(priority: u32) -> String {
    format!("Priority '{priority}' is currently in use")
}

/// ModifyRule on a listener's default rule ([REAL] tentez#32).
pub fn elb_default_rule_modify(rule_arn: &str) -> String {
    format!("Default rule '{rule_arn}' cannot be modified")
}

/// CreateTargetGroup without a member instance and ip targets need ([REAL]
/// aws-cloudformation-user-guide#467): `a protocol`, `a port`, `a VPC ID`.
pub fn elb_must_specify(what: &str) -> String {
    format!("A {what} must be specified")
}

/// Target health descriptions ([REAL] captures, FACTS §1.2).
pub const ELB_REGISTRATION_IN_PROGRESS: &str = "Target registration is in progress";
/// See [`ELB_REGISTRATION_IN_PROGRESS`].
pub const ELB_INITIAL_HEALTH_CHECKING: &str = "Initial health checks in progress";
/// See [`ELB_REGISTRATION_IN_PROGRESS`].
pub const ELB_REQUEST_TIMED_OUT: &str = "Request timed out";
/// See [`ELB_REGISTRATION_IN_PROGRESS`] (no answer at all: a TCP check, a refused connection).
pub const ELB_HEALTH_CHECKS_FAILED: &str = "Health checks failed";
/// See [`ELB_REGISTRATION_IN_PROGRESS`].
pub const ELB_NOT_REGISTERED: &str = "Target is not registered to the target group";
/// See [`ELB_REGISTRATION_IN_PROGRESS`].
pub const ELB_NOT_IN_USE: &str =
    "Target group is not configured to receive traffic from the load balancer";
/// See [`ELB_REGISTRATION_IN_PROGRESS`].
pub const ELB_DEREGISTRATION_IN_PROGRESS: &str = "Target deregistration is in progress";
/// See [`ELB_REGISTRATION_IN_PROGRESS`].
pub const ELB_HEALTH_CHECK_DISABLED: &str = "Health checks are not enabled for this target";

/// A check answered with codes the matcher refuses ([REAL]).
pub fn elb_response_code_mismatch(code: u16) -> String {
    format!("Health checks failed with these codes: [{code}]")
}

/// The page an Application Load Balancer answers itself with `status` (502 when a target
/// refuses, 503 with no target, 504 when it does not answer), as its error pages read
/// ([REAL] curl captures; `Server: awselb/2.0`).
pub fn elb_error_page(status: u16) -> String {
    let title = match status {
        502 => "502 Bad Gateway",
        503 => "503 Service Temporarily Unavailable",
        504 => "504 Gateway Time-out",
        _ => "500 Internal Server Error",
    };
    format!("<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n")
}

/// Berth's own refusal of a listener whose port this machine will not give it.
pub fn elb_port_unavailable(port: u32, error: &str) -> String {
    format!("Berth serves each listener on 127.0.0.1:{port}, and cannot listen there: {error}. Choose another port.")
}

/// UNCONFIRMED timing: how long after registration a target's first health check comes. AWS
/// names the phase (`Elb.RegistrationInProgress`) but not its length; Berth waits one
/// interval, which is what a learner watching a default target group sees: about 30 s.
pub const ELB_FIRST_CHECK_AFTER_INTERVALS: u64 = 1;

fn client(message: impl Into<String>, path: &JsonPath) -> Problem {
    Problem {
        exception: ClientException,
        message: message.into(),
        path: path.clone(),
    }
}

/// Each function below returns the problem for one rule, at `path`.
macro_rules! unconfirmed_fns {
    ($($(#[$meta:meta])* $name:ident($($arg:ident: $ty:ty),*) => $key:literal;)*) => {
        $($(#[$meta])* pub fn $name($($arg: $ty,)* path: &JsonPath) -> Problem {
            unconfirmed($key, &[$(&$arg),*], path)
        })*
    };
}

unconfirmed_fns! {
    /// `memoryReservation` above `memory`.
    reservation_above_memory(container: &str) => "reservation-above-memory";
    /// Container `memory` below Docker's minimum.
    container_memory_minimum(container: &str) => "container-memory-minimum";
    /// Negative container `cpu`.
    container_cpu_invalid(container: &str) => "container-cpu-negative";
    /// Task `memory` not a valid amount.
    task_memory_invalid() => "task-memory-invalid";
    /// `hostPort` outside 0–65535.
    host_port_invalid(container: &str) => "host-port-invalid";
    /// Port mappings in `none` mode.
    none_port_mappings() => "none-port-mappings";
    /// A link to a container not in the task.
    link_unknown(target: &str) => "link-unknown";
    /// A container depending on itself.
    depends_on_self(container: &str) => "depends-on-self";
    /// A cycle of dependencies.
    depends_on_cycle() => "depends-on-cycle";
    /// `dependsOn` without a condition.
    depends_on_condition(container: &str) => "depends-on-condition";
    /// Empty health-check command.
    health_check_command(container: &str) => "health-check-command";
    /// A health-check setting under its minimum.
    health_check_min(setting: &str, minimum: i64, container: &str) => "health-check-min";
    /// Two volumes with one name.
    duplicate_volume() => "duplicate-volume";
    /// A volume name with characters outside the pattern.
    volume_name() => "volume-name";
    /// Privileged container on Fargate.
    fargate_privileged() => "fargate-privileged";
    /// Links on Fargate.
    fargate_links() => "fargate-links";
    /// awsvpc on EXTERNAL.
    external_awsvpc() => "external-awsvpc";
    /// Ephemeral storage above the maximum.
    ephemeral_storage_max() => "ephemeral-storage-max";
    /// memberOf without an expression.
    member_of_expression() => "memberof-expression";
    /// More than 10 placement constraints.
    too_many_constraints() => "too-many-constraints";
    /// More than 50 tags.
    too_many_tags() => "too-many-tags";
    /// A tag key of the wrong length.
    tag_key() => "tag-key";
    /// A tag value too long.
    tag_value() => "tag-value";
    /// More than one credential spec.
    credential_specs(container: &str) => "credential-specs";
    /// One container port under two protocols.
    container_port_protocols(port: i64, container: &str) => "container-port-protocols";
    /// A GPU count that is not a positive integer.
    gpu_value(value: &str, container: &str) => "gpu-value";
    /// startTimeout outside Fargate's 2–120 s.
    start_timeout_fargate() => "start-timeout-fargate";
    /// Proxy configuration without a container name.
    proxy_container_name() => "proxy-container-name";
}

/// A member the shape does not have.
pub fn unknown_parameter(path: &JsonPath, expected: &[&str]) -> Problem {
    let (parent, name) = split_last_key(path);
    let parent = if parent.0.is_empty() {
        "input".to_owned()
    } else {
        parent.to_string()
    };
    unconfirmed(
        "unknown-parameter",
        &[&parent, &name, &expected.join(", ")],
        path,
    )
}

/// A member of the wrong JSON type.
pub fn invalid_type(path: &JsonPath, found: &Value, expected: &str) -> Problem {
    let mut shown = found.to_string();
    if shown.len() > 60 {
        let cut = (0..=57)
            .rev()
            .find(|&i| shown.is_char_boundary(i))
            .unwrap_or(0);
        shown.truncate(cut);
        shown.push_str("...");
    }
    unconfirmed("invalid-type", &[path, &shown, &expected], path)
}

/// A value outside an enum.
pub fn enum_value(value: &str, allowed: &[&str], path: &JsonPath) -> Problem {
    unconfirmed("enum", &[&value, &path.coral(), &allowed.join(", ")], path)
}

fn split_last_key(path: &JsonPath) -> (JsonPath, String) {
    let mut parent = path.clone();
    match parent.0.pop() {
        Some(crate::problem::PathSegment::Key(key)) => (parent, key),
        Some(crate::problem::PathSegment::Index(index)) => (parent, index.to_string()),
        None => (parent, String::new()),
    }
}

// Confirmed placement texts (ECS_REFERENCE §5.6).

/// The start of every "unable to place" service event.
pub fn unable_to_place(service: &str) -> String {
    format!("(service {service}) was unable to place a task because no container instance met all of its requirements.")
}

/// The reason when the cluster has no instances (§1.4, §5.6).
pub const NO_CONTAINER_INSTANCES: &str = "No Container Instances were found in your cluster.";

/// The trailing sentence of placement events.
pub const TROUBLESHOOTING: &str =
    "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";

/// Closest match, ports (BOTO DescribeServices example).
pub fn closest_ports(instance_id: &str) -> String {
    format!("The closest matching (container-instance {instance_id}) is already using a port required by your task.")
}

/// Closest match, memory (diem/diem#1099).
pub fn closest_memory(instance_id: &str) -> String {
    format!(
        "The closest matching container-instance {instance_id} has insufficient memory available."
    )
}

/// Closest match, CPU (DG service-event-messages).
pub fn closest_cpu(instance_id: &str) -> String {
    format!("The closest matching container-instance {instance_id} has insufficient CPU units available.")
}

/// Closest match, agent disconnected (DG service-event-messages). Other reasons use the same
/// form with their own name, which is UNCONFIRMED (`closest-error`).
pub fn closest_agent(instance_id: &str) -> String {
    format!("The closest matching container-instance {instance_id} encountered error \"AGENT\".")
}

// Confirmed control-plane texts (ECS_REFERENCE §1.4, §5.5).

/// A cluster that does not exist (k1LoW/awspec#473).
pub const CLUSTER_NOT_FOUND: &str = "Cluster not found.";

/// A cluster name that fails validation (awslabs/amazon-ecs-nodejs-microservices#18).
pub fn cluster_name_invalid(name: &str) -> String {
    format!("Cluster must match ^[a-zA-Z0-9\\-_]{{1,255}}$, but was {name}")
}

/// RunTask or CreateService with both (moto's text; ECS_REFERENCE §11).
pub const LAUNCH_TYPE_AND_STRATEGY: &str =
    "Specify either Launch Type or Capacity Provider Strategy, but not both.";

/// An awsvpc network configuration without subnets (moto's text; ECS_REFERENCE §11).
pub const SUBNETS_EMPTY: &str = "subnets can not be empty.";

/// DescribeTasks with no tasks (aws/copilot-cli#3551).
pub const TASKS_EMPTY: &str = "Tasks cannot be empty.";

/// StopTask of an unknown task (griptape-ai/griptape-nodes-engine#1454).
pub const TASK_NOT_FOUND: &str = "The referenced task was not found.";

/// DescribeTaskDefinition of an unknown one (getmoto/moto#5910 quoting the CLI).
pub const UNABLE_TO_DESCRIBE_TASK_DEFINITION: &str = "Unable to describe task definition.";

/// DeregisterTaskDefinition of an unknown one (cloud-custodian matching the API's text).
pub const TASK_DEFINITION_DOES_NOT_EXIST: &str = "The specified task definition does not exist.";

/// RunTask/CreateService with an unknown one (Cloud-CV/EvalAI#2419).
pub const TASK_DEFINITION_NOT_FOUND: &str = "TaskDefinition not found.";

/// An inactive task definition (aws/aws-cdk#33195).
pub const TASK_DEFINITION_INACTIVE: &str = "TaskDefinition is inactive";

/// A `family:revision` whose revision is not a number (hashicorp/terraform-provider-aws#30313).
pub const INVALID_REVISION: &str = "Invalid revision number.";

/// A launch type the task definition was not validated for (sil-org/ecs-deploy#134).
pub fn launch_type_unsupported(launch_type: &str) -> String {
    format!("Task definition does not support launch_type {launch_type}.")
}

/// awsvpc without networkConfiguration (fabfuel/ecs-deploy#133).
pub const NETWORK_CONFIGURATION_REQUIRED: &str =
    "Network Configuration must be provided when networkMode 'awsvpc' is specified.";

/// networkConfiguration for another network mode (DataDog/test-infra-definitions#57).
pub const NETWORK_CONFIGURATION_INVALID: &str =
    "Network Configuration is not valid for the given networkMode of this task definition.";

/// DeleteCluster with instances (gruntwork-io/cloud-nuke#1131).
pub const CLUSTER_HAS_INSTANCES: &str =
    "The Cluster cannot be deleted while Container Instances are active or draining.";

/// DeleteCluster with tasks (gruntwork-io/cloud-nuke#368).
pub const CLUSTER_HAS_TASKS: &str = "The Cluster cannot be deleted while Tasks are active.";

/// DeleteCluster with services (coldbrewcloud/coldbrew-cli#35).
pub const CLUSTER_HAS_SERVICES: &str = "The Cluster cannot be deleted while Services are active.";

/// An essential container's exit (DG stopped-task-errors).
pub const ESSENTIAL_CONTAINER_EXITED: &str = "Essential container in task exited";

// Confirmed service texts (ECS_REFERENCE §1.4, §7.4, §7.6).

/// A service that does not exist (hashicorp/terraform#15073).
pub const SERVICE_NOT_FOUND: &str = "Service not found.";

/// UpdateService on a DRAINING or INACTIVE service (alchemy-run/alchemy#1581).
pub const SERVICE_NOT_ACTIVE: &str = "Service was not ACTIVE.";

/// CreateService with the name of an ACTIVE or DRAINING service (Shippable/support#4753).
pub const SERVICE_NOT_IDEMPOTENT: &str = "Creation of service was not idempotent.";

/// Steady state (DG service-event-messages).
pub fn service_steady(service: &str) -> String {
    format!("(service {service}) has reached a steady state.")
}

/// Tasks started (hackforla/CivicTechJobs#436).
pub fn service_started(service: &str, task_ids: &[&str]) -> String {
    let tasks: Vec<String> = task_ids.iter().map(|id| format!("(task {id})")).collect();
    format!(
        "(service {service}) has started {} tasks: {}.",
        task_ids.len(),
        tasks.join(" ")
    )
}

/// Tasks stopped (hackforla/CivicTechJobs#436).
pub fn service_stopped(service: &str, task_ids: &[&str]) -> String {
    let tasks: Vec<String> = task_ids.iter().map(|id| format!("(task {id})")).collect();
    format!(
        "(service {service}) has stopped {} running tasks: {}.",
        task_ids.len(),
        tasks.join(" ")
    )
}

/// A service's tasks per zone as the AZ rebalancing events list them: "3 tasks in
/// eu-central-1a, 1 tasks in eu-central-1c, 1 tasks in eu-central-1b", as events from a real
/// account show (the DG's templates put "and" before the last, which ECS does not write).
/// UNCONFIRMED: the order; Berth lists the fullest first, ties by name.
fn zone_counts(counts: &[(String, u32)]) -> String {
    let mut sorted: Vec<&(String, u32)> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let items: Vec<String> = sorted
        .iter()
        .map(|(zone, n)| format!("{n} tasks in {zone}"))
        .collect();
    items.join(", ")
}

/// SERVICE_REBALANCING_STARTED (DG track-service-rebalancing).
pub fn rebalancing_started(service: &str, counts: &[(String, u32)]) -> String {
    format!(
        "(service {service}) is not AZ balanced with {}. AZ Rebalancing in progress.",
        zone_counts(counts)
    )
}

/// SERVICE_REBALANCING_COMPLETED (DG track-service-rebalancing).
pub fn rebalancing_completed(service: &str, counts: &[(String, u32)]) -> String {
    format!(
        "(service {service}) is AZ balanced with {}.",
        zone_counts(counts)
    )
}

/// TASKS_STARTED for AZ rebalancing (DG track-service-rebalancing); the tasks as the "has
/// started" event lists them.
pub fn rebalancing_tasks_started(service: &str, zone: &str, task_ids: &[&str]) -> String {
    let tasks: Vec<String> = task_ids.iter().map(|id| format!("(task {id})")).collect();
    format!(
        "(service {service}) has started {} tasks in {zone} to AZ Rebalance: {}.",
        task_ids.len(),
        tasks.join(" ")
    )
}

/// TASKS_STOPPED for AZ rebalancing (DG track-service-rebalancing).
pub fn rebalancing_tasks_stopped(service: &str, zone: &str, task_ids: &[&str]) -> String {
    let tasks: Vec<String> = task_ids.iter().map(|id| format!("(task {id})")).collect();
    format!(
        "(service {service}) has stopped {} running tasks in {zone} due to AZ rebalancing: {}.",
        task_ids.len(),
        tasks.join(" ")
    )
}

/// A task AZ rebalancing stops: its stoppedReason (DG track-service-rebalancing).
pub fn rebalancing_stopped_reason(deployment_id: &str) -> String {
    format!("Availability-zone rebalancing initiated by (deployment {deployment_id})")
}

/// SERVICE_TASK_PLACEMENT_FAILURE during AZ rebalancing (DG track-service-rebalancing).
pub fn rebalancing_placement_failure(service: &str, zone: &str) -> String {
    format!(
        "(service {service}) is unable to place a task in {zone} because no container instance met all of its requirements."
    )
}

/// Neither bound lets a deployment progress (DG service-event-messages).
pub fn service_deployment_configuration(service: &str) -> String {
    format!(
        "(service {service}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."
    )
}

/// A deployment in progress (DG ecs_cwe_events).
pub fn deployment_in_progress(id: &str) -> String {
    format!("ECS deployment {id} in progress.")
}

/// A deployment completed (DG ecs_cwe_events).
pub fn deployment_completed(id: &str) -> String {
    format!("ECS deployment {id} completed.")
}

/// The circuit breaker tripped (aws/containers-roadmap#1488).
pub const CIRCUIT_BREAKER_FAILED: &str = "ECS deployment circuit breaker: tasks failed to start.";

/// The service backs off launching tasks that keep failing to start (DG service-throttle-logic).
pub fn service_throttled(service: &str) -> String {
    format!("(service {service}) is unable to consistently start tasks successfully.")
}

/// The longest launch back-off (DG service-throttle-logic today: "up to a maximum of 27
/// minutes"; earlier editions said 15).
pub const THROTTLE_MAX_DELAY_MS: u64 = 27 * 60 * 1000;

/// A tag key in AWS's reserved namespace (aws/amazon-ecs-agent#1704).
pub const TAG_KEY_RESERVED: &str = "Tag key must not start with aws:";

/// The circuit breaker's `ECS Deployment State Change` reason: singular "task", unlike the
/// deployment's rolloutStateReason (DG ecs_cwe_events example).
pub const CIRCUIT_BREAKER_EVENT_REASON: &str =
    "ECS deployment circuit breaker: task failed to start.";

/// UNCONFIRMED: how long ECS watches a ROLLING deployment's alarms after steady state
/// before it COMPLETES. ECS "computes this time period based on the alarm configuration";
/// Berth takes the longest look-back (`Period` × `EvaluationPeriods`, in seconds) of the
/// deployment's alarms, none for alarms CloudWatch does not have.
pub fn deployment_alarm_bake_ms(windows_seconds: &[u64]) -> u64 {
    windows_seconds.iter().copied().max().unwrap_or(0) * 1000
}

/// UNCONFIRMED: what an older revision holds of a ROLLING deployment under way when the desired
/// count goes `from` → `to`. ECS "applies scale-out to both service revisions" (What's New
/// 2025-11-14) without saying by how much: Berth grows it in proportion, rounded up, and
/// leaves it as it is on a scale-in (the deployment takes it down anyway).
pub fn rolling_scale_out(held: u32, from: u32, to: u32) -> u32 {
    if to <= from || from == 0 {
        return held;
    }
    let grown = (u64::from(held) * u64::from(to)).div_ceil(u64::from(from));
    grown.min(u64::from(u32::MAX)) as u32
}

/// UNCONFIRMED: the service back-off's schedule, which ECS does not document beyond its
/// 15-minute ceiling: it begins after this many tasks in a row failed to start ...
pub const THROTTLE_AFTER_FAILURES: u32 = 3;

/// UNCONFIRMED: ... with this delay, doubling with each further failure.
pub const THROTTLE_FIRST_DELAY_MS: u64 = 30_000;

/// The circuit breaker rolls back (DG ecs_cwe_events).
pub fn circuit_breaker_rollback(id: &str) -> String {
    format!("ECS deployment circuit breaker: rolling back to deploymentId {id}.")
}

// Confirmed texts, each with where it was seen.

/// `family` missing or empty (aws/aws-sdk-go#132).
pub fn family_blank(path: &JsonPath) -> Problem {
    client("Family can not be blank.", path)
}

/// `family` with characters outside `[a-zA-Z0-9_-]` or too long (aws-cdk preflight quoting ECS).
pub fn family_invalid(path: &JsonPath) -> Problem {
    client("Family contains invalid characters.", path)
}

/// No containers (awsdocs/aws-cloudformation-user-guide#454).
pub fn container_list_empty(path: &JsonPath) -> Problem {
    client("Container list cannot be empty.", path)
}

/// More than 10 containers (aws/amazon-ecs-cli#184).
pub fn too_many_containers(path: &JsonPath) -> Problem {
    client("Too many containers.", path)
}

/// A container member that must be present (`name`, `image`; awsdocs cfn guide#612).
pub fn container_field_empty(field: &str, path: &JsonPath) -> Problem {
    client(
        format!("Container.{field} should not be null or empty."),
        path,
    )
}

/// A container name with invalid characters (cds-snc/notification-terraform#328).
pub fn container_name_invalid(path: &JsonPath) -> Problem {
    client("Container.name contains invalid characters.", path)
}

/// Two containers with one name (Shippable/support#2946; this casing from a 2026 deploy log).
pub fn container_names_unique(path: &JsonPath) -> Problem {
    client(
        "Container names must be unique within a task definition",
        path,
    )
}

/// Image longer than 255 (hashicorp/terraform-provider-aws#22629).
pub fn image_too_long(path: &JsonPath) -> Problem {
    client("Container.image should be 255 characters or less", path)
}

/// Image with invalid characters (Shippable/support#3094).
pub fn image_invalid(path: &JsonPath) -> Problem {
    client("Container.image contains invalid characters.", path)
}

/// No memory for a container on EC2 (sil-org/ecs-deploy#59).
pub fn memory_required(container: &str, path: &JsonPath) -> Problem {
    client(
        format!(
            "Invalid setting for container '{container}'. At least one of 'memory' or 'memoryReservation' must be specified."
        ),
        path,
    )
}

/// Container memory above the task's (pulumi/pulumi-awsx#1220).
pub fn container_memory_above_task(container: &str, path: &JsonPath) -> Problem {
    client(
        format!("The 'memory' setting for container '{container}' is greater than for the task."),
        path,
    )
}

/// Reservations above the task's memory (cloudnativedaysjp/dreamkast-infra#4766).
pub fn reservations_above_task(path: &JsonPath) -> Problem {
    client(
        "The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'.",
        path,
    )
}

/// Container cpu above the task's (cloudnativedaysjp/dreamkast-infra#4726).
pub fn cpu_sum_above_task(path: &JsonPath) -> Problem {
    client(
        "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.",
        path,
    )
}

/// Task cpu not valid (DG task-cpu-memory-error).
pub fn task_cpu_invalid(path: &JsonPath) -> Problem {
    client(
        "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
        path,
    )
}

/// Fargate without task cpu (hackoregon/civic-devops#246).
pub fn fargate_cpu_required(path: &JsonPath) -> Problem {
    client(
        "Fargate requires that 'cpu' be defined at the task level.",
        path,
    )
}

/// Fargate without task memory (aws/amazon-ecs-cli#982).
pub fn fargate_memory_required(path: &JsonPath) -> Problem {
    client(
        "Fargate requires that 'memory' be defined at the task level.",
        path,
    )
}

/// A cpu/memory pair Fargate does not offer (aws-games/cloud-game-development-toolkit#737).
pub fn fargate_no_configuration(cpu: u32, memory: u32, path: &JsonPath) -> Problem {
    client(
        format!(
            "No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. See the Amazon ECS documentation for the valid values."
        ),
        path,
    )
}

/// Fargate with a network mode other than awsvpc (aws/amazon-ecs-cli#1145; curly quotes as sent).
pub fn fargate_network_mode(path: &JsonPath) -> Problem {
    client(
        "Fargate only supports network mode \u{2018}awsvpc\u{2019}.",
        path,
    )
}

/// Fargate with pidMode host (aws/aws-cdk#29619).
pub fn fargate_pid_mode(mode: &str, path: &JsonPath) -> Problem {
    client(
        format!(
            "Tasks using the Fargate launch type do not support pidMode '{mode}'. The supported value for pidMode is 'task'."
        ),
        path,
    )
}

/// Fargate stopTimeout above 120 s (a deploy log quoting ECS; 120 itself is accepted).
pub fn fargate_stop_timeout(path: &JsonPath) -> Problem {
    client(
        "Tasks using the Fargate launch type must have a container stop timeout of less than 120 seconds.",
        path,
    )
}

/// A member Fargate does not support: `sourcePath` (cloudposse/terraform-aws-ecs-alb-service-task#174),
/// `ipcMode`, `devices`, `maxSwap`, `sharedMemorySize`, `dockerSecurityOptions`,
/// `dockerVolumeConfiguration`, `constraints` (badmintoncryer/cdk-preflight deploy logs).
pub fn fargate_unsupported(member: &str, path: &JsonPath) -> Problem {
    client(
        format!("Fargate compatible task definitions do not support {member}"),
        path,
    )
}

/// A capability Fargate does not allow adding (cdk-preflight deploy log).
pub fn fargate_capability(capability: &str, path: &JsonPath) -> Problem {
    client(format!("{capability} is not allowed on Fargate."), path)
}

/// GPUs on Fargate (cdk-preflight deploy log).
pub fn fargate_gpu(path: &JsonPath) -> Problem {
    client(
        "Tasks using the Fargate launch type do not support GPU resource requirements.",
        path,
    )
}

/// A log driver Fargate does not offer (cdk-preflight deploy log; aws/containers-roadmap#669).
pub fn fargate_log_driver(driver: &str, path: &JsonPath) -> Problem {
    client(
        format!("{driver} is not a valid log driver. Must be one of [awslogs,splunk,awsfirelens]"),
        path,
    )
}

/// awslogs on Fargate without a stream prefix (aws/aws-cdk#1422).
pub fn fargate_awslogs_stream_prefix(path: &JsonPath) -> Problem {
    client(
        "Fargate requires log configuration options to include awslogs-stream-prefix to support log driver awslogs.",
        path,
    )
}

/// awslogs without a log group (cdk-preflight deploy log).
pub fn awslogs_group_required(path: &JsonPath) -> Problem {
    client("Log driver awslogs requires options: awslogs-group", path)
}

/// awsfirelens without a FireLens container (cdk-preflight deploy log).
pub fn firelens_container_required(path: &JsonPath) -> Problem {
    client(
        "When awsfirelens log driver is specified in log configuration, a firelens configuration object must be configured in one of the containers.",
        path,
    )
}

/// Ephemeral storage on an EC2-only definition (cdk-preflight deploy log).
pub fn ephemeral_storage_ec2(path: &JsonPath) -> Problem {
    client(
        "Tasks using the EC2 launch type do not support EphemeralStorage.",
        path,
    )
}

/// A setting awsvpc mode does not allow on a container (labd/ecs-deplojo#26 for hostname;
/// cdk-preflight deploy logs for the others). `what` is ECS's phrase for the setting.
pub fn not_with_awsvpc(what: &str, path: &JsonPath) -> Problem {
    client(
        format!("{what} not supported on container when networkMode=awsvpc."),
        path,
    )
}

/// Two port mappings with one name in awsvpc mode (cdk-preflight deploy log).
pub fn port_name_used(path: &JsonPath) -> Problem {
    client(
        "When networkMode=awsvpc, port mapping name is already used",
        path,
    )
}

/// HEALTHY dependency on a container without a health check (cdk-preflight deploy log).
pub fn healthy_needs_check(path: &JsonPath) -> Problem {
    client(
        "A dependency container with HEALTHY condition must have health check configured",
        path,
    )
}

/// A ulimit whose soft limit exceeds its hard limit (cdk-preflight deploy log).
pub fn ulimit_soft_above_hard(name: &str, path: &JsonPath) -> Problem {
    client(
        format!("Soft limit exceeds hard limit for ulimit {name}"),
        path,
    )
}

/// More than ten environment files (cdk-preflight deploy log).
pub fn too_many_environment_files(path: &JsonPath) -> Problem {
    client(
        "The maximum number of environment files was exceeded. Specify ten or less and try again.",
        path,
    )
}

/// A configured-at-launch volume no container mounts (cdk-preflight deploy log).
pub fn volume_not_referenced(volume: &str, path: &JsonPath) -> Problem {
    client(
        format!("Volumes [{volume}] are not referenced by any of the containers"),
        path,
    )
}

/// An EFS access point with a root directory other than `/` (cdk-preflight deploy log).
pub fn efs_access_point_root(path: &JsonPath) -> Problem {
    client(
        "When using an EFS access point, the root directory must either be set to \"/\" or be omitted.",
        path,
    )
}

/// EFS IAM authorisation without transit encryption (cdk-preflight deploy log).
pub fn efs_iam_needs_encryption(path: &JsonPath) -> Problem {
    client(
        "EFS IAM authorization requires TransitEncryption to be enabled.",
        path,
    )
}

/// An EFS transit-encryption port without transit encryption (cdk-preflight deploy log).
pub fn efs_port_needs_encryption(path: &JsonPath) -> Problem {
    client(
        "TransitEncryptionPort requires that TransitEncryption is enabled.",
        path,
    )
}

/// Elastic Inference, retired (cdk-preflight deploy log).
pub fn inference_accelerators_unsupported(path: &JsonPath) -> Problem {
    client("Unsupported field 'inferenceAccelerators'.", path)
}

/// No essential container (eagletmt/hako#68, aws-cloudformation/cfn-lint#4536).
pub fn no_essential_container(path: &JsonPath) -> Problem {
    client(
        "Task definition doesn't have any essential container.",
        path,
    )
}

/// awsvpc with hostPort ≠ containerPort (pulumi/pulumi-awsx#935).
pub fn awsvpc_port_mismatch(path: &JsonPath) -> Problem {
    client(
        "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
        path,
    )
}

/// host mode with hostPort ≠ containerPort.
pub fn host_port_mismatch(path: &JsonPath) -> Problem {
    client(
        "When networkMode=host, the host ports and container ports in port mappings must match.",
        path,
    )
}

/// One host port mapped twice (aws/amazon-ecs-agent#1220).
pub fn host_port_duplicate(protocol: &str, port: i64, path: &JsonPath) -> Problem {
    client(
        format!("{protocol} host port '{port}' is mapped multiple times in task."),
        path,
    )
}

/// One container port used twice in awsvpc mode.
pub fn container_port_duplicate(protocol: &str, port: i64, path: &JsonPath) -> Problem {
    client(
        format!("{protocol} container port '{port}' is used multiple times in task when networkMode=awsvpc."),
        path,
    )
}

/// containerPort missing or out of range (aws/aws-cli#7288, aws/aws-cdk#8762).
pub fn container_port_invalid(container: &str, path: &JsonPath) -> Problem {
    client(
        format!("Invalid 'containerPort' setting for container '{container}'."),
        path,
    )
}

/// A malformed containerPortRange.
pub fn container_port_range_invalid(container: &str, path: &JsonPath) -> Problem {
    client(
        format!("Invalid 'containerPortRange' setting for container '{container}'."),
        path,
    )
}

/// Both containerPort and containerPortRange.
pub fn port_and_range(container: &str, path: &JsonPath) -> Problem {
    client(
        format!(
            "Invalid port mapping for container '{container}', cannot specify both single port and port range."
        ),
        path,
    )
}

/// Links in awsvpc mode (aws-observability/aws-otel-collector#1359).
pub fn links_awsvpc(mode: &str, path: &JsonPath) -> Problem {
    client(
        format!("Links are not supported when networkMode={mode}."),
        path,
    )
}

/// A cycle of links (Shippable/support#4194).
pub fn links_cycle(path: &JsonPath) -> Problem {
    client("Container links should not have a cycle", path)
}

/// A mount point naming no volume (ansible/ansible#35751).
pub fn unknown_volume(volume: &str, path: &JsonPath) -> Problem {
    client(format!("Unknown volume '{volume}'."), path)
}

/// volumesFrom naming no container (eagletmt/hako#54).
pub fn volumes_from_unknown(container: &str, path: &JsonPath) -> Problem {
    client(
        format!("Invalid 'volumesFrom' setting. Unknown container: '{container}'."),
        path,
    )
}

/// A host volume with an empty sourcePath (aws/amazon-ecs-cli#11).
pub fn source_path_blank(path: &JsonPath) -> Problem {
    client("host.sourcePath should not be blank.", path)
}

/// dependsOn naming no container (dagster-io/dagster#6926; the stray "+" is ECS's own).
pub fn depends_on_unknown(target: &str, path: &JsonPath) -> Problem {
    client(
        format!("Cannot depend on container + '{target}' because it does not exist"),
        path,
    )
}

/// SUCCESS/COMPLETE dependency on an essential container (boto/boto3#2436).
pub fn depends_on_essential(path: &JsonPath) -> Problem {
    client("A dependency container with SUCCESS or COMPLETE condition cannot be an essential container", path)
}

/// A health-check setting above its maximum (PostHog/posthog#8647 for retries).
pub fn health_check_max(setting: &str, maximum: i64, container: &str, path: &JsonPath) -> Problem {
    client(
        format!(
            "Health check {setting} must be less than or equal to the maximum allowed value {maximum} for container '{container}'"
        ),
        path,
    )
}

/// Secrets without an execution role (fabfuel/ecs-deploy#87).
pub fn secrets_need_execution_role(path: &JsonPath) -> Problem {
    client(
        "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
        path,
    )
}

/// awslogs on Fargate without an execution role (virtual-kubelet/virtual-kubelet#193).
pub fn fargate_awslogs_execution_role(path: &JsonPath) -> Problem {
    client(
        "Fargate requires task definition to have execution role ARN to support log driver awslogs.",
        path,
    )
}

/// A task-definition constraint other than memberOf (aws-samples/aws-cdk-examples#628).
pub fn constraint_type_unsupported(kind: &str, path: &JsonPath) -> Problem {
    client(format!("constraint.type '{kind}' is not supported."), path)
}

/// `tags: []` (terraform-provider-aws comment quoting ECS).
pub fn tags_empty(path: &JsonPath) -> Problem {
    client("Tags can not be empty.", path)
}

/// Ephemeral storage below 21 GiB (guardian/cdk#1101).
pub fn ephemeral_storage_min(path: &JsonPath) -> Problem {
    client("EphemeralStorage size should be at least 21", path)
}

/// restartAttemptPeriod outside 60–1800.
pub fn restart_attempt_period(container: &str, path: &JsonPath) -> Problem {
    client(
        format!("The 'restartAttemptPeriod' setting for container '{container}' must be between 60 and 1800."),
        path,
    )
}

/// App Mesh proxy outside awsvpc.
pub fn proxy_awsvpc(path: &JsonPath) -> Problem {
    client(
        "APPMESH proxy configuration is only supported in networkMode=awsvpc",
        path,
    )
}

/// Proxy container not in the task.
pub fn proxy_container_missing(container: &str, path: &JsonPath) -> Problem {
    client(
        format!("Proxy container [{container}] does not exist."),
        path,
    )
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_scale_out_grows_a_held_revision_in_proportion_rounded_up() {
        assert_eq!(rolling_scale_out(2, 2, 4), 4);
        assert_eq!(rolling_scale_out(3, 4, 6), 5);
        assert_eq!(rolling_scale_out(3, 4, 2), 3, "a scale-in leaves it");
        assert_eq!(rolling_scale_out(3, 0, 2), 3);
        assert_eq!(rolling_scale_out(u32::MAX, 1, u32::MAX), u32::MAX);
    }

    /// Keys are unique and every template's placeholders are filled by its function.
    #[test]
    fn unconfirmed_table_is_consistent() {
        let mut keys: Vec<&str> = UNCONFIRMED.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate key in UNCONFIRMED");
        let mut operations: Vec<&str> = OPERATIONS_UNCONFIRMED.iter().map(|(k, _, _)| *k).collect();
        operations.sort_unstable();
        operations.dedup();
        assert_eq!(
            operations.len(),
            OPERATIONS_UNCONFIRMED.len(),
            "duplicate operation key"
        );
        assert!(
            operations.iter().all(|k| !keys.contains(k)),
            "a key in both tables"
        );
        assert_eq!(
            operation_text("minutes-range", &[&"bakeTimeInMinutes"]),
            "bakeTimeInMinutes must be between 0 and 1440."
        );
        let p = health_check_min("interval", 5, "web", &JsonPath::root());
        assert_eq!(
            p.message,
            "Health check interval must be greater than or equal to the minimum allowed value 5 for container 'web'"
        );
    }
}
