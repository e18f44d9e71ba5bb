//! The workloads pane's nodes view: every node with its Ready state and
//! pressure conditions (and since when), cordon, taints, kubelet version and
//! the pods on it (problem pods counted), troubled nodes first; below the
//! table the selected node in full and the keys that cordon, uncordon or
//! drain it. Rows are rebuilt when nodes or pods changed, not per frame.

use super::model::NodeSummary;
use super::quantity::{Resources, percent};
use super::store::Store;
use crate::pane::RenderCtx;
use crate::text::sanitize;
use crate::ui::table::{TableState, render_table};
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

/// One node and what runs on it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub node: NodeSummary,
    pub pods: usize,
    /// Pods on it the problems list shows, by name (first few).
    pub problem_pods: Vec<String>,
    pub problems: usize,
    /// What its unfinished pods request (against `node.allocatable`).
    pub requested: Resources,
}

/// `2.1/3.9 cores (54%)`.
fn cores(r: &Resources, a: &Resources) -> String {
    let c = |m: u64| format!("{:.1}", m as f64 / 1000.0);
    match percent(r.cpu_milli, a.cpu_milli) {
        Some(p) => format!("cpu {}/{} cores ({p}%)", c(r.cpu_milli), c(a.cpu_milli)),
        None => format!("cpu {} cores", c(r.cpu_milli)),
    }
}

fn memory(r: &Resources, a: &Resources) -> String {
    let b = crate::text::human_bytes;
    match percent(r.memory, a.memory) {
        Some(p) => format!("memory {}/{} ({p}%)", b(r.memory), b(a.memory)),
        None => format!("memory {}", b(r.memory)),
    }
}

impl NodeRow {
    /// `NotReady`, `Ready,SchedulingDisabled`, `Ready,MemoryPressure`.
    pub fn status(&self) -> String {
        let mut parts = vec![if self.node.ready { "Ready" } else { "NotReady" }.to_string()];
        parts.extend(self.node.pressure.iter().map(|(c, _)| c.clone()));
        if self.node.unschedulable {
            parts.push("SchedulingDisabled".into());
        }
        parts.join(",")
    }

    fn troubled(&self) -> bool {
        !self.node.ready || !self.node.pressure.is_empty()
    }
}

#[derive(Debug, Default)]
pub struct NodesView {
    pub open: bool,
    pub table: TableState,
    pub rows: Vec<NodeRow>,
    built: bool,
}

fn s(text: &str) -> String {
    sanitize(text).into_owned()
}

impl NodesView {
    /// Nodes or pods changed: rebuild before the next frame.
    pub fn invalidate(&mut self) {
        self.built = false;
    }

    pub fn refresh(&mut self, store: &Store, now: Timestamp) {
        if self.built {
            return;
        }
        let selected = self.selected().map(str::to_string);
        // Counts from the store's per-node index and its problem pods: the
        // view costs the nodes and the problems, not every pod.
        let mut rows: Vec<NodeRow> = store
            .nodes
            .values()
            .map(|n| NodeRow {
                node: n.clone(),
                pods: store.pods_on(&n.name),
                problem_pods: Vec::new(),
                problems: 0,
                requested: store.requested_on(&n.name),
            })
            .collect();
        let index: std::collections::HashMap<String, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.node.name.clone(), i))
            .collect();
        for key in store.problem_pods(now) {
            let Some(i) = store
                .pods
                .get(key)
                .and_then(|p| p.node.as_ref())
                .and_then(|n| index.get(n))
            else {
                continue;
            };
            let row = &mut rows[*i];
            row.problems += 1;
            if row.problem_pods.len() < 5 {
                row.problem_pods
                    .push(format!("{}/{}", key.namespace, key.name));
            }
        }
        rows.sort_by(|a, b| {
            b.troubled()
                .cmp(&a.troubled())
                .then(b.node.unschedulable.cmp(&a.node.unschedulable))
                .then(crate::text::natural_cmp(&a.node.name, &b.node.name))
        });
        self.rows = rows;
        if let Some(name) = selected
            && let Some(i) = self.rows.iter().position(|r| r.node.name == name)
        {
            self.table.selected = i;
        }
        self.table.clamp(self.rows.len());
        self.built = true;
    }

    pub fn selected(&self) -> Option<&str> {
        self.rows
            .get(self.table.selected)
            .map(|r| r.node.name.as_str())
    }

    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        let (theme, now) = (ctx.theme, ctx.now);
        if self.rows.is_empty() {
            Paragraph::new("No nodes listed (the kubeconfig user may not list nodes).")
                .style(theme.muted)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        }
        let detail_height = match area.height {
            14.. => 6,
            10.. => 4,
            _ => 0,
        };
        let [table_area, detail_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(detail_height)]).areas(area);
        let age = |t: Option<Timestamp>| t.map_or_else(|| "-".into(), |t| crate::text::age(t, now));
        let rows = &self.rows;
        render_table(
            table_area,
            buf,
            theme,
            &mut self.table,
            &[
                "NODE", "STATUS", "SINCE", "PODS", "CPU", "MEM", "KUBELET", "TAINTS",
            ],
            &[
                Constraint::Min(16),
                Constraint::Length(20),
                Constraint::Length(5),
                Constraint::Length(7),
                Constraint::Length(4),
                Constraint::Length(4),
                Constraint::Length(8),
                Constraint::Length(6),
            ],
            rows.len(),
            |i| {
                let r = &rows[i];
                let style = if !r.node.ready {
                    theme.critical
                } else if r.troubled() || r.node.unschedulable {
                    theme.warning
                } else {
                    theme.ok
                };
                let pods = if r.problems > 0 {
                    format!("{} !{}", r.pods, r.problems)
                } else {
                    r.pods.to_string()
                };
                // Requests against allocatable; 90% and over is where
                // the next pod will not fit.
                let req = |part: u64, whole: u64| match percent(part, whole) {
                    Some(p) if p >= 90 => Span::styled(format!("{p}%"), theme.warning),
                    Some(p) => Span::raw(format!("{p}%")),
                    None => Span::styled("-", theme.muted),
                };
                let (q, a) = (&r.requested, &r.node.allocatable);
                vec![
                    Span::raw(s(&r.node.name)),
                    Span::styled(r.status(), style),
                    Span::styled(age(r.node.since), theme.muted),
                    Span::raw(pods),
                    req(q.cpu_milli, a.cpu_milli),
                    req(q.memory, a.memory),
                    Span::raw(s(&r.node.kubelet)),
                    Span::raw(r.node.taints.len().to_string()),
                ]
            },
        );
        if detail_area.height == 0 {
            return;
        }
        let Some(r) = self.rows.get(self.table.selected) else {
            return;
        };
        let keys = |a: &str| ctx.keymap.keys_for("workloads", a);
        let mut lines = vec![Line::from(vec![
            Span::styled(s(&r.node.name), theme.title),
            Span::styled(format!(" · {}", r.status()), theme.muted),
        ])];
        let mut facts: Vec<String> = Vec::new();
        if let Some(m) = r.node.message.as_ref().filter(|_| !r.node.ready) {
            facts.push(s(m));
        }
        for (c, since) in &r.node.pressure {
            facts.push(format!("{c} for {}", age(*since)));
        }
        if !r.node.taints.is_empty() {
            facts.push(format!("taints {}", s(&r.node.taints.join(", "))));
        }
        if !r.problem_pods.is_empty() {
            facts.push(format!("problem pods: {}", s(&r.problem_pods.join(", "))));
        }
        facts.push(format!(
            "requests {} · {}",
            cores(&r.requested, &r.node.allocatable),
            memory(&r.requested, &r.node.allocatable)
        ));
        if !facts.is_empty() {
            lines.push(Line::from(Span::raw(facts.join(" · "))));
        }
        let offer = if ctx.read_only {
            vec![Span::styled("read-only: no actions", theme.muted)]
        } else {
            let (toggle, label) = if r.node.unschedulable {
                ("uncordon", "uncordon")
            } else {
                ("cordon", "cordon")
            };
            vec![
                Span::styled(format!(" {} ", keys(toggle)), theme.key),
                Span::raw(format!("{label} ")),
                Span::styled(format!(" {} ", keys("drain")), theme.key),
                Span::raw("drain (preview first) "),
            ]
        };
        lines.push(Line::from(offer));
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .render(detail_area, buf);
    }
}
