//! The embedded signature database: every file valid, the contract's vendor list and the files in
//! step, every rule documented.

use gwdoctor_core::SignatureDb;

/// The vendor ids the contract lists (`docs/verdict.md`, between the `vendor-ids` markers).
fn contract_vendors() -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/verdict.md"
    ))
    .expect("docs/verdict.md");
    let start = doc.find("<!-- vendor-ids").expect("vendor-ids marker");
    let end = doc
        .find("<!-- /vendor-ids -->")
        .expect("/vendor-ids marker");
    doc[start..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn embedded_database_is_valid() {
    let files = SignatureDb::embedded_sources();
    assert!(!files.is_empty());
    if let Err(errors) = SignatureDb::from_sources(files.iter().copied()) {
        panic!(
            "signature files are invalid:\n{}",
            errors
                .iter()
                .map(|e| format!("  {e}\n"))
                .collect::<String>()
        );
    }
}

#[test]
fn the_contract_lists_exactly_the_vendors_of_the_database() {
    let db = SignatureDb::embedded();
    let listed = contract_vendors();
    let missing: Vec<&String> = listed
        .iter()
        .filter(|id| *id != "unknown")
        .filter(|id| !db.rules().iter().any(|r| db.vendors()[r.vendor].id == **id))
        .collect();
    assert!(
        missing.is_empty(),
        "vendors of docs/verdict.md without any signature: {missing:?}"
    );
    let unlisted: Vec<&str> = db
        .vendors()
        .iter()
        .map(|v| v.id.as_str())
        .filter(|id| !listed.iter().any(|l| l == id))
        .collect();
    assert!(
        unlisted.is_empty(),
        "vendors with signature files that docs/verdict.md does not list: {unlisted:?}"
    );
}

#[test]
fn every_file_is_named_after_its_vendor() {
    let db = SignatureDb::embedded();
    for (file, _) in SignatureDb::embedded_sources() {
        let id = file.trim_end_matches(".toml");
        assert!(
            db.vendor(id).is_some(),
            "{file} does not define vendor `{id}`"
        );
    }
}

#[test]
fn the_packed_database_is_the_toml_files() {
    let packed = SignatureDb::embedded();
    let parsed = SignatureDb::from_sources(SignatureDb::embedded_sources().iter().copied())
        .expect("valid files");
    let vendor = |db: &SignatureDb, i: usize| {
        let v = &db.vendors()[i];
        format!("{} {} {:?} {:?}", v.id, v.name, v.role, v.based_on)
    };
    assert_eq!(packed.vendors().len(), parsed.vendors().len());
    for i in 0..parsed.vendors().len() {
        assert_eq!(vendor(packed, i), vendor(&parsed, i));
    }
    assert_eq!(packed.rules().len(), parsed.rules().len());
    for (a, b) in packed.rules().iter().zip(parsed.rules()) {
        let rule = |r: &gwdoctor_core::signatures::Rule| {
            format!(
                "{} {:?} {:?} {} {:?} {:?} {:?} {}",
                r.vendor, r.kind, r.header, r.weight, r.cause, r.category, r.role, r.detail
            )
        };
        assert_eq!(rule(a), rule(b));
    }
}
