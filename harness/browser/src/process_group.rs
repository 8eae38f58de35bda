//! Stopping a process group, and making sure it stops even if this process dies first.
//!
//! Everything corsproof starts (drivers and their browsers here, the real server setups in the
//! tests) runs in a process group of its own; stopping it means killing the group. Both
//! functions go through the shell's own `kill`: procps' `kill` needs `--` before a negative
//! process id and dash's refuses it, so one syntax (`kill -KILL -PGID`) that both accept is kept.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long [`kill`] waits for the group's processes to be gone.
const GONE_TIMEOUT: Duration = Duration::from_secs(2);

/// Kills every process of the group `pgid`, and waits (a moment at most) until none is left
/// running: a killed browser may still be writing its profile for a few milliseconds, and a
/// folder removed under it comes back half-written.
pub fn kill(pgid: u32) {
    let _ = Command::new("sh")
        .args(["-c", r#"kill -KILL "-$1" 2>/dev/null"#, "corsproof-kill", &pgid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let started = Instant::now();
    while has_running_member(pgid) && started.elapsed() < GONE_TIMEOUT {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Kills every process whose environment holds `variable=value`: those that left the group
/// they were started in (Firefox's crash helper starts a session of its own) but carry the
/// marker every process of one start inherits.
pub fn kill_marked(variable: &str, value: &str) {
    let entry = format!("{variable}={value}");
    let Ok(processes) = std::fs::read_dir("/proc") else { return };
    let marked: Vec<String> = processes
        .flatten()
        .filter(|process| {
            std::fs::read(process.path().join("environ"))
                .is_ok_and(|environ| environ.split(|&byte| byte == 0).any(|pair| pair == entry.as_bytes()))
        })
        .map(|process| process.file_name().to_string_lossy().into_owned())
        .collect();
    if marked.is_empty() {
        return;
    }
    let _ = Command::new("sh")
        .args(["-c", r#"kill -KILL "$@" 2>/dev/null"#, "corsproof-kill"])
        .args(&marked)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether a process of the group `pgid` is still running (a zombie, dead but not yet reaped,
/// is not). When `/proc` cannot be read, no: there is nothing to wait for.
fn has_running_member(pgid: u32) -> bool {
    running_processes().is_some_and(|mut running| running.any(|process| process.group == pgid))
}

/// What `/proc/PID/stat` says of a process, the fields corsproof looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProcessStat {
    /// Its parent's process id.
    pub(crate) parent: u32,
    /// Its process group.
    pub(crate) group: u32,
}

/// Every process that is running now (a zombie, dead but not yet reaped, is not), or `None` when
/// `/proc` cannot be read.
pub(crate) fn running_processes() -> Option<impl Iterator<Item = ProcessStat>> {
    let processes = std::fs::read_dir("/proc").ok()?;
    Some(processes.flatten().filter_map(|entry| {
        let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
        running_stat(&stat)
    }))
}

/// The fields of a `/proc/PID/stat` line (`PID (COMM) S PPID PGRP ...`) of a process that is not
/// a zombie (state `Z`). The command name may hold spaces and parentheses, so the fields after
/// it are found from its last `)`.
fn running_stat(stat: &str) -> Option<ProcessStat> {
    let mut fields = stat.get(stat.rfind(')')? + 1..)?.split_whitespace();
    let state = fields.next()?;
    let parent = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    (state != "Z").then_some(ProcessStat { parent, group })
}

/// A shell that kills the group `pgid` once this process is gone (a panic in a test harness,
/// SIGKILL), and then removes `leftover` if given (a browser's profile folder, a server's
/// work folder). When the group ends first (a driver that crashed) while this process lives
/// on, it keeps watching for `leftover`'s sake: this process may die before it removes it. It
/// lives in a group of its own so that Ctrl-C in a terminal, which signals our group, does not
/// take it down first. Kill it when the group has been stopped the ordinary way.
pub fn watchdog(pgid: u32, leftover: Option<&Path>) -> Option<Child> {
    watch(std::process::id(), pgid, leftover)
}

/// The [`watchdog`] of the group `pgid` for the process `owner`.
fn watch(owner: u32, pgid: u32, leftover: Option<&Path>) -> Option<Child> {
    // $1 the owner, $2 the group, $3 the leftover or empty.
    let script = r#"
        while kill -0 "$1" 2>/dev/null && kill -0 "-$2" 2>/dev/null; do sleep 0.2; done
        if kill -0 "$1" 2>/dev/null; then
            [ -n "$3" ] || exit 0
            while kill -0 "$1" 2>/dev/null; do sleep 0.2; done
        else
            kill -KILL "-$2" 2>/dev/null
        fi
        # A process killed while writing a file into it may make the first removal fail.
        n=0
        while [ -n "$3" ] && [ -e "$3" ] && [ $n -lt 10 ]; do
            rm -rf "$3" 2>/dev/null || sleep 0.2
            n=$((n + 1))
        done
    "#;
    Command::new("sh")
        .args(["-c", script, "corsproof-watchdog", &owner.to_string(), &pgid.to_string()])
        .arg(leftover.map_or_else(Default::default, |path| path.as_os_str().to_owned()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sh -c SCRIPT` started in a process group of its own.
    fn group_of(script: &str) -> Child {
        Command::new("sh").args(["-c", script]).process_group(0).spawn().expect("sh starts")
    }

    /// Whether `check` holds within 5 s.
    fn eventually(mut check: impl FnMut() -> bool) -> bool {
        let started = Instant::now();
        while !check() {
            if started.elapsed() > Duration::from_secs(5) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    #[test]
    fn a_stat_line_gives_its_parent_and_group_whatever_the_command_name() {
        assert_eq!(
            running_stat("812 (chromium) S 800 812 800 0 -1"),
            Some(ProcessStat { parent: 800, group: 812 })
        );
        assert_eq!(
            running_stat("9 (Web Content (x)) R 7 5 7 0 -1"),
            Some(ProcessStat { parent: 7, group: 5 })
        );
        assert_eq!(running_stat("9 (Web Content (x)) Z 7 5 7 0 -1"), None, "a zombie is not running");
        assert_eq!(running_stat("9 (cut"), None);
    }

    #[test]
    fn after_the_group_ends_alone_the_leftover_waits_for_its_owner_to_die() {
        let leftover = std::env::temp_dir().join(format!("corsproof-watchdog-test-{}", std::process::id()));
        std::fs::create_dir_all(leftover.join("inside")).expect("a folder");
        let mut owner = group_of("sleep 60");
        let mut group = group_of("sleep 0.2");
        let mut watchdog = watch(owner.id(), group.id(), Some(&leftover)).expect("the watchdog starts");
        // The group ends on its own (a driver that crashed); reaped, so that it is gone.
        let _ = group.wait();
        std::thread::sleep(Duration::from_millis(600));
        assert!(leftover.exists(), "the owner lives: its folder is its own to remove");
        assert!(matches!(watchdog.try_wait(), Ok(None)), "the watchdog keeps watching");
        let _ = owner.kill();
        let _ = owner.wait();
        assert!(eventually(|| !leftover.exists()), "the owner died: the watchdog removes its folder");
        assert!(eventually(|| matches!(watchdog.try_wait(), Ok(Some(_)))), "and ends");
    }

    #[test]
    fn when_the_owner_dies_the_group_is_killed_and_the_leftover_removed() {
        let leftover = std::env::temp_dir().join(format!("corsproof-watchdog-test2-{}", std::process::id()));
        std::fs::create_dir_all(&leftover).expect("a folder");
        let mut owner = group_of("sleep 60");
        let mut group = group_of("sleep 60");
        let mut watchdog = watch(owner.id(), group.id(), Some(&leftover)).expect("the watchdog starts");
        let _ = owner.kill();
        let _ = owner.wait();
        assert!(eventually(|| matches!(group.try_wait(), Ok(Some(_)))), "the group is killed");
        assert!(eventually(|| !leftover.exists()), "the folder is removed");
        let _ = watchdog.kill();
        let _ = watchdog.wait();
    }
}
