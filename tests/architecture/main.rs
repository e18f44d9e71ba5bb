//! The dependency rule, held by reading the sources.
//!
//! warroom is layered (docs/architecture.md draws it):
//!
//! ```text
//!   bin        main, startup
//!   console    app, tui            headless, cli
//!   runtime    runtime, event
//!   domains    workloads, containers, alerts, logs, backups, runbook, metrics
//!   contracts  action, source, pane, keymap, report, target, ui, demo, httpapi, timerange, observed
//!   leaves     text, theme, config, audit, paths, identity, clock, memory, http, logging, out, detach
//! ```
//!
//! A module may use its own layer or any layer below it, never one above; a
//! domain never uses another domain (it reaches one only through `Jump`,
//! `Outcome` and the `target` contracts, routed by the runtime); and the
//! modules of one layer form no cycle. A violation names the file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LAYERS: &[(&str, &[&str])] = &[
    ("bin", &["main", "startup"]),
    ("console", &["app", "tui", "headless", "cli"]),
    ("runtime", &["runtime", "event"]),
    (
        "domains",
        &[
            "workloads",
            "containers",
            "alerts",
            "logs",
            "backups",
            "runbook",
            "metrics",
        ],
    ),
    (
        "contracts",
        &[
            "action",
            "source",
            "pane",
            "keymap",
            "report",
            "target",
            "ui",
            "demo",
            "httpapi",
            "timerange",
            "observed",
        ],
    ),
    (
        "leaves",
        &[
            "text", "theme", "config", "audit", "paths", "identity", "clock", "memory", "http",
            "logging", "out", "detach",
        ],
    ),
];

/// Layer index of a top-level module (0 = top).
fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, ms)| ms.contains(&module))
}

fn is_domain(module: &str) -> bool {
    layer_of(module) == Some(3)
}

/// `crate::NAME` references in one file, with their line numbers; comments
/// are skipped (docs may name any module), and so is `crate::actions!`, the
/// macro that declares a pane's actions.
fn references(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let is_macro = after[name.len()..].starts_with('!');
            // `warroom::`-style paths in src do not exist; `$crate::` is a macro's own path.
            let prefixed = rest[..at].ends_with('$');
            rest = &after[name.len()..];
            if !name.is_empty() && !is_macro && !prefixed {
                out.push((i + 1, name));
            }
        }
    }
    out
}

/// The top-level module a source file belongs to (`src/logs/pane.rs` → `logs`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
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

/// Every broken rule, as `file:line: message`.
fn violations(files: &[(String, String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (path, module, text) in files {
        if module == "lib" {
            continue;
        }
        let Some(mine) = layer_of(module) else {
            found.push(format!(
                "{path}: module `{module}` has no layer: add it to LAYERS here and to docs/architecture.md"
            ));
            continue;
        };
        for (line, target) in references(text) {
            if target == *module {
                continue;
            }
            let Some(theirs) = layer_of(&target) else {
                continue; // `crate::` of something not a module (none today)
            };
            let place = format!("{path}:{line}");
            if theirs < mine {
                found.push(format!(
                    "{place}: `{module}` ({}) uses `{target}` ({}), a layer above it",
                    LAYERS[mine].0, LAYERS[theirs].0
                ));
            } else if is_domain(module) && is_domain(&target) {
                found.push(format!(
                    "{place}: domain `{module}` uses domain `{target}`: go through Jump/Outcome or a contract in `target`"
                ));
            } else if theirs == mine {
                edges
                    .entry(module.clone())
                    .or_default()
                    .entry(target)
                    .or_insert(place);
            }
        }
    }
    // No cycles inside a layer: report each pair that uses each other.
    for (a, targets) in &edges {
        for (b, place) in targets {
            if a < b
                && let Some(back) = edges.get(b).and_then(|t| t.get(a))
            {
                found.push(format!(
                    "{place}: `{a}` and `{b}` use each other (also {back}): one of them must not"
                ));
            }
        }
    }
    found
}

fn sources() -> Vec<(String, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            let shown = f
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap()
                .display()
                .to_string();
            (shown, module_of(&src, &f), text)
        })
        .collect()
}

#[test]
fn every_use_goes_down_the_layers_and_no_domain_uses_another() {
    let found = violations(&sources());
    assert!(
        found.is_empty(),
        "{} dependency rule violation(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_checker_names_the_file_and_line_of_a_forbidden_use() {
    // Files that break each rule: the checker must catch all three, naming where.
    let files: Vec<(String, String, String)> = vec![
        (
            "src/workloads/oops.rs".into(),
            "workloads".into(),
            "use crate::pane::Pane;\n// crate::app is fine in a comment\nuse crate::app::App;\nfn f() { crate::logs::now_ns(); }\n".into(),
        ),
        (
            "src/text/oops.rs".into(),
            "text".into(),
            "use crate::theme::Theme;\n".into(),
        ),
        (
            "src/theme_oops.rs".into(),
            "theme".into(),
            "use crate::text::sanitize;\n".into(),
        ),
    ];
    let found = violations(&files);
    let has = |needle: &str| found.iter().any(|v| v.contains(needle));
    assert!(
        has("src/workloads/oops.rs:3: `workloads` (domains) uses `app` (console)"),
        "{found:#?}"
    );
    assert!(
        has("src/workloads/oops.rs:4: domain `workloads` uses domain `logs`"),
        "{found:#?}"
    );
    assert!(has("`text` and `theme` use each other"), "{found:#?}");
    assert!(
        !has("workloads/oops.rs:2"),
        "comments are not uses: {found:#?}"
    );
    assert!(
        !has("workloads/oops.rs:1"),
        "a contract is below a domain: {found:#?}"
    );
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn every_module_has_a_layer() {
    let names: BTreeSet<String> = sources().into_iter().map(|(_, m, _)| m).collect();
    for m in names {
        assert!(
            m == "lib" || layer_of(&m).is_some(),
            "module `{m}` has no layer in tests/architecture"
        );
    }
}
