//! What the reader found: failures grouped by upstream and cause, and the totals.

use gwdoctor_core::Cause;
use serde::{Serialize, Serializer};

use crate::{timestamp, Format, Reason};

/// Failures of one kind at one place: one format, one upstream (or, when the log names none,
/// one site), one reason (and for statuses, one status).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The log format that recorded them.
    pub format: Format,
    /// The upstream as the log names it (`127.0.0.1:17000`, `unix:/run/php/fpm.sock`,
    /// HAProxy's `backend/server`), when it does.
    pub upstream: Option<String>,
    /// The site or frontend the requests came to (first seen), when the log says.
    pub site: Option<String>,
    /// The contract's cause.
    pub cause: Cause,
    /// The finer reason.
    pub reason: Reason,
    /// The status the client got, when the log gives it (first seen).
    pub status: Option<u16>,
    /// How many failures.
    pub count: u64,
    /// The first failure's time, when the log gives it.
    #[serde(serialize_with = "iso")]
    pub first_seen: Option<i64>,
    /// The last failure's time, when the log gives it.
    #[serde(serialize_with = "iso")]
    pub last_seen: Option<i64>,
    /// Distinct requests affected, at most [`crate::MAX_REQUESTS`].
    pub requests: Vec<String>,
    /// Requests affected beyond those kept.
    pub more_requests: u64,
    /// What happened, in a few words.
    pub what: &'static str,
    /// The likely fix, in one sentence.
    pub fix: &'static str,
}

impl Group {
    /// Where the failures happened: the upstream, or else the site.
    pub fn place(&self) -> Option<&str> {
        self.upstream.as_deref().or(self.site.as_deref())
    }
}

/// How many lines of one format were read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormatCount {
    /// The format.
    pub format: Format,
    /// Its name as a person reads it.
    pub name: &'static str,
    /// Lines of that format.
    pub lines: u64,
}

/// Everything the reader found so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Lines read.
    pub lines: u64,
    /// Lines in a format known here.
    pub recognised: u64,
    /// Lines per format, most first.
    pub formats: Vec<FormatCount>,
    /// Upstream failures with their cause, most frequent first.
    pub failures: Vec<Group>,
    /// Error statuses of access logs that do not say why, most frequent first.
    pub error_statuses: Vec<Group>,
    /// Failures not grouped because the number of groups reached [`crate::MAX_GROUPS`].
    pub ungrouped: u64,
    /// Failures left out because they are older than `since`.
    pub before_since: u64,
    /// Lines longer than [`crate::MAX_LINE`], read up to that length.
    pub truncated_lines: u64,
    /// The earliest time read, when the caller gave one.
    #[serde(serialize_with = "iso")]
    pub since: Option<i64>,
}

impl Report {
    /// Whether any failure or error status was found.
    pub fn found_any(&self) -> bool {
        !self.failures.is_empty() || !self.error_statuses.is_empty() || self.ungrouped > 0
    }

    /// The report as text for a terminal.
    pub fn text(&self) -> String {
        crate::render::report(self)
    }
}

/// One failure as it is read, for callers that show failures as they happen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seen<'a> {
    /// The log format.
    pub format: Format,
    /// When, if the line says.
    #[serde(serialize_with = "iso")]
    pub at: Option<i64>,
    /// The contract's cause.
    pub cause: Cause,
    /// The finer reason.
    pub reason: Reason,
    /// The upstream, if the line names it.
    pub upstream: Option<&'a str>,
    /// The site, if the line names it.
    pub site: Option<&'a str>,
    /// The request, if the line gives it.
    pub request: Option<&'a str>,
    /// The status, if the line gives it.
    pub status: Option<u16>,
    /// The likely fix, in one sentence.
    pub fix: &'static str,
}

impl Seen<'_> {
    /// The failure in one line of text.
    pub fn text(&self) -> String {
        crate::render::seen(self)
    }
}

fn iso<S: Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&timestamp::iso8601(*t)),
        None => s.serialize_none(),
    }
}
