// corsproof's page script: makes requests the way a page would and reports what the page saw.
//
//   await window.corsproof.run([{ id, api, url, method, headers, body, credentials, mode, redirect,
//     referrer_policy, keepalive, cache, priority, timeout_ms, journal_token }, ...])
//
// resolves to one result per request, in the same order:
//   { id, outcome: "response" | "error" | "timeout", status, status_text, type, redirected,
//     url, headers: [[name, value], ...], body, error, elapsed_ms, journal_before }
// Requests run concurrently; each outcome is what JavaScript could observe, nothing more.
//
//   await window.corsproof.runSequences([[request, request, ...], ...])
//
// runs each sequence's requests one after another and the sequences concurrently; resolves to
// one array of results per sequence. A request with a `journal_token` first reads how many
// requests the page's server has journaled for that token (`journal_before`), so that a request
// reusing an earlier one's URL can tell its own journal entries from the earlier ones.
"use strict";
(function () {
  const BODY_LIMIT = 65536;

  function clip(text) {
    return text.length > BODY_LIMIT ? text.slice(0, BODY_LIMIT) : text;
  }

  function base(spec, started) {
    return {
      id: spec.id, outcome: "error", status: null, status_text: null, type: null,
      redirected: null, url: null, headers: [], body: null, error: null, journal_before: null,
      elapsed_ms: Math.round(performance.now() - started),
    };
  }

  async function viaFetch(spec) {
    const started = performance.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, spec.timeout_ms || 10000);
    const init = {
      method: spec.method || "GET",
      headers: spec.headers || [],
      credentials: spec.credentials || "same-origin",
      mode: spec.mode || "cors",
      redirect: spec.redirect || "follow",
      cache: spec.cache || "default",
      signal: controller.signal,
    };
    withBodyAndOptions(init, spec);
    try {
      const response = await fetch(spec.url, init);
      const result = base(spec, started);
      result.outcome = "response";
      result.status = response.status;
      result.status_text = response.statusText;
      result.type = response.type;
      result.redirected = response.redirected;
      result.url = response.url;
      result.headers = Array.from(response.headers.entries());
      result.body = clip(await response.text());
      result.elapsed_ms = Math.round(performance.now() - started);
      return result;
    } catch (error) {
      const result = base(spec, started);
      result.outcome = timedOut ? "timeout" : "error";
      result.error = String(error && error.name ? error.name + ": " + error.message : error);
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  // The body, and fetch's own options passed only when the scenario names them. (A function of its
  // own, so that the fetch call keeps its line: Chromium's console names the script's line.)
  function withBodyAndOptions(init, spec) {
    if (spec.body !== null && spec.body !== undefined) init.body = spec.body;
    if (spec.referrer_policy) init.referrerPolicy = spec.referrer_policy;
    if (spec.keepalive) init.keepalive = true;
    if (spec.priority) init.priority = spec.priority;
  }

  function viaXhr(spec) {
    const started = performance.now();
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open(spec.method || "GET", spec.url, true);
      xhr.withCredentials = spec.credentials === "include";
      xhr.timeout = spec.timeout_ms || 10000;
      for (const [name, value] of spec.headers || []) {
        try { xhr.setRequestHeader(name, value); } catch (_) { /* forbidden: the browser drops it */ }
      }
      xhr.onload = () => {
        const result = base(spec, started);
        result.outcome = "response";
        result.status = xhr.status;
        result.status_text = xhr.statusText;
        result.type = "xhr";
        result.url = xhr.responseURL;
        result.headers = xhr.getAllResponseHeaders().trim().split(/\r?\n/).filter(Boolean)
          .map((line) => { const i = line.indexOf(":"); return [line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]; });
        result.body = clip(xhr.responseText);
        resolve(result);
      };
      xhr.onerror = () => { const r = base(spec, started); r.error = "XMLHttpRequest: network error"; resolve(r); };
      xhr.ontimeout = () => { const r = base(spec, started); r.outcome = "timeout"; r.error = "XMLHttpRequest: timeout"; resolve(r); };
      try {
        xhr.send(spec.body === undefined ? null : spec.body);
      } catch (error) {
        const r = base(spec, started); r.error = String(error); resolve(r);
      }
    });
  }

  // The journal is read same-origin; a sandboxed page's origin is opaque, so it shows the key
  // its server gave it for the journal to share its answer.
  async function journalCount(token) {
    try {
      const key = document.querySelector('meta[name="corsproof-journal-key"]');
      const shown = key && key.content ? "?key=" + encodeURIComponent(key.content) : "";
      const response = await fetch("/_journal/" + encodeURIComponent(token) + shown, { cache: "no-store" });
      return (await response.json()).length;
    } catch (_) {
      return null;
    }
  }

  async function one(spec) {
    const before = spec.journal_token ? await journalCount(spec.journal_token) : null;
    const result = await (spec.api === "xhr" ? viaXhr(spec) : viaFetch(spec));
    result.journal_before = before;
    return result;
  }

  async function sequence(specs) {
    const results = [];
    for (const spec of specs) results.push(await one(spec));
    return results;
  }

  window.corsproof = {
    version: 2,
    run(specs) {
      return Promise.all(specs.map(one));
    },
    runSequences(sequences) {
      return Promise.all(sequences.map(sequence));
    },
  };
})();
