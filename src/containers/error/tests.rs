//! The hint and the action error kind come from the failure's data.

use super::*;
use crate::containers::client;

/// An error status as the engine sends it.
fn engine(status_code: u16, message: &str) -> bollard::errors::Error {
    bollard::errors::Error::DockerResponseServerError {
        status_code,
        message: message.into(),
    }
}

/// An endpoint nobody listens on.
fn dead() -> Endpoint {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Endpoint::resolve_with(Some(&format!("tcp://127.0.0.1:{port}")), None)
}

#[test]
fn no_such_container_is_not_found() {
    let e = ContainerError::call("restart ghost", &engine(404, "No such container: ghost\n"));
    assert_eq!(
        e.to_string(),
        "restart ghost failed: engine answered 404: No such container: ghost"
    );
    assert!(matches!(ActionError::from(e), ActionError::NotFound(_)));
    let e = ContainerError::NoSuchContainer {
        name: "ghost".into(),
        after: Some("nothing was changed"),
    };
    assert_eq!(
        e.to_string(),
        "no container named ghost: nothing was changed"
    );
    assert!(matches!(ActionError::from(e), ActionError::NotFound(_)));
}

#[test]
fn a_conflict_keeps_its_status_and_says_what_to_look_at() {
    let bollard = engine(
        409,
        "Container web is paused, unpause the container before stopping or killing",
    );
    let d = DockerError::from(&bollard);
    assert!(matches!(d, DockerError::Engine { status: 409, .. }));
    assert!(d.hint().unwrap().contains("docker inspect"), "{d:?}");
    let a = ActionError::from(ContainerError::call("stop web", &bollard));
    assert!(
        matches!(
            a,
            ActionError::Backend {
                status: Some(409),
                ..
            }
        ),
        "{a:?}"
    );
    // Other answers have no fix to suggest but keep their status.
    let d = DockerError::from(engine(500, "driver failed"));
    assert_eq!(d.hint(), None);
    assert!(matches!(
        ActionError::from(ContainerError::Docker(d)),
        ActionError::Backend {
            status: Some(500),
            ..
        }
    ));
}

#[tokio::test]
async fn a_refused_connection_is_unreachable_and_names_the_setting() {
    let ep = dead();
    let e = client::connect(&ep).await.unwrap_err();
    assert!(
        matches!(&e, DockerError::Unreachable { cause, .. } if matches!(**cause, DockerError::Transport(_))),
        "{e:?}"
    );
    assert!(e.to_string().contains(&ep.host), "{e}");
    assert_eq!(e.hint(), Some(ep.hint()));
    assert!(ep.hint().contains("[docker] host"));
    let a = ActionError::from(ContainerError::from(e));
    assert!(matches!(a, ActionError::Unreachable(_)), "{a:?}");

    // A call on a connection that went away is unreachable too.
    let docker = client::client(&ep).unwrap();
    let err = docker.inspect_container("web", None).await.unwrap_err();
    let a = ActionError::from(ContainerError::call("inspecting web", &err));
    assert!(
        matches!(&a, ActionError::Unreachable(m) if m.starts_with("inspecting web failed: ")),
        "{a:?}"
    );
}

#[test]
fn a_bad_host_is_refused_with_the_forms_that_work() {
    let e = client::client(&Endpoint::resolve_with(Some("ftp://x"), None)).unwrap_err();
    assert!(
        matches!(&e, DockerError::BadHost { host, .. } if host == "ftp://x"),
        "{e:?}"
    );
    assert!(e.hint().unwrap().contains("tcp://HOST:PORT"));
    assert!(matches!(
        ActionError::from(ContainerError::from(e)),
        ActionError::Unreachable(_)
    ));
}
