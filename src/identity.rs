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
    // No login environment (cron, systemd, `docker exec`, tmux started by a
    // service): the account name from the password database, then the uid.
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    account_name(uid).unwrap_or_else(|| format!("uid{uid}"))
}

/// The passwd entry's name for `uid` (getpwuid_r: thread-safe).
fn account_name(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: zeroed passwd is a valid out-parameter; getpwuid_r writes the
    // strings into `buf`, which outlives every read of `pwd` below.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points to a NUL-terminated string in `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    let name = name.to_string_lossy().into_owned();
    (!name.is_empty()).then_some(name)
}

pub fn host() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// `user@host`, e.g. `alice@bastion-1`.
pub fn operator() -> String {
    format!("{}@{}", user(), host())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_account_name_comes_from_the_password_database() {
        // uid 0 is root on every Linux system this runs on.
        assert_eq!(super::account_name(0).as_deref(), Some("root"));
        assert_eq!(super::account_name(4_000_000_000), None);
    }
}
