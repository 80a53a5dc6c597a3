//! The verdict contract (`docs/verdict.md`) and the code say the same: every list of ids in the
//! document (between `<!-- name -->` and `<!-- /name -->`) is exactly the vocabulary the code
//! defines (`src/vocab.rs`), and the vendor ids are exactly the vendors of the signature files.

use gwdoctor_core::{
    verdict::{Category, Cause, Role, Step},
    SignatureDb,
};

/// The ids listed in the contract's `name` block: the backquoted words after the block's first
/// `: ` (so the field name before it is not one of them).
fn listed(name: &str) -> Vec<String> {
    let doc = include_str!("../../../docs/verdict.md");
    let open = format!("<!-- {name} -->");
    let close = format!("<!-- /{name} -->");
    let start = doc
        .find(&open)
        .unwrap_or_else(|| panic!("docs/verdict.md has no {open}"));
    let end = doc
        .find(&close)
        .unwrap_or_else(|| panic!("docs/verdict.md has no {close}"));
    let block = &doc[start + open.len()..end];
    let ids = block.split_once(": ").map_or(block, |(_, ids)| ids);
    let mut ids: Vec<String> = ids
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: impl Iterator<Item = &'static str>) -> Vec<String> {
    let mut ids: Vec<String> = ids.map(str::to_string).collect();
    ids.sort();
    ids
}

#[test]
fn causes_are_the_contracts() {
    assert_eq!(listed("causes"), sorted(Cause::ALL.iter().map(|c| c.id())));
}

#[test]
fn categories_are_the_contracts() {
    assert_eq!(
        listed("categories"),
        sorted(Category::ALL.iter().map(|c| c.id()))
    );
}

#[test]
fn roles_are_the_contracts() {
    assert_eq!(listed("roles"), sorted(Role::ALL.iter().map(|r| r.id())));
}

#[test]
fn steps_are_the_contracts() {
    assert_eq!(listed("steps"), sorted(Step::ALL.iter().map(|s| s.id())));
}

#[test]
fn ids_serialize_as_the_contract_writes_them() {
    for cause in Cause::ALL {
        assert_eq!(serde_json::to_value(cause).unwrap(), cause.id());
    }
    for category in Category::ALL {
        assert_eq!(serde_json::to_value(category).unwrap(), category.id());
    }
    for role in Role::ALL {
        assert_eq!(serde_json::to_value(role).unwrap(), role.id());
    }
    for step in Step::ALL {
        assert_eq!(serde_json::to_value(step).unwrap(), step.id());
    }
}

#[test]
fn vendor_ids_are_the_signature_files() {
    let db = SignatureDb::embedded();
    let mut files: Vec<String> = db.vendors().iter().map(|v| v.id.clone()).collect();
    files.push("unknown".into());
    files.sort();
    assert_eq!(
        listed("vendor-ids"),
        files,
        "docs/verdict.md's vendor ids (left) and the vendors of crates/core/signatures/ (right)"
    );
}

#[test]
fn every_listed_vendor_has_a_rule() {
    let db = SignatureDb::embedded();
    for vendor in db.vendors() {
        assert!(
            db.rule_count(&vendor.id) > 0,
            "vendor `{}` has a file but no rule",
            vendor.id
        );
    }
}
