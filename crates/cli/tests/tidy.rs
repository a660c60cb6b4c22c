//! Keeps the prose and the invariants true (after rust-analyzer's tidy test):
//! every Rust file opens with a `//!` doc saying what it is for; the pure crates depend on
//! nothing that does I/O; ARCHITECTURE.md names every crate.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Crates that must build for wasm32 and never do I/O, read a clock or ask for entropy.
const PURE_CRATES: &[&str] = &[
    "crates/model",
    "crates/scheduler",
    "crates/agent-protocol",
    "crates/control-plane",
    "crates/fleet-sim",
    "crates/api",
];
/// Dependencies that would break that promise.
const IMPURE: &[&str] = &[
    "tokio",
    "bollard",
    "axum",
    "web-sys",
    "js-sys",
    "getrandom",
    "rusqlite",
    "reqwest",
    "hyper",
];

/// Every .rs file in crates/ and web/ starts with a `//!` module doc.
#[test]
fn every_file_has_a_module_doc() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    rust_files(&root().join("web/src"), &mut files);
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! doc:\n{}",
        missing.join("\n")
    );
}

/// The pure crates depend on nothing that does I/O (their tests and benchmarks may: the
/// benchmark in the browser reads the browser's clock).
#[test]
fn pure_crates_stay_pure() {
    for krate in PURE_CRATES {
        let manifest = std::fs::read_to_string(root().join(krate).join("Cargo.toml")).unwrap();
        let mut in_dependencies = false;
        for line in manifest.lines() {
            if line.starts_with('[') {
                in_dependencies =
                    line.ends_with("dependencies]") && !line.contains("dev-dependencies");
                continue;
            }
            let name = line.split(['=', '.', ' ']).next().unwrap_or("");
            assert!(
                !(in_dependencies && IMPURE.contains(&name)),
                "{krate} depends on {name}, which does I/O"
            );
        }
    }
}

/// ARCHITECTURE.md has a section for every crate and for web/.
#[test]
fn architecture_names_every_crate() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let dir = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            architecture.contains(&format!("### `crates/{dir}`")),
            "ARCHITECTURE.md lacks crates/{dir}"
        );
    }
    assert!(architecture.contains("### `web`"));
}
