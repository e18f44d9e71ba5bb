//! "Older logs" paging the way logcli batches: the next request restarts
//! from the last timestamp of the previous page (inclusive, since several
//! lines can share a nanosecond) and the overlapping lines already delivered
//! are dropped. The same boundary lets the tail reconnect without duplicates.

use super::{Direction, LokiApi, LokiError, RangeQuery};
use crate::logs::LogLine;
use std::hash::{Hash, Hasher};

/// Where the previous page ended: its last timestamp and the lines delivered at it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Boundary {
    pub ts_ns: i128,
    pub keys: Vec<u64>,
}

/// Identity of a line: timestamp, stream labels and text.
pub fn line_key(l: &LogLine) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    l.ts_ns.hash(&mut h);
    l.labels.hash(&mut h);
    l.text.hash(&mut h);
    h.finish()
}

impl Boundary {
    /// Was this line delivered already?
    pub fn seen(&self, l: &LogLine) -> bool {
        l.ts_ns == Some(self.ts_ns) && self.keys.contains(&line_key(l))
    }

    /// Move the boundary over `lines` (delivered in order, the last one is the
    /// new edge).
    pub fn advance(prev: Option<&Boundary>, lines: &[LogLine]) -> Option<Boundary> {
        let Some(edge) = lines.iter().rev().find_map(|l| l.ts_ns) else {
            return prev.cloned();
        };
        let mut keys: Vec<u64> = match prev {
            Some(p) if p.ts_ns == edge => p.keys.clone(),
            _ => Vec::new(),
        };
        keys.extend(lines.iter().filter(|l| l.ts_ns == Some(edge)).map(line_key));
        Some(Boundary { ts_ns: edge, keys })
    }
}

/// One page of results, in the query's direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub lines: Vec<LogLine>,
    pub boundary: Option<Boundary>,
    /// Loki returned a full page: there may be more past the boundary.
    pub more: bool,
}

/// Fetch the page after `after` (or the first page).
pub async fn fetch_page(
    api: &dyn LokiApi,
    q: &RangeQuery,
    after: Option<&Boundary>,
) -> Result<Page, LokiError> {
    let mut q = q.clone();
    if let Some(b) = after {
        match q.direction {
            // end is exclusive: +1 ns keeps the lines sharing the edge timestamp.
            Direction::Backward => q.end_ns = q.end_ns.min(b.ts_ns + 1),
            Direction::Forward => q.start_ns = q.start_ns.max(b.ts_ns),
        }
    }
    if q.start_ns >= q.end_ns {
        return Ok(Page {
            lines: Vec::new(),
            boundary: after.cloned(),
            more: false,
        });
    }
    let mut raw = api.query_range(&q).await?;
    // More lines can share the edge nanosecond than one page holds; then a
    // page is all duplicates. Ask again with room for the ones already seen
    // (logcli stops there and loses lines).
    let seen_at_edge = after.map_or(0, |b| b.keys.len());
    if seen_at_edge > 0
        && raw.len() >= q.limit
        && raw.iter().all(|l| after.is_some_and(|b| b.seen(l)))
    {
        q.limit += seen_at_edge;
        raw = api.query_range(&q).await?;
    }
    let full = raw.len() >= q.limit;
    let lines: Vec<LogLine> = raw
        .into_iter()
        .filter(|l| !after.is_some_and(|b| b.seen(l)))
        .collect();
    let more = full && !lines.is_empty();
    let boundary = Boundary::advance(after, &lines);
    Ok(Page {
        lines,
        boundary,
        more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_remembers_every_line_at_the_edge() {
        let l = |ts, t: &str| LogLine::new(Some(ts), t);
        let b = Boundary::advance(None, &[l(5, "a"), l(3, "b"), l(3, "c")]).unwrap();
        assert_eq!(b.ts_ns, 3);
        assert!(b.seen(&l(3, "b")) && b.seen(&l(3, "c")));
        assert!(!b.seen(&l(3, "d")) && !b.seen(&l(5, "a")));
        let b2 = Boundary::advance(Some(&b), &[l(3, "d")]).unwrap();
        assert_eq!(b2.keys.len(), 3);
    }
}
