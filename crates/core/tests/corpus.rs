//! The corpus test: classify every labelled response under `tests/corpus/*/index.toml` and hold
//! the classifier to its accuracy bar (generator ≥ 97 %, no generator claimed on a healthy page).

use std::{fs, path::PathBuf};

use gwdoctor_core::{classify, parse_response};
use serde::Deserialize;

#[derive(Deserialize)]
struct Index {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    error: bool,
    generator: Option<String>,
    category: Option<String>,
    cause: Option<String>,
    chain: Option<Vec<String>>,
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
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.right as f64 / self.total as f64
        }
    }
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

#[test]
fn corpus_accuracy() {
    let mut groups: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("tests/corpus exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("index.toml").is_file())
        .collect();
    groups.sort();
    assert!(!groups.is_empty(), "no corpus groups under tests/corpus");

    let (mut generator, mut error, mut category, mut cause, mut chain) = (
        Score::default(),
        Score::default(),
        Score::default(),
        Score::default(),
        Score::default(),
    );
    let mut healthy_claims = Vec::new();
    let mut cases = 0;
    for group in &groups {
        let index: Index = toml::from_str(&fs::read_to_string(group.join("index.toml")).unwrap())
            .unwrap_or_else(|e| panic!("{}/index.toml: {e}", group.display()));
        for case in index.case {
            cases += 1;
            let name = format!(
                "{}/{}",
                group.file_name().unwrap().to_string_lossy(),
                case.file
            );
            let raw = fs::read(group.join(&case.file)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let snapshot = parse_response(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
            let verdict = classify(&snapshot);
            let got_generator = verdict
                .generator
                .as_ref()
                .map_or("none", |g| g.vendor.as_str());
            let expected_generator = case.generator.as_deref().unwrap_or("none");
            generator.check(&name, expected_generator, got_generator);
            error.check(&name, &case.error.to_string(), &verdict.error.to_string());
            if !case.error && verdict.generator.is_some() {
                healthy_claims.push(format!("{name}: claims {got_generator}"));
            }
            if let Some(expected) = &case.category {
                category.check(&name, expected, verdict.category.id());
            }
            if let Some(expected) = &case.cause {
                let got = verdict.failed_hop.as_ref().map_or("none", |h| h.cause.id());
                cause.check(&name, expected, got);
            }
            if let Some(expected) = &case.chain {
                let got: Vec<&str> = verdict.chain.iter().map(|l| l.vendor.as_str()).collect();
                chain.check(&name, &expected.join(" → "), &got.join(" → "));
            }
        }
    }

    println!("corpus: {cases} cases in {} groups", groups.len());
    for (label, score) in [
        ("generator", &generator),
        ("error", &error),
        ("category", &category),
        ("cause", &cause),
        ("chain", &chain),
    ] {
        println!(
            "  {label:<10} {:>6.2}%  ({}/{})",
            score.percent(),
            score.right,
            score.total
        );
        for miss in &score.misses {
            println!("      miss {miss}");
        }
    }
    assert!(
        healthy_claims.is_empty(),
        "generator claimed on healthy pages: {healthy_claims:?}"
    );
    assert!(
        generator.percent() >= 97.0,
        "generator accuracy {:.2}% < 97%",
        generator.percent()
    );
    assert!(
        error.percent() >= 99.0,
        "error/not-error accuracy {:.2}% < 99%",
        error.percent()
    );
    assert!(
        category.percent() >= 95.0,
        "category accuracy {:.2}% < 95%",
        category.percent()
    );
    assert!(
        cause.percent() >= 90.0,
        "cause accuracy {:.2}% < 90%",
        cause.percent()
    );
    assert!(
        chain.percent() >= 90.0,
        "chain accuracy {:.2}% < 90%",
        chain.percent()
    );
}
