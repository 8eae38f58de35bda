//! Standard output for every subcommand. A reader that stopped early (`corsproof check URL |
//! head -1`) is no error and no panic: what was not read is dropped, and the command ends with
//! its own exit code. `print!` would panic on the closed pipe instead.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

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

/// Why a file cannot be read or written, in words rather than the system's `(os error 2)`.
fn io_words(path: &Path, error: &io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => match path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            Some(parent) if !parent.exists() => format!("the folder {} does not exist", parent.display()),
            _ => "there is no such file".to_owned(),
        },
        ErrorKind::PermissionDenied => "permission denied".to_owned(),
        ErrorKind::IsADirectory => "it is a folder".to_owned(),
        ErrorKind::AlreadyExists | ErrorKind::NotADirectory => {
            "a file stands where a folder of its path should be".to_owned()
        }
        ErrorKind::ReadOnlyFilesystem => "the file system is read-only".to_owned(),
        _ => error.to_string(),
    }
}

/// `option PATH: cannot be written: why`, the why in words.
pub(crate) fn cannot_write(option: &str, path: &Path, error: &io::Error) -> anyhow::Error {
    anyhow::anyhow!("{option} {}: cannot be written: {}", path.display(), io_words(path, error))
}

/// `PATH: cannot read the file: why`, the why in words.
pub(crate) fn cannot_read(path: &Path, error: &io::Error) -> anyhow::Error {
    anyhow::anyhow!("{}: cannot read the file: {}", path.display(), io_words(path, error))
}
