//! The signals that stop a command early, in one place: Ctrl-C (SIGINT) from a terminal, SIGTERM
//! from a process manager or a CI runner cancelling a job. `run`, `record`, `scan` and `serve`
//! all wait on [`stop_signal`], so each stops its browsers and servers and writes what finished
//! the same way whichever signal came, and says which one in its exit code.

use std::process::ExitCode;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The signal that stopped a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// SIGINT: Ctrl-C in a terminal.
    Interrupt,
    /// SIGTERM: a process manager, `kill`, a CI runner cancelling the job.
    Terminate,
}

impl Stop {
    /// The shell's convention for a process ended by the signal (128 + its number), which a
    /// process that cleans up before it exits keeps: 130 for SIGINT, 143 for SIGTERM.
    pub(crate) fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Stop::Interrupt => 130,
            Stop::Terminate => 143,
        })
    }

    /// The signal's name, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
        }
    }
}

/// Resolves at the first SIGINT or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled, so that a signal that arrives while the work it races
/// starts its first browser is not met by the default action (death, with the browser left
/// behind). A signal whose handler cannot be installed keeps its default action.
pub(crate) fn stop_signal() -> impl Future<Output = Stop> {
    let interrupt = signal(SignalKind::interrupt()).ok();
    let terminate = signal(SignalKind::terminate()).ok();
    async move {
        tokio::select! {
            () = next(interrupt) => Stop::Interrupt,
            () = next(terminate) => Stop::Terminate,
        }
    }
}

/// The next delivery of `signal`; never, when its handler could not be installed.
async fn next(signal: Option<Signal>) {
    match signal {
        Some(mut signal) => {
            if signal.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}
