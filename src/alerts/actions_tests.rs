//! The silence handler's errors: each Alertmanager answer becomes the
//! matching [`ActionError`] kind.

use super::actions::{AmApi, SilenceError, SilenceHandler};
use super::api::PostableSilence;
use super::client::{ClientError, Excerpt};
use super::matcher::Matcher;
use super::model::{Alert, Silence, SilenceState};
use crate::action::{ActionError, ActionHandler, ActionSpec, Progress};
use std::time::Duration;

/// An Alertmanager whose silence requests fail with `fail`.
struct Failing {
    silences: Vec<Silence>,
    fail: ClientError,
}

fn refused(status: u16, body: &[u8], path: &str) -> ClientError {
    ClientError::Status {
        what: format!("POST http://am:9093{path}"),
        status,
        excerpt: Excerpt::of(body),
    }
}

#[async_trait::async_trait]
impl AmApi for Failing {
    fn names(&self) -> Vec<String> {
        vec!["main".into()]
    }
    async fn alerts(&self, _am: &str) -> Result<Vec<Alert>, SilenceError> {
        Ok(Vec::new())
    }
    async fn silences(&self, _am: &str) -> Result<Vec<Silence>, SilenceError> {
        Ok(self.silences.clone())
    }
    async fn create(&self, _am: &str, _s: &PostableSilence) -> Result<String, SilenceError> {
        Err(self.fail.clone().into())
    }
    async fn expire(&self, _am: &str, _id: &str) -> Result<(), SilenceError> {
        Err(self.fail.clone().into())
    }
}

fn silence_spec(matchers: &[&str]) -> ActionSpec {
    ActionSpec::Silence {
        matchers: matchers.iter().map(|s| s.to_string()).collect(),
        duration: Duration::from_secs(600),
        comment: "deploying".into(),
        alertmanager: None,
    }
}

fn known(id: &str) -> Silence {
    Silence {
        id: id.into(),
        matchers: vec![Matcher::eq("alertname", "X")],
        state: SilenceState::Active,
        created_by: "ops".into(),
        comment: "c".into(),
        starts_at: None,
        ends_at: None,
        alertmanager: "main".into(),
    }
}

#[tokio::test]
async fn alertmanager_answers_choose_the_action_error() {
    let h = |fail| {
        SilenceHandler::new(Failing {
            silences: vec![known("abc")],
            fail,
        })
    };
    // 400: Alertmanager refused the matchers as written.
    let e = h(refused(
        400,
        b"silence invalid: invalid label matcher",
        "/api/v2/silences",
    ))
    .execute(&silence_spec(&["alertname=X"]), Progress::discard())
    .await
    .unwrap_err();
    assert!(
        matches!(&e, ActionError::Invalid(m) if m.ends_with("(no silence was created)")),
        "{e:?}"
    );
    // 404 on expire: the silence is gone (expired and collected).
    let e = h(refused(404, b"silence not found", "/api/v2/silence/abc"))
        .execute(
            &ActionSpec::ExpireSilence {
                id: "abc".into(),
                alertmanager: None,
            },
            Progress::discard(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ActionError::NotFound(m) if m.contains("HTTP 404") && m.ends_with("(the silence is unchanged)")),
        "{e:?}"
    );
    // 401: the credentials, with the log-in-again hint.
    let e = h(refused(401, b"Unauthorized", "/api/v2/silences"))
        .execute(&silence_spec(&["alertname=X"]), Progress::discard())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ActionError::Denied { status: 401, .. }),
        "{e:?}"
    );
    assert!(e.hint().unwrap().contains("log in again"));
}

#[tokio::test]
async fn bad_input_is_invalid_and_a_missing_silence_not_found() {
    let h = SilenceHandler::new(Failing {
        silences: Vec::new(),
        fail: refused(500, b"", "/"),
    });
    let e = h
        .preview(&silence_spec(&["alertname=~\"(\""]))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ActionError::Invalid(m) if m.contains("bad regex")),
        "{e:?}"
    );
    let e = h
        .execute(
            &ActionSpec::Silence {
                matchers: vec!["a=b".into()],
                duration: Duration::from_secs(600),
                comment: "deploying".into(),
                alertmanager: Some("north".into()),
            },
            Progress::discard(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ActionError::Invalid("no [[alertmanager]] named \"north\" (configured: main)".into())
    );
    let e = h
        .execute(
            &ActionSpec::ExpireSilence {
                id: "gone".into(),
                alertmanager: None,
            },
            Progress::discard(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ActionError::NotFound("no silence \"gone\" on main".into())
    );
}

#[test]
fn a_silence_nobody_could_be_asked_about_is_that_failure() {
    let down = ClientError::Transport {
        what: "GET http://am:9093/api/v2/silences".into(),
        kind: crate::alerts::client::Transport::Connect,
        cause: ": Connection refused (os error 111)".into(),
        reading: false,
    };
    let e = SilenceError::NotFound {
        id: "abc".into(),
        on: vec!["main".into()],
        errors: vec![down.into()],
    };
    assert_eq!(
        e.to_string(),
        "no silence \"abc\" on main (GET http://am:9093/api/v2/silences: cannot connect: \
         Connection refused (os error 111))"
    );
    assert!(matches!(ActionError::from(e), ActionError::Unreachable(_)));
}
