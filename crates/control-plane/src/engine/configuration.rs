//! ECS's checks of a service's `deploymentConfiguration` (CreateService, UpdateService): the
//! circuit breaker's threshold, the strategy and the members each strategy takes, the
//! lifecycle hooks, and the `advancedConfiguration` of the load balancers a traffic-shifting
//! strategy moves traffic with (API_DeploymentConfiguration, API_LinearConfiguration,
//! API_CanaryConfiguration, API_DeploymentLifecycleHook; ECS_SINCE_2024 §1.2–1.6). The
//! ranges are the API reference's; the wording of every refusal is in `UNCONFIRMED`.

use std::collections::{BTreeMap, BTreeSet};

use berth_model::load_balancing::TargetGroupFacts;
use berth_model::resources::{DeploymentConfiguration, ServiceLoadBalancer};
use berth_model::states::{
    DeploymentLifecycleHookStage, DeploymentStrategy, HookAction, HookTargetType, ThresholdType,
};
use berth_model::{messages, ApiError, ExceptionType, JsonPath};

/// What the checks need to know of the service and of ELB.
pub(crate) struct Context<'a> {
    pub(crate) daemon: bool,
    pub(crate) external: bool,
    pub(crate) load_balancers: &'a [ServiceLoadBalancer],
    pub(crate) target_groups: &'a BTreeMap<String, TargetGroupFacts>,
    /// Every listener and listener rule ARN ELB has.
    pub(crate) listener_rules: &'a BTreeSet<String>,
}

/// The strategy a configuration asks for (ROLLING when absent).
pub(crate) fn strategy(config: &DeploymentConfiguration) -> DeploymentStrategy {
    config
        .strategy
        .clone()
        .unwrap_or(DeploymentStrategy::Rolling)
}

/// Whether the strategy shifts traffic between two revisions (BLUE_GREEN, LINEAR, CANARY).
pub(crate) fn shifts_traffic(config: &DeploymentConfiguration) -> bool {
    matches!(
        strategy(config),
        DeploymentStrategy::BlueGreen | DeploymentStrategy::Linear | DeploymentStrategy::Canary
    )
}

fn enum_error(value: &str, allowed: &[&str], path: &JsonPath) -> ApiError {
    let mut error = messages::enum_value(value, allowed, path).to_api_error();
    error.exception = ExceptionType::InvalidParameterException;
    error
}

fn root() -> JsonPath {
    JsonPath::root().key("deploymentConfiguration")
}

/// Multiples of 0.1 within `low..=high` (a double on the wire: compared in tenths).
fn tenths_within(value: f64, low: f64, high: f64) -> bool {
    let tenths = value * 10.0;
    (tenths - tenths.round()).abs() < 1e-6 && value >= low - 1e-9 && value <= high + 1e-9
}

fn minutes(value: Option<i64>, name: &str) -> Result<(), ApiError> {
    match value {
        Some(m) if !(0..=1440).contains(&m) => {
            Err(messages::operation_error("minutes-range", &[&name]))
        }
        _ => Ok(()),
    }
}

/// Every check, in the order a request's members are read.
pub(crate) fn check(config: &DeploymentConfiguration, context: &Context) -> Result<(), ApiError> {
    let breaker = &config.deployment_circuit_breaker;
    if let Some(threshold) = &breaker.threshold_configuration {
        if !threshold.r#type.is_known() {
            let path = root()
                .key("deploymentCircuitBreaker")
                .key("thresholdConfiguration")
                .key("type");
            return Err(enum_error(
                threshold.r#type.as_str(),
                ThresholdType::ALL,
                &path,
            ));
        }
        if threshold.value < 1 {
            return Err(messages::operation_error("breaker-threshold-value", &[]));
        }
    }
    if let Some(alarms) = &config.alarms {
        if context.external {
            return Err(messages::operation_error("alarms-controller", &[]));
        }
        if alarms.enable && alarms.alarm_names.is_empty() {
            return Err(messages::operation_error("alarms-names", &[]));
        }
    }
    let strategy = strategy(config);
    if !strategy.is_known() {
        return Err(enum_error(
            strategy.as_str(),
            DeploymentStrategy::ALL,
            &root().key("strategy"),
        ));
    }
    let shifting = shifts_traffic(config);
    if shifting && context.external {
        return Err(messages::operation_error(
            "strategy-controller",
            &[&strategy.as_str()],
        ));
    }
    if shifting && context.daemon {
        return Err(messages::operation_error(
            "strategy-daemon",
            &[&strategy.as_str()],
        ));
    }
    if strategy == DeploymentStrategy::BlueGreen && config.bake_time_in_minutes.is_none() {
        return Err(messages::operation_error("bake-time-required", &[]));
    }
    minutes(config.bake_time_in_minutes, "bakeTimeInMinutes")?;
    if let Some(linear) = &config.linear_configuration {
        if strategy != DeploymentStrategy::Linear {
            return Err(messages::operation_error(
                "strategy-member",
                &[&"linearConfiguration", &"LINEAR"],
            ));
        }
        if linear
            .step_percent
            .is_some_and(|p| !tenths_within(p, 3.0, 100.0))
        {
            return Err(messages::operation_error("step-percent", &[]));
        }
        minutes(
            linear.step_bake_time_in_minutes,
            "linearConfiguration.stepBakeTimeInMinutes",
        )?;
    }
    if let Some(canary) = &config.canary_configuration {
        if strategy != DeploymentStrategy::Canary {
            return Err(messages::operation_error(
                "strategy-member",
                &[&"canaryConfiguration", &"CANARY"],
            ));
        }
        if canary
            .canary_percent
            .is_some_and(|p| !tenths_within(p, 0.1, 100.0))
        {
            return Err(messages::operation_error("canary-percent", &[]));
        }
        minutes(
            canary.canary_bake_time_in_minutes,
            "canaryConfiguration.canaryBakeTimeInMinutes",
        )?;
    }
    for (i, hook) in config.lifecycle_hooks.iter().flatten().enumerate() {
        let path = root().key("lifecycleHooks").index(i);
        let target_type = hook
            .target_type
            .clone()
            .unwrap_or(HookTargetType::AwsLambda);
        if !target_type.is_known() {
            return Err(enum_error(
                target_type.as_str(),
                HookTargetType::ALL,
                &path.key("targetType"),
            ));
        }
        if hook.lifecycle_stages.is_empty() {
            return Err(messages::operation_error("hook-stages", &[]));
        }
        for (j, stage) in hook.lifecycle_stages.iter().enumerate() {
            if !stage.is_known() {
                return Err(enum_error(
                    stage.as_str(),
                    DeploymentLifecycleHookStage::ALL,
                    &path.key("lifecycleStages").index(j),
                ));
            }
            let lambda_only = matches!(
                stage,
                DeploymentLifecycleHookStage::TestTrafficShift
                    | DeploymentLifecycleHookStage::ProductionTrafficShift
            );
            if target_type == HookTargetType::Pause && lambda_only {
                return Err(messages::operation_error(
                    "pause-hook-stage",
                    &[&stage.as_str()],
                ));
            }
        }
        if target_type == HookTargetType::AwsLambda && hook.hook_target_arn.is_none() {
            return Err(messages::operation_error("hook-target", &[]));
        }
        if let Some(timeout) = &hook.timeout_configuration {
            if timeout
                .timeout_in_minutes
                .is_some_and(|m| !(1..=20160).contains(&m))
            {
                return Err(messages::operation_error("hook-timeout", &[]));
            }
            if let Some(action) = timeout.action.as_ref().filter(|a| !a.is_known()) {
                return Err(enum_error(
                    action.as_str(),
                    HookAction::ALL,
                    &path.key("timeoutConfiguration").key("action"),
                ));
            }
        }
        if context.external {
            return Err(messages::operation_error("hooks-controller", &[]));
        }
        // What Berth cannot run, said plainly rather than accepted and ignored.
        if context.daemon {
            return Err(ApiError::new(
                ExceptionType::UnsupportedFeatureException,
                "Berth runs lifecycle hooks on REPLICA services' deployments, not on DAEMON ones.",
            ));
        }
        // A ROLLING deployment shifts no traffic: it has no traffic stages to hook (our
        // reading).
        let traffic = hook.lifecycle_stages.iter().find(|stage| {
            !matches!(
                stage,
                DeploymentLifecycleHookStage::ReconcileService
                    | DeploymentLifecycleHookStage::PreScaleUp
                    | DeploymentLifecycleHookStage::PostScaleUp
            )
        });
        if let (false, Some(stage)) = (shifting, traffic) {
            return Err(messages::operation_error(
                "hook-stage-rolling",
                &[&stage.as_str()],
            ));
        }
    }
    if shifting {
        for lb in context.load_balancers {
            check_advanced(lb, &strategy, context)?;
        }
    }
    Ok(())
}

/// A load balancer of a traffic-shifting service: the alternate target group (known, not the
/// primary one, of the same target type) and the listener rules ELB has.
fn check_advanced(
    lb: &ServiceLoadBalancer,
    strategy: &DeploymentStrategy,
    context: &Context,
) -> Result<(), ApiError> {
    let primary = lb.target_group_arn.as_deref().unwrap_or_default();
    let advanced = lb.advanced_configuration.as_ref();
    let (Some(alternate), Some(production)) = (
        advanced.and_then(|a| a.alternate_target_group_arn.as_deref()),
        advanced.and_then(|a| a.production_listener_rule.as_deref()),
    ) else {
        return Err(messages::operation_error(
            "advanced-configuration",
            &[&strategy.as_str(), &primary],
        ));
    };
    let Some(facts) = context.target_groups.get(alternate) else {
        return Err(messages::operation_error(
            "target-group-missing",
            &[&alternate],
        ));
    };
    let same_type = context
        .target_groups
        .get(primary)
        .is_some_and(|p| p.target_type == facts.target_type);
    if alternate == primary || !same_type {
        return Err(messages::operation_error(
            "alternate-target-group",
            &[&alternate, &primary],
        ));
    }
    let test = advanced.and_then(|a| a.test_listener_rule.as_deref());
    for rule in std::iter::once(production).chain(test) {
        if !context.listener_rules.contains(rule) {
            return Err(messages::operation_error("listener-rule-missing", &[&rule]));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_model::resources::{
        AdvancedConfiguration, CanaryConfiguration, DeploymentLifecycleHook,
        HookTimeoutConfiguration, LinearConfiguration, ThresholdConfiguration,
    };

    fn facts(arn: &str) -> TargetGroupFacts {
        TargetGroupFacts {
            target_group_arn: arn.into(),
            target_type: "instance".into(),
            load_balancer_arns: vec!["lb".into()],
        }
    }

    fn check_with(
        config: &DeploymentConfiguration,
        lbs: &[ServiceLoadBalancer],
    ) -> Result<(), String> {
        let groups: BTreeMap<String, TargetGroupFacts> = ["tg-blue", "tg-green"]
            .into_iter()
            .map(|arn| (arn.to_owned(), facts(arn)))
            .collect();
        let rules: BTreeSet<String> = ["rule-prod", "rule-test"].map(String::from).into();
        check(
            config,
            &Context {
                daemon: false,
                external: false,
                load_balancers: lbs,
                target_groups: &groups,
                listener_rules: &rules,
            },
        )
        .map_err(|e| e.message)
    }

    fn blue_green() -> DeploymentConfiguration {
        DeploymentConfiguration {
            strategy: Some(DeploymentStrategy::BlueGreen),
            bake_time_in_minutes: Some(5),
            ..DeploymentConfiguration::default()
        }
    }

    fn lb(advanced: Option<AdvancedConfiguration>) -> ServiceLoadBalancer {
        ServiceLoadBalancer {
            target_group_arn: Some("tg-blue".into()),
            container_name: Some("web".into()),
            container_port: Some(80),
            advanced_configuration: advanced,
            ..ServiceLoadBalancer::default()
        }
    }

    fn advanced(alternate: &str, production: &str) -> Option<AdvancedConfiguration> {
        Some(AdvancedConfiguration {
            alternate_target_group_arn: Some(alternate.into()),
            production_listener_rule: Some(production.into()),
            test_listener_rule: None,
            role_arn: Some("arn:aws:iam::123456789012:role/ecs-elb".into()),
        })
    }

    #[test]
    fn rolling_and_a_headless_blue_green_with_its_bake_time_pass() {
        assert_eq!(
            check_with(&DeploymentConfiguration::default(), &[lb(None)]),
            Ok(())
        );
        assert_eq!(check_with(&blue_green(), &[]), Ok(()));
        let with_lb = [lb(advanced("tg-green", "rule-prod"))];
        assert_eq!(check_with(&blue_green(), &with_lb), Ok(()));
    }

    #[test]
    fn blue_green_needs_its_bake_time_and_an_alternate_target_group_and_rule() {
        let mut no_bake = blue_green();
        no_bake.bake_time_in_minutes = None;
        assert!(check_with(&no_bake, &[])
            .unwrap_err()
            .contains("bakeTimeInMinutes"));
        let mut long_bake = blue_green();
        long_bake.bake_time_in_minutes = Some(1441);
        assert!(check_with(&long_bake, &[])
            .unwrap_err()
            .contains("between 0 and 1440"));
        let refused = check_with(&blue_green(), &[lb(None)]).unwrap_err();
        assert!(refused.contains("advancedConfiguration"), "{refused}");
        let same = check_with(&blue_green(), &[lb(advanced("tg-blue", "rule-prod"))]);
        assert!(same.unwrap_err().contains("must differ"));
        let missing = check_with(&blue_green(), &[lb(advanced("tg-green", "rule-nope"))]);
        assert!(missing.unwrap_err().contains("rule-nope"));
        let unknown = check_with(&blue_green(), &[lb(advanced("tg-other", "rule-prod"))]);
        assert!(unknown.unwrap_err().contains("tg-other"));
    }

    #[test]
    fn linear_and_canary_members_are_in_range_and_for_their_own_strategy() {
        let linear = |percent: f64, bake: i64| DeploymentConfiguration {
            strategy: Some(DeploymentStrategy::Linear),
            linear_configuration: Some(LinearConfiguration {
                step_percent: Some(percent),
                step_bake_time_in_minutes: Some(bake),
            }),
            ..DeploymentConfiguration::default()
        };
        assert_eq!(check_with(&linear(3.0, 0), &[]), Ok(()));
        assert_eq!(check_with(&linear(33.3, 1440), &[]), Ok(()));
        assert!(check_with(&linear(2.9, 1), &[])
            .unwrap_err()
            .contains("stepPercent"));
        assert!(check_with(&linear(10.05, 1), &[])
            .unwrap_err()
            .contains("stepPercent"));
        assert!(check_with(&linear(10.0, -1), &[])
            .unwrap_err()
            .contains("stepBakeTime"));
        let mut canary_on_linear = linear(10.0, 1);
        canary_on_linear.canary_configuration = Some(CanaryConfiguration::default());
        let refused = check_with(&canary_on_linear, &[]).unwrap_err();
        assert!(
            refused.contains("canaryConfiguration is only valid"),
            "{refused}"
        );
        let canary = |percent: f64| DeploymentConfiguration {
            strategy: Some(DeploymentStrategy::Canary),
            canary_configuration: Some(CanaryConfiguration {
                canary_percent: Some(percent),
                canary_bake_time_in_minutes: None,
            }),
            ..DeploymentConfiguration::default()
        };
        assert_eq!(check_with(&canary(0.1), &[]), Ok(()));
        assert!(check_with(&canary(0.0), &[])
            .unwrap_err()
            .contains("canaryPercent"));
        assert!(check_with(&canary(100.1), &[])
            .unwrap_err()
            .contains("canaryPercent"));
    }

    #[test]
    fn pause_hooks_are_refused_where_only_lambda_hooks_may_run() {
        let hooked = |stage: DeploymentLifecycleHookStage, minutes: Option<i64>| {
            let mut config = blue_green();
            config.lifecycle_hooks = Some(vec![DeploymentLifecycleHook {
                target_type: Some(HookTargetType::Pause),
                lifecycle_stages: vec![stage],
                timeout_configuration: Some(HookTimeoutConfiguration {
                    timeout_in_minutes: minutes,
                    action: None,
                }),
                ..DeploymentLifecycleHook::default()
            }]);
            check_with(&config, &[])
        };
        assert_eq!(
            hooked(DeploymentLifecycleHookStage::PostScaleUp, Some(20160)),
            Ok(())
        );
        let refused = hooked(DeploymentLifecycleHookStage::ProductionTrafficShift, None);
        assert!(refused.unwrap_err().contains("PRODUCTION_TRAFFIC_SHIFT"));
        let refused = hooked(DeploymentLifecycleHookStage::TestTrafficShift, None);
        assert!(refused.unwrap_err().contains("TEST_TRAFFIC_SHIFT"));
        let refused = hooked(DeploymentLifecycleHookStage::PostScaleUp, Some(0));
        assert!(refused.unwrap_err().contains("timeoutInMinutes"));
        let mut no_stages = blue_green();
        no_stages.lifecycle_hooks = Some(vec![DeploymentLifecycleHook {
            target_type: Some(HookTargetType::Pause),
            ..DeploymentLifecycleHook::default()
        }]);
        assert!(check_with(&no_stages, &[])
            .unwrap_err()
            .contains("lifecycleStages"));
        let mut lambda = blue_green();
        lambda.lifecycle_hooks = Some(vec![DeploymentLifecycleHook {
            lifecycle_stages: vec![DeploymentLifecycleHookStage::PostScaleUp],
            ..DeploymentLifecycleHook::default()
        }]);
        assert!(check_with(&lambda, &[])
            .unwrap_err()
            .contains("hookTargetArn"));
    }

    #[test]
    fn a_rolling_deployment_takes_hooks_at_its_scale_up_stages_only() {
        let rolling = |stage: DeploymentLifecycleHookStage| {
            let config = DeploymentConfiguration {
                lifecycle_hooks: Some(vec![DeploymentLifecycleHook {
                    target_type: Some(HookTargetType::Pause),
                    lifecycle_stages: vec![stage],
                    ..DeploymentLifecycleHook::default()
                }]),
                ..DeploymentConfiguration::default()
            };
            check_with(&config, &[])
        };
        for stage in [
            DeploymentLifecycleHookStage::ReconcileService,
            DeploymentLifecycleHookStage::PreScaleUp,
            DeploymentLifecycleHookStage::PostScaleUp,
        ] {
            assert_eq!(rolling(stage), Ok(()));
        }
        let refused = rolling(DeploymentLifecycleHookStage::PostTestTrafficShift).unwrap_err();
        assert!(
            refused.contains("POST_TEST_TRAFFIC_SHIFT lifecycle stage is only valid"),
            "{refused}"
        );
    }

    #[test]
    fn an_unknown_threshold_type_or_a_value_below_1_is_refused() {
        let mut config = DeploymentConfiguration::default();
        config.deployment_circuit_breaker.threshold_configuration = Some(ThresholdConfiguration {
            r#type: ThresholdType::from_wire("HALF"),
            value: 50,
        });
        let refused = check_with(&config, &[]).unwrap_err();
        assert!(
            refused.contains("'HALF'") && refused.contains("COUNT"),
            "{refused}"
        );
        config.deployment_circuit_breaker.threshold_configuration = Some(ThresholdConfiguration {
            r#type: ThresholdType::Count,
            value: 0,
        });
        assert!(check_with(&config, &[]).unwrap_err().contains("at least 1"));
    }

    #[test]
    fn shifting_strategies_need_the_ecs_controller_and_replica_scheduling() {
        let groups = BTreeMap::new();
        let rules = BTreeSet::new();
        let context = |daemon, external| Context {
            daemon,
            external,
            load_balancers: &[],
            target_groups: &groups,
            listener_rules: &rules,
        };
        let refused = check(&blue_green(), &context(true, false)).unwrap_err();
        assert!(refused.message.contains("DAEMON"));
        let refused = check(&blue_green(), &context(false, true)).unwrap_err();
        assert!(refused.message.contains("ECS deployment controller"));
        assert!(check(&DeploymentConfiguration::default(), &context(true, false)).is_ok());
    }
}
