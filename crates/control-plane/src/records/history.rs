//! A service's deployment history: every deployment it had, with the revision it deployed
//! (ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use berth_model::resources::DeploymentConfiguration;
use berth_model::states::ServiceDeploymentStatus;
use berth_model::SimTime;

/// One deployment in a service's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct History {
    /// The `ecs-svc/...` id of the deployment (in `deployments[]`).
    pub(crate) id: String,
    pub(crate) arn: String,
    /// The revision it deployed, as DescribeServiceRevisions shows it.
    pub(crate) revision: Value,
    pub(crate) revision_arn: String,
    /// The revisions running when it started.
    pub(crate) sources: Vec<String>,
    pub(crate) created_at: SimTime,
    pub(crate) updated_at: SimTime,
    pub(crate) finished_at: Option<SimTime>,
    pub(crate) stopped_at: Option<SimTime>,
    pub(crate) status: ServiceDeploymentStatus,
    pub(crate) status_reason: Option<String>,
    pub(crate) configuration: DeploymentConfiguration,
    /// `{reason, startedAt, serviceRevisionArn}` once rolled back.
    pub(crate) rollback: Option<Value>,
    /// The deployment carrying out its rollback.
    pub(crate) rolled_back_by: Option<String>,
    /// The circuit breaker tripped.
    pub(crate) tripped: bool,
}
