//! Standard output for every subcommand. A reader that stopped early (`corsproof check URL |
//! head -1`) is no error and no panic: what was not read is dropped, and the command ends with
//! its own exit code. `print!` would panic on the closed pipe instead.

use std::io::{self, IsTerminal, Write};

/// Writes `text` to standard output and flushes it; a closed pipe is not an error.
pub(crate) fn print(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Whether standard output gets color: a terminal, unless `NO_COLOR` is set.
pub(crate) fn color() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}
