//! `gwdoctor classify [FILE|-]… [--json]`.

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
    /// Files holding raw responses (status line, headers, blank line, body); `-` or nothing
    /// reads standard input. With several, each is classified in turn.
    #[arg(value_name = "FILE|-")]
    inputs: Vec<PathBuf>,
    /// Print the verdict as one JSON object (the contract in verdict.md) instead of a summary;
    /// with several files, one object per line, in their order.
    #[arg(long)]
    json: bool,
    /// The URL the response came from, reported in the verdict (one file only).
    #[arg(long)]
    url: Option<String>,
}

/// Runs `classify`. With several files, one that cannot be classified is reported on standard
/// error (and as a `null` line with `--json`) and the others still are; the exit status is then
/// that of bad input, else that of an error page if any verdict is an error.
pub fn run(args: Args) -> Result<Exit> {
    if args.inputs.len() <= 1 {
        let raw = read_input(args.inputs.first())?;
        let mut snapshot = parse_response(&raw).context("cannot classify this input")?;
        snapshot.url = args.url;
        let verdict = classify(&snapshot);
        if args.json {
            println!("{}", serde_json::to_string_pretty(&verdict)?);
        } else {
            print!("{}", render::summary(&verdict, None));
        }
        return Ok(Exit::for_verdict(&verdict));
    }
    if args.url.is_some() {
        clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            "--url names the URL of one response: give one file with it\n",
        )
        .exit();
    }
    let mut exit = Exit::Healthy;
    for path in &args.inputs {
        let verdict = read_input(Some(path)).and_then(|raw| {
            parse_response(&raw)
                .with_context(|| format!("cannot classify {}", path.display()))
                .map(|snapshot| classify(&snapshot))
        });
        match verdict {
            Ok(verdict) => {
                if args.json {
                    println!("{}", serde_json::to_string(&verdict)?);
                } else {
                    println!("== {}", path.display());
                    print!("{}", render::summary(&verdict, None));
                }
                if verdict.error && exit == Exit::Healthy {
                    exit = Exit::ErrorPage;
                }
            }
            Err(e) => {
                eprintln!("gwdoctor: {e:#}");
                if args.json {
                    println!("null");
                }
                exit = Exit::BadInput;
            }
        }
    }
    Ok(exit)
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
