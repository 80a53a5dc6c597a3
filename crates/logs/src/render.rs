//! Every sentence a person reads about a log: the report and a single failure, as text.

use std::fmt::Write;

use crate::report::{Group, Report, Seen};
use crate::timestamp::iso8601;

/// The formats named when none is recognised.
const KNOWN: &str = "the error and access logs of nginx, Apache httpd, HAProxy (option httplog), \
Caddy (JSON), lighttpd, Squid, Envoy (default format) and Traefik (JSON)";

/// The report as text.
pub(crate) fn report(r: &Report) -> String {
    let mut out = String::new();
    let formats: Vec<String> = r
        .formats
        .iter()
        .map(|f| format!("{} ({})", f.name, f.lines))
        .collect();
    if formats.is_empty() {
        let _ = writeln!(out, "Read {}, none in a known log format.", lines(r.lines));
    } else {
        let _ = writeln!(out, "Read {}: {}.", lines(r.lines), formats.join(", "));
    }
    if let Some(since) = r.since {
        let _ = writeln!(
            out,
            "Since {}{}.",
            iso8601(since),
            match r.before_since {
                0 => String::new(),
                n => format!(" ({} left out as older)", times(n, "failure", "failures")),
            }
        );
    }
    let total: u64 = r.failures.iter().map(|g| g.count).sum();
    if r.failures.is_empty() {
        let _ = writeln!(out, "No upstream failure with a cause in these logs.");
    } else {
        let _ = writeln!(
            out,
            "{} in {}.",
            times(total, "upstream failure", "upstream failures"),
            times(r.failures.len() as u64, "group", "groups")
        );
    }
    for g in &r.failures {
        let _ = writeln!(out);
        let _ = writeln!(out, "{} — {} ({})", kind(g), place(g), g.format.name());
        let _ = writeln!(
            out,
            "  {}: {}{}",
            g.what,
            times(g.count, "time", "times"),
            span(g)
        );
        requests(&mut out, g, "  ");
        let _ = writeln!(out, "  fix: {}", g.fix);
    }
    if !r.error_statuses.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Error statuses in access logs (an access log does not say why; the same gateway's error log does):");
        for g in &r.error_statuses {
            let status = g.status.map_or_else(|| "5xx".to_owned(), |s| s.to_string());
            let at = g.place().map(|p| format!(" at {p}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {status}{at} — {}{} ({})",
                times(g.count, "time", "times"),
                span(g),
                g.format.name()
            );
            requests(&mut out, g, "    ");
        }
    }
    if r.ungrouped > 0 {
        let _ = writeln!(
            out,
            "\n{} more not grouped: more than {} distinct groups.",
            times(r.ungrouped, "failure", "failures"),
            crate::MAX_GROUPS
        );
    }
    if r.truncated_lines > 0 {
        let _ = writeln!(
            out,
            "{} longer than {} KiB read only up to that length.",
            lines(r.truncated_lines),
            crate::MAX_LINE / 1024
        );
    }
    out
}

/// One failure as it is read, in one line.
pub(crate) fn seen(s: &Seen<'_>) -> String {
    let mut out = String::new();
    if let Some(at) = s.at {
        let _ = write!(out, "{} ", iso8601(at));
    }
    let _ = write!(out, "{}", s.cause.id());
    if let Some(p) = s.upstream.or(s.site) {
        let _ = write!(out, " — {p}");
    }
    if let Some(r) = s.request {
        let _ = write!(out, " — {r}");
    }
    let _ = write!(out, ": {} ({})", s.reason.what(), s.format.name());
    out
}

/// The message when no line is in a known format.
pub fn no_known_format(lines_read: u64) -> String {
    if lines_read == 0 {
        return "The input is empty: no log lines to read.".to_owned();
    }
    match lines_read {
        1 => format!("The one line read is not in a log format gwdoctor knows ({KNOWN})."),
        n => format!("None of the {n} lines read is in a log format gwdoctor knows ({KNOWN})."),
    }
}

/// The cause, and the reason when it says more: `invalid-response (reset)`.
fn kind(g: &Group) -> String {
    if g.reason.id() == g.cause.id() {
        g.cause.id().to_owned()
    } else {
        format!("{} ({})", g.cause.id(), g.reason.id())
    }
}

fn place(g: &Group) -> String {
    match (&g.upstream, &g.site) {
        (Some(u), _) => format!("upstream {u}"),
        (None, Some(s)) => format!("behind {s} (the log does not name the upstream)"),
        (None, None) => "the log names no upstream".to_owned(),
    }
}

fn span(g: &Group) -> String {
    match (g.first_seen, g.last_seen) {
        (Some(a), Some(b)) if a == b => format!(", at {}", iso8601(a)),
        (Some(a), Some(b)) => format!(", {} … {}", iso8601(a), iso8601(b)),
        _ => String::new(),
    }
}

fn requests(out: &mut String, g: &Group, indent: &str) {
    if g.requests.is_empty() {
        return;
    }
    let more = match g.more_requests {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let _ = writeln!(out, "{indent}requests: {}{more}", g.requests.join(", "));
}

fn lines(n: u64) -> String {
    times(n, "line", "lines")
}

fn times(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
