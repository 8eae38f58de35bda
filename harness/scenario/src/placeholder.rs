//! Placeholders in server values: `{token}` is the request's token and `{ORIGIN-NAME}` (any name
//! of the origin table) that origin's URL, so a redirect can say where to go without a port.

/// `text` with every placeholder filled: `{token}` with `token`, `{name}` with what `origin_url`
/// gives for `name`. A `{` without a closing `}` is plain text. The error is the first name
/// `origin_url` does not know.
///
/// ```
/// use corsproof_scenario::fill_placeholders;
///
/// let url = |name: &str| (name == "evil").then(|| "http://evil.test:8001".to_owned());
/// assert_eq!(fill_placeholders("{evil}/t/{token}/x", "t1", url).unwrap(), "http://evil.test:8001/t/t1/x");
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
        } else {
            out.push_str(&origin_url(name).ok_or_else(|| name.to_owned())?);
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
    }
}
