//! The query vocabulary: a [`Behaviour`] written in a URL, for ad-hoc use from a browser or curl.
//!
//! `GET /echo?acao=origin&acac=true&status=500` answers 500 with the request's Origin echoed and
//! `Access-Control-Allow-Credentials: true`. Every word applies to the preflight and to the actual
//! request; the same word with a `preflight_` prefix replaces it for the preflight only
//! (`preflight_status=404`). The value `none` removes what a word would send, which is how a
//! preflight drops a header the actual reply has (`acao=origin&preflight_acao=none`). Words that
//! start with `_` are ignored, so a URL can carry a cache-buster. Anything else is an error that
//! lists the words it knows.
//!
//! ```
//! use corsproof_server::{vocabulary, AllowOrigin};
//!
//! let behaviour = vocabulary::parse("acao=origin&acam=PUT&preflight_status=204").unwrap();
//! assert_eq!(behaviour.actual.allow_origin, vec![AllowOrigin::Echo]);
//! assert_eq!(behaviour.preflight.status, Some(204));
//! assert_eq!(vocabulary::parse(&vocabulary::to_query(&behaviour)).unwrap(), behaviour);
//! ```

use std::fmt;
use std::time::Duration;

use crate::behaviour::{AllowOrigin, Behaviour, MAX_DELAY, Reply};

/// The prefix that makes a word apply to the preflight only.
pub const PREFLIGHT_PREFIX: &str = "preflight_";

/// The value that removes what a word would send.
pub const NONE: &str = "none";

/// The `acao` value that echoes the request's Origin.
pub const ECHO_ORIGIN: &str = "origin";

/// One word of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// `Access-Control-Allow-Origin`.
    Acao,
    /// `Access-Control-Allow-Credentials`.
    Acac,
    /// `Access-Control-Allow-Methods`.
    Acam,
    /// `Access-Control-Allow-Headers`.
    Acah,
    /// `Access-Control-Expose-Headers`.
    Aceh,
    /// `Access-Control-Max-Age`.
    MaxAge,
    /// `Vary`.
    Vary,
    /// The status code.
    Status,
    /// A redirect's `Location`.
    Location,
    /// A delay before answering.
    DelayMs,
    /// The body.
    Body,
    /// Any other header.
    Header,
    /// A `Set-Cookie` line.
    Cookie,
    /// Closing the connection without an answer.
    Close,
}

impl Word {
    /// Every word, in the order the documentation lists them.
    pub const ALL: [Word; 14] = [
        Word::Acao,
        Word::Acac,
        Word::Acam,
        Word::Acah,
        Word::Aceh,
        Word::MaxAge,
        Word::Vary,
        Word::Status,
        Word::Location,
        Word::DelayMs,
        Word::Body,
        Word::Header,
        Word::Cookie,
        Word::Close,
    ];

    /// The query key.
    pub fn key(self) -> &'static str {
        match self {
            Word::Acao => "acao",
            Word::Acac => "acac",
            Word::Acam => "acam",
            Word::Acah => "acah",
            Word::Aceh => "aceh",
            Word::MaxAge => "max_age",
            Word::Vary => "vary",
            Word::Status => "status",
            Word::Location => "location",
            Word::DelayMs => "delay_ms",
            Word::Body => "body",
            Word::Header => "header",
            Word::Cookie => "cookie",
            Word::Close => "close",
        }
    }

    /// What the word's value means.
    pub fn meaning(self) -> &'static str {
        match self {
            Word::Acao => {
                "Access-Control-Allow-Origin: `origin` echoes the request's Origin, anything else \
                 (`*`, `null`, a URL, a list) is sent as it is; repeat the word to send the header twice"
            }
            Word::Acac => "Access-Control-Allow-Credentials, as sent (`true`)",
            Word::Acam => "Access-Control-Allow-Methods, as sent (`PUT, DELETE`)",
            Word::Acah => "Access-Control-Allow-Headers, as sent (`x-custom, content-type`)",
            Word::Aceh => "Access-Control-Expose-Headers, as sent (`x-total`)",
            Word::MaxAge => "Access-Control-Max-Age, as sent (`600`, or an invalid value)",
            Word::Vary => "Vary, as sent (`Origin`)",
            Word::Status => "the status code, 200 to 599 (default 200, or 302 with `location`)",
            Word::Location => "redirect to this URL (status 302 unless `status` says otherwise)",
            Word::DelayMs => "wait this many milliseconds before answering (at most 600000)",
            Word::Body => "the response body (default `ok`)",
            Word::Header => "any other response header, as `Name: value`; repeatable",
            Word::Cookie => "a Set-Cookie line (`sid=1; SameSite=None; Secure`); repeatable",
            Word::Close => "`true` closes the connection without answering (after any delay)",
        }
    }

    /// Whether the word may be given several times (each adds a header line).
    pub fn repeatable(self) -> bool {
        matches!(self, Word::Acao | Word::Header | Word::Cookie)
    }

    fn from_key(key: &str) -> Option<Word> {
        Word::ALL.into_iter().find(|word| word.key() == key)
    }

    /// The field of the words whose value is one header's literal text.
    fn text_field(self, reply: &mut Reply) -> Option<&mut Option<String>> {
        Some(match self {
            Word::Acac => &mut reply.allow_credentials,
            Word::Acam => &mut reply.allow_methods,
            Word::Acah => &mut reply.allow_headers,
            Word::Aceh => &mut reply.expose_headers,
            Word::MaxAge => &mut reply.max_age,
            Word::Vary => &mut reply.vary,
            Word::Location => &mut reply.location,
            _ => return None,
        })
    }

    /// Adds one value to `reply` (for a repeatable word) or sets it.
    fn assign(self, reply: &mut Reply, value: &str) -> Result<(), String> {
        if let Some(field) = self.text_field(reply) {
            *field = Some(header_value(value)?);
            return Ok(());
        }
        match self {
            Word::Acao => reply.allow_origin.push(match value {
                ECHO_ORIGIN => AllowOrigin::Echo,
                literal => AllowOrigin::Literal(header_value(literal)?),
            }),
            Word::Status => reply.status = Some(status(value)?),
            Word::DelayMs => reply.delay = delay(value)?,
            Word::Body => reply.body = Some(value.to_owned()),
            Word::Header => {
                let (name, value) =
                    value.split_once(':').ok_or_else(|| format!("`Name: value`, got `{value}`"))?;
                let name = name.trim();
                http::HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| format!("a header name before `:`, got `{name}`"))?;
                reply.headers.push((name.to_owned(), header_value(value.trim())?));
            }
            Word::Cookie => reply.cookies.push(header_value(value)?),
            Word::Close => {
                reply.close = match value {
                    "true" => true,
                    "false" => false,
                    other => return Err(format!("`true` or `false`, got `{other}`")),
                }
            }
            _ => unreachable!("text words are handled above"),
        }
        Ok(())
    }

    /// Puts the word's part of `reply` back to its default.
    fn clear(self, reply: &mut Reply) {
        if let Some(field) = self.text_field(reply) {
            *field = None;
            return;
        }
        match self {
            Word::Acao => reply.allow_origin.clear(),
            Word::Status => reply.status = None,
            Word::DelayMs => reply.delay = Duration::ZERO,
            Word::Body => reply.body = None,
            Word::Header => reply.headers.clear(),
            Word::Cookie => reply.cookies.clear(),
            Word::Close => reply.close = false,
            _ => unreachable!("text words are handled above"),
        }
    }

    /// The values that [`assign`](Self::assign) turns back into `reply`'s part; empty at the default.
    fn values(self, reply: &Reply) -> Vec<String> {
        let mut reply = reply.clone();
        if let Some(field) = self.text_field(&mut reply) {
            return field.take().into_iter().collect();
        }
        match self {
            Word::Acao => reply
                .allow_origin
                .into_iter()
                .map(|value| match value {
                    AllowOrigin::Echo => ECHO_ORIGIN.to_owned(),
                    AllowOrigin::Literal(text) => text,
                })
                .collect(),
            Word::Status => reply.status.iter().map(u16::to_string).collect(),
            Word::DelayMs if reply.delay.is_zero() => vec![],
            Word::DelayMs => vec![reply.delay.as_millis().to_string()],
            Word::Body => reply.body.into_iter().collect(),
            Word::Header => reply.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect(),
            Word::Cookie => reply.cookies,
            Word::Close if reply.close => vec!["true".to_owned()],
            Word::Close => vec![],
            _ => unreachable!("text words are handled above"),
        }
    }
}

/// A query that does not describe a behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabularyError {
    /// The key as written in the query.
    pub key: String,
    /// What was wrong with it.
    pub problem: String,
}

impl fmt::Display for VocabularyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.key, self.problem)
    }
}

impl std::error::Error for VocabularyError {}

impl VocabularyError {
    /// The error and the whole vocabulary, as the plain-text body of a 400 answer.
    pub fn help_text(&self) -> String {
        format!("corsproof: bad query word {self}\n\n{}", reference())
    }
}

/// The vocabulary as plain text: one word a line with its meaning.
pub fn reference() -> String {
    let mut text = String::from(
        "Known words (prefix any with `preflight_` for OPTIONS preflights only; `none` removes; `_x` is ignored):\n",
    );
    for word in Word::ALL {
        text.push_str(&format!("  {:<10} {}\n", word.key(), word.meaning()));
    }
    text
}

/// Reads a behaviour from a URL query (without the `?`).
pub fn parse(query: &str) -> Result<Behaviour, VocabularyError> {
    let mut actual: Vec<(Word, Vec<String>)> = Vec::new();
    let mut preflight: Vec<(Word, Vec<String>)> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key.starts_with('_') {
            continue;
        }
        let (group, bare_key) = match key.strip_prefix(PREFLIGHT_PREFIX) {
            Some(bare) => (&mut preflight, bare),
            None => (&mut actual, key.as_ref()),
        };
        let word = Word::from_key(bare_key).ok_or_else(|| VocabularyError {
            key: key.to_string(),
            problem: "not a word of the vocabulary".to_owned(),
        })?;
        match group.iter_mut().find(|(seen, _)| *seen == word) {
            Some(_) if !word.repeatable() => {
                return Err(VocabularyError {
                    key: key.to_string(),
                    problem: "given more than once, but it takes one value".to_owned(),
                });
            }
            Some((_, values)) => values.push(value.into_owned()),
            None => group.push((word, vec![value.into_owned()])),
        }
    }

    let mut behaviour = Behaviour::default();
    apply(&mut behaviour.actual, &actual, "")?;
    behaviour.preflight = behaviour.actual.clone();
    apply(&mut behaviour.preflight, &preflight, PREFLIGHT_PREFIX)?;
    Ok(behaviour)
}

/// Sets each word's values on `reply`, replacing what it had.
fn apply(reply: &mut Reply, words: &[(Word, Vec<String>)], prefix: &str) -> Result<(), VocabularyError> {
    for (word, values) in words {
        word.clear(reply);
        if values.len() == 1 && values[0] == NONE {
            continue;
        }
        for value in values {
            word.assign(reply, value).map_err(|expected| VocabularyError {
                key: format!("{prefix}{}", word.key()),
                problem: format!("expected {expected}"),
            })?;
        }
    }
    Ok(())
}

/// Writes a behaviour as a URL query (without the `?`) that [`parse`] reads back.
///
/// Literal values that are vocabulary keywords (`none` anywhere, `origin` for `acao`) cannot be
/// told apart from the keywords and come back as the keywords.
pub fn to_query(behaviour: &Behaviour) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for word in Word::ALL {
        let actual = word.values(&behaviour.actual);
        for value in &actual {
            query.append_pair(word.key(), value);
        }
        let preflight = word.values(&behaviour.preflight);
        if preflight != actual {
            let key = format!("{PREFLIGHT_PREFIX}{}", word.key());
            if preflight.is_empty() {
                query.append_pair(&key, NONE);
            }
            for value in &preflight {
                query.append_pair(&key, value);
            }
        }
    }
    query.finish()
}

fn header_value(text: &str) -> Result<String, String> {
    http::HeaderValue::from_str(text)
        .map(|_| text.to_owned())
        .map_err(|_| format!("text that can be a header value, got {text:?}"))
}

fn status(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(code @ 200..=599) => Ok(code),
        _ => Err(format!("a status code from 200 to 599, got `{text}`")),
    }
}

fn delay(text: &str) -> Result<Duration, String> {
    match text.parse::<u64>() {
        Ok(ms) if Duration::from_millis(ms) <= MAX_DELAY => Ok(Duration::from_millis(ms)),
        _ => Err(format!("milliseconds from 0 to {}, got `{text}`", MAX_DELAY.as_millis())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unprefixed_words_apply_to_both_replies() {
        let behaviour = parse("acao=origin&acac=true").unwrap();
        assert_eq!(behaviour.actual, behaviour.preflight);
        assert_eq!(behaviour.actual.allow_credentials.as_deref(), Some("true"));
    }

    #[test]
    fn preflight_prefix_replaces_a_word_for_the_preflight_only() {
        let behaviour = parse("acao=origin&status=500&preflight_status=204&preflight_acao=none").unwrap();
        assert_eq!(behaviour.actual.status, Some(500));
        assert_eq!(behaviour.preflight.status, Some(204));
        assert!(behaviour.preflight.allow_origin.is_empty());
        assert_eq!(behaviour.actual.allow_origin, vec![AllowOrigin::Echo]);
    }

    #[test]
    fn repeating_acao_sends_the_header_twice() {
        let behaviour = parse("acao=origin&acao=*").unwrap();
        assert_eq!(behaviour.actual.allow_origin, vec![AllowOrigin::Echo, AllowOrigin::Literal("*".into())]);
    }

    #[test]
    fn unknown_word_is_named_and_the_vocabulary_listed() {
        let error = parse("acao=*&acoa=*").unwrap_err();
        assert_eq!(error.key, "acoa");
        let help = error.help_text();
        for word in Word::ALL {
            assert!(help.contains(word.key()), "help lists {}", word.key());
        }
    }

    #[test]
    fn bad_values_say_what_was_expected() {
        assert!(parse("status=99").unwrap_err().problem.contains("200 to 599"));
        assert!(parse("delay_ms=-1").unwrap_err().problem.contains("milliseconds"));
        assert!(parse("header=novalue").unwrap_err().problem.contains("Name: value"));
        assert!(parse("close=yes").unwrap_err().problem.contains("`true` or `false`"));
        assert!(parse("status=200&status=201").unwrap_err().problem.contains("more than once"));
        assert_eq!(parse("preflight_acac=%0Abad").unwrap_err().key, "preflight_acac");
    }

    #[test]
    fn underscore_words_are_ignored() {
        assert_eq!(parse("_=123&_bust=x").unwrap(), Behaviour::default());
    }

    #[test]
    fn location_without_status_redirects_with_302() {
        let behaviour = parse("location=http%3A%2F%2Fapi.test%2Fx").unwrap();
        assert_eq!(behaviour.actual.effective_status(), 302);
    }
}
