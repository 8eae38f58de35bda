//! How a scan shows it is alive, on standard error: a bar redrawn in place on a terminal,
//! a line every few seconds otherwise (a CI log), never both.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use corsproof::scan::ScanEvent;

/// How often a line is written off a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);
/// How often the bar is redrawn.
const REDRAW_EVERY: Duration = Duration::from_millis(100);
const BAR_WIDTH: usize = 30;

pub(crate) struct Progress {
    terminal: bool,
    started: Instant,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    pub(crate) fn new() -> Self {
        Self { terminal: std::io::stderr().is_terminal(), started: Instant::now(), last: None, drawn: false }
    }

    pub(crate) fn show(&mut self, event: ScanEvent) {
        let text = match event {
            ScanEvent::Started { endpoints, probes } => {
                self.started = Instant::now();
                if self.terminal {
                    return;
                }
                format!("scan: {endpoints} endpoints, {probes} probes")
            }
            ScanEvent::Scanned { done, total, findings, requests } => {
                let every = if self.terminal { REDRAW_EVERY } else { LINE_EVERY };
                if done < total && self.last.is_some_and(|last| last.elapsed() < every) {
                    return;
                }
                let elapsed = self.started.elapsed();
                let left = (done > 0)
                    .then(|| elapsed.mul_f64(total.saturating_sub(done) as f64 / done as f64))
                    .map(|left| format!(", about {} s left", left.as_secs()))
                    .unwrap_or_default();
                let counts =
                    format!("{done}/{total} endpoints, {findings} findings, {requests} requests{left}");
                if self.terminal {
                    let filled = (done * BAR_WIDTH).checked_div(total).unwrap_or(BAR_WIDTH);
                    format!("[{}{}] {counts}", "#".repeat(filled), " ".repeat(BAR_WIDTH - filled))
                } else {
                    format!("scan: {counts} ({:.1} s)", elapsed.as_secs_f64())
                }
            }
            ScanEvent::Shrinking { findings } => format!("scan: shrinking the probes of {findings} findings"),
            _ => return,
        };
        self.last = Some(Instant::now());
        let mut stderr = std::io::stderr().lock();
        // Progress is a courtesy: a closed or full standard error must not stop the scan.
        let _ = if self.terminal {
            self.drawn = true;
            write!(stderr, "\r\x1b[2K{text}").and_then(|()| stderr.flush())
        } else {
            writeln!(stderr, "{text}")
        };
    }

    /// Clears the bar, so that the report starts on a clean line.
    pub(crate) fn finish(&mut self) {
        if self.terminal && self.drawn {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[2K").and_then(|()| stderr.flush());
        }
    }
}
