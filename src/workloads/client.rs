//! Where Kubernetes credentials come from: `KUBECONFIG` / `~/.kube/config`
//! (or an explicit file), the `[kubernetes] context`, and clients per context.

pub use super::error::{HINT, KubeError};
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

impl KubeSource {
    pub fn new(kubeconfig: Option<PathBuf>, context: Option<String>) -> Self {
        Self {
            kubeconfig,
            context,
        }
    }

    pub fn read(&self) -> Result<Kubeconfig, KubeError> {
        match &self.kubeconfig {
            Some(p) => Kubeconfig::read_from(p).map_err(|e| KubeError::Kubeconfig {
                path: Some(p.clone()),
                message: e.to_string(),
            }),
            None => Kubeconfig::read().map_err(|e| KubeError::Kubeconfig {
                path: None,
                message: e.to_string(),
            }),
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
    pub async fn client(&self, context: Option<&str>) -> Result<(kube::Client, String), KubeError> {
        self.client_with(context, true).await
    }

    /// A client whose requests are not retried by kube on 429/503/504: for
    /// callers that retry on their own clock (a drain's evictions, held back
    /// by a PodDisruptionBudget with 429 until their timeout). kube's own
    /// policy backs off up to 1000 s, 15 times, past any timeout.
    pub async fn client_unretried(
        &self,
        context: Option<&str>,
    ) -> Result<(kube::Client, String), KubeError> {
        self.client_with(context, false).await
    }

    async fn client_with(
        &self,
        context: Option<&str>,
        retry: bool,
    ) -> Result<(kube::Client, String), KubeError> {
        let context = context.map(str::to_string).or(self.context.clone());
        let cfg = match self.read() {
            Ok(kc) => {
                if let Some(c) = &context
                    && c != "in-cluster"
                    && !kc.contexts.iter().any(|x| &x.name == c)
                {
                    return Err(KubeError::UnknownContext(c.clone()));
                }
                kube::Config::from_custom_kubeconfig(
                    kc,
                    &KubeConfigOptions {
                        context: context.filter(|c| c != "in-cluster"),
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| KubeError::Config(e.to_string()))?
            }
            Err(e) if Self::in_cluster() => {
                kube::Config::incluster().map_err(|ie| KubeError::InCluster {
                    kubeconfig: Box::new(e),
                    message: ie.to_string(),
                })?
            }
            Err(e) => return Err(e),
        };
        let mut cfg = cfg;
        cfg.default_retry = retry;
        let ns = cfg.default_namespace.clone();
        let client = kube::Client::try_from(cfg).map_err(|e| KubeError::Client(e.to_string()))?;
        Ok((client, ns))
    }
}
