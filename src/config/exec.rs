//! `[exec]`: how the shells and commands the console hands the terminal to
//! start and end — which shell to open (per Kubernetes context or image),
//! and the detach key.

use crate::detach::DetachKeys;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Exec {
    /// Shells tried in order when a shell is opened: the first the
    /// container has is used.
    pub shell: Vec<ShellName>,
    /// Returns to the console from a shell or command (Docker's format).
    pub detach_keys: DetachKeys,
    /// `[[exec.shells]]`: shells for some contexts or images; the first
    /// rule that matches wins, else `shell`.
    pub shells: Vec<ShellRule>,
}

impl Default for Exec {
    fn default() -> Self {
        Self {
            shell: vec![ShellName("bash".into()), ShellName("sh".into())],
            detach_keys: DetachKeys::default(),
            shells: Vec::new(),
        }
    }
}

impl Exec {
    /// The shells to try in a container of `image`, in Kubernetes context
    /// `context` (`None` for Docker).
    pub fn shells_for(&self, context: Option<&str>, image: &str) -> Vec<String> {
        let chosen = self
            .shells
            .iter()
            .find(|r| r.matches(context, image))
            .map_or(&self.shell, |r| &r.shell);
        chosen.iter().map(|s| s.0.clone()).collect()
    }
}

/// One shell program: a name on the container's `PATH` or an absolute
/// path, with no arguments and nothing a shell would read specially.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellName(String);

impl<'de> Deserialize<'de> for ShellName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._+-".contains(c));
        if ok {
            Ok(Self(s))
        } else {
            Err(serde::de::Error::custom(format!(
                "shell {s:?}: one program name or path (letters, digits, / . _ + -), no arguments"
            )))
        }
    }
}

/// `[[exec.shells]]`: `context`, `image`, or both (both must match).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawRule")]
pub struct ShellRule {
    pub context: Option<String>,
    /// An image reference or its start: `postgres` matches `postgres:16`
    /// and `docker.io/library/postgres@sha256:…`; `ghcr.io/acme/` matches
    /// every image under it.
    pub image: Option<String>,
    pub shell: Vec<ShellName>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    context: Option<String>,
    image: Option<String>,
    shell: Vec<ShellName>,
}

impl TryFrom<RawRule> for ShellRule {
    type Error = String;

    fn try_from(r: RawRule) -> Result<Self, String> {
        if r.context.is_none() && r.image.is_none() {
            return Err("[[exec.shells]] needs `context`, `image` or both".into());
        }
        if r.shell.is_empty() {
            return Err("[[exec.shells]] `shell` lists no shell".into());
        }
        Ok(Self {
            context: r.context,
            image: r.image,
            shell: r.shell,
        })
    }
}

impl ShellRule {
    fn matches(&self, context: Option<&str>, image: &str) -> bool {
        let context_ok = self.context.as_deref().is_none_or(|c| context == Some(c));
        let image_ok = self.image.as_deref().is_none_or(|want| {
            [image, short_image(image)]
                .iter()
                .any(|have| image_matches(want, have))
        });
        context_ok && image_ok
    }
}

/// Docker Hub's implied prefixes dropped: `docker.io/library/postgres:16` → `postgres:16`.
fn short_image(image: &str) -> &str {
    let image = image.strip_prefix("docker.io/").unwrap_or(image);
    image.strip_prefix("library/").unwrap_or(image)
}

/// `want` names `have`, or a repository `have` is in: whole name parts
/// only, so `postgres` does not match `postgres-exporter`.
fn image_matches(want: &str, have: &str) -> bool {
    match have.strip_prefix(want) {
        Some(rest) => want.ends_with('/') || rest.is_empty() || rest.starts_with([':', '@']),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(toml_text: &str) -> Result<Exec, String> {
        #[derive(Deserialize)]
        struct Wrap {
            exec: Exec,
        }
        toml::from_str::<Wrap>(toml_text)
            .map(|w| w.exec)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_first_matching_rule_picks_the_shell_else_the_default() {
        let e = exec(
            r#"[exec]
shell = ["zsh", "sh"]
[[exec.shells]]
image = "postgres"
shell = ["bash"]
[[exec.shells]]
context = "prod-eu"
image = "ghcr.io/acme/"
shell = ["/busybox/sh"]
[[exec.shells]]
context = "prod-eu"
shell = ["ash"]
"#,
        )
        .unwrap();
        assert_eq!(e.shells_for(None, "postgres:16"), ["bash"]);
        assert_eq!(
            e.shells_for(Some("dev"), "docker.io/library/postgres@sha256:ab"),
            ["bash"]
        );
        assert_eq!(e.shells_for(None, "postgres-exporter:1"), ["zsh", "sh"]);
        assert_eq!(
            e.shells_for(Some("prod-eu"), "ghcr.io/acme/api:2"),
            ["/busybox/sh"]
        );
        assert_eq!(e.shells_for(Some("prod-eu"), "redis:7"), ["ash"]);
        assert_eq!(e.shells_for(Some("prod-us"), "redis:7"), ["zsh", "sh"]);
        assert_eq!(Exec::default().shells_for(None, "x"), ["bash", "sh"]);
    }

    #[test]
    fn bad_shells_rules_and_detach_keys_are_refused_with_the_reason() {
        for (text, says) in [
            ("[exec]\nshell = [\"bash -l\"]", "no arguments"),
            ("[exec]\nshell = [\"$(reboot)\"]", "no arguments"),
            (
                "[[exec.shells]]\nshell = [\"sh\"]",
                "needs `context`, `image` or both",
            ),
            (
                "[[exec.shells]]\nimage = \"x\"\nshell = []",
                "lists no shell",
            ),
            ("[exec]\ndetach_keys = \"ctrl-1\"", "after ctrl- comes"),
        ] {
            let e = exec(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
