//! Dispatch of requests to their actions, and what the actions share: resolving a cluster
//! from a name or an ARN, and ECS's not-found errors.

pub(crate) mod account_settings;
mod agent_api;
mod attributes;
pub(crate) mod auto_scaling;
pub(crate) mod capacity_providers;
mod clusters;
pub(crate) mod deployments;
mod execute_command;
pub(crate) mod instances;
mod protection;
pub(crate) mod services;
pub(crate) mod tags;
pub(crate) mod task_definitions;
pub(crate) mod task_sets;
pub(crate) mod tasks;

use crate::records::State;
use crate::requests::{Request, Response};
use berth_model::{ApiError, SimTime};

pub(crate) fn dispatch(
    cp: &mut State,
    now: SimTime,
    request: Request,
) -> Result<Response, ApiError> {
    match request {
        Request::CreateCluster(r) => clusters::create(cp, r),
        Request::DescribeClusters(r) => clusters::describe(cp, r),
        Request::ListClusters(r) => clusters::list(cp, r),
        Request::UpdateCluster(r) => clusters::update(
            cp,
            r.cluster.as_deref(),
            r.settings,
            r.configuration.map(|s| s.0),
            r.service_connect_defaults.map(|s| s.0),
        ),
        Request::UpdateClusterSettings(r) => {
            clusters::update(cp, r.cluster.as_deref(), r.settings, None, None)
        }
        Request::DeleteCluster(r) => clusters::delete(cp, r),
        Request::DescribeCapacityProviders(r) => capacity_providers::describe(cp, r),
        Request::PutClusterCapacityProviders(r) => capacity_providers::put_cluster(cp, r),
        Request::RegisterContainerInstance(r) => instances::register(cp, now, r),
        Request::DeregisterContainerInstance(r) => instances::deregister(cp, now, r),
        Request::DescribeContainerInstances(r) => instances::describe(cp, r),
        Request::ListContainerInstances(r) => instances::list(cp, r),
        Request::UpdateContainerInstancesState(r) => instances::update_state(cp, now, r),
        Request::PutAttributes(r) => attributes::put(cp, now, r),
        Request::DeleteAttributes(r) => attributes::delete(cp, now, r),
        Request::ListAttributes(r) => attributes::list(cp, r),
        Request::RegisterTaskDefinition(r) => task_definitions::register_definition(cp, now, r),
        Request::DescribeTaskDefinition(r) => task_definitions::describe(cp, r),
        Request::DeregisterTaskDefinition(r) => task_definitions::deregister(cp, now, r),
        Request::DeleteTaskDefinitions(r) => task_definitions::delete(cp, now, r),
        Request::ListTaskDefinitions(r) => task_definitions::list(cp, r),
        Request::ListTaskDefinitionFamilies(r) => task_definitions::list_families(cp, r),
        Request::RunTask(r) => tasks::run(cp, now, r),
        Request::StartTask(r) => tasks::start(cp, now, r),
        Request::StopTask(r) => tasks::stop(cp, now, r),
        Request::DescribeTasks(r) => tasks::describe(cp, r),
        Request::ListTasks(r) => tasks::list(cp, r),
        Request::UpdateTaskProtection(r) => protection::update(cp, now, r),
        Request::GetTaskProtection(r) => protection::get(cp, now, r),
        Request::CreateService(r) => services::create(cp, now, r),
        Request::UpdateService(r) => services::update(cp, now, r),
        Request::DeleteService(r) => services::delete(cp, now, r),
        Request::DescribeServices(r) => services::describe(cp, r),
        Request::ListServices(r) => services::list(cp, r),
        Request::ListServicesByNamespace(r) => services::list_by_namespace(cp, r),
        Request::CreateTaskSet(r) => task_sets::create(cp, now, r),
        Request::DescribeTaskSets(r) => task_sets::describe(cp, r),
        Request::UpdateTaskSet(r) => task_sets::update(cp, now, r),
        Request::DeleteTaskSet(r) => task_sets::delete(cp, now, r),
        Request::UpdateServicePrimaryTaskSet(r) => task_sets::update_primary(cp, now, r),
        Request::UpdateContainerAgent(r) => instances::update_agent(cp, now, r),
        Request::SubmitAttachmentStateChanges(r) => agent_api::submit_attachments(cp, now, r),
        Request::ListServiceDeployments(r) => deployments::list(cp, r),
        Request::DescribeServiceDeployments(r) => deployments::describe(cp, r),
        Request::DescribeServiceRevisions(r) => deployments::describe_revisions(cp, r),
        Request::StopServiceDeployment(r) => deployments::stop(cp, now, r),
        Request::ContinueServiceDeployment(r) => deployments::continue_deployment(cp, now, r),
        Request::SubmitTaskStateChange(r) => agent_api::submit_task(cp, now, r),
        Request::SubmitContainerStateChange(r) => agent_api::submit_container(cp, now, r),
        Request::PutAccountSetting(r) => account_settings::put(cp, r),
        Request::PutAccountSettingDefault(r) => account_settings::put_default(cp, r),
        Request::DeleteAccountSetting(r) => account_settings::delete(cp, r),
        Request::ListAccountSettings(r) => account_settings::list(cp, r),
        Request::TagResource(r) => tags::tag(cp, r),
        Request::UntagResource(r) => tags::untag(cp, r),
        Request::ListTagsForResource(r) => tags::list(cp, r),
        Request::ExecuteCommand(r) => execute_command::execute(cp, r),
        Request::DiscoverPollEndpoint(r) => agent_api::discover_poll_endpoint(cp, r),
        Request::CreateCapacityProvider(r) => auto_scaling::create(cp, r),
        Request::UpdateCapacityProvider(r) => auto_scaling::update(cp, r),
        Request::DeleteCapacityProvider(r) => auto_scaling::delete(cp, r),
    }
}
