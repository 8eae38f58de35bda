//! OpenAPI 3.0 and 3.1 descriptions, YAML or JSON, read into the list of HTTP operations a CORS
//! scan probes: each operation's method, its path with the parameters filled, the headers and
//! body a page would send, the credentials it needs, and the responses it documents (the 3xx
//! redirects and the 404 error route are where CORS headers are most often forgotten).
//!
//! Errors point at the node at fault, by line, column and JSON pointer, and say what was
//! expected there; a document with several mistakes reports them all (up to
//! [`ReadErrors::KEPT`]). Only references inside the document (`#/components/...`) are
//! followed. No I/O: the command line reads the file, this crate reads the text.
//!
//! ```
//! use corsproof_openapi::{Credential, read};
//!
//! let api = read(
//!     r#"
//! openapi: 3.0.3
//! info: {title: Items, version: "1"}
//! servers: [{url: "https://api.example.com/v1"}]
//! components:
//!   securitySchemes:
//!     token: {type: http, scheme: bearer}
//! security: [{token: []}]
//! paths:
//!   /items/{id}:
//!     get:
//!       parameters:
//!         - {name: id, in: path, required: true, schema: {type: integer}}
//!       responses:
//!         "200": {description: the item}
//!         "404": {description: no such item}
//! "#,
//! )
//! .unwrap();
//! let get = &api.operations[0];
//! assert_eq!((get.method.as_str(), get.filled_path.as_str()), ("GET", "/items/1"));
//! assert_eq!(get.servers[0].url, "https://api.example.com/v1");
//! assert_eq!(get.responses, [200, 404]);
//! assert_eq!(get.missing_path.as_deref(), Some("/items/2147483647"));
//! assert_eq!(
//!     get.security,
//!     [Credential::Header {
//!         scheme: "token".to_owned(),
//!         name: "authorization".to_owned(),
//!         value: "Bearer corsproof".to_owned(),
//!     }]
//! );
//! assert_eq!((get.line, get.column), (11, 5));
//! ```

#![warn(missing_docs)]

mod document;
mod error;
mod json;
mod sample;
mod tree;
mod yaml;

pub use error::{ReadError, ReadErrors};

/// A document read: its servers and every operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// `info.title`, when the document has one.
    pub title: Option<String>,
    /// The document's `servers`; OpenAPI's default, one server at `/`, when it names none.
    pub servers: Vec<Server>,
    /// Every operation, in document order.
    pub operations: Vec<Operation>,
}

/// A server the API is served from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// The URL with its `{variables}` filled with their defaults. It may be relative (`/v1`),
    /// to be resolved against the URL the document came from or the one the user gives.
    pub url: String,
    /// The line of the URL in the document; 0 for OpenAPI's default server `/` that the
    /// document does not write.
    pub line: usize,
}

/// One HTTP operation: a method on a path, and what a probe of it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The method in upper case: `GET`, `PUT`, `POST`, `DELETE`, `OPTIONS`, `HEAD`, `PATCH`
    /// or `TRACE`, every method key OpenAPI 3.0 and 3.1 have.
    pub method: String,
    /// The path template as written: `/items/{id}`.
    pub path: String,
    /// The path with its parameters filled (`/items/1`), then the required query parameters
    /// (`?limit=10`), percent-encoded.
    pub filled_path: String,
    /// The `operationId`, when there is one.
    pub operation_id: Option<String>,
    /// The effective servers: the operation's, else its path item's, else the document's.
    pub servers: Vec<Server>,
    /// The required `in: header` parameters that have a value, then the `content-type` of the
    /// request body (`application/json` when listed, else its first media type). Names are in
    /// lower case; headers a page cannot set (`Cookie`, `Host`, ...) and those OpenAPI says to
    /// ignore as parameters (`Accept`, `Content-Type`, `Authorization`) are left out.
    pub headers: Vec<(String, String)>,
    /// A body for the probe: the media type's example, else for JSON a small value built from
    /// its schema (`{}` at least), for a form its required fields, else empty. `None` when the
    /// operation has no `requestBody`.
    pub body: Option<String>,
    /// The ways to authenticate, one per alternative of `security` (the operation's, else the
    /// document's): empty when none is needed; [`Credential::Anonymous`] for the empty
    /// alternative `{}`. An alternative that combines schemes is given by its first scheme
    /// that a page can send (mutual TLS cannot be).
    pub security: Vec<Credential>,
    /// The documented status codes, in document order; ranges (`2XX`) and `default` are not.
    pub responses: Vec<u16>,
    /// The documented redirects (3xx) among [`Operation::responses`].
    pub redirects: Vec<u16>,
    /// When the path has parameters and the operation documents a 404: the filled path with
    /// each path parameter set to a value that should not exist (`corsproof-missing-0`;
    /// `2147483647` for a number, the nil UUID for a UUID), to reach the 404 error route.
    pub missing_path: Option<String>,
    /// The line of the operation's method key, from 1.
    pub line: usize,
    /// The column of the operation's method key, from 1, in characters.
    pub column: usize,
}

/// One way to authenticate a request, as the probe sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// No credentials: the empty requirement `{}`, which makes authentication optional.
    Anonymous,
    /// A request header: `authorization: Bearer corsproof` for HTTP bearer, OAuth 2 and
    /// OpenID Connect; `authorization: Basic ...` (`corsproof:corsproof`) for HTTP basic; the
    /// scheme's name and `corsproof` for an API key in a header.
    Header {
        /// The key of the scheme under `components.securitySchemes`.
        scheme: String,
        /// The header's name, in lower case.
        name: String,
        /// The header's value.
        value: String,
    },
    /// An API key in the query: `?name=corsproof`.
    Query {
        /// The key of the scheme under `components.securitySchemes`.
        scheme: String,
        /// The query parameter's name.
        name: String,
        /// Its value.
        value: String,
    },
    /// An API key in a cookie, which a browser sends cross-origin only with credentials.
    Cookie {
        /// The key of the scheme under `components.securitySchemes`.
        scheme: String,
        /// The cookie's name.
        name: String,
        /// Its value.
        value: String,
    },
}

/// Reads an OpenAPI 3.0 or 3.1 document, YAML or JSON (told apart by the content: a document
/// that starts with `{` or `[` and reads as JSON is JSON).
///
/// Every error found is returned, in document order: a syntax error stops the reading where
/// the parser stopped; after that, each node that is not what OpenAPI expects is reported and
/// reading goes on.
///
/// ```
/// let errors = corsproof_openapi::read("swagger: \"2.0\"\npaths: {}\n").unwrap_err();
/// assert_eq!(
///     errors.to_string(),
///     "1:10: Swagger 2.0 is not read: only OpenAPI 3.0 and 3.1 are \
///      (expected `openapi: 3.0.x` or `openapi: 3.1.x`: convert the document to OpenAPI 3 first)"
/// );
/// ```
pub fn read(text: &str) -> Result<Api, ReadErrors> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut errors = Vec::new();
    let root = match parse(text, &mut errors) {
        Ok(root) => root,
        Err(error) => {
            errors.push(error);
            return Err(ReadErrors::collect(errors));
        }
    };
    let api = document::read(&root, &mut errors);
    if errors.is_empty() { Ok(api) } else { Err(ReadErrors::collect(errors)) }
}

/// The text as a located tree: JSON when it looks like JSON and reads as JSON, else YAML (a
/// YAML flow mapping also starts with `{`).
fn parse(text: &str, errors: &mut Vec<ReadError>) -> Result<tree::Node, ReadError> {
    let empty = || {
        ReadError::new(tree::Position { line: 1, column: 1 }, "the document is empty")
            .expected("an OpenAPI document: `openapi: 3.1.0`, `info` and `paths`")
    };
    if text.trim().is_empty() {
        return Err(empty());
    }
    if text.trim_start().starts_with(['{', '[']) {
        let mut json_errors = Vec::new();
        let json_error = match json::read(text, &mut json_errors) {
            Ok(root) => {
                errors.append(&mut json_errors);
                return Ok(root);
            }
            Err(error) => error,
        };
        let mut yaml_errors = Vec::new();
        return match yaml::read(text, &mut yaml_errors) {
            Ok(Some(root)) => {
                errors.append(&mut yaml_errors);
                Ok(root)
            }
            _ => Err(json_error),
        };
    }
    yaml::read(text, errors)?.ok_or_else(empty)
}
