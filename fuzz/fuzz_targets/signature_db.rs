//! Any bytes → the packed signature database loader (`signatures.bin`, which the extension fetches
//! beside the wasm and installs with `loadSignatures`): an error or a database, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(db) = gwdoctor_core::SignatureDb::from_packed(data) {
        // A database that loads classifies.
        let page = gwdoctor_core::parse_response(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").unwrap();
        let verdict = gwdoctor_core::classify_with(&db, &page);
        assert!(verdict.error);
    }
});
