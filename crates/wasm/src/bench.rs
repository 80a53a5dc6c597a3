//! Classify timings over raw responses, with the clock passed in: the same figures as the native
//! benchmark (`cargo bench -p gwdoctor-core`), taken inside the browser.

use std::hint::black_box;

use gwdoctor_core::{classify, parse_response, Snapshot};
use serde::Serialize;

/// Pages above this size are left out, as in the native benchmark.
const SMALL_PAGE: usize = 10 * 1024;

/// Per-page classify time, each page timed as the mean of many runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timings {
    /// Pages timed.
    pub pages: usize,
    /// Runs per page.
    pub runs: u32,
    /// Median per-page time, µs.
    pub median_us: f64,
    /// 99th percentile, µs.
    pub p99_us: f64,
    /// Slowest page, µs.
    pub max_us: f64,
}

/// Times `classify` on every parseable page of at most 10 KB; `now_ms` is the clock in ms.
pub fn classify_timings(raw: &[Vec<u8>], runs: u32, mut now_ms: impl FnMut() -> f64) -> Timings {
    let runs = runs.max(1);
    let pages: Vec<Snapshot> = raw
        .iter()
        .filter_map(|r| parse_response(r).ok())
        .filter(|s| s.body.len() <= SMALL_PAGE)
        .collect();
    // The signature database compiles on first use: not part of any page's time.
    if let Some(first) = pages.first() {
        black_box(classify(first));
    }
    let mut times: Vec<f64> = pages
        .iter()
        .map(|page| {
            let start = now_ms();
            for _ in 0..runs {
                black_box(classify(black_box(page)));
            }
            (now_ms() - start) * 1000.0 / f64::from(runs)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let last = times.len().saturating_sub(1);
        times
            .get((last as f64 * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    Timings {
        pages: times.len(),
        runs,
        median_us: at(0.5),
        p99_us: at(0.99),
        max_us: at(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timings_over_small_pages_only() {
        let small = b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\n\r\nx".to_vec();
        let mut big = b"HTTP/1.1 502 Bad Gateway\r\n\r\n".to_vec();
        big.extend(vec![b'a'; SMALL_PAGE + 1]);
        let mut clock = 0.0;
        let timings = classify_timings(&[small, big, b"junk".to_vec()], 4, || {
            clock += 2.0;
            clock
        });
        assert_eq!(timings.pages, 1);
        assert_eq!(timings.median_us, 500.0, "2 ms over 4 runs");
    }
}
