//! The engine: what ECS does to tasks and services whichever operation or scheduler asks,
//! launching and stopping tasks, applying agents' reports, capacity providers and managed
//! scaling, and a service's deployments. It knows no operation's request: the actions above
//! validate and call it, the schedulers above decide and call it.

pub(crate) mod agent_updates;
pub(crate) mod alarms;
pub(crate) mod capacity;
pub(crate) mod configuration;
pub(crate) mod deployments;
pub(crate) mod hooks;
pub(crate) mod launch;
pub(crate) mod lifecycle;
pub(crate) mod load_balancing;
pub(crate) mod placement;
