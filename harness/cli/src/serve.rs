//! `corsproof serve`: the mock origins as a standalone process, for a browser or curl.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::output;
use crate::stop::stop_signal;
use anyhow::Context;
use clap::Args;
use corsproof_behaviour::{Listener, NamedOrigin};
use corsproof_server::{MockServer, Ports, ServerConfig};
use serde::Serialize;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on. Loopback by default: a mock that answers anything should not be
    /// reachable from elsewhere unless you say so.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Fixed ports as HTTP_A,HTTP_B,HTTPS[,PROXY] (0 picks a free one).
    #[arg(long, value_parser = parse_ports, default_value = "0,0,0")]
    ports: Ports,
    /// Print the origins as JSON, for scripts.
    #[arg(long)]
    json: bool,
    /// Write the throwaway CA certificate (PEM) here, for `curl --cacert`.
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    /// Serve the journal at /_journal/<token> (same-origin readers and curl only). Off by
    /// default: it holds every header requests carried, cookies and Authorization included, and
    /// this server may be reachable by others.
    #[arg(long)]
    journal_over_http: bool,
}

fn parse_ports(text: &str) -> Result<Ports, String> {
    let numbers: Vec<u16> = text
        .split(',')
        .map(|part| part.trim().parse::<u16>().map_err(|_| format!("`{part}` is not a port number")))
        .collect::<Result<_, _>>()?;
    match numbers[..] {
        [http_a, http_b, https] => Ok(Ports { http_a, http_b, https, proxy: 0 }),
        [http_a, http_b, https, proxy] => Ok(Ports { http_a, http_b, https, proxy }),
        _ => Err(format!("expected three or four ports HTTP_A,HTTP_B,HTTPS[,PROXY], got {}", numbers.len())),
    }
}

#[derive(Debug, Serialize)]
struct Listing<'a> {
    origins: &'a [NamedOrigin],
    proxy: SocketAddr,
    host_resolver_rules: String,
    chromium_flag: String,
    ca_pem: &'a str,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let threads = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    let config = ServerConfig {
        bind: args.bind,
        ports: args.ports,
        threads,
        journal_over_http: args.journal_over_http,
        ..ServerConfig::default()
    };
    let server = MockServer::start(config).await?;
    if let Some(path) = &args.ca_out {
        std::fs::write(path, &server.certificates().ca_pem)
            .with_context(|| format!("cannot write the CA certificate to {}", path.display()))?;
    }
    // Chromium's form of the mock hosts; never empty, since the server always serves `*.test`.
    let rules =
        corsproof_browser::host_resolver_rules(&corsproof_runner::host_map(&server)).unwrap_or_default();
    let flag = format!("--host-resolver-rules={rules}");
    if args.json {
        let listing = Listing {
            origins: server.origins(),
            proxy: server.proxy_addr(),
            host_resolver_rules: rules,
            chromium_flag: flag,
            ca_pem: &server.certificates().ca_pem,
        };
        output::print(&format!("{}\n", serde_json::to_string_pretty(&listing)?))?;
    } else {
        for origin in server.origins() {
            output::print(&format!("{:<12} {}\n", origin.name, origin.url()))?;
        }
        output::print(&format!("browser flag: {flag}\n"))?;
        output::print(&format!(
            "proxy: http://{}  (for clients without a host-resolver flag: WebKit's WebDriver proxy \
             capability, curl -x)\n",
            server.proxy_addr()
        ))?;
        let api = server.origin("api").map(NamedOrigin::url).unwrap_or_default();
        eprintln!(
            "\nTry: curl -si --resolve api.test:{port}:{ip} '{api}/echo?acao=origin&acac=true' -H 'Origin: http://app.test'\n\
             The vocabulary is listed at {api}/ . Ctrl-C stops.",
            port = server.origin("api").map_or(0, |o| o.port),
            ip = server.local_addr(Listener::HttpB).ip(),
        );
    }
    // Its way to end: Ctrl-C, or SIGTERM from a process manager.
    stop_signal().await;
    server.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_take_three_numbers_or_four_with_the_proxy() {
        let three = parse_ports("1,2,3").expect("three ports");
        assert_eq!(three, Ports { http_a: 1, http_b: 2, https: 3, proxy: 0 });
        let four = parse_ports("1, 2, 3, 4").expect("four ports");
        assert_eq!(four, Ports { http_a: 1, http_b: 2, https: 3, proxy: 4 });
        assert!(parse_ports("1,2").is_err() && parse_ports("1,2,3,4,5").is_err());
    }
}
