//! The corpus test: classify every labelled response under `tests/corpus/*/index.toml` and hold
//! the classifier to its bars.
//!
//! The groups written or captured here (`captured/`, `vendor/`, `adversarial/`) must stay
//! right on every case. The wild corpus (`wild/`: real responses copied from public threads and
//! other projects' fixtures) is split once, by source, into a tuning part and a held-out part
//! (`held_out = true`); signatures are never tuned on the held-out part, so its figure is the
//! one that says how the verdict does on pages nobody here has seen. Both figures, and a
//! calibration table of `confidence`, are printed (`-- --nocapture`).
//!
//! Every case is classified twice: from the raw response, and from what a browser extension
//! sees of it (`browser_view`: the parsed page re-serialized, a plain-text body wrapped in the
//! viewer's `<pre>`, `Set-Cookie` withheld). Both must give the same verdict.

mod browser_view;

use std::{
    fs,
    path::{Path, PathBuf},
};

use gwdoctor_core::{classify, parse_response, SignatureDb, Snapshot, Verdict};
use serde::Deserialize;

#[derive(Deserialize)]
struct Index {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    file: String,
    error: bool,
    generator: Option<String>,
    category: Option<String>,
    cause: Option<String>,
    chain: Option<Vec<String>>,
    #[serde(default)]
    held_out: bool,
    #[allow(dead_code)] // shown in the corpus files for people
    source: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    url: Option<String>,
}

/// Tallies of one kind of label.
#[derive(Default)]
struct Score {
    right: usize,
    total: usize,
    misses: Vec<String>,
}

impl Score {
    fn check(&mut self, what: &str, expected: &str, got: &str) {
        self.total += 1;
        if expected == got {
            self.right += 1;
        } else {
            self.misses
                .push(format!("{what}: expected {expected}, got {got}"));
        }
    }

    fn percent(&self) -> f64 {
        percent(self.right, self.total)
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The scores of one part of the corpus.
#[derive(Default)]
struct Part {
    cases: usize,
    generator: Score,
    /// Error cases whose verdict names a product other than the label (`unknown`, or the
    /// product the labelled one is built on, is not wrong).
    wrong_named: Vec<String>,
    error: Score,
    category: Score,
    cause: Score,
    chain: Score,
    healthy_claims: Vec<String>,
    /// (confidence, generator right) of every error case with a generator label.
    calibration: Vec<(f64, bool)>,
    /// Cases whose browser view gives another verdict than the raw response.
    browser_differs: Vec<String>,
}

impl Part {
    fn add(&mut self, name: &str, case: &Case, verdict: &Verdict, browser: &Verdict) {
        self.cases += 1;
        let got = vendor_of(verdict);
        let expected = case.generator.as_deref().unwrap_or("none");
        self.generator.check(name, expected, got);
        // Naming the product the expected one is built on (OpenResty for APISIX, whose pages
        // are OpenResty's) is not right, and not wrong either.
        let names_base = SignatureDb::embedded().builds_on(expected, got);
        if case.error && got != expected && got != "unknown" && !names_base {
            self.wrong_named
                .push(format!("{name}: expected {expected}, got {got}"));
        }
        if case.error && case.generator.is_some() {
            self.calibration.push((verdict.confidence, got == expected));
        }
        self.error
            .check(name, &case.error.to_string(), &verdict.error.to_string());
        if !case.error && verdict.generator.is_some() {
            self.healthy_claims.push(format!("{name}: claims {got}"));
        }
        if let Some(expected) = &case.category {
            self.category.check(name, expected, verdict.category.id());
        }
        if let Some(expected) = &case.cause {
            let got = verdict.failed_hop.as_ref().map_or("none", |h| h.cause.id());
            self.cause.check(name, expected, got);
        }
        if let Some(expected) = &case.chain {
            // The gateways; an application server in the headers is not one of them.
            let gateways = |ids: Vec<&str>| {
                ids.into_iter()
                    .filter(|id| *id != "origin")
                    .collect::<Vec<_>>()
                    .join(" → ")
            };
            let got = verdict.chain.iter().map(|l| l.vendor.as_str()).collect();
            let expected = expected.iter().map(String::as_str).collect();
            self.chain.check(name, &gateways(expected), &gateways(got));
        }
        let (raw, seen) = (summary_of(verdict), summary_of(browser));
        if raw != seen {
            self.browser_differs
                .push(format!("{name}: raw {raw}, browser view {seen}"));
        }
    }

    fn wrong_percent(&self) -> f64 {
        percent(self.wrong_named.len(), self.calibration.len())
    }

    /// Prints the figures; the misses too unless `hide_misses` (the held-out part).
    fn print(&self, label: &str, hide_misses: bool) {
        println!("{label}: {} cases", self.cases);
        for (what, score) in [
            ("generator", &self.generator),
            ("error", &self.error),
            ("category", &self.category),
            ("cause", &self.cause),
            ("chain", &self.chain),
        ] {
            println!(
                "  {what:<10} {:>6.2}%  ({}/{})",
                score.percent(),
                score.right,
                score.total
            );
            if !hide_misses {
                for miss in &score.misses {
                    println!("      miss {miss}");
                }
            }
        }
        println!(
            "  wrong named generator {:.2}% ({} of {} error cases)",
            self.wrong_percent(),
            self.wrong_named.len(),
            self.calibration.len()
        );
        println!(
            "  browser view gives the same verdict on {} of {} cases",
            self.cases - self.browser_differs.len(),
            self.cases
        );
        for differs in &self.browser_differs {
            println!("      differs {differs}");
        }
    }
}

fn vendor_of(verdict: &Verdict) -> &str {
    verdict
        .generator
        .as_ref()
        .map_or("none", |g| g.vendor.as_str())
}

/// What must not change between the raw response and the browser's view of it.
fn summary_of(verdict: &Verdict) -> String {
    format!(
        "{}/{}/{}",
        vendor_of(verdict),
        verdict.category.id(),
        verdict.failed_hop.as_ref().map_or("none", |h| h.cause.id())
    )
}

/// Confidence buckets → (cases, generator right), printed as the calibration table.
fn print_calibration(label: &str, points: &[(f64, bool)]) {
    println!("{label}: confidence → cases, generator right");
    for (low, high) in [(0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)] {
        let bucket: Vec<bool> = points
            .iter()
            .filter(|(c, _)| *c >= low && *c < high)
            .map(|(_, right)| *right)
            .collect();
        let right = bucket.iter().filter(|r| **r).count();
        println!(
            "  [{low:.1}, {:.1})  {:>4}  {:>6.2}%",
            high.min(1.0),
            bucket.len(),
            percent(right, bucket.len())
        );
    }
}

/// The wild corpus's split: held out when the FNV-1a hash of the source's locator (its text up
/// to the first " (", "; ", " — " or " - ") is divisible by 3. Every case of one thread falls
/// on the same side, and nobody picks the side.
fn held_out_by_rule(source: &str) -> bool {
    let mut locator = source;
    for separator in [" (", "; ", " — ", " - "] {
        if let Some(at) = locator.find(separator).filter(|&at| at > 0) {
            locator = &locator[..at];
        }
    }
    let hash = locator.trim().bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % 3 == 0
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

fn load(group: &Path) -> Vec<(String, Case, Snapshot)> {
    let group_name = group.file_name().unwrap().to_string_lossy().into_owned();
    let index: Index = toml::from_str(&fs::read_to_string(group.join("index.toml")).unwrap())
        .unwrap_or_else(|e| panic!("{}/index.toml: {e}", group.display()));
    index
        .case
        .into_iter()
        .map(|case| {
            let name = format!("{group_name}/{}", case.file);
            let raw = fs::read(group.join(&case.file)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let snapshot = parse_response(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, case, snapshot)
        })
        .collect()
}

#[test]
fn corpus_accuracy() {
    let mut groups: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("tests/corpus exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("index.toml").is_file())
        .collect();
    groups.sort();

    let (mut ours, mut tuning, mut held_out) = (Part::default(), Part::default(), Part::default());
    for group in &groups {
        let wild = group.ends_with("wild");
        for (name, case, snapshot) in load(group) {
            let verdict = classify(&snapshot);
            let browser = classify(&browser_view::of(&snapshot));
            if wild {
                assert_eq!(
                    case.held_out,
                    held_out_by_rule(&case.source),
                    "{name}: `held_out` must follow the split rule (wild/index.toml)"
                );
            }
            let part = match (wild, case.held_out) {
                (false, true) => panic!("{name}: only the wild corpus has a held-out part"),
                (false, false) => &mut ours,
                (true, false) => &mut tuning,
                (true, true) => &mut held_out,
            };
            part.add(&name, &case, &verdict, &browser);
        }
    }

    ours.print("captured + vendor + adversarial", false);
    tuning.print("wild, tuning part", false);
    let show_held_out = std::env::var_os("GWDOCTOR_SHOW_HELD_OUT").is_some();
    held_out.print("wild, held-out part", !show_held_out);
    let wild: Vec<(f64, bool)> = tuning
        .calibration
        .iter()
        .chain(&held_out.calibration)
        .copied()
        .collect();
    print_calibration("wild corpus (both parts)", &wild);
    print_calibration("wild corpus, held-out part", &held_out.calibration);

    assert!(
        groups.iter().any(|g| g.ends_with("wild")),
        "no wild corpus under tests/corpus/wild"
    );
    for part in [&ours, &tuning, &held_out] {
        assert!(
            part.healthy_claims.is_empty(),
            "generator claimed on healthy pages: {:?}",
            part.healthy_claims
        );
        assert!(
            part.browser_differs.is_empty(),
            "the browser's view gives another verdict: {:?}",
            part.browser_differs
        );
    }
    // Our own groups stay right on every case.
    for (what, score) in [
        ("generator", &ours.generator),
        ("error", &ours.error),
        ("category", &ours.category),
        ("cause", &ours.cause),
        ("chain", &ours.chain),
    ] {
        assert!(
            score.misses.is_empty(),
            "{what} misses on our own corpus: {:?}",
            score.misses
        );
    }
    // The wild corpus: bars a little below what it measures, so a regression fails.
    assert!(
        tuning.generator.percent() >= WILD_TUNING_GENERATOR,
        "wild tuning generator accuracy {:.2}%",
        tuning.generator.percent()
    );
    assert!(
        held_out.generator.percent() >= WILD_HELD_OUT_GENERATOR,
        "wild held-out generator accuracy {:.2}%",
        held_out.generator.percent()
    );
    for (part, bar) in [
        (&tuning, WILD_TUNING_WRONG_NAMED),
        (&held_out, WILD_HELD_OUT_WRONG_NAMED),
    ] {
        assert!(
            part.wrong_percent() <= bar,
            "wrong named generators: {:?}",
            part.wrong_named
        );
        assert!(
            part.error.misses.is_empty(),
            "error/not-error misses: {:?}",
            part.error.misses
        );
    }
    let wild_category = percent(
        tuning.category.right + held_out.category.right,
        tuning.category.total + held_out.category.total,
    );
    assert!(
        wild_category >= 90.0,
        "wild category accuracy {wild_category:.2}% < 90%"
    );
    let confident: Vec<bool> = wild
        .iter()
        .filter(|(c, _)| *c >= 0.8)
        .map(|(_, r)| *r)
        .collect();
    let confident_right = percent(confident.iter().filter(|r| **r).count(), confident.len());
    assert!(
        confident_right >= 97.0,
        "verdicts with confidence ≥ 0.8 are right only {confident_right:.2}% of the time"
    );
}

/// Bars of the wild corpus (percent), a little below what it measures (97.7 / 79.2 % right,
/// 1.0 / 11.7 % wrongly named on 2026-12-02), so that a regression fails. The goals
/// (held-out ≥ 95 % right, ≤ 1 % wrong) are not met yet: see the README.
const WILD_TUNING_GENERATOR: f64 = 96.0;
const WILD_HELD_OUT_GENERATOR: f64 = 76.0;
const WILD_TUNING_WRONG_NAMED: f64 = 2.0;
const WILD_HELD_OUT_WRONG_NAMED: f64 = 14.0;
