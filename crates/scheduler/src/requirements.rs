//! What a task needs from an instance, derived from its task definition (and, once the
//! control plane passes them, RunTask overrides).
//!
//! Memory is what placement subtracts: the task-level `memory` when set, otherwise each
//! container's `memoryReservation`, else its `memory`. CPU likewise: task-level `cpu`, else
//! the sum of container `cpu` (absent counts 0).

use berth_model::overrides::TaskOverride;
use berth_model::task_definition::{NetworkMode, TaskDefinition, TransportProtocol};
use berth_model::units::{parse_cpu_units, parse_memory_mib};
use berth_model::validate::{effective_network_mode, static_host_port};

use crate::ports::Protocol;

/// One port a task maps, as placement needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortNeed {
    /// The container that maps it.
    pub container_name: String,
    /// The container port.
    pub container_port: u16,
    /// The static host port, or `None` for a dynamic one.
    pub host_port: Option<u16>,
    /// tcp or udp.
    pub protocol: Protocol,
}

/// A task's requirements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRequirements {
    /// CPU units to reserve.
    pub cpu: u32,
    /// MiB to reserve.
    pub memory: u32,
    /// Every port mapping, static and dynamic.
    pub ports: Vec<PortNeed>,
    /// The network mode (`bridge` when omitted).
    pub network_mode: NetworkMode,
    /// Attributes an instance must have: `(name, value)`.
    pub required_attributes: Vec<(String, Option<String>)>,
    /// launchType EXTERNAL: only instances with `ecs.capability.external`; otherwise (EC2)
    /// only instances without it.
    pub external: bool,
}

/// The launch type a task is placed for: EC2 tasks go to EC2 container instances, EXTERNAL
/// tasks (ECS Anywhere) to instances registered with `ecs.capability.external`.
pub const EXTERNAL_CAPABILITY: &str = "ecs.capability.external";

impl TaskRequirements {
    /// Derives the requirements of one task of `td` run with `overrides` (RunTask's
    /// `overrides.cpu`/`memory` and per-container `cpu`/`memory`/`memoryReservation`).
    pub fn with_overrides(
        td: &TaskDefinition,
        overrides: Option<&TaskOverride>,
    ) -> TaskRequirements {
        match overrides {
            Some(overrides) => TaskRequirements::from_task_definition(&overrides.apply_sizes(td)),
            None => TaskRequirements::from_task_definition(td),
        }
    }

    /// Places on EXTERNAL instances (launchType EXTERNAL) instead of EC2 ones.
    pub fn for_external_instances(mut self) -> TaskRequirements {
        self.external = true;
        self
    }

    /// Derives the requirements of one task of `td`.
    pub fn from_task_definition(td: &TaskDefinition) -> TaskRequirements {
        let containers = td.container_definitions.as_deref().unwrap_or(&[]);
        let cpu = td
            .cpu
            .as_deref()
            .and_then(parse_cpu_units)
            .unwrap_or_else(|| {
                containers
                    .iter()
                    .map(|c| c.cpu.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32)
                    .sum()
            });
        let memory = td
            .memory
            .as_deref()
            .and_then(parse_memory_mib)
            .unwrap_or_else(|| {
                containers
                    .iter()
                    .map(|c| {
                        c.memory_reservation
                            .or(c.memory)
                            .unwrap_or(0)
                            .clamp(0, i64::from(u32::MAX)) as u32
                    })
                    .sum()
            });
        let network_mode = effective_network_mode(td);
        let mut ports = Vec::new();
        for container in containers {
            for mapping in container.port_mappings.iter().flatten() {
                let Some(container_port) =
                    mapping.container_port.and_then(|p| u16::try_from(p).ok())
                else {
                    continue;
                };
                let protocol = match mapping.protocol {
                    Some(TransportProtocol::Udp) => Protocol::Udp,
                    _ => Protocol::Tcp,
                };
                let host_port =
                    static_host_port(mapping, &network_mode).and_then(|p| u16::try_from(p).ok());
                if network_mode == NetworkMode::None {
                    continue;
                }
                ports.push(PortNeed {
                    container_name: container.name.clone().unwrap_or_default(),
                    container_port,
                    host_port,
                    protocol,
                });
            }
        }
        let required_attributes = td
            .requires_attributes
            .iter()
            .flatten()
            .map(|a| (a.name.clone(), a.value.clone()))
            .collect();
        TaskRequirements {
            cpu,
            memory,
            ports,
            network_mode,
            required_attributes,
            external: false,
        }
    }

    /// Whether the task needs an ENI of its own (awsvpc on EC2).
    pub fn needs_eni(&self) -> bool {
        self.network_mode == NetworkMode::Awsvpc
    }

    /// Static host ports, with their protocol.
    pub fn static_ports(&self) -> impl Iterator<Item = (Protocol, u16)> + '_ {
        self.ports
            .iter()
            .filter_map(|p| p.host_port.map(|h| (p.protocol, h)))
    }

    /// How many dynamic ports of `protocol` the task needs.
    pub fn dynamic_ports(&self, protocol: Protocol) -> u32 {
        self.ports
            .iter()
            .filter(|p| p.host_port.is_none() && p.protocol == protocol)
            .count() as u32
    }
}
