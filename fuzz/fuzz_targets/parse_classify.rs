//! Any bytes → the response parser → the classifier: never a panic, and a verdict whose
//! invariants hold.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(snapshot) = gwdoctor_core::parse_response(data) {
        let verdict = gwdoctor_core::classify(&snapshot);
        assert_eq!(verdict.error, verdict.generator.is_some());
        assert_eq!(verdict.error, verdict.failed_hop.is_some());
        assert!((0.0..=1.0).contains(&verdict.confidence));
        assert!(!verdict.evidence.is_empty());
    }
});
