//! Reading a browser's console message into a reason class: Chromium's `has been blocked by
//! CORS policy: ...` sentences and Firefox's `(Reason: ...)` strings.

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

/// The part of a Firefox message that marks a CORS failure: `Cross-Origin Request Blocked: The
/// Same Origin Policy disallows reading the remote resource at URL. (Reason: ...)`.
pub const FIREFOX_CORS_MARK: &str = "Cross-Origin Request Blocked";

/// Firefox's reason for a request that failed below CORS (refused, reset or closed connection,
/// TLS): a network error under the same preamble, not a CORS block.
pub const FIREFOX_NETWORK_FAILURE: &str = "(Reason: CORS request did not succeed)";

/// Whether a Firefox message is a CORS block (as opposed to a network failure it words the
/// same way).
pub fn firefox_is_block(message: &str) -> bool {
    message.contains(FIREFOX_CORS_MARK) && !message.contains(FIREFOX_NETWORK_FAILURE)
}

/// Whether Firefox's message blames the preflight. Firefox names only the URL, never the step:
/// its method, header and status reasons can only come from a preflight (`Some(true)`), but an
/// origin or credentials reason reads the same on either response (`None`: the journal tells).
pub fn firefox_blames_preflight(message: &str) -> Option<bool> {
    let message = plain_quotes(message);
    let preflight_only = [
        "CORS preflight response did not succeed",
        "CORS preflight channel did not succeed",
        "in CORS header 'Access-Control-Allow-Methods'",
        "in CORS header 'Access-Control-Allow-Headers'",
        "from CORS preflight",
    ];
    preflight_only.iter().any(|sign| message.contains(sign)).then_some(true)
}

/// Classifies Firefox's CORS message by its `(Reason: ...)`, the strings of Gecko's
/// `security.properties` (`CORSMissingAllowOrigin2`, `CORSAllowOriginNotMatchingOrigin`, ...).
/// Firefox words an ACAO that is no origin at all and one that is another origin the same way
/// ("does not match"), so both are [`ReasonClass::AllowOriginMismatch`]. Firefox quotes with
/// typographic marks (`‘Access-Control-Allow-Origin’`); both kinds are read.
pub fn classify_firefox(message: &str) -> ReasonClass {
    let message = plain_quotes(message);
    let signs: [(&str, ReasonClass); 14] = [
        ("CORS header 'Access-Control-Allow-Origin' missing", ReasonClass::MissingAllowOrigin),
        ("Multiple CORS header 'Access-Control-Allow-Origin' not allowed", ReasonClass::MultipleAllowOrigin),
        ("CORS header 'Access-Control-Allow-Origin' does not match", ReasonClass::AllowOriginMismatch),
        (
            "Credential is not supported if the CORS header 'Access-Control-Allow-Origin' is '*'",
            ReasonClass::WildcardWithCredentials,
        ),
        (
            "expected 'true' in CORS header 'Access-Control-Allow-Credentials'",
            ReasonClass::CredentialsNotTrue,
        ),
        ("CORS preflight response did not succeed", ReasonClass::PreflightStatus),
        ("CORS preflight channel did not succeed", ReasonClass::PreflightStatus),
        ("Did not find method in CORS header 'Access-Control-Allow-Methods'", ReasonClass::MethodNotAllowed),
        ("in CORS header 'Access-Control-Allow-Methods'", ReasonClass::MethodNotAllowed),
        ("according to header 'Access-Control-Allow-Headers'", ReasonClass::HeaderNotAllowed),
        ("in CORS header 'Access-Control-Allow-Headers'", ReasonClass::HeaderNotAllowed),
        ("CORS request external redirect not allowed", ReasonClass::RedirectNotAllowed),
        ("CORS preflight redirect", ReasonClass::PreflightRedirect),
        ("redirect", ReasonClass::RedirectNotAllowed),
    ];
    signs.iter().find(|(sign, _)| message.contains(sign)).map_or(ReasonClass::Other, |(_, class)| *class)
}

/// Firefox's ‘ and ’ as ASCII apostrophes.
fn plain_quotes(message: &str) -> String {
    message.replace(['\u{2018}', '\u{2019}'], "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firefox_messages_map_to_their_classes() {
        let preamble = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test:1/t/a/x.";
        let cases = [
            (
                "(Reason: CORS header 'Access-Control-Allow-Origin' missing). Status code: 200.",
                ReasonClass::MissingAllowOrigin,
            ),
            (
                "(Reason: Multiple CORS header 'Access-Control-Allow-Origin' not allowed).",
                ReasonClass::MultipleAllowOrigin,
            ),
            (
                "(Reason: CORS header 'Access-Control-Allow-Origin' does not match 'null').",
                ReasonClass::AllowOriginMismatch,
            ),
            (
                "(Reason: Credential is not supported if the CORS header 'Access-Control-Allow-Origin' is '*').",
                ReasonClass::WildcardWithCredentials,
            ),
            (
                "(Reason: expected 'true' in CORS header 'Access-Control-Allow-Credentials').",
                ReasonClass::CredentialsNotTrue,
            ),
            (
                "(Reason: CORS preflight response did not succeed). Status code: 404.",
                ReasonClass::PreflightStatus,
            ),
            (
                "(Reason: Did not find method in CORS header 'Access-Control-Allow-Methods').",
                ReasonClass::MethodNotAllowed,
            ),
            (
                "(Reason: invalid token 'a b' in CORS header 'Access-Control-Allow-Methods').",
                ReasonClass::MethodNotAllowed,
            ),
            (
                "(Reason: header 'x-custom' is not allowed according to header 'Access-Control-Allow-Headers' from CORS preflight response).",
                ReasonClass::HeaderNotAllowed,
            ),
            (
                "(Reason: invalid token 'a b' in CORS header 'Access-Control-Allow-Headers').",
                ReasonClass::HeaderNotAllowed,
            ),
            ("(Reason: CORS request external redirect not allowed).", ReasonClass::RedirectNotAllowed),
            ("(Reason: CORS disabled).", ReasonClass::Other),
        ];
        for (reason, class) in cases {
            let message = format!("{preamble} {reason}");
            assert!(firefox_is_block(&message), "{message}");
            assert_eq!(classify_firefox(&message), class, "{message}");
            // As Firefox writes them, with typographic quotes.
            let message = message.replace("'", "\u{2019}");
            assert_eq!(classify_firefox(&message), class, "{message}");
        }
    }

    #[test]
    fn firefox_network_failures_are_not_blocks() {
        let message = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://api.test:1/t/a/x. (Reason: CORS request did not succeed). Status code: (null).";
        assert!(!firefox_is_block(message));
        assert!(!firefox_is_block("NetworkError when attempting to fetch resource."));
    }

    #[test]
    fn firefox_names_the_preflight_only_through_preflight_only_reasons() {
        assert_eq!(
            firefox_blames_preflight("(Reason: CORS preflight response did not succeed). Status code: 404."),
            Some(true)
        );
        assert_eq!(
            firefox_blames_preflight(
                "(Reason: Did not find method in CORS header 'Access-Control-Allow-Methods')."
            ),
            Some(true)
        );
        assert_eq!(
            firefox_blames_preflight("(Reason: CORS header 'Access-Control-Allow-Origin' missing)."),
            None
        );
    }

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
