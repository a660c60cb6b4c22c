//! UpdateContainerAgent's stages, advanced on the virtual clock.

use crate::documents::instance_document;
use crate::records::timers::Wake;
use crate::records::State;
use berth_model::resources::ContainerInstance as Document;
use berth_model::states::AgentUpdateStatus;
use berth_model::SimTime;

/// How long each stage of an agent update takes (UNCONFIRMED: ECS documents the stages, not
/// their durations).
pub(crate) const AGENT_UPDATE_STAGE_MS: u64 = 5_000;

/// The stages an agent update goes through after PENDING, in order.
const AGENT_UPDATE_STAGES: [AgentUpdateStatus; 4] = [
    AgentUpdateStatus::Staging,
    AgentUpdateStatus::Staged,
    AgentUpdateStatus::Updating,
    AgentUpdateStatus::Updated,
];

/// Moves every agent update whose stage is over to the next stage.
pub(crate) fn advance_agent_updates(cp: &mut State, now: SimTime) {
    let mut changed = Vec::new();
    for (name, cluster) in cp.clusters.iter_mut() {
        for index in 0..cluster.instances.len() {
            let Some((status, Some(due))) = cluster.instances[index].agent_update.clone() else {
                continue;
            };
            if due > now {
                continue;
            }
            let stage = AGENT_UPDATE_STAGES
                .iter()
                .position(|s| *s == status)
                .map_or(0, |i| i + 1);
            let Some(next_status) = AGENT_UPDATE_STAGES.get(stage) else {
                continue;
            };
            let done = *next_status == AgentUpdateStatus::Updated;
            let next_due = (!done).then(|| due.plus_millis(AGENT_UPDATE_STAGE_MS));
            let record = &mut cluster.instances[index];
            record.agent_update = Some((next_status.clone(), next_due));
            record.version += 1;
            if done {
                record.version_info.agent_version =
                    Some(crate::records::LATEST_AGENT_VERSION.into());
                cluster.fleet.update(index, |instance| {
                    instance.agent_version = crate::records::LATEST_AGENT_VERSION.into();
                });
            }
            changed.push((name.clone(), index, next_due));
        }
    }
    for (name, index, next_due) in changed {
        if let Some(at) = next_due {
            cp.timers.arm(at, Wake::AgentUpdateStage);
        }
        let document = instance_document(&cp.clusters[&name], index, false);
        emit_change(cp, now, &document);
    }
}

/// An instance's state change event, with its document.
pub(crate) fn emit_change(cp: &mut State, now: SimTime, document: &Document) {
    cp.out().emit(
        now,
        "ECS Container Instance State Change",
        &document.container_instance_arn,
        document,
    );
}
