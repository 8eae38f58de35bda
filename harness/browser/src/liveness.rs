//! Whether a browser whose command just failed is still there.
//!
//! A failed command's words depend on the driver and its version: chromedriver says `chrome not
//! reachable` or `invalid session id`, geckodriver `Failed to decode response from marionette`,
//! WebKitWebDriver sometimes nothing past `webdriver returned error:`. So a loss is recognised by
//! looking, in order of cost: could the driver be reached at all, is the driver process running,
//! is the browser's main process running, does the session still answer. The words decide only
//! when all of that looks fine.

use std::fmt;
use std::time::Duration;

use fantoccini::Client;
use fantoccini::error::CmdError;

use crate::driver::DriverProcess;
use crate::process_group;

/// How long a session may take to say its URL before it counts as gone: a live one answers in
/// milliseconds, a driver whose browser died may never answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Signs in a failed command's words that its session is gone, for when nothing else showed it.
const LOST_WORDS: [&str; 11] = [
    "invalid session id",
    "session deleted",
    "not reachable",
    "could not be reached",
    "disconnected",
    "no such window",
    "target window already closed",
    "tried to run command without establishing a connection",
    "failed to decode response",
    "connection",
    "browser has closed",
];

/// What was found gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gone {
    /// The driver did not take the command at all: nothing listens on its port any more.
    DriverUnreachable,
    /// The driver process exited.
    Driver,
    /// The browser's main process exited.
    Browser,
    /// The session did not say its URL within [`PROBE_TIMEOUT`].
    Session,
    /// Nothing was seen gone, but the failure's words say the session is.
    SaidSo,
}

impl fmt::Display for Gone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Gone::DriverUnreachable => "the driver could not be reached",
            Gone::Driver => "the driver process exited",
            Gone::Browser => "the browser's main process exited",
            Gone::Session => "the session no longer answered",
            Gone::SaidSo => "the driver said the session is gone",
        })
    }
}

/// What is gone after `error`, or `None` when the driver, the browser and the session all look
/// alive and the words do not say otherwise (a page's own failure). `driver` is `None` for a
/// driver that was already running, whose processes are not ours to look at.
pub(crate) async fn gone(
    error: &CmdError,
    client: &Client,
    driver: Option<&mut DriverProcess>,
) -> Option<Gone> {
    if matches!(error, CmdError::Lost(_) | CmdError::Failed(_) | CmdError::FailedC(_)) {
        return Some(Gone::DriverUnreachable);
    }
    if let Some(driver) = driver {
        if !driver.is_running() {
            return Some(Gone::Driver);
        }
        if !driver.browser_running() {
            return Some(Gone::Browser);
        }
    }
    if !matches!(tokio::time::timeout(PROBE_TIMEOUT, client.current_url()).await, Ok(Ok(_))) {
        return Some(Gone::Session);
    }
    let words = error.to_string().to_ascii_lowercase();
    LOST_WORDS.iter().any(|sign| words.contains(sign)).then_some(Gone::SaidSo)
}

/// Whether process `pid` has a child that is running (not a zombie left for it to reap). When
/// `/proc` cannot be read the answer is yes: a browser is not declared lost on no evidence.
pub(crate) fn has_running_child(pid: u32) -> bool {
    process_group::running_processes().is_none_or(|mut running| running.any(|process| process.parent == pid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_killed_and_left_unreaped_is_no_running_child() {
        use std::io::BufRead;
        // `sleep 30` in the background of a shell that then becomes `sleep 60`, which never
        // reaps it: killed, it stays a zombie of that parent.
        let mut parent = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & echo $!; exec sleep 60"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("sh starts");
        let mut line = String::new();
        let stdout = parent.stdout.take().expect("a pipe");
        std::io::BufReader::new(stdout).read_line(&mut line).expect("the child's id");
        assert!(has_running_child(parent.id()), "the child runs");
        let killed = std::process::Command::new("kill").args(["-KILL", line.trim()]).status();
        assert!(killed.is_ok_and(|status| status.success()));
        let mut running = true;
        for _ in 0..50 {
            running = has_running_child(parent.id());
            if !running {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = parent.kill();
        let _ = parent.wait();
        assert!(!running, "a zombie is not a running child");
    }
}
