//! The label browser: pick a label, then a value, and the matcher goes into
//! the query (`/loki/api/v1/labels`, `/label/NAME/values`).

use crate::theme::Theme;
use crate::ui::table::{TableState, render_table};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Names,
    Values { name: String },
}

#[derive(Debug, Clone)]
pub struct LabelBrowser {
    pub stage: Stage,
    pub items: Vec<String>,
    pub loading: bool,
    pub error: Option<String>,
    pub state: TableState,
    pub filter: String,
}

impl LabelBrowser {
    pub fn new() -> Self {
        Self {
            stage: Stage::Names,
            items: Vec::new(),
            loading: true,
            error: None,
            state: TableState::default(),
            filter: String::new(),
        }
    }

    pub fn shown(&self) -> Vec<&String> {
        let f = self.filter.to_lowercase();
        self.items
            .iter()
            .filter(|i| f.is_empty() || i.to_lowercase().contains(&f))
            .collect()
    }

    pub fn chosen(&self) -> Option<String> {
        self.shown().get(self.state.selected).map(|s| s.to_string())
    }

    pub fn set_items(&mut self, items: Vec<String>) {
        self.items = items;
        self.loading = false;
        self.error = None;
        self.state = TableState::default();
    }

    pub fn render(&mut self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let title = match &self.stage {
            Stage::Names => "label".to_string(),
            Stage::Values { name } => format!("value of {}", crate::text::sanitize(name)),
        };
        if self.loading || self.error.is_some() {
            let text = self
                .error
                .clone()
                .unwrap_or_else(|| "loading labels from Loki…".into());
            let style = if self.error.is_some() {
                theme.critical
            } else {
                theme.muted
            };
            ratatui::widgets::Widget::render(
                ratatui::text::Line::from(Span::styled(
                    crate::text::sanitize(&text).into_owned(),
                    style,
                )),
                area,
                buf,
            );
            return;
        }
        let shown: Vec<String> = self.shown().into_iter().cloned().collect();
        let header = [title.as_str()];
        let len = shown.len();
        render_table(
            area,
            buf,
            theme,
            &mut self.state,
            &header,
            &[Constraint::Fill(1)],
            len,
            |i| vec![Span::raw(crate::text::sanitize(&shown[i]).into_owned())],
        );
    }
}

impl Default for LabelBrowser {
    fn default() -> Self {
        Self::new()
    }
}

/// Insert `name="value"` into the query's stream selector (or start one).
pub fn insert_matcher(query: &str, name: &str, value: &str) -> String {
    let matcher = format!("{name}={}", super::quote(value));
    let q = query.trim();
    if let Some(open) = q.find('{')
        && let Some(close_rel) = q[open..].find('}')
    {
        let close = open + close_rel;
        let inner = q[open + 1..close].trim();
        let sep = if inner.is_empty() { "" } else { ", " };
        return format!("{}{{{inner}{sep}{matcher}}}{}", &q[..open], &q[close + 1..]);
    }
    if q.is_empty() {
        format!("{{{matcher}}}")
    } else {
        format!("{{{matcher}}} {q}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_go_into_the_selector() {
        assert_eq!(insert_matcher("", "app", "api"), r#"{app="api"}"#);
        assert_eq!(
            insert_matcher(r#"{namespace="shop"} |= "err""#, "app", "api"),
            r#"{namespace="shop", app="api"} |= "err""#
        );
        assert_eq!(insert_matcher("{}", "app", "a\"b"), r#"{app="a\"b"}"#);
        assert_eq!(
            insert_matcher(r#"rate({job="x"}[1m])"#, "app", "y"),
            r#"rate({job="x", app="y"}[1m])"#
        );
    }
}
