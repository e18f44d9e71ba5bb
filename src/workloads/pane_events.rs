//! The workloads pane's events keys: open and close the view, move in it,
//! and `enter` to open the object an event is about.

use super::Action;
use super::events::ObjectRef;
use super::model::{Key, Kind};
use super::pane::{Out, WorkloadsPane, notify};
use crate::pane::{Input, Nav, Outcome};

impl WorkloadsPane {
    /// Keys while the events view is on screen; `None`: not for the view.
    pub(super) fn events_input(&mut self, input: &Input<Action>) -> Option<Out> {
        if !self.events.open {
            return None;
        }
        Some(match input {
            Input::Nav(Nav::Back) | Input::Action(Action::Events) => {
                self.events.open = false;
                Outcome::Handled
            }
            Input::Nav(Nav::Select) => self.open_event_object(),
            Input::Nav(nav) => {
                self.events.refresh(&self.store, &self.filter_text);
                if self.events.table.navigate(*nav, self.events.rows.len()) {
                    Outcome::Handled
                } else {
                    Outcome::Ignored
                }
            }
            // Everything else (logs, shell, actions…) needs a selected
            // workload: open the object first.
            Input::Action(_) => return None,
        })
    }

    /// `events`: show the view (rebuilt before it is drawn).
    pub(super) fn open_events(&mut self) -> Out {
        self.events.open = true;
        self.forwards.open = false;
        self.nodes.open = false;
        Outcome::Handled
    }

    /// Close the view on the selected event's object: its detail when it is
    /// watched, else say why not.
    fn open_event_object(&mut self) -> Out {
        let Some(object) = self.events.selected_object().cloned() else {
            return Outcome::Ignored;
        };
        match self.watched(&object) {
            Some(found) => {
                self.events.open = false;
                self.detail = Some(found);
                self.detail_scroll.reset();
                Outcome::Handled
            }
            None if object.kind == "Node" => {
                let state = match self.store.nodes.get(&object.name) {
                    Some(n) if n.ready => "Ready",
                    Some(_) => "NotReady",
                    None => "not watched",
                };
                notify(format!("node {}: {state}", object.name))
            }
            None => notify(format!(
                "{} is not in the watched objects (deleted, or a kind warroom does not list)",
                object.arg()
            )),
        }
    }

    /// The store's object an event is about.
    fn watched(&self, object: &ObjectRef) -> Option<(Kind, Key)> {
        let kind = Kind::from_label(&object.kind)?;
        let key = Key::new(object.namespace.clone(), object.name.clone());
        let present = match kind {
            Kind::Pod => self.store.pods.contains_key(&key),
            Kind::Event | Kind::Node => false,
            k => self.store.workloads.contains_key(&(k, key.clone())),
        };
        present.then_some((kind, key))
    }
}
