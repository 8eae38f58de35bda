//! An OpenAPI document's operations as the endpoints a scan probes: each operation at its
//! server (or `--base`), with its filled path, headers, body and first credential; a route that
//! documents a 404 is probed again at a path that cannot exist, and one that documents a 401
//! again without its credential, because an error answer is where CORS headers go missing.

use corsproof_openapi::{Api, Credential, Operation};

use crate::scan::endpoint::{Endpoint, EndpointKind, Source};

/// Why the document's operations cannot be turned into URLs: where, and what to give.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct BaseError {
    /// The line of the server, or of the operation, at fault (0 when the document names none).
    pub line: usize,
    /// What is wrong and what to give.
    pub message: String,
}

/// The endpoints of every operation of `api`, read from `file`; `base` replaces the document's
/// servers, and resolves relative ones (`/v1`).
///
/// ```
/// use corsproof_check::scan::endpoints_from_openapi;
/// let api = corsproof_openapi::read("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: /v1}]\npaths:\n  /items/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n      responses: {'200': {description: ok}, '404': {description: gone}}\n").unwrap();
/// let endpoints = endpoints_from_openapi(&api, "api.yaml", Some("http://127.0.0.1:3000")).unwrap();
/// assert_eq!(endpoints[0].url, "http://127.0.0.1:3000/v1/items/1");
/// assert_eq!(endpoints[0].label, "GET /items/{id}");
/// assert!(endpoints[1].url.starts_with("http://127.0.0.1:3000/v1/items/"), "the 404 route");
/// assert!(endpoints_from_openapi(&api, "api.yaml", None).unwrap_err().message.contains("--base"));
/// ```
pub fn endpoints_from_openapi(api: &Api, file: &str, base: Option<&str>) -> Result<Vec<Endpoint>, BaseError> {
    let mut endpoints = Vec::new();
    for operation in &api.operations {
        // OPTIONS is the preflight itself, and no page may send TRACE or CONNECT.
        if matches!(operation.method.as_str(), "OPTIONS" | "TRACE" | "CONNECT") {
            continue;
        }
        let prefix = server_prefix(operation, base)?;
        let source = Source { file: file.to_owned(), line: operation.line, column: operation.column };
        let label = format!("{} {}", operation.method, operation.path);
        let credential =
            operation.security.first().filter(|_| !operation.security.contains(&Credential::Anonymous));
        endpoints.push(
            endpoint(operation, &prefix, &operation.filled_path, credential)
                .label(label.clone())
                .source(source.clone()),
        );
        if operation.responses.contains(&401) && credential.is_some() {
            endpoints.push(
                endpoint(operation, &prefix, &operation.filled_path, None)
                    .label(format!("{label} without credentials (401)"))
                    .source(source.clone())
                    .kind(EndpointKind::ErrorRoute { documented: 401 }),
            );
        }
        if let Some(missing) =
            operation.missing_path.as_deref().filter(|_| operation.responses.contains(&404))
        {
            endpoints.push(
                endpoint(operation, &prefix, missing, credential)
                    .label(format!("{label} at a missing path (404)"))
                    .source(source.clone())
                    .kind(EndpointKind::ErrorRoute { documented: 404 }),
            );
        }
    }
    Ok(endpoints)
}

/// The operation's request at `path` under `prefix`, with `credential`.
fn endpoint(operation: &Operation, prefix: &str, path: &str, credential: Option<&Credential>) -> Endpoint {
    let mut url = format!("{}{path}", prefix.trim_end_matches('/'));
    let mut endpoint = Endpoint::new(operation.method.clone(), String::new());
    for (name, value) in &operation.headers {
        endpoint = endpoint.header(name.clone(), value.clone());
    }
    if let Some(body) = &operation.body {
        endpoint = endpoint.body(body.clone());
    }
    match credential {
        Some(Credential::Header { name, value, .. }) => {
            endpoint = endpoint.header(name.clone(), value.clone())
        }
        Some(Credential::Query { name, value, .. }) => {
            let separator = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{separator}{name}={value}");
        }
        Some(Credential::Cookie { name, value, .. }) => {
            endpoint = endpoint.cookie(format!("{name}={value}; SameSite=None; Secure"));
        }
        Some(Credential::Anonymous) | None => {}
    }
    endpoint.url = url;
    endpoint
}

/// Where the operation's paths start: `base` (joined with a relative server's path), else the
/// operation's first absolute server.
fn server_prefix(operation: &Operation, base: Option<&str>) -> Result<String, BaseError> {
    let server = operation.servers.first();
    let server_url = server.map_or("/", |server| server.url.as_str());
    let absolute = server_url.starts_with("http://") || server_url.starts_with("https://");
    match base {
        Some(base) if absolute => Ok(base.to_owned()),
        Some(base) => Ok(format!("{}/{}", base.trim_end_matches('/'), server_url.trim_start_matches('/'))),
        None if absolute => Ok(server_url.to_owned()),
        None => Err(BaseError {
            line: server.map_or(0, |server| server.line),
            message: format!(
                "the server of `{} {}` is `{server_url}`, not an absolute URL: give the API's address with --base URL",
                operation.method, operation.path
            ),
        }),
    }
}
