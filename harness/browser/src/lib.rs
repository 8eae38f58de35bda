//! A real headless browser behind WebDriver.
//!
//! [`Browser::launch`] finds Chromium and chromedriver, Firefox and geckodriver, or WebKitGTK's
//! MiniBrowser and WebKitWebDriver under Xvfb (or uses a WebDriver URL you give it), starts one
//! session, and then serves many pages: [`Browser::open`] loads a page,
//! [`Browser::run_sequences`] makes requests from it through the page script that every mock
//! origin serves, and [`Browser::drain_console`] reads the console, where the browser writes the
//! reasons it hides from JavaScript (Chromium's through `se/log`, Firefox's through WebDriver
//! BiDi's `log.entryAdded`, WebKit's through its remote Web Inspector, since WebKitWebDriver
//! offers neither: MiniBrowser is started first, serving the inspector, and the driver is
//! pointed at it).
//! Everything that differs between engines is in one module per engine (`engine/`); the engine
//! itself is the oracle's [`Engine`]. What the browser must reach is said once for every engine,
//! as a [`HostMap`], which each engine's module turns into its own setting.
//!
//! With [`BrowserConfig::record_network`] the session also records the page's network traffic
//! on the engine's own automation channel (Chromium's DevTools `Network` domain, Firefox's BiDi
//! `network.*` events, WebKit's inspector `Network` domain), and [`Browser::network_har`] writes
//! it as a HAR file in the shape that engine's developer tools export.
//!
//! The crate knows nothing of scenario files or of the mock server: it takes URLs and
//! [`PageRequest`]s and gives back what the page and the console saw. Every process it starts is
//! stopped when the [`Browser`] is closed or dropped, and by a watchdog if this process dies.

mod bidi;
mod console;
mod devtools;
mod driver;
mod engine;
mod har_export;
mod host_map;
mod inspector;
mod liveness;
mod locate;
mod network;
mod page;
pub mod process_group;
mod session;

pub use console::ConsoleEntry;
pub use corsproof_oracle::Engine;
pub use driver::OWNER_VARIABLE;
pub use engine::{
    Executable, FIREFOX_INSTALL_HINT, INSTALL_HINT, Provider, Requirements, VersionSource,
    WEBKIT_INSTALL_HINT, console_readable, host_resolver_rules, install_hint, requirements, summary,
};
pub use har_export::har_from_events;
pub use host_map::HostMap;
pub use locate::SearchPath;
pub use network::NetworkEvent;
pub use page::{PageRequest, PageResult};
pub use session::{Browser, BrowserConfig, BrowserError};
