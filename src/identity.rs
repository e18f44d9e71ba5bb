//! Who is acting, as `user@host`: written into the audit log, runbook journals and
//! Alertmanager silences (`createdBy`).

pub fn user() -> String {
    for var in ["WARROOM_USER", "USER", "LOGNAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            return v;
        }
    }
    // SAFETY: getuid has no preconditions.
    format!("uid{}", unsafe { libc::getuid() })
}

pub fn host() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// `user@host`, e.g. `alice@bastion-1`.
pub fn operator() -> String {
    format!("{}@{}", user(), host())
}
