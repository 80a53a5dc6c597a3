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
