//! What each engine prints in its console when it blocks a request, as data.
//!
//! One table per engine ([`ConsoleTable`], in `chromium.rs`, `firefox.rs`, `webkit.rs`) pairs
//! every sentence the engine prints for a block with the [`ReasonClass`] a reader reads from it.
//! The oracle writes its console lines from the table ([`Reason::explain`],
//! [`Block::console_message`]); the runner reads a real browser's lines back into classes with
//! the same table ([`ConsoleTable::read`]), and predicts the class a run will read with
//! [`ConsoleTable::class_of`]. A sentence is written down once, where both sides find it.
//!
//! Each table models the engine version the corpus snapshots were recorded from (its file says
//! which), and `tests/oracle_agreement.rs` holds the line the oracle writes for every blocked
//! request of the corpus to the one that engine printed, word for word.

mod chromium;
mod class;
mod firefox;
mod webkit;

use std::borrow::Cow;

pub use class::ReasonClass;

use crate::address_space::{AddressSpace, LocalNetworkCause};
use crate::engine::Engine;
use crate::reason::{Block, Reason};
use crate::request::Initiator;

impl Engine {
    /// The engine's console sentences: how it words a block, and how its lines are read back.
    pub fn console(self) -> &'static ConsoleTable {
        match self {
            Engine::Chromium => &chromium::TABLE,
            Engine::Firefox => &firefox::TABLE,
            Engine::WebKit => &webkit::TABLE,
        }
    }
}

/// One sentence an engine prints for a block, and the class a reader reads from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    /// The class a reader reads from a line holding [`Sentence::key`].
    pub class: ReasonClass,
    /// The words a reader looks for: the part of the sentence that tells it from the engine's
    /// other sentences, with ASCII quotes (see [`ConsoleTable::typographic_quotes`]). It may be
    /// looser than the sentence, to catch the engine's related wordings too.
    pub key: &'static str,
    /// The sentence as the oracle writes it, `{}` where a value goes; `None` for a sentence the
    /// engine prints and the oracle never writes, which is only read.
    pub template: Option<&'static str>,
    /// Whether only a preflight's response makes the engine print it.
    pub preflight_only: bool,
    /// Whether the engine writes each quoted value with every byte that is not printable ASCII
    /// as `\uXXXX` (Chromium's `EncodeHint`), rather than as it came.
    pub escapes_values: bool,
}

impl Sentence {
    /// A sentence the oracle writes.
    const fn written(class: ReasonClass, key: &'static str, template: &'static str) -> Self {
        Self { class, key, template: Some(template), preflight_only: false, escapes_values: false }
    }

    /// A sentence the engine prints and the oracle never writes.
    const fn read_only(class: ReasonClass, key: &'static str) -> Self {
        Self { class, key, template: None, preflight_only: false, escapes_values: false }
    }

    /// The same sentence, printed only for a preflight's response.
    const fn preflight_only(self) -> Self {
        Self { preflight_only: true, ..self }
    }

    /// The same sentence, its values escaped as [`Sentence::escapes_values`] says.
    const fn escaping_values(self) -> Self {
        Self { escapes_values: true, ..self }
    }
}

/// The sentence an engine prints for one reason, with the values its template quotes.
#[derive(Debug)]
struct Written<'a> {
    sentence: &'static Sentence,
    values: Vec<&'a str>,
}

impl Written<'_> {
    /// The sentence with its values in place of the `{}`s.
    fn text(&self) -> String {
        let template = self.sentence.template.unwrap_or(self.sentence.key);
        let mut values = self.values.iter();
        let mut parts = template.split("{}");
        let mut text = parts.next().unwrap_or_default().to_owned();
        for part in parts {
            let value = values.next().copied().unwrap_or_default();
            if self.sentence.escapes_values {
                push_escaped(&mut text, value);
            } else {
                text.push_str(value);
            }
            text.push_str(part);
        }
        text
    }
}

/// Pushes `value` with every byte that is not printable ASCII written as `\uXXXX`, as Blink's
/// `EncodeHint` (`cors_error_string.cc`) writes the header value it quotes: it reads the value
/// byte by byte, so a UTF-8 character becomes one escape per byte.
fn push_escaped(text: &mut String, value: &str) {
    for byte in value.bytes() {
        if byte.is_ascii_graphic() || byte == b' ' {
            text.push(char::from(byte));
        } else {
            text.push_str(&format!("\\u{byte:04X}"));
        }
    }
}

/// How one engine words its CORS blocks in the console, and how its lines are read back.
#[derive(Debug)]
pub struct ConsoleTable {
    /// Words every block line of the engine holds and its other lines do not.
    pub cors_mark: &'static str,
    /// Words of a line under [`ConsoleTable::cors_mark`] that reports a network failure, not a
    /// block (Firefox words both alike).
    pub network_failure: Option<&'static str>,
    /// Words of the line the engine may print after a block for the same URL, which belongs to
    /// the block rather than telling of another failure.
    pub block_echo: Option<&'static str>,
    /// Words that say the preflight's response was the one refused.
    pub preflight_markers: &'static [&'static str],
    /// Whether every block line says whether the preflight failed, so that a line without a
    /// marker blames the actual response instead of leaving it open.
    pub names_the_step: bool,
    /// Whether the engine quotes with ‘ and ’, which are read as ASCII apostrophes.
    pub typographic_quotes: bool,
    /// The `TypeError` text a page sees for any network error, CORS or not.
    pub type_error: &'static str,
    /// Every sentence, in the order a reader tries them: the first whose key a line holds
    /// gives the line's class, and a line that holds none is [`ReasonClass::Other`].
    pub sentences: &'static [Sentence],
    /// The sentence for a reason (it depends on the reason only; the initiator changes values).
    write: for<'a> fn(&'a Reason, Initiator) -> Written<'a>,
    /// The whole console line around a block's sentence.
    line: fn(&Block, &str) -> String,
    /// The line for a request Local Network Access stopped (`url`, the page's origin, the
    /// target's space, why), as observed.
    local_network: fn(&str, &str, AddressSpace, LocalNetworkCause) -> String,
}

/// A console line read as a CORS block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The class of its reason.
    pub class: ReasonClass,
    /// Whether it blames the preflight; `None` when the line does not say.
    pub in_preflight: Option<bool>,
}

impl ConsoleTable {
    /// The class a reader reads from this engine's sentence for `reason`: what a run reports
    /// for a block the oracle predicts.
    pub fn class_of(&self, reason: &Reason) -> ReasonClass {
        (self.write)(reason, Initiator::Fetch).sentence.class
    }

    /// Reads a console line: its class and blame when it reports a CORS block, else `None`.
    pub fn read(&self, line: &str) -> Option<Reading> {
        self.is_block(line)
            .then(|| Reading { class: self.read_class(line), in_preflight: self.read_preflight(line) })
    }

    /// Whether a console line reports a CORS block (as opposed to a network failure).
    pub fn is_block(&self, line: &str) -> bool {
        line.contains(self.cors_mark) && !self.network_failure.is_some_and(|failure| line.contains(failure))
    }

    /// The class of a block line: the first sentence whose key it holds.
    pub fn read_class(&self, line: &str) -> ReasonClass {
        let line = self.plain_quotes(line);
        let sentence = self.sentences.iter().find(|sentence| line.contains(sentence.key));
        sentence.map_or(ReasonClass::Other, |sentence| sentence.class)
    }

    /// Whether a block line blames the preflight: `Some(true)` when it has a preflight marker
    /// or a sentence only a preflight gets; otherwise `Some(false)` for an engine that names
    /// the step, and `None` (the line does not say) for one that does not.
    pub fn read_preflight(&self, line: &str) -> Option<bool> {
        let line = self.plain_quotes(line);
        let marked = self.preflight_markers.iter().any(|marker| line.contains(marker));
        if self.names_the_step {
            return Some(marked);
        }
        let preflight_sentence =
            self.sentences.iter().any(|sentence| sentence.preflight_only && line.contains(sentence.key));
        (marked || preflight_sentence).then_some(true)
    }

    /// The engine's sentence for `reason`, without the line around it.
    pub(crate) fn explain(&self, reason: &Reason, initiator: Initiator) -> String {
        (self.write)(reason, initiator).text()
    }

    /// The whole console line for `block`.
    pub(crate) fn console_line(&self, block: &Block) -> String {
        (self.line)(block, &self.explain(&block.reason, block.initiator))
    }

    /// The engine's console line for a request Local Network Access stopped.
    pub(crate) fn local_network_line(
        &self,
        url: &str,
        page_origin: &str,
        target: AddressSpace,
        cause: LocalNetworkCause,
    ) -> String {
        (self.local_network)(url, page_origin, target, cause)
    }

    fn plain_quotes<'a>(&self, line: &'a str) -> Cow<'a, str> {
        if self.typographic_quotes && line.contains(['\u{2018}', '\u{2019}']) {
            Cow::Owned(line.replace(['\u{2018}', '\u{2019}'], "'"))
        } else {
            Cow::Borrowed(line)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::Requirement;
    use crate::reason::Stage;
    use crate::reason::tests::every_reason;

    fn block(reason: Reason, initiator: Initiator) -> Block {
        let stage = if reason.is_preflight_only() { Stage::Preflight } else { Stage::Response };
        Block {
            reason,
            stage,
            status: Some(200),
            initial_url: "http://api.test:9000/a/1".into(),
            url: "http://api.test:9000/a/1".into(),
            page_origin: "http://app.test:8000".into(),
            initiator,
            policy: Requirement {
                origin: "http://app.test:8000".into(),
                credentials: false,
                preflight: false,
                methods: vec![],
                headers: vec![],
            },
            redirect_location: None,
            header_as_written: None,
        }
    }

    #[test]
    fn every_line_the_oracle_writes_reads_back_as_its_class_and_step() {
        for engine in Engine::ALL {
            let table = engine.console();
            for reason in every_reason() {
                for initiator in [Initiator::Fetch, Initiator::Xhr] {
                    let written = (table.write)(&reason, initiator);
                    assert!(
                        table.sentences.contains(written.sentence),
                        "{engine}: {reason:?} is in the table"
                    );
                    let template = written.sentence.template.expect("a written sentence has a template");
                    assert_eq!(template.matches("{}").count(), written.values.len(), "{engine}: {reason:?}");
                    let block = block(reason.clone(), initiator);
                    let line = block.console_message(engine);
                    let reading =
                        table.read(&line).unwrap_or_else(|| panic!("{engine}: not a block: {line}"));
                    assert_eq!(reading.class, table.class_of(&reason), "{engine}: {line}");
                    let preflight = block.stage == Stage::Preflight;
                    if table.names_the_step {
                        assert_eq!(reading.in_preflight, Some(preflight), "{engine}: {line}");
                    } else if let Some(blamed) = reading.in_preflight {
                        assert_eq!(blamed, preflight, "{engine}: {line}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_key_is_in_its_written_sentence() {
        for engine in Engine::ALL {
            let table = engine.console();
            for sentence in table.sentences {
                assert!(!sentence.key.is_empty(), "{engine}");
                if let Some(template) = sentence.template {
                    assert!(table.plain_quotes(template).contains(sentence.key), "{engine}: {template}");
                }
            }
        }
    }
}
