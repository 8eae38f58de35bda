//! The page's network traffic as the engine's own automation channel reports it, kept raw so
//! that a HAR writer (`har_export`) can shape it the way that engine's developer tools export it.
//!
//! Each engine reports on a different channel: Chromium on its DevTools protocol `Network`
//! domain (`devtools.rs`), Firefox through WebDriver BiDi's `network.*` events on the session's
//! websocket (`bidi.rs`), WebKit through its remote Web Inspector's `Network` domain, on the
//! socket the console is read from (`inspector.rs`). Each pushes the events it receives into
//! one [`NetworkBuffer`]; [`Browser::drain_network`](crate::Browser::drain_network) hands them
//! out.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::console::settle;

/// One network event as the engine's channel sent it: its method (`Network.requestWillBeSent`,
/// `network.beforeRequestSent`...) and parameters, unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkEvent {
    /// The protocol's name for the event.
    pub method: String,
    /// The event's parameters, as sent.
    pub params: Value,
}

/// A drain waits until no event arrived for this long...
const QUIET: Duration = Duration::from_millis(300);
/// ...but not longer than this in all.
const SETTLE_AT_MOST: Duration = Duration::from_secs(3);

/// The network events a channel's reader received and no one has read yet.
#[derive(Debug, Default)]
pub(crate) struct NetworkBuffer {
    events: Mutex<Vec<NetworkEvent>>,
    /// Every event ever received, to see when they stop coming.
    received: AtomicU64,
}

impl NetworkBuffer {
    /// Keeps the event `method` with `params` for the next drain.
    pub(crate) fn push(&self, method: &str, params: Value) {
        let event = NetworkEvent { method: method.to_owned(), params };
        self.events.lock().unwrap_or_else(|e| e.into_inner()).push(event);
        self.received.fetch_add(1, Ordering::SeqCst);
    }

    /// The events received since the last drain, once none came for a moment: the last of a
    /// request's events (`loadingFinished`, `responseCompleted`) may arrive after the page's
    /// promise settled.
    pub(crate) async fn drain(&self) -> Vec<NetworkEvent> {
        settle(&self.received, QUIET, SETTLE_AT_MOST).await;
        std::mem::take(&mut *self.events.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
