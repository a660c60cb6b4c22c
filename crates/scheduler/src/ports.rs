//! Host ports on one container instance: reserved, static and dynamic, per protocol.
//!
//! Static host ports (bridge `hostPort` > 0, or the container port in host/awsvpc mode)
//! conflict with the agent's reserved ports and with other tasks' static ports, per protocol:
//! this is ECS's `RESOURCE:PORTS` and what stalls seed 002's single-instance port-80 rolling
//! update. Dynamic ports (bridge, `hostPort` 0 or omitted) are chosen the way the ECS agent
//! chooses them (`agent/utils/ephemeral_ports.go`): next-fit, starting after the last port it
//! assigned, over the ephemeral range, wrapping to the start once; they block placement only
//! when the range is exhausted.

use std::collections::BTreeSet;

/// `tcp` or `udp`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// `tcp` / `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// The agent's default `ECS_RESERVED_PORTS` (Linux).
pub const DEFAULT_RESERVED_TCP: [u16; 5] = [22, 2375, 2376, 51678, 51679];
/// The agent's fallback ephemeral range when the kernel's is unknown (Linux).
pub const DEFAULT_EPHEMERAL_RANGE: (u16, u16) = (49153, 65535);

/// The host ports of one instance.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostPorts {
    /// `ECS_RESERVED_PORTS`.
    pub reserved_tcp: BTreeSet<u16>,
    /// `ECS_RESERVED_PORTS_UDP`.
    pub reserved_udp: BTreeSet<u16>,
    /// Static TCP ports held by tasks.
    pub static_tcp: BTreeSet<u16>,
    /// Static UDP ports held by tasks.
    pub static_udp: BTreeSet<u16>,
    /// Dynamic TCP ports held by tasks.
    pub dynamic_tcp: BTreeSet<u16>,
    /// Dynamic UDP ports held by tasks.
    pub dynamic_udp: BTreeSet<u16>,
    /// `ECS_DYNAMIC_HOST_PORT_RANGE`, inclusive.
    pub ephemeral_range: (u16, u16),
    /// The last dynamic port assigned (the agent keeps one for both protocols).
    pub last_assigned: Option<u16>,
}

impl Default for HostPorts {
    fn default() -> Self {
        HostPorts {
            reserved_tcp: DEFAULT_RESERVED_TCP.into_iter().collect(),
            reserved_udp: BTreeSet::new(),
            static_tcp: BTreeSet::new(),
            static_udp: BTreeSet::new(),
            dynamic_tcp: BTreeSet::new(),
            dynamic_udp: BTreeSet::new(),
            ephemeral_range: DEFAULT_EPHEMERAL_RANGE,
            last_assigned: None,
        }
    }
}

impl HostPorts {
    fn sets(&self, protocol: Protocol) -> (&BTreeSet<u16>, &BTreeSet<u16>, &BTreeSet<u16>) {
        match protocol {
            Protocol::Tcp => (&self.reserved_tcp, &self.static_tcp, &self.dynamic_tcp),
            Protocol::Udp => (&self.reserved_udp, &self.static_udp, &self.dynamic_udp),
        }
    }

    /// Whether a static port is free: not reserved and not held statically by a task. This
    /// is the control plane's check (remainingResources PORTS); dynamic ports are the
    /// agent's business and are not in it.
    pub fn static_free(&self, protocol: Protocol, port: u16) -> bool {
        let (reserved, held, _) = self.sets(protocol);
        !reserved.contains(&port) && !held.contains(&port)
    }

    /// Whether `port` is taken in any way (what the agent's test-bind would find).
    fn taken(&self, protocol: Protocol, port: u16) -> bool {
        let (reserved, held, dynamic) = self.sets(protocol);
        reserved.contains(&port) || held.contains(&port) || dynamic.contains(&port)
    }

    /// Free ports left in the ephemeral range for `protocol`.
    pub fn dynamic_free(&self, protocol: Protocol) -> u32 {
        let (start, end) = self.ephemeral_range;
        let size = u32::from(end.saturating_sub(start)) + 1;
        let (reserved, held, dynamic) = self.sets(protocol);
        let in_range = |set: &BTreeSet<u16>| set.range(start..=end).count() as u32;
        // A port can be in two sets only by mistake; count the union's upper bound safely.
        size.saturating_sub(in_range(reserved) + in_range(held) + in_range(dynamic))
    }

    /// Holds a static port.
    pub fn take_static(&mut self, protocol: Protocol, port: u16) {
        match protocol {
            Protocol::Tcp => self.static_tcp.insert(port),
            Protocol::Udp => self.static_udp.insert(port),
        };
    }

    /// Assigns the next free dynamic port after the last assigned one, wrapping once.
    pub fn take_dynamic(&mut self, protocol: Protocol) -> Option<u16> {
        let (start, end) = self.ephemeral_range;
        let first = match self.last_assigned {
            Some(last) if last >= start && last < end => last + 1,
            _ => start,
        };
        let port = (first..=end)
            .chain(start..first)
            .find(|&p| !self.taken(protocol, p))?;
        match protocol {
            Protocol::Tcp => self.dynamic_tcp.insert(port),
            Protocol::Udp => self.dynamic_udp.insert(port),
        };
        self.last_assigned = Some(port);
        Some(port)
    }

    /// Releases a port a task held (static or dynamic).
    pub fn release(&mut self, protocol: Protocol, port: u16) {
        match protocol {
            Protocol::Tcp => {
                self.static_tcp.remove(&port);
                self.dynamic_tcp.remove(&port);
            }
            Protocol::Udp => {
                self.static_udp.remove(&port);
                self.dynamic_udp.remove(&port);
            }
        }
    }

    /// remainingResources PORTS / PORTS_UDP: reserved plus static ports in use, as strings.
    pub fn remaining_resource(&self, protocol: Protocol) -> Vec<String> {
        let (reserved, held, _) = self.sets(protocol);
        reserved.union(held).map(|p| p.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Next-fit: each assignment continues after the last, skipping taken ports, and wraps once.
    #[test]
    fn dynamic_ports_next_fit_and_wrap() {
        let mut ports = HostPorts {
            ephemeral_range: (50000, 50004),
            ..HostPorts::default()
        };
        ports.take_static(Protocol::Tcp, 50001);
        assert_eq!(ports.take_dynamic(Protocol::Tcp), Some(50000));
        assert_eq!(ports.take_dynamic(Protocol::Tcp), Some(50002));
        ports.release(Protocol::Tcp, 50000);
        assert_eq!(ports.take_dynamic(Protocol::Tcp), Some(50003));
        assert_eq!(ports.take_dynamic(Protocol::Tcp), Some(50004));
        // Wraps to the start and finds the released port.
        assert_eq!(ports.take_dynamic(Protocol::Tcp), Some(50000));
        assert_eq!(ports.dynamic_free(Protocol::Tcp), 0);
        assert_eq!(ports.take_dynamic(Protocol::Tcp), None);
        // UDP is separate.
        assert_eq!(ports.dynamic_free(Protocol::Udp), 5);
    }

    /// Static ports conflict with reserved ports and each other, per protocol.
    #[test]
    fn static_ports() {
        let mut ports = HostPorts::default();
        assert!(!ports.static_free(Protocol::Tcp, 22));
        assert!(ports.static_free(Protocol::Udp, 22));
        ports.take_static(Protocol::Tcp, 80);
        assert!(!ports.static_free(Protocol::Tcp, 80));
        assert_eq!(
            ports.remaining_resource(Protocol::Tcp),
            ["22", "80", "2375", "2376", "51678", "51679"]
        );
    }
}
