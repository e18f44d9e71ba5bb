//! Where Kubernetes credentials come from: `KUBECONFIG` / `~/.kube/config`
//! (or an explicit file), the `[kubernetes] context`, and clients per context.

use kube::config::{KubeConfigOptions, Kubeconfig};
use std::path::PathBuf;

/// How to reach the cluster(s). Cheap to clone; reads files only when asked.
#[derive(Debug, Clone)]
pub struct KubeSource {
    /// Explicit kubeconfig file; `None`: `KUBECONFIG`, else `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `[kubernetes] context`; `None`: the kubeconfig's current context.
    pub context: Option<String>,
}

/// The hint shown when the cluster cannot be reached.
pub const HINT: &str =
    "check [kubernetes] context and KUBECONFIG (try `kubectl --context CONTEXT get pods`)";

/// The hint for a failure `reason` (as [`error_text`] writes it): refused
/// credentials and missing permissions need different fixes than a cluster
/// that cannot be reached.
pub fn hint_for(reason: &str) -> String {
    if reason.contains("(401)") {
        "the cluster refused the credentials (an expired token?): log in again — e.g. \
         `aws eks update-kubeconfig`, `gcloud container clusters get-credentials`, `kubelogin` \
         — or check this context's user in KUBECONFIG"
            .into()
    } else if reason.contains("(403)") {
        "the kubeconfig user may not list these resources: check its RBAC \
         (`kubectl auth can-i list pods -n NAMESPACE`) or watch other namespaces ([kubernetes] namespaces)"
            .into()
    } else {
        HINT.into()
    }
}

impl KubeSource {
    pub fn new(kubeconfig: Option<PathBuf>, context: Option<String>) -> Self {
        Self {
            kubeconfig,
            context,
        }
    }

    pub fn read(&self) -> Result<Kubeconfig, String> {
        match &self.kubeconfig {
            Some(p) => Kubeconfig::read_from(p).map_err(|e| format!("{}: {e}", p.display())),
            None => Kubeconfig::read().map_err(|e| format!("kubeconfig: {e}")),
        }
    }

    fn in_cluster() -> bool {
        std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
    }

    /// The context the worker starts on; `None` when there is no kubeconfig
    /// at all (and not in a cluster): the source is not configured.
    pub fn initial_context(&self) -> Option<String> {
        match self.read() {
            Ok(kc) => Some(
                self.context
                    .clone()
                    .or(kc.current_context)
                    .or_else(|| kc.contexts.first().map(|c| c.name.clone()))
                    .unwrap_or_else(|| "default".into()),
            ),
            Err(_) if self.kubeconfig.is_none() && Self::in_cluster() => Some("in-cluster".into()),
            Err(_) if self.kubeconfig.is_some() => self.context.clone().or(Some("default".into())),
            Err(_) => None,
        }
    }

    /// Every context in the kubeconfig, sorted.
    pub fn contexts(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .read()
            .map(|kc| kc.contexts.into_iter().map(|c| c.name).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    /// A client for `context` (`None`: the configured/current one) and the
    /// context's default namespace.
    pub async fn client(&self, context: Option<&str>) -> Result<(kube::Client, String), String> {
        let context = context.map(str::to_string).or(self.context.clone());
        let cfg = match self.read() {
            Ok(kc) => {
                if let Some(c) = &context
                    && c != "in-cluster"
                    && !kc.contexts.iter().any(|x| &x.name == c)
                {
                    return Err(format!("context {c:?} is not in the kubeconfig"));
                }
                kube::Config::from_custom_kubeconfig(
                    kc,
                    &KubeConfigOptions {
                        context: context.filter(|c| c != "in-cluster"),
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| format!("kubeconfig: {e}"))?
            }
            Err(e) if Self::in_cluster() => {
                kube::Config::incluster().map_err(|ie| format!("{e}; in-cluster: {ie}"))?
            }
            Err(e) => return Err(e),
        };
        let ns = cfg.default_namespace.clone();
        let client = kube::Client::try_from(cfg).map_err(|e| format!("client: {e}"))?;
        Ok((client, ns))
    }
}

/// A kube error as one line an operator can act on (sanitised: the message
/// comes from the server).
pub fn error_text(e: &kube::Error) -> String {
    crate::text::sanitize(&raw_error_text(e)).into_owned()
}

fn raw_error_text(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => {
            let msg = if s.message.is_empty() {
                s.reason.clone()
            } else {
                s.message.clone()
            };
            format!("{} ({})", msg, s.code)
        }
        other => {
            // The hyper/io chain carries the useful part ("Connection refused").
            let mut text = other.to_string();
            let mut src = std::error::Error::source(other);
            while let Some(s) = src {
                let t = s.to_string();
                if !text.contains(&t) {
                    text.push_str(": ");
                    text.push_str(&t);
                }
                src = s.source();
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_gets_its_own_fix() {
        assert!(hint_for("Unauthorized (401)").contains("expired token"));
        assert!(
            hint_for("pods is forbidden: User \"dev\" cannot list resource \"pods\" (403)")
                .contains("kubectl auth can-i")
        );
        assert_eq!(
            hint_for("error trying to connect: tcp connect error: Connection refused"),
            HINT
        );
    }
}
