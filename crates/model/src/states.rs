//! ECS's state and kind enums as the API writes them: a task's `lastStatus`, a service's
//! `status`, a deployment's `rolloutState`, a launch type, a stop code.
//!
//! Each is an `ecs_enum!`, so a value outside ECS's set (a snapshot from a newer Berth, a
//! document pasted from a newer ECS) is kept as `Unknown` rather than failing to parse, and
//! each serialises to exactly the wire string: typing a member changes no JSON. Values and
//! their order follow the botocore ECS model (2014-11-13).

use crate::ecs_enum::ecs_enum;

ecs_enum! {
    /// A task's or container's `lastStatus` and `desiredStatus` (the task lifecycle,
    /// ECS_REFERENCE §6.1). Containers only ever report PENDING, RUNNING and STOPPED.
    TaskStatus {
        Provisioning = "PROVISIONING", Pending = "PENDING", Activating = "ACTIVATING",
        Running = "RUNNING", Deactivating = "DEACTIVATING", Stopping = "STOPPING",
        Deprovisioning = "DEPROVISIONING", Stopped = "STOPPED", Deleted = "DELETED",
    }
}

ecs_enum! {
    /// A task's or container's `healthStatus`.
    HealthStatus { Healthy = "HEALTHY", Unhealthy = "UNHEALTHY", Undetermined = "UNKNOWN" }
}

ecs_enum! {
    /// A task's `stopCode`.
    TaskStopCode {
        TaskFailedToStart = "TaskFailedToStart",
        EssentialContainerExited = "EssentialContainerExited",
        UserInitiated = "UserInitiated",
        ServiceSchedulerInitiated = "ServiceSchedulerInitiated",
        SpotInterruption = "SpotInterruption",
        TerminationNotice = "TerminationNotice",
    }
}

ecs_enum! {
    /// A task's `connectivity`: whether its agent is connected.
    Connectivity { Connected = "CONNECTED", Disconnected = "DISCONNECTED" }
}

ecs_enum! {
    /// `launchType` of a task, service, deployment or task set.
    LaunchType {
        Ec2 = "EC2", Fargate = "FARGATE", External = "EXTERNAL",
        ManagedInstances = "MANAGED_INSTANCES",
    }
}

ecs_enum! {
    /// A container instance's `status`.
    ContainerInstanceStatus {
        Active = "ACTIVE", Draining = "DRAINING", Registering = "REGISTERING",
        Deregistering = "DEREGISTERING", RegistrationFailed = "REGISTRATION_FAILED",
        Inactive = "INACTIVE",
    }
}

ecs_enum! {
    /// A cluster's `status`.
    ClusterStatus {
        Active = "ACTIVE", Provisioning = "PROVISIONING", Deprovisioning = "DEPROVISIONING",
        Failed = "FAILED", Inactive = "INACTIVE",
    }
}

ecs_enum! {
    /// A service's `status`.
    ServiceStatus { Active = "ACTIVE", Draining = "DRAINING", Inactive = "INACTIVE" }
}

ecs_enum! {
    /// A service's `schedulingStrategy`.
    SchedulingStrategy { Replica = "REPLICA", Daemon = "DAEMON" }
}

ecs_enum! {
    /// `deploymentController.type`.
    DeploymentControllerType { Ecs = "ECS", CodeDeploy = "CODE_DEPLOY", External = "EXTERNAL" }
}

ecs_enum! {
    /// A service deployment's `status` in `deployments[]`: PRIMARY is the newest.
    DeploymentStatus { Primary = "PRIMARY", Active = "ACTIVE", Inactive = "INACTIVE" }
}

ecs_enum! {
    /// A deployment's `rolloutState`.
    RolloutState { Completed = "COMPLETED", Failed = "FAILED", InProgress = "IN_PROGRESS" }
}

ecs_enum! {
    /// `deploymentCircuitBreaker.thresholdConfiguration.type`: how `value` makes the number
    /// of failed tasks that trips the breaker.
    ThresholdType {
        Count = "COUNT", BoundedPercent = "BOUNDED_PERCENT", UnboundedPercent = "UNBOUNDED_PERCENT",
    }
}

ecs_enum! {
    /// A service's `availabilityZoneRebalancing`.
    AvailabilityZoneRebalancing { Enabled = "ENABLED", Disabled = "DISABLED" }
}

ecs_enum! {
    /// `deploymentConfiguration.strategy`.
    DeploymentStrategy {
        Rolling = "ROLLING", BlueGreen = "BLUE_GREEN", Linear = "LINEAR", Canary = "CANARY",
    }
}

ecs_enum! {
    /// A service deployment's `lifecycleStage`, in the order a deployment passes them.
    ServiceDeploymentLifecycleStage {
        ReconcileService = "RECONCILE_SERVICE", PreScaleUp = "PRE_SCALE_UP",
        ScaleUp = "SCALE_UP", PostScaleUp = "POST_SCALE_UP",
        TestTrafficShift = "TEST_TRAFFIC_SHIFT", PostTestTrafficShift = "POST_TEST_TRAFFIC_SHIFT",
        ProductionTrafficShift = "PRODUCTION_TRAFFIC_SHIFT",
        PostProductionTrafficShift = "POST_PRODUCTION_TRAFFIC_SHIFT", BakeTime = "BAKE_TIME",
        CleanUp = "CLEAN_UP",
    }
}

ecs_enum! {
    /// The stages a lifecycle hook may run at (`lifecycleHooks[].lifecycleStages`).
    DeploymentLifecycleHookStage {
        ReconcileService = "RECONCILE_SERVICE", PreScaleUp = "PRE_SCALE_UP",
        PostScaleUp = "POST_SCALE_UP", TestTrafficShift = "TEST_TRAFFIC_SHIFT",
        PostTestTrafficShift = "POST_TEST_TRAFFIC_SHIFT",
        PreProductionTrafficShift = "PRE_PRODUCTION_TRAFFIC_SHIFT",
        ProductionTrafficShift = "PRODUCTION_TRAFFIC_SHIFT",
        PostProductionTrafficShift = "POST_PRODUCTION_TRAFFIC_SHIFT",
    }
}

ecs_enum! {
    /// A lifecycle hook run's `status` (`lifecycleHookDetails[].status`).
    HookStatus {
        AwaitingAction = "AWAITING_ACTION", InProgress = "IN_PROGRESS", Succeeded = "SUCCEEDED",
        Failed = "FAILED", TimedOut = "TIMED_OUT",
    }
}

ecs_enum! {
    /// A lifecycle hook's `targetType`.
    HookTargetType { AwsLambda = "AWS_LAMBDA", Pause = "PAUSE" }
}

ecs_enum! {
    /// What a lifecycle hook's timeout does (`timeoutConfiguration.action`), and
    /// ContinueServiceDeployment's `action`.
    HookAction { Rollback = "ROLLBACK", Continue = "CONTINUE" }
}

ecs_enum! {
    /// A task set's `status`.
    TaskSetStatus { Primary = "PRIMARY", Active = "ACTIVE", Draining = "DRAINING" }
}

ecs_enum! {
    /// A task set's `stabilityStatus`.
    StabilityStatus { SteadyState = "STEADY_STATE", Stabilizing = "STABILIZING" }
}

ecs_enum! {
    /// A service deployment's `status` (ListServiceDeployments, DescribeServiceDeployments).
    ServiceDeploymentStatus {
        Pending = "PENDING", Successful = "SUCCESSFUL", Stopped = "STOPPED",
        StopRequested = "STOP_REQUESTED", InProgress = "IN_PROGRESS",
        RollbackRequested = "ROLLBACK_REQUESTED", RollbackInProgress = "ROLLBACK_IN_PROGRESS",
        RollbackSuccessful = "ROLLBACK_SUCCESSFUL", RollbackFailed = "ROLLBACK_FAILED",
    }
}

ecs_enum! {
    /// A service's `propagateTags`.
    PropagateTags { TaskDefinition = "TASK_DEFINITION", Service = "SERVICE", None = "NONE" }
}

ecs_enum! {
    /// A container instance's `agentUpdateStatus` (UpdateContainerAgent's stages, in order).
    AgentUpdateStatus {
        Pending = "PENDING", Staging = "STAGING", Staged = "STAGED", Updating = "UPDATING",
        Updated = "UPDATED", Failed = "FAILED",
    }
}

ecs_enum! {
    /// A capacity provider's `status`.
    CapacityProviderStatus { Active = "ACTIVE", Inactive = "INACTIVE" }
}

ecs_enum! {
    /// A capacity provider's `updateStatus`.
    CapacityProviderUpdateStatus {
        CreateInProgress = "CREATE_IN_PROGRESS", CreateComplete = "CREATE_COMPLETE",
        CreateFailed = "CREATE_FAILED", DeleteInProgress = "DELETE_IN_PROGRESS",
        DeleteComplete = "DELETE_COMPLETE", DeleteFailed = "DELETE_FAILED",
        UpdateInProgress = "UPDATE_IN_PROGRESS", UpdateComplete = "UPDATE_COMPLETE",
        UpdateFailed = "UPDATE_FAILED",
    }
}

ecs_enum! {
    /// `managedScaling.status`, `managedTerminationProtection` and the like.
    Toggle { Enabled = "ENABLED", Disabled = "DISABLED" }
}

/// What a freshly made document holds before it is filled in.
macro_rules! defaults {
    ($($name:ident => $variant:ident),+ $(,)?) => {
        $(impl Default for $name {
            fn default() -> $name {
                $name::$variant
            }
        })+
    };
}

defaults! {
    TaskStatus => Provisioning,
    LaunchType => Ec2,
    HealthStatus => Undetermined,
    Connectivity => Connected,
    ContainerInstanceStatus => Registering,
    ClusterStatus => Active,
    ServiceStatus => Active,
    SchedulingStrategy => Replica,
    DeploymentControllerType => Ecs,
    DeploymentStatus => Primary,
    RolloutState => InProgress,
    TaskSetStatus => Active,
    StabilityStatus => Stabilizing,
    PropagateTags => None,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Typing a member must not change the JSON: each value serialises to its wire string and
    /// an unknown one round-trips unchanged.
    #[test]
    fn wire_strings_round_trip() {
        for text in TaskStatus::ALL {
            let value: TaskStatus = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert!(value.is_known());
            assert_eq!(
                serde_json::to_string(&value).unwrap(),
                format!("\"{text}\"")
            );
        }
        assert_eq!(HealthStatus::Undetermined.as_str(), "UNKNOWN");
        let odd: RolloutState = serde_json::from_str("\"PAUSED\"").unwrap();
        assert_eq!(odd, RolloutState::Unknown("PAUSED".into()));
        assert_eq!(serde_json::to_string(&odd).unwrap(), "\"PAUSED\"");
    }
}
