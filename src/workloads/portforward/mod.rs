//! `kubectl port-forward` for the console and `warroom port-forward`: a
//! target (pod, service, controller) resolved to one pod and its ports
//! ([`resolve`]), local listeners whose every connection is one stream over
//! the pod's `portforward` subresource ([`engine`]), and what an operator
//! reads about it: connections, bytes each way, errors, the pod it goes to
//! now.

pub mod audit;
pub mod console;
mod demo;
pub mod engine;
pub mod error;
mod follow;
pub mod resolve;
pub mod spec;

pub use engine::{Failed, ForwardEvent, ForwardRequest, ForwardStats, Listener};
pub use error::ForwardError;
pub use spec::{ForwardTarget, LocalPort, PortSpec, RemotePort, TargetKind};
