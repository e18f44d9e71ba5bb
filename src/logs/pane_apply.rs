//! How the Logs pane applies worker updates: lines for its target, Loki
//! pages (fresh or older), failures, labels, the histogram, tail state,
//! history and save results. Anything for another target is ignored.

use super::histogram::Histogram;
use super::labels::Stage;
use super::pane::{LogsPane, Mode, TailInfo};
use super::{LogTarget, TailState, Update};

/// The Loki selector of a pod's lines: `{namespace="…", pod="…"}`, and
/// its container when one was asked for.
pub(super) fn pod_selector(target: &LogTarget) -> Option<String> {
    let LogTarget::Pod {
        namespace,
        name,
        container,
        ..
    } = target
    else {
        return None;
    };
    let mut parts = vec![
        format!("namespace={}", super::quote(namespace)),
        format!("pod={}", super::quote(name)),
    ];
    if let Some(c) = container {
        parts.push(format!("container={}", super::quote(c)));
    }
    Some(format!("{{{}}}", parts.join(", ")))
}

impl LogsPane {
    /// The pod behind the stream no longer exists: its logs from Loki over
    /// the pane's range (asked after the frame), and the viewer says so.
    fn gone(&mut self, target: &LogTarget) {
        let Some(query) = pod_selector(target) else {
            return;
        };
        self.stream = Some(Err(Some(format!(
            "{target} no longer exists (the API answered 404)"
        ))));
        self.notice = Some(format!(
            "{target} no longer exists: its logs from Loki, {query} over {} (needs [loki] with namespace and pod labels)",
            self.range.label()
        ));
        self.query = query;
        self.fallback = true;
    }

    pub(super) fn apply_logs(&mut self, u: Update) -> bool {
        match u {
            Update::Lines { target, mut lines } => {
                if self.target.is_none()
                    && let LogTarget::Loki { query } = &target
                {
                    // A tail the worker started by itself (the demo): show it.
                    self.query = query.clone();
                    self.target = Some(target.clone());
                    self.tail.get_or_insert(TailInfo {
                        state: TailState::Live,
                        dropped: 0,
                    });
                }
                if self.target.as_ref() != Some(&target) {
                    return false;
                }
                if !matches!(target, LogTarget::Loki { .. })
                    && let Some(newest) = self.viewer.newest_ts()
                {
                    // A resumed pod/container stream overlaps by up to a second.
                    lines.retain(|l| l.ts_ns.is_none_or(|t| t > newest));
                }
                self.viewer.push(lines);
                true
            }
            Update::Ended { target, error } => {
                if self.target.as_ref() != Some(&target) {
                    return false;
                }
                self.stream = Some(Err(error));
                true
            }
            Update::Gone { target } => {
                if self.target.as_ref() != Some(&target) {
                    return false;
                }
                self.gone(&target);
                true
            }
            Update::Page {
                id,
                lines,
                older,
                boundary,
                more,
                ..
            } => {
                if id != self.query_id {
                    return false;
                }
                self.loading = false;
                if older {
                    let refused = self.viewer.prepend(lines);
                    if refused > 0 {
                        self.notice = Some(format!(
                            "the view is full ({} lines): {refused} older lines not loaded",
                            self.viewer.ring().capacity()
                        ));
                    }
                } else {
                    self.viewer.push(lines);
                }
                self.boundary = boundary;
                self.more = more;
                true
            }
            Update::Failed { id, what, error } => {
                match what.as_str() {
                    "labels" => {
                        if let Mode::Labels(b) = &mut self.mode {
                            b.loading = false;
                            b.error = Some(error.to_string());
                        }
                    }
                    "tail" => self.notice = Some(format!("tail: {error}")),
                    "volume" => {
                        if id == self.volume_id {
                            self.notice = Some(format!("histogram: {error}"));
                        }
                    }
                    _ => {
                        if id != self.query_id {
                            return false;
                        }
                        self.loading = false;
                        self.error = Some(error);
                    }
                }
                true
            }
            Update::Labels { names } => match &mut self.mode {
                Mode::Labels(b) if b.stage == Stage::Names => {
                    b.set_items(names);
                    true
                }
                _ => false,
            },
            Update::LabelValues { name, values } => match &mut self.mode {
                Mode::Labels(b) if b.stage == (Stage::Values { name }) => {
                    b.set_items(values);
                    true
                }
                _ => false,
            },
            Update::Volume {
                id,
                start_ns,
                end_ns,
                step_secs,
                series,
            } => {
                if id != self.volume_id {
                    return false;
                }
                self.histogram = Some(Histogram::from_series(start_ns, end_ns, step_secs, &series));
                true
            }
            Update::Tail {
                query,
                state,
                dropped,
            } => {
                if self.target != Some(LogTarget::Loki { query }) {
                    return false;
                }
                if let TailState::Failed(e) = &state {
                    // Loki's own text and the hint go in the error box, like a
                    // failed query: that is where the operator looks for them.
                    self.error = Some(e.clone());
                }
                match &mut self.tail {
                    Some(t) => {
                        t.state = state;
                        t.dropped = dropped;
                    }
                    None => return false,
                }
                true
            }
            Update::History(h) => {
                self.history = h;
                false
            }
            Update::Saved { path, result } => {
                self.notice = Some(match result {
                    Ok(n) => format!("saved {n} lines to {}", path.display()),
                    Err(e) => format!("save failed: {e}"),
                });
                true
            }
        }
    }
}
