//! `gwdoctor classify [FILE|-] [--json]`.

use std::{
    fs::File,
    io::{self, Read},
    path::PathBuf,
};

use anyhow::{Context, Result};
use gwdoctor_core::{classify, parse_response};

use crate::{exit::Exit, render};

/// Input read at most; bytes beyond it cannot change the verdict (the snapshot keeps 256 KiB of
/// body) and are not read.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Arguments of `classify`.
#[derive(clap::Args)]
pub struct Args {
    /// File holding the raw response (status line, headers, blank line, body); `-` or nothing
    /// reads standard input.
    #[arg(value_name = "FILE|-")]
    input: Option<PathBuf>,
    /// Print the verdict as one JSON object (the contract in verdict.md) instead of a summary.
    #[arg(long)]
    json: bool,
    /// The URL the response came from, reported in the verdict.
    #[arg(long)]
    url: Option<String>,
}

/// Runs `classify`.
pub fn run(args: Args) -> Result<Exit> {
    let raw = read_input(args.input.as_ref())?;
    let mut snapshot = parse_response(&raw).context("cannot classify this input")?;
    snapshot.url = args.url;
    let verdict = classify(&snapshot);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&verdict)?);
    } else {
        print!("{}", render::summary(&verdict, None));
    }
    Ok(Exit::for_verdict(&verdict))
}

fn read_input(path: Option<&PathBuf>) -> Result<Vec<u8>> {
    let mut raw = Vec::new();
    match path.filter(|p| p.as_os_str() != "-") {
        Some(path) => File::open(path)
            .with_context(|| format!("cannot open {}", path.display()))?
            .take(MAX_INPUT_BYTES)
            .read_to_end(&mut raw)
            .with_context(|| format!("cannot read {}", path.display()))?,
        None => io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES)
            .read_to_end(&mut raw)
            .context("cannot read standard input")?,
    };
    Ok(raw)
}
