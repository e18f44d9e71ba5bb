use super::*;
use std::time::Duration;

#[test]
fn unknown_keys_in_flattened_sections_are_errors_and_inline_secrets_are_refused() {
    let err = |text: &str| {
        Config::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .message()
    };
    let inline = "[[alertmanager]]\nname = \"a\"\nurl = \"http://x\"\nbearer_token = \"s3cr3t\"\n";
    assert!(matches!(
        *Config::parse(inline, Path::new("c.toml")).unwrap_err().problem,
        ConfigProblem::UnknownKey { section, key, .. } if section == "[[alertmanager]] #1" && key == "bearer_token"
    ));
    let e = err(inline);
    assert!(
        e.contains("[[alertmanager]] #1: unknown key `bearer_token`"),
        "{e}"
    );
    assert!(
        e.contains("bearer_token_file") && !e.contains("s3cr3t"),
        "{e}"
    );
    let e = err("[loki]\nurl = \"http://x\"\norgid = \"t\"\n");
    assert!(
        e.contains("[loki]: unknown key `orgid`") && e.contains("org_id"),
        "{e}"
    );
    let e = err(
        "[[backups]]\nname = \"pg\"\nkind = \"directory\"\npath = \"/b\"\nrpo = \"1h\"\npatern = \"*.gz\"\n",
    );
    assert!(
        e.contains("[[backups]] #1: unknown key `patern`") && e.contains("pattern"),
        "{e}"
    );
    // Every documented key is still accepted.
    Config::parse(
        "[[prometheus]]\nname = \"p\"\nurl = \"http://x\"\ninterval = \"30s\"\ntls_verify = false\n\
         [loki]\nurl = \"http://l\"\norg_id = \"t\"\nca_file = \"/ca.pem\"\n\
         [[backups]]\nname = \"r\"\nkind = \"restic\"\nrepository = \"/r\"\npassword_file = \"/p\"\nrpo = \"4h\"\nverify = \"x\"\n",
        Path::new("c.toml"),
    )
    .unwrap();
}

#[test]
fn the_default_config_written_by_init_parses() {
    let cfg = Config::parse(DEFAULT_CONFIG, Path::new("default.toml")).unwrap();
    assert!(cfg.kubernetes.enabled);
    assert_eq!(cfg.general.source_timeout, Duration::from_secs(10));
    // `config init` adds the example board, commented: it parses as the
    // default, and uncommented it is the example set.
    let init = init_text();
    let cfg = Config::parse(&init, Path::new("init.toml")).unwrap();
    assert!(cfg.metrics.panels.is_empty());
    // Uncomment what init added after the default: the example board.
    let (head, tail) = init.split_at(DEFAULT_CONFIG.trim_end().len());
    let tail: Vec<&str> = tail
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(r) if r.starts_with("[[") || r.contains(" = ") => r,
            _ => l,
        })
        .collect();
    let uncommented = format!("{head}{}", tail.join("\n"));
    let cfg = Config::parse(&uncommented, Path::new("init.toml")).unwrap();
    assert_eq!(cfg.metrics.panels, example_panels());
}

#[test]
fn a_full_config_parses_every_section() {
    let text = r#"
            [general]
            theme = "sixteen"
            read_only = true
            [kubernetes]
            context = "prod"
            namespaces = ["shop", "payments"]
            [docker]
            host = "tcp://10.0.0.5:2375"
            [[prometheus]]
            name = "main"
            url = "http://prometheus:9090"
            interval = "30s"
            [[alertmanager]]
            name = "am1"
            url = "https://am.example:9093"
            bearer_token_file = "/run/secrets/am-token"
            ca_file = "/etc/ssl/internal-ca.pem"
            [loki]
            url = "http://loki:3100"
            org_id = "tenant-a"
            basic_auth = { username = "ops", password_file = "/run/secrets/loki" }
            [[backups]]
            name = "postgres"
            kind = "directory"
            path = "/var/backups/postgres"
            pattern = "app_*.sql.gz"
            rpo = "15m"
            restore = "gunzip -c {path} | psql -d shop"
            [[backups]]
            name = "files"
            kind = "restic"
            repository = "/srv/restic"
            password_file = "/run/secrets/restic"
            rpo = "4h"
            [runbooks]
            paths = ["/srv/runbooks"]
        "#;
    let cfg = Config::parse(text, Path::new("c.toml")).unwrap();
    assert!(cfg.general.read_only);
    assert_eq!(cfg.kubernetes.namespaces, ["shop", "payments"]);
    assert_eq!(cfg.prometheus[0].interval, Duration::from_secs(30));
    assert!(cfg.alertmanager[0].auth.tls_verify);
    assert_eq!(cfg.loki.unwrap().auth.basic_auth.unwrap().username, "ops");
    assert!(matches!(cfg.backups[0].kind, BackupKind::Directory { .. }));
    assert_eq!(cfg.backups[1].rpo, Duration::from_secs(4 * 3600));
}

#[test]
fn malformed_config_reports_file_line_and_key() {
    let err = Config::parse(
        "[kubernetes]\nnamespaces = \"shop\"\n",
        Path::new("/etc/w.toml"),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("/etc/w.toml: "), "{err}");
    assert_eq!((err.line, err.column), (Some(2), Some(14)), "{err}");
    assert!(
        err.message().contains("line 2, column 14"),
        "{}",
        err.message()
    );
    assert!(
        matches!(&*err.problem, ConfigProblem::Syntax { message, .. } if message.contains("expected a sequence")),
        "{err:?}"
    );
    let err = Config::parse(
        "[general]\nsource_timeout = \"soon\"\n",
        Path::new("w.toml"),
    )
    .unwrap_err();
    assert!(err.message().contains("soon"), "{}", err.message());
    assert_eq!(err.line, Some(2));
    let err = Config::parse("[genral]\n", Path::new("w.toml")).unwrap_err();
    assert!(err.message().contains("genral"), "{}", err.message());
    assert_eq!(err.line, Some(1));
    let err = Config::parse(
        "[[alertmanager]]\nname='a'\nurl='not a url'\n",
        Path::new("w.toml"),
    )
    .unwrap_err();
    assert!(
        matches!(&*err.problem, ConfigProblem::BadUrl { section, name: Some(n), url, .. }
            if section == "[[alertmanager]]" && n == "a" && url == "not a url"),
        "{err:?}"
    );
    assert!(
        err.message()
            .starts_with("[[alertmanager]] a: url \"not a url\": "),
        "{}",
        err.message()
    );
    let err = Config::parse(
        "[loki]\nurl = \"::\"\n[[backups]]\nname='pg'\nkind='directory'\npath='/b'\nrpo='1h'\n[[backups]]\nname='pg'\nkind='directory'\npath='/c'\nrpo='1h'\n",
        Path::new("w.toml"),
    )
    .unwrap_err();
    assert_eq!(
        *err.problem,
        ConfigProblem::DuplicateName {
            section: "backups",
            name: "pg".into()
        }
    );
    assert_eq!(err.message(), "[[backups]] name \"pg\" is used twice");
}

#[test]
fn secrets_are_read_from_files_and_errors_name_only_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("token");
    std::fs::write(&p, "s3cr3t\n").unwrap();
    assert_eq!(read_secret(&p).unwrap(), "s3cr3t");
    let err = read_secret(&dir.path().join("missing")).unwrap_err();
    assert!(err.contains("missing") && !err.contains("s3cr3t"));
}

/// A Latin-1 file: the same kind of error as a TOML one, at the bad byte.
#[test]
fn a_config_that_is_not_utf8_is_an_error_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, b"[kubernetes]\ncontext = \"caf\xe9\"\n").unwrap();
    let err = Config::load(&path).unwrap_err();
    assert_eq!((err.line, err.column), (Some(2), Some(15)), "{err}");
    assert!(
        matches!(*err.problem, ConfigProblem::NotUtf8(at) if at.byte == 0xe9),
        "{err:?}"
    );
    assert_eq!(
        err.message(),
        "invalid UTF-8 at line 2, column 15 (byte 0xe9): save the file as UTF-8"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("{}: ", path.display()))
    );
}
