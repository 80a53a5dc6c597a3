//! The one-pass reader: bytes in, lines out, each line read once, failures grouped in bounded
//! memory.

use std::borrow::Cow;

use crate::formats::{self, Context, Hit, Parsed};
use crate::report::{FormatCount, Group, Report, Seen};
use crate::text::clip;
use crate::{Format, Reason};

/// The most groups kept; failures beyond them are counted in [`Report::ungrouped`].
pub const MAX_GROUPS: usize = 256;
/// The most distinct requests kept per group.
pub const MAX_REQUESTS: usize = 5;
/// The longest line read, in bytes; the rest of a longer line is skipped (and counted).
pub const MAX_LINE: usize = 64 * 1024;
/// The longest upstream, site or request kept, in bytes.
const MAX_FIELD: usize = 256;

/// What the reader needs to know from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The caller's clock, Unix seconds (for syslog stamps, which have no year).
    pub now: i64,
    /// Leave out failures older than this (Unix seconds).
    pub since: Option<i64>,
    /// Seconds east of UTC of the time zone the gateways wrote their local times in (nginx,
    /// Apache, HAProxy, lighttpd write local time without a zone).
    pub local_offset_s: i64,
}

/// The failure a follow-up line belongs to.
struct Last {
    format: Format,
    key: String,
    group: Option<usize>,
}

/// Reads log bytes as they come and groups the upstream failures it finds.
pub struct Analyzer {
    cx: Context,
    since: Option<i64>,
    partial: Vec<u8>,
    partial_truncated: bool,
    lines: u64,
    truncated: u64,
    before_since: u64,
    per_format: [u64; Format::ALL.len()],
    groups: Vec<Group>,
    ungrouped: u64,
    last: Option<Last>,
    hint: Option<(Format, String, Reason)>,
}

impl Analyzer {
    /// A reader with nothing read yet.
    pub fn new(options: Options) -> Analyzer {
        Analyzer {
            cx: Context {
                local_offset: options.local_offset_s,
                now: options.now,
            },
            since: options.since,
            partial: Vec::new(),
            partial_truncated: false,
            lines: 0,
            truncated: 0,
            before_since: 0,
            per_format: [0; Format::ALL.len()],
            groups: Vec::new(),
            ungrouped: 0,
            last: None,
            hint: None,
        }
    }

    /// Reads the next bytes of a log (any split: a line may continue in the next call). Every
    /// new failure is handed to `seen` as it is read.
    pub fn feed(&mut self, bytes: &[u8], mut seen: impl FnMut(&Seen<'_>)) {
        let mut rest = bytes;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            let (line, tail) = (&rest[..end], &rest[end + 1..]);
            if self.partial.is_empty() {
                self.line(line, &mut seen);
            } else {
                self.keep_partial(line);
                let buffered = std::mem::take(&mut self.partial);
                self.line(&buffered, &mut seen);
                self.partial = buffered;
                self.partial.clear();
                self.partial_truncated = false;
            }
            rest = tail;
        }
        self.keep_partial(rest);
    }

    /// Reads what is left after the last line break (a last line without one).
    pub fn finish(&mut self, mut seen: impl FnMut(&Seen<'_>)) {
        if !self.partial.is_empty() {
            let buffered = std::mem::take(&mut self.partial);
            self.line(&buffered, &mut seen);
            self.partial_truncated = false;
        }
    }

    /// Everything found so far.
    pub fn report(&self) -> Report {
        let mut formats: Vec<FormatCount> = Format::ALL
            .iter()
            .zip(self.per_format)
            .filter(|(_, n)| *n > 0)
            .map(|(f, lines)| FormatCount {
                format: *f,
                name: f.name(),
                lines,
            })
            .collect();
        formats.sort_by(|a, b| b.lines.cmp(&a.lines).then(a.format.cmp(&b.format)));
        let (mut statuses, mut failures): (Vec<Group>, Vec<Group>) = self
            .groups
            .iter()
            .cloned()
            .partition(|g| g.reason == Reason::StatusOnly);
        for list in [&mut failures, &mut statuses] {
            list.sort_by(|a, b| {
                b.count
                    .cmp(&a.count)
                    .then(a.first_seen.cmp(&b.first_seen))
                    .then(a.place().cmp(&b.place()))
            });
        }
        Report {
            lines: self.lines,
            recognised: self.per_format.iter().sum(),
            formats,
            failures,
            error_statuses: statuses,
            ungrouped: self.ungrouped,
            before_since: self.before_since,
            truncated_lines: self.truncated,
            since: self.since,
        }
    }

    fn keep_partial(&mut self, bytes: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.partial.len());
        if bytes.len() > room {
            if !self.partial_truncated {
                self.truncated += 1;
            }
            self.partial_truncated = true;
        }
        self.partial
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn line(&mut self, raw: &[u8], seen: &mut impl FnMut(&Seen<'_>)) {
        let mut raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.len() > MAX_LINE {
            self.truncated += 1;
            raw = &raw[..MAX_LINE];
        }
        self.lines += 1;
        let text = match std::str::from_utf8(raw) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(raw),
        };
        match formats::parse(&text, &self.cx) {
            Parsed::Unknown => {}
            Parsed::Quiet(format) => self.count(format),
            Parsed::Hint {
                format,
                key,
                reason,
            } => {
                self.count(format);
                self.hint = Some((format, key.to_owned(), reason));
            }
            Parsed::Failure(format, hit) => {
                self.count(format);
                self.failure(format, hit, seen);
            }
            Parsed::Companion { format, alone } => {
                self.count(format);
                let follows = self
                    .last
                    .as_ref()
                    .filter(|l| l.format == format && !alone.key.is_empty() && l.key == alone.key);
                match follows {
                    Some(last) => {
                        if let (Some(g), Some(r)) = (last.group, &alone.request) {
                            add_request(&mut self.groups[g], r);
                        }
                    }
                    None => self.failure(format, alone, seen),
                }
            }
        }
    }

    fn count(&mut self, format: Format) {
        self.per_format[format as usize] += 1;
    }

    fn failure(&mut self, format: Format, mut hit: Hit<'_>, seen: &mut impl FnMut(&Seen<'_>)) {
        if let (Some(since), Some(at)) = (self.since, hit.at) {
            if at < since {
                self.before_since += 1;
                self.last = None;
                return;
            }
        }
        if let Some((f, key, reason)) = self.hint.take() {
            if f == format && key == hit.key {
                hit.reason = reason;
            }
        }
        let group = self.group(format, &hit);
        match &mut self.last {
            Some(last) => {
                last.format = format;
                last.key.clear();
                last.key.push_str(hit.key);
                last.group = group;
            }
            None => {
                self.last = Some(Last {
                    format,
                    key: hit.key.to_owned(),
                    group,
                })
            }
        }
        seen(&Seen {
            format,
            at: hit.at,
            cause: hit.reason.cause(),
            reason: hit.reason,
            upstream: hit.upstream,
            site: hit.site,
            request: hit.request.as_deref(),
            status: hit.status,
            fix: hit.reason.fix(),
        });
    }

    /// The group of a failure, made if new; `None` when the groups are full.
    fn group(&mut self, format: Format, hit: &Hit<'_>) -> Option<usize> {
        let place = hit.upstream.or(hit.site).map(|p| clip(p, MAX_FIELD));
        let by_status = matches!(hit.reason, Reason::StatusOnly | Reason::AppStatus);
        let status = if by_status { hit.status } else { None };
        let same = |g: &Group| {
            g.format == format
                && g.reason == hit.reason
                && (!by_status || g.status == status)
                && g.place() == place
        };
        let index = match self.groups.iter().position(same) {
            Some(i) => i,
            None if self.groups.len() >= MAX_GROUPS => {
                self.ungrouped += 1;
                return None;
            }
            None => {
                self.groups.push(Group {
                    format,
                    upstream: hit.upstream.map(|u| clip(u, MAX_FIELD).to_owned()),
                    site: hit.site.map(|s| clip(s, MAX_FIELD).to_owned()),
                    cause: hit.reason.cause(),
                    reason: hit.reason,
                    status: hit.status,
                    count: 0,
                    first_seen: hit.at,
                    last_seen: hit.at,
                    requests: Vec::new(),
                    more_requests: 0,
                    what: hit.reason.what(),
                    fix: hit.reason.fix(),
                });
                self.groups.len() - 1
            }
        };
        let g = &mut self.groups[index];
        g.count += 1;
        if let Some(at) = hit.at {
            g.first_seen = Some(g.first_seen.map_or(at, |f| f.min(at)));
            g.last_seen = Some(g.last_seen.map_or(at, |l| l.max(at)));
        }
        if let Some(r) = &hit.request {
            add_request(g, r);
        }
        Some(index)
    }
}

/// Adds a request to a group's samples, once, up to [`MAX_REQUESTS`].
fn add_request(g: &mut Group, request: &str) {
    let request = clip(request, MAX_FIELD);
    if g.requests.iter().any(|r| r == request) {
        return;
    }
    if g.requests.len() < MAX_REQUESTS {
        g.requests.push(request.to_owned());
    } else {
        g.more_requests += 1;
    }
}
