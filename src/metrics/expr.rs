//! An alert rule's expression as a graph: the side that is measured, and
//! the threshold it is compared with, when the rule ends in a comparison
//! with a constant (`sum(rate(x[5m])) > 0.05`).

/// The graphed query and the threshold line, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Graphed {
    pub query: String,
    pub threshold: Option<f64>,
}

/// Split `expr` at a trailing top-level comparison with a number. Anything
/// else (a comparison inside parentheses, between two series, `and`/`unless`
/// filters) is graphed whole, with no threshold.
pub fn split(expr: &str) -> Graphed {
    let whole = || Graphed {
        query: expr.trim().to_string(),
        threshold: None,
    };
    let bytes = expr.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let mut last: Option<(usize, usize)> = None; // (start, len) of the last top-level comparison
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' | b'\'' | b'`' => quote = Some(b),
            b'(' | b'{' | b'[' => depth += 1,
            b')' | b'}' | b']' => depth -= 1,
            b'>' | b'<' | b'=' | b'!' if depth == 0 => {
                let two = bytes.get(i + 1) == Some(&b'=');
                let len = if two { 2 } else { 1 };
                // `=` alone is not a comparison (`=~` inside braces is depth > 0).
                if (b == b'=' || b == b'!') && !two {
                    i += 1;
                    continue;
                }
                last = Some((i, len));
                i += len;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let Some((at, len)) = last else {
        return whole();
    };
    let lhs = expr[..at].trim();
    let mut rhs = expr[at + len..].trim();
    if let Some(rest) = rhs.strip_prefix("bool") {
        rhs = rest.trim();
    }
    match rhs.parse::<f64>() {
        Ok(v) if !lhs.is_empty() && v.is_finite() => Graphed {
            query: lhs.to_string(),
            threshold: Some(v),
        },
        _ => whole(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(q: &str, t: Option<f64>) -> Graphed {
        Graphed {
            query: q.into(),
            threshold: t,
        }
    }

    #[test]
    fn a_trailing_comparison_with_a_constant_is_the_threshold() {
        assert_eq!(
            split(
                r#"sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05"#
            ),
            g(
                r#"sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))"#,
                Some(0.05)
            )
        );
        assert_eq!(split("up == 0"), g("up", Some(0.0)));
        assert_eq!(split("x >= bool 1e3"), g("x", Some(1000.0)));
        assert_eq!(
            split("histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m]))) > 0.5"),
            g(
                "histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))",
                Some(0.5)
            )
        );
    }

    #[test]
    fn anything_else_is_graphed_whole() {
        for e in [
            "rate(x[5m])",
            "a > b",
            r#"x{job!="a>1"}"#,
            "(x > 1) and on() vector(1)",
            "x > NaN",
        ] {
            assert_eq!(split(e), g(e, None), "{e}");
        }
    }
}
