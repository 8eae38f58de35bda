//! What a run tells its reporter as it goes, the way nextest's runner feeds its reporters: a
//! progress bar, a live log or a test suite's bookkeeping all listen to the same events and
//! know nothing of how scenarios run.

use corsproof_browser::{BrowserError, Engine};

use crate::pipeline::EngineResults;
use crate::run::{JobResult, RunError};

/// Something that happened in one engine's run. Events of different engines interleave; those
/// of one engine come in order: started or failed; then scenarios finished and browsers
/// restarted; then finished.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The engine's mock server and browser are up.
    EngineStarted {
        /// The engine.
        engine: Engine,
        /// The browser and its version (`chromium 131.0.6778.85`).
        browser: &'a str,
    },
    /// The engine could not start (a missing browser, a busy port); the other engines go on.
    EngineFailed {
        /// The engine.
        engine: Engine,
        /// Why, with the install hint for a missing browser.
        error: &'a RunError,
    },
    /// One scenario finished in the engine, or could not run.
    ScenarioFinished {
        /// The engine.
        engine: Engine,
        /// What it gave.
        result: &'a JobResult,
    },
    /// The browser was lost, replaced by a new one, and the unfinished page runs again.
    BrowserRestarted {
        /// The engine.
        engine: Engine,
        /// How the browser was lost.
        error: &'a BrowserError,
    },
    /// The engine ran every scenario and its browser and server are closed.
    EngineFinished {
        /// The engine.
        engine: Engine,
        /// Every result, in the jobs' order.
        results: &'a EngineResults,
    },
}

impl Event<'_> {
    /// The engine it happened in.
    pub fn engine(&self) -> Engine {
        match *self {
            Event::EngineStarted { engine, .. }
            | Event::EngineFailed { engine, .. }
            | Event::ScenarioFinished { engine, .. }
            | Event::BrowserRestarted { engine, .. }
            | Event::EngineFinished { engine, .. } => engine,
        }
    }
}

/// Hears a run's events. Any `FnMut(Event)` is one.
pub trait Reporter {
    /// Called for every event, in the order of each engine's run.
    fn report(&mut self, event: Event<'_>);
}

impl<F: FnMut(Event<'_>)> Reporter for F {
    fn report(&mut self, event: Event<'_>) {
        self(event);
    }
}
