//! A check as a HAR file (`corsproof check --har FILE`): each exchange the checker made, in
//! order (the preflight, the actual request, each redirect hop), with the headers it sent and
//! the answer it got, and the oracle's verdict for the engine it judged for in `_corsproof`.

use corsproof_har::model::{CorsproofNote, Creator, Har, Header};
use corsproof_har::write::{Answer, Exchange};
use corsproof_oracle::Outcome;
use serde_json::Value;

use crate::checked::{Checked, Hop};
use crate::client::ClientError;

impl Checked {
    /// The exchanges as a HAR 1.2 file, one page titled with the checked request, that the
    /// browsers' developer tools open. No browser ran: `log.browser` names the engine the oracle
    /// judged for, and says so.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// use corsproof_check::{Checker, Probe};
    /// let checked = Checker::new().check(&Probe::new("http://127.0.0.1:3000/api").origin("https://app.example")).await.unwrap();
    /// let har = checked.to_har();
    /// assert_eq!(har.log.entries.len(), checked.hops().len());
    /// # }
    /// ```
    pub fn to_har(&self) -> Har {
        let note = self.note();
        let entries = self
            .hops
            .iter()
            .map(|hop| {
                let mut entry = exchange(hop).into_entry();
                entry.corsproof = Some(note.clone());
                entry
            })
            .collect();
        let mut browser = Creator::new(self.engine.name(), format!("oracle {}", env!("CARGO_PKG_VERSION")));
        browser.extra.insert(
            "comment".to_owned(),
            Value::from(format!(
                "no browser ran: corsproof's oracle judged each answer as {} would",
                self.engine
            )),
        );
        let title = format!("{} {} from a page at {}", self.probe.method, self.probe.url, self.probe.origin);
        let started = self.hops.first().map_or(0, |hop| hop.started_unix_ms);
        Har::by_corsproof(env!("CARGO_PKG_VERSION"), browser, &title, started, entries)
    }

    /// The verdict, as every entry of the check carries it.
    fn note(&self) -> CorsproofNote {
        let timed_out = matches!(self.connection_error(), Some(ClientError::Timeout(_)));
        let verdict = match &self.verdict.outcome {
            Outcome::Allowed(_) | Outcome::Opaque | Outcome::OpaqueRedirect => "allowed",
            Outcome::Blocked(_) => "blocked",
            Outcome::NetworkError(_) if timed_out => "timeout",
            Outcome::NetworkError(_) => "network-error",
        };
        CorsproofNote {
            verdict: verdict.to_owned(),
            reason: self.block().map(|block| self.engine.console().class_of(&block.reason).name().to_owned()),
            message: self.console_message(),
            engine: Some(self.engine.name().to_owned()),
        }
    }
}

/// One hop as the writer's exchange: what was sent, what came back.
fn exchange(hop: &Hop) -> Exchange {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let (answer, http_version, error) = match &hop.received {
        Ok(received) => {
            let answer = Answer {
                status: received.status,
                headers: received
                    .headers
                    .iter()
                    .map(|(name, value)| Header::new(name, text(value)))
                    .collect(),
                body: std::str::from_utf8(&received.body)
                    .ok()
                    .filter(|body| !body.is_empty())
                    .map(str::to_owned),
            };
            (Some(answer), received.version.to_owned(), None)
        }
        Err(error) => (None, String::new(), Some(error.to_string())),
    };
    Exchange {
        started_unix_ms: hop.started_unix_ms,
        time_ms: hop.took.as_secs_f64() * 1000.0,
        method: hop.sent.method.as_str().to_owned(),
        url: hop.sent.url.to_string(),
        http_version,
        request_headers: hop
            .headers
            .iter()
            .map(|(name, value)| Header::new(text(name), text(value)))
            .collect(),
        request_body_size: -1,
        answer,
        error,
        resource_type: if hop.is_preflight() { "preflight" } else { "fetch" },
    }
}
