//! Placeholders in server values: `{token}` is the request's token, `{ORIGIN-NAME}` (any name
//! of the origin table) that origin's URL, and `{ORIGIN-NAME-host}` its host and port alone, so a
//! redirect can say where to go without a port, userinfo included (`http://u:p@{api-host}/x`).

/// The suffix that makes an origin's placeholder stand for its host and port alone.
pub const HOST_SUFFIX: &str = "-host";

/// `text` with every placeholder filled: `{token}` with `token`, `{name}` with what `origin_url`
/// gives for `name`, `{name-host}` with that URL's host and port (what follows `://`). A `{`
/// without a closing `}` is plain text. The error is the first name `origin_url` does not know.
///
/// ```
/// use corsproof_scenario::fill_placeholders;
///
/// let url = |name: &str| (name == "evil").then(|| "http://evil.test:8001".to_owned());
/// assert_eq!(fill_placeholders("{evil}/t/{token}/x", "t1", url).unwrap(), "http://evil.test:8001/t/t1/x");
/// assert_eq!(fill_placeholders("http://u:p@{evil-host}/x", "t1", url).unwrap(), "http://u:p@evil.test:8001/x");
/// assert_eq!(fill_placeholders("{apii}/x", "t1", url).unwrap_err(), "apii");
/// ```
pub fn fill_placeholders(
    text: &str,
    token: &str,
    origin_url: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(length) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &rest[start + 1..start + length];
        if name == "token" {
            out.push_str(token);
        } else if let Some(url) = origin_url(name) {
            out.push_str(&url);
        } else {
            let host = name
                .strip_suffix(HOST_SUFFIX)
                .and_then(&origin_url)
                .and_then(|url| url.split_once("://").map(|(_, host)| host.to_owned()));
            out.push_str(&host.ok_or_else(|| name.to_owned())?);
        }
        rest = &rest[start + length + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(name: &str) -> Option<String> {
        ["app", "api-https"].contains(&name).then(|| format!("http://{name}.test:1"))
    }

    #[test]
    fn placeholders_are_filled_and_unknown_names_refused() {
        assert_eq!(
            fill_placeholders("{api-https}/t/{token}-2/x", "tok", url).unwrap(),
            "http://api-https.test:1/t/tok-2/x"
        );
        assert_eq!(fill_placeholders("no braces", "tok", url).unwrap(), "no braces");
        assert_eq!(fill_placeholders("open { only", "tok", url).unwrap(), "open { only");
        assert_eq!(fill_placeholders("{app}{nope}", "tok", url).unwrap_err(), "nope");
        assert_eq!(fill_placeholders("{}", "tok", url).unwrap_err(), "");
        assert_eq!(
            fill_placeholders("http://u:p@{api-https-host}/t/{token}", "tok", url).unwrap(),
            "http://u:p@api-https.test:1/t/tok"
        );
        assert_eq!(fill_placeholders("{nope-host}", "tok", url).unwrap_err(), "nope-host");
    }
}
