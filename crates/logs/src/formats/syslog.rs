//! The prefix syslog and journald put before a program's line: `Dec  4 18:42:02 host
//! nginx[123]: …` (journalctl's default) or `2026-12-04T18:42:02+0000 host nginx[123]: …`
//! (`-o short-iso`).

use super::Context;
use crate::timestamp;

/// The prefix's time and the program's own line after it.
pub(super) fn strip<'a>(line: &'a str, cx: &Context) -> Option<(Option<i64>, &'a str)> {
    let b = line.as_bytes();
    let (at, after_stamp) = if timestamp::month(b.get(0..3)?).is_some() {
        (
            timestamp::syslog(b, cx.now, cx.local_offset),
            line.get(16..)?,
        )
    } else {
        let (stamp, rest) = line.split_once(' ')?;
        (
            Some(timestamp::iso(stamp.as_bytes(), cx.local_offset)?),
            rest,
        )
    };
    let (_host, rest) = after_stamp.split_once(' ')?;
    let (tag, rest) = rest.split_once(": ")?;
    if tag.is_empty() || tag.len() > 64 || tag.contains(' ') {
        return None;
    }
    Some((at, rest))
}
