//! The demo estate (`--demo`): each domain simulates its sources in its own
//! `demo` module behind the same worker and action interfaces as the live ones;
//! this module holds what they share.

/// The status detail every demo source reports, so the status bar and
/// `warroom doctor` say plainly that nothing is real.
pub const DEMO_DETAIL: &str = "(DEMO: simulated)";
