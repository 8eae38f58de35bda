//! What a mock origin answers, as data: a [`Behaviour`] (one [`Reply`] for CORS preflights, one
//! for everything else), its spelling as a URL query (the [`vocabulary`]), and the named origins
//! every mock server has ([`ORIGIN_TABLE`]).
//!
//! No I/O: the scenario loader, the planner and the oracle's predictions read and write
//! behaviours without the server (tokio, hyper, rustls) that plays them.
//!
//! ```
//! use corsproof_behaviour::{AllowOrigin, Behaviour, Reply, vocabulary};
//!
//! let behaviour = Behaviour::same(Reply::new().allow_origin(AllowOrigin::Echo).allow_credentials("true"));
//! assert_eq!(vocabulary::to_query(&behaviour), "acao=origin&acac=true");
//! ```

mod behaviour;
mod origin;
pub mod vocabulary;

pub use behaviour::{AllowOrigin, Behaviour, DEFAULT_BODY, MAX_DELAY, Reply};
pub use origin::{Listener, NamedOrigin, ORIGIN_TABLE, host_names};
