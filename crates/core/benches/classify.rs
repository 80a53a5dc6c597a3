//! `cargo bench -p gwdoctor-core`: classify over the corpus.
//!
//! Criterion measures the whole corpus of pages up to 10 KB (time per page = time / pages), one
//! typical page, parse + classify, and a process's first verdict (the database loaded); then the
//! median and p99 per page over every page are
//! printed, each page timed over many runs.

use std::{fs, hint::black_box, path::PathBuf, time::Instant};

use criterion::{criterion_group, Criterion, Throughput};
use gwdoctor_core::{classify, parse_response, SignatureDb, Snapshot};

const SMALL_PAGE: usize = 10 * 1024;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = corpus_dir();
    let mut files = Vec::new();
    for group in fs::read_dir(&root).unwrap().flatten() {
        let Ok(entries) = fs::read_dir(group.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "http") {
                files.push((path.display().to_string(), fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn small_snapshots() -> Vec<Snapshot> {
    corpus()
        .iter()
        .filter_map(|(_, raw)| parse_response(raw).ok())
        .filter(|s| s.body.len() <= SMALL_PAGE)
        .collect()
}

fn bench(c: &mut Criterion) {
    SignatureDb::embedded();
    let pages = small_snapshots();
    let raw = corpus();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(pages.len() as u64));
    group.bench_function(
        format!("corpus pages <= 10 KB ({} pages)", pages.len()),
        |b| {
            b.iter(|| {
                for page in &pages {
                    black_box(classify(black_box(page)));
                }
            })
        },
    );
    group.throughput(Throughput::Elements(raw.len() as u64));
    group.bench_function(
        format!("parse + classify, whole corpus ({} files)", raw.len()),
        |b| {
            b.iter(|| {
                for (_, bytes) in &raw {
                    if let Ok(s) = parse_response(black_box(bytes)) {
                        black_box(classify(&s));
                    }
                }
            })
        },
    );
    group.finish();

    // What a process pays for its first verdict: the database loaded from its packed form (its
    // patterns compiled as they are first needed), then one nginx page.
    let nginx =
        parse_response(&fs::read(corpus_dir().join("captured/nginx-refused.http")).unwrap())
            .unwrap();
    c.bench_function(
        "first verdict: load the packed database + classify one page",
        |b| {
            b.iter(|| {
                let db = SignatureDb::from_packed(gwdoctor_core::signatures::PACKED).unwrap();
                black_box(gwdoctor_core::classify_with(&db, black_box(&nginx)))
            })
        },
    );
}

/// Median and p99 of the per-page time, each page timed as the mean of many runs.
fn per_page_figures() {
    let pages = small_snapshots();
    let mut times: Vec<f64> = pages
        .iter()
        .map(|page| {
            let runs = 2_000;
            let start = Instant::now();
            for _ in 0..runs {
                black_box(classify(black_box(page)));
            }
            start.elapsed().as_secs_f64() * 1e6 / runs as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "classify per page (<= 10 KB, {} pages): median {:.2} µs, p99 {:.2} µs, max {:.2} µs",
        times.len(),
        at(0.5),
        at(0.99),
        times[times.len() - 1]
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    per_page_figures();
}
