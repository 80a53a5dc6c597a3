//! One module per subcommand.

pub mod check;
pub mod classify;
pub mod dns;
pub mod flush_dns;
pub mod install;
pub mod logs;
pub mod probe;

use anyhow::{Context, Result};

/// The single-threaded runtime a command runs its network work on.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
