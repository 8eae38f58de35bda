//! proptest strategies for a policy: origins it allows, origins an attacker would try (every
//! misconfiguration class scanners probe), and whole probes mixing them with methods, headers and
//! credentials. Each shrinks toward the simplest case: the first allowed origin or an unrelated
//! attacker origin, `GET`, no headers, no credentials.
//!
//! ```
//! use corsproof_check::{Policy, strategies};
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//!
//! let policy = Policy::builder().allow_origin(["https://app.example"]).build().unwrap();
//! let attacker = strategies::attacker_origin(&policy).unwrap();
//! let mut runner = TestRunner::deterministic();
//! for _ in 0..100 {
//!     let origin = attacker.new_tree(&mut runner).unwrap().current();
//!     assert!(!policy.allows_origin(&origin), "{origin}");
//! }
//! ```

use std::fmt;

use corsproof_oracle::Origin;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::SBoxedStrategy;

use crate::policy::{Allow, Policy};
use crate::probe::Probe;

/// A way a server's origin check goes wrong, and the origin that exploits it.
///
/// Case and trailing-slash variants are not among them: a browser never sends those (it
/// serializes the origin lower-case, without a path), so only a hand-made request could.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attack {
    /// Any origin at all, which a server that reflects `Origin` allows.
    Reflection,
    /// `null`: sandboxed iframes, `data:` and `file:` pages, tainted redirects.
    Null,
    /// The allowed host followed by the attacker's domain: `https://app.example.evil.com`.
    Prefix,
    /// The attacker's name glued before the allowed host: `https://evilapp.example`.
    Suffix,
    /// The allowed host inside the attacker's: `https://evilapp.example.evil`.
    Substring,
    /// A dot of the allowed host replaced, as an unescaped `.` in a regex lets through:
    /// `https://appxexample.com` for `https://app.example.com`.
    UnescapedDot,
    /// `http://` for an `https://` origin: anyone on the network can be that page.
    PlainHttp,
    /// A subdomain of the allowed host: `https://x.app.example`, often hosted by others.
    Subdomain,
    /// The allowed host on another port.
    OtherPort,
    /// Characters naive parsers split on: `https://app.example_.evil.com`.
    OddCharacters,
}

impl Attack {
    /// Every attack, the simplest first (shrinking moves toward it).
    pub const ALL: [Attack; 10] = [
        Attack::Reflection,
        Attack::Null,
        Attack::Prefix,
        Attack::Suffix,
        Attack::Substring,
        Attack::UnescapedDot,
        Attack::PlainHttp,
        Attack::Subdomain,
        Attack::OtherPort,
        Attack::OddCharacters,
    ];

    /// The origin this attack tries against `allowed`, with `label` as the attacker's name
    /// (lower-case letters and digits, as a host label); `None` when the attack does not apply (no dot to
    /// replace, already `http`) or gives no origin a browser would send.
    ///
    /// ```
    /// use corsproof_check::strategies::Attack;
    /// let allowed = "https://app.example.com".parse().unwrap();
    /// assert_eq!(Attack::Prefix.origin(&allowed, "evil").unwrap(), "https://app.example.com.evil.com");
    /// assert_eq!(Attack::UnescapedDot.origin(&allowed, "x").unwrap(), "https://appxexample.com");
    /// ```
    pub fn origin(self, allowed: &Origin, label: &str) -> Option<String> {
        let (scheme, host) = (allowed.scheme()?, allowed.host()?);
        let port = allowed.port().map(|port| format!(":{port}")).unwrap_or_default();
        let candidate = match self {
            Attack::Reflection => format!("https://{label}.example.net"),
            Attack::Null => return Some("null".to_owned()),
            Attack::Prefix => format!("{scheme}://{host}.{label}.com{port}"),
            Attack::Suffix => format!("{scheme}://{label}{host}{port}"),
            Attack::Substring => format!("{scheme}://{label}{host}.{label}{port}"),
            Attack::UnescapedDot => {
                let dot = host.rfind('.')?;
                let replaced = if host[..dot].contains('.') { host.find('.')? } else { dot };
                let letter = label.chars().next().unwrap_or('x');
                format!("{scheme}://{}{letter}{}{port}", &host[..replaced], &host[replaced + 1..])
            }
            Attack::PlainHttp if scheme == "https" => format!("http://{host}{port}"),
            Attack::PlainHttp => return None,
            Attack::Subdomain => format!("{scheme}://{label}.{host}{port}"),
            Attack::OtherPort => {
                let other = allowed.port().map_or(8443, |port| port.wrapping_add(1).max(1));
                format!("{scheme}://{host}:{other}")
            }
            Attack::OddCharacters => format!("{scheme}://{host}_.{label}.com{port}"),
        };
        // What a browser would put in `Origin`: the parsed, serialized form, if any.
        let origin: Origin = candidate.parse().ok()?;
        (!origin.is_opaque()).then(|| origin.serialize())
    }
}

impl fmt::Display for Attack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Attack::Reflection => "an unrelated origin",
            Attack::Null => "the null origin",
            Attack::Prefix => "the allowed host as a prefix",
            Attack::Suffix => "the allowed host as a suffix",
            Attack::Substring => "the allowed host as a substring",
            Attack::UnescapedDot => "a dot of the allowed host replaced",
            Attack::PlainHttp => "http instead of https",
            Attack::Subdomain => "a subdomain of the allowed host",
            Attack::OtherPort => "the allowed host on another port",
            Attack::OddCharacters => "odd characters after the allowed host",
        })
    }
}

/// An attacker's name: short, lower-case, shrinking to `a`.
fn label() -> impl Strategy<Value = String> + Clone {
    "[a-z][a-z0-9]{0,7}"
}

/// A plausible page origin of any kind, for policies that allow every origin.
fn any_origin() -> impl Strategy<Value = String> + Clone {
    (select(vec!["https", "http"]), label(), select(vec!["example", "example.org", "github.io"]))
        .prop_map(|(scheme, name, domain)| format!("{scheme}://{name}.{domain}"))
}

/// Origins the policy allows: its listed ones, or anything (`null` included) under `*`.
pub fn allowed_origin(policy: &Policy) -> SBoxedStrategy<String> {
    match policy.origins() {
        Allow::Only(origins) => select(origins.clone()).sboxed(),
        Allow::Any => prop_oneof![any_origin(), Just("null".to_owned())].sboxed(),
    }
}

/// Origins the policy does not allow, built from each allowed origin by every [`Attack`];
/// `None` when the policy allows every origin.
pub fn attacker_origin(policy: &Policy) -> Option<SBoxedStrategy<String>> {
    let Allow::Only(listed) = policy.origins() else { return None };
    let allowed: Vec<Origin> = listed.iter().filter_map(|origin| origin.parse().ok()).collect();
    let policy = policy.clone();
    Some(
        (select(Attack::ALL.to_vec()), select(allowed), label())
            .prop_filter_map("the policy allows this origin", move |(attack, allowed, label)| {
                attack.origin(&allowed, &label).filter(|origin| !policy.allows_origin(origin))
            })
            .sboxed(),
    )
}

/// Methods worth trying: the safelisted ones (`GET` first, where shrinking goes), the policy's,
/// and a few it may not allow, `patch` in lower case included (browsers send it as written).
fn method(policy: &Policy) -> impl Strategy<Value = String> + Clone + use<> {
    let mut methods: Vec<String> = ["GET", "POST", "HEAD"].map(String::from).to_vec();
    methods.extend(policy.methods().listed().iter().cloned());
    methods.extend(["PUT", "DELETE", "PATCH", "patch", "PROPFIND"].map(String::from));
    let mut unique = Vec::with_capacity(methods.len());
    for method in methods {
        if !unique.contains(&method) {
            unique.push(method);
        }
    }
    select(unique)
}

/// Request headers worth trying: safelisted ones, the policy's, and some it may not allow.
fn header(policy: &Policy) -> impl Strategy<Value = (String, String)> + Clone + use<> {
    let mut headers: Vec<(String, String)> = [
        ("content-type", "text/plain"),
        ("accept-language", "en"),
        ("content-type", "application/json"),
        ("x-requested-with", "XMLHttpRequest"),
        ("authorization", "Bearer corsproof"),
        ("x-corsproof-unlisted", "1"),
    ]
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .to_vec();
    for name in policy.headers().listed() {
        if !headers.iter().any(|(listed, _)| listed == name) {
            headers.push((name.clone(), "1".to_owned()));
        }
    }
    select(headers)
}

/// Probes of `url` as pages make them: from allowed and attacker origins, with methods, request
/// headers and credentials the policy allows or not.
///
/// ```
/// use corsproof_check::{Policy, strategies};
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
///
/// let policy = Policy::builder().allow_origin(["https://app.example"]).allow_methods(["PUT"]).build().unwrap();
/// let probes = strategies::probe(&policy, "http://127.0.0.1:3000/api");
/// let probe = probes.new_tree(&mut TestRunner::deterministic()).unwrap().current();
/// assert_eq!(probe.url(), "http://127.0.0.1:3000/api");
/// ```
pub fn probe(policy: &Policy, url: &str) -> SBoxedStrategy<Probe> {
    let origin = match attacker_origin(policy) {
        Some(attacker) => prop_oneof![allowed_origin(policy), attacker].sboxed(),
        None => allowed_origin(policy),
    };
    let url = url.to_owned();
    // The policy's cookies ride every probe; the cookie rules decide which requests carry them.
    let cookies = policy.cookies().to_vec();
    (origin, method(policy), proptest::collection::vec(header(policy), 0..=2), any::<bool>())
        .prop_map(move |(origin, method, headers, credentials)| {
            let probe = headers
                .into_iter()
                .fold(Probe::new(url.clone()).origin(origin).method(method), |probe, (name, value)| {
                    probe.header(name, value)
                })
                .credentials(credentials);
            cookies.iter().fold(probe, |probe, cookie| probe.cookie(cookie.clone()))
        })
        .sboxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Any;

    fn policy() -> Policy {
        Policy::builder()
            .allow_origin([
                "https://app.example.com",
                "http://localhost:3000",
                "https://app.example.com.evil.com",
            ])
            .build()
            .unwrap()
    }

    proptest! {
        #[test]
        fn every_attacker_origin_is_disallowed(origin in attacker_origin(&policy()).unwrap()) {
            prop_assert!(!policy().allows_origin(&origin), "{origin}");
            prop_assert!(origin == "null" || origin.parse::<Origin>().is_ok_and(|o| o.serialize() == origin));
        }

        #[test]
        fn every_allowed_origin_is_allowed(origin in allowed_origin(&policy())) {
            prop_assert!(policy().allows_origin(&origin));
        }

        #[test]
        fn under_a_wildcard_any_origin_is_allowed(origin in allowed_origin(&Policy::builder().allow_origin(Any).build().unwrap())) {
            prop_assert!(origin == "null" || origin.parse::<Origin>().is_ok());
        }
    }

    #[test]
    fn every_attack_applies_to_an_https_origin_with_a_dotted_host() {
        let allowed: Origin = "https://app.example.com".parse().unwrap();
        for attack in Attack::ALL {
            let origin = attack.origin(&allowed, "evil");
            assert!(origin.as_ref().is_some_and(|o| o != allowed.as_str()), "{attack}: {origin:?}");
        }
    }

    #[test]
    fn a_wildcard_policy_has_no_attacker() {
        assert!(attacker_origin(&Policy::builder().allow_origin(Any).build().unwrap()).is_none());
    }
}
