//! Query editors' history (LogQL, PromQL): where ↑/↓ move in it.

/// The position in a history of `len` entries after ↑ (`up`) or ↓ from
/// `pos` (`None`: editing a new query, not in the history). `None` back:
/// nothing to recall (↓ while not in the history, or an empty history).
pub fn recall(len: usize, pos: Option<usize>, up: bool) -> Option<usize> {
    if len == 0 {
        return None;
    }
    match (pos, up) {
        (None, true) => Some(len - 1),
        (None, false) => None,
        (Some(p), true) => Some(p.saturating_sub(1)),
        (Some(p), false) => Some((p + 1).min(len - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::recall;

    #[test]
    fn up_starts_at_the_newest_and_stops_at_the_oldest() {
        assert_eq!(recall(3, None, true), Some(2));
        assert_eq!(recall(3, Some(0), true), Some(0));
        assert_eq!(recall(3, Some(1), false), Some(2));
        assert_eq!(recall(3, Some(2), false), Some(2));
        assert_eq!(recall(3, None, false), None);
        assert_eq!(recall(0, None, true), None);
    }
}
