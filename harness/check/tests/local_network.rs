//! Local Network Access in the checker: a public page's request to this machine is stopped
//! before it is sent, as Chromium and Firefox stop it, and the Private Network Access preflight
//! probe reports a server that lets any origin in.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use corsproof_check::{ATTACKER_ORIGIN, Checker, Engine, Probe, private_network_preflight};
use corsproof_oracle::{AddressSpace, LocalNetworkCause, LocalNetworkPermission, NetworkError, Outcome};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server on 127.0.0.1 that allows every origin (`Access-Control-Allow-Origin` echoes it) and,
/// under `/pna`, answers the Private Network Access preflight too; it counts the requests.
async fn server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free loopback port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let origin = head
                    .lines()
                    .find_map(|line| line.strip_prefix("origin:"))
                    .map_or("*".to_owned(), |o| o.trim().to_owned());
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let private_network = if path.starts_with("/pna") {
                    "access-control-allow-private-network: true\r\n"
                } else {
                    ""
                };
                let answer = format!(
                    "HTTP/1.1 200 OK\r\naccess-control-allow-origin: {origin}\r\naccess-control-allow-methods: GET\r\n{private_network}content-length: 2\r\nconnection: close\r\n\r\nok"
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    (base, seen)
}

#[tokio::test]
async fn a_public_page_reaching_this_machine_is_stopped_before_anything_is_sent() {
    let (base, seen) = server().await;
    let probe = Probe::new(format!("{base}/items")).origin("https://app.example.com");
    let checker = Checker::builder().page_space(AddressSpace::Public).build();
    let checked = checker.check(&probe).await.unwrap();
    assert!(!checked.is_allowed() && checked.block().is_none(), "{checked}");
    assert!(checked.hops().is_empty(), "nothing is sent: {checked}");
    assert_eq!(seen.load(Ordering::SeqCst), 0);
    assert!(
        matches!(
            &checked.verdict().outcome,
            Outcome::NetworkError(NetworkError::LocalNetworkAccess {
                target: AddressSpace::Loopback,
                cause: LocalNetworkCause::PermissionNotGranted,
                ..
            })
        ),
        "{checked}"
    );
    let message = checked.console_message().unwrap_or_default();
    assert!(
        message.contains("Permission was denied for this request to access the `loopback` address space."),
        "{message}"
    );
    assert!(message.contains("serve the API from a public address"), "{message}");
}

#[tokio::test]
async fn the_rule_is_each_engines_and_the_users_grant_lifts_it() {
    let (base, _) = server().await;
    let probe = Probe::new(format!("{base}/items")).origin("https://app.example.com");
    let public = || Checker::builder().page_space(AddressSpace::Public);
    let granted = public().local_network_permission(LocalNetworkPermission::Granted).build();
    granted.check(&probe).await.unwrap().assert_allowed();
    // WebKit has no Local Network Access; it refuses this fetch as mixed content instead, as
    // it refuses any http://127.0.0.1 from an https page.
    let webkit = public().engine(Engine::WebKit).build().check(&probe).await.unwrap();
    assert!(
        matches!(&webkit.verdict().outcome, Outcome::NetworkError(NetworkError::MixedContent { .. })),
        "{webkit}"
    );
    let http_page = Probe::new(format!("{base}/items")).origin("http://app.example.com");
    public().engine(Engine::WebKit).build().check(&http_page).await.unwrap().assert_allowed();
    let firefox = public().engine(Engine::Firefox).build().check(&probe).await.unwrap();
    assert!(!firefox.is_allowed(), "{firefox}");
    // A page on this machine or on the private network is not stopped.
    for space in [AddressSpace::Loopback, AddressSpace::Local] {
        Checker::builder().page_space(space).build().check(&probe).await.unwrap().assert_allowed();
    }
}

#[tokio::test]
async fn the_page_space_comes_from_its_host_when_it_says_it_and_a_name_is_not_judged() {
    let (base, _) = server().await;
    let checker = Checker::new();
    // 192.0.2.2 is a public address (TEST-NET-1 is not in the table) and http is not a secure
    // context: Chromium does not even ask.
    let checked = checker.check(&Probe::new(format!("{base}/a")).origin("http://192.0.2.2")).await.unwrap();
    assert!(
        matches!(
            &checked.verdict().outcome,
            Outcome::NetworkError(NetworkError::LocalNetworkAccess {
                cause: LocalNetworkCause::InsecureContext,
                ..
            })
        ),
        "{checked}"
    );
    assert!(checked.to_string().contains("The request client is not a secure context"), "{checked}");
    for origin in ["http://localhost:5173", "https://app.example.com", "http://app.test:8000"] {
        checker.check(&Probe::new(format!("{base}/a")).origin(origin)).await.unwrap().assert_allowed();
    }
}

#[tokio::test]
async fn a_request_to_the_pages_own_origin_is_not_a_local_network_request() {
    let (base, seen) = server().await;
    let checker = Checker::builder().page_space(AddressSpace::Public).build();
    checker.check(&Probe::new(format!("{base}/same")).origin(base.as_str())).await.unwrap().assert_allowed();
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_server_answering_the_private_network_preflight_to_any_origin_is_a_finding() {
    let (base, seen) = server().await;
    let checker = Checker::new();
    let finding = private_network_preflight(&checker, &format!("{base}/pna")).await.unwrap();
    let finding = finding.expect("the /pna route lets the attacker in");
    assert_eq!(finding.origin, ATTACKER_ORIGIN);
    assert_eq!(finding.allow_origin, ATTACKER_ORIGIN);
    assert!(finding.to_string().contains("Access-Control-Allow-Private-Network: true"), "{finding}");
    assert_eq!(private_network_preflight(&checker, &format!("{base}/plain")).await.unwrap(), None);
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn no_answer_to_the_private_network_probe_is_an_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    assert!(private_network_preflight(&Checker::new(), &format!("http://127.0.0.1:{port}/")).await.is_err());
}
