//! Damaged journals through the CLI: a bad line in the middle refuses a
//! fresh run and a plain resume; `--resume --skip-bad-lines` continues from
//! the entries that parse (done steps are not run again) after keeping the
//! original beside the journal; `--force` starts afresh. And a property test:
//! random corruptions of a real journal never make a resume run a step that
//! was done before the damage, never lose a byte, never panic.

use crate::common::Env;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use warroom::runbook::journal::{self, Entry};
use warroom::runbook::walker::StepStatus;

const RB: &str = "## One\n\n```sh\necho 1 >> ran\n```\n\n## Two\n\n```sh\necho 2 >> ran\n```\n\n\
## Three\n\n```sh\ntest -e allow && echo 3 >> ran\n```\n\n## Four\n\n```sh\necho 4 >> ran\n```\n";

fn ran(env: &Env) -> Vec<String> {
    std::fs::read_to_string(env.path().join("ran"))
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

fn only_journal(env: &Env) -> PathBuf {
    let v: Vec<PathBuf> = std::fs::read_dir(env.journals())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    assert_eq!(v.len(), 1, "{v:?}");
    v[0].clone()
}

/// `RUN.jsonl.orig-*` copies beside `journal`.
fn copies(journal: &Path) -> Vec<PathBuf> {
    let prefix = format!("{}.orig-", journal.file_name().unwrap().to_string_lossy());
    let mut v: Vec<PathBuf> = std::fs::read_dir(journal.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .collect();
    v.sort();
    v
}

/// Steps 1 and 2 pass, step 3 fails (no `allow` file): an unfinished run.
fn failed_run(env: &Env) -> (PathBuf, PathBuf) {
    let rb = env.write("rb.md", RB);
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--yes"]);
    assert_eq!(out.code(), 1, "{}", out.all());
    assert_eq!(ran(env), ["1", "2"]);
    (rb, only_journal(env))
}

/// Replace line `n` (1-based) of `path` with bytes that are not UTF-8.
fn damage_line(path: &Path, n: usize) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let bad = [&lines[n - 1][..10], b"\xff\xfe\0\0", &lines[n - 1][14..]].concat();
    lines[n - 1] = &bad;
    let out = lines.join(&b'\n');
    std::fs::write(path, &out).unwrap();
    out
}

#[test]
fn a_bad_middle_line_refuses_a_fresh_run_until_the_operator_skips_it_or_forces() {
    let env = Env::new();
    let (rb, path) = failed_run(&env);
    let rbs = rb.to_str().unwrap();
    // Line 3 is step 1's process group entry, line 2 its start.
    let damaged = damage_line(&path, 2);

    let out = env.run(&["runbook", "run", rbs, "--yes"]);
    assert_eq!(out.code(), 2, "{}", out.all());
    let err = out.stderr();
    let where_ = format!("{}:2: bad journal entry: not UTF-8", path.display());
    assert!(err.contains(&where_), "{err}");
    assert!(err.contains("refusing to start a fresh run"), "{err}");
    assert!(
        err.contains("--resume --skip-bad-lines") && err.contains("--force"),
        "{err}"
    );

    let out = env.run(&["runbook", "run", rbs, "--resume", "--yes"]);
    assert_eq!(out.code(), 2, "{}", out.all());
    let err = out.stderr();
    assert!(
        err.contains(&where_) && err.contains("--skip-bad-lines"),
        "{err}"
    );
    assert_eq!(ran(&env), ["1", "2"], "nothing ran");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        damaged,
        "nothing was touched"
    );
    assert!(copies(&path).is_empty());

    std::fs::write(env.path().join("allow"), "").unwrap();
    let out = env.run(&[
        "runbook",
        "run",
        rbs,
        "--resume",
        "--skip-bad-lines",
        "--yes",
    ]);
    assert_eq!(out.code(), 0, "{}", out.all());
    assert_eq!(
        ran(&env),
        ["1", "2", "3", "4"],
        "steps done before are not run again"
    );
    let copy = copies(&path);
    assert_eq!(copy.len(), 1);
    assert_eq!(
        std::fs::read(&copy[0]).unwrap(),
        damaged,
        "the original, byte for byte"
    );
    let now = std::fs::read(&path).unwrap();
    assert!(
        now.starts_with(&damaged),
        "append-only: the damaged line is still there"
    );
    let l = journal::load(&path).expect("loads: the bad line was skipped by choice");
    assert_eq!(l.finished(), Some("completed"));
    assert!(l.entries.iter().any(|e| matches!(
        e,
        Entry::Repaired { skipped_lines, original, .. }
            if *skipped_lines == [2] && copy[0].ends_with(original)
    )));

    // The export says what happened to the journal.
    let out = env.run(&["runbook", "export", rbs, "--format", "md"]);
    assert_eq!(out.code(), 0, "{}", out.all());
    let md = out.stdout();
    assert!(md.contains(&format!("- Damaged: {where_}")), "{md}");
    assert!(
        md.contains("journal repaired by tester@") && md.contains("bad lines skipped: 2"),
        "{md}"
    );
}

#[test]
fn force_starts_a_fresh_run_over_a_damaged_one_and_the_damaged_journal_stays() {
    let env = Env::new();
    let (rb, path) = failed_run(&env);
    let damaged = damage_line(&path, 4);
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--yes", "--force"]);
    assert_eq!(out.code(), 1, "step 3 fails again: {}", out.all());
    assert_eq!(
        ran(&env),
        ["1", "2", "1", "2"],
        "a fresh run runs from the top"
    );
    assert_eq!(std::fs::read(&path).unwrap(), damaged);
    let latest = journal::latest(&env.journals(), &rb, true).unwrap();
    assert_ne!(latest.path, path);
    assert!(!latest.is_damaged());
    // --skip-bad-lines only makes sense with --resume.
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--skip-bad-lines"]);
    assert_eq!(out.code(), 2, "{}", out.all());
}

/// One run of [`RB`] that stopped at step 3, kept for every case.
struct Base {
    _env: Env,
    rb: PathBuf,
    bytes: Vec<u8>,
    journal_name: String,
    /// Per step that passed: the byte offset just past its `step_finished` line.
    done_at: Vec<(usize, usize)>,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let env = Env::new();
        let (rb, path) = failed_run(&env);
        let bytes = std::fs::read(&path).unwrap();
        let mut done_at = Vec::new();
        let mut end = 0;
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            end += line.len();
            if let Ok(Entry::StepFinished {
                step,
                status: StepStatus::Passed,
                ..
            }) = serde_json::from_slice(line)
            {
                done_at.push((step, end));
            }
        }
        assert_eq!(done_at.len(), 2, "steps 1 and 2 passed");
        Base {
            journal_name: path.file_name().unwrap().to_string_lossy().into_owned(),
            _env: env,
            rb,
            bytes,
            done_at,
        }
    })
}

#[derive(Debug, Clone)]
enum Corruption {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    /// Copy line `.0` to before line `.1`.
    Duplicate(usize, usize),
    InvalidUtf8(usize, Vec<u8>),
    /// Overwrite with NULs from `.0`, `.1` bytes (a crash on a filesystem
    /// that grew the file before writing it).
    Nuls(usize, usize),
}

fn corruption() -> impl Strategy<Value = Corruption> {
    let at = 0usize..100_000;
    prop_oneof![
        at.clone().prop_map(Corruption::Truncate),
        (at.clone(), 0u8..8).prop_map(|(a, b)| Corruption::Flip(a, b)),
        (at.clone(), proptest::collection::vec(any::<u8>(), 1..40))
            .prop_map(|(a, v)| Corruption::Insert(a, v)),
        (0usize..100, 0usize..100).prop_map(|(a, b)| Corruption::Duplicate(a, b)),
        (at.clone(), proptest::collection::vec(0x80u8..=0xff, 1..8))
            .prop_map(|(a, v)| Corruption::InvalidUtf8(a, v)),
        (at, 1usize..200).prop_map(|(a, n)| Corruption::Nuls(a, n)),
    ]
}

fn apply(bytes: &[u8], c: &Corruption) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let len = b.len();
    match c {
        Corruption::Truncate(at) => b.truncate(at % len),
        Corruption::Flip(at, bit) => b[at % len] ^= 1 << bit,
        Corruption::Insert(at, v) | Corruption::InvalidUtf8(at, v) => {
            let at = at % (len + 1);
            b.splice(at..at, v.iter().copied());
        }
        Corruption::Duplicate(from, to) => {
            let lines: Vec<&[u8]> = bytes.split_inclusive(|c| *c == b'\n').collect();
            let line = lines[from % lines.len()].to_vec();
            let mut out: Vec<u8> = Vec::new();
            let to = to % (lines.len() + 1);
            for (i, l) in lines.iter().enumerate() {
                if i == to {
                    out.extend_from_slice(&line);
                }
                out.extend_from_slice(l);
            }
            if to == lines.len() {
                out.extend_from_slice(&line);
            }
            b = out;
        }
        Corruption::Nuls(at, n) => {
            let at = at % len;
            let end = (at + n).min(len);
            b[at..end].fill(0);
        }
    }
    b
}

fn check(c: &Corruption) -> Result<(), TestCaseError> {
    let base = base();
    let damaged = apply(&base.bytes, c);
    let first_diff = base
        .bytes
        .iter()
        .zip(&damaged)
        .position(|(a, b)| a != b)
        .unwrap_or(base.bytes.len().min(damaged.len()));
    let done_before: Vec<String> = base
        .done_at
        .iter()
        .filter(|(_, end)| *end <= first_diff)
        .map(|(step, _)| (step + 1).to_string())
        .collect();

    let env = Env::new();
    std::fs::create_dir_all(env.journals()).unwrap();
    let path = env.journals().join(&base.journal_name);
    std::fs::write(&path, &damaged).unwrap();
    // (c) Reading never panics, whatever the bytes.
    let _ = journal::parse_bytes(&path, &damaged);
    let _ = journal::load(&path);
    std::fs::write(env.path().join("allow"), "").unwrap();
    let out = env.run(&[
        "runbook",
        "run",
        base.rb.to_str().unwrap(),
        "--resume",
        "--skip-bad-lines",
        "--yes",
    ]);
    prop_assert!(
        [0, 1, 2].contains(&out.code()) && !out.stderr().contains("panicked"),
        "{c:?}: {}",
        out.all()
    );
    // (a) No step done before the damage runs again.
    let again: Vec<String> = ran(&env)
        .into_iter()
        .filter(|s| done_before.contains(s))
        .collect();
    prop_assert!(again.is_empty(), "{c:?} ran {again:?} again: {}", out.all());
    // (b) No byte lost: the journal grew by appending, or the original is
    // kept byte for byte beside it and only a torn tail was cut.
    let now = std::fs::read(&path).unwrap();
    let copy = copies(&path);
    if copy.is_empty() {
        prop_assert!(now.starts_with(&damaged), "{c:?}: rewritten without a copy");
    } else {
        prop_assert_eq!(copy.len(), 1);
        prop_assert_eq!(std::fs::read(&copy[0]).unwrap(), damaged.clone(), "{:?}", c);
        let cut_at = journal::read(&path)
            .ok()
            .and_then(|l| {
                l.entries.iter().find_map(|e| match e {
                    Entry::Repaired {
                        cut_at, cut_bytes, ..
                    } if *cut_bytes > 0 => Some(*cut_at as usize),
                    _ => None,
                })
            })
            .unwrap_or(damaged.len());
        prop_assert!(
            now.starts_with(&damaged[..cut_at]),
            "{c:?}: more than the torn tail cut"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn corrupted_journals_never_rerun_done_steps_nor_lose_a_byte(c in corruption()) {
        check(&c)?;
    }
}
