//! The fleet at a glance, for views of thousands of instances: each instance's zone, status,
//! agent, reservations and its tasks as `[revision, memory, running]` triples. Berth's own
//! read, like the placement explainer: a page cannot fetch 100,000 describe-tasks documents
//! every few seconds, and ECS has no operation for this. Reading changes nothing.

use std::collections::BTreeMap;

use crate::records::{cluster_name, State};
use berth_model::states::{ContainerInstanceStatus, TaskStatus};
use berth_model::views::{FleetSummary, InstanceSummary};
use berth_model::ApiError;

/// The cluster's instances and their tasks in compact form (see [`FleetSummary`]).
pub(crate) fn fleet(cp: &State, cluster: Option<&str>) -> Result<FleetSummary, ApiError> {
    let name = cluster_name(cluster);
    let record = crate::records::active_cluster_ref(cp, cluster)?;
    let mut revisions: Vec<String> = Vec::new();
    let mut index_of: BTreeMap<&str, u32> = BTreeMap::new();
    let mut instances = Vec::new();
    for (index, view) in record.fleet.instances().iter().enumerate() {
        if view.status == berth_scheduler::InstanceStatus::Inactive {
            continue;
        }
        let mut tasks = Vec::new();
        for key in &record.instances[index].tasks {
            let Some(task) = record.tasks.get(key) else {
                continue;
            };
            let arn = task.task.task_definition_arn.as_str();
            let revision = *index_of.entry(arn).or_insert_with(|| {
                revisions.push(arn.to_owned());
                revisions.len() as u32 - 1
            });
            let memory = task.placement.as_ref().map_or(0, |p| p.reserved.memory);
            tasks.push([
                revision,
                memory,
                u32::from(task.task.last_status == TaskStatus::Running),
            ]);
        }
        let remaining = view.remaining();
        instances.push(InstanceSummary {
            id: view.id.clone(),
            zone: view
                .attribute_value("ecs.availability-zone")
                .unwrap_or_default()
                .to_owned(),
            status: ContainerInstanceStatus::from_wire(view.status.as_str()),
            connected: view.agent_connected,
            cpu: [view.registered.cpu - remaining.cpu, view.registered.cpu],
            memory: [
                view.registered.memory - remaining.memory,
                view.registered.memory,
            ],
            tasks,
        });
    }
    let restarts = record
        .tasks
        .values()
        .flat_map(|r| {
            r.restarts
                .iter()
                .map(|(container, n)| (r.task.task_arn.clone(), container.clone(), *n))
        })
        .collect();
    Ok(FleetSummary {
        cluster: name,
        revisions,
        instances,
        restarts,
    })
}
