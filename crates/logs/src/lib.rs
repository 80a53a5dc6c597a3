//! Gateway Doctor's owner mode for logs: the upstream failures a gateway's own error and access
//! logs record, each named with the verdict contract's cause (`connection-refused`, `timeout`,
//! `invalid-response`, `header-too-large` …), grouped by upstream and cause, with the likely fix.
//!
//! The formats are told apart by the lines themselves, never by a file name: the error logs of
//! nginx, Apache httpd 2.4 and lighttpd, HAProxy's HTTP log (termination states such as `SC--`,
//! `sH--`), Caddy's JSON error and access logs, Envoy's access log in its default format
//! (response flags `UF`, `UH`, `UT` …), Traefik's JSON access log, Squid's native access log and
//! the common/combined access log format. A syslog or journald prefix (`journalctl -u nginx`)
//! is read past. Lines of several formats may be mixed in one input.
//!
//! The public interface is:
//! - [`Analyzer`]: fed bytes in any chunks ([`Analyzer::feed`], then [`Analyzer::finish`]),
//!   it hands each new failure to a callback as a [`Seen`] (for `--follow`) and gives a
//!   [`Report`] at any time ([`Analyzer::report`]); [`Options`] says what it needs from its
//!   caller (`now`, `since`, the local time zone's offset);
//! - [`Report`] and its [`Group`]s (failures by format, upstream and [`Reason`]), serializable as
//!   JSON; [`Report::text`] and [`Seen::text`] say them in words, [`no_known_format`] when
//!   nothing was recognised;
//! - [`Reason`]: the finer reason next to the contract's `gwdoctor_core::Cause`
//!   ([`Reason::cause`]), with what it means and the fix in one sentence; [`Format`]: the formats.
//!
//! It never does I/O and never reads a clock: the caller reads the files and passes `now`.
//! Memory is bounded whatever the input: at most [`MAX_GROUPS`] groups of [`MAX_REQUESTS`]
//! requests each, lines read up to [`MAX_LINE`] bytes, one pass over the input.
//!
//! ```
//! use gwdoctor_logs::{Analyzer, Options, Reason};
//! let line = b"2026/12/04 18:42:02 [error] 8774#8774: *10 connect() failed (111: Connection \
//!     refused) while connecting to upstream, client: 127.0.0.1, server: , request: \"GET \
//!     /refused HTTP/1.1\", upstream: \"http://127.0.0.1:17000/refused\", host: \"127.0.0.1:18000\"\n";
//! let mut analyzer = Analyzer::new(Options { now: 1_796_409_722, since: None, local_offset_s: 0 });
//! analyzer.feed(line, |_| {});
//! analyzer.finish(|_| {});
//! let report = analyzer.report();
//! assert_eq!(report.failures[0].reason, Reason::Refused);
//! assert_eq!(report.failures[0].cause.id(), "connection-refused");
//! assert_eq!(report.failures[0].upstream.as_deref(), Some("127.0.0.1:17000"));
//! ```
#![deny(missing_docs)]

mod analyzer;
mod format;
mod formats;
mod reason;
mod render;
mod report;
mod text;
mod timestamp;

pub use analyzer::{Analyzer, Options, MAX_GROUPS, MAX_LINE, MAX_REQUESTS};
pub use format::Format;
pub use reason::Reason;
pub use render::no_known_format;
pub use report::{FormatCount, Group, Report, Seen};
