//! ECS documents in AWS's JSON shape, and ECS's rules for them.
//!
//! This crate is pure: no I/O, no clock, no entropy. Time arrives as a [`SimTime`], ids are
//! built from bits the caller's seeded generator supplies. It builds for
//! `wasm32-unknown-unknown`, so the browser playground judges a task definition with exactly
//! the code the CLI and the server use.
//!
//! # Layout
//! - [`task_definition`]: the serde types, with AWS's member names; unknown members refused.
//! - [`parse`]: reading pasted text (three forms), collecting every shape problem with its path.
//! - [`validate`]: RegisterTaskDefinition's rules, every problem with ECS's exception and text.
//! - [`messages`]: every message text, confirmed ones with their source, guesses in one table.
//! - [`register`]: normalisation and the read-only members of the registered document.
//! - [`inputs`]: registered documents as the requests that make them again (read-only
//!   members left out), for the page's export.
//! - [`instance_types`]: EC2 instance types as ECS sees them (CPU units, registered memory, ENIs).
//! - [`locate`]: the line and column of a JSON path in the typed text (for the editor).
//! - `service_operations!`: an AWS service's operations from one list (ELB, CloudWatch).
//! - [`pairs`]: maps with struct keys as lists of pairs in JSON.
//! - [`overrides`]: RunTask/StartTask overrides, and the sizes they change.
//! - [`placement`]: placement constraints and strategies in AWS's shape.
//! - [`resources`]: clusters, container instances, tasks and containers in AWS's shape.
//! - [`states`]: ECS's state and kind enums (`lastStatus`, `rolloutState`, `launchType`, ...).
//! - [`units`]: `"1 vCPU"` → `"1024"`, `"2 GB"` → `"2048"`, and Fargate's size table.
//! - [`views`]: Berth's own views (the placement explanation), written by the control plane
//!   and read by the page.
//! - [`awslogs`]: the awslogs driver's log group and stream for a container.
//! - [`arn`], [`time`], [`problem`]: ARNs and ids, `SimTime`, problems and API errors.

#![warn(missing_docs, unreachable_pub)]

pub mod arn;
pub mod awslogs;
mod ecs_enum;
pub mod inputs;
pub mod instance_types;
pub mod load_balancing;
pub mod locate;
pub mod messages;
pub mod monitoring;
pub mod network;
mod operations;
pub mod overrides;
pub mod pairs;
pub mod parse;
pub mod placement;
pub mod problem;
pub mod register;
pub mod resources;
pub mod states;
pub mod task_definition;
pub mod time;
pub mod units;
pub mod validate;
pub mod views;

pub use arn::{ArnScope, EcsId};
pub use parse::{parse_task_definition, InputForm, ParsedTaskDefinition, SyntaxError};
pub use problem::{ApiError, ExceptionType, JsonPath, Problem};
pub use register::{check_text, register, Outcome, RegistrationContext};
pub use task_definition::TaskDefinition;
pub use time::SimTime;
pub use validate::validate;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
