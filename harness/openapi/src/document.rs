//! The OpenAPI walk: from the located tree to the [`Api`], each node checked where it is read
//! and each mistake reported at its node, reading on.

use std::collections::HashMap;

use corsproof_oracle::is_forbidden_request_header;

use crate::error::ReadError;
use crate::sample::{Json, by_type, percent_encode};
use crate::tree::{Node, Position, child, index};
use crate::{Api, Credential, Operation, Server};

/// The method keys of a path item, in OpenAPI's order.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
/// How long a chain of `$ref` to `$ref` may be before it is taken for a loop.
const MAX_REF_CHAIN: usize = 32;
/// How deep a schema is followed to make up a value: deep enough for real bodies, and a bound
/// on schemas that refer to themselves.
const MAX_SCHEMA_DEPTH: usize = 12;
/// How many schema nodes one made-up value may visit, which keeps it small however wide the
/// schema is.
const MOST_SAMPLE_NODES: usize = 500;
/// How many properties of one object a made-up value fills.
const MOST_PROPERTIES: usize = 32;

/// The value sent for a credential: the scheme only needs to be recognisably present.
const SECRET: &str = "corsproof";
/// `corsproof:corsproof` in base 64, HTTP basic's credentials.
const BASIC: &str = "Basic Y29yc3Byb29mOmNvcnNwcm9vZg==";
/// A path parameter's value that no real resource has, for the 404 route.
const MISSING: &str = "corsproof-missing-0";
/// The same for a numeric parameter, which a server may refuse with 400 before routing to 404
/// when given text: the largest 32-bit integer, which real identifiers rarely reach.
const MISSING_NUMBER: &str = "2147483647";
/// The same for a UUID: the nil UUID.
const MISSING_UUID: &str = "00000000-0000-0000-0000-000000000000";

const A_DOCUMENT: &str =
    "an OpenAPI document: a mapping with `openapi: 3.0.x` or `openapi: 3.1.x`, `info` and `paths`";

/// Reads the document's tree, collecting every error in `errors`. A document that is not
/// OpenAPI 3.0 or 3.1 is not read further than the error that says so.
pub(crate) fn read(root: &Node, errors: &mut Vec<ReadError>) -> Api {
    let mut reader = Reader { root, errors, schemes: HashMap::new() };
    if !reader.version_is_read() {
        return Api { title: None, servers: Vec::new(), operations: Vec::new() };
    }
    reader.api()
}

struct Reader<'a, 'e> {
    root: &'a Node,
    errors: &'e mut Vec<ReadError>,
    /// The security schemes by name: the credential a probe sends, or `None` for one that a page
    /// cannot send (mutual TLS) or that is broken (an error says so).
    schemes: HashMap<String, Option<Credential>>,
}

/// A parameter as a probe fills it.
#[derive(Debug)]
struct Parameter {
    name: String,
    location: String,
    required: bool,
    value: Json,
    /// Sent as JSON text (a parameter with `content`), not in the `simple`/`form` style.
    as_json: bool,
    style: Option<String>,
    explode: Option<bool>,
    /// The value of a path parameter that cannot exist.
    missing: &'static str,
}

/// A media type counts as JSON for `application/json`, `...+json` and `.../json;charset=...`.
fn is_json_media(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or(media).trim().to_ascii_lowercase();
    essence.ends_with("/json") || essence.ends_with("+json")
}

impl<'a> Reader<'a, '_> {
    fn error(
        &mut self,
        at: Position,
        pointer: &str,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) {
        self.errors.push(ReadError::new(at, message).expected(expected).pointer(pointer));
    }

    /// Whether the document says it is OpenAPI 3.0 or 3.1; the error when not.
    fn version_is_read(&mut self) -> bool {
        let root = self.root;
        if root.entries().is_none() {
            let message = format!("not an OpenAPI document: the top level is {}", root.describe());
            self.error(root.at, "", message, A_DOCUMENT);
            return false;
        }
        let convert = "`openapi: 3.0.x` or `openapi: 3.1.x`: convert the document to OpenAPI 3 first";
        if let Some(swagger) = root.get("swagger") {
            let version = swagger.text().unwrap_or("2.0");
            self.error(
                swagger.at,
                "/swagger",
                format!("Swagger {version} is not read: only OpenAPI 3.0 and 3.1 are"),
                convert,
            );
            return false;
        }
        let Some(openapi) = root.get("openapi") else {
            self.error(root.at, "", "not an OpenAPI document: there is no `openapi` key", A_DOCUMENT);
            return false;
        };
        match openapi.text() {
            Some(version) if version == "3.0" || version == "3.1" => true,
            Some(version) if version.starts_with("3.0.") || version.starts_with("3.1.") => true,
            Some(version) => {
                self.error(
                    openapi.at,
                    "/openapi",
                    format!("OpenAPI {version} is not read: only 3.0 and 3.1 are"),
                    if version.starts_with('2') { convert } else { "`openapi: 3.0.x` or `openapi: 3.1.x`" },
                );
                false
            }
            None => {
                let message = format!("`openapi` is {}", openapi.describe());
                self.error(openapi.at, "/openapi", message, "the version: `openapi: 3.1.0`");
                false
            }
        }
    }

    fn is_31(&self) -> bool {
        self.root.get("openapi").and_then(Node::text).is_some_and(|version| version.starts_with("3.1"))
    }

    fn api(&mut self) -> Api {
        let root = self.root;
        let title =
            root.get("info").and_then(|info| info.get("title")).and_then(Node::text).map(str::to_owned);
        self.security_schemes();
        let servers = self
            .servers(root.get("servers"), "/servers")
            .unwrap_or_else(|| vec![Server { url: "/".to_owned(), line: 0 }]);
        let security = match root.get("security") {
            Some(node) => self.security(node, "/security"),
            None => Vec::new(),
        };
        let mut operations = Vec::new();
        match root.get("paths") {
            None if !self.is_31() => self.error(
                root.at,
                "",
                "an OpenAPI 3.0 document without `paths`",
                "`paths:` the mapping of paths to their operations",
            ),
            None => {}
            Some(paths) => match paths.entries() {
                Some(entries) => {
                    for entry in entries {
                        let pointer = child("/paths", &entry.key);
                        if entry.key.starts_with("x-") {
                            continue;
                        }
                        if !entry.key.starts_with('/') {
                            self.error(
                                entry.key_at,
                                &pointer,
                                format!("the path `{}` does not start with `/`", entry.key),
                                "a path from the server's URL, such as `/items/{id}`",
                            );
                        }
                        self.path_item(
                            &entry.key,
                            &entry.value,
                            &pointer,
                            &servers,
                            &security,
                            &mut operations,
                        );
                    }
                }
                None => {
                    let message = format!("`paths` is {}", paths.describe());
                    self.error(
                        paths.at,
                        "/paths",
                        message,
                        "a mapping of paths (`/items/{id}`) to their path items",
                    );
                }
            },
        }
        Api { title, servers, operations }
    }

    /// Follows `$ref` until a node that is not one; `None` (after an error) when a reference
    /// points outside the document or nowhere. The pointer returned is the node's own.
    fn resolve(&mut self, node: &'a Node, pointer: &str) -> Option<(&'a Node, String)> {
        let mut node = node;
        let mut pointer = pointer.to_owned();
        for _ in 0..MAX_REF_CHAIN {
            let Some(reference) = node.entry("$ref") else {
                return Some((node, pointer));
            };
            let ref_pointer = child(&pointer, "$ref");
            let Some(target) = reference.value.text() else {
                let message = format!("`$ref` is {}", reference.value.describe());
                self.error(
                    reference.value.at,
                    &ref_pointer,
                    message,
                    "a reference: `#/components/schemas/Item`",
                );
                return None;
            };
            let Some(fragment) = target.strip_prefix('#') else {
                self.error(
                    reference.value.at,
                    &ref_pointer,
                    format!("`$ref: {target}` points outside this document, which is not read"),
                    "a reference inside this document: `#/components/...`",
                );
                return None;
            };
            let fragment = percent_decode(fragment);
            if !fragment.is_empty() && !fragment.starts_with('/') {
                self.error(
                    reference.value.at,
                    &ref_pointer,
                    format!("`$ref: {target}` is not a JSON pointer"),
                    "`#/` then the keys down to the node: `#/components/schemas/Item`",
                );
                return None;
            }
            let segments: Vec<String> = if fragment.is_empty() {
                Vec::new()
            } else {
                fragment[1..]
                    .split('/')
                    .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
                    .collect()
            };
            match self.root.at_pointer(&segments) {
                Ok(found) => {
                    node = found;
                    pointer = fragment;
                }
                Err(depth) => {
                    let parent = self.root.at_pointer(&segments[..depth]).ok();
                    let within =
                        segments[..depth].iter().fold(String::new(), |pointer, key| child(&pointer, key));
                    let within =
                        if within.is_empty() { "the document".to_owned() } else { format!("`{within}`") };
                    let names: Vec<&str> = parent
                        .and_then(Node::entries)
                        .map(|entries| entries.iter().take(8).map(|entry| entry.key.as_str()).collect())
                        .unwrap_or_default();
                    let expected = if names.is_empty() {
                        "a reference to a node of this document".to_owned()
                    } else {
                        format!("one of the names in {within}: {}", names.join(", "))
                    };
                    self.error(
                        reference.value.at,
                        &ref_pointer,
                        format!(
                            "`$ref: {target}` does not resolve: there is no `{}` in {within}",
                            segments[depth]
                        ),
                        expected,
                    );
                    return None;
                }
            }
        }
        self.error(
            node.at,
            &pointer,
            format!("more than {MAX_REF_CHAIN} `$ref` in a row: the references go round in a loop"),
            "a `$ref` that ends at a node that is not a `$ref`",
        );
        None
    }

    /// A mapping, resolved; `None` after an error saying what `what` should have been.
    fn mapping(
        &mut self,
        node: &'a Node,
        pointer: &str,
        what: &str,
        expected: &str,
    ) -> Option<(&'a Node, String)> {
        let (node, pointer) = self.resolve(node, pointer)?;
        if node.entries().is_some() {
            Some((node, pointer))
        } else {
            let message = format!("{what} is {}", node.describe());
            self.error(node.at, &pointer, message, expected);
            None
        }
    }

    fn security_schemes(&mut self) {
        let root = self.root;
        let Some(schemes) = root.get("components").and_then(|components| components.get("securitySchemes"))
        else {
            return;
        };
        let pointer = "/components/securitySchemes";
        let Some(entries) = schemes.entries() else {
            let message = format!("`securitySchemes` is {}", schemes.describe());
            self.error(schemes.at, pointer, message, "a mapping of scheme names to security schemes");
            return;
        };
        for entry in entries {
            let credential = self.security_scheme(&entry.key, &entry.value, &child(pointer, &entry.key));
            self.schemes.insert(entry.key.clone(), credential);
        }
    }

    fn security_scheme(&mut self, name: &str, node: &'a Node, pointer: &str) -> Option<Credential> {
        let (node, pointer) = self.mapping(
            node,
            pointer,
            &format!("the security scheme `{name}`"),
            "a mapping with `type` (apiKey, http, oauth2, openIdConnect or mutualTLS)",
        )?;
        let scheme = name.to_owned();
        let types = "`type:` one of apiKey, http, oauth2, openIdConnect, mutualTLS";
        let Some(kind) = node.get("type") else {
            self.error(node.at, &pointer, format!("the security scheme `{name}` has no `type`"), types);
            return None;
        };
        match kind.text() {
            Some("http") => {
                let Some(http) = node.get("scheme").and_then(Node::text) else {
                    self.error(
                        node.at,
                        &pointer,
                        format!("the http security scheme `{name}` has no `scheme`"),
                        "`scheme:` bearer, basic or another HTTP authentication scheme",
                    );
                    return None;
                };
                let value = match http.to_ascii_lowercase().as_str() {
                    "basic" => BASIC.to_owned(),
                    "bearer" => format!("Bearer {SECRET}"),
                    _ => format!("{http} {SECRET}"),
                };
                Some(Credential::Header { scheme, name: "authorization".to_owned(), value })
            }
            Some("oauth2" | "openIdConnect") => Some(Credential::Header {
                scheme,
                name: "authorization".to_owned(),
                value: format!("Bearer {SECRET}"),
            }),
            Some("mutualTLS") => None,
            Some("apiKey") => {
                let key_name = node.get("name").and_then(Node::text).filter(|key_name| !key_name.is_empty());
                let Some(key_name) = key_name else {
                    self.error(
                        node.at,
                        &pointer,
                        format!("the apiKey security scheme `{name}` has no `name`"),
                        "`name:` the header, query parameter or cookie that carries the key",
                    );
                    return None;
                };
                let (name, value) = (key_name.to_owned(), SECRET.to_owned());
                match node.get("in").and_then(Node::text) {
                    Some("header") => {
                        Some(Credential::Header { scheme, name: name.to_ascii_lowercase(), value })
                    }
                    Some("query") => Some(Credential::Query { scheme, name, value }),
                    Some("cookie") => Some(Credential::Cookie { scheme, name, value }),
                    _ => {
                        let at = node.get("in").map_or(node.at, |location| location.at);
                        self.error(
                            at,
                            &child(&pointer, "in"),
                            format!("the apiKey security scheme `{}` has no valid `in`", scheme),
                            "`in:` header, query or cookie",
                        );
                        None
                    }
                }
            }
            _ => {
                let message = format!("`type` is {}: not a security scheme type", kind.describe());
                self.error(kind.at, &child(&pointer, "type"), message, types);
                None
            }
        }
    }

    /// A `security` list: one credential per alternative.
    fn security(&mut self, node: &'a Node, pointer: &str) -> Vec<Credential> {
        let Some(alternatives) = node.items() else {
            let message = format!("`security` is {}", node.describe());
            self.error(
                node.at,
                pointer,
                message,
                "a sequence of requirements: `- {scheme: []}`, or `[]` for none",
            );
            return Vec::new();
        };
        let mut credentials = Vec::new();
        for (position, alternative) in alternatives.iter().enumerate() {
            let alternative_pointer = index(pointer, position);
            let Some(requirements) = alternative.entries() else {
                let message = format!("a security requirement is {}", alternative.describe());
                self.error(
                    alternative.at,
                    &alternative_pointer,
                    message,
                    "a mapping of scheme names to scopes: `{scheme: []}`, or `{}` for anonymous",
                );
                continue;
            };
            if requirements.is_empty() {
                credentials.push(Credential::Anonymous);
                continue;
            }
            let mut chosen = None;
            for requirement in requirements {
                match self.schemes.get(&requirement.key) {
                    Some(credential) => {
                        if chosen.is_none() {
                            chosen.clone_from(credential);
                        }
                    }
                    None => {
                        let mut names: Vec<&String> = self.schemes.keys().collect();
                        names.sort();
                        let expected = if names.is_empty() {
                            "a scheme defined under `components.securitySchemes`, which has none".to_owned()
                        } else {
                            let names: Vec<&str> = names.iter().map(|name| name.as_str()).collect();
                            format!(
                                "one of the schemes under `components.securitySchemes`: {}",
                                names.join(", ")
                            )
                        };
                        self.error(
                            requirement.key_at,
                            &child(&alternative_pointer, &requirement.key),
                            format!("there is no security scheme `{}`", requirement.key),
                            expected,
                        );
                    }
                }
            }
            credentials.extend(chosen);
        }
        credentials
    }

    /// A `servers` list; `None` when absent or empty, so that the enclosing level's apply.
    fn servers(&mut self, node: Option<&'a Node>, pointer: &str) -> Option<Vec<Server>> {
        let node = node?;
        let Some(items) = node.items() else {
            let message = format!("`servers` is {}", node.describe());
            self.error(node.at, pointer, message, "a sequence of servers: `- url: https://api.example.com`");
            return None;
        };
        let mut servers = Vec::new();
        for (position, server) in items.iter().enumerate() {
            let server_pointer = index(pointer, position);
            let Some((server, server_pointer)) =
                self.mapping(server, &server_pointer, "a server", "a mapping with `url`")
            else {
                continue;
            };
            let Some(url_node) = server.get("url") else {
                self.error(server.at, &server_pointer, "a server without `url`", "`url:` the server's URL");
                continue;
            };
            let Some(url) = url_node.text() else {
                let message = format!("a server's `url` is {}", url_node.describe());
                self.error(url_node.at, &child(&server_pointer, "url"), message, "the server's URL");
                continue;
            };
            if let Some(url) = self.fill_server_variables(url, url_node, server, &server_pointer) {
                servers.push(Server { url, line: url_node.at.line });
            }
        }
        (!servers.is_empty()).then_some(servers)
    }

    /// The URL with each `{variable}` replaced by its default.
    fn fill_server_variables(
        &mut self,
        url: &str,
        url_node: &Node,
        server: &'a Node,
        pointer: &str,
    ) -> Option<String> {
        let mut filled = String::new();
        let mut rest = url;
        let mut complete = true;
        while let Some(open) = rest.find('{') {
            filled.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let name = &rest[open + 1..open + close];
            rest = &rest[open + close + 1..];
            let variables_pointer = child(pointer, "variables");
            let variable = server.get("variables").and_then(|variables| variables.get(name));
            match variable.map(|variable| (variable, variable.get("default").and_then(Node::text))) {
                Some((_, Some(default))) => filled.push_str(default),
                Some((variable, None)) => {
                    self.error(
                        variable.at,
                        &child(&variables_pointer, name),
                        format!("the server variable `{name}` has no `default`"),
                        "`default:` the value used when none is chosen",
                    );
                    complete = false;
                }
                None => {
                    self.error(
                        url_node.at,
                        &child(pointer, "url"),
                        format!("the server URL uses `{{{name}}}`, which `variables` does not define"),
                        format!("`variables: {{{name}: {{default: ...}}}}` in this server"),
                    );
                    complete = false;
                }
            }
        }
        filled.push_str(rest);
        complete.then_some(filled)
    }

    fn path_item(
        &mut self,
        path: &str,
        node: &'a Node,
        pointer: &str,
        root_servers: &[Server],
        root_security: &[Credential],
        operations: &mut Vec<Operation>,
    ) {
        let Some((item, item_pointer)) = self.mapping(
            node,
            pointer,
            &format!("the path item of `{path}`"),
            "a mapping of methods (`get`, `post`, ...) to operations",
        ) else {
            return;
        };
        let shared = self.parameters(item.get("parameters"), &child(&item_pointer, "parameters"));
        let servers = self
            .servers(item.get("servers"), &child(&item_pointer, "servers"))
            .unwrap_or_else(|| root_servers.to_vec());
        let Some(entries) = item.entries() else { return };
        for entry in entries {
            let Some(method) = METHODS.iter().find(|method| **method == entry.key) else {
                continue;
            };
            let operation_pointer = child(&item_pointer, method);
            let Some(operation) = entry.value.entries().map(|_| &entry.value) else {
                let message = format!("the `{method}` operation of `{path}` is {}", entry.value.describe());
                self.error(
                    entry.value.at,
                    &operation_pointer,
                    message,
                    "a mapping with `responses` (and `parameters`, `requestBody`, ...)",
                );
                continue;
            };
            let context = Context { path, servers: &servers, security: root_security, shared: &shared };
            operations.push(self.operation(method, entry.key_at, operation, &operation_pointer, &context));
        }
    }

    fn operation(
        &mut self,
        method: &str,
        at: Position,
        node: &'a Node,
        pointer: &str,
        context: &Context<'_>,
    ) -> Operation {
        let own = self.parameters(node.get("parameters"), &child(pointer, "parameters"));
        let mut parameters: Vec<&Parameter> = context
            .shared
            .iter()
            .filter(|shared| !own.iter().any(|p| p.name == shared.name && p.location == shared.location))
            .collect();
        parameters.extend(own.iter());

        let (path, missing) = fill_path(context.path, &parameters);
        let query = fill_query(&parameters);
        let filled_path = if query.is_empty() { path } else { format!("{path}?{query}") };
        let mut headers = header_parameters(&parameters);
        let body = match node.get("requestBody") {
            Some(request_body) => {
                self.request_body(request_body, &child(pointer, "requestBody"), &mut headers)
            }
            None => None,
        };
        let responses = self.responses(node.get("responses"), &child(pointer, "responses"));
        let missing_path = (responses.contains(&404) && missing.is_some()).then(|| {
            let missing = missing.unwrap_or_default();
            if query.is_empty() { missing } else { format!("{missing}?{query}") }
        });
        let servers = self
            .servers(node.get("servers"), &child(pointer, "servers"))
            .unwrap_or_else(|| context.servers.to_vec());
        let security = match node.get("security") {
            Some(security) => self.security(security, &child(pointer, "security")),
            None => context.security.to_vec(),
        };
        Operation {
            method: method.to_ascii_uppercase(),
            path: context.path.to_owned(),
            filled_path,
            operation_id: node.get("operationId").and_then(Node::text).map(str::to_owned),
            servers,
            headers,
            body,
            security,
            redirects: responses.iter().copied().filter(|status| (300..400).contains(status)).collect(),
            responses,
            missing_path,
            line: at.line,
            column: at.column,
        }
    }

    fn parameters(&mut self, node: Option<&'a Node>, pointer: &str) -> Vec<Parameter> {
        let Some(node) = node else { return Vec::new() };
        let Some(items) = node.items() else {
            let message = format!("`parameters` is {}", node.describe());
            self.error(node.at, pointer, message, "a sequence of parameters: `- {name: id, in: path}`");
            return Vec::new();
        };
        let mut parameters: Vec<Parameter> = Vec::new();
        for (position, item) in items.iter().enumerate() {
            if let Some(parameter) = self.parameter(item, &index(pointer, position)) {
                parameters.retain(|p| !(p.name == parameter.name && p.location == parameter.location));
                parameters.push(parameter);
            }
        }
        parameters
    }

    fn parameter(&mut self, node: &'a Node, pointer: &str) -> Option<Parameter> {
        let (node, pointer) = self.mapping(node, pointer, "a parameter", "a mapping with `name` and `in`")?;
        let locations = "one of path, query, header, cookie";
        let name = match node.get("name") {
            None => {
                self.error(node.at, &pointer, "a parameter without `name`", "`name:` the parameter's name");
                None
            }
            Some(name) => match name.text() {
                Some(text) => Some(text.to_owned()),
                None => {
                    let message = format!("a parameter's `name` is {}", name.describe());
                    self.error(name.at, &child(&pointer, "name"), message, "the parameter's name");
                    None
                }
            },
        };
        let location = match node.get("in") {
            None => {
                self.error(node.at, &pointer, "a parameter without `in`", format!("`in:` {locations}"));
                None
            }
            Some(location) => match location.text() {
                Some(text @ ("path" | "query" | "header" | "cookie")) => Some(text.to_owned()),
                _ => {
                    let message =
                        format!("a parameter's `in` is {}: not a parameter location", location.describe());
                    self.error(location.at, &child(&pointer, "in"), message, locations);
                    None
                }
            },
        };
        let (name, location) = (name?, location?);
        let required = location == "path" || node.get("required").and_then(Node::text) == Some("true");
        let (value, as_json, schema) = self.parameter_value(node, &pointer);
        let missing = match schema.and_then(|schema| self.resolve(schema, &pointer)) {
            Some((schema, _)) => {
                let kind = schema_type(schema);
                if matches!(kind.as_deref(), Some("integer" | "number")) {
                    MISSING_NUMBER
                } else if schema.get("format").and_then(Node::text) == Some("uuid") {
                    MISSING_UUID
                } else {
                    MISSING
                }
            }
            None => MISSING,
        };
        Some(Parameter {
            name,
            location,
            required,
            value,
            as_json,
            style: node.get("style").and_then(Node::text).map(str::to_owned),
            explode: node.get("explode").and_then(Node::text).map(|explode| explode == "true"),
            missing,
        })
    }

    /// A parameter's value: its example, its first example, or one from its schema; whether it
    /// is sent as JSON (a parameter described by `content`); and its schema.
    fn parameter_value(&mut self, node: &'a Node, pointer: &str) -> (Json, bool, Option<&'a Node>) {
        let (holder, holder_pointer, as_json) = match node.get("content").and_then(Node::entries) {
            Some(media) if !media.is_empty() => {
                let content_pointer = child(pointer, "content");
                (&media[0].value, child(&content_pointer, &media[0].key), is_json_media(&media[0].key))
            }
            _ => (node, pointer.to_owned(), false),
        };
        let schema = holder.get("schema");
        let value = self
            .example(node, pointer)
            .or_else(|| if std::ptr::eq(holder, node) { None } else { self.example(holder, &holder_pointer) })
            .unwrap_or_else(|| match schema {
                Some(schema) => self.sample(
                    schema,
                    &child(&holder_pointer, "schema"),
                    0,
                    &mut MOST_SAMPLE_NODES.clone(),
                    true,
                ),
                None => Json::String("1".to_owned()),
            });
        (value, as_json, schema)
    }

    /// The `example`, else the first of `examples` (Example objects, `$ref` followed), of a
    /// parameter or media type.
    fn example(&mut self, node: &'a Node, pointer: &str) -> Option<Json> {
        if let Some(example) = node.get("example") {
            return Json::from_node(example);
        }
        let examples = node.get("examples")?.entries()?;
        let first = examples.first()?;
        let examples_pointer = child(pointer, "examples");
        let (example, _) = self.resolve(&first.value, &child(&examples_pointer, &first.key))?;
        Json::from_node(example.get("value")?)
    }

    /// A value that fits a schema: its example, const, default or first enum value, else one
    /// made from its type and properties, small and bounded however the schema recurses.
    fn sample(
        &mut self,
        schema: &'a Node,
        pointer: &str,
        depth: usize,
        budget: &mut usize,
        for_parameter: bool,
    ) -> Json {
        if depth > MAX_SCHEMA_DEPTH || *budget == 0 {
            return Json::Null;
        }
        *budget -= 1;
        let Some((schema, pointer)) = self.resolve(schema, pointer) else {
            return Json::Null;
        };
        if schema.entries().is_none() {
            return Json::Null;
        }
        for key in ["example", "const", "default"] {
            if let Some(value) = schema.get(key).and_then(Json::from_node) {
                return value;
            }
        }
        for key in ["examples", "enum"] {
            if let Some(value) =
                schema.get(key).and_then(Node::items).and_then(<[Node]>::first).and_then(Json::from_node)
            {
                return value;
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = schema.get(key).and_then(Node::items).and_then(<[Node]>::first) {
                return self.sample(
                    first,
                    &index(&child(&pointer, key), 0),
                    depth + 1,
                    budget,
                    for_parameter,
                );
            }
        }
        let kind = schema_type(schema).unwrap_or_else(|| {
            if schema.get("properties").is_some() || schema.get("allOf").is_some() || !for_parameter {
                "object".to_owned()
            } else if schema.get("items").is_some() {
                "array".to_owned()
            } else {
                "string".to_owned()
            }
        });
        match kind.as_str() {
            "object" => {
                let mut members = self.required_properties(schema, &pointer, depth, budget);
                if let Some(parts) = schema.get("allOf").and_then(Node::items) {
                    for (position, part) in parts.iter().enumerate() {
                        let part_pointer = index(&child(&pointer, "allOf"), position);
                        match self.sample(part, &part_pointer, depth + 1, budget, false) {
                            Json::Object(more) => {
                                for (key, value) in more {
                                    if !members.iter().any(|(known, _)| *known == key) {
                                        members.push((key, value));
                                    }
                                }
                            }
                            other if members.is_empty() && parts.len() == 1 => return other,
                            _ => {}
                        }
                    }
                }
                Json::Object(members)
            }
            "array" => {
                let wanted = schema.get("minItems").and_then(Node::text).is_some_and(|least| least != "0");
                match schema.get("items") {
                    Some(items) if wanted => Json::Array(vec![self.sample(
                        items,
                        &child(&pointer, "items"),
                        depth + 1,
                        budget,
                        for_parameter,
                    )]),
                    _ => Json::Array(Vec::new()),
                }
            }
            kind => by_type(
                kind,
                schema.get("format").and_then(Node::text),
                schema.get("minimum").and_then(Node::text),
                for_parameter,
            ),
        }
    }

    /// The required properties of an object schema, each with a value from its own schema.
    fn required_properties(
        &mut self,
        schema: &'a Node,
        pointer: &str,
        depth: usize,
        budget: &mut usize,
    ) -> Vec<(String, Json)> {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Node::items)
            .map_or(Vec::new(), |names| names.iter().filter_map(Node::text).collect());
        let properties_pointer = child(pointer, "properties");
        let mut members = Vec::new();
        for name in required.into_iter().take(MOST_PROPERTIES) {
            if members.iter().any(|(known, _)| known == name) {
                continue;
            }
            let value = match schema.get("properties").and_then(|properties| properties.get(name)) {
                Some(property) => {
                    self.sample(property, &child(&properties_pointer, name), depth + 1, budget, false)
                }
                None => Json::String("example".to_owned()),
            };
            members.push((name.to_owned(), value));
        }
        members
    }

    /// The body a probe sends and, in `headers`, its content type.
    fn request_body(
        &mut self,
        node: &'a Node,
        pointer: &str,
        headers: &mut Vec<(String, String)>,
    ) -> Option<String> {
        let (body, pointer) = self.mapping(node, pointer, "`requestBody`", "a mapping with `content`")?;
        let Some(content) = body.get("content") else {
            return Some(String::new());
        };
        let content_pointer = child(&pointer, "content");
        let Some(media_types) = content.entries() else {
            let message = format!("a request body's `content` is {}", content.describe());
            self.error(
                content.at,
                &content_pointer,
                message,
                "a mapping of media types to their schema and examples",
            );
            return Some(String::new());
        };
        let chosen = media_types
            .iter()
            .find(|entry| {
                entry.key.split(';').next().is_some_and(|essence| essence.trim() == "application/json")
            })
            .or_else(|| media_types.first());
        let Some(chosen) = chosen else { return Some(String::new()) };
        let media = chosen.key.as_str();
        let content_type = if media.contains('*') { "application/octet-stream" } else { media };
        headers.push(("content-type".to_owned(), content_type.to_owned()));
        let media_pointer = child(&content_pointer, media);
        let json = is_json_media(media);
        let form = media.starts_with("application/x-www-form-urlencoded");
        let value = self.example(&chosen.value, &media_pointer).or_else(|| {
            let schema = chosen.value.get("schema")?;
            (json || form).then(|| {
                self.sample(
                    schema,
                    &child(&media_pointer, "schema"),
                    0,
                    &mut MOST_SAMPLE_NODES.clone(),
                    false,
                )
            })
        });
        Some(match value {
            Some(Json::Object(members)) if form => members
                .iter()
                .map(|(key, value)| {
                    format!("{}={}", percent_encode(key), percent_encode(&value.parameter_text()))
                })
                .collect::<Vec<_>>()
                .join("&"),
            Some(Json::String(text)) if !json => text,
            Some(Json::Null) | None if json => "{}".to_owned(),
            Some(value) if json => value.to_string(),
            Some(value) => value.to_string(),
            None => String::new(),
        })
    }

    /// The numeric status codes of `responses`, in document order.
    fn responses(&mut self, node: Option<&'a Node>, pointer: &str) -> Vec<u16> {
        let Some(node) = node else { return Vec::new() };
        let Some(entries) = node.entries() else {
            let message = format!("`responses` is {}", node.describe());
            self.error(node.at, pointer, message, "a mapping of status codes (`\"200\"`) to responses");
            return Vec::new();
        };
        let mut statuses = Vec::new();
        for entry in entries {
            if let Ok(status) = entry.key.parse::<u16>()
                && (100..600).contains(&status)
                && !statuses.contains(&status)
            {
                statuses.push(status);
            }
        }
        statuses
    }
}

/// What an operation inherits from its path item and the document.
struct Context<'c> {
    path: &'c str,
    servers: &'c [Server],
    security: &'c [Credential],
    shared: &'c [Parameter],
}

/// A schema's `type`: the text, or in 3.1 the first of a list that is not `null`.
fn schema_type(schema: &Node) -> Option<String> {
    let kind = schema.get("type")?;
    match kind.items() {
        Some(kinds) => kinds.iter().filter_map(Node::text).find(|kind| *kind != "null").map(str::to_owned),
        None => kind.text().map(str::to_owned),
    }
}

/// The path with each `{name}` filled, and the same with the value that cannot exist (`None`
/// when the path has no parameters).
fn fill_path(template: &str, parameters: &[&Parameter]) -> (String, Option<String>) {
    let mut filled = String::new();
    let mut missing = String::new();
    let mut rest = template;
    let mut any = false;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        filled.push_str(&rest[..open]);
        missing.push_str(&rest[..open]);
        let name = &rest[open + 1..open + close];
        let parameter = parameters.iter().find(|p| p.location == "path" && p.name == name);
        let value = parameter.map_or_else(|| "1".to_owned(), |p| parameter_text(p));
        filled.push_str(&percent_encode(&value));
        missing.push_str(parameter.map_or(MISSING, |p| p.missing));
        any = true;
        rest = &rest[open + close + 1..];
    }
    filled.push_str(rest);
    missing.push_str(rest);
    (filled, any.then_some(missing))
}

fn parameter_text(parameter: &Parameter) -> String {
    if parameter.as_json { parameter.value.to_string() } else { parameter.value.parameter_text() }
}

/// The required query parameters as a query string, in the `form` style by default.
fn fill_query(parameters: &[&Parameter]) -> String {
    let mut pairs: Vec<String> = Vec::new();
    for parameter in parameters.iter().filter(|p| p.location == "query" && p.required) {
        let name = percent_encode(&parameter.name);
        let style = parameter.style.as_deref().unwrap_or("form");
        let explode = parameter.explode.unwrap_or(style == "form");
        match (&parameter.value, style, explode) {
            (_, _, _) if parameter.as_json => {
                pairs.push(format!("{name}={}", percent_encode(&parameter.value.to_string())));
            }
            (Json::Array(items), "form", true) => {
                for item in items {
                    pairs.push(format!("{name}={}", percent_encode(&item.parameter_text())));
                }
                if items.is_empty() {
                    pairs.push(format!("{name}="));
                }
            }
            (Json::Object(members), "form", true) => {
                for (key, value) in members {
                    pairs.push(format!(
                        "{}={}",
                        percent_encode(key),
                        percent_encode(&value.parameter_text())
                    ));
                }
            }
            (Json::Object(members), "deepObject", _) => {
                for (key, value) in members {
                    let key = percent_encode(&format!("{}[{key}]", parameter.name));
                    pairs.push(format!("{key}={}", percent_encode(&value.parameter_text())));
                }
            }
            (Json::Array(items), "spaceDelimited" | "pipeDelimited", _) => {
                let delimiter = if style == "spaceDelimited" { "%20" } else { "%7C" };
                let values: Vec<String> =
                    items.iter().map(|item| percent_encode(&item.parameter_text())).collect();
                pairs.push(format!("{name}={}", values.join(delimiter)));
            }
            (value, _, _) => {
                let values: Vec<String> = match value {
                    Json::Array(items) => {
                        items.iter().map(|item| percent_encode(&item.parameter_text())).collect()
                    }
                    Json::Object(members) => members
                        .iter()
                        .flat_map(|(key, value)| {
                            [percent_encode(key), percent_encode(&value.parameter_text())]
                        })
                        .collect(),
                    scalar => vec![percent_encode(&scalar.parameter_text())],
                };
                pairs.push(format!("{name}={}", values.join(",")));
            }
        }
    }
    pairs.join("&")
}

/// The required header parameters a page can send.
fn header_parameters(parameters: &[&Parameter]) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    for parameter in parameters.iter().filter(|p| p.location == "header" && p.required) {
        let name = parameter.name.to_ascii_lowercase();
        let value = parameter_text(parameter).trim().to_owned();
        // OpenAPI says these three are not described as parameters and are ignored.
        let ignored = matches!(name.as_str(), "accept" | "content-type" | "authorization");
        let is_token = !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        let value_sendable = !value.contains(['\0', '\r', '\n']);
        if ignored
            || !is_token
            || !value_sendable
            || is_forbidden_request_header(name.as_bytes(), value.as_bytes())
        {
            continue;
        }
        headers.push((name, value));
    }
    headers
}

/// A `$ref` fragment's `%XX` escapes decoded (a fragment is a URI part).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut position = 0;
    while position < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| char::from(*b).to_digit(16));
        match (bytes[position], hex(position + 1), hex(position + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                position += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                position += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
