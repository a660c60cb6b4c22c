//! The lessons: the scenarios under tests/scenarios/, included at build time, so the page
//! replays exactly the stories the test command checks against their golden logs. Each
//! scenario's opening comment is its story.

/// A lesson: a scenario and its title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// The scenario's file name without `.scenario` (also the page's `data-lesson`).
    pub id: &'static str,
    /// The button's label.
    pub title: &'static str,
    /// The scenario text.
    pub scenario: &'static str,
}

impl Lesson {
    /// The story: the scenario's opening `#` lines, joined.
    pub fn story(&self) -> String {
        self.scenario
            .lines()
            .map_while(|line| line.strip_prefix('#'))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every lesson, the seeds first.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        id: "seed-000-first-cluster",
        title: "Your first cluster (seed 000)",
        scenario: include_str!("../../tests/scenarios/seed-000-first-cluster.scenario"),
    },
    Lesson {
        id: "seed-001-fargate",
        title: "A service on Fargate (seed 001)",
        scenario: include_str!("../../tests/scenarios/seed-001-fargate.scenario"),
    },
    Lesson {
        id: "seed-002-port-80-stall",
        title: "Ports are resources: the stuck deployment (seed 002)",
        scenario: include_str!("../../tests/scenarios/seed-002-port-80-stall.scenario"),
    },
    Lesson {
        id: "seed-002-desired-count-zero",
        title: "The stuck deployment's workaround (seed 002)",
        scenario: include_str!("../../tests/scenarios/seed-002-desired-count-zero.scenario"),
    },
    Lesson {
        id: "seed-003-dynamic-ports",
        title: "Dynamic host ports (seed 003)",
        scenario: include_str!("../../tests/scenarios/seed-003-dynamic-ports.scenario"),
    },
    Lesson {
        id: "seed-004-wordpress-mysql",
        title: "WordPress and MySQL with links (seed 004)",
        scenario: include_str!("../../tests/scenarios/seed-004-wordpress-mysql.scenario"),
    },
    Lesson {
        id: "memory-shortage",
        title: "Not enough memory",
        scenario: include_str!("../../tests/scenarios/memory-shortage.scenario"),
    },
    Lesson {
        id: "draining-50-200",
        title: "Draining an instance (50/200)",
        scenario: include_str!("../../tests/scenarios/draining-50-200.scenario"),
    },
    Lesson {
        id: "draining-100-100",
        title: "Draining that cannot progress (100/100)",
        scenario: include_str!("../../tests/scenarios/draining-100-100.scenario"),
    },
    Lesson {
        id: "circuit-breaker-rollback",
        title: "The circuit breaker rolls back",
        scenario: include_str!("../../tests/scenarios/circuit-breaker-rollback.scenario"),
    },
    Lesson {
        id: "health-check-failure",
        title: "Failing health checks",
        scenario: include_str!("../../tests/scenarios/health-check-failure.scenario"),
    },
    Lesson {
        id: "daemon-service",
        title: "A DAEMON service",
        scenario: include_str!("../../tests/scenarios/daemon-service.scenario"),
    },
    Lesson {
        id: "instance-loss",
        title: "Losing an instance",
        scenario: include_str!("../../tests/scenarios/instance-loss.scenario"),
    },
    Lesson {
        id: "oom-kill",
        title: "Out of memory",
        scenario: include_str!("../../tests/scenarios/oom-kill.scenario"),
    },
];
