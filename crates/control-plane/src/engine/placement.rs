//! A task's placement rules, computed in one place: the task definition's constraints with
//! the caller's (a service's, RunTask's, or one instance for StartTask and a DAEMON task), and
//! the caller's strategies or the default (a REPLICA service spreads by zone, then instance;
//! RunTask places at random). [`place`] places under them; [`dry_run`] asks the same question of a copy, so an explanation of where the
//! next task would go is where it goes.

use crate::engine::launch::Launch;
use crate::records::{Awaiting, ClusterRecord, State};
use berth_model::placement::{PlacementConstraint, PlacementStrategy};
use berth_model::resources::Service;
use berth_model::task_definition::TaskDefinition;
use berth_model::ApiError;
use berth_scheduler::{
    compile_constraints, compile_strategies, Constraint, Detail, PlacementOutcome,
    PlacementRequest, Strategy, TaskRequirements,
};

/// What a placement follows, as given and compiled.
#[derive(Clone, Debug)]
pub(crate) struct Rules {
    /// The task definition's constraints, then the caller's; a task that waits for capacity
    /// keeps them to be placed later.
    pub(crate) given_constraints: Vec<PlacementConstraint>,
    /// The caller's strategies, as given.
    pub(crate) given_strategies: Vec<PlacementStrategy>,
    pub(crate) constraints: Vec<Constraint>,
    /// The caller's strategies, or the default when it gave none.
    pub(crate) strategies: Vec<Strategy>,
}

impl Rules {
    /// RunTask's: the definition's constraints and the call's (ten at most together), the
    /// call's strategies; none means random.
    pub(crate) fn run_task(
        td: &TaskDefinition,
        constraints: Vec<PlacementConstraint>,
        strategies: Vec<PlacementStrategy>,
    ) -> Result<Rules, ApiError> {
        let mut given = definition_constraints(td);
        given.extend(constraints);
        Rules::compile(given, strategies, Vec::new())
    }

    /// A service's: the definition's constraints and the service's, the service's strategies
    /// or, without any, spread over zones and then instances.
    pub(crate) fn service(td: &TaskDefinition, service: &Service) -> Result<Rules, ApiError> {
        let mut given = definition_constraints(td);
        given.extend(service.placement_constraints.iter().cloned());
        Rules::compile(
            given,
            service.placement_strategy.clone(),
            berth_scheduler::rules::service_default_strategies(),
        )
    }

    /// The same rules restricted to one instance, with no strategy: StartTask's task, or a
    /// DAEMON service's task for that instance, goes there if it fits.
    pub(crate) fn only_on(&self, ec2_instance_id: &str) -> Result<Rules, ApiError> {
        let mut given = self.given_constraints.clone();
        given.push(PlacementConstraint::member_of(&format!(
            "ec2InstanceId == '{ec2_instance_id}'"
        )));
        Rules::compile(given, Vec::new(), Vec::new())
    }

    /// The same rules and strategies, in one Availability Zone only.
    pub(crate) fn in_zone(&self, zone: &str) -> Result<Rules, ApiError> {
        let mut given = self.given_constraints.clone();
        given.push(PlacementConstraint::member_of(&format!(
            "attribute:ecs.availability-zone == '{zone}'"
        )));
        let mut rules = Rules::compile(given, self.given_strategies.clone(), Vec::new())?;
        rules.strategies = self.strategies.clone();
        Ok(rules)
    }

    /// A task waiting for an Auto Scaling group's capacity: the rules it was given, and the
    /// service default when a service launched it with none.
    pub(crate) fn waiting(awaiting: &Awaiting, from_service: bool) -> Result<Rules, ApiError> {
        let default = if from_service {
            berth_scheduler::rules::service_default_strategies()
        } else {
            Vec::new()
        };
        Rules::compile(
            awaiting.constraints.clone(),
            awaiting.strategies.clone(),
            default,
        )
    }

    /// The scheduler's request for `count` tasks of these needs and this group.
    pub(crate) fn request<'a>(
        &'a self,
        requirements: &'a TaskRequirements,
        group: &'a str,
        provider: Option<&'a str>,
        count: u32,
    ) -> PlacementRequest<'a> {
        PlacementRequest {
            requirements,
            constraints: &self.constraints,
            strategies: &self.strategies,
            group,
            count,
            capacity_provider: provider,
            detail: Detail::Summary,
        }
    }

    fn compile(
        given_constraints: Vec<PlacementConstraint>,
        given_strategies: Vec<PlacementStrategy>,
        default: Vec<Strategy>,
    ) -> Result<Rules, ApiError> {
        let constraints = compile_constraints(&given_constraints, 0)?;
        let mut strategies = compile_strategies(&given_strategies)?;
        if strategies.is_empty() {
            strategies = default;
        }
        Ok(Rules {
            given_constraints,
            given_strategies,
            constraints,
            strategies,
        })
    }
}

/// The task definition's own placement constraints, as memberOf constraints.
pub(crate) fn definition_constraints(td: &TaskDefinition) -> Vec<PlacementConstraint> {
    td.placement_constraints
        .iter()
        .flatten()
        .filter_map(|c| c.expression.as_deref())
        .map(PlacementConstraint::member_of)
        .collect()
}

/// Places `count` of the launch's tasks on `cluster_name`'s instances (only `provider`'s when
/// a capacity provider strategy gave its share to one) under `rules`.
pub(crate) fn place(
    cp: &mut State,
    cluster_name: &str,
    launch: &Launch,
    rules: &Rules,
    provider: Option<&str>,
    count: u32,
) -> PlacementOutcome {
    let request = rules.request(&launch.requirements, &launch.group, provider, count);
    place_request(cp, cluster_name, &request)
}

/// Places on `cluster_name`'s instances with the control plane's generator.
pub(crate) fn place_request(
    cp: &mut State,
    cluster_name: &str,
    request: &PlacementRequest<'_>,
) -> PlacementOutcome {
    let State { clusters, rng, .. } = cp;
    clusters
        .get_mut(cluster_name)
        .expect("the cluster exists")
        .fleet
        .place(request, rng)
}

/// Where [`place`] would put the next task of these needs and group now, explained in full:
/// the same request, on a copy of the cluster's instances and of the control plane's
/// generator as it stands, so asking changes nothing and the answer is what placing would do.
pub(crate) fn dry_run(
    cp: &State,
    cluster: &ClusterRecord,
    requirements: &TaskRequirements,
    group: &str,
    rules: &Rules,
    provider: Option<&str>,
) -> PlacementOutcome {
    let mut instances = cluster.fleet.instances().to_vec();
    let mut rng = cp.rng.clone();
    let request = PlacementRequest {
        detail: Detail::Full,
        ..rules.request(requirements, group, provider, 1)
    };
    berth_scheduler::place::place(&mut instances, &request, &mut rng)
}
