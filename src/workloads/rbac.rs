//! Permission checks with SelfSubjectAccessReview, cached per
//! verb/resource/namespace, so actions the operator may not take are shown
//! as unavailable (with the reason) before anyone presses a key.

use super::Perm;
use super::error::WorkloadError;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use std::collections::HashMap;
use std::sync::Mutex;

/// Ask the API server whether the current user may do `perm` in `namespace`
/// (`""`: cluster-wide). `Ok(None)`: allowed; `Ok(Some(reason))`: denied
/// (the reason is what the operator reads); `Err`: no verdict.
pub async fn check(
    client: &kube::Client,
    perm: Perm,
    namespace: &str,
) -> Result<Option<String>, WorkloadError> {
    let (verb, group, resource, sub) = perm.attrs();
    let Some(why) = review(client, verb, group, resource, sub, namespace).await? else {
        return Ok(None);
    };
    let scope = if namespace.is_empty() {
        "cluster-wide".to_string()
    } else {
        format!("in namespace {namespace}")
    };
    let resource = match sub {
        Some(sub) => format!("{resource}/{sub}"),
        None => resource.to_string(),
    };
    Ok(Some(format!(
        "not allowed to {verb} {resource} {scope}: {why}"
    )))
}

/// One SelfSubjectAccessReview: may the current user `verb` `group`/`resource`
/// (and `subresource`: `exec` for `pods/exec`) in `namespace` (`""`:
/// cluster-wide)? `Ok(None)`: allowed; `Ok(Some(why))`: denied, with the
/// server's reason (or "RBAC does not allow it"); `Err`: no verdict.
pub async fn review(
    client: &kube::Client,
    verb: &str,
    group: &str,
    resource: &str,
    subresource: Option<&str>,
    namespace: &str,
) -> Result<Option<String>, WorkloadError> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.into()),
                subresource: subresource.map(str::to_string),
                namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answer = api
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| WorkloadError::call("access review", None, &e))?;
    let Some(status) = answer.status else {
        return Err(WorkloadError::NoReviewStatus);
    };
    if status.allowed {
        Ok(None)
    } else {
        Ok(Some(
            status
                .reason
                .filter(|r| !r.is_empty())
                .or(status.evaluation_error)
                .unwrap_or_else(|| "RBAC does not allow it".into()),
        ))
    }
}

/// Verdicts cached per (context, perm, namespace). Errors are not cached.
#[derive(Default)]
pub struct AccessCache {
    cache: Mutex<HashMap<(String, Perm, String), Option<String>>>,
}

impl AccessCache {
    pub async fn check(
        &self,
        context: &str,
        client: &kube::Client,
        perm: Perm,
        namespace: &str,
    ) -> Result<Option<String>, WorkloadError> {
        let key = (context.to_string(), perm, namespace.to_string());
        if let Some(v) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(v);
        }
        let v = check(client, perm, namespace).await?;
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, v.clone());
        }
        Ok(v)
    }
}
