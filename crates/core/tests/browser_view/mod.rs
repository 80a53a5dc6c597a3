//! What a browser extension sees of a response, modelled on Chromium (measured in
//! `shared/notes/toolchain.md` and checked for real by the Chromium replay test,
//! `tests/e2e/replay.test.js`):
//! - `webRequest` withholds `Set-Cookie`, and gives the status line (`statusLine`), so the
//!   reason phrase is seen (the extension passes it on, `crates/wasm/src/page.rs`);
//! - an HTML page reaches the content script as `document.documentElement.outerHTML`: parsed
//!   by the HTML parser (which inserts `<head>`/`<body>`, drops the doctype, decodes entities)
//!   and serialized again;
//! - a plain-text body is shown in the browser's text viewer, a `<pre>` in a generated page, and
//!   a JSON body in its JSON viewer (the same, and an empty formatter container after it);
//! - a body that starts with `<?xml` and has no Content-Type is an XML document, serialized
//!   back much as it came;
//! - an empty body shows the browser's own error page, where no content script runs: the
//!   extension classifies from the status and headers alone.

use gwdoctor_core::{Headers, Snapshot};
use html5ever::serialize::{serialize, SerializeOpts, TraversalScope};
use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{NodeData, RcDom, SerializableHandle};

/// The snapshot an extension would build from what the browser gives it of `raw`.
pub fn of(raw: &Snapshot) -> Snapshot {
    let mut headers = Headers::new();
    for (name, value) in raw.headers.iter().filter(|(n, _)| *n != "set-cookie") {
        headers.append(name, value);
    }
    let body = page_markup(raw);
    let mut seen = Snapshot::new(raw.status, headers).with_body(body.as_bytes());
    seen.url = raw.url.clone();
    seen.reason = raw.reason.clone();
    seen
}

fn page_markup(raw: &Snapshot) -> String {
    if raw.body_is_blank() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&raw.body);
    let mime = raw.headers.get("content-type").map(|t| {
        t.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    match mime.as_deref() {
        Some("text/html" | "application/xhtml+xml") => html_outer(&text),
        Some(m) if m.ends_with("xml") => text.into_owned(),
        Some(m) if m == "application/json" || m.ends_with("+json") => json_viewer(&text),
        Some(_) => text_viewer(&text),
        None if text.trim_start().starts_with("<?xml") => text.into_owned(),
        None if looks_like_html(&text) => html_outer(&text),
        None => text_viewer(&text),
    }
}

/// Chromium's content sniffing, as far as error pages need it: markup starts with a tag.
fn looks_like_html(text: &str) -> bool {
    let start = text.trim_start().as_bytes();
    start.first() == Some(&b'<')
}

/// The page Chromium generates around a plain-text body.
fn text_viewer(text: &str) -> String {
    let escaped = escape(text);
    format!(
        "<html><head><meta name=\"color-scheme\" content=\"light dark\"></head><body>\
         <pre style=\"word-wrap: break-word; white-space: pre-wrap;\">{escaped}</pre></body></html>"
    )
}

/// The page Chromium's JSON viewer generates around a JSON body.
fn json_viewer(text: &str) -> String {
    format!(
        "<html><head><meta name=\"color-scheme\" content=\"light dark\"><meta charset=\"utf-8\"></head>\
         <body><pre>{}</pre><div class=\"json-formatter-container\"></div></body></html>",
        escape(text)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `document.documentElement.outerHTML` of the page the HTML parser builds from `text`.
fn html_outer(text: &str) -> String {
    let dom = html5ever::parse_document(RcDom::default(), Default::default()).one(text);
    let root = dom
        .document
        .children
        .borrow()
        .iter()
        .find(|n| matches!(n.data, NodeData::Element { .. }))
        .cloned()
        .expect("the HTML parser always makes an <html> element");
    let mut out = Vec::new();
    let handle: SerializableHandle = root.into();
    serialize(
        &mut out,
        &handle,
        SerializeOpts {
            traversal_scope: TraversalScope::IncludeNode,
            ..Default::default()
        },
    )
    .expect("serializing to memory cannot fail");
    String::from_utf8(out).expect("the serializer writes UTF-8")
}
