//! `corsproof review`: the pending snapshots (`.snap.new`) that `run` left beside their
//! snapshots, reviewed as `cargo insta review` reviews them (which works on the same files):
//! one by one on a terminal, each with its diff, or all at once with `--accept` or `--reject`.
//! Off a terminal it lists them and fails, so that CI never waits for an answer.

use std::fmt::{self, Write as _};
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use corsproof_runner::report::write_diff;
use corsproof_runner::snapshot::{PendingReview, SnapshotState, pending_snapshots};

use crate::output;

/// `corsproof review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Scenario files or folders: the pending snapshots in the snapshot folders `run` writes
    /// for them (folders searched for `*.toml`) and in each folder's own `snapshots/`.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Accept every pending snapshot: each replaces its `.snap`.
    #[arg(long, conflicts_with = "reject")]
    accept: bool,
    /// Reject every pending snapshot: each is deleted and its `.snap` stays as it was.
    #[arg(long)]
    reject: bool,
    /// Only pending snapshots whose `<engine>/<name>` or scenario file contains this text.
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
}

/// What becomes of one pending snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// It replaces the `.snap`.
    Accept,
    /// It is deleted.
    Reject,
}

/// One answer at the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Settle this one.
    This(Verdict),
    /// Leave this one pending.
    Skip,
    /// Settle this one and every one after it the same way, without asking.
    Rest(Verdict),
    /// Leave this one and the rest pending.
    Quit,
}

impl Answer {
    /// The answer a line typed at the prompt gives; `None` for anything else.
    fn read(line: &str) -> Option<Self> {
        Some(match line.trim() {
            "a" => Answer::This(Verdict::Accept),
            "r" => Answer::This(Verdict::Reject),
            "s" => Answer::Skip,
            "A" => Answer::Rest(Verdict::Accept),
            "R" => Answer::Rest(Verdict::Reject),
            "q" => Answer::Quit,
            _ => return None,
        })
    }
}

/// The prompt, with every answer it takes.
const PROMPT: &str = "a accept · r reject · s skip · A accept all the rest · R reject all the rest · q quit";

/// How many pending snapshots were accepted, rejected and left pending.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    accepted: usize,
    rejected: usize,
    skipped: usize,
}

impl Tally {
    fn count(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Accept => self.accepted += 1,
            Verdict::Reject => self.rejected += 1,
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "accepted {}, rejected {}, skipped {}", self.accepted, self.rejected, self.skipped)
    }
}

/// `corsproof review`: exit 0 when there is nothing pending or the review is done, 1 when the
/// pending snapshots could only be listed (not on a terminal, and neither flag given).
pub fn run(args: ReviewArgs) -> anyhow::Result<ExitCode> {
    if let Some(missing) = args.paths.iter().find(|path| !path.exists()) {
        anyhow::bail!("{} does not exist: name scenario files or folders", missing.display());
    }
    let mut pending = pending_snapshots(&args.paths)?;
    if let Some(pattern) = &args.filter {
        pending.retain(|review| review.matches(pattern));
    }
    if pending.is_empty() {
        let matching =
            args.filter.as_ref().map(|pattern| format!(" matching `{pattern}`")).unwrap_or_default();
        output::print(&format!("no pending snapshots{matching}: nothing to review\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let here = std::env::current_dir().unwrap_or_default();
    let all_at_once = match (args.accept, args.reject) {
        (true, _) => Some(Verdict::Accept),
        (_, true) => Some(Verdict::Reject),
        _ => None,
    };
    if let Some(verdict) = all_at_once {
        let mut tally = Tally::default();
        for review in &pending {
            output::print(&settle(review, verdict, &here)?)?;
            tally.count(verdict);
        }
        output::print(&format!("{tally}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let color = output::color();
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        output::print(&format!("{} to review\n", pending_count(pending.len())))?;
        let tally = review_each(
            &pending,
            |review| describe(review, &here, color),
            |review, verdict| settle(review, verdict, &here),
            &mut std::io::stdin().lock(),
            &mut Printed,
        )?;
        output::print(&format!("{tally}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    for review in &pending {
        output::print(&format!("\n{}", describe(review, &here, color)))?;
    }
    output::print(&format!(
        "\n{} not reviewed: stdin or stdout is not a terminal. Pass --accept or --reject to \
         settle them all, or run `corsproof review` on a terminal to go through them one by one.\n",
        pending_count(pending.len())
    ))?;
    Ok(ExitCode::FAILURE)
}

/// Asks about each of `items` in turn: shows it (`show`), reads an answer line by line from
/// `input` (an unknown answer asks again) and settles it (`settle`, which says what it did).
/// The end of `input` is `q`: this one and the rest stay pending.
fn review_each<T>(
    items: &[T],
    show: impl Fn(&T) -> String,
    mut settle: impl FnMut(&T, Verdict) -> anyhow::Result<String>,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    let mut rest = None;
    for (index, item) in items.iter().enumerate() {
        let verdict = match rest {
            Some(verdict) => verdict,
            None => {
                write!(out, "\n[{}/{}] {}", index + 1, items.len(), show(item))?;
                match ask(input, out)? {
                    Answer::This(verdict) => verdict,
                    Answer::Rest(verdict) => *rest.insert(verdict),
                    Answer::Skip => {
                        tally.skipped += 1;
                        continue;
                    }
                    Answer::Quit => {
                        tally.skipped += items.len() - index;
                        break;
                    }
                }
            }
        };
        out.write_all(settle(item, verdict)?.as_bytes())?;
        tally.count(verdict);
    }
    Ok(tally)
}

/// Prompts until a known answer is typed; the end of `input` is [`Answer::Quit`]. A line that
/// is not UTF-8 is an unknown answer, not an error.
fn ask(input: &mut impl BufRead, out: &mut impl Write) -> io::Result<Answer> {
    loop {
        write!(out, "{PROMPT}\n> ")?;
        out.flush()?;
        let mut line = Vec::new();
        if input.read_until(b'\n', &mut line)? == 0 {
            writeln!(out)?;
            return Ok(Answer::Quit);
        }
        let line = String::from_utf8_lossy(&line);
        match Answer::read(&line) {
            Some(answer) => return Ok(answer),
            None => writeln!(out, "unknown answer `{}`", line.trim())?,
        }
    }
}

/// Accepts or rejects `review` and says so in a line, its path relative to `here`.
fn settle(review: &PendingReview, verdict: Verdict, here: &Path) -> anyhow::Result<String> {
    let pending = relative(&review.pending_path(), here);
    match verdict {
        Verdict::Accept => {
            review.accept().map_err(|error| anyhow::anyhow!("cannot accept {pending}: {error}"))?;
            Ok(format!("accepted {}\n", relative(&review.path(), here)))
        }
        Verdict::Reject => {
            review.reject().map_err(|error| anyhow::anyhow!("cannot reject {pending}: {error}"))?;
            Ok(format!("rejected {pending}\n"))
        }
    }
}

/// A pending snapshot as a reviewer reads it: its engine, snapshot file and scenario file, then
/// what accepting it changes, as a diff (the whole body for a new one), in color when `color`.
fn describe(review: &PendingReview, here: &Path, color: bool) -> String {
    let mut out = String::new();
    let source = review.source().unwrap_or("(unknown: the pending file's header cannot be read)");
    let _ = writeln!(out, "engine:   {}", review.engine());
    let _ = writeln!(out, "snapshot: {}", relative(&review.path(), here));
    let _ = writeln!(out, "source:   {source}");
    match review.change() {
        SnapshotState::Changed(diff) => {
            let _ = writeln!(out, "changed (stored to pending):");
            write_diff(&mut out, &diff, color);
        }
        SnapshotState::New => {
            let _ = writeln!(out, "new (nothing stored yet):");
            let added: Vec<String> =
                review.pending().as_str().lines().map(|line| format!("+{line}")).collect();
            write_diff(&mut out, &added.join("\n"), color);
        }
        SnapshotState::Matches => {
            let _ = writeln!(out, "the same as the stored snapshot: accepting it changes nothing");
        }
    }
    out
}

/// "1 pending snapshot", "2 pending snapshots".
fn pending_count(count: usize) -> String {
    format!("{count} pending snapshot{}", if count == 1 { "" } else { "s" })
}

/// `path` relative to `here` when it is below it, for display.
fn relative(path: &Path, here: &Path) -> String {
    path.strip_prefix(here).unwrap_or(path).display().to_string()
}

/// Standard output as a writer for [`review_each`], through [`output::print`]: a closed pipe
/// is no error.
struct Printed;

impl Write for Printed {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        output::print(&String::from_utf8_lossy(bytes))?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The review of three items with the scripted `answers`: the tally, what was settled in
    /// order, and everything written.
    fn review(answers: &[u8]) -> (Tally, Vec<(&'static str, Verdict)>, String) {
        let items = ["one", "two", "three"];
        let mut settled = Vec::new();
        let mut out = Vec::new();
        let tally = review_each(
            &items,
            |item| format!("shown {item}\n"),
            |item, verdict| {
                settled.push((*item, verdict));
                Ok(format!("settled {item}\n"))
            },
            &mut &answers[..],
            &mut out,
        )
        .unwrap();
        (tally, settled, String::from_utf8(out).unwrap())
    }

    const ACCEPT: Verdict = Verdict::Accept;
    const REJECT: Verdict = Verdict::Reject;

    #[test]
    fn each_answer_settles_its_own_snapshot() {
        let (tally, settled, out) = review(b"a\nr\ns\n");
        assert_eq!(settled, [("one", ACCEPT), ("two", REJECT)]);
        assert_eq!(tally.to_string(), "accepted 1, rejected 1, skipped 1");
        assert!(out.starts_with("\n[1/3] shown one\na accept · r reject · s skip"), "{out}");
        assert!(out.contains("[3/3] shown three\n") && out.contains("settled two\n"), "{out}");
    }

    #[test]
    fn an_unknown_answer_asks_again() {
        let (tally, settled, out) = review(b"x\n\n\xff\nq\n");
        assert_eq!(settled, []);
        assert_eq!(tally, Tally { accepted: 0, rejected: 0, skipped: 3 });
        assert_eq!(out.matches(PROMPT).count(), 4, "{out}");
        assert!(out.contains("unknown answer `x`") && out.contains("unknown answer ``"), "{out}");
        assert_eq!(out.matches("shown one").count(), 1, "asked again without showing again");
    }

    #[test]
    fn the_rest_are_settled_the_same_way_without_asking() {
        let (tally, settled, out) = review(b"s\nR\n");
        assert_eq!(settled, [("two", REJECT), ("three", REJECT)]);
        assert_eq!(tally, Tally { accepted: 0, rejected: 2, skipped: 1 });
        assert_eq!(out.matches(PROMPT).count(), 2);
        assert!(!out.contains("shown three") && out.contains("settled three"), "{out}");
        let (tally, settled, _) = review(b"A\n");
        assert_eq!(settled, [("one", ACCEPT), ("two", ACCEPT), ("three", ACCEPT)]);
        assert_eq!(tally.to_string(), "accepted 3, rejected 0, skipped 0");
    }

    #[test]
    fn the_end_of_input_quits_and_leaves_the_rest_pending() {
        let (tally, settled, out) = review(b"a\n");
        assert_eq!(settled, [("one", ACCEPT)]);
        assert_eq!(tally, Tally { accepted: 1, rejected: 0, skipped: 2 });
        assert!(out.ends_with("> \n"), "{out}");
        let (tally, settled, _) = review(b"");
        assert_eq!((tally.skipped, settled.len()), (3, 0));
    }
}
