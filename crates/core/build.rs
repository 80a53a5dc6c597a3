//! Packs every `signatures/*.toml` file (in name order) into one postcard blob,
//! `$OUT_DIR/signatures.postcard`: a list of (file name, vendor file), in the types of
//! `src/signatures/file.rs` — the one definition of the file format, included here — which the
//! crate decodes at run time. So adding a vendor is a data change only, no TOML parser is needed
//! at run time, and the wasm build can ship the blob beside the module instead of inside it
//! (feature `embedded-db` off).
//!
//! Shape errors (unknown fields, wrong types, roles/causes/categories not in `src/vocab.rs`) and
//! rules without a provenance (`source`, the rule of `file::is_sourced`) stop the build with the
//! file named; everything else is validated when the database is compiled, and by
//! `cargo test -p gwdoctor-core --test signatures`.
use std::{env, fmt::Write, fs, path::Path};

// The crate's own vocabulary and file format; the build script uses the types, not every helper.
#[allow(dead_code)]
#[path = "src/vocab.rs"]
mod vocab;

#[allow(dead_code)]
#[path = "src/signatures/file.rs"]
mod file;

use file::VendorFile;

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("signatures");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("crates/core/signatures must exist")
        .map(|entry| entry.expect("readable signatures dir").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();

    let mut packed: Vec<(String, VendorFile)> = Vec::new();
    let mut texts = String::from(
        "/// The embedded vendor files as written: (file name, TOML text).\n\
         #[cfg(feature = \"toml\")]\n\
         pub(crate) static EMBEDDED_TOML: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("signatures/{name}: {e}"));
        let vendor: VendorFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("signatures/{name}: {e}"));
        let unsourced = vendor.unsourced_rules();
        assert!(
            unsourced.is_empty(),
            "signatures/{name}: rules {unsourced:?} (layer rules first, from 1) do not say where \
             they were observed: `source` must start with {}",
            file::SOURCE_KINDS.join(", ")
        );
        writeln!(
            texts,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
        packed.push((name, vendor));
    }
    texts.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).to_path_buf();
    let blob = postcard::to_allocvec(&packed).expect("the file types always serialize");
    fs::write(out.join("signatures.postcard"), blob).expect("write signatures.postcard");
    fs::write(out.join("embedded_sources.rs"), texts).expect("write embedded_sources.rs");
}
