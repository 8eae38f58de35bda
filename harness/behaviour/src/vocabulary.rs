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
//! Each word is described once, by its [`WordSpec`] ([`Word::spec`]): [`parse`], [`to_query`],
//! [`Words`] (which a scenario file's `server` table is read with), [`reference()`] and the
//! documentation tables all derive from it.
//!
//! ```
//! use corsproof_behaviour::{vocabulary, AllowOrigin};
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

/// Declares [`Word`] and [`Word::ALL`] from one list, so that no word can be left out of `ALL`.
macro_rules! words {
    ($($(#[doc = $doc:literal])* $variant:ident,)+) => {
        /// One word of the vocabulary; [`Word::spec`] says everything about it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Word {
            $($(#[doc = $doc])* $variant,)+
        }

        impl Word {
            /// Every word, in the order the documentation lists them.
            pub const ALL: [Word; [$(Word::$variant),+].len()] = [$(Word::$variant),+];
        }
    };
}

words! {
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

/// Everything the vocabulary knows of one word, in one place: its key, what it means, whether
/// it repeats, and how its part of a [`Reply`] is set from text, cleared and written back.
#[derive(Debug, Clone, Copy)]
pub struct WordSpec {
    /// The query key (`max_age`).
    pub key: &'static str,
    /// What the word's value means, for [`reference()`] and the documentation tables.
    pub meaning: &'static str,
    /// Whether the word may be given several times, each value adding a header line.
    pub repeatable: bool,
    /// Sets one value, read from text, on a reply (adds it, for a repeatable word); the error
    /// says what was expected.
    set: fn(&mut Reply, &str) -> Result<(), String>,
    /// Puts the word's part of a reply back to its default.
    clear: fn(&mut Reply),
    /// The word's part of a reply as the texts that `set` reads back; empty at the default.
    write: fn(&Reply) -> Vec<String>,
}

impl Word {
    /// The word's description. Adding a word is adding a variant above and its arm here (the
    /// compiler points at it), its field in [`Reply`] and its encoding in the server's wire form.
    pub fn spec(self) -> WordSpec {
        match self {
            Word::Acao => WordSpec {
                key: "acao",
                meaning: "`Access-Control-Allow-Origin`: `origin` echoes the request's Origin; anything else \
                          (`*`, `null`, a URL, `a, b`) is sent as written",
                repeatable: true,
                set: |reply, text| {
                    reply.allow_origin.push(match text {
                        ECHO_ORIGIN => AllowOrigin::Echo,
                        literal => AllowOrigin::Literal(header_value(literal)?),
                    });
                    Ok(())
                },
                clear: |reply| reply.allow_origin.clear(),
                write: |reply| {
                    let text = |value: &AllowOrigin| match value {
                        AllowOrigin::Echo => ECHO_ORIGIN.to_owned(),
                        AllowOrigin::Literal(text) => text.clone(),
                    };
                    reply.allow_origin.iter().map(text).collect()
                },
            },
            Word::Acac => WordSpec {
                key: "acac",
                meaning: "`Access-Control-Allow-Credentials`, as written (`true`, or a wrong `TRUE`)",
                repeatable: false,
                set: |reply, text| set_text(&mut reply.allow_credentials, text),
                clear: |reply| reply.allow_credentials = None,
                write: |reply| reply.allow_credentials.iter().cloned().collect(),
            },
            Word::Acam => WordSpec {
                key: "acam",
                meaning: "`Access-Control-Allow-Methods`, as written (`PUT, DELETE`)",
                repeatable: false,
                set: |reply, text| set_text(&mut reply.allow_methods, text),
                clear: |reply| reply.allow_methods = None,
                write: |reply| reply.allow_methods.iter().cloned().collect(),
            },
            Word::Acah => WordSpec {
                key: "acah",
                meaning: "`Access-Control-Allow-Headers`, as written (`x-custom, content-type`)",
                repeatable: false,
                set: |reply, text| set_text(&mut reply.allow_headers, text),
                clear: |reply| reply.allow_headers = None,
                write: |reply| reply.allow_headers.iter().cloned().collect(),
            },
            Word::Aceh => WordSpec {
                key: "aceh",
                meaning: "`Access-Control-Expose-Headers`, as written (`x-total`)",
                repeatable: false,
                set: |reply, text| set_text(&mut reply.expose_headers, text),
                clear: |reply| reply.expose_headers = None,
                write: |reply| reply.expose_headers.iter().cloned().collect(),
            },
            Word::MaxAge => WordSpec {
                key: "max_age",
                meaning: "`Access-Control-Max-Age`, as written (`600`, or an invalid value)",
                repeatable: false,
                set: |reply, text| set_text(&mut reply.max_age, text),
                clear: |reply| reply.max_age = None,
                write: |reply| reply.max_age.iter().cloned().collect(),
            },
            Word::Vary => WordSpec {
                key: "vary",
                meaning: "`Vary`, as written (`Origin`)",
                repeatable: false,
                set: |reply, text| set_text(&mut reply.vary, text),
                clear: |reply| reply.vary = None,
                write: |reply| reply.vary.iter().cloned().collect(),
            },
            Word::Status => WordSpec {
                key: "status",
                meaning: "the status code, 200 to 599; default 200, or 302 with `location`",
                repeatable: false,
                set: |reply, text| {
                    reply.status = Some(status(text)?);
                    Ok(())
                },
                clear: |reply| reply.status = None,
                write: |reply| reply.status.iter().map(u16::to_string).collect(),
            },
            Word::Location => WordSpec {
                key: "location",
                meaning: "redirect to this URL, on any origin (status 302 unless `status` says otherwise)",
                repeatable: false,
                set: |reply, text| set_text(&mut reply.location, text),
                clear: |reply| reply.location = None,
                write: |reply| reply.location.iter().cloned().collect(),
            },
            Word::DelayMs => WordSpec {
                key: "delay_ms",
                meaning: "wait this many milliseconds before answering, 0 to 600000",
                repeatable: false,
                set: |reply, text| {
                    reply.delay = delay(text)?;
                    Ok(())
                },
                clear: |reply| reply.delay = Duration::ZERO,
                write: |reply| match reply.delay {
                    Duration::ZERO => vec![],
                    delay => vec![delay.as_millis().to_string()],
                },
            },
            Word::Body => WordSpec {
                key: "body",
                meaning: "the response body (default `ok`)",
                repeatable: false,
                set: |reply, text| {
                    reply.body = Some(text.to_owned());
                    Ok(())
                },
                clear: |reply| reply.body = None,
                write: |reply| reply.body.iter().cloned().collect(),
            },
            Word::Header => WordSpec {
                key: "header",
                meaning: "any other response header, as `Name: value`",
                repeatable: true,
                set: |reply, text| {
                    let (name, value) =
                        text.split_once(':').ok_or_else(|| format!("`Name: value`, got `{text}`"))?;
                    let name = name.trim();
                    http::HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| format!("a header name before `:`, got `{name}`"))?;
                    reply.headers.push((name.to_owned(), header_value(value.trim())?));
                    Ok(())
                },
                clear: |reply| reply.headers.clear(),
                write: |reply| reply.headers.iter().map(|(name, value)| format!("{name}: {value}")).collect(),
            },
            Word::Cookie => WordSpec {
                key: "cookie",
                meaning: "a `Set-Cookie` line (`sid=1; SameSite=None; Secure`)",
                repeatable: true,
                set: |reply, text| {
                    reply.cookies.push(header_value(text)?);
                    Ok(())
                },
                clear: |reply| reply.cookies.clear(),
                write: |reply| reply.cookies.clone(),
            },
            Word::Close => WordSpec {
                key: "close",
                meaning: "`true` closes the connection without answering (after any delay)",
                repeatable: false,
                set: |reply, text| {
                    reply.close = match text {
                        "true" => true,
                        "false" => false,
                        other => return Err(format!("`true` or `false`, got `{other}`")),
                    };
                    Ok(())
                },
                clear: |reply| reply.close = false,
                write: |reply| if reply.close { vec!["true".to_owned()] } else { vec![] },
            },
        }
    }

    /// The query key.
    pub fn key(self) -> &'static str {
        self.spec().key
    }

    /// The word a query key names, with or without the `preflight_` prefix.
    pub fn of_key(key: &str) -> Option<Word> {
        let bare = key.strip_prefix(PREFLIGHT_PREFIX).unwrap_or(key);
        Word::ALL.into_iter().find(|word| word.key() == bare)
    }
}

/// A query or table that does not describe a behaviour.
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
        let spec = word.spec();
        let repeats = if spec.repeatable { "; repeatable" } else { "" };
        text.push_str(&format!("  {:<10} {}{repeats}\n", spec.key, spec.meaning));
    }
    text
}

/// The words of one query, or of one scenario file's `server` table, gathered value by value
/// before they become a [`Behaviour`].
///
/// ```
/// use corsproof_behaviour::vocabulary::Words;
///
/// let mut words = Words::default();
/// words.add("acao", "origin").unwrap();
/// words.add("preflight_status", "204").unwrap();
/// assert!(words.add("preflight_status", "200").is_err(), "`status` takes one value");
/// assert_eq!(words.behaviour().unwrap().preflight.status, Some(204));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Words {
    actual: Vec<(Word, Vec<String>)>,
    preflight: Vec<(Word, Vec<String>)>,
}

impl Words {
    /// Adds one `key = value`; refuses a key that is no word, and a second value for a word that
    /// takes one.
    pub fn add(&mut self, key: &str, value: impl Into<String>) -> Result<(), VocabularyError> {
        let word = Word::of_key(key).ok_or_else(|| VocabularyError {
            key: key.to_owned(),
            problem: "not a word of the vocabulary".to_owned(),
        })?;
        let group = if key.starts_with(PREFLIGHT_PREFIX) { &mut self.preflight } else { &mut self.actual };
        match group.iter_mut().find(|(seen, _)| *seen == word) {
            Some(_) if !word.spec().repeatable => Err(VocabularyError {
                key: key.to_owned(),
                problem: "given more than once, but it takes one value".to_owned(),
            }),
            Some((_, values)) => {
                values.push(value.into());
                Ok(())
            }
            None => {
                group.push((word, vec![value.into()]));
                Ok(())
            }
        }
    }

    /// The behaviour the words describe: the unprefixed words make both replies, then the
    /// `preflight_` words replace theirs in the preflight's; the error names the first value
    /// a word refuses.
    pub fn behaviour(&self) -> Result<Behaviour, VocabularyError> {
        let mut behaviour = Behaviour::default();
        apply(&mut behaviour.actual, &self.actual, "")?;
        behaviour.preflight = behaviour.actual.clone();
        apply(&mut behaviour.preflight, &self.preflight, PREFLIGHT_PREFIX)?;
        Ok(behaviour)
    }
}

/// Sets each word's values on `reply`, replacing what it had; a lone `none` only clears.
fn apply(reply: &mut Reply, words: &[(Word, Vec<String>)], prefix: &str) -> Result<(), VocabularyError> {
    for (word, values) in words {
        let spec = word.spec();
        (spec.clear)(reply);
        if values.len() == 1 && values[0] == NONE {
            continue;
        }
        for value in values {
            (spec.set)(reply, value).map_err(|expected| VocabularyError {
                key: format!("{prefix}{}", spec.key),
                problem: format!("expected {expected}"),
            })?;
        }
    }
    Ok(())
}

/// Reads a behaviour from a URL query (without the `?`).
pub fn parse(query: &str) -> Result<Behaviour, VocabularyError> {
    let mut words = Words::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if !key.starts_with('_') {
            words.add(&key, value)?;
        }
    }
    words.behaviour()
}

/// The behaviour as `(key, values)` pairs, in the vocabulary's order, that [`Words`] reads back
/// to the same behaviour: every word that differs from the default, then its `preflight_`
/// form where the preflight's reply differs (`none` where the preflight has nothing).
///
/// Literal values that are vocabulary keywords (`none` alone, `origin` for `acao`) cannot be
/// told apart from the keywords and come back as the keywords.
pub fn to_words(behaviour: &Behaviour) -> Vec<(String, Vec<String>)> {
    let mut words = Vec::new();
    for word in Word::ALL {
        let spec = word.spec();
        let actual = (spec.write)(&behaviour.actual);
        let preflight = (spec.write)(&behaviour.preflight);
        let preflight_differs = preflight != actual;
        if !actual.is_empty() {
            words.push((spec.key.to_owned(), actual));
        }
        if preflight_differs {
            let values = if preflight.is_empty() { vec![NONE.to_owned()] } else { preflight };
            words.push((format!("{PREFLIGHT_PREFIX}{}", spec.key), values));
        }
    }
    words
}

/// Writes a behaviour as a URL query (without the `?`) that [`parse`] reads back: the wire form
/// of a behaviour, one pair per value of [`to_words`].
pub fn to_query(behaviour: &Behaviour) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, values) in to_words(behaviour) {
        for value in &values {
            query.append_pair(&key, value);
        }
    }
    query.finish()
}

fn set_text(field: &mut Option<String>, text: &str) -> Result<(), String> {
    *field = Some(header_value(text)?);
    Ok(())
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

    #[test]
    fn every_word_is_set_from_text_and_written_back() {
        for word in Word::ALL {
            let spec = word.spec();
            let sample = match word {
                Word::Status => "204",
                Word::DelayMs => "5",
                Word::Close => "true",
                Word::Header => "X-A: 1",
                _ => "x",
            };
            let mut reply = Reply::new();
            (spec.set)(&mut reply, sample).unwrap_or_else(|e| panic!("{}: {e}", spec.key));
            assert_eq!((spec.write)(&reply), [sample], "{}", spec.key);
            (spec.clear)(&mut reply);
            assert_eq!(reply, Reply::new(), "{} clears to the default", spec.key);
        }
    }

    #[test]
    fn the_delay_meaning_names_the_longest_delay() {
        assert!(Word::DelayMs.spec().meaning.contains(&MAX_DELAY.as_millis().to_string()));
    }
}
