//! `corsproof serve` keeps its journal to itself unless asked: it is a long-lived server a user
//! may expose, and the journal holds every header requests carried.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Child;

/// The `corsproof serve` process, killed however the test ends.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` on the `http-b` listener (`api.test`), over plain HTTP/1.1: the whole response.
fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("corsproof serve accepts");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: api.test:{port}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("an answer");
    response
}

#[test]
fn without_the_flag_the_journal_is_not_served_and_says_how_to_turn_it_on() {
    let (child, ports) = support::serve_on_free_ports(&[]);
    let _serving = Serving(child);
    assert!(get(ports[1], "/t/mine/x?acao=*").starts_with("HTTP/1.1 200"));
    let journal = get(ports[1], "/_journal/mine");
    assert!(journal.starts_with("HTTP/1.1 404"), "{journal}");
    assert!(journal.contains("--journal-over-http"), "{journal}");
    assert!(!journal.to_ascii_lowercase().contains("access-control-allow-origin"), "{journal}");
}

#[test]
fn with_the_flag_the_journal_answers_as_json_to_same_origin_readers_only() {
    let (child, ports) = support::serve_on_free_ports(&["--journal-over-http"]);
    let _serving = Serving(child);
    assert!(get(ports[1], "/t/mine/x?acao=*").starts_with("HTTP/1.1 200"));
    let journal = get(ports[1], "/_journal/mine");
    assert!(journal.starts_with("HTTP/1.1 200"), "{journal}");
    assert!(journal.contains("\"token\":\"mine\""), "{journal}");
    let head = journal.to_ascii_lowercase();
    assert!(head.contains("cache-control: no-store"), "{journal}");
    assert!(!head.contains("access-control-allow-origin"), "{journal}");
}
