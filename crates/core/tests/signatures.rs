//! The embedded signature database: every file valid and named after its vendor, the packed form
//! equal to the TOML files. (The vendor list of the contract: `tests/contract.rs`.)

use gwdoctor_core::SignatureDb;

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
