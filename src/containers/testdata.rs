//! Test fixtures: inspect responses captured from the Docker 20.10 engine (API
//! 1.41) on the build machine, then varied per failure mode.

use bollard::models::ContainerInspectResponse;

pub fn fixture(name: &str) -> ContainerInspectResponse {
    let path = format!(
        "{}/src/containers/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The flattened model of a fixture.
pub fn container(name: &str) -> super::model::Container {
    super::model::from_inspect(&fixture(name))
}
