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
    "crates/elb",
    "crates/cloudwatch",
    "crates/autoscaling",
    "crates/logs",
    "crates/fleet-sim",
    "crates/api",
    "crates/world",
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

/// The paths a Rust file names through `crate::` or `super::`, each resolved to a module path
/// from the crate root (`["engine", "launch", "Launch"]`). Comments and the tests at the end of
/// a file (`#[cfg(test)]`) are not read: they are not what the module depends on.
fn crate_paths(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start =
            i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let rest = &code[i..];
        let (base, skip) = if at_word_start && rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if at_word_start && rest.starts_with("super::") {
            // `super` of a file's module is its parent.
            (
                module[..module.len().saturating_sub(1)].to_vec(),
                "super::".len(),
            )
        } else {
            i += 1;
            continue;
        };
        let (paths, used) = parse_tree(&code[i + skip..]);
        for path in paths {
            let mut full = base.clone();
            full.extend(path);
            out.push(full);
        }
        i += skip + used.max(1);
    }
    out
}

/// Reads a use tree (`a::b`, `a::{b, c::d}`, `{a, b}`) and returns its paths and the length read.
fn parse_tree(text: &str) -> (Vec<Vec<String>>, usize) {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut prefix = Vec::new();
    loop {
        if bytes.get(i) == Some(&b'{') {
            let mut paths = Vec::new();
            i += 1;
            loop {
                while bytes
                    .get(i)
                    .is_some_and(|b| b.is_ascii_whitespace() || *b == b',')
                {
                    i += 1;
                }
                if bytes.get(i).is_none_or(|b| *b == b'}') {
                    return (paths, i + 1);
                }
                let (inner, used) = parse_tree(&text[i..]);
                for path in inner {
                    let mut full = prefix.clone();
                    full.extend(path);
                    paths.push(full);
                }
                i += used.max(1);
            }
        }
        let start = i;
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            i += 1;
        }
        if i > start {
            prefix.push(text[start..i].to_owned());
        }
        if text[i..].starts_with("::") && i > start {
            i += 2;
            continue;
        }
        return (vec![prefix], i);
    }
}

/// Inside the control plane, modules form layers: no module reaches back to one that reaches
/// it (no cycle between top-level modules, nor between the files of `actions/` and
/// `schedulers/`), and no action uses another action. A newcomer reads it bottom-up, and a
/// feature added to one layer cannot tangle the ones beneath it.
#[test]
fn control_plane_modules_form_layers() {
    let src = root().join("crates/control-plane/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    // Each file's module path: lib.rs is the root, x/mod.rs is x, x/y.rs is x::y.
    let module_of = |file: &Path| -> Vec<String> {
        let relative = file.strip_prefix(&src).unwrap().with_extension("");
        let mut parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
            parts.pop();
        }
        parts
    };
    let modules: Vec<Vec<String>> = files.iter().map(|f| module_of(f)).collect();
    // The unit a path belongs to: a top-level module, or a file of actions/ or schedulers/.
    let unit_of = |path: &[String]| -> String {
        let is_module = |n: usize| modules.iter().any(|m| m.as_slice() == &path[..n]);
        match path {
            [] => "crate".to_owned(),
            [top, file, ..] if (top == "actions" || top == "schedulers") && is_module(2) => {
                format!("{top}::{file}")
            }
            [top, ..] if is_module(1) => top.clone(),
            _ => "crate".to_owned(),
        }
    };
    let mut edges: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for (file, module) in files.iter().zip(&modules) {
        let from = unit_of(module);
        let text = std::fs::read_to_string(file).unwrap();
        for path in crate_paths(&text, module) {
            let to = unit_of(&path);
            if to != from {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    let action_to_action: Vec<String> = edges
        .iter()
        .filter(|(from, _)| from.starts_with("actions::"))
        .flat_map(|(from, to)| {
            to.iter()
                .filter(|t| t.starts_with("actions"))
                .map(move |t| format!("{from} → {t}"))
        })
        .collect();
    // The crate root is the surface (`ControlPlane`): the top layer, which nothing imports.
    let to_root: Vec<&String> = edges
        .iter()
        .filter(|(_, to)| to.contains("crate"))
        .map(|(from, _)| from)
        .collect();
    assert!(
        to_root.is_empty(),
        "modules that reach up to the crate root: {to_root:?}"
    );
    assert!(
        action_to_action.is_empty(),
        "an action uses another action (or actions/mod.rs): {action_to_action:?}"
    );
    // A cycle is a path back to where it started: a depth-first search with the path kept.
    fn visit(
        unit: &str,
        edges: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|p| p == unit) {
            let mut cycle = path[start..].to_vec();
            cycle.push(unit.to_owned());
            return Some(cycle);
        }
        if done.contains(unit) {
            return None;
        }
        path.push(unit.to_owned());
        for next in edges.get(unit).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(unit.to_owned());
        None
    }
    let mut done = Default::default();
    for unit in edges.keys() {
        if let Some(cycle) = visit(unit, &edges, &mut Vec::new(), &mut done) {
            panic!(
                "control-plane modules import each other: {}",
                cycle.join(" → ")
            );
        }
    }
}

/// The layering test reads use trees the way rustc does.
#[test]
fn use_trees_are_read_whole() {
    let module = vec!["actions".to_owned(), "tasks".to_owned()];
    let paths = crate_paths(
        "use crate::records::{cluster::Task, World};\nuse super::services;\n// crate::nothing\n",
        &module,
    );
    let paths: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        paths,
        [
            "records::cluster::Task",
            "records::World",
            "actions::services"
        ]
    );
}

/// The string literals that follow `call(` in `text`: `call("key"` gives `key`.
fn literal_arguments<'t>(text: &'t str, call: &str) -> Vec<&'t str> {
    text.match_indices(call)
        .filter_map(|(at, _)| {
            let rest = text[at + call.len()..].trim_start();
            let rest = rest.strip_prefix('"')?;
            let end = rest.find('"')?;
            Some(&rest[..end])
        })
        .collect()
}

/// Every message key the code passes to `unconfirmed_error`/`unconfirmed_text` is in
/// `messages::UNCONFIRMED`, every key passed to `operation_error`/`operation_text` in
/// `OPERATIONS_UNCONFIRMED` and every ELB key passed to `guess` in `ELB_UNCONFIRMED`, every CloudWatch key passed to
/// `guessed`/`cloudwatch_text` in `CLOUDWATCH_UNCONFIRMED`, every Application Auto Scaling key
/// passed to `guessed_error`/`autoscaling_text` in `AUTOSCALING_UNCONFIRMED`, every CloudWatch
/// Logs key passed to `logs_error`/`logs_unconfirmed` in `LOGS_UNCONFIRMED` (a
/// missing one would panic at the call, in front of a user), and
/// every text the page passes to `i18n::t` has its Japanese line (a missing one would show
/// English on the Japanese page).
#[test]
fn every_message_key_and_page_text_exists() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    rust_files(&root().join("web/src"), &mut files);
    let known: Vec<&str> = berth_model::messages::UNCONFIRMED
        .iter()
        .map(|(key, _, _)| *key)
        .collect();
    let i18n = std::fs::read_to_string(root().join("web/src/i18n.rs")).unwrap();
    let table = &i18n[i18n.find("pub const JAPANESE").unwrap()..i18n.find("#[cfg(test)]").unwrap()];
    let translated: Vec<&str> = literal_arguments(table, "(");
    let mut missing = Vec::new();
    let elb_known: Vec<&str> = berth_model::messages::ELB_UNCONFIRMED
        .iter()
        .map(|(key, _, _)| *key)
        .collect();
    let operations_known: Vec<&str> = berth_model::messages::OPERATIONS_UNCONFIRMED
        .iter()
        .map(|(key, _, _)| *key)
        .collect();
    let mut keys = 0;
    let mut elb_keys = 0;
    let keys_of = |table: &[(&'static str, &'static str, &'static str)]| -> Vec<&'static str> {
        table.iter().map(|(key, _, _)| *key).collect()
    };
    // (service, its table's keys, the calls that take a key, keys found).
    let mut services: Vec<(&str, Vec<&str>, Vec<&str>, usize)> = vec![
        (
            "CloudWatch",
            keys_of(berth_model::messages::CLOUDWATCH_UNCONFIRMED),
            vec!["guessed(", "cloudwatch_text(", "cloudwatch_unconfirmed("],
            0,
        ),
        (
            "Application Auto Scaling",
            keys_of(berth_model::messages::AUTOSCALING_UNCONFIRMED),
            vec![
                "guessed_error(",
                "autoscaling_text(",
                "autoscaling_unconfirmed(",
            ],
            0,
        ),
        (
            "CloudWatch Logs",
            keys_of(berth_model::messages::LOGS_UNCONFIRMED),
            vec!["logs_error(", "logs_unconfirmed("],
            0,
        ),
    ];
    let mut texts = 0;
    for file in files.iter().filter(|f| !f.ends_with("cli/tests/tidy.rs")) {
        let text = std::fs::read_to_string(file).unwrap();
        for call in ["unconfirmed_error(", "unconfirmed_text("] {
            for key in literal_arguments(&text, call) {
                keys += 1;
                if !known.contains(&key) {
                    missing.push(format!("{}: message key {key:?}", file.display()));
                }
            }
        }
        for call in ["operation_error(", "operation_text("] {
            for key in literal_arguments(&text, call) {
                keys += 1;
                if !operations_known.contains(&key) {
                    missing.push(format!("{}: operation message key {key:?}", file.display()));
                }
            }
        }
        for key in literal_arguments(&text, "guess(") {
            elb_keys += 1;
            if !elb_known.contains(&key) {
                missing.push(format!("{}: ELB message key {key:?}", file.display()));
            }
        }
        for (service, known, calls, count) in &mut services {
            for call in calls.iter() {
                for key in literal_arguments(&text, call) {
                    *count += 1;
                    if !known.contains(&key) {
                        missing.push(format!("{}: {service} message key {key:?}", file.display()));
                    }
                }
            }
        }
        if file.starts_with(root().join("web/src")) && !file.ends_with("i18n.rs") {
            for en in literal_arguments(&text, "i18n::t(")
                .into_iter()
                .chain(literal_arguments(&text, " t("))
            {
                texts += 1;
                if !translated.contains(&en) {
                    missing.push(format!("{}: no Japanese for {en:?}", file.display()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    // The scan found the calls (it would pass vacuously if the names changed).
    assert!(
        keys > 100 && elb_keys > 50 && texts > 50,
        "{keys} keys, {elb_keys} ELB keys, {texts} texts"
    );
    for (service, _, _, count) in &services {
        assert!(*count > 20, "only {count} {service} keys");
    }
}

/// Every source path README.md and ARCHITECTURE.md name exists: a file moved without its
/// documentation fails here, not in front of a reader.
#[test]
fn documented_paths_exist() {
    let mut missing = Vec::new();
    let mut named = 0;
    for doc in ["README.md", "ARCHITECTURE.md"] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        for word in text.split(|c: char| c.is_whitespace() || "`|(),;".contains(c)) {
            let path = word.trim_end_matches(['.', ':']);
            let source = (path.starts_with("crates/") || path.starts_with("web/src/"))
                && path.ends_with(".rs");
            if source {
                named += 1;
                if !root().join(path).exists() {
                    missing.push(format!("{doc}: {path}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(named > 50, "only {named} paths found: the scan is broken");
}
