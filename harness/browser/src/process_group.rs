//! Stopping a process group, and making sure it stops even if this process dies first.
//!
//! Everything corsproof starts (drivers and their browsers here, the real server setups in the
//! tests) runs in a process group of its own; stopping it means killing the group. Both
//! functions go through the shell's own `kill`: procps' `kill` needs `--` before a negative
//! process id and dash's refuses it, so one syntax (`kill -KILL -PGID`) that both accept is kept.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Kills every process of the group `pgid`.
pub fn kill(pgid: u32) {
    let _ = Command::new("sh")
        .args(["-c", r#"kill -KILL "-$1" 2>/dev/null"#, "corsproof-kill", &pgid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A shell that kills the group `pgid` once this process is gone (a panic in a test harness,
/// SIGKILL), and then removes `leftover` if given. It lives in a group of its own so that Ctrl-C
/// in a terminal, which signals our group, does not take it down first. Kill it when the group
/// has been stopped the ordinary way.
pub fn watchdog(pgid: u32, leftover: Option<&Path>) -> Option<Child> {
    let script = r#"while kill -0 "$1" 2>/dev/null && kill -0 "-$2" 2>/dev/null; do sleep 0.2; done; kill -KILL "-$2" 2>/dev/null; [ -z "$3" ] || kill -0 "$1" 2>/dev/null || rm -rf "$3""#;
    Command::new("sh")
        .args(["-c", script, "corsproof-watchdog", &std::process::id().to_string(), &pgid.to_string()])
        .arg(leftover.map_or_else(Default::default, |path| path.as_os_str().to_owned()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()
}
