//! EC2 instance types as ECS sees them: CPU units (1024 per vCPU), the memory the agent
//! registers, the ENIs left for awsvpc tasks, and the architecture.
//!
//! Registered memory is below the advertised size: the Developer Guide's example is an
//! m4.large (8 GiB) registering 7985 MiB, and seed 000's instances register 3768 MiB of
//! 3.75 GiB. Berth uses the advertised MiB less 2.5% (rounded down): 8192 → 7988. The exact
//! per-type figures ECS reports are UNCONFIRMED.

/// One instance type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceType {
    /// e.g. `m5.large`.
    pub name: &'static str,
    /// vCPUs.
    pub vcpus: u32,
    /// Advertised memory in MiB.
    pub memory_mib: u32,
    /// Network interfaces the type supports (one is the instance's own).
    pub max_enis: u32,
    /// `x86_64` or `arm64`.
    pub architecture: &'static str,
}

impl InstanceType {
    /// registeredResources CPU.
    pub fn cpu_units(&self) -> u32 {
        self.vcpus * 1024
    }

    /// registeredResources MEMORY (MiB).
    pub fn registered_memory(&self) -> u32 {
        self.memory_mib - self.memory_mib / 40
    }

    /// ENIs left for awsvpc tasks (without trunking).
    pub fn task_enis(&self) -> u32 {
        self.max_enis.saturating_sub(1)
    }
}

const fn t(
    name: &'static str,
    vcpus: u32,
    gib_x4: u32,
    max_enis: u32,
    architecture: &'static str,
) -> InstanceType {
    InstanceType {
        name,
        vcpus,
        memory_mib: gib_x4 * 256,
        max_enis,
        architecture,
    }
}

/// The catalogue (memory given in quarter-GiB so 0.5 GiB types fit).
pub const CATALOGUE: &[InstanceType] = &[
    t("t3.micro", 2, 4, 2, "x86_64"),
    t("t3.small", 2, 8, 3, "x86_64"),
    t("t3.medium", 2, 16, 3, "x86_64"),
    t("t3.large", 2, 32, 3, "x86_64"),
    t("t3.xlarge", 4, 64, 4, "x86_64"),
    t("t3.2xlarge", 8, 128, 4, "x86_64"),
    t("m5.large", 2, 32, 3, "x86_64"),
    t("m5.xlarge", 4, 64, 4, "x86_64"),
    t("m5.2xlarge", 8, 128, 4, "x86_64"),
    t("m5.4xlarge", 16, 256, 8, "x86_64"),
    t("c5.large", 2, 16, 3, "x86_64"),
    t("c5.xlarge", 4, 32, 4, "x86_64"),
    t("c5.2xlarge", 8, 64, 4, "x86_64"),
    t("c5.4xlarge", 16, 128, 8, "x86_64"),
    t("r5.large", 2, 64, 3, "x86_64"),
    t("r5.xlarge", 4, 128, 4, "x86_64"),
    t("r5.2xlarge", 8, 256, 4, "x86_64"),
    t("r5.4xlarge", 16, 512, 8, "x86_64"),
    t("a1.medium", 1, 8, 2, "arm64"),
    t("a1.large", 2, 16, 3, "arm64"),
    t("a1.xlarge", 4, 32, 4, "arm64"),
    t("a1.2xlarge", 8, 64, 4, "arm64"),
    t("a1.4xlarge", 16, 128, 8, "arm64"),
];

/// Looks a type up by name.
pub fn instance_type(name: &str) -> Option<&'static InstanceType> {
    CATALOGUE.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// CPU units and registered memory follow ECS's rules of thumb.
    #[test]
    fn sizes() {
        let m5 = instance_type("m5.large").unwrap();
        assert_eq!(
            (m5.cpu_units(), m5.registered_memory(), m5.task_enis()),
            (2048, 7988, 2)
        );
        assert_eq!(instance_type("a1.medium").unwrap().architecture, "arm64");
        assert!(instance_type("m9.huge").is_none());
    }
}
