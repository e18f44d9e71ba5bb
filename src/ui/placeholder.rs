//! The pane a domain shows before its own pane exists: its sources' states.

use crate::event::Update;
use crate::pane::{Outcome, Pane, PaneCtx, PaneId, RenderCtx};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

pub struct PlaceholderPane {
    id: PaneId,
}

impl PlaceholderPane {
    pub fn new(id: PaneId) -> Self {
        Self { id }
    }
}

impl Pane for PlaceholderPane {
    fn id(&self) -> PaneId {
        self.id
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        let block = super::widgets::pane_block(self.id.title(), ctx);
        let inner = block.inner(area);
        block.render(area, buf);
        super::widgets::empty_state(inner, buf, self.id, "This pane has no view yet.", ctx);
    }

    fn apply(&mut self, _update: Update) -> bool {
        false
    }

    fn on_action(&mut self, _action: &str, _ctx: &PaneCtx) -> Outcome {
        Outcome::Ignored
    }
}
