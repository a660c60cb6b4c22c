//! ECS task placement, with an explanation for every decision.
//!
//! Pure and deterministic: the cluster view and a seeded generator go in, placements and
//! [`Decision`]s come out; no clock, no I/O, no entropy of its own. Builds for
//! `wasm32-unknown-unknown` so the browser replays a fleet with the same code.
//!
//! # Pipeline
//! ```text
//! instances ─▶ feasibility ─▶ constraints ─▶ strategies (in order) ─▶ seeded tie-break ─▶ apply
//!              status, agent,  distinctInstance  random / spread /        reservoir draw       consume cpu,
//!              attributes, cpu, memberOf (cluster  binpack, each breaking                      memory, ports,
//!              memory, ports,   query language)    the ties of the last                        ENI, group
//!              ENI
//! ```
//! Every instance ends filtered, exhausted or ranked in the decision's [`Decision`].
//!
//! # Layout
//! - [`query`]: the cluster query language (memberOf, ListContainerInstances filters).
//! - [`rules`]: constraints and strategies compiled from their AWS shapes, with ECS's limits.
//! - [`instance`]: the scheduler's view of a container instance.
//! - [`requirements`]: what a task needs, from its task definition.
//! - [`ports`]: reserved, static and dynamic host ports (the agent's next-fit allocator).
//! - [`place`]: the pipeline.
//! - [`explain`]: decisions, reasons, and the sentences ECS writes from them.

#![warn(missing_docs, unreachable_pub)]

pub mod explain;
pub mod instance;
pub mod place;
pub mod ports;
pub mod query;
pub mod requirements;
pub mod rules;

pub use explain::{Decision, Detail, Reason, Verdict};
pub use instance::{ContainerInstance, InstanceStatus, Resources};
pub use place::{
    place, release, Cluster, Failure, HostPortBinding, Placement, PlacementOutcome,
    PlacementRequest,
};
pub use requirements::TaskRequirements;
pub use rules::{compile_constraints, compile_strategies, Constraint, Strategy};

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
