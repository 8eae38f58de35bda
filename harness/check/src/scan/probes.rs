//! The default probe set of one endpoint: the request the endpoint really takes (its method,
//! headers, body and credentials), sent from the policy's own origins, which it must answer,
//! and from an origin of every attacker class, which it must not.

use corsproof_oracle::Origin;

use crate::policy::{Allow, Policy};
use crate::probe::Probe;
use crate::scan::endpoint::{Endpoint, EndpointKind};
use crate::strategies::Attack;

/// How many of a policy's origins are probed as allowed ones: the first few show whether the
/// allow-list works, the rest only multiply requests.
const ALLOWED_ORIGINS_PROBED: usize = 3;

/// The attacker's name in the origins it forges (`https://app.example.com.evil.com`).
const ATTACKER: &str = "evil";

/// A page origin for a policy that allows every origin: any site at all.
pub(crate) const ANY_SITE: &str = "https://corsproof-scan.example";

/// The policy an endpoint is judged by, and what reports call it.
#[derive(Clone, Debug)]
pub(crate) struct Judge {
    /// The policy's name in its file, `None` when the user gave no policy for this path.
    pub name: Option<String>,
    /// The user's policy, or the one a scan without a policy assumes: only the endpoint's own
    /// origin may read its credentialed answers.
    pub policy: Policy,
}

impl Judge {
    /// The policy a scan assumes for an endpoint no policy covers: its own origin may do what
    /// the endpoint takes, with credentials, and every other origin is an attacker. Only
    /// attacker probes are sent under it (CORScanner's question: can another site read a
    /// signed-in user's answers?). `None` when no policy can say that (a method or header no
    /// policy can list).
    pub fn assumed(endpoint: &Endpoint) -> Option<Judge> {
        let origin = endpoint.origin()?;
        let headers: Vec<String> =
            endpoint.headers.iter().map(|(name, _)| name.to_ascii_lowercase()).collect();
        let policy = Policy::builder()
            .allow_origin([origin])
            .allow_credentials(true)
            .allow_methods([endpoint.method.clone()])
            .allow_headers(Allow::Only(headers))
            .build()
            .ok()?;
        Some(Judge { name: None, policy })
    }
}

/// The probes of `endpoint` under `judge`, each once.
pub(crate) fn probes(endpoint: &Endpoint, judge: &Judge) -> Vec<Probe> {
    let policy = &judge.policy;
    let mut probes: Vec<Probe> = Vec::new();
    let mut add = |probe: Probe| {
        if !probes.contains(&probe) {
            probes.push(probe);
        }
    };
    let assumed = judge.name.is_none();
    let listed: Vec<Origin> =
        policy.origins().listed().iter().filter_map(|origin| origin.parse().ok()).collect();
    if !assumed {
        match policy.origins() {
            Allow::Any => {
                add(request(endpoint, policy, ANY_SITE, false));
                add(request(endpoint, policy, ANY_SITE, true));
            }
            Allow::Only(origins) => {
                for origin in origins.iter().take(ALLOWED_ORIGINS_PROBED) {
                    add(request(endpoint, policy, origin, policy.credentials()));
                }
            }
        }
    }
    // An error route is allowed traffic that must stay readable; attackers learn nothing new there.
    if matches!(endpoint.kind, EndpointKind::ErrorRoute { .. }) {
        return probes;
    }
    let Some(base) = listed.first() else { return probes };
    for attack in Attack::ALL {
        let Some(origin) = attack.origin(base, ATTACKER).filter(|origin| !policy.allows_origin(origin))
        else {
            continue;
        };
        // An attacker sends what the server's allowed traffic carries: credentials where the
        // policy allows them (a server that answers them answers the attacker's alike), none
        // where it does not (the server then sends no `Access-Control-Allow-Credentials`, and
        // only an uncredentialed read can get through). An assumed policy asks about signed-in
        // users' data alone.
        let credentials = assumed || policy.credentials();
        add(request(endpoint, policy, &origin, credentials));
        // The two classes every misconfiguration scanner tries are tried both ways.
        if !assumed && matches!(attack, Attack::Reflection | Attack::Null) {
            add(request(endpoint, policy, &origin, !credentials));
        }
    }
    probes
}

/// The endpoint's request from a page at `origin`.
fn request(endpoint: &Endpoint, policy: &Policy, origin: &str, credentials: bool) -> Probe {
    let mut probe = Probe::new(endpoint.url.clone())
        .origin(origin)
        .method(endpoint.method.clone())
        .credentials(credentials);
    for (name, value) in &endpoint.headers {
        probe = probe.header(name.clone(), value.clone());
    }
    if let Some(body) = &endpoint.body {
        probe = probe.body(body.clone());
    }
    for cookie in endpoint.cookies.iter().chain(policy.cookies()) {
        probe = probe.cookie(cookie.clone());
    }
    probe
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(text: &str) -> Judge {
        Judge { name: Some("p".to_owned()), policy: Policy::from_toml(text).unwrap() }
    }

    #[test]
    fn allowed_origins_send_what_the_endpoint_takes_and_attackers_come_from_every_class() {
        let endpoint = Endpoint::new("PUT", "https://api.example.com/items/1")
            .header("content-type", "application/json");
        let probes = probes(&endpoint, &judge("origins = [\"https://app.example.com\"]\ncredentials = true"));
        let attackers = probes.iter().filter(|probe| probe.page_origin() != "https://app.example.com");
        assert!(
            attackers.filter(|probe| !probe.is_credentialed()).count() == 2,
            "reflection and null both ways"
        );
        assert!(probes.iter().all(|probe| probe.method_name() == "PUT" && probe.headers().len() == 1));
        let first = &probes[0];
        assert_eq!((first.page_origin(), first.is_credentialed()), ("https://app.example.com", true));
        let origins: Vec<&str> = probes.iter().map(Probe::page_origin).collect();
        for expected in [
            "null",
            "https://app.example.com.evil.com",
            "http://app.example.com",
            "https://evil.app.example.com",
        ] {
            assert!(origins.contains(&expected), "{expected} in {origins:?}");
        }
        assert!(
            probes.iter().filter(|probe| probe.page_origin() == "null").count() == 2,
            "null with and without credentials"
        );
    }

    #[test]
    fn without_credentials_in_the_policy_attackers_read_without_them() {
        let endpoint = Endpoint::new("GET", "https://api.example.com/items");
        let probes = probes(&endpoint, &judge("origins = [\"https://app.example.com\"]"));
        let lookalike =
            probes.iter().find(|probe| probe.page_origin() == "https://app.example.com.evil.com").unwrap();
        assert!(!lookalike.is_credentialed());
    }

    #[test]
    fn without_a_policy_only_credentialed_attackers_probe() {
        let endpoint = Endpoint::new("GET", "https://api.example.com/me");
        let probes = probes(&endpoint, &Judge::assumed(&endpoint).unwrap());
        assert!(probes.len() >= 8, "{probes:?}");
        assert!(
            probes
                .iter()
                .all(|probe| probe.is_credentialed() && probe.page_origin() != "https://api.example.com")
        );
    }

    #[test]
    fn an_error_route_is_probed_as_allowed_traffic_only() {
        let endpoint = Endpoint::new("GET", "https://api.example.com/items/missing")
            .kind(EndpointKind::ErrorRoute { documented: 404 });
        let probes =
            probes(&endpoint, &judge("origins = [\"https://app.example.com\", \"https://b.example\"]"));
        assert_eq!(probes.len(), 2);
    }
}
