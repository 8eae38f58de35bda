//! The connection slots shared by every listener, and who gives up theirs when all are taken.
//!
//! A server with a cap on open connections can be held by clients that open connections and send
//! nothing, or send a head one byte at a time: the cap fills with connections that cost the
//! attacker nothing, and a real request is refused. So the cap is not first come, first served.
//! A connection that is waiting for a request head (just accepted, in a TLS handshake, behind a
//! `CONNECT` until its first bytes, idle between keep-alive requests, or receiving a head
//! slowly) is in a queue ordered by when it started waiting; when the cap is reached, a new
//! connection takes the slot of the one that has waited longest, which is closed (shed). Only
//! when every open connection is busy with a request is the new one refused. A connection
//! being answered (a delayed answer included) is never shed.
//!
//! Sheds, refusals and failed accepts are counted, and logged as one warning line per second
//! with the counts of that second, not a line each: a flood would otherwise write thousands.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

/// How often, at most, the counts of shed and refused connections are logged.
const REPORT_INTERVAL: Duration = Duration::from_secs(1);

/// The slots of a server's open connections and the queue of those waiting for a head.
#[derive(Debug)]
pub(crate) struct Connections {
    limit: usize,
    table: Mutex<Table>,
    shed: AtomicU64,
    refused: AtomicU64,
    accept_failures: AtomicU64,
}

#[derive(Debug, Default)]
struct Table {
    open: usize,
    /// The next ticket of the waiting queue: tickets grow, so the smallest waited longest.
    next_ticket: u64,
    /// The connections waiting for a head, by ticket, with the signal that sheds each.
    waiting: BTreeMap<u64, Arc<Notify>>,
    report: Report,
    /// The counts at the last report.
    reported: Counts,
}

/// Whether a report of the counts is due.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Report {
    /// Nothing was shed, refused or failed since the last report.
    #[default]
    Quiet,
    /// Something was: a task logs the counts when the interval ends.
    Due,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    shed: u64,
    refused: u64,
    accept_failures: u64,
}

impl Table {
    /// Puts a connection at the end of the waiting queue; its ticket.
    fn join(&mut self, shed: &Arc<Notify>) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.waiting.insert(ticket, shed.clone());
        ticket
    }
}

impl Connections {
    /// At most `limit` open connections.
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            table: Mutex::new(Table::default()),
            shed: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            accept_failures: AtomicU64::new(0),
        })
    }

    /// A slot for a connection just accepted, which starts out waiting for its head. When every
    /// slot is taken, the connection that has waited longest for a head is shed to make room;
    /// when none is waiting, `None`: the new connection is refused.
    pub(crate) fn admit(self: &Arc<Self>) -> Option<Connection> {
        let mut table = self.table();
        if table.open < self.limit {
            table.open += 1;
        } else if let Some((_, shed)) = table.waiting.pop_first() {
            // The shed connection's slot passes to the new one, so `open` stays.
            shed.notify_one();
            self.shed.fetch_add(1, Ordering::Relaxed);
            self.report_soon(&mut table);
        } else {
            self.refused.fetch_add(1, Ordering::Relaxed);
            self.report_soon(&mut table);
            return None;
        }
        let shed = Arc::new(Notify::new());
        let ticket = table.join(&shed);
        drop(table);
        Some(Connection { connections: self.clone(), shed, phase: Mutex::new(Phase::Waiting { ticket }) })
    }

    /// Counts an accept that failed. When it failed for want of file descriptors (the process's
    /// limit can be below `limit`), sheds the connection that has waited longest for a head, so
    /// that the next accept finds one free: idle connections must not keep new ones out this
    /// way either. Whether one was shed.
    pub(crate) fn accept_failed(self: &Arc<Self>, error: &io::Error) -> bool {
        self.accept_failures.fetch_add(1, Ordering::Relaxed);
        let mut table = self.table();
        let shed = if out_of_descriptors(error) { table.waiting.pop_first() } else { None };
        if let Some((_, shed)) = &shed {
            // Its slot is freed, not passed on.
            table.open -= 1;
            shed.notify_one();
            self.shed.fetch_add(1, Ordering::Relaxed);
        }
        self.report_soon(&mut table);
        shed.is_some()
    }

    /// Connections closed so that a newer one could have their slot.
    pub(crate) fn shed_count(&self) -> u64 {
        self.shed.load(Ordering::Relaxed)
    }

    /// Connections closed on accept because every slot was busy with a request.
    pub(crate) fn refused_count(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn counts(&self) -> Counts {
        Counts {
            shed: self.shed_count(),
            refused: self.refused_count(),
            accept_failures: self.accept_failures.load(Ordering::Relaxed),
        }
    }

    /// Makes sure the counts are logged when the current interval ends: the first event of a
    /// quiet time starts a task that sleeps out the interval and logs everything counted by then.
    fn report_soon(self: &Arc<Self>, table: &mut Table) {
        if table.report == Report::Due {
            return;
        }
        table.report = Report::Due;
        let connections = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(REPORT_INTERVAL).await;
            if let Some(connections) = connections.upgrade() {
                connections.report();
            }
        });
    }

    /// Logs the counts since the last report in one line.
    fn report(&self) {
        let mut table = self.table();
        let now = self.counts();
        let last = std::mem::replace(&mut table.reported, now);
        table.report = Report::Quiet;
        let open = table.open;
        drop(table);
        tracing::warn!(
            shed = now.shed - last.shed,
            refused = now.refused - last.refused,
            accept_failures = now.accept_failures - last.accept_failures,
            open,
            max_connections = self.limit,
            "connections turned away in the last second: `shed` were waiting for a request head \
             and were closed to make room, `refused` were closed at once while every connection \
             was busy answering, `accept_failures` the system would not hand over (often too few \
             file descriptors: raise `ulimit -n`)"
        );
    }
}

/// Whether an accept failed because the process (`EMFILE`) or the system (`ENFILE`) has no file
/// descriptor left: 24 and 23 on Linux, macOS and the BSDs alike.
fn out_of_descriptors(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(23 | 24))
}

/// One open connection's hold on its slot; dropping it gives the slot back.
#[derive(Debug)]
pub(crate) struct Connection {
    connections: Arc<Connections>,
    /// Notified when the connection is shed: whoever serves it must close it.
    shed: Arc<Notify>,
    phase: Mutex<Phase>,
}

/// Where a connection is in its life, as the slots see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request head (or a handshake, or first bytes), with its queue ticket.
    Waiting { ticket: u64 },
    /// Serving this many requests (more than one on HTTP/2); never shed.
    Busy { requests: usize },
    /// Shed while it waited: its slot is another's now.
    Shed,
}

impl Connection {
    /// Resolves when the connection has been shed: its server must stop serving it, which
    /// closes it.
    pub(crate) async fn shed(&self) {
        self.shed.notified().await;
    }

    /// A request has started (its head is complete): the connection leaves the waiting queue
    /// until the returned guard is dropped. `None` if the connection was shed already, in which
    /// case it must close without answering.
    pub(crate) fn start(self: &Arc<Self>) -> Option<Busy> {
        let mut phase = self.phase();
        *phase = match *phase {
            Phase::Waiting { ticket } => match self.connections.table().waiting.remove(&ticket) {
                Some(_) => Phase::Busy { requests: 1 },
                None => Phase::Shed,
            },
            Phase::Busy { requests } => Phase::Busy { requests: requests + 1 },
            Phase::Shed => Phase::Shed,
        };
        (*phase != Phase::Shed).then(|| Busy(self.clone()))
    }

    /// A request has been answered: with none left, the connection waits for a head again, at
    /// the end of the queue.
    fn end(&self) {
        let mut phase = self.phase();
        *phase = match *phase {
            Phase::Busy { requests: 1 } => {
                Phase::Waiting { ticket: self.connections.table().join(&self.shed) }
            }
            Phase::Busy { requests } => Phase::Busy { requests: requests - 1 },
            other => other,
        };
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let phase = *self.phase();
        let mut table = self.connections.table();
        let holds_slot = match phase {
            Phase::Waiting { ticket } => table.waiting.remove(&ticket).is_some(),
            Phase::Busy { .. } => true,
            Phase::Shed => false,
        };
        if holds_slot {
            table.open -= 1;
        }
    }
}

/// A request in progress on a [`Connection`]: it cannot be shed until this is dropped.
#[derive(Debug)]
pub(crate) struct Busy(Arc<Connection>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// `answer`, with `connection` busy from now until it completes or is dropped: what a hyper
/// service calls, since hyper calls its service once a request's head is complete. A connection
/// shed already is closed by its task, which drops this with the rest.
pub(crate) fn while_busy<F: Future>(
    connection: &Arc<Connection>,
    answer: F,
) -> impl Future<Output = F::Output> + use<F> {
    let busy = connection.start();
    async move {
        let _busy = busy;
        answer.await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(connections: &Arc<Connections>) -> Arc<Connection> {
        Arc::new(connections.admit().expect("a slot"))
    }

    #[tokio::test]
    async fn the_connection_waiting_longest_is_shed_for_a_new_one() {
        let connections = Connections::new(2);
        let (first, second) = (open(&connections), open(&connections));
        // The first one was answered since: the second has waited longer now.
        drop(first.start());
        let _third = open(&connections);
        assert!(second.start().is_none(), "the longest waiting was not shed");
        assert!(first.start().is_some(), "a newer waiting one was shed");
        assert_eq!((connections.shed_count(), connections.refused_count()), (1, 0));
        assert_eq!(connections.table().open, 2);
    }

    #[tokio::test]
    async fn a_busy_connection_is_never_shed_and_when_all_are_busy_the_new_one_is_refused() {
        let connections = Connections::new(2);
        let (first, second) = (open(&connections), open(&connections));
        let (_busy, _also_busy) = (first.start(), second.start());
        assert!(connections.admit().is_none());
        assert_eq!((connections.shed_count(), connections.refused_count()), (0, 1));
    }

    #[tokio::test]
    async fn a_slot_comes_back_when_its_connection_closes_shed_or_not() {
        let connections = Connections::new(1);
        let first = open(&connections);
        let second = open(&connections);
        drop(first);
        assert_eq!(connections.table().open, 1, "the shed one's slot passed to the second");
        let busy = second.start();
        drop((busy, second));
        assert_eq!(connections.table().open, 0);
        assert!(connections.table().waiting.is_empty());
    }

    #[tokio::test]
    async fn running_out_of_file_descriptors_sheds_the_longest_waiting_and_frees_its_slot() {
        let connections = Connections::new(4);
        let (first, second) = (open(&connections), open(&connections));
        assert!(connections.accept_failed(&io::Error::from_raw_os_error(24)));
        assert!(first.start().is_none(), "the longest waiting was not shed");
        assert!(second.start().is_some());
        assert_eq!(connections.table().open, 1);
        drop(first);
        assert_eq!(connections.table().open, 1, "a shed connection's slot is freed once");
        assert!(!connections.accept_failed(&io::Error::from(io::ErrorKind::ConnectionAborted)));
        assert_eq!((connections.shed_count(), connections.accept_failures.load(Ordering::Relaxed)), (1, 2));
    }

    #[tokio::test]
    async fn requests_on_one_connection_keep_it_busy_until_the_last_ends() {
        let connections = Connections::new(1);
        let connection = open(&connections);
        let (one, two) = (connection.start(), connection.start());
        drop(one);
        assert!(connections.admit().is_none(), "busy with a request still");
        drop(two);
        assert!(connections.admit().is_some(), "idle once the last request ended");
    }
}
