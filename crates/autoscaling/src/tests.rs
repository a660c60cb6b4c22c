//! The state machine against a host that keeps one service's counts and the alarms it was
//! asked to make: cooldowns, scale-in by every policy, deployments and suspension, the range.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use berth_cloudwatch::requests::PutMetricAlarmInput;
use berth_model::monitoring::AlarmState;
use berth_model::SimTime;
use serde_json::json;

use crate::*;

#[derive(Default)]
struct Fleet {
    service: Option<Capacity>,
    alarms: BTreeMap<String, (PutMetricAlarmInput, Reading)>,
    /// Each count ECS was asked to set.
    set: Vec<i64>,
}

impl Host for Fleet {
    fn capacity(&mut self, resource_id: &str) -> Result<Capacity, String> {
        match (resource_id, self.service) {
            ("service/default/web", Some(c)) => Ok(c),
            _ => Err("no such service".into()),
        }
    }
    fn set_capacity(&mut self, _: &str, desired: i64) -> Result<(), String> {
        let service = self.service.as_mut().ok_or("gone")?;
        service.desired = desired;
        self.set.push(desired);
        Ok(())
    }
    fn put_alarm(&mut self, alarm: PutMetricAlarmInput) -> Result<String, String> {
        let name = alarm.alarm_name.clone().unwrap();
        let reading = Reading {
            state: AlarmState::InsufficientData,
            value: None,
            threshold: alarm.threshold.unwrap(),
        };
        self.alarms.insert(name.clone(), (alarm, reading));
        Ok(format!(
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"
        ))
    }
    fn delete_alarms(&mut self, names: &[String]) {
        for name in names {
            self.alarms.remove(name);
        }
    }
    fn alarm(&self, name: &str) -> Option<Reading> {
        self.alarms.get(name).map(|(_, r)| r.clone())
    }
    fn alarms_invoking(&self, _: &str) -> Vec<Alarm> {
        Vec::new()
    }
}

const T: SimTime = SimTime::from_secs(1_000_000);

fn at(seconds: u64) -> SimTime {
    T.plus_millis(seconds * 1000)
}

fn call(
    aas: &mut AutoScaling,
    fleet: &mut Fleet,
    operation: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, AasError> {
    let request = Request::decode(operation, &body).unwrap().unwrap();
    aas.handle(request, T, fleet)
        .map(|r| serde_json::to_value(r).unwrap())
}

fn target(min: i64, max: i64) -> serde_json::Value {
    json!({"ServiceNamespace": "ecs", "ResourceId": "service/default/web",
           "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": min, "MaxCapacity": max})
}

fn tracking(name: &str, target: f64, extra: serde_json::Value) -> serde_json::Value {
    let mut config = json!({"TargetValue": target,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}});
    config
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    json!({"PolicyName": name, "ServiceNamespace": "ecs", "ResourceId": "service/default/web",
           "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
           "TargetTrackingScalingPolicyConfiguration": config})
}

/// A service of `running` tasks (its desired count the same), a target of 1 to 10 and one
/// target tracking policy at 50.
fn setup(running: i64) -> (AutoScaling, Fleet, serde_json::Value) {
    let mut aas = AutoScaling::new("us-east-1", "123456789012", 3);
    let mut fleet = Fleet {
        service: Some(Capacity {
            desired: running,
            running,
            deploying: false,
        }),
        ..Fleet::default()
    };
    call(
        &mut aas,
        &mut fleet,
        "RegisterScalableTarget",
        target(1, 10),
    )
    .unwrap();
    let put = call(
        &mut aas,
        &mut fleet,
        "PutScalingPolicy",
        tracking("cpu", 50.0, json!({})),
    )
    .unwrap();
    (aas, fleet, put)
}

/// The alarm reads `value` and is in `state`; it invokes its action at `now`.
fn fire(
    aas: &mut AutoScaling,
    fleet: &mut Fleet,
    alarm: &str,
    state: AlarmState,
    value: f64,
    now: SimTime,
) {
    let (input, reading) = fleet.alarms.get_mut(alarm).unwrap();
    reading.state = state.clone();
    reading.value = Some(value);
    let invocation = Invocation {
        action: input.alarm_actions.as_ref().unwrap()[0].clone(),
        alarm_name: alarm.into(),
        state,
        value: Some(value),
        threshold: reading.threshold,
        at: now,
    };
    aas.invoke(&invocation, now, fleet);
}

fn alarms(put: &serde_json::Value) -> (String, String) {
    let name = |i: usize| put["Alarms"][i]["AlarmName"].as_str().unwrap().to_owned();
    (name(0), name(1))
}

#[test]
fn target_tracking_makes_its_two_alarms_as_the_console_shows_them() {
    let (_, fleet, put) = setup(2);
    let (high, low) = alarms(&put);
    assert!(
        high.starts_with("TargetTracking-service/default/web-AlarmHigh-"),
        "{high}"
    );
    assert!(
        low.starts_with("TargetTracking-service/default/web-AlarmLow-"),
        "{low}"
    );
    let policy = put["PolicyARN"].as_str().unwrap();
    assert!(policy.starts_with("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:"));
    assert!(policy.ends_with(":resource/ecs/service/default/web:policyName/cpu"));
    let (h, _) = &fleet.alarms[&high];
    assert_eq!(
        (h.evaluation_periods, h.datapoints_to_alarm, h.period),
        (Some(3), Some(3), Some(60))
    );
    assert_eq!(h.threshold, Some(50.0));
    assert_eq!(h.metric_name.as_deref(), Some("CPUUtilization"));
    assert!(h.alarm_actions.as_ref().unwrap()[0].starts_with(&format!("{policy}:createdBy/")));
    let (l, _) = &fleet.alarms[&low];
    assert_eq!((l.evaluation_periods, l.threshold), (Some(15), Some(45.0)));
    assert_eq!(
        h.alarm_description.as_deref(),
        Some(
            format!(
                "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {}.",
                h.alarm_actions.as_ref().unwrap()[0]
            )
            .as_str()
        )
    );
}

#[test]
fn scale_out_counts_from_where_the_cooldown_started() {
    let (mut aas, mut fleet, put) = setup(2);
    let (high, _) = alarms(&put);
    // 2 at 90 %: 4.
    fire(&mut aas, &mut fleet, &high, AlarmState::Alarm, 90.0, at(0));
    assert_eq!(fleet.set, vec![4]);
    // A minute on, the new tasks still starting (2 running), the metric no lower: the
    // proposal counts from the 2 the cooldown began with, so nothing more.
    fire(&mut aas, &mut fleet, &high, AlarmState::Alarm, 90.0, at(60));
    assert_eq!(fleet.set, vec![4]);
    // A larger proposal within the cooldown adds the difference only: 2 × 150 / 50 = 6.
    fire(
        &mut aas,
        &mut fleet,
        &high,
        AlarmState::Alarm,
        150.0,
        at(120),
    );
    assert_eq!(fleet.set, vec![4, 6]);
    // Once the cooldown (300 s) is over, from the running count: 6 running at 60 %: 8.
    fleet.service.as_mut().unwrap().running = 6;
    fire(
        &mut aas,
        &mut fleet,
        &high,
        AlarmState::Alarm,
        60.0,
        at(500),
    );
    assert_eq!(fleet.set, vec![4, 6, 8]);
}

#[test]
fn scale_in_waits_for_cooldowns_deployments_and_every_policy() {
    let (mut aas, mut fleet, put) = setup(8);
    let (high, low) = alarms(&put);
    // A second policy on memory: scale-in needs its low alarm in ALARM too.
    let memory = json!({"PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageMemoryUtilization"}});
    let mut second = tracking("memory", 50.0, json!({}));
    second["TargetTrackingScalingPolicyConfiguration"]
        .as_object_mut()
        .unwrap()
        .extend(memory.as_object().unwrap().clone());
    let put2 = call(&mut aas, &mut fleet, "PutScalingPolicy", second).unwrap();
    let (_, low2) = alarms(&put2);
    fire(&mut aas, &mut fleet, &low, AlarmState::Alarm, 10.0, at(0));
    assert!(fleet.set.is_empty(), "the memory policy is not ready");
    // Memory would keep 8 × 30 / 50 = 5; CPU 2: the larger wins.
    fire(&mut aas, &mut fleet, &low2, AlarmState::Alarm, 30.0, at(60));
    assert_eq!(fleet.set, vec![5]);
    // Within the scale-in cooldown, nothing.
    fleet.service.as_mut().unwrap().running = 5;
    fire(&mut aas, &mut fleet, &low, AlarmState::Alarm, 10.0, at(120));
    assert_eq!(fleet.set, vec![5]);
    // A deployment under way holds scale-in, not scale-out.
    fleet.service.as_mut().unwrap().deploying = true;
    fire(&mut aas, &mut fleet, &low, AlarmState::Alarm, 10.0, at(400));
    assert_eq!(fleet.set, vec![5]);
    fire(
        &mut aas,
        &mut fleet,
        &high,
        AlarmState::Alarm,
        80.0,
        at(400),
    );
    assert_eq!(fleet.set, vec![5, 8]);
}

#[test]
fn the_range_suspension_and_disable_scale_in() {
    let (mut aas, mut fleet, put) = setup(2);
    let (high, low) = alarms(&put);
    // Registering a higher minimum moves the count into the range at once.
    call(&mut aas, &mut fleet, "RegisterScalableTarget", json!({"ServiceNamespace": "ecs",
        "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 3})).unwrap();
    assert_eq!(fleet.set, vec![3]);
    // At the maximum a scale-out is a not-scaled activity, recorded once.
    call(&mut aas, &mut fleet, "RegisterScalableTarget", json!({"ServiceNamespace": "ecs",
        "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "MaxCapacity": 3})).unwrap();
    fleet.service.as_mut().unwrap().running = 3;
    fire(&mut aas, &mut fleet, &high, AlarmState::Alarm, 90.0, at(0));
    fire(&mut aas, &mut fleet, &high, AlarmState::Alarm, 90.0, at(60));
    assert_eq!(fleet.set, vec![3]);
    let all = call(
        &mut aas,
        &mut fleet,
        "DescribeScalingActivities",
        json!({"ServiceNamespace": "ecs", "IncludeNotScaledActivities": true}),
    )
    .unwrap();
    let reasons: Vec<_> = all["ScalingActivities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["NotScaledReasons"].is_array())
        .collect();
    assert_eq!(reasons.len(), 1);
    assert_eq!(
        reasons[0]["NotScaledReasons"][0],
        json!({"Code": "AlreadyAtMaxCapacity", "MaxCapacity": 3})
    );
    assert_eq!(reasons[0]["StatusCode"], "Failed");
    let scaled = call(
        &mut aas,
        &mut fleet,
        "DescribeScalingActivities",
        json!({"ServiceNamespace": "ecs"}),
    )
    .unwrap();
    assert_eq!(
        scaled["ScalingActivities"][0]["Cause"],
        "minimum capacity was set to 3"
    );
    // Suspended scale-in holds the low alarm; DisableScaleIn too.
    call(&mut aas, &mut fleet, "RegisterScalableTarget", json!({"ServiceNamespace": "ecs",
        "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 10,
        "SuspendedState": {"DynamicScalingInSuspended": true}})).unwrap();
    fire(&mut aas, &mut fleet, &low, AlarmState::Alarm, 5.0, at(1000));
    assert_eq!(fleet.set, vec![3]);
    let put = call(
        &mut aas,
        &mut fleet,
        "PutScalingPolicy",
        tracking("cpu", 50.0, json!({"DisableScaleIn": true})),
    )
    .unwrap();
    assert_eq!(
        alarms(&put),
        (high.clone(), low.clone()),
        "the same alarms, put again"
    );
    call(
        &mut aas,
        &mut fleet,
        "RegisterScalableTarget",
        json!({"ServiceNamespace": "ecs",
        "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount",
        "SuspendedState": {"DynamicScalingInSuspended": false}}),
    )
    .unwrap();
    fire(&mut aas, &mut fleet, &low, AlarmState::Alarm, 5.0, at(2000));
    assert_eq!(fleet.set, vec![3]);
}

#[test]
fn deleting_and_deregistering_take_the_alarms_with_them() {
    let (mut aas, mut fleet, _) = setup(2);
    assert_eq!(fleet.alarms.len(), 2);
    let delete = json!({"PolicyName": "cpu", "ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount"});
    call(&mut aas, &mut fleet, "DeleteScalingPolicy", delete.clone()).unwrap();
    assert!(fleet.alarms.is_empty());
    let error = call(&mut aas, &mut fleet, "DeleteScalingPolicy", delete).unwrap_err();
    assert_eq!(error.shape, "ObjectNotFoundException");
    call(
        &mut aas,
        &mut fleet,
        "PutScalingPolicy",
        tracking("cpu", 50.0, json!({})),
    )
    .unwrap();
    let names = json!({"ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount"});
    call(
        &mut aas,
        &mut fleet,
        "DeregisterScalableTarget",
        names.clone(),
    )
    .unwrap();
    assert!(fleet.alarms.is_empty());
    let error = call(&mut aas, &mut fleet, "DeregisterScalableTarget", names).unwrap_err();
    assert_eq!(error.message, "No scalable target registered for service namespace: ecs, resource ID: service/default/web, scalable dimension: ecs:service:DesiredCount");
}

#[test]
fn bad_input_gets_the_services_errors() {
    let (mut aas, mut fleet, _) = setup(2);
    let cases = [
        (
            "RegisterScalableTarget",
            json!({"ServiceNamespace": "ecs", "ResourceId": "service/default/api", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 2}),
            "ValidationException",
            "ECS service doesn't exist: service/default/api",
        ),
        (
            "RegisterScalableTarget",
            json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/t", "ScalableDimension": "dynamodb:table:ReadCapacityUnits"}),
            "ValidationException",
            "Berth scales Amazon ECS services only",
        ),
        (
            "RegisterScalableTarget",
            json!({"ServiceNamespace": "nope", "ResourceId": "x", "ScalableDimension": "y"}),
            "ValidationException",
            "Member must satisfy enum value set",
        ),
        (
            "RegisterScalableTarget",
            json!({"ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount"}),
            "ValidationException",
            "Value null at 'resourceId'",
        ),
        (
            "RegisterScalableTarget",
            json!({"ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 5, "MaxCapacity": 2}),
            "ValidationException",
            "cannot be greater than maximum",
        ),
        (
            "RegisterScalableTarget",
            json!({"ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "Tags": {"a": "b"}}),
            "ValidationException",
            "use the TagResource API",
        ),
        (
            "PutScalingPolicy",
            tracking("p", -1.0, json!({})),
            "ValidationException",
            "TargetValue -1",
        ),
        (
            "PutScalingPolicy",
            json!({"PolicyName": "p", "ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "PredictiveScaling"}),
            "ValidationException",
            "Berth does not forecast",
        ),
        (
            "PutScalingPolicy",
            json!({"PolicyName": "p", "ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling", "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 10, "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": "web"}}}),
            "ValidationException",
            "ResourceLabel 'web'",
        ),
        (
            "PutScheduledAction",
            json!({"ScheduledActionName": "a:b", "ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "Schedule": "rate(1 hour)", "ScalableTargetAction": {"MinCapacity": 1}}),
            "ValidationException",
            "regular expression pattern",
        ),
        (
            "PutScheduledAction",
            json!({"ScheduledActionName": "a", "ServiceNamespace": "ecs", "ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount", "Schedule": "cron(0 9 * * ? *)", "Timezone": "Asia/Tokyo", "ScalableTargetAction": {"MinCapacity": 1}}),
            "ValidationException",
            "Timezone Asia/Tokyo",
        ),
        (
            "DescribeScalingPolicies",
            json!({"ServiceNamespace": "ecs", "MaxResults": 50}),
            "ValidationException",
            "between 1 and 10",
        ),
        (
            "DescribeScalableTargets",
            json!({"ServiceNamespace": "ecs", "NextToken": "zz"}),
            "InvalidNextTokenException",
            "Invalid NextToken",
        ),
        (
            "ListTagsForResource",
            json!({"ResourceARN": "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/0"}),
            "ResourceNotFoundException",
            "No scalable target",
        ),
    ];
    for (operation, body, shape, says) in cases {
        let error = call(&mut aas, &mut fleet, operation, body.clone()).unwrap_err();
        assert_eq!(error.shape, shape, "{operation} {body}: {error}");
        assert!(error.message.contains(says), "{operation} {body}: {error}");
    }
    // Nothing stored changed.
    let targets = call(
        &mut aas,
        &mut fleet,
        "DescribeScalableTargets",
        json!({"ServiceNamespace": "ecs"}),
    )
    .unwrap();
    assert_eq!(targets["ScalableTargets"][0]["MinCapacity"], 1);
    assert_eq!(targets["ScalableTargets"].as_array().unwrap().len(), 1);
}

#[test]
fn tags_and_pages() {
    let (mut aas, mut fleet, _) = setup(2);
    let targets = call(
        &mut aas,
        &mut fleet,
        "DescribeScalableTargets",
        json!({"ServiceNamespace": "ecs"}),
    )
    .unwrap();
    let arn = targets["ScalableTargets"][0]["ScalableTargetARN"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        arn.starts_with("arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/")
    );
    call(
        &mut aas,
        &mut fleet,
        "TagResource",
        json!({"ResourceARN": arn, "Tags": {"team": "web"}}),
    )
    .unwrap();
    let tags = call(
        &mut aas,
        &mut fleet,
        "ListTagsForResource",
        json!({"ResourceARN": arn}),
    )
    .unwrap();
    assert_eq!(tags, json!({"Tags": {"team": "web"}}));
    for n in 0..3 {
        call(
            &mut aas,
            &mut fleet,
            "PutScalingPolicy",
            tracking(&format!("p{n}"), 50.0, json!({})),
        )
        .unwrap();
    }
    let page = call(
        &mut aas,
        &mut fleet,
        "DescribeScalingPolicies",
        json!({"ServiceNamespace": "ecs", "MaxResults": 3}),
    )
    .unwrap();
    assert_eq!(page["ScalingPolicies"].as_array().unwrap().len(), 3);
    let token = page["NextToken"].as_str().unwrap();
    let rest = call(
        &mut aas,
        &mut fleet,
        "DescribeScalingPolicies",
        json!({"ServiceNamespace": "ecs", "MaxResults": 3, "NextToken": token}),
    )
    .unwrap();
    assert_eq!(rest["ScalingPolicies"].as_array().unwrap().len(), 1);
    assert!(rest.get("NextToken").is_none());
}
