//! The matrix page's Network view: for each scenario, a table like a browser's Network tab (one
//! row per request on the wire, the CORS headers of both sides, the header at fault marked, the
//! console's words beside it), one table per engine where the engines differ and one for all
//! where they agree, with a search box and filters by outcome, engine and topic.
//!
//! Everything is inline (style and plain script, nothing fetched), so the page works opened from
//! `file://` and from a CI artifact.

use std::fmt::Write as _;
use std::path::Path;

use super::html;
use crate::matrix::network::{Exchange, Fault, Hop, RequestView};
use crate::matrix::{Cell, Matrix, Row};
use crate::observe::ReasonSource;

/// The view's style: the header at fault stands out (red, bold, outlined) in its row.
pub(super) const PICTURE_STYLE: &str = "\
[hidden]{display:none!important}
.filters{position:sticky;top:0;background:#fff;padding:.5em 0;z-index:1}
.filters input,.filters select{font:inherit;margin-right:.6em}
section.scenario{margin:1.5em 0;border-top:2px solid #d0d0d7}
section.scenario h3{font-size:15px;margin:.6em 0}
.engines{display:flex;gap:1em;flex-wrap:wrap}
.engines.side-by-side>.engine{flex:1 1 0;min-width:30em}
.engine h4{margin:.4em 0;font-size:13px}
table.network{margin:.3em 0;font-size:12px;width:100%}
table.network td{font:12px/1.4 ui-monospace,monospace}
table.network tbody.request{border-top:2px solid #b0b0b8}
tr.at-fault td{background:#fff0f0}
.header{white-space:nowrap}
.fault{background:#ffcdd2;color:#8b0000;font-weight:bold;outline:2px solid #c62828;padding:0 .2em}
.provenance{color:#888;font:11px system-ui,sans-serif}
td.console{white-space:pre-wrap;max-width:40em;font:12px/1.4 system-ui,sans-serif;color:#6b1010}
.outcome-blocked,.outcome-network-error,.outcome-timeout{color:#8b0000;font-weight:bold}
.outcome-allowed{color:#176f2c}
";

/// The filter: a request (`tbody.request`) shows when it matches the search text (its rows'
/// text and the scenario's id) and every chosen filter; an engine's table and a scenario show
/// while one of their requests does. Plain script, so it runs from `file://`.
pub(super) const PICTURE_SCRIPT: &str = "(function(){\
var search=document.getElementById('search'),outcome=document.getElementById('filter-outcome'),\
engine=document.getElementById('filter-engine'),topic=document.getElementById('filter-topic');\
function apply(){var text=search.value.toLowerCase();\
document.querySelectorAll('section.scenario').forEach(function(scenario){var any=false;\
scenario.querySelectorAll('tbody.request').forEach(function(request){\
var shown=(!outcome.value||request.dataset.outcome===outcome.value)\
&&(!engine.value||request.dataset.engine.split(' ').indexOf(engine.value)>=0)\
&&(!topic.value||scenario.dataset.topic===topic.value)\
&&(!text||(scenario.dataset.id+' '+request.textContent).toLowerCase().indexOf(text)>=0);\
request.hidden=!shown;any=any||shown;});\
scenario.querySelectorAll('div.engine').forEach(function(view){\
view.hidden=!view.querySelector('tbody.request:not([hidden])');});\
scenario.hidden=!any;});}\
[search,outcome,engine,topic].forEach(function(input){input.addEventListener('input',apply);\
input.addEventListener('change',apply);});})();";

/// The outcomes the outcome filter offers, as scenario files name them.
const OUTCOMES: [&str; 4] = ["allowed", "blocked", "network-error", "timeout"];

/// The Network view of every row: the filters, then one section per scenario.
pub(super) fn network_view(matrix: &Matrix) -> String {
    let mut out = String::from("<h2>Network</h2>\n<div class=\"filters\">");
    out.push_str(
        "<input type=\"search\" id=\"search\" placeholder=\"search URLs, headers, console text\" size=\"40\">",
    );
    let engines: Vec<&str> = matrix.engines.iter().map(|column| column.engine.as_str()).collect();
    let mut topics: Vec<&str> = matrix.rows.iter().map(|row| row.source.topic.as_str()).collect();
    topics.sort_unstable();
    topics.dedup();
    out.push_str(&select("filter-outcome", "every outcome", &OUTCOMES));
    out.push_str(&select("filter-engine", "every engine", &engines));
    out.push_str(&select("filter-topic", "every topic", &topics));
    out.push_str("</div>\n");
    for (index, row) in matrix.rows.iter().enumerate() {
        out.push_str(&scenario_section(index, row, &engines));
    }
    out
}

/// A `<select>` of `choices` after the one that chooses everything.
fn select(id: &str, everything: &str, choices: &[&str]) -> String {
    let mut out = format!("<select id=\"{id}\"><option value=\"\">{everything}</option>");
    for choice in choices {
        let _ = write!(out, "<option value=\"{0}\">{0}</option>", html(choice));
    }
    out.push_str("</select>");
    out
}

/// One engine's table, or several engines' when they did the same: the engines' names with
/// their exchanges (the first one's rows are shown, every one's console words).
struct View<'a> {
    engines: Vec<(&'a str, &'a Exchange)>,
}

/// The section of one scenario: its links, then its views side by side.
fn scenario_section(index: usize, row: &Row, engines: &[&str]) -> String {
    let ran: Vec<(&str, &Exchange)> = engines
        .iter()
        .zip(&row.cells)
        .filter_map(|(engine, cell)| match cell {
            Cell::Ran { network, .. } => Some((*engine, network.as_ref())),
            _ => None,
        })
        .collect();
    let views: Vec<View<'_>> = if row.differs() {
        ran.into_iter().map(|one| View { engines: vec![one] }).collect()
    } else if ran.is_empty() {
        vec![]
    } else {
        vec![View { engines: ran }]
    };
    let mut out = format!(
        "<section class=\"scenario\" id=\"scenario-{index}\" data-topic=\"{}\" data-id=\"{}\">\n",
        html(&row.source.topic),
        html(&row.id)
    );
    let _ = writeln!(
        out,
        "<h3><code>{}</code> <a class=\"source\" href=\"{}\">{}:{}</a>{} <span class=\"about\">{}</span></h3>",
        html(&row.id),
        html(&file_url(&row.source.file)),
        html(&row.source.file),
        row.source.line,
        if row.differs() { " <b>≠ the engines differ</b>" } else { "" },
        html(&row.about)
    );
    if views.is_empty() {
        out.push_str("<p>No engine ran it (see the matrix above).</p>\n");
    }
    let class = if views.len() > 1 { "engines side-by-side" } else { "engines" };
    let _ = writeln!(out, "<div class=\"{class}\">");
    for view in &views {
        out.push_str(&view_html(view));
    }
    out.push_str("</div>\n</section>\n");
    out
}

/// One view: its engines (each with a link to its snapshot) and the table of its requests.
fn view_html(view: &View<'_>) -> String {
    let names: Vec<&str> = view.engines.iter().map(|(engine, _)| *engine).collect();
    let mut out = format!("<div class=\"engine\" data-engine=\"{}\">\n<h4>", html(&names.join(" ")));
    for (position, (engine, exchange)) in view.engines.iter().enumerate() {
        if position > 0 {
            out.push_str(" = ");
        }
        out.push_str(&html(engine));
        if let Some(snapshot) = &exchange.snapshot {
            let _ =
                write!(out, " (<a class=\"snapshot\" href=\"{}\">snapshot</a>)", html(&file_url(snapshot)));
        }
    }
    out.push_str(
        "</h4>\n<table class=\"network\"><thead><tr><th>#</th><th>kind</th><th>method</th><th>URL</th>\
        <th>status</th><th>request headers</th><th>response headers</th><th>console</th></tr></thead>\n",
    );
    let Some((_, shown)) = view.engines.first() else {
        return out;
    };
    for request in &shown.requests {
        let consoles: Vec<(&str, &RequestView)> = view
            .engines
            .iter()
            .filter_map(|(engine, exchange)| {
                exchange
                    .requests
                    .iter()
                    .find(|other| other.number == request.number)
                    .map(|other| (*engine, other))
            })
            .collect();
        out.push_str(&request_html(request, &names, &consoles));
    }
    out.push_str("</table>\n</div>\n");
    out
}

/// One request's rows, the console's words beside the row at fault (or its last row).
fn request_html(request: &RequestView, engines: &[&str], consoles: &[(&str, &RequestView)]) -> String {
    let outcome = request.outcome.name();
    let mut out = format!(
        "<tbody class=\"request\" data-outcome=\"{outcome}\" data-engine=\"{}\">\n",
        html(&engines.join(" "))
    );
    let console_row = request
        .hops
        .iter()
        .position(|hop| hop.fault.is_some())
        .unwrap_or(request.hops.len().saturating_sub(1));
    for (position, hop) in request.hops.iter().enumerate() {
        let class = if hop.fault.is_some() { "hop at-fault" } else { "hop" };
        let number = if position == 0 {
            format!("{} <span class=\"outcome-{outcome}\">{outcome}</span>", request.number)
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<tr class=\"{class}\"><td>{number}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"status\">{}</td>",
            hop.kind.name(),
            html(&hop.method),
            html(&hop.url),
            status_html(hop)
        );
        let fault = hop.fault.unwrap_or(Fault { response_header: None, request_header: None, status: false });
        let _ = write!(
            out,
            "<td class=\"request-headers\">{}</td>",
            headers_html(&hop.request_headers, fault.request_header)
        );
        let _ = write!(
            out,
            "<td class=\"response-headers\">{}<div class=\"provenance\">{}</div></td>",
            headers_html(hop.response.headers(), fault.response_header),
            hop.response.provenance()
        );
        out.push_str("<td class=\"console\">");
        if position == console_row {
            out.push_str(&console_html(consoles));
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n");
    out
}

/// The status, marked when it is at fault; `?` when unknown.
fn status_html(hop: &Hop) -> String {
    let status = hop.status.map_or_else(|| "?".to_owned(), |status| status.to_string());
    if hop.fault.is_some_and(|fault| fault.status) {
        format!("<span class=\"fault\">{status}</span>")
    } else {
        status
    }
}

/// Headers one per line, `at_fault` marked, and shown `absent` when it is not among them.
fn headers_html(headers: &[(String, String)], at_fault: Option<&str>) -> String {
    let mut out = String::new();
    for (name, value) in headers {
        let class = if Some(name.as_str()) == at_fault { "header fault" } else { "header" };
        let _ = write!(out, "<div class=\"{class}\">{}: {}</div>", html(name), html(value));
    }
    if let Some(name) = at_fault
        && !headers.iter().any(|(present, _)| present == name)
    {
        let _ = write!(out, "<div class=\"header fault absent\">{}: absent</div>", html(name));
    }
    out
}

/// What the console cell says when the engine's console said nothing of a request that was not
/// allowed (see [`ReasonSource::Inferred`]).
const INFERRED: &str = "(the console said nothing: the outcome is inferred from the page and the server)";

/// The browser's words, each engine's when several share the view.
fn console_html(consoles: &[(&str, &RequestView)]) -> String {
    let said: Vec<String> = consoles
        .iter()
        .filter_map(|(engine, request)| {
            let words = match (&request.console, request.console_source) {
                (Some(words), _) => words.as_str(),
                (None, Some(ReasonSource::Inferred)) => INFERRED,
                (None, _) => return None,
            };
            Some(if consoles.len() > 1 { format!("{engine}: {words}") } else { words.to_owned() })
        })
        .collect();
    html(&said.join("\n\n"))
}

/// A `file://` URL of `path`, made absolute from the current folder, so that a link opens the
/// file from the report wherever the report is.
fn file_url(path: &str) -> String {
    let absolute = std::path::absolute(Path::new(path)).unwrap_or_else(|_| Path::new(path).to_path_buf());
    format!("file://{}", absolute.display().to_string().replace(' ', "%20"))
}
