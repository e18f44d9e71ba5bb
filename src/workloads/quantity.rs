//! Kubernetes resource quantities (`512Mi`, `1G`, `1.5Gi`, `100m`) as numbers.

/// The value of a quantity (bytes for memory); `None` when it does not parse.
pub fn value(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let k = 1024f64;
    let scale = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "Ki" => k,
        "Mi" => k * k,
        "Gi" => k * k * k,
        "Ti" => k * k * k * k,
        "Pi" => k * k * k * k * k,
        s if s.starts_with(['e', 'E']) => 10f64.powi(s[1..].parse().ok()?),
        _ => return None,
    };
    Some(n * scale)
}

/// CPU and memory of a resource list (requests, limits, allocatable), in
/// whole units so sums added and taken away never drift.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_milli: u64,
    pub memory: u64,
}

impl Resources {
    /// From a resource list's `cpu` and `memory` (absent or unparsable: 0).
    pub fn of(
        list: Option<
            &std::collections::BTreeMap<
                String,
                k8s_openapi::apimachinery::pkg::api::resource::Quantity,
            >,
        >,
    ) -> Self {
        let get = |k: &str, scale: f64| {
            list.and_then(|l| l.get(k))
                .and_then(|q| value(&q.0))
                .map_or(0, |v| (v * scale).round().max(0.0) as u64)
        };
        Self {
            cpu_milli: get("cpu", 1000.0),
            memory: get("memory", 1.0),
        }
    }

    pub fn add(&mut self, o: Resources) {
        self.cpu_milli = self.cpu_milli.saturating_add(o.cpu_milli);
        self.memory = self.memory.saturating_add(o.memory);
    }

    pub fn remove(&mut self, o: Resources) {
        self.cpu_milli = self.cpu_milli.saturating_sub(o.cpu_milli);
        self.memory = self.memory.saturating_sub(o.memory);
    }
}

/// `part` of `whole` in whole percent (`None` when the whole is unknown).
pub fn percent(part: u64, whole: u64) -> Option<u64> {
    (whole > 0).then(|| (part.saturating_mul(100) + whole / 2) / whole)
}

#[cfg(test)]
mod tests {
    use super::value;

    #[test]
    fn binary_decimal_and_exponent_suffixes() {
        assert_eq!(value("512Mi"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(value("1.5Gi"), Some(1.5 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(value("1G"), Some(1e9));
        assert_eq!(value("100m"), Some(0.1));
        assert_eq!(value("129e6"), Some(129e6));
        assert_eq!(value("12"), Some(12.0));
        assert_eq!(value("lots"), None);
        assert_eq!(value("5Xi"), None);
    }
}
