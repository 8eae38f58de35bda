//! Reading a browser's console message into a reason class.

use corsproof_scenario::ReasonClass;

/// The part of a Chromium message that marks a CORS block (as opposed to a network error).
pub const CHROMIUM_CORS_MARK: &str = "has been blocked by CORS policy";

/// Whether Chromium's message blames the preflight rather than the actual response: it says so
/// either up front ("Response to preflight request doesn't pass access control check: ...") or
/// at the end of the method and header messages ("... in preflight response.").
pub fn chromium_blames_preflight(message: &str) -> bool {
    [
        "Response to preflight request doesn't pass access control check",
        "in preflight response",
        "for a preflight request",
    ]
    .iter()
    .any(|sign| message.contains(sign))
}

/// Classifies Chromium's CORS message (the text after "has been blocked by CORS policy:").
pub fn classify_chromium(message: &str) -> ReasonClass {
    let signs: [(&str, ReasonClass); 14] = [
        ("No 'Access-Control-Allow-Origin' header is present", ReasonClass::MissingAllowOrigin),
        ("contains multiple values", ReasonClass::MultipleAllowOrigin),
        ("that is not equal to the supplied origin", ReasonClass::AllowOriginMismatch),
        ("contains the invalid value", ReasonClass::InvalidAllowOrigin),
        (
            "must not be the wildcard '*' when the request's credentials mode is 'include'",
            ReasonClass::WildcardWithCredentials,
        ),
        ("'Access-Control-Allow-Credentials' header in the response is", ReasonClass::CredentialsNotTrue),
        ("It does not have HTTP ok status", ReasonClass::PreflightStatus),
        ("Redirect is not allowed for a preflight request", ReasonClass::PreflightRedirect),
        ("is not allowed by Access-Control-Allow-Methods", ReasonClass::MethodNotAllowed),
        ("is not allowed by Access-Control-Allow-Headers", ReasonClass::HeaderNotAllowed),
        ("Redirect location", ReasonClass::RedirectNotAllowed),
        // An Allow-Methods / Allow-Headers list that does not parse allows nothing.
        ("Cannot parse Access-Control-Allow-Methods", ReasonClass::MethodNotAllowed),
        ("Cannot parse Access-Control-Allow-Headers", ReasonClass::HeaderNotAllowed),
        ("redirect", ReasonClass::RedirectNotAllowed),
    ];
    signs.iter().find(|(sign, _)| message.contains(sign)).map_or(ReasonClass::Other, |(_, class)| *class)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_says_in_two_ways_that_the_preflight_failed() {
        assert!(chromium_blames_preflight(
            "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
        ));
        assert!(chromium_blames_preflight(
            "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response."
        ));
        assert!(!chromium_blames_preflight(
            "No 'Access-Control-Allow-Origin' header is present on the requested resource."
        ));
    }

    #[test]
    fn chromium_messages_map_to_their_classes() {
        let cases = [
            (
                "Access to fetch at 'x' from origin 'y' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
                ReasonClass::MissingAllowOrigin,
            ),
            (
                "has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header contains multiple values 'a, b', but only one is allowed.",
                ReasonClass::MultipleAllowOrigin,
            ),
            (
                "has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status.",
                ReasonClass::PreflightStatus,
            ),
            (
                "has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.",
                ReasonClass::MethodNotAllowed,
            ),
            (
                "has been blocked by CORS policy: Redirect location '' contains a username and password, which is disallowed for cross-origin requests.",
                ReasonClass::RedirectNotAllowed,
            ),
            ("has been blocked by CORS policy: something new", ReasonClass::Other),
        ];
        for (message, class) in cases {
            assert_eq!(classify_chromium(message), class, "{message}");
        }
    }

    #[test]
    fn unparsable_allow_lists_are_not_allowed_classes() {
        assert_eq!(
            classify_chromium(
                "has been blocked by CORS policy: Cannot parse Access-Control-Allow-Methods response header field in preflight response."
            ),
            ReasonClass::MethodNotAllowed
        );
        assert_eq!(
            classify_chromium(
                "has been blocked by CORS policy: Cannot parse Access-Control-Allow-Headers response header field in preflight response."
            ),
            ReasonClass::HeaderNotAllowed
        );
    }
}
