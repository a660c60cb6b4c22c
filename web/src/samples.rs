//! The seeds' task definitions, one click away in the editor.
//!
//! The texts are the fixtures under tests/fixtures/valid/seeds/, included at build time, so
//! the samples the page offers are exactly the ones the model's tests register.

/// A sample task definition the editor can load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// A stable id (used in the page's `data-sample` attributes and in tests).
    pub id: &'static str,
    /// The button's label.
    pub label: &'static str,
    /// The family to use when the text is a bare containerDefinitions array.
    pub family: Option<&'static str>,
    /// The JSON text.
    pub text: &'static str,
}

/// Seed 001's Fargate httpd sample, seed 004's WordPress + MySQL, seed 000's sleep360.
pub const SAMPLES: &[Sample] = &[
    Sample {
        id: "fargate-httpd",
        label: "Fargate httpd (seed 001)",
        family: None,
        text: include_str!("../../tests/fixtures/valid/seeds/001-fargate-task-definition.json"),
    },
    Sample {
        id: "wordpress-mysql",
        label: "WordPress + MySQL with links (seed 004)",
        family: None,
        text: include_str!("../../tests/fixtures/valid/seeds/004-hello-world-wordpress-mysql.json"),
    },
    Sample {
        id: "sleep360",
        label: "sleep360 container definitions (seed 000)",
        family: Some("sleep360"),
        text: include_str!("../../tests/fixtures/valid/seeds/sleep360.json"),
    },
];
