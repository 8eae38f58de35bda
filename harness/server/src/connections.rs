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

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::task::AbortHandle;

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
    /// The next ticket of the waiting queue: tickets grow, so the front waited longest.
    next_ticket: u64,
    /// The connections that joined the queue, oldest first, each with the ticket it joined
    /// with. An entry whose connection has since started a request (or closed, or joined again)
    /// is stale: starting a request is then one atomic operation, no lock and no queue edit.
    /// Stale entries are skipped when shedding and swept when they outnumber the open
    /// connections.
    queue: VecDeque<(u64, Arc<Shared>)>,
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
    /// Puts a connection at the end of the queue with `ticket`, the next one: the caller has set
    /// its phase to waiting with that ticket, under the table's lock.
    fn join(&mut self, shared: &Arc<Shared>, ticket: u64) {
        self.next_ticket = ticket + 1;
        self.queue.push_back((ticket, shared.clone()));
        if self.queue.len() > 2 * self.open + 16 {
            // Valid entries are at most `open`: sweeping costs O(1) per join, amortised.
            self.queue.retain(|(ticket, shared)| shared.phase() == Phase::Waiting { ticket: *ticket });
        }
    }

    /// Sheds the connection that has waited longest for a head, if one is waiting: its task is
    /// aborted, which closes it. Whether one was.
    fn shed_oldest(&mut self) -> bool {
        while let Some((ticket, shared)) = self.queue.pop_front() {
            if shared.replace(Phase::Waiting { ticket }, Phase::Shed) {
                if let Some(task) = &*shared.task() {
                    task.abort();
                }
                return true;
            }
        }
        false
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
        } else if table.shed_oldest() {
            // The shed connection's slot passes to the new one, so `open` stays.
            self.shed.fetch_add(1, Ordering::Relaxed);
            self.report_soon(&mut table);
        } else {
            self.refused.fetch_add(1, Ordering::Relaxed);
            self.report_soon(&mut table);
            return None;
        }
        let ticket = table.next_ticket;
        let shared = Arc::new(Shared {
            phase: AtomicU64::new(Phase::Waiting { ticket }.encode()),
            task: Mutex::new(None),
        });
        table.join(&shared, ticket);
        drop(table);
        Some(Connection { connections: self.clone(), shared })
    }

    /// Counts an accept that failed. When it failed for want of file descriptors (the process's
    /// limit can be below `limit`), sheds the connection that has waited longest for a head, so
    /// that the next accept finds one free: idle connections must not keep new ones out this
    /// way either. Whether one was shed.
    pub(crate) fn accept_failed(self: &Arc<Self>, error: &io::Error) -> bool {
        self.accept_failures.fetch_add(1, Ordering::Relaxed);
        let mut table = self.table();
        let shed = out_of_descriptors(error) && table.shed_oldest();
        if shed {
            // Its slot is freed, not passed on.
            table.open -= 1;
            self.shed.fetch_add(1, Ordering::Relaxed);
        }
        self.report_soon(&mut table);
        shed
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
    shared: Arc<Shared>,
}

/// What a connection shares with the queue: its phase, and the task that serves it.
#[derive(Debug)]
struct Shared {
    /// A [`Phase`], encoded: the queue reads it to tell a waiting connection from a stale entry.
    phase: AtomicU64,
    /// Aborted to shed the connection: dropping its future closes its socket. An abort costs the
    /// connection nothing until it happens, where a signal to select on would be polled at every
    /// wake-up of every connection.
    task: Mutex<Option<AbortHandle>>,
}

/// Where a connection is in its life, as the slots see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request head (or a handshake, or first bytes), with its queue ticket.
    Waiting { ticket: u64 },
    /// Serving this many requests (more than one on HTTP/2); never shed.
    Busy { requests: u64 },
    /// Shed while it waited: its slot is another's, or freed.
    Shed,
    /// Closed: its slot is given back.
    Closed,
}

impl Phase {
    const BUSY: u64 = 1 << 62;
    const SHED: u64 = u64::MAX;
    const CLOSED: u64 = u64::MAX - 1;

    /// Tickets stay below [`Self::BUSY`] (2^62 joins), and requests below 2^62 - 2.
    fn encode(self) -> u64 {
        match self {
            Phase::Waiting { ticket } => ticket,
            Phase::Busy { requests } => Self::BUSY | requests,
            Phase::Shed => Self::SHED,
            Phase::Closed => Self::CLOSED,
        }
    }

    fn decode(value: u64) -> Self {
        match value {
            Self::SHED => Phase::Shed,
            Self::CLOSED => Phase::Closed,
            busy if busy & Self::BUSY != 0 => Phase::Busy { requests: busy & !Self::BUSY },
            ticket => Phase::Waiting { ticket },
        }
    }
}

impl Shared {
    fn task(&self) -> MutexGuard<'_, Option<AbortHandle>> {
        self.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn phase(&self) -> Phase {
        Phase::decode(self.phase.load(Ordering::Acquire))
    }

    /// Moves from `from` to `to` if nothing moved it first; whether it did.
    fn replace(&self, from: Phase, to: Phase) -> bool {
        self.phase.compare_exchange(from.encode(), to.encode(), Ordering::AcqRel, Ordering::Acquire).is_ok()
    }
}

impl Connection {
    /// Gives the connection the task that serves it, for shedding to abort; a connection shed
    /// before it had one is aborted now. (A shedder marks the phase, then looks for the task;
    /// this sets the task, then looks at the phase, each under the task's lock: one of them
    /// sees the other.)
    pub(crate) fn attach(&self, task: AbortHandle) {
        let mut attached = self.shared.task();
        if self.shared.phase() == Phase::Shed {
            task.abort();
        }
        *attached = Some(task);
    }

    /// A request has started (its head is complete): the connection is busy, out of reach of
    /// shedding, until [`end`](Self::end) is called as often. False if it was shed already, in
    /// which case it must close without answering.
    pub(crate) fn start(&self) -> bool {
        loop {
            let now = self.shared.phase();
            let next = match now {
                Phase::Waiting { .. } => Phase::Busy { requests: 1 },
                Phase::Busy { requests } => Phase::Busy { requests: requests + 1 },
                Phase::Shed | Phase::Closed => return false,
            };
            // Racing only a shedder (waiting) or another request of this connection (busy).
            if self.shared.replace(now, next) {
                return true;
            }
        }
    }

    /// A request has been answered: with none left, the connection waits for a head again, at
    /// the end of the queue.
    pub(crate) fn end(&self) {
        loop {
            match self.shared.phase() {
                Phase::Busy { requests: 1 } => {
                    // Under the lock, so that no shedder looks at the queue before it is joined.
                    let mut table = self.connections.table();
                    let ticket = table.next_ticket;
                    if self.shared.replace(Phase::Busy { requests: 1 }, Phase::Waiting { ticket }) {
                        table.join(&self.shared, ticket);
                        return;
                    }
                }
                Phase::Busy { requests } => {
                    if self.shared.replace(Phase::Busy { requests }, Phase::Busy { requests: requests - 1 }) {
                        return;
                    }
                }
                Phase::Waiting { .. } | Phase::Shed | Phase::Closed => return,
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut table = self.connections.table();
        loop {
            match self.shared.phase() {
                // The shedder passed its slot on or freed it.
                Phase::Shed | Phase::Closed => return,
                // Its queue entry, if any, is stale from now on.
                now => {
                    if self.shared.replace(now, Phase::Closed) {
                        table.open -= 1;
                        return;
                    }
                }
            }
        }
    }
}

/// A request in progress on a [`Connection`], for a future that may be dropped before it ends:
/// the connection cannot be shed until this is dropped.
struct Busy(Arc<Connection>);

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
    let busy = connection.start().then(|| Busy(connection.clone()));
    async move {
        let _busy = busy;
        answer.await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(connections: &Arc<Connections>) -> Connection {
        connections.admit().expect("a slot")
    }

    /// A request started and answered.
    fn answered(connection: &Connection) {
        assert!(connection.start());
        connection.end();
    }

    #[tokio::test]
    async fn the_connection_waiting_longest_is_shed_for_a_new_one() {
        let connections = Connections::new(2);
        let (first, second) = (open(&connections), open(&connections));
        // The first one was answered since: the second has waited longer now.
        answered(&first);
        let _third = open(&connections);
        assert!(!second.start(), "the longest waiting was not shed");
        assert!(first.start(), "a newer waiting one was shed");
        assert_eq!((connections.shed_count(), connections.refused_count()), (1, 0));
        assert_eq!(connections.table().open, 2);
    }

    #[tokio::test]
    async fn a_busy_connection_is_never_shed_and_when_all_are_busy_the_new_one_is_refused() {
        let connections = Connections::new(2);
        let (first, second) = (open(&connections), open(&connections));
        assert!(first.start() && second.start());
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
        assert!(second.start());
        drop(second);
        assert_eq!(connections.table().open, 0);
        assert!(!connections.table().shed_oldest(), "no closed connection is left to shed");
    }

    #[tokio::test]
    async fn running_out_of_file_descriptors_sheds_the_longest_waiting_and_frees_its_slot() {
        let connections = Connections::new(4);
        let (first, second) = (open(&connections), open(&connections));
        assert!(connections.accept_failed(&io::Error::from_raw_os_error(24)));
        assert!(!first.start(), "the longest waiting was not shed");
        assert!(second.start());
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
        assert!(connection.start() && connection.start());
        connection.end();
        assert!(connections.admit().is_none(), "busy with a request still");
        connection.end();
        assert!(connections.admit().is_some(), "idle once the last request ended");
    }

    #[tokio::test]
    async fn stale_queue_entries_are_swept() {
        let connections = Connections::new(4);
        let connection = open(&connections);
        for _ in 0..1000 {
            answered(&connection);
        }
        assert!(connections.table().queue.len() <= 2 + 16 + 1, "two per open connection, and some");
        assert!(connections.table().shed_oldest(), "the one waiting entry survives the sweeps");
    }
}
