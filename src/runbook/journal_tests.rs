//! Journal tests: torn lines, unfinished runs, outputs stored with their hash.

use super::*;

fn started(run: &str) -> Entry {
    Entry::RunStarted {
        run: run.into(),
        ts: jiff::Timestamp::from_second(1_800_000_000).unwrap(),
        operator: "alice@bastion".into(),
        runbook: "/rb.md".into(),
        runbook_hash: "h".into(),
        title: "T".into(),
        rto_secs: None,
        rpo_secs: None,
        params: BTreeMap::new(),
        secret_params: vec![],
        steps: vec![StepRef {
            title: "one".into(),
            hash: "a".into(),
            manual: false,
        }],
    }
}

#[test]
fn a_torn_last_line_is_skipped_and_a_torn_middle_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::create(dir.path(), "r1", &started("r1")).unwrap();
    j.append(&Entry::StepStarted {
        ts: jiff::Timestamp::now(),
        operator: "a".into(),
        step: 0,
        title: "one".into(),
        hash: "a".into(),
        commands: vec!["echo hi".into()],
    })
    .unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&j.path)
        .unwrap()
        .write_all(b"{\"type\":\"step_fini")
        .unwrap();
    let l = load(&j.path).unwrap();
    assert!(l.torn);
    assert_eq!(l.entries.len(), 2);
    assert_eq!(l.statuses()[&0].0, StepStatus::Running);
    assert!(l.finished().is_none());
    // Reopening cuts the torn tail, so appending keeps the file loadable.
    let j = Journal::reopen(&l).unwrap();
    j.append(&Entry::RunFinished {
        ts: jiff::Timestamp::now(),
        operator: "a".into(),
        status: "aborted".into(),
    })
    .unwrap();
    let l = load(&j.path).unwrap();
    assert!(!l.torn && l.entries.len() == 3);
    assert_eq!(l.finished(), Some("aborted"));
    // Garbage in the middle is not silently dropped.
    let mut text = std::fs::read_to_string(&j.path).unwrap();
    text.insert_str(text.find('\n').unwrap() + 1, "garbage\n");
    std::fs::write(&j.path, text).unwrap();
    let e = load(&j.path).unwrap_err();
    assert!(
        matches!(&e, JournalError::BadEntry { path, line: 2, .. } if *path == j.path),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with(&format!("{}:2: bad journal entry: ", j.path.display())),
        "{e}"
    );
    assert_eq!(
        by_id(dir.path(), "nope").unwrap_err(),
        JournalError::NoSuchRun {
            run: "nope".into(),
            dir: dir.path().to_path_buf()
        }
    );
    // A second process cannot take the run while the first holds it.
    let _held = j.lock().unwrap();
    assert_eq!(
        j.lock().unwrap_err(),
        JournalError::Locked { run: "r1".into() }
    );
}

#[test]
fn only_groups_of_steps_left_running_are_unfinished() {
    let ts = jiff::Timestamp::now;
    let step_started = |step| Entry::StepStarted {
        ts: ts(),
        operator: "a".into(),
        step,
        title: "t".into(),
        hash: "h".into(),
        commands: vec![],
    };
    let process = |step, pgid| Entry::StepProcess {
        ts: ts(),
        step,
        pgid,
    };
    let mut entries = vec![started("r3"), step_started(0), process(0, 10)];
    entries.push(Entry::StepFinished {
        ts: ts(),
        operator: "a".into(),
        step: 0,
        status: StepStatus::Failed,
        exit: None,
        output_file: None,
        output_sha256: None,
        checks: vec![],
        error: None,
    });
    // Retried: a fresh start forgets the groups of the earlier attempt.
    entries.extend([step_started(0), process(0, 20), process(0, 21)]);
    let l = Loaded {
        path: PathBuf::new(),
        entries,
        torn: false,
        good_len: 0,
    };
    let groups: Vec<(usize, i32)> = l
        .unfinished_groups()
        .into_iter()
        .map(|(s, p, _)| (s, p))
        .collect();
    assert_eq!(groups, [(0, 20), (0, 21)]);
}

#[test]
fn outputs_are_stored_beside_the_journal_with_their_hash() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::create(dir.path(), "r2", &started("r2")).unwrap();
    let (name, sha) = j.write_output(0, b"hello\n").unwrap();
    assert_eq!(name, "r2/step-1-1.log");
    assert_eq!(std::fs::read(dir.path().join(&name)).unwrap(), b"hello\n");
    assert_eq!(sha, super::super::parse::sha256_hex(b"hello\n"));
    let (name2, _) = j.write_output(0, b"again").unwrap();
    assert_eq!(name2, "r2/step-1-2.log");
    assert!(new_run_id(jiff::Timestamp::now()).contains('T'));
}
