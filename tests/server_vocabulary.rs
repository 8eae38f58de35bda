//! The query vocabulary is a faithful second spelling of the typed behaviour API.

use std::time::Duration;

use corsproof_behaviour::vocabulary::{self, NONE};
use corsproof_behaviour::{AllowOrigin, Behaviour, Reply};
use proptest::prelude::*;

/// Text that can be a header value and is not a vocabulary keyword.
fn literal() -> impl Strategy<Value = String> {
    "[!-~]([ -~]{0,30}[!-~])?"
        .prop_filter("keywords read back as keywords", |text| text != NONE && text != vocabulary::ECHO_ORIGIN)
}

fn optional_literal() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(literal())
}

fn allow_origin() -> impl Strategy<Value = AllowOrigin> {
    prop_oneof![
        Just(AllowOrigin::Echo),
        Just(AllowOrigin::Literal("*".into())),
        Just(AllowOrigin::Literal("null".into())),
        literal().prop_map(AllowOrigin::Literal),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9-]{0,15}"
}

fn reply() -> impl Strategy<Value = Reply> {
    (
        (
            proptest::collection::vec(allow_origin(), 0..3),
            optional_literal(),
            optional_literal(),
            optional_literal(),
            optional_literal(),
            optional_literal(),
            optional_literal(),
        ),
        (
            proptest::option::of(200u16..=599),
            optional_literal(),
            0u64..=600_000,
            proptest::option::of("[ -~]{0,40}".prop_filter("keyword", |body| body != NONE)),
            proptest::collection::vec((header_name(), literal()), 0..3),
            proptest::collection::vec(literal(), 0..3),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (
                    allow_origin,
                    allow_credentials,
                    allow_methods,
                    allow_headers,
                    expose_headers,
                    max_age,
                    vary,
                ),
                (status, location, delay_ms, body, headers, cookies, close),
            )| Reply {
                allow_origin,
                allow_credentials,
                allow_methods,
                allow_headers,
                expose_headers,
                max_age,
                vary,
                status,
                location,
                delay: Duration::from_millis(delay_ms),
                body,
                headers,
                cookies,
                close,
            },
        )
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    prop_oneof![
        reply().prop_map(Behaviour::same),
        (reply(), reply()).prop_map(|(preflight, actual)| Behaviour::split(preflight, actual)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_behaviour_round_trips_through_the_query_vocabulary(behaviour in behaviour()) {
        let query = vocabulary::to_query(&behaviour);
        let parsed = vocabulary::parse(&query);
        prop_assert_eq!(parsed.as_ref(), Ok(&behaviour), "query: {}", query);
    }

    #[test]
    fn parsing_never_panics_on_arbitrary_queries(query in "\\PC{0,80}") {
        let _ = vocabulary::parse(&query);
    }
}
