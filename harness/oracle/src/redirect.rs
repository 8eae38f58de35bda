//! The pieces of "HTTP-redirect fetch" that do not depend on fetch state.

use crate::exchange::Response;
use crate::header;
use crate::method::Method;
use crate::url::Url;

/// The most redirects a fetch follows.
pub(crate) const MAX_REDIRECTS: u8 = 20;

/// "Redirect status": 301, 302, 303, 307, 308.
pub(crate) fn is_redirect_status(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The redirect target of `response`, resolved against `base`.
///
/// `None`: not a redirect (no redirect status, or no `Location`: the response is then handed
/// to the page as it is). `Some(Err(value))`: a `Location` that does not parse, or several
/// different ones, which is a network error.
pub(crate) fn location(response: &Response, base: &Url) -> Option<Result<Url, String>> {
    if !is_redirect_status(response.status) {
        return None;
    }
    let mut values = header::values(&response.headers, "location");
    let first = values.next()?;
    let text = header::show(first);
    if values.any(|other| other != first) {
        return Some(Err(text.into_owned()));
    }
    Some(Url::parse_with_base(&text, Some(base)).map_err(|_| text.into_owned()))
}

/// The method after a redirect: 301/302 turn POST into GET, 303 turns anything but GET and
/// HEAD into GET. `None` means unchanged.
pub(crate) fn rewritten_method(status: u16, method: &Method) -> Option<Method> {
    let post = method.as_str() == "POST";
    let to_get = (matches!(status, 301 | 302) && post) || (status == 303 && !method.is_get_or_head());
    to_get.then(Method::get)
}

/// Headers that describe a body, dropped with it when the method becomes GET.
pub(crate) fn is_request_body_header(name: &[u8]) -> bool {
    [&b"content-encoding"[..], b"content-language", b"content-location", b"content-type"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(text: &str) -> Method {
        text.parse().unwrap()
    }

    #[test]
    fn redirect_301_302_turn_post_into_get() {
        for status in [301, 302] {
            assert_eq!(rewritten_method(status, &method("POST")), Some(Method::get()));
            assert_eq!(rewritten_method(status, &method("PUT")), None);
        }
    }

    #[test]
    fn redirect_303_turns_anything_but_get_head_into_get() {
        assert_eq!(rewritten_method(303, &method("PUT")), Some(Method::get()));
        assert_eq!(rewritten_method(303, &method("patch")), Some(Method::get()));
        assert_eq!(rewritten_method(303, &method("HEAD")), None);
    }

    #[test]
    fn redirect_307_308_keep_the_method() {
        for status in [307, 308] {
            assert_eq!(rewritten_method(status, &method("POST")), None);
        }
    }

    #[test]
    fn redirect_without_location_is_not_a_redirect() {
        let base: Url = "https://api.test/a".parse().unwrap();
        assert!(location(&Response::new(302), &base).is_none());
        assert!(location(&Response::new(200).header("Location", "/x"), &base).is_none());
        let target = location(&Response::new(302).header("Location", "/x"), &base);
        assert_eq!(target.unwrap().unwrap().to_string(), "https://api.test/x");
        let two = Response::new(302).header("Location", "/x").header("Location", "/y");
        assert!(location(&two, &base).unwrap().is_err());
    }
}
