//! Embeds every `signatures/*.toml` file into the crate, in name order, so that adding a vendor
//! is a data change only.
use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("signatures");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("crates/core/signatures must exist")
        .map(|entry| entry.expect("readable signatures dir").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut code =
        String::from("/// Embedded signature files: (file name, TOML text), in name order.\n");
    code.push_str("pub(crate) static EMBEDDED: &[(&str, &str)] = &[\n");
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("embedded_signatures.rs");
    fs::write(out, code).expect("write embedded_signatures.rs");
}
