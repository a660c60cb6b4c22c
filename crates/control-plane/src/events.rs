//! The control plane's cluster events: EventBridge-shaped, with the document as detail.

use berth_model::SimTime;
use serde::Serialize;

/// An event for timelines, in the shape of an EventBridge event from `aws.ecs` (§10).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterEvent {
    /// When it happened.
    pub time: SimTime,
    /// `ECS Task State Change`, `ECS Container Instance State Change`, ...
    #[serde(rename = "detail-type")]
    pub detail_type: &'static str,
    /// The ARNs it is about.
    pub resources: Vec<String>,
    /// The object as it is now (a Task, a ContainerInstance).
    pub detail: EventDetail,
}

/// An event's `detail`: the document itself, serialised only when someone serialises the
/// event (a fleet of a thousand tasks emits hundreds of thousands of events a day; most
/// consumers keep few of them).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventDetail {
    /// `ECS Task State Change`.
    Task(Box<berth_model::resources::Task>),
    /// `ECS Container Instance State Change`.
    ContainerInstance(Box<berth_model::resources::ContainerInstance>),
    /// Berth's `ECS Service Event`: a service event as DescribeServices shows it.
    ServiceEvent(berth_model::resources::ServiceEvent),
    /// `ECS Deployment State Change`, `ECS Service Action`.
    Json(serde_json::Value),
}

impl EventDetail {
    /// The detail as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("ECS documents always serialise")
    }
}

/// What can be an event's detail.
pub(crate) trait ToDetail {
    fn to_detail(&self) -> EventDetail;
}

impl ToDetail for berth_model::resources::Task {
    /// The task as its event carries it: as DescribeTasks shows it, except that an ENI
    /// attachment's type is `eni` in events (`ElasticNetworkInterface` in the API, §6.2).
    fn to_detail(&self) -> EventDetail {
        let mut task = self.clone();
        for attachment in &mut task.attachments {
            if attachment["type"] == "ElasticNetworkInterface" {
                attachment["type"] = "eni".into();
            }
        }
        EventDetail::Task(Box::new(task))
    }
}

impl ToDetail for berth_model::resources::ContainerInstance {
    fn to_detail(&self) -> EventDetail {
        EventDetail::ContainerInstance(Box::new(self.clone()))
    }
}

impl ToDetail for berth_model::resources::ServiceEvent {
    fn to_detail(&self) -> EventDetail {
        EventDetail::ServiceEvent(self.clone())
    }
}

impl ToDetail for serde_json::Value {
    fn to_detail(&self) -> EventDetail {
        EventDetail::Json(self.clone())
    }
}
