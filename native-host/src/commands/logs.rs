//! `gwdoctor logs [FILE…|-] [--since DURATION] [--json] [--follow]`: the upstream failures in a
//! gateway's own error and access logs. The reading and every sentence are `gwdoctor_logs`'s;
//! this module only reads files and the clock.

use std::{
    fs::File,
    io::{self, Read, Seek, Write},
    path::{Path, PathBuf},
    thread,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::{bail, Context, Result};
use gwdoctor_logs::{no_known_format, Analyzer, Options, Report, Seen};

use crate::exit::Exit;

/// Bytes read per call.
const CHUNK: usize = 1 << 20;
/// How often `--follow` looks for new lines.
const POLL: Duration = Duration::from_millis(250);

/// Arguments of `logs`.
#[derive(clap::Args)]
pub struct Args {
    /// Log files (nginx, Apache, HAProxy, Caddy, lighttpd, Squid, Envoy, Traefik; error and
    /// access logs, formats told apart by their lines); `-` or nothing reads standard input,
    /// e.g. `journalctl -u nginx | gwdoctor logs -`.
    #[arg(value_name = "FILE|-")]
    inputs: Vec<PathBuf>,
    /// Only failures logged within this time before now: `90s`, `30m`, `2h`, `1d`, `1h30m`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    since: Option<Duration>,
    /// Print the report as one JSON object (with --follow: then one object per line for each
    /// new failure).
    #[arg(long)]
    json: bool,
    /// Keep reading one file (or standard input) as it grows and print each new failure as
    /// it is written; a file that is truncated or replaced (log rotation) is read anew.
    #[arg(long)]
    follow: bool,
}

/// Runs `logs`. Exit status: 0 no failure found, 1 failures found, 3 an input could not be
/// read or none of its lines is in a known format.
pub fn run(args: Args) -> Result<Exit> {
    let now = unix_now();
    let options = Options {
        now,
        since: args
            .since
            .map(|d| now - i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)),
        local_offset_s: local_offset_s(now),
    };
    let mut analyzer = Analyzer::new(options);
    let inputs: Vec<PathBuf> = if args.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.inputs.clone()
    };
    if args.follow {
        let [input] = inputs.as_slice() else {
            clap::Error::raw(
                clap::error::ErrorKind::ArgumentConflict,
                "--follow reads one file (or standard input): give one\n",
            )
            .exit();
        };
        return follow(input, &mut analyzer, args.json);
    }
    let mut unreadable = false;
    for input in &inputs {
        if let Err(e) = read_to_end(input, &mut analyzer, |_| {}) {
            eprintln!("gwdoctor: {e:#}");
            unreadable = true;
        }
        analyzer.finish(|_| {});
    }
    let report = analyzer.report();
    if report.recognised > 0 || args.json {
        print_report(&report, args.json, false)?;
    }
    Ok(exit_for(&report, unreadable))
}

fn exit_for(report: &Report, unreadable: bool) -> Exit {
    if report.recognised == 0 {
        if !unreadable {
            eprintln!("gwdoctor: {}", no_known_format(report.lines));
        }
        return Exit::BadInput;
    }
    if unreadable {
        Exit::BadInput
    } else if report.found_any() {
        Exit::ErrorPage
    } else {
        Exit::Healthy
    }
}

fn print_report(report: &Report, json: bool, one_line: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json && one_line {
        writeln!(out, "{}", serde_json::to_string(report)?)?;
    } else if json {
        writeln!(out, "{}", serde_json::to_string_pretty(report)?)?;
    } else {
        write!(out, "{}", report.text())?;
    }
    out.flush()?;
    Ok(())
}

/// Opens an input: a file, or standard input for `-`.
fn open(input: &Path) -> Result<Box<dyn Read>> {
    if input.as_os_str() == "-" {
        return Ok(Box::new(io::stdin()));
    }
    let file = File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        bail!("cannot read {}: it is a directory", input.display());
    }
    Ok(Box::new(file))
}

/// Feeds an input to the analyzer up to its end.
fn read_to_end(
    input: &Path,
    analyzer: &mut Analyzer,
    mut seen: impl FnMut(&Seen<'_>),
) -> Result<()> {
    let mut reader = open(input)?;
    let mut buf = vec![0; CHUNK];
    let mut first = true;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", input.display())),
        };
        if first && buf[..n].starts_with(&[0x1f, 0x8b]) {
            bail!(
                "{} is gzip-compressed: read it with `zcat {} | gwdoctor logs -`",
                input.display(),
                input.display()
            );
        }
        first = false;
        analyzer.feed(&buf[..n], &mut seen);
    }
}

/// `--follow`: the report of what is there, then every new failure as it is written. On a file
/// it runs until interrupted or until standard output is closed; on standard input, to its end.
fn follow(input: &Path, analyzer: &mut Analyzer, json: bool) -> Result<Exit> {
    let print = |s: &Seen<'_>| {
        let line = if json {
            serde_json::to_string(s).unwrap_or_default()
        } else {
            s.text()
        };
        let mut out = io::stdout().lock();
        // A closed standard output ends the command (`gwdoctor logs --follow … | head`).
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            std::process::exit(0);
        }
    };
    if input.as_os_str() == "-" {
        read_to_end(input, analyzer, print)?;
        analyzer.finish(print);
        let report = analyzer.report();
        print_report(&report, json, true)?;
        return Ok(exit_for(&report, false));
    }
    let mut file = File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let mut buf = vec![0; CHUNK];
    read_all_of(&mut file, input, analyzer, &mut buf, |_| {})?;
    let report = analyzer.report();
    print_report(&report, json, true)?;
    if report.lines > 0 && report.recognised == 0 {
        eprintln!("gwdoctor: {}", no_known_format(report.lines));
    }
    let mut file_id = identity(&file);
    let mut position = file.stream_position().unwrap_or(0);
    loop {
        thread::sleep(POLL);
        read_all_of(&mut file, input, analyzer, &mut buf, print)?;
        position = file.stream_position().unwrap_or(position);
        // Rotated (a new file at the path) or truncated (copytruncate): read the new one.
        let current = std::fs::metadata(input).ok();
        let replaced = current
            .as_ref()
            .map(meta_identity)
            .is_some_and(|id| Some(id) != file_id);
        let truncated = current.as_ref().is_some_and(|m| m.len() < position);
        if replaced || truncated {
            analyzer.finish(print);
            if let Ok(f) = File::open(input) {
                file = f;
                file_id = identity(&file);
                position = 0;
            }
        }
    }
}

/// Reads a file from where it is to its current end.
fn read_all_of(
    file: &mut File,
    input: &Path,
    analyzer: &mut Analyzer,
    buf: &mut [u8],
    mut seen: impl FnMut(&Seen<'_>),
) -> Result<()> {
    loop {
        match file.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => analyzer.feed(&buf[..n], &mut seen),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", input.display())),
        }
    }
}

/// What tells one file from another at the same path (device and inode on Unix).
fn identity(file: &File) -> Option<(u64, u64)> {
    file.metadata().ok().as_ref().map(meta_identity)
}

#[cfg(unix)]
fn meta_identity(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn meta_identity(m: &std::fs::Metadata) -> (u64, u64) {
    (
        0,
        m.created()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs()),
    )
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Seconds east of UTC of the local time zone now (the gateways write local time).
#[cfg(unix)]
fn local_offset_s(now: i64) -> i64 {
    let t = now as libc::time_t;
    let mut tm = std::mem::MaybeUninit::<libc::tm>::zeroed();
    // SAFETY: localtime_r only writes the broken-down time of `t` into `tm`, which it owns.
    let filled = unsafe { !libc::localtime_r(&t, tm.as_mut_ptr()).is_null() };
    if filled {
        // SAFETY: localtime_r succeeded, so it initialised `tm` (zeroed before in any case).
        #[allow(clippy::useless_conversion)] // c_long is i32 on 32-bit targets
        i64::from(unsafe { tm.assume_init() }.tm_gmtoff)
    } else {
        0
    }
}

#[cfg(not(unix))]
fn local_offset_s(_now: i64) -> i64 {
    0
}

/// `90s`, `30m`, `2h`, `1d`, `1w`, `1h30m`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("{s:?} is not a duration such as 90s, 30m, 2h, 1d or 1h30m");
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        for bad in ["", "2", "h", "2x", "0s", "99999999999999999999w"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
