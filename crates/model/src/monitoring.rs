//! What ECS (and Application Auto Scaling) hear of CloudWatch: an alarm's state and how long
//! it looks back. The region's CloudWatch (berth-cloudwatch) says it; the control plane reads
//! it, so neither knows the other.

use serde::{Deserialize, Serialize};

crate::ecs_enum! {
    /// A CloudWatch alarm's `StateValue`.
    AlarmState { Ok = "OK", Alarm = "ALARM", InsufficientData = "INSUFFICIENT_DATA" }
}

/// What ECS needs to know of an alarm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmFact {
    /// Its name (what `deploymentConfiguration.alarms.alarmNames` lists).
    pub alarm_name: String,
    /// Its state now.
    pub state: AlarmState,
    /// How far back one evaluation looks: `Period` × `EvaluationPeriods`, in seconds.
    pub window_seconds: u64,
}
