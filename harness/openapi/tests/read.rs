//! The fixture documents read whole: what a scan of each operation sends, and where each
//! mistake of the broken ones is reported.

use corsproof_openapi::{Api, Credential, Operation, ReadError, read};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn read_fixture(name: &str) -> Api {
    let text = fixture(name);
    read(&text).unwrap_or_else(|errors| panic!("{}", errors.render(name, &text)))
}

fn errors_of(name: &str) -> Vec<ReadError> {
    let text = fixture(name);
    match read(&text) {
        Ok(api) => panic!("{name} read without errors: {api:?}"),
        Err(errors) => {
            assert_eq!(errors.1, 0, "no error left out");
            errors.0
        }
    }
}

fn operation<'a>(api: &'a Api, method: &str, path: &str) -> &'a Operation {
    api.operations
        .iter()
        .find(|operation| operation.method == method && operation.path == path)
        .unwrap_or_else(|| panic!("no {method} {path}"))
}

fn header(scheme: &str, name: &str, value: &str) -> Credential {
    Credential::Header { scheme: scheme.to_owned(), name: name.to_owned(), value: value.to_owned() }
}

/// (line, column, message, pointer) of each error, for one comparison per document.
fn located(errors: &[ReadError]) -> Vec<(usize, usize, &str, Option<&str>)> {
    errors.iter().map(|e| (e.line, e.column, e.message.as_str(), e.pointer.as_deref())).collect()
}

#[test]
fn the_yaml_3_0_document_reads_into_its_operations() {
    let api = read_fixture("shelter-3.0.yaml");
    assert_eq!(api.title.as_deref(), Some("Animal Shelter"));
    let urls: Vec<(&str, usize)> = api.servers.iter().map(|s| (s.url.as_str(), s.line)).collect();
    assert_eq!(urls, [("https://eu.shelter.example/api/v2", 6), ("/api/v2", 13)]);
    let order: Vec<(&str, &str, usize, usize)> =
        api.operations.iter().map(|o| (o.method.as_str(), o.path.as_str(), o.line, o.column)).collect();
    assert_eq!(
        order,
        [
            ("GET", "/animals", 19, 5),
            ("POST", "/animals", 37, 5),
            ("GET", "/animals/{animalId}", 50, 5),
            ("DELETE", "/animals/{animalId}", 65, 5),
            ("PUT", "/adoptions/{adoptionId}/papers/{page}", 74, 5),
        ]
    );

    let list = operation(&api, "GET", "/animals");
    assert_eq!(list.operation_id.as_deref(), Some("listAnimals"));
    // The required `limit` (a $ref, its schema's default) is filled; the optional `species` not.
    assert_eq!(list.filled_path, "/animals?limit=10");
    assert_eq!(list.headers, [("x-shelter-branch".to_owned(), "north side".to_owned())]);
    assert_eq!(list.body, None);
    assert_eq!((list.responses.as_slice(), list.redirects.as_slice()), (&[200, 301][..], &[301][..]));
    assert_eq!(list.missing_path, None, "no path parameters, so no 404 route to provoke");
    assert_eq!(
        list.security,
        [
            Credential::Cookie {
                scheme: "session".to_owned(),
                name: "shelter_session".to_owned(),
                value: "corsproof".to_owned()
            },
            header("bearer", "authorization", "Bearer corsproof"),
        ]
    );

    let admit = operation(&api, "POST", "/animals");
    assert_eq!(admit.headers, [("content-type".to_owned(), "application/json".to_owned())]);
    // Built from the referenced schema: the required properties only, an enum's first value,
    // and one item of an array that needs at least one, itself from a referenced schema.
    assert_eq!(
        admit.body.as_deref(),
        Some(r#"{"name":"example","species":"cat","tags":[{"label":"friendly"}]}"#)
    );
    assert_eq!(
        admit.security,
        [header("bearer", "authorization", "Bearer corsproof"), Credential::Anonymous]
    );
    assert_eq!(admit.responses, [201], "4XX and default are not status codes");

    let show = operation(&api, "GET", "/animals/{animalId}");
    assert_eq!(show.filled_path, "/animals/1", "the path item's parameter, its schema's minimum");
    assert_eq!(show.missing_path.as_deref(), Some("/animals/2147483647"));
    assert_eq!(show.redirects, [302]);
    // `Cookie` is a forbidden request header: a page cannot send it, so the probe does not.
    assert_eq!(show.headers, [("x-trace".to_owned(), "3f1c2a4e-7b5d-4c8e-9a60-2d3b4c5e6f70".to_owned())]);

    let release = operation(&api, "DELETE", "/animals/{animalId}");
    assert_eq!(release.security, [], "`security: []` takes the document's away");
    assert_eq!(release.servers, api.servers);

    let papers = operation(&api, "PUT", "/adoptions/{adoptionId}/papers/{page}");
    assert_eq!(
        papers.filled_path,
        "/adoptions/3f1c2a4e-7b5d-4c8e-9a60-2d3b4c5e6f70/papers/cover%20sheet?signed%20by=the%20adopter"
    );
    assert_eq!(
        papers.missing_path.as_deref(),
        Some(
            "/adoptions/00000000-0000-0000-0000-000000000000/papers/corsproof-missing-0?signed%20by=the%20adopter"
        )
    );
    let servers: Vec<(&str, usize)> = papers.servers.iter().map(|s| (s.url.as_str(), s.line)).collect();
    assert_eq!(servers, [("https://papers.shelter.example", 73)]);
    assert_eq!(papers.headers, [("content-type".to_owned(), "application/json".to_owned())]);
    assert_eq!(papers.body.as_deref(), Some(r#"{"signature":"Ada","date":"2024-05-01"}"#));
    assert_eq!(
        papers.security,
        [Credential::Query {
            scheme: "keyInQuery".to_owned(),
            name: "api_key".to_owned(),
            value: "corsproof".to_owned()
        }]
    );
}

#[test]
fn the_json_3_1_document_reads_with_tabs_escapes_and_path_item_references() {
    let api = read_fixture("cafe-3.1.json");
    assert_eq!(api.title.as_deref(), Some("Café 🍵 Orders"));
    let amend = operation(&api, "PATCH", "/orders/{orderId}");
    // Written under components.pathItems, so located there; tabs count as one column each.
    assert_eq!((amend.line, amend.column), (14, 5));
    assert_eq!(amend.filled_path, "/orders/A-17", "the schema's 3.1 `examples`");
    assert_eq!(amend.missing_path.as_deref(), Some("/orders/corsproof-missing-0"));
    assert_eq!(amend.headers, [("content-type".to_owned(), "application/merge-patch+json".to_owned())]);
    assert_eq!(amend.body.as_deref(), Some(r#"{"size":"large"}"#));
    assert_eq!(amend.redirects, [308]);
    // The first alternative needs two schemes (given by the first); the mutual TLS one is
    // left out, since a page cannot present a client certificate.
    assert_eq!(amend.security, [header("partnerKey", "x-partner-key", "corsproof")]);

    let options = operation(&api, "OPTIONS", "/menu");
    assert_eq!(options.security, [header("sso", "authorization", "Bearer corsproof")]);
    let trace = operation(&api, "TRACE", "/menu");
    assert_eq!((trace.line, trace.column, trace.body.as_ref()), (26, 4, None));
}

#[test]
fn a_yaml_syntax_error_is_where_the_parser_stopped() {
    let errors = errors_of("broken-syntax.yaml");
    assert_eq!(
        located(&errors),
        [(10, 6, "not valid YAML: while parsing a block mapping, did not find expected key", None)]
    );
    assert!(errors[0].expected.as_deref().is_some_and(|e| e.contains("indented")), "{:?}", errors[0]);
}

#[test]
fn a_json_syntax_error_is_where_the_reader_stopped() {
    let errors = errors_of("broken-syntax.json");
    assert_eq!(located(&errors), [(4, 3, "not valid JSON: unexpected `\"`", None)]);
    assert_eq!(errors[0].expected.as_deref(), Some("`,` or `}` after the member"));
    let text = fixture("broken-syntax.json");
    assert_eq!(
        errors[0].render("api.json", &text),
        "api.json:4:3: not valid JSON: unexpected `\"`\n  |\n4 |   \"paths\": {}\n  |   ^\n  \
         = expected `,` or `}` after the member\n"
    );
}

#[test]
fn swagger_2_is_refused_at_its_version() {
    let errors = errors_of("swagger-2.0.json");
    assert_eq!(
        located(&errors),
        [(2, 14, "Swagger 2.0 is not read: only OpenAPI 3.0 and 3.1 are", Some("/swagger"))]
    );
    let errors = read("openapi: 2.0\npaths: {}\n").expect_err("2.0");
    assert_eq!(
        located(&errors.0),
        [(1, 10, "OpenAPI 2.0 is not read: only 3.0 and 3.1 are", Some("/openapi"))]
    );
    let errors = read("openapi: 3.2.0\npaths: {}\n").expect_err("3.2");
    assert_eq!(errors.0[0].expected.as_deref(), Some("`openapi: 3.0.x` or `openapi: 3.1.x`"));
}

#[test]
fn a_document_without_openapi_is_said_to_be_something_else() {
    let errors = errors_of("not-openapi.yaml");
    assert_eq!(located(&errors), [(2, 1, "not an OpenAPI document: there is no `openapi` key", Some("/"))]);
    let errors = read("- just\n- a list\n").expect_err("a list");
    assert_eq!(
        located(&errors.0),
        [(1, 1, "not an OpenAPI document: the top level is a sequence", Some("/"))]
    );
}

#[test]
fn every_semantic_mistake_is_reported_at_its_node() {
    let errors = errors_of("broken-semantics.yaml");
    assert_eq!(
        located(&errors),
        [
            (5, 5, "there is no security scheme `session`", Some("/security/1/session")),
            (9, 9, "a parameter without `name`", Some("/paths/~1items~1{id}/parameters/0")),
            (
                12,
                13,
                "a parameter's `in` is the scalar `body`: not a parameter location",
                Some("/paths/~1items~1{id}/parameters/1/in")
            ),
            (
                13,
                10,
                "the `get` operation of `/items/{id}` is the scalar `see the post`",
                Some("/paths/~1items~1{id}/get")
            ),
            (
                16,
                17,
                "`$ref: #/components/parameters/Limit` does not resolve: there is no `Limit` in \
                 `/components/parameters`",
                Some("/paths/~1items~1{id}/post/parameters/0/$ref")
            ),
            (
                17,
                17,
                "`$ref: common.yaml#/components/parameters/Page` points outside this document, which is not read",
                Some("/paths/~1items~1{id}/post/parameters/1/$ref")
            ),
            (18, 11, "a parameter without `in`", Some("/paths/~1items~1{id}/post/parameters/2")),
            (
                22,
                28,
                "`$ref: #/components/schemas/Item` does not resolve: there is no `schemas` in `/components`",
                Some("/paths/~1items~1{id}/post/requestBody/content/application~1json/schema/$ref")
            ),
            (25, 3, "the path `items` does not start with `/`", Some("/paths/items")),
            (
                31,
                10,
                "the apiKey security scheme `key` has no `name`",
                Some("/components/securitySchemes/key")
            ),
        ]
    );
    let expected: Vec<Option<&str>> = errors.iter().map(|e| e.expected.as_deref()).collect();
    assert_eq!(expected[0], Some("one of the schemes under `components.securitySchemes`: bearer, key"));
    assert_eq!(expected[4], Some("one of the names in `/components/parameters`: Limt"));
    assert_eq!(expected[6], Some("`in:` one of path, query, header, cookie"));
}

#[test]
fn paths_that_are_not_a_mapping_are_pointed_at() {
    let errors = read("{\"openapi\": \"3.1.0\", \"paths\": [\"/a\"]}").expect_err("paths");
    assert_eq!(located(&errors.0), [(1, 31, "`paths` is a sequence", Some("/paths"))]);
}

#[test]
fn reference_loops_end_in_an_error_not_a_hang() {
    let text = "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/A'\n\
                components:\n  parameters:\n    A: {$ref: '#/components/parameters/B'}\n    B: {$ref: '#/components/parameters/A'}\n";
    let errors = read(text).expect_err("a loop");
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert!(errors.0[0].message.contains("loop"), "{errors}");

    // A schema that contains itself makes a bounded value.
    let text = "openapi: 3.1.0\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n\
                \x20           schema: {$ref: '#/components/schemas/Node'}\ncomponents:\n  schemas:\n    Node:\n\
                \x20     type: object\n      required: [next]\n      properties:\n        next: {$ref: '#/components/schemas/Node'}\n";
    let api = read(text).unwrap_or_else(|errors| panic!("{errors}"));
    let body = api.operations[0].body.as_deref().unwrap_or_default();
    assert!(body.starts_with(r#"{"next":{"next":"#) && body.len() < 400, "{body}");
}

#[test]
fn many_errors_keep_the_first_twenty_and_count_the_rest() {
    let mut text = "openapi: 3.0.3\npaths:\n".to_owned();
    for path in 0..25 {
        text.push_str(&format!("  /p{path}:\n    get: nothing\n"));
    }
    let errors = read(&text).expect_err("25 errors");
    assert_eq!((errors.0.len(), errors.1), (20, 5));
    assert_eq!((errors.0[0].line, errors.0[19].line), (4, 42));
    assert!(errors.render("api.yaml", &text).ends_with("api.yaml: 5 more errors not shown\n"));
}
