//! A request's fate: what became of one request, in the terms two accounts of it are compared
//! in. A browser's observation, a recorded snapshot and the oracle's prediction each become a
//! [`Fate`], so that "the oracle agrees with the browser" and "the engines agree" are defined
//! once, here, rather than by each comparison's own list of fields.
//!
//! Two comparisons read it. The oracle's agreement tests compare every [`Field`]. The
//! cross-engine matrix compares and shows a [`Glance`]: a cell has room for the outcome and the
//! preflight's part in it, and rows are compared on what they show.

use std::fmt;

use corsproof_scenario::{Outcome, ReasonClass};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::observe::RequestObservation;
use crate::predict::Prediction;

/// What became of one request, in the fields a browser and the oracle are compared on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Fate {
    /// Allowed, blocked, a network error, or a timeout.
    pub outcome: Outcome,
    /// The class of the browser's reason, for blocks.
    #[serde(default)]
    pub reason_class: Option<ReasonClass>,
    /// Whether the block was blamed on the preflight.
    #[serde(default)]
    pub reason_in_preflight: bool,
    /// The engine's console line for a block, word for word (redacted: origins as `{api}`,
    /// tokens as `{token1}`, no query); `None` for a request that was not blocked, and where
    /// the engine's console is not read. A network error's line is not part of a fate: the
    /// oracle does not word network failures as the engines' consoles do.
    #[serde(default)]
    pub reason: Option<String>,
    /// Whether a preflight reached the server (unknown against `--target`).
    pub preflight: Option<bool>,
    /// Whether the actual request reached the server (unknown against `--target`).
    pub reached_server: Option<bool>,
    /// The status the page read.
    #[serde(default)]
    pub status: Option<u16>,
    /// The response header names the page could read, sorted.
    pub readable_headers: Vec<String>,
}

impl Fate {
    /// The fate a browser observed.
    pub fn observed(request: &RequestObservation) -> Self {
        Self {
            outcome: request.outcome,
            reason_class: request.reason_class,
            reason_in_preflight: request.reason_in_preflight,
            reason: block_line(request.outcome, request.reason.as_deref()),
            preflight: request.preflight,
            reached_server: request.reached_server,
            status: request.status,
            readable_headers: request.readable_headers.clone(),
        }
    }

    /// The fate the oracle predicts; the oracle always knows what reached the server.
    pub fn predicted(prediction: &Prediction) -> Self {
        Self {
            outcome: prediction.outcome,
            reason_class: prediction.reason_class,
            reason_in_preflight: prediction.reason_in_preflight,
            reason: block_line(prediction.outcome, prediction.reason.as_deref()),
            preflight: Some(prediction.preflight),
            reached_server: Some(prediction.reached_server),
            status: prediction.status,
            readable_headers: prediction.readable_headers.clone(),
        }
    }

    /// The fate a snapshot recorded: one entry of its `requests`, read as YAML or JSON. The
    /// fields the snapshot writer leaves out when they are empty read as empty.
    pub fn recorded(request: &Value) -> Result<Self, serde_json::Error> {
        let fate = Self::deserialize(request)?;
        Ok(Self { reason: block_line(fate.outcome, fate.reason.as_deref()), ..fate })
    }

    /// One field's value, as a snapshot writes it.
    pub fn value(&self, field: Field) -> Value {
        match field {
            Field::Outcome => json!(self.outcome.name()),
            Field::ReasonClass => self.reason_class.map_or(Value::Null, |class| json!(class.name())),
            Field::ReasonInPreflight => json!(self.reason_in_preflight),
            Field::Reason => json!(self.reason),
            Field::Preflight => json!(self.preflight),
            Field::ReachedServer => json!(self.reached_server),
            Field::Status => json!(self.status),
            Field::ReadableHeaders => json!(self.readable_headers),
        }
    }

    /// The fields in which `other` differs from this fate, in [`Field::ALL`]'s order.
    pub fn differences(&self, other: &Fate) -> Vec<Difference> {
        Field::ALL
            .into_iter()
            .filter_map(|field| {
                let (this, other) = (self.value(field), other.value(field));
                (this != other).then_some(Difference { field, this, other })
            })
            .collect()
    }

    /// What the matrix shows and compares of it.
    pub fn glance(&self) -> Glance {
        Glance {
            outcome: self.outcome,
            in_preflight: self.reason_in_preflight,
            preflighted: self.preflight == Some(true),
        }
    }
}

/// One field of a [`Fate`]; deviation files name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// [`Fate::outcome`].
    Outcome,
    /// [`Fate::reason_class`].
    ReasonClass,
    /// [`Fate::reason_in_preflight`].
    ReasonInPreflight,
    /// [`Fate::reason`].
    Reason,
    /// [`Fate::preflight`].
    Preflight,
    /// [`Fate::reached_server`].
    ReachedServer,
    /// [`Fate::status`].
    Status,
    /// [`Fate::readable_headers`].
    ReadableHeaders,
}

impl Field {
    /// Every field, in the order snapshots write them.
    pub const ALL: [Field; 8] = [
        Field::Outcome,
        Field::ReasonClass,
        Field::ReasonInPreflight,
        Field::Reason,
        Field::Preflight,
        Field::ReachedServer,
        Field::Status,
        Field::ReadableHeaders,
    ];

    /// The name snapshots and deviation files use (`reason_in_preflight`).
    pub fn name(self) -> &'static str {
        match self {
            Field::Outcome => "outcome",
            Field::ReasonClass => "reason_class",
            Field::ReasonInPreflight => "reason_in_preflight",
            Field::Reason => "reason",
            Field::Preflight => "preflight",
            Field::ReachedServer => "reached_server",
            Field::Status => "status",
            Field::ReadableHeaders => "readable_headers",
        }
    }

    /// The field a deviation file names `name`, if any.
    pub fn named(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.name() == name)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A request's console line when it was blocked: the line of a block is the engine's CORS
/// sentence, which both accounts word; any other failure's line is not compared.
fn block_line(outcome: Outcome, line: Option<&str>) -> Option<String> {
    line.filter(|_| outcome == Outcome::Blocked).map(str::to_owned)
}

/// One field in which two fates differ, each side's value as a snapshot writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The field.
    pub field: Field,
    /// Its value in the fate compared from ([`Fate::differences`]'s receiver).
    pub this: Value,
    /// Its value in the fate compared with.
    pub other: Value,
}

/// A fate at a glance: the outcome and the preflight's part in it. The matrix shows this in a
/// cell and compares engines on it; the console's words and the other fields differ between
/// engines that do the same thing, or do not fit in a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Glance {
    /// Allowed, blocked, a network error, or a timeout.
    pub outcome: Outcome,
    /// Whether the browser blamed the preflight.
    pub in_preflight: bool,
    /// Whether a preflight reached the server (engines differ in what their preflight cache
    /// spares).
    pub preflighted: bool,
}

impl fmt::Display for Glance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.preflighted && !self.in_preflight {
            f.write_str("preflight + ")?;
        }
        f.write_str(self.outcome.name())?;
        if self.in_preflight {
            f.write_str(" (preflight)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prediction() -> Prediction {
        Prediction {
            outcome: Outcome::Blocked,
            reason_class: Some(ReasonClass::PreflightStatus),
            reason_in_preflight: true,
            reason: Some("Response to preflight request doesn't pass".to_owned()),
            preflight: true,
            reached_server: false,
            status: None,
            readable_headers: vec![],
        }
    }

    #[test]
    fn a_snapshot_request_reads_as_the_fate_it_recorded() {
        let recorded = json!({
            "request": "PUT {api}/t/{token1}/data",
            "outcome": "blocked",
            "reason_class": "preflight-status",
            "reason_in_preflight": true,
            "reason": "Response to preflight request doesn't pass",
            "readable_headers": [],
            "preflight": true,
            "reached_server": false,
        });
        let fate = Fate::recorded(&recorded).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(fate, Fate::predicted(&prediction()));
        assert!(fate.differences(&Fate::predicted(&prediction())).is_empty());
    }

    #[test]
    fn fields_the_writer_leaves_out_read_as_empty_and_unknown_ones_as_null() {
        let recorded = json!({"outcome": "allowed", "readable_headers": ["x-total"], "preflight": null, "reached_server": null});
        let fate = Fate::recorded(&recorded).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!((fate.reason_class, fate.reason_in_preflight, fate.status), (None, false, None));
        let differences = fate.differences(&Fate::predicted(&prediction()));
        let named: Vec<String> = differences
            .iter()
            .map(|difference| format!("{} {} {}", difference.field, difference.this, difference.other))
            .collect();
        assert_eq!(
            named,
            [
                "outcome \"allowed\" \"blocked\"",
                "reason_class null \"preflight-status\"",
                "reason_in_preflight false true",
                "reason null \"Response to preflight request doesn't pass\"",
                "preflight null true",
                "reached_server null false",
                "readable_headers [\"x-total\"] []",
            ]
        );
    }

    #[test]
    fn only_a_blocks_console_line_is_part_of_its_fate() {
        let line = "Failed to load resource: net::ERR_TOO_MANY_REDIRECTS";
        let recorded = json!({"outcome": "network-error", "reason": line, "readable_headers": [], "preflight": false, "reached_server": true});
        let fate = Fate::recorded(&recorded).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(fate.reason, None);
        let blocked = json!({"outcome": "blocked", "reason": line, "readable_headers": [], "preflight": false, "reached_server": true});
        let fate = Fate::recorded(&blocked).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(fate.reason.as_deref(), Some(line));
    }

    #[test]
    fn every_field_is_found_by_its_name() {
        for field in Field::ALL {
            assert_eq!(Field::named(field.name()), Some(field));
        }
        assert_eq!(Field::named("console"), None);
    }

    #[test]
    fn a_glance_shows_the_preflight_only_when_it_went_out_or_was_blamed() {
        let glance = |reason_in_preflight, preflight| {
            let fate = Fate { reason_in_preflight, preflight, ..Fate::predicted(&prediction()) };
            fate.glance().to_string()
        };
        assert_eq!(glance(true, Some(true)), "blocked (preflight)");
        assert_eq!(glance(false, Some(true)), "preflight + blocked");
        assert_eq!(glance(false, None), "blocked");
        assert_eq!(glance(false, Some(false)), "blocked");
    }
}
