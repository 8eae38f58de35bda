//! Local Network Access: which address space an address is in, and what a fetch from a page in
//! one space to a resource in a more private one needs.
//!
//! The WICG draft "Local Network Access" (wicg.github.io/local-network-access) sorts every IP
//! address into one of three spaces, from most to least private: `loopback` (this machine),
//! `local` (the private network) and `public` (everything else). A page's space is that of the
//! address it was loaded from; a request's, that of the address its host resolves to, never
//! its name. A request from a page into a more private space needs a permission the user
//! grants, and only a secure context can ask for it. It replaced Private Network Access, whose
//! preflight (`Access-Control-Request-Private-Network: true`, answered by
//! `Access-Control-Allow-Private-Network: true`) no engine sends any more (see
//! [`Engine::local_network_access`](crate::Engine::local_network_access) for what each engine
//! does, as observed).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::engine::Engine;
use crate::origin::Origin;
use crate::reason::NetworkError;
use crate::url::Url;

/// Where an address is, seen from the browser: the unit Local Network Access judges in.
///
/// ```
/// use corsproof_oracle::AddressSpace;
///
/// assert_eq!(AddressSpace::of_ip("127.0.0.1".parse().unwrap()), AddressSpace::Loopback);
/// assert_eq!(AddressSpace::of_ip("192.168.1.20".parse().unwrap()), AddressSpace::Local);
/// assert_eq!(AddressSpace::of_ip("93.184.215.14".parse().unwrap()), AddressSpace::Public);
/// assert_eq!(AddressSpace::of_host("api.localhost"), Some(AddressSpace::Loopback));
/// assert_eq!(AddressSpace::of_host("api.example.com"), None); // a name needs resolving
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize), serde(rename_all = "kebab-case"))]
pub enum AddressSpace {
    /// This machine: `127.0.0.0/8`, `::1`, and the unspecified addresses.
    Loopback,
    /// The private network: RFC 1918, carrier-grade NAT, link-local, unique-local IPv6.
    Local,
    /// Every other address.
    Public,
}

/// A word that names no address space.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnknownAddressSpace(pub String);

impl fmt::Display for UnknownAddressSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not an address space: say public, local or loopback", self.0)
    }
}

impl std::error::Error for UnknownAddressSpace {}

/// The non-public ranges, in the order Chromium applies them: (prefix, prefix length, space).
/// Chromium's `NonPublicAddressSpaceMap` (services/network/public/cpp/ip_address_space_util.cc),
/// which follows the draft's table and adds the unspecified addresses (`0.0.0.0/32` and `::`
/// loopback, the rest of `0.0.0.0/8` local) and the IPv6 documentation and site-local prefixes.
const IPV4_RANGES: [(Ipv4Addr, u8, AddressSpace); 8] = [
    (Ipv4Addr::new(127, 0, 0, 0), 8, AddressSpace::Loopback),
    (Ipv4Addr::new(10, 0, 0, 0), 8, AddressSpace::Local),
    (Ipv4Addr::new(172, 16, 0, 0), 12, AddressSpace::Local),
    (Ipv4Addr::new(192, 168, 0, 0), 16, AddressSpace::Local),
    (Ipv4Addr::new(169, 254, 0, 0), 16, AddressSpace::Local),
    // The /32 before the /8 that holds it: the first match wins, as in Chromium.
    (Ipv4Addr::new(0, 0, 0, 0), 32, AddressSpace::Loopback),
    (Ipv4Addr::new(0, 0, 0, 0), 8, AddressSpace::Local),
    (Ipv4Addr::new(100, 64, 0, 0), 10, AddressSpace::Local),
];

/// The IPv6 ranges of the same map. An IPv4-mapped address (`::ffff:a.b.c.d`) is judged by its
/// IPv4 address, as `net::IPAddressMatchesPrefix` does.
const IPV6_RANGES: [(Ipv6Addr, u8, AddressSpace); 7] = [
    (Ipv6Addr::LOCALHOST, 128, AddressSpace::Loopback),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, AddressSpace::Local),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, AddressSpace::Local),
    (Ipv6Addr::UNSPECIFIED, 128, AddressSpace::Loopback),
    (Ipv6Addr::new(0x2001, 0x0db8, 0, 0, 0, 0, 0, 0), 32, AddressSpace::Local),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, AddressSpace::Local),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, AddressSpace::Local),
];

impl AddressSpace {
    /// Every space, most private first.
    pub const ALL: [AddressSpace; 3] = [AddressSpace::Loopback, AddressSpace::Local, AddressSpace::Public];

    /// The space of an IP address, by the draft's table as Chromium applies it.
    pub fn of_ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::of_ipv4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::of_ipv4(v4),
                None => {
                    let bits = u128::from(v6);
                    IPV6_RANGES
                        .iter()
                        .find(|(prefix, length, _)| prefix_matches(bits, u128::from(*prefix), *length, 128))
                        .map_or(AddressSpace::Public, |(_, _, space)| *space)
                }
            },
        }
    }

    fn of_ipv4(v4: Ipv4Addr) -> Self {
        let bits = u128::from(u32::from(v4));
        IPV4_RANGES
            .iter()
            .find(|(prefix, length, _)| prefix_matches(bits, u128::from(u32::from(*prefix)), *length, 32))
            .map_or(AddressSpace::Public, |(_, _, space)| *space)
    }

    /// The space a URL host is in without resolving it: an IP literal (IPv6 in brackets or not)
    /// by its range; `localhost` and `*.localhost`, which every engine resolves to loopback
    /// itself; `None` for any other name, whose space is that of the address it resolves to.
    pub fn of_host(host: &str) -> Option<Self> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host == "localhost" || host.ends_with(".localhost") {
            return Some(AddressSpace::Loopback);
        }
        let literal = host.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).unwrap_or(&host);
        literal.parse::<IpAddr>().ok().map(Self::of_ip)
    }

    /// Its name: the draft's, Chromium's console word and `--ip-address-space-overrides` value.
    pub fn name(self) -> &'static str {
        match self {
            AddressSpace::Loopback => "loopback",
            AddressSpace::Local => "local",
            AddressSpace::Public => "public",
        }
    }

    /// The permission a page needs to reach this space (the name `navigator.permissions` and
    /// WebDriver's set-permission take), `None` for the public space, which needs none. Both
    /// Chromium 156 and Firefox 153 split it in two; granting `local-network-access`, the
    /// draft's single name, did not let a Chromium 156 page reach loopback (observed).
    pub fn permission(self) -> Option<&'static str> {
        match self {
            AddressSpace::Loopback => Some("loopback-network"),
            AddressSpace::Local => Some("local-network"),
            AddressSpace::Public => None,
        }
    }

    /// Whether a request from a page in `page` to this space is a local network request in
    /// Chromium's and Firefox's sense: into a more private space, with `local` and `loopback`
    /// counted as one (Chromium's `IsLessPublicAddressSpaceLNA`; Firefox's
    /// `network.lna.local-network-to-localhost.skip-checks`, true by default), so a public page
    /// is checked and a page on the private network reaching loopback is not.
    pub fn is_local_network_request_from(self, page: AddressSpace) -> bool {
        page == AddressSpace::Public && self != AddressSpace::Public
    }
}

/// Whether the top `length` bits of `address` and `prefix` (both `width` bits wide) are equal.
fn prefix_matches(address: u128, prefix: u128, length: u8, width: u32) -> bool {
    let shift = width - u32::from(length);
    shift >= width || address >> shift == prefix >> shift
}

impl fmt::Display for AddressSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AddressSpace {
    type Err = UnknownAddressSpace;

    fn from_str(word: &str) -> Result<Self, Self::Err> {
        AddressSpace::ALL
            .into_iter()
            .find(|space| space.name() == word)
            .ok_or_else(|| UnknownAddressSpace(word.to_owned()))
    }
}

/// Whether the user let the page reach the target's space. Headless Chromium answers its
/// prompt "no" by itself; headless Firefox waits for an answer (`network.lna.prompt.timeout`,
/// 5 minutes) and then denies: either way a page nobody grants is denied.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum LocalNetworkPermission {
    /// Not granted: denied, or a prompt nobody answers.
    #[default]
    NotGranted,
    /// Granted for the target's space ([`AddressSpace::permission`]).
    Granted,
}

/// A fetch as Local Network Access sees it: where the page is, whether it is a secure context,
/// where the request goes and what the user granted.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct LocalNetworkRequest {
    /// The space of the address the page was loaded from.
    pub page: AddressSpace,
    /// Whether the page is a secure context (https, or a loopback host).
    pub secure_context: bool,
    /// The space of the address the request connects to.
    pub target: AddressSpace,
    /// Whether the user granted the target space's permission.
    pub permission: LocalNetworkPermission,
}

/// Why Local Network Access stopped a request before anything was sent.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum LocalNetworkCause {
    /// The page is not a secure context, so it cannot even ask (Chromium).
    InsecureContext,
    /// The permission for the target's space was not granted.
    PermissionNotGranted,
}

impl LocalNetworkCause {
    /// What the page's owner can do, in words: where the fix is, since no header helps.
    pub fn remedy(self, target: AddressSpace) -> String {
        let permission = target.permission().unwrap_or("local-network");
        let page_there = match target {
            AddressSpace::Loopback => "load the page from this machine too",
            AddressSpace::Local | AddressSpace::Public => "serve the page from the private network too",
        };
        let common = format!("no CORS header lifts it: serve the API from a public address, or {page_there}");
        match self {
            LocalNetworkCause::InsecureContext => format!(
                "the page is not a secure context, so it cannot ask for the `{permission}` permission; serve it over https, or {common}"
            ),
            LocalNetworkCause::PermissionNotGranted => format!(
                "the user must grant the page the `{permission}` permission (the browser asks), or {common}"
            ),
        }
    }
}

impl LocalNetworkRequest {
    /// The request from a page of `page` to `url`, as `engine` judges it: `Ok` when it goes
    /// out (a request to the page's own origin always does), else the network error it ends
    /// with before anything is sent. This is the
    /// check a driver makes before [`Oracle::plan`](crate::Oracle::plan), with the spaces it
    /// knows from the addresses it connects to.
    ///
    /// ```
    /// use corsproof_oracle::{
    ///     AddressSpace, Engine, LocalNetworkPermission, LocalNetworkRequest, NetworkError,
    /// };
    ///
    /// let page = "https://app.example".parse().unwrap();
    /// let request = LocalNetworkRequest {
    ///     page: AddressSpace::Public,
    ///     secure_context: true,
    ///     target: AddressSpace::Loopback,
    ///     permission: LocalNetworkPermission::NotGranted,
    /// };
    /// let error = request.check(Engine::Chromium, "http://127.0.0.1:3000/api", &page).unwrap_err();
    /// assert!(error.explain(Engine::Chromium).contains(
    ///     "Permission was denied for this request to access the `loopback` address space."
    /// ));
    /// assert!(matches!(error, NetworkError::LocalNetworkAccess { .. }));
    /// assert!(request.check(Engine::WebKit, "http://127.0.0.1:3000/api", &page).is_ok());
    /// ```
    pub fn check(&self, engine: Engine, url: &str, page: &Origin) -> Result<(), NetworkError> {
        // A request to the page's own origin is not a local network request: Chromium 156 let a
        // public page's same-origin GET through.
        if Url::parse_with_base(url, None).is_ok_and(|url| page.is_same_origin_with_url(&url)) {
            return Ok(());
        }
        engine.local_network_access(self).map_err(|cause| NetworkError::LocalNetworkAccess {
            url: url.to_owned(),
            page_origin: page.as_str().to_owned(),
            target: self.target,
            cause,
        })
    }
}

/// Whether a page of `origin` is a secure context, which Local Network Access asks of a page
/// before it may ask the user: an https origin, or a potentially trustworthy host (`localhost`,
/// `*.localhost`, a loopback address) over http, as Chromium and Firefox both found
/// `http://127.0.0.1:PORT` and `http://localhost:PORT` pages secure. The opaque origin is not.
pub fn is_secure_context(origin: &Origin) -> bool {
    match (origin.scheme(), origin.host()) {
        (Some("https"), _) => true,
        (Some(_), Some(host)) => AddressSpace::of_host(host) == Some(AddressSpace::Loopback),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(ip: &str) -> AddressSpace {
        AddressSpace::of_ip(ip.parse().unwrap())
    }

    #[test]
    fn the_tables_ranges_land_in_their_spaces() {
        for ip in ["127.0.0.1", "127.255.0.9", "0.0.0.0", "::1", "::", "::ffff:127.0.0.1"] {
            assert_eq!(space(ip), AddressSpace::Loopback, "{ip}");
        }
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "0.1.2.3",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "2001:db8::1",
            "::ffff:192.168.1.1",
        ] {
            assert_eq!(space(ip), AddressSpace::Local, "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "192.0.2.2",
            "2606:4700::1",
            "11.0.0.1",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(space(ip), AddressSpace::Public, "{ip}");
        }
    }

    #[test]
    fn hosts_are_judged_by_literal_or_localhost_name_only() {
        assert_eq!(AddressSpace::of_host("[::1]"), Some(AddressSpace::Loopback));
        assert_eq!(AddressSpace::of_host("LOCALHOST."), Some(AddressSpace::Loopback));
        assert_eq!(AddressSpace::of_host("app.localhost"), Some(AddressSpace::Loopback));
        assert_eq!(AddressSpace::of_host("10.0.0.1"), Some(AddressSpace::Local));
        assert_eq!(AddressSpace::of_host("localhost.example"), None);
        assert_eq!(AddressSpace::of_host("api.test"), None);
    }

    #[test]
    fn only_a_public_page_reaching_a_more_private_space_is_checked() {
        use AddressSpace::*;
        let checked: Vec<(AddressSpace, AddressSpace)> = AddressSpace::ALL
            .into_iter()
            .flat_map(|page| AddressSpace::ALL.map(|target| (page, target)))
            .filter(|(page, target)| target.is_local_network_request_from(*page))
            .collect();
        assert_eq!(checked, vec![(Public, Loopback), (Public, Local)]);
    }

    #[test]
    fn names_parse_back() {
        for space in AddressSpace::ALL {
            assert_eq!(space.name().parse::<AddressSpace>(), Ok(space));
        }
        assert!("private".parse::<AddressSpace>().is_err());
    }

    fn request(
        page: AddressSpace,
        secure_context: bool,
        target: AddressSpace,
        granted: bool,
    ) -> LocalNetworkRequest {
        let permission =
            if granted { LocalNetworkPermission::Granted } else { LocalNetworkPermission::NotGranted };
        LocalNetworkRequest { page, secure_context, target, permission }
    }

    #[test]
    fn each_engine_stops_what_it_was_seen_to_stop() {
        use AddressSpace::*;
        use LocalNetworkCause::*;
        let cases = [
            // (page, secure, target, granted, Chromium, Firefox)
            (Public, true, Loopback, false, Err(PermissionNotGranted), Err(PermissionNotGranted)),
            (Public, true, Local, false, Err(PermissionNotGranted), Err(PermissionNotGranted)),
            (Public, true, Loopback, true, Ok(()), Ok(())),
            (Public, false, Loopback, true, Err(InsecureContext), Ok(())),
            (Public, false, Loopback, false, Err(InsecureContext), Err(PermissionNotGranted)),
            (Local, true, Loopback, false, Ok(()), Ok(())),
            (Loopback, false, Loopback, false, Ok(()), Ok(())),
            (Public, false, Public, false, Ok(()), Ok(())),
        ];
        for (page, secure, target, granted, chromium, firefox) in cases {
            let request = request(page, secure, target, granted);
            assert_eq!(Engine::Chromium.local_network_access(&request), chromium, "{request:?}");
            assert_eq!(Engine::Firefox.local_network_access(&request), firefox, "{request:?}");
            assert_eq!(Engine::WebKit.local_network_access(&request), Ok(()), "{request:?}");
        }
    }

    #[test]
    fn the_console_lines_are_the_ones_observed() {
        let denied = request(AddressSpace::Public, true, AddressSpace::Loopback, false);
        let url = "http://127.0.0.1:18082/a";
        let error =
            denied.check(Engine::Chromium, url, &"http://127.0.0.1:18081".parse().unwrap()).unwrap_err();
        assert!(error.explain(Engine::Chromium).starts_with(
            "Access to fetch at 'http://127.0.0.1:18082/a' from origin 'http://127.0.0.1:18081' has been blocked by CORS policy: Permission was denied for this request to access the `loopback` address space. (Local Network Access: the user must grant the page the `loopback-network` permission"
        ));
        let insecure = request(AddressSpace::Public, false, AddressSpace::Loopback, false);
        let error =
            insecure.check(Engine::Chromium, url, &"http://app.test:18081".parse().unwrap()).unwrap_err();
        let reading = Engine::Chromium.console().read(&error.explain(Engine::Chromium));
        assert_eq!(reading.map(|reading| reading.class), Some(crate::ReasonClass::LocalNetworkAccess));
        assert!(error.explain(Engine::Chromium).contains(
            "has been blocked by CORS policy: The request client is not a secure context and the resource is in more-private address space `loopback`. (Local Network Access: the page is not a secure context"
        ));
        let error =
            denied.check(Engine::Firefox, url, &"http://127.0.0.1:18081".parse().unwrap()).unwrap_err();
        let line = Engine::Firefox.console().local_network_line(
            url,
            "http://127.0.0.1:18081",
            AddressSpace::Loopback,
            LocalNetworkCause::PermissionNotGranted,
        );
        assert_eq!(
            line,
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:18082/a. (Reason: CORS request did not succeed). Status code: (null)."
        );
        assert!(error.explain(Engine::Firefox).starts_with(&line));
        assert!(Engine::Firefox.console().read(&line).is_none(), "read as a network failure");
    }

    #[test]
    fn a_request_to_the_pages_own_origin_goes_out() {
        let denied = request(AddressSpace::Public, true, AddressSpace::Loopback, false);
        let page: Origin = "https://127.0.0.1:8443".parse().unwrap();
        assert_eq!(denied.check(Engine::Chromium, "https://127.0.0.1:8443/data", &page), Ok(()));
        assert!(denied.check(Engine::Chromium, "https://127.0.0.1:8444/data", &page).is_err());
    }

    #[test]
    fn secure_contexts_are_https_or_loopback_hosts() {
        for (origin, secure) in [
            ("https://app.example", true),
            ("http://localhost:3000", true),
            ("http://127.0.0.1:3000", true),
            ("http://[::1]:3000", true),
            ("http://app.test:3000", false),
            ("http://192.168.1.2", false),
        ] {
            assert_eq!(is_secure_context(&origin.parse().unwrap()), secure, "{origin}");
        }
        assert!(!is_secure_context(&Origin::opaque()));
    }
}
