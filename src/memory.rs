//! Returning freed heap to the operating system after a burst.
//!
//! A full (re-)list of thousands of pods parses megabytes of JSON into whole
//! Kubernetes objects, keeps a small projection of each and frees the rest.
//! glibc keeps those freed small blocks in its per-thread arenas, so without
//! a trim the peak of the list stays resident for the whole session even
//! though nothing uses it.

/// [`release_freed_heap`] on a blocking thread when a tokio runtime is
/// around (the UI loop must not stall on it), else right here.
pub fn release_freed_heap_in_background() {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn_blocking(release_freed_heap);
        }
        Err(_) => release_freed_heap(),
    }
}

/// Release free heap pages back to the OS (a no-op where glibc is absent).
pub fn release_freed_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it is
    // thread-safe and has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}
