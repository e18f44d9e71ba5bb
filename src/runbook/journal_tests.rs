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
        alert: None,
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
    // started, step started, repaired (the cut), finished.
    assert!(!l.torn && l.entries.len() == 4);
    assert!(
        matches!(l.entries[2], Entry::Repaired { cut_bytes: 18, .. }),
        "{:?}",
        l.entries[2]
    );
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
        bad: vec![],
        len: 0,
        good_len: 0,
        unterminated: false,
        runbook_key: String::new(),
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

fn step_started(step: usize) -> Entry {
    Entry::StepStarted {
        ts: jiff::Timestamp::now(),
        operator: "a".into(),
        step,
        title: "one".into(),
        hash: "a".into(),
        commands: vec![],
    }
}

fn step_passed(step: usize) -> Entry {
    Entry::StepFinished {
        ts: jiff::Timestamp::now(),
        operator: "a".into(),
        step,
        status: StepStatus::Passed,
        exit: Some(0),
        output_file: None,
        output_sha256: None,
        checks: vec![],
        error: None,
    }
}

/// `RUN.jsonl.orig-*` copies beside the journal.
fn copies(j: &Journal) -> Vec<PathBuf> {
    let name = j.path.file_name().unwrap().to_string_lossy().into_owned();
    let mut v: Vec<PathBuf> = std::fs::read_dir(j.path.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{name}.orig-"))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn invalid_utf8_is_a_bad_line_and_a_torn_tail_is_cut_at_its_byte_offset_after_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::create(dir.path(), "r4", &started("r4")).unwrap();
    j.append(&step_started(0)).unwrap();
    j.append(&step_passed(0)).unwrap();
    // A line of Latin-1 text (not UTF-8) in the middle, then a torn tail of NULs.
    let mut bytes = std::fs::read(&j.path).unwrap();
    let first_end = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    let bad = b"{\"type\":\"note\",\"text\":\"caf\xe9 \xff\xfe\"}\n";
    bytes.splice(first_end..first_end, bad.iter().copied());
    let cut_at = bytes.len();
    bytes.extend_from_slice(b"{\"type\":\"step_fin\0\0\0\0\0\0\0\0");
    std::fs::write(&j.path, &bytes).unwrap();

    let e = load(&j.path).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "{}:2: bad journal entry: not UTF-8",
            j.path.display()
        )),
        "{e}"
    );
    let l = read(&j.path).unwrap();
    assert!(l.torn && l.is_damaged() && l.has_start());
    assert_eq!(l.entries.len(), 3, "every entry that parses is kept");
    assert_eq!(l.bad.len(), 1);
    assert_eq!((l.bad[0].line, l.bad[0].offset), (2, first_end as u64));
    assert_eq!(l.bad[0].len as usize, bad.len() - 1);
    assert_eq!(l.statuses()[&0].0, StepStatus::Passed);

    let j = Journal::reopen(&l).unwrap();
    let copy = copies(&j);
    assert_eq!(copy.len(), 1, "{copy:?}");
    assert_eq!(
        std::fs::read(&copy[0]).unwrap(),
        bytes,
        "byte-for-byte copy"
    );
    let after = std::fs::read(&j.path).unwrap();
    assert_eq!(
        &after[..cut_at],
        &bytes[..cut_at],
        "nothing before the tear changed"
    );
    let l = load(&j.path).expect("the skipped line no longer refuses");
    assert!(!l.torn);
    assert_eq!(l.acknowledged().into_iter().collect::<Vec<_>>(), [2]);
    assert_eq!(
        l.bad.len(),
        1,
        "the bad line is still there and still reported"
    );
    match l.entries.last().unwrap() {
        Entry::Repaired {
            original,
            cut_at: at,
            cut_bytes,
            skipped_lines,
            ..
        } => {
            assert_eq!(*original, copy[0].file_name().unwrap().to_string_lossy());
            assert_eq!(*at as usize, cut_at);
            assert_eq!(*cut_bytes as usize, bytes.len() - cut_at);
            assert_eq!(*skipped_lines, [2]);
        }
        e => panic!("{e:?}"),
    }
    // Appending goes on cleanly; a second reopen repairs nothing.
    let j = Journal::reopen(&l).unwrap();
    j.append(&step_started(1)).unwrap();
    let l = load(&j.path).unwrap();
    assert_eq!(l.statuses()[&1].0, StepStatus::Running);
    assert_eq!(copies(&j).len(), 1);
}

#[test]
fn a_copied_line_is_bad_and_a_done_step_is_never_undone_by_a_later_entry() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::create(dir.path(), "r5", &started("r5")).unwrap();
    j.append(&step_started(0)).unwrap();
    j.append(&step_passed(0)).unwrap();
    let text = std::fs::read_to_string(&j.path).unwrap();
    let second = text.lines().nth(1).unwrap().to_string();
    std::fs::write(&j.path, format!("{text}{second}\n")).unwrap();
    let l = read(&j.path).unwrap();
    assert_eq!(l.bad.len(), 1);
    assert_eq!(l.bad[0].line, 4);
    assert_eq!(l.bad[0].reason, "a byte-for-byte copy of line 2");
    // Even if it parsed as new (a flipped digit): step 0 passed, stays passed.
    let mut entries = l.entries.clone();
    entries.push(step_started(0));
    let l2 = Loaded { entries, ..l };
    assert_eq!(l2.statuses()[&0].0, StepStatus::Passed);
}

#[test]
fn a_damaged_first_line_still_names_its_runbook_and_an_unended_entry_gets_its_newline() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::create(dir.path(), "r6", &started("r6")).unwrap();
    j.append(&step_started(0)).unwrap();
    let mut bytes = std::fs::read(&j.path).unwrap();
    bytes[1] = b'X';
    std::fs::write(&j.path, &bytes).unwrap();
    let l = read(&j.path).unwrap();
    assert!(!l.has_start() && l.is_damaged());
    assert_eq!((l.runbook(), l.run_id()), ("/rb.md", "r6"));
    assert!(matches!(
        load(&j.path),
        Err(JournalError::BadEntry { line: 1, .. })
    ));

    // A whole last entry without its newline: kept, and ended before appending.
    let j = Journal::create(dir.path(), "r7", &started("r7")).unwrap();
    let mut bytes = std::fs::read(&j.path).unwrap();
    bytes.pop();
    std::fs::write(&j.path, &bytes).unwrap();
    let l = load(&j.path).unwrap();
    assert!(!l.torn && l.entries.len() == 1);
    let j = Journal::reopen(&l).unwrap();
    j.append(&step_started(0)).unwrap();
    let l = load(&j.path).unwrap();
    assert_eq!(l.entries.len(), 2);
    assert!(copies(&j).is_empty(), "nothing was cut: no copy needed");
}
