//! RegisterTaskDefinition's rules, each reported with ECS's exception and message.
//!
//! `validate` walks the whole document and collects every problem with its path, so the
//! editor can mark them all; the first is what ECS would return. The order follows what is
//! known of ECS's own: structure and names, then per-container settings (memory before the
//! Fargate task-size checks, as observed against real ECS), then task-level sizes, then the
//! rules of each required launch type. Launch-type rules are also what `compatibilities` is
//! computed from, so the two can never disagree.

use std::collections::{BTreeMap, BTreeSet};

use crate::messages as msg;
use crate::problem::{JsonPath, Problem};
use crate::task_definition::*;
use crate::units::{fargate_memory_options, parse_cpu_units, parse_memory_mib};

/// The most containers a task definition may have (a fixed quota).
pub const MAX_CONTAINERS: usize = 10;
/// The most placement constraints (task definition and run time together).
pub const MAX_PLACEMENT_CONSTRAINTS: usize = 10;
/// Task-level cpu units allowed on EC2 (0.125 to 192 vCPU).
pub const TASK_CPU_RANGE: std::ops::RangeInclusive<u32> = 128..=196_608;
/// The smallest container memory Docker 20.10 and later accepts, in MiB.
pub const MIN_CONTAINER_MEMORY_MIB: i64 = 6;

/// Every problem ECS would find in `task_definition`, paths relative to it.
pub fn validate(task_definition: &TaskDefinition) -> Vec<Problem> {
    let mut check = Checker {
        td: task_definition,
        problems: Vec::new(),
    };
    check.all();
    check.problems
}

/// What is wrong with a resource's tags (at most 50; keys 1-128 characters, values at most
/// 256): the same rules for every taggable resource, wherever the tags arrive.
pub fn tag_problems(tags: &[crate::task_definition::Tag], at: &JsonPath) -> Vec<Problem> {
    let mut problems = Vec::new();
    if tags.len() > 50 {
        problems.push(msg::too_many_tags(at));
    }
    for (i, tag) in tags.iter().enumerate() {
        if !(1..=128).contains(&tag.key.as_deref().unwrap_or("").chars().count()) {
            problems.push(msg::tag_key(&at.index(i).key("key")));
        }
        if tag.value.as_deref().unwrap_or("").chars().count() > 256 {
            problems.push(msg::tag_value(&at.index(i).key("value")));
        }
    }
    problems
}

/// The network mode a task runs with: `bridge` when omitted (Linux EC2's default).
pub fn effective_network_mode(task_definition: &TaskDefinition) -> NetworkMode {
    task_definition
        .network_mode
        .clone()
        .unwrap_or(NetworkMode::Bridge)
}

/// The launch types a definition can be used with, as ECS computes `compatibilities`.
/// EC2 always; FARGATE when every Fargate rule holds; EXTERNAL when not awsvpc.
/// (The `["EXTERNAL", "EC2"]` order is what describe-task-definition shows.)
pub fn compatibilities(task_definition: &TaskDefinition) -> Vec<Compatibility> {
    let mut check = Checker {
        td: task_definition,
        problems: Vec::new(),
    };
    check.fargate_rules(&JsonPath::root());
    let fargate = check.problems.is_empty();
    if effective_network_mode(task_definition) == NetworkMode::Awsvpc {
        if fargate {
            vec![Compatibility::Ec2, Compatibility::Fargate]
        } else {
            vec![Compatibility::Ec2]
        }
    } else {
        vec![Compatibility::External, Compatibility::Ec2]
    }
}

fn is_name(text: &str) -> bool {
    (1..=255).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Image references: letters, digits and `- _ : . / # @` (the API reference's list, plus `@`
/// for digests), at most 255 characters.
fn is_image_text(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_:./#@".contains(&b))
}

struct Checker<'a> {
    td: &'a TaskDefinition,
    problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn push(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    fn containers(&self) -> &'a [ContainerDefinition] {
        self.td.container_definitions.as_deref().unwrap_or(&[])
    }

    fn container_names(&self) -> BTreeSet<&'a str> {
        self.containers()
            .iter()
            .filter_map(|c| c.name.as_deref())
            .collect()
    }

    fn requires(&self, compatibility: &Compatibility) -> bool {
        self.td
            .requires_compatibilities
            .as_deref()
            .unwrap_or(&[])
            .contains(compatibility)
    }

    fn task_memory(&self) -> Option<u32> {
        self.td.memory.as_deref().and_then(parse_memory_mib)
    }

    fn task_cpu(&self) -> Option<u32> {
        self.td.cpu.as_deref().and_then(parse_cpu_units)
    }

    fn all(&mut self) {
        let root = JsonPath::root();
        self.family(&root);
        self.enums(&root);
        self.container_list(&root);
        let names = self.container_names();
        let mut seen = BTreeSet::new();
        for (index, container) in self.containers().iter().enumerate() {
            let path = root.key("containerDefinitions").index(index);
            if let Some(name) = container.name.as_deref() {
                if !seen.insert(name) {
                    self.push(msg::container_names_unique(&path.key("name")));
                }
            }
            self.container(container, &path, &names);
        }
        self.essential(&root);
        self.task_sizes(&root);
        self.host_ports(&root);
        self.cycles(&root);
        self.volumes(&root);
        self.placement_constraints(&root);
        self.task_level_settings(&root);
        if self.requires(&Compatibility::Fargate) {
            self.fargate_rules(&root);
        } else if self.td.ephemeral_storage.is_some() {
            self.push(msg::ephemeral_storage_ec2(&root.key("ephemeralStorage")));
        }
        if self.requires(&Compatibility::External)
            && effective_network_mode(self.td) == NetworkMode::Awsvpc
        {
            self.push(msg::external_awsvpc(&root.key("networkMode")));
        }
    }

    fn family(&mut self, root: &JsonPath) {
        let path = root.key("family");
        match self.td.family.as_deref() {
            None | Some("") => self.push(msg::family_blank(&path)),
            Some(family) if !is_name(family) => self.push(msg::family_invalid(&path)),
            Some(_) => {}
        }
    }

    /// Every enum-typed member holding a value outside its enum.
    fn enums(&mut self, root: &JsonPath) {
        fn check<T: EnumValue>(out: &mut Vec<Problem>, value: Option<&T>, path: JsonPath) {
            if let Some(value) = value {
                if !value.known() {
                    out.push(msg::enum_value(value.text(), T::allowed(), &path));
                }
            }
        }
        fn check_list<T: EnumValue>(
            out: &mut Vec<Problem>,
            values: Option<&Vec<T>>,
            path: JsonPath,
        ) {
            for (i, value) in values.into_iter().flatten().enumerate() {
                check(out, Some(value), path.index(i));
            }
        }
        let td = self.td;
        let out = &mut self.problems;
        check(out, td.network_mode.as_ref(), root.key("networkMode"));
        check_list(
            out,
            td.requires_compatibilities.as_ref(),
            root.key("requiresCompatibilities"),
        );
        check(out, td.pid_mode.as_ref(), root.key("pidMode"));
        check(out, td.ipc_mode.as_ref(), root.key("ipcMode"));
        if let Some(platform) = &td.runtime_platform {
            let path = root.key("runtimePlatform");
            check(
                out,
                platform.cpu_architecture.as_ref(),
                path.key("cpuArchitecture"),
            );
            check(
                out,
                platform.operating_system_family.as_ref(),
                path.key("operatingSystemFamily"),
            );
        }
        if let Some(proxy) = &td.proxy_configuration {
            check(
                out,
                proxy.r#type.as_ref(),
                root.key("proxyConfiguration").key("type"),
            );
        }
        for (i, volume) in td.volumes.iter().flatten().enumerate() {
            let path = root.key("volumes").index(i);
            if let Some(docker) = &volume.docker_volume_configuration {
                check(
                    out,
                    docker.scope.as_ref(),
                    path.key("dockerVolumeConfiguration").key("scope"),
                );
            }
            if let Some(efs) = &volume.efs_volume_configuration {
                let path = path.key("efsVolumeConfiguration");
                check(
                    out,
                    efs.transit_encryption.as_ref(),
                    path.key("transitEncryption"),
                );
                if let Some(auth) = &efs.authorization_config {
                    check(
                        out,
                        auth.iam.as_ref(),
                        path.key("authorizationConfig").key("iam"),
                    );
                }
            }
        }
        for (i, c) in td.container_definitions.iter().flatten().enumerate() {
            let path = root.key("containerDefinitions").index(i);
            for (j, mapping) in c.port_mappings.iter().flatten().enumerate() {
                let path = path.key("portMappings").index(j);
                check(out, mapping.protocol.as_ref(), path.key("protocol"));
                check(out, mapping.app_protocol.as_ref(), path.key("appProtocol"));
            }
            if let Some(log) = &c.log_configuration {
                check(
                    out,
                    log.log_driver.as_ref(),
                    path.key("logConfiguration").key("logDriver"),
                );
            }
            for (j, ulimit) in c.ulimits.iter().flatten().enumerate() {
                check(
                    out,
                    ulimit.name.as_ref(),
                    path.key("ulimits").index(j).key("name"),
                );
            }
            for (j, dep) in c.depends_on.iter().flatten().enumerate() {
                check(
                    out,
                    dep.condition.as_ref(),
                    path.key("dependsOn").index(j).key("condition"),
                );
            }
            for (j, req) in c.resource_requirements.iter().flatten().enumerate() {
                check(
                    out,
                    req.r#type.as_ref(),
                    path.key("resourceRequirements").index(j).key("type"),
                );
            }
            for (j, file) in c.environment_files.iter().flatten().enumerate() {
                check(
                    out,
                    file.r#type.as_ref(),
                    path.key("environmentFiles").index(j).key("type"),
                );
            }
            if let Some(firelens) = &c.firelens_configuration {
                check(
                    out,
                    firelens.r#type.as_ref(),
                    path.key("firelensConfiguration").key("type"),
                );
            }
            check(
                out,
                c.version_consistency.as_ref(),
                path.key("versionConsistency"),
            );
            if let Some(linux) = &c.linux_parameters {
                for (j, device) in linux.devices.iter().flatten().enumerate() {
                    let path = path
                        .key("linuxParameters")
                        .key("devices")
                        .index(j)
                        .key("permissions");
                    check_list(out, device.permissions.as_ref(), path);
                }
            }
        }
    }

    fn container_list(&mut self, root: &JsonPath) {
        let path = root.key("containerDefinitions");
        match self.td.container_definitions.as_deref() {
            None | Some([]) => self.push(msg::container_list_empty(&path)),
            Some(list) if list.len() > MAX_CONTAINERS => self.push(msg::too_many_containers(&path)),
            Some(_) => {}
        }
    }

    fn container(&mut self, c: &ContainerDefinition, path: &JsonPath, names: &BTreeSet<&str>) {
        let name = c.name.as_deref().unwrap_or("");
        let mode = effective_network_mode(self.td);
        match c.name.as_deref() {
            None | Some("") => self.push(msg::container_field_empty("name", &path.key("name"))),
            Some(n) if !is_name(n) => self.push(msg::container_name_invalid(&path.key("name"))),
            Some(_) => {}
        }
        match c.image.as_deref() {
            None | Some("") => self.push(msg::container_field_empty("image", &path.key("image"))),
            Some(image) if image.len() > 255 => self.push(msg::image_too_long(&path.key("image"))),
            Some(image) if !is_image_text(image) => {
                self.push(msg::image_invalid(&path.key("image")))
            }
            Some(_) => {}
        }
        self.container_memory(c, name, path);
        if c.cpu.is_some_and(|cpu| cpu < 0) {
            self.push(msg::container_cpu_invalid(name, &path.key("cpu")));
        }
        self.port_mappings(c, name, path, &mode);

        if !c.links.as_deref().unwrap_or(&[]).is_empty() && mode != NetworkMode::Bridge {
            self.push(msg::links_awsvpc(mode.as_str(), &path.key("links")));
        }
        for (i, link) in c.links.iter().flatten().enumerate() {
            let target = link.split(':').next().unwrap_or("");
            if target == name || !names.contains(target) {
                self.push(msg::link_unknown(target, &path.key("links").index(i)));
            }
        }
        if mode == NetworkMode::Awsvpc {
            let unsupported = [
                (c.hostname.is_some(), "hostname", "hostname is"),
                (c.extra_hosts.is_some(), "extraHosts", "Extra hosts are"),
                (c.dns_servers.is_some(), "dnsServers", "DNS servers are"),
                (
                    c.disable_networking == Some(true),
                    "disableNetworking",
                    "Disable Networking is",
                ),
            ];
            for (present, member, what) in unsupported {
                if present {
                    self.push(msg::not_with_awsvpc(what, &path.key(member)));
                }
            }
        }
        self.depends_on(c, name, path, names);
        self.health_check(c, name, path);
        for (i, mount) in c.mount_points.iter().flatten().enumerate() {
            let volume = mount.source_volume.as_deref();
            let known = self
                .td
                .volumes
                .iter()
                .flatten()
                .any(|v| v.name.is_some() && v.name.as_deref() == volume);
            if !known {
                let shown = volume.unwrap_or("null");
                self.push(msg::unknown_volume(
                    shown,
                    &path.key("mountPoints").index(i).key("sourceVolume"),
                ));
            }
        }
        for (i, from) in c.volumes_from.iter().flatten().enumerate() {
            let source = from.source_container.as_deref().unwrap_or("null");
            if source == name || !names.contains(source) {
                let at = path.key("volumesFrom").index(i).key("sourceContainer");
                self.push(msg::volumes_from_unknown(source, &at));
            }
        }
        if c.environment_files
            .as_ref()
            .is_some_and(|files| files.len() > 10)
        {
            self.push(msg::too_many_environment_files(
                &path.key("environmentFiles"),
            ));
        }
        if c.credential_specs
            .as_ref()
            .is_some_and(|specs| specs.len() > 1)
        {
            self.push(msg::credential_specs(name, &path.key("credentialSpecs")));
        }
        let has_secrets = c.secrets.as_ref().is_some_and(|s| !s.is_empty())
            || c.log_configuration
                .as_ref()
                .and_then(|log| log.secret_options.as_ref())
                .is_some_and(|s| !s.is_empty());
        if has_secrets && self.td.execution_role_arn.is_none() {
            self.push(msg::secrets_need_execution_role(&path.key("secrets")));
        }
        if let Some(period) = c
            .restart_policy
            .as_ref()
            .and_then(|r| r.restart_attempt_period)
        {
            if !(60..=1800).contains(&period) {
                let at = path.key("restartPolicy").key("restartAttemptPeriod");
                self.push(msg::restart_attempt_period(name, &at));
            }
        }
        for (i, ulimit) in c.ulimits.iter().flatten().enumerate() {
            if let (Some(soft), Some(hard)) = (ulimit.soft_limit, ulimit.hard_limit) {
                if soft > hard {
                    let limit = ulimit.name.as_ref().map_or("", |n| n.as_str());
                    self.push(msg::ulimit_soft_above_hard(
                        limit,
                        &path.key("ulimits").index(i),
                    ));
                }
            }
        }
        for (i, req) in c.resource_requirements.iter().flatten().enumerate() {
            if req.r#type == Some(ResourceType::Gpu) {
                let value = req.value.as_deref().unwrap_or("");
                if !value.parse::<u32>().is_ok_and(|n| n > 0) {
                    self.push(msg::gpu_value(
                        value,
                        name,
                        &path.key("resourceRequirements").index(i),
                    ));
                }
            }
        }
        if let Some(log) = &c.log_configuration {
            let at = path.key("logConfiguration");
            let options = log.options.as_ref();
            let has = |key: &str| options.is_some_and(|o| o.contains_key(key));
            if log.log_driver == Some(LogDriver::Awslogs) && !has("awslogs-group") {
                self.push(msg::awslogs_group_required(&at.key("options")));
            }
            let router = self
                .containers()
                .iter()
                .any(|c| c.firelens_configuration.is_some());
            if log.log_driver == Some(LogDriver::Awsfirelens) && !router {
                self.push(msg::firelens_container_required(&at.key("logDriver")));
            }
        }
    }

    fn container_memory(&mut self, c: &ContainerDefinition, name: &str, path: &JsonPath) {
        let task_memory = self.task_memory();
        let memory = c.memory.filter(|&m| m != 0);
        let reservation = c.memory_reservation.filter(|&m| m != 0);
        if self.td.memory.is_none() && memory.is_none() && reservation.is_none() {
            self.push(msg::memory_required(name, path));
        }
        if c.memory.is_some_and(|m| m < MIN_CONTAINER_MEMORY_MIB) {
            self.push(msg::container_memory_minimum(name, &path.key("memory")));
        }
        if let (Some(memory), Some(reservation)) = (c.memory, c.memory_reservation) {
            if reservation > memory {
                self.push(msg::reservation_above_memory(
                    name,
                    &path.key("memoryReservation"),
                ));
            }
        }
        if let (Some(memory), Some(task)) = (c.memory, task_memory) {
            if memory > i64::from(task) {
                self.push(msg::container_memory_above_task(name, &path.key("memory")));
            }
        }
    }

    fn port_mappings(
        &mut self,
        c: &ContainerDefinition,
        name: &str,
        path: &JsonPath,
        mode: &NetworkMode,
    ) {
        let mappings = c.port_mappings.as_deref().unwrap_or(&[]);
        if *mode == NetworkMode::None && !mappings.is_empty() {
            self.push(msg::none_port_mappings(&path.key("portMappings")));
            return;
        }
        let mut protocols_by_port: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
        for (i, mapping) in mappings.iter().enumerate() {
            let at = path.key("portMappings").index(i);
            if let Some(range) = mapping.container_port_range.as_deref() {
                if mapping.container_port.is_some() || mapping.host_port.is_some() {
                    self.push(msg::port_and_range(name, &at));
                } else if parse_port_range(range).is_none()
                    || !matches!(mode, NetworkMode::Bridge | NetworkMode::Awsvpc)
                {
                    self.push(msg::container_port_range_invalid(
                        name,
                        &at.key("containerPortRange"),
                    ));
                }
                continue;
            }
            let Some(container_port) = mapping.container_port.filter(|p| (1..=65535).contains(p))
            else {
                self.push(msg::container_port_invalid(name, &at.key("containerPort")));
                continue;
            };
            let protocol = mapping.protocol.as_ref().map_or("tcp", |p| p.as_str());
            protocols_by_port
                .entry(container_port)
                .or_default()
                .insert(protocol);
            match mapping.host_port {
                Some(host) if !(0..=65535).contains(&host) => {
                    self.push(msg::host_port_invalid(name, &at.key("hostPort")));
                }
                Some(host) if host != container_port => match mode {
                    NetworkMode::Awsvpc => {
                        self.push(msg::awsvpc_port_mismatch(&at.key("hostPort")))
                    }
                    NetworkMode::Host => self.push(msg::host_port_mismatch(&at.key("hostPort"))),
                    _ => {}
                },
                _ => {}
            }
        }
        for (port, protocols) in protocols_by_port {
            if protocols.len() > 1 {
                self.push(msg::container_port_protocols(
                    port,
                    name,
                    &path.key("portMappings"),
                ));
            }
        }
    }

    fn depends_on(
        &mut self,
        c: &ContainerDefinition,
        name: &str,
        path: &JsonPath,
        names: &BTreeSet<&str>,
    ) {
        for (i, dep) in c.depends_on.iter().flatten().enumerate() {
            let at = path.key("dependsOn").index(i);
            let target_name = dep.container_name.as_deref().unwrap_or("null");
            if dep.condition.is_none() {
                self.push(msg::depends_on_condition(name, &at.key("condition")));
            }
            if target_name == name {
                self.push(msg::depends_on_self(name, &at.key("containerName")));
                continue;
            }
            if !names.contains(target_name) {
                self.push(msg::depends_on_unknown(
                    target_name,
                    &at.key("containerName"),
                ));
                continue;
            }
            let target = self
                .containers()
                .iter()
                .find(|t| t.name.as_deref() == Some(target_name));
            let target_essential = target.is_some_and(|t| t.essential != Some(false));
            match dep.condition {
                Some(ContainerCondition::Success | ContainerCondition::Complete)
                    if target_essential =>
                {
                    self.push(msg::depends_on_essential(&at));
                }
                Some(ContainerCondition::Healthy)
                    if target.is_some_and(|t| t.health_check.is_none()) =>
                {
                    self.push(msg::healthy_needs_check(&at));
                }
                _ => {}
            }
        }
    }

    fn health_check(&mut self, c: &ContainerDefinition, name: &str, path: &JsonPath) {
        let Some(check) = &c.health_check else { return };
        let at = path.key("healthCheck");
        if check.command.as_deref().unwrap_or(&[]).is_empty() {
            self.push(msg::health_check_command(name, &at.key("command")));
        }
        let limits = [
            ("interval", check.interval, 5, 300),
            ("timeout", check.timeout, 2, 60),
            ("retries", check.retries, 1, 10),
            ("startPeriod", check.start_period, 0, 300),
        ];
        for (setting, value, min, max) in limits {
            match value {
                Some(v) if v > max => {
                    self.push(msg::health_check_max(setting, max, name, &at.key(setting)))
                }
                Some(v) if v < min => {
                    self.push(msg::health_check_min(setting, min, name, &at.key(setting)))
                }
                _ => {}
            }
        }
    }

    fn essential(&mut self, root: &JsonPath) {
        let containers = self.containers();
        if !containers.is_empty() && containers.iter().all(|c| c.essential == Some(false)) {
            self.push(msg::no_essential_container(
                &root.key("containerDefinitions"),
            ));
        }
    }

    fn task_sizes(&mut self, root: &JsonPath) {
        if let Some(cpu) = self.td.cpu.as_deref() {
            if !parse_cpu_units(cpu).is_some_and(|units| TASK_CPU_RANGE.contains(&units)) {
                self.push(msg::task_cpu_invalid(&root.key("cpu")));
            }
        }
        if let Some(memory) = self.td.memory.as_deref() {
            if parse_memory_mib(memory).is_none_or(|mib| i64::from(mib) < MIN_CONTAINER_MEMORY_MIB)
            {
                self.push(msg::task_memory_invalid(&root.key("memory")));
            }
        }
        let containers = self.containers();
        if let Some(task_memory) = self.task_memory() {
            let reserved: i64 = containers.iter().filter_map(|c| c.memory_reservation).sum();
            if reserved > i64::from(task_memory) {
                self.push(msg::reservations_above_task(
                    &root.key("containerDefinitions"),
                ));
            }
        }
        if let Some(task_cpu) = self.task_cpu() {
            let cpu: i64 = containers.iter().filter_map(|c| c.cpu).sum();
            if cpu > i64::from(task_cpu) {
                self.push(msg::cpu_sum_above_task(&root.key("containerDefinitions")));
            }
        }
    }

    /// The same static host port (or, in awsvpc, container port) mapped twice in the task.
    fn host_ports(&mut self, root: &JsonPath) {
        let mode = effective_network_mode(self.td);
        let mut seen: BTreeSet<(&str, i64)> = BTreeSet::new();
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for (i, c) in self.containers().iter().enumerate() {
            for (j, mapping) in c.port_mappings.iter().flatten().enumerate() {
                let at = root
                    .key("containerDefinitions")
                    .index(i)
                    .key("portMappings")
                    .index(j);
                if mode == NetworkMode::Awsvpc {
                    if let Some(port_name) = mapping.name.as_deref() {
                        if !names.insert(port_name) {
                            self.push(msg::port_name_used(&at.key("name")));
                        }
                    }
                }
                let Some(port) = static_host_port(mapping, &mode) else {
                    continue;
                };
                let protocol = match mapping.protocol {
                    Some(TransportProtocol::Udp) => "UDP",
                    _ => "TCP",
                };
                if !seen.insert((protocol, port)) {
                    if mode == NetworkMode::Awsvpc {
                        self.push(msg::container_port_duplicate(protocol, port, &at));
                    } else {
                        self.push(msg::host_port_duplicate(protocol, port, &at));
                    }
                }
            }
        }
    }

    /// Cycles among links, then among dependsOn edges.
    fn cycles(&mut self, root: &JsonPath) {
        let containers = self.containers();
        let links: Vec<(&str, Vec<&str>)> = containers
            .iter()
            .map(|c| {
                let targets = c
                    .links
                    .iter()
                    .flatten()
                    .map(|l| l.split(':').next().unwrap_or(""));
                (c.name.as_deref().unwrap_or(""), targets.collect())
            })
            .collect();
        if has_cycle(&links) {
            self.push(msg::links_cycle(&root.key("containerDefinitions")));
        }
        let deps: Vec<(&str, Vec<&str>)> = containers
            .iter()
            .map(|c| {
                let targets = c
                    .depends_on
                    .iter()
                    .flatten()
                    .filter_map(|d| d.container_name.as_deref());
                let name = c.name.as_deref().unwrap_or("");
                (name, targets.filter(|t| *t != name).collect())
            })
            .collect();
        if has_cycle(&deps) {
            self.push(msg::depends_on_cycle(&root.key("containerDefinitions")));
        }
    }

    fn volumes(&mut self, root: &JsonPath) {
        let mut seen = BTreeSet::new();
        let containers = self.containers();
        for (i, volume) in self.td.volumes.iter().flatten().enumerate() {
            let at = root.key("volumes").index(i);
            if let Some(name) = volume.name.as_deref() {
                if !is_name(name) {
                    self.push(msg::volume_name(&at.key("name")));
                } else if !seen.insert(name) {
                    self.push(msg::duplicate_volume(&at.key("name")));
                }
                let mounted = containers.iter().any(|c| {
                    c.mount_points
                        .iter()
                        .flatten()
                        .any(|m| m.source_volume.as_deref() == Some(name))
                });
                if volume.configured_at_launch == Some(true) && !mounted {
                    self.push(msg::volume_not_referenced(name, &at));
                }
            }
            if volume.host.as_ref().and_then(|h| h.source_path.as_deref()) == Some("") {
                self.push(msg::source_path_blank(&at.key("host").key("sourcePath")));
            }
            if let Some(efs) = &volume.efs_volume_configuration {
                let at = at.key("efsVolumeConfiguration");
                let encrypted = efs.transit_encryption == Some(EfsTransitEncryption::Enabled);
                let auth = efs.authorization_config.as_ref();
                if auth.is_some_and(|a| a.access_point_id.is_some())
                    && efs.root_directory.as_deref().is_some_and(|d| d != "/")
                {
                    self.push(msg::efs_access_point_root(&at.key("rootDirectory")));
                }
                if auth.is_some_and(|a| a.iam == Some(EfsAuthorizationConfigIam::Enabled))
                    && !encrypted
                {
                    self.push(msg::efs_iam_needs_encryption(
                        &at.key("authorizationConfig"),
                    ));
                }
                if efs.transit_encryption_port.is_some() && !encrypted {
                    self.push(msg::efs_port_needs_encryption(
                        &at.key("transitEncryptionPort"),
                    ));
                }
            }
        }
    }

    fn placement_constraints(&mut self, root: &JsonPath) {
        let constraints = self.td.placement_constraints.as_deref().unwrap_or(&[]);
        if constraints.len() > MAX_PLACEMENT_CONSTRAINTS {
            self.push(msg::too_many_constraints(&root.key("placementConstraints")));
        }
        for (i, constraint) in constraints.iter().enumerate() {
            let at = root.key("placementConstraints").index(i);
            match &constraint.r#type {
                Some(TaskDefinitionPlacementConstraintType::Unknown(kind)) => {
                    self.push(msg::constraint_type_unsupported(kind, &at.key("type")));
                }
                _ if constraint
                    .expression
                    .as_deref()
                    .unwrap_or("")
                    .trim()
                    .is_empty() =>
                {
                    self.push(msg::member_of_expression(&at.key("expression")));
                }
                _ => {}
            }
        }
    }

    fn task_level_settings(&mut self, root: &JsonPath) {
        if let Some(tags) = &self.td.tags {
            let at = root.key("tags");
            if tags.is_empty() {
                self.push(msg::tags_empty(&at));
            }
            for problem in tag_problems(tags, &at) {
                self.push(problem);
            }
        }
        if let Some(size) = self
            .td
            .ephemeral_storage
            .as_ref()
            .and_then(|e| e.size_in_gi_b)
        {
            let at = root.key("ephemeralStorage").key("sizeInGiB");
            if size < 21 {
                self.push(msg::ephemeral_storage_min(&at));
            } else if size > 200 {
                self.push(msg::ephemeral_storage_max(&at));
            }
        }
        if self
            .td
            .inference_accelerators
            .as_ref()
            .is_some_and(|a| !a.is_empty())
        {
            self.push(msg::inference_accelerators_unsupported(
                &root.key("inferenceAccelerators"),
            ));
        }
        if let Some(proxy) = &self.td.proxy_configuration {
            let at = root.key("proxyConfiguration");
            if effective_network_mode(self.td) != NetworkMode::Awsvpc {
                self.push(msg::proxy_awsvpc(&at));
            }
            match proxy.container_name.as_deref() {
                None | Some("") => self.push(msg::proxy_container_name(&at.key("containerName"))),
                Some(name) if !self.container_names().contains(name) => {
                    self.push(msg::proxy_container_missing(name, &at.key("containerName")));
                }
                Some(_) => {}
            }
        }
    }

    /// What FARGATE requires of a definition; also decides whether FARGATE is compatible.
    fn fargate_rules(&mut self, root: &JsonPath) {
        let td = self.td;
        if effective_network_mode(td) != NetworkMode::Awsvpc {
            self.push(msg::fargate_network_mode(&root.key("networkMode")));
        }
        match (td.cpu.as_deref(), td.memory.as_deref()) {
            (None, _) => self.push(msg::fargate_cpu_required(&root.key("cpu"))),
            (_, None) => self.push(msg::fargate_memory_required(&root.key("memory"))),
            (Some(_), Some(_)) => {
                if let (Some(cpu), Some(memory)) = (self.task_cpu(), self.task_memory()) {
                    let windows = td
                        .runtime_platform
                        .as_ref()
                        .and_then(|p| p.operating_system_family.as_ref())
                        .is_some_and(|os| os.as_str().starts_with("WINDOWS"));
                    if !fargate_memory_options(cpu).contains(&memory) || (windows && cpu < 1024) {
                        self.push(msg::fargate_no_configuration(cpu, memory, &root.key("cpu")));
                    }
                }
            }
        }
        if td.pid_mode == Some(PidMode::Host) {
            self.push(msg::fargate_pid_mode("host", &root.key("pidMode")));
        }
        if td.ipc_mode.is_some() {
            self.push(msg::fargate_unsupported("ipcMode", &root.key("ipcMode")));
        }
        if td
            .placement_constraints
            .as_ref()
            .is_some_and(|c| !c.is_empty())
        {
            self.push(msg::fargate_unsupported(
                "constraints",
                &root.key("placementConstraints"),
            ));
        }
        for (i, volume) in td.volumes.iter().flatten().enumerate() {
            let at = root.key("volumes").index(i);
            if volume
                .host
                .as_ref()
                .is_some_and(|h| h.source_path.is_some())
            {
                self.push(msg::fargate_unsupported(
                    "sourcePath",
                    &at.key("host").key("sourcePath"),
                ));
            }
            if volume.docker_volume_configuration.is_some() {
                let at = at.key("dockerVolumeConfiguration");
                self.push(msg::fargate_unsupported("dockerVolumeConfiguration", &at));
            }
        }
        for (i, c) in self.containers().iter().enumerate() {
            let at = root.key("containerDefinitions").index(i);
            if c.privileged == Some(true) {
                self.push(msg::fargate_privileged(&at.key("privileged")));
            }
            if c.links.as_ref().is_some_and(|l| !l.is_empty())
                && effective_network_mode(td) == NetworkMode::Awsvpc
            {
                // Already refused as links in awsvpc; not repeated.
            } else if c.links.as_ref().is_some_and(|l| !l.is_empty()) {
                self.push(msg::fargate_links(&at.key("links")));
            }
            if c.docker_security_options.is_some() {
                self.push(msg::fargate_unsupported(
                    "dockerSecurityOptions",
                    &at.key("dockerSecurityOptions"),
                ));
            }
            if let Some(linux) = &c.linux_parameters {
                let at = at.key("linuxParameters");
                if linux.devices.is_some() {
                    self.push(msg::fargate_unsupported("devices", &at.key("devices")));
                }
                if linux.max_swap.is_some() {
                    self.push(msg::fargate_unsupported("maxSwap", &at.key("maxSwap")));
                }
                if linux.shared_memory_size.is_some() {
                    self.push(msg::fargate_unsupported(
                        "sharedMemorySize",
                        &at.key("sharedMemorySize"),
                    ));
                }
                let added = linux.capabilities.as_ref().and_then(|c| c.add.as_ref());
                for (j, capability) in added.into_iter().flatten().enumerate() {
                    if capability != "SYS_PTRACE" {
                        let at = at.key("capabilities").key("add").index(j);
                        self.push(msg::fargate_capability(capability, &at));
                    }
                }
            }
            if let Some(log) = &c.log_configuration {
                let at = at.key("logConfiguration");
                match &log.log_driver {
                    Some(LogDriver::Awslogs) => {
                        if td.execution_role_arn.is_none() {
                            self.push(msg::fargate_awslogs_execution_role(&at.key("logDriver")));
                        }
                        if !log
                            .options
                            .as_ref()
                            .is_some_and(|o| o.contains_key("awslogs-stream-prefix"))
                        {
                            self.push(msg::fargate_awslogs_stream_prefix(&at.key("options")));
                        }
                    }
                    Some(LogDriver::Splunk | LogDriver::Awsfirelens) | None => {}
                    Some(other) => self.push(msg::fargate_log_driver(
                        other.as_str(),
                        &at.key("logDriver"),
                    )),
                }
            }
            if c.stop_timeout.is_some_and(|t| t > 120) {
                self.push(msg::fargate_stop_timeout(&at.key("stopTimeout")));
            }
            if c.start_timeout.is_some_and(|t| !(2..=120).contains(&t)) {
                self.push(msg::start_timeout_fargate(&at.key("startTimeout")));
            }
            let gpu = c
                .resource_requirements
                .iter()
                .flatten()
                .any(|r| r.r#type == Some(ResourceType::Gpu));
            if gpu {
                self.push(msg::fargate_gpu(&at.key("resourceRequirements")));
            }
        }
    }
}

/// The host port a mapping holds on its instance, if static: in awsvpc and host mode the
/// container port; in bridge mode a non-zero `hostPort` (0 or none means dynamic).
pub fn static_host_port(mapping: &PortMapping, mode: &NetworkMode) -> Option<i64> {
    match mode {
        NetworkMode::Awsvpc | NetworkMode::Host => mapping.host_port.or(mapping.container_port),
        NetworkMode::Bridge => mapping.host_port.filter(|&p| p != 0),
        _ => None,
    }
}

/// `"start-end"` with 1 ≤ start < end ≤ 65535.
pub fn parse_port_range(text: &str) -> Option<(u16, u16)> {
    let (start, end) = text.split_once('-')?;
    let (start, end): (u16, u16) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    (start >= 1 && start < end).then_some((start, end))
}

/// Depth-first search for a cycle in a small directed graph given as adjacency lists.
fn has_cycle(graph: &[(&str, Vec<&str>)]) -> bool {
    fn visit<'g>(
        node: &'g str,
        graph: &[(&'g str, Vec<&'g str>)],
        on_path: &mut BTreeSet<&'g str>,
        done: &mut BTreeSet<&'g str>,
    ) -> bool {
        if on_path.contains(node) {
            return true;
        }
        if !done.insert(node) {
            return false;
        }
        on_path.insert(node);
        let next = graph
            .iter()
            .filter(|(n, _)| *n == node)
            .flat_map(|(_, edges)| edges);
        for target in next {
            if visit(target, graph, on_path, done) {
                return true;
            }
        }
        on_path.remove(node);
        false
    }
    let mut done = BTreeSet::new();
    graph
        .iter()
        .any(|(node, _)| visit(node, graph, &mut BTreeSet::new(), &mut done))
}

/// What validation needs of every `ecs_enum!` type.
trait EnumValue {
    fn known(&self) -> bool;
    fn text(&self) -> &str;
    fn allowed() -> &'static [&'static str];
}

macro_rules! enum_value {
    ($($t:ty),*) => {$(
        impl EnumValue for $t {
            fn known(&self) -> bool { self.is_known() }
            fn text(&self) -> &str { self.as_str() }
            fn allowed() -> &'static [&'static str] { <$t>::ALL }
        }
    )*};
}

enum_value!(
    NetworkMode,
    Compatibility,
    TransportProtocol,
    ApplicationProtocol,
    LogDriver,
    UlimitName,
    ContainerCondition,
    PidMode,
    IpcMode,
    CpuArchitecture,
    OsFamily,
    ResourceType,
    FirelensConfigurationType,
    DeviceCgroupPermission,
    ProxyConfigurationType,
    EfsTransitEncryption,
    EfsAuthorizationConfigIam,
    Scope,
    VersionConsistency,
    EnvironmentFileType
);
