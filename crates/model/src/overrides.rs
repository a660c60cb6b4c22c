//! RunTask and StartTask `overrides` in AWS's shape: per-container command, environment and
//! sizes, and task-level cpu, memory and roles.

use serde::{Deserialize, Serialize};

use crate::task_definition::{
    EnvironmentFile, EphemeralStorage, KeyValuePair, ResourceRequirement,
};

/// `overrides` (TaskOverride). Its JSON may be at most 8192 characters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskOverride {
    /// Per-container overrides, by container name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_overrides: Option<Vec<ContainerOverride>>,
    /// Task-level CPU units, replacing the task definition's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Task-level memory (MiB), replacing the task definition's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Elastic Inference accelerator overrides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inference_accelerator_overrides: Option<Vec<InferenceAcceleratorOverride>>,
    /// The execution role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<String>,
    /// The task role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_role_arn: Option<String>,
    /// Fargate ephemeral storage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage: Option<EphemeralStorage>,
}

/// `containerOverrides[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerOverride {
    /// The container's name in the task definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Replaces the command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Added to (and overriding) the environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Vec<KeyValuePair>>,
    /// Added environment files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_files: Option<Vec<EnvironmentFile>>,
    /// Replaces the container's CPU units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i64>,
    /// Replaces the hard memory limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    /// Replaces the soft memory limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<i64>,
    /// Replaces GPU requirements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_requirements: Option<Vec<ResourceRequirement>>,
}

/// `inferenceAcceleratorOverrides[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InferenceAcceleratorOverride {
    /// The accelerator's device name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// The accelerator type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
}

impl TaskOverride {
    /// Applies the overrides to a copy of the task definition's sizing members, as the task
    /// would run: task-level cpu/memory replaced, per-container cpu/memory/memoryReservation
    /// replaced by name. Commands and environment do not affect placement and are applied by
    /// whoever starts the containers.
    pub fn apply_sizes(&self, td: &crate::TaskDefinition) -> crate::TaskDefinition {
        let mut td = td.clone();
        if self.cpu.is_some() {
            td.cpu = self.cpu.clone();
        }
        if self.memory.is_some() {
            td.memory = self.memory.clone();
        }
        for container_override in self.container_overrides.iter().flatten() {
            let Some(name) = container_override.name.as_deref() else {
                continue;
            };
            for container in td.container_definitions.iter_mut().flatten() {
                if container.name.as_deref() == Some(name) {
                    if let Some(cpu) = container_override.cpu {
                        container.cpu = Some(cpu);
                    }
                    if let Some(memory) = container_override.memory {
                        container.memory = Some(memory);
                    }
                    if let Some(reservation) = container_override.memory_reservation {
                        container.memory_reservation = Some(reservation);
                    }
                }
            }
        }
        td
    }
}
