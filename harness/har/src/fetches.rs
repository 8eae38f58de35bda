//! From a HAR's entries to the page's cross-origin fetches: each with its page origin, its
//! preflight(s) and its redirect hops, in the order they started.
//!
//! The developer tools write one entry per request on the wire, so one `fetch()` can be several
//! entries: Chromium's preflight (`_resourceType: "preflight"`, often listed after the actual
//! request, which started first), Firefox's and WebKit's `OPTIONS` with
//! `Access-Control-Request-Method`, and one entry per redirect hop (a 3xx whose `redirectURL` or
//! `Location` is the next entry's URL). What is not there is said, not invented: an actual
//! request without its preflight (the preflight cache served it), a response the browser did not
//! record (status 0, Chromium's `_error`).

use std::collections::HashMap;

use corsproof_oracle::{Origin, Url};

use crate::model::{Entry, Har};

/// Where a fetch's page origin was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginSource {
    /// The request's `Origin` header.
    OriginHeader,
    /// The `Origin` header of its preflight (Chromium may not show it on the actual request).
    PreflightOriginHeader,
    /// The origin of the request's `Referer`.
    Referer,
    /// The URL of the page the entry's `pageref` names.
    Page,
}

impl OriginSource {
    /// Its name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            OriginSource::OriginHeader => "origin-header",
            OriginSource::PreflightOriginHeader => "preflight-origin-header",
            OriginSource::Referer => "referer",
            OriginSource::Page => "page",
        }
    }

    /// How a report says it.
    pub fn describe(self) -> &'static str {
        match self {
            OriginSource::OriginHeader => "its Origin header",
            OriginSource::PreflightOriginHeader => "its preflight's Origin header",
            OriginSource::Referer => "its Referer",
            OriginSource::Page => "the page it belongs to",
        }
    }
}

/// One cross-origin fetch as the HAR shows it: entry indexes into `log.entries`.
#[derive(Debug, Clone, PartialEq)]
pub struct HarFetch {
    /// The page's origin, as read.
    pub page_origin: Origin,
    /// Where it was read.
    pub origin_source: OriginSource,
    /// The preflight entries, in order (one per URL that needed one); empty when none was
    /// recorded.
    pub preflights: Vec<usize>,
    /// The actual request and each redirect hop after it, in order; empty when only the preflight
    /// was sent (it failed, so the browser never sent the request).
    pub hops: Vec<usize>,
}

impl HarFetch {
    /// Every entry of the fetch, in the HAR's order.
    pub fn entries(&self) -> Vec<usize> {
        let mut entries: Vec<usize> = self.preflights.iter().chain(&self.hops).copied().collect();
        entries.sort_unstable();
        entries
    }
}

/// Why an entry is not part of any cross-origin fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// Its URL (and every hop's) is the page's own origin.
    SameOrigin,
    /// Nothing says which page sent it: no `Origin`, no `Referer`, no page.
    NoPageOrigin,
    /// Not an http(s) URL (`data:`, `blob:`, `chrome-extension:`...).
    NotHttp,
    /// Not made in CORS mode: a navigation, or an image, script or stylesheet loaded without
    /// `crossorigin` (no `Origin` header): no CORS check applies.
    NotCors,
}

/// The entries of a HAR grouped into fetches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fetches {
    /// The cross-origin fetches, in the order they started.
    pub cross_origin: Vec<HarFetch>,
    /// The other entries (actual requests and their hops), by index, and why they are left out.
    pub skipped: Vec<(usize, Skipped)>,
}

/// Whether an entry is a CORS preflight: Chromium marks it (`_resourceType` and `_initiator`
/// `preflight`), the others send an `OPTIONS` with `Access-Control-Request-Method`.
pub fn is_preflight(entry: &Entry) -> bool {
    entry.resource_type.as_deref() == Some("preflight")
        || entry.initiator.as_ref().and_then(|initiator| initiator.get("type")).and_then(|kind| kind.as_str())
            == Some("preflight")
        || (entry.request.method.eq_ignore_ascii_case("OPTIONS")
            && entry.request.header("access-control-request-method").is_some())
}

/// Whether an entry was made in CORS mode: it carries `Origin` (every cross-origin CORS request
/// does; a no-cors image or script does not), or Chromium typed it `fetch`, `xhr` or
/// `eventsource`. A navigation (`document`) is never CORS, whatever it carries (a form's POST
/// sends `Origin`).
pub fn is_cors_request(entry: &Entry) -> bool {
    match entry.resource_type.as_deref() {
        Some("document" | "websocket" | "ping" | "csp-violation-report" | "signed-exchange") => false,
        Some("fetch" | "xhr" | "eventsource" | "preflight") => true,
        _ => entry.request.header("origin").is_some(),
    }
}

/// Where a hop's response sends the browser next: its `redirectURL`, or its `Location`, resolved
/// against the hop's URL.
pub fn redirect_target(entry: &Entry) -> Option<String> {
    if !(300..400).contains(&entry.response.status) {
        return None;
    }
    let location = Some(entry.response.redirect_url.as_str())
        .filter(|url| !url.is_empty())
        .or_else(|| entry.response.header("location"))?;
    let base = entry.request.url.parse::<Url>().ok();
    Url::parse_with_base(location, base.as_ref()).ok().map(|url| url.to_string())
}

/// The page origin of an entry: `Origin`, else the `Referer`'s origin, else its page's URL.
pub fn page_origin(har: &Har, entry: &Entry) -> Option<(Origin, OriginSource)> {
    if let Some(origin) = entry.request.header("origin").and_then(|text| text.trim().parse::<Origin>().ok()) {
        return Some((origin, OriginSource::OriginHeader));
    }
    if let Some(origin) = entry.request.header("referer").and_then(http_origin) {
        return Some((origin, OriginSource::Referer));
    }
    let page = har.log.pages.iter().find(|page| Some(&page.id) == entry.pageref.as_ref())?;
    http_origin(&page.title).map(|origin| (origin, OriginSource::Page))
}

fn http_origin(url: &str) -> Option<Origin> {
    let url = url.trim().parse::<Url>().ok()?;
    url.is_http_family().then(|| url.origin())
}

/// Groups the HAR's entries into fetches.
///
/// ```
/// use corsproof_har::{fetches::fetches, read::read};
///
/// let har = read(r#"{"log": {"entries": [
///   {"request": {"method": "PUT", "url": "https://api.example/a",
///     "headers": [{"name": "Origin", "value": "https://app.example"}]},
///    "response": {"status": 200}},
///   {"request": {"method": "OPTIONS", "url": "https://api.example/a",
///     "headers": [{"name": "Origin", "value": "https://app.example"},
///                 {"name": "Access-Control-Request-Method", "value": "PUT"}]},
///    "response": {"status": 204}}]}}"#).unwrap();
/// let fetches = fetches(&har);
/// assert_eq!(fetches.cross_origin.len(), 1);
/// assert_eq!(fetches.cross_origin[0].preflights, [1]);
/// assert_eq!(fetches.cross_origin[0].hops, [0]);
/// ```
pub fn fetches(har: &Har) -> Fetches {
    let entries = &har.log.entries;
    let by_url = ByUrl::new(entries);
    let mut used = vec![false; entries.len()];
    let mut found: Vec<HarFetch> = Vec::new();
    let mut skipped = Vec::new();
    for start in 0..entries.len() {
        if used[start] || is_preflight(&entries[start]) {
            continue;
        }
        used[start] = true;
        let hops = by_url.chain(start, &mut used);
        let first = &entries[start];
        if !first.request.url.parse::<Url>().is_ok_and(|url| url.is_http_family()) {
            skipped.extend(hops.iter().map(|hop| (*hop, Skipped::NotHttp)));
            continue;
        }
        // Chromium may leave `Origin` off the actual request it failed; its preflight has it.
        let preflight_origin = by_url.nearest_preflight(start, None, &used).map(|preflight| {
            let origin = entries[preflight].request.header("origin");
            origin.and_then(|origin| origin.trim().parse::<Origin>().ok())
        });
        let found_origin = match page_origin(har, first) {
            Some(header @ (_, OriginSource::OriginHeader)) => Some(header),
            other => preflight_origin
                .clone()
                .flatten()
                .map(|origin| (origin, OriginSource::PreflightOriginHeader))
                .or(other),
        };
        let same_origin = |page_origin: &Origin| {
            hops.iter().all(|hop| {
                entries[*hop]
                    .request
                    .url
                    .parse::<Url>()
                    .is_ok_and(|url| page_origin.is_same_origin_with_url(&url))
            })
        };
        let why_skipped = match &found_origin {
            Some((page_origin, _)) if same_origin(page_origin) => Some(Skipped::SameOrigin),
            _ if preflight_origin.is_none() && !hops.iter().any(|hop| is_cors_request(&entries[*hop])) => {
                Some(Skipped::NotCors)
            }
            None => Some(Skipped::NoPageOrigin),
            Some(_) => None,
        };
        if let Some(why) = why_skipped {
            skipped.extend(hops.iter().map(|hop| (*hop, why)));
            continue;
        }
        let Some((page_origin, origin_source)) = found_origin else { continue };
        let mut preflights = Vec::new();
        for hop in &hops {
            if let Some(preflight) = by_url.nearest_preflight(*hop, Some(&page_origin), &used) {
                used[preflight] = true;
                preflights.push(preflight);
            }
        }
        found.push(HarFetch { page_origin, origin_source, preflights, hops });
    }
    // Preflights with no actual request: it failed, so the browser never sent the request.
    for (index, entry) in entries.iter().enumerate() {
        if used[index] || !is_preflight(entry) {
            continue;
        }
        used[index] = true;
        if let Some((page_origin, origin_source)) = page_origin(har, entry) {
            found.push(HarFetch { page_origin, origin_source, preflights: vec![index], hops: Vec::new() });
        } else {
            skipped.push((index, Skipped::NoPageOrigin));
        }
    }
    found.sort_by_key(|fetch| fetch.entries().first().copied());
    Fetches { cross_origin: found, skipped }
}

/// The entries by URL, each URL parsed once (a HAR may write `https://a.example` or
/// `https://a.example/`), so that a HAR of thousands of entries pairs in linear time.
struct ByUrl<'a> {
    entries: &'a [Entry],
    indexes: HashMap<String, Vec<usize>>,
}

impl<'a> ByUrl<'a> {
    fn new(entries: &'a [Entry]) -> Self {
        let mut indexes: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            indexes.entry(normalized(&entry.request.url)).or_default().push(index);
        }
        ByUrl { entries, indexes }
    }

    /// The entries whose URL is `url`, in the HAR's order.
    fn at(&self, url: &str) -> &[usize] {
        self.indexes.get(&normalized(url)).map_or(&[], Vec::as_slice)
    }

    /// The actual request at `start` and the redirect hops that follow it.
    fn chain(&self, start: usize, used: &mut [bool]) -> Vec<usize> {
        let mut hops = vec![start];
        let mut current = start;
        while let Some(target) = redirect_target(&self.entries[current]) {
            let next = self
                .at(&target)
                .iter()
                .copied()
                .find(|&index| index > current && !used[index] && !is_preflight(&self.entries[index]));
            let Some(next) = next else { break };
            used[next] = true;
            hops.push(next);
            current = next;
        }
        hops
    }

    /// The unused preflight nearest to the entry `hop_index` for its URL and method, from
    /// `page_origin` when it is known.
    fn nearest_preflight(
        &self,
        hop_index: usize,
        page_origin: Option<&Origin>,
        used: &[bool],
    ) -> Option<usize> {
        let hop = &self.entries[hop_index];
        let matches = |entry: &Entry| {
            is_preflight(entry)
                && entry
                    .request
                    .header("access-control-request-method")
                    .is_none_or(|method| method.trim().eq_ignore_ascii_case(&hop.request.method))
                && match (entry.request.header("origin"), page_origin) {
                    (Some(origin), Some(page_origin)) => {
                        origin.trim() == "null"
                            || origin
                                .trim()
                                .parse::<Origin>()
                                .is_ok_and(|origin| origin.is_same_origin(page_origin))
                    }
                    _ => true,
                }
        };
        self.at(&hop.request.url)
            .iter()
            .copied()
            .filter(|&index| !used[index] && matches(&self.entries[index]))
            .min_by_key(|&index| index.abs_diff(hop_index))
    }
}

/// A URL as the oracle serializes it, or as written when it does not parse.
fn normalized(url: &str) -> String {
    url.parse::<Url>().map_or_else(|_| url.to_owned(), |url| url.as_str().to_owned())
}
