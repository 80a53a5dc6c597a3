//! Gateway Doctor in the browser: the core's classifier and visitor checklist, exported to
//! JavaScript with wasm-bindgen (`wasm-bindgen --target web`).
//!
//! Every decision is made here, in Rust: what a page or a browser error means, what the checklist
//! does next, what the native host and the checkers are asked and what their answers mean, and
//! what the badge, panel and popup say. The JavaScript of the extension and of the checker page
//! only moves data between these functions and browser APIs.
//!
//! It never does I/O of its own: requests to the network, the native host and the checkers are
//! actions the JavaScript performs and reports back.
//!
//! The public interface (JavaScript names) is:
//! - `loadSignatures(packed)` — install the signature database shipped beside the wasm;
//! - `classify(snapshot)`, `classifyNetworkError(url, error)` — a verdict from what the browser
//!   saw (`PageSnapshot`: status, headers and markup as `webRequest` and the page give them);
//! - `verdictView(verdict, vantage)`, `checkerProblem(code, message)` — the words every shell
//!   shows for a verdict or a checker's error answer;
//! - `defaultConfig()`, `validateConfig(options)`, `nativeHostName()` — the options and the
//!   native host's name;
//! - `new Checklist(options, seed)` — the visitor checklist for every tab: `pageResponse`,
//!   `pageNetworkError`, `pageHealthy`, `navigating`, `tabClosed`, `stop`, `probeAnswered`,
//!   `probeFailed`, `vantageAnswered`, `vantageFailed`, `nativeRequest`, `nativeAnswered`, `tick`,
//!   `nextWake`, `view`, `tabs`, `save` / `Checklist.restore`;
//! - in the `bench` build only: `classifyRaw`, `benchClassify`.
#![deny(missing_docs)]

#[cfg(feature = "bench")]
mod bench;
mod browser_error;
mod page;
mod remote;

use gwdoctor_core::checklist::{
    checker_problem, host_of, site_of, Action, Config, Doctor, Event, NativeStep, ProbeOutcome,
    RemoteOutcome, TabId, VerdictView,
};
#[cfg(feature = "bench")]
use gwdoctor_core::parse_response;
use gwdoctor_core::{
    classify as classify_snapshot, classify_network_failure, SignatureDb, Snapshot, Vantage,
    Verdict,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[cfg(feature = "bench")]
pub use bench::{classify_timings, Timings};
pub use browser_error::network_failure;
pub use gwdoctor_wire::native::HOST_NAME as NATIVE_HOST;
pub use page::PageSnapshot;
pub use remote::{native_outcome, native_request, vantage_outcome};

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

/// Milliseconds from JavaScript (`Date.now()`), clamped to a valid `u64`.
fn millis(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}

/// Installs the signature database: the packed file the build ships beside the module
/// (`signatures.bin`, `gwdoctor_core::signatures::PACKED`), kept out of the module so that its
/// size does not grow with the signatures. Call it once after `init`, before anything classifies;
/// a second call changes nothing.
#[wasm_bindgen(js_name = loadSignatures)]
pub fn load_signatures(packed: &[u8]) -> Result<(), JsError> {
    if SignatureDb::installed() {
        return Ok(());
    }
    let db = SignatureDb::from_packed(packed).map_err(|errors| {
        let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
        JsError::new(&format!(
            "the signature database is unreadable: {}",
            problems.join("; ")
        ))
    })?;
    SignatureDb::install(db);
    Ok(())
}

/// Classifies a snapshot, once [`load_signatures`] has installed the database.
fn classify_page(snapshot: &Snapshot) -> Result<Verdict, JsError> {
    if !SignatureDb::installed() {
        return Err(JsError::new(
            "no signature database: call loadSignatures with signatures.bin first",
        ));
    }
    Ok(classify_snapshot(snapshot))
}

/// Classifies a page: `{url?, status, statusLine?, headers?: [[name, value]…], body?, receivedAtMs?}`
/// → the verdict object of `verdict.md`.
#[wasm_bindgen]
pub fn classify(snapshot: JsValue) -> Result<JsValue, JsError> {
    let page: PageSnapshot = from_js(snapshot, "snapshot")?;
    to_js(&classify_page(&page.to_snapshot()?)?)
}

/// Classifies a raw response as `curl -si` prints it (bytes), optionally with its URL. In the
/// benchmark build only (it times the JS boundary with it); shells have the response in parts.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = classifyRaw)]
pub fn classify_raw(raw: &[u8], url: Option<String>) -> Result<JsValue, JsError> {
    let mut snapshot = parse_response(raw).map_err(|e| JsError::new(&e.to_string()))?;
    snapshot.url = url;
    to_js(&classify_page(&snapshot)?)
}

/// The verdict for a navigation that got no response (`net::ERR_CONNECTION_REFUSED`,
/// `NS_ERROR_UNKNOWN_HOST` …); `null` when the error is not about reaching the site.
#[wasm_bindgen(js_name = classifyNetworkError)]
pub fn classify_network_error(url: &str, error: &str) -> Result<JsValue, JsError> {
    match network_verdict(url, error) {
        Some(verdict) => to_js(&verdict),
        None => Ok(JsValue::NULL),
    }
}

fn network_verdict(url: &str, error: &str) -> Option<Verdict> {
    let site = site_of(url).unwrap_or_default();
    network_failure(url, host_of(&site), error).map(|f| classify_network_failure(&f))
}

/// A verdict as people read it (summary, producer, chain, failed hop, retry, advice with titles
/// and links), for a verdict whose request `vantage` made (`browser`, `machine`, `checker`): the
/// same words the CLI prints and the extension shows.
#[wasm_bindgen(js_name = verdictView)]
pub fn verdict_view(verdict: JsValue, vantage: JsValue) -> Result<JsValue, JsError> {
    let verdict: Verdict = from_js(verdict, "verdict")?;
    let vantage: Vantage = from_js(vantage, "vantage")?;
    to_js(&VerdictView::of(&verdict, vantage))
}

/// The checker page's sentence for a check API error: its `code` (or `undefined`) and message.
#[wasm_bindgen(js_name = checkerProblem)]
pub fn checker_problem_text(code: Option<String>, message: &str) -> String {
    checker_problem(code.as_deref(), message)
}

/// Checks an options object; returns it normalized, or throws `field: problem`.
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(config: JsValue) -> Result<JsValue, JsError> {
    let config: Config = from_js(config, "options")?;
    let config = config
        .validate()
        .map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&config)
}

/// The default options.
#[wasm_bindgen(js_name = defaultConfig)]
pub fn default_config() -> Result<JsValue, JsError> {
    to_js(&Config::default())
}

/// The native messaging host's name.
#[wasm_bindgen(js_name = nativeHostName)]
pub fn native_host_name() -> String {
    NATIVE_HOST.to_string()
}

/// Times `classify` inside wasm over raw responses (an array of `Uint8Array`), each page `runs`
/// times; pages over 10 KB are skipped, as in the native benchmark.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = benchClassify)]
pub fn bench_classify(pages: js_sys::Array, runs: u32) -> Result<JsValue, JsError> {
    if !SignatureDb::installed() {
        return Err(JsError::new(
            "no signature database: call loadSignatures first",
        ));
    }
    let performance: web_sys::Performance =
        js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .map_err(|_| JsError::new("no performance clock here"))?
            .unchecked_into();
    let raw: Vec<Vec<u8>> = pages
        .iter()
        .map(|p| js_sys::Uint8Array::new(&p).to_vec())
        .collect();
    to_js(&classify_timings(&raw, runs, || performance.now()))
}

/// The machine's state in postcard's compact binary form: a fraction of the code that saving
/// through JS objects takes, and a quarter of the bytes.
fn save_doctor(doctor: &Doctor) -> Vec<u8> {
    postcard::to_allocvec(doctor).expect("the checklist state always serializes")
}

fn restore_doctor(saved: &[u8]) -> Result<Doctor, String> {
    postcard::from_bytes(saved).map_err(|e| format!("saved checklist: {e}"))
}

/// The members of an `ask-native` action that [`Checklist::native_request`] reads.
#[derive(serde::Deserialize)]
struct AskNative {
    #[serde(rename = "type")]
    kind: String,
    step: NativeStep,
    url: String,
    host: String,
    timeout_ms: u64,
}

/// The checklist machine for every tab, with its state kept here between calls. Each method
/// feeds one event and returns the actions to perform (an array of `{type, …}` objects).
#[wasm_bindgen]
pub struct Checklist {
    doctor: Doctor,
    next_native_id: u64,
}

#[wasm_bindgen]
impl Checklist {
    /// A machine with the given options (validated) and a random seed for the jitter.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, seed: u64) -> Result<Checklist, JsError> {
        let config: Config = from_js(config, "options")?;
        let config = config
            .validate()
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Checklist {
            doctor: Doctor::new(config, seed),
            next_native_id: 0,
        })
    }

    /// A machine saved by [`Checklist::save`] (the service worker was stopped meanwhile).
    pub fn restore(saved: &[u8]) -> Result<Checklist, JsError> {
        Ok(Checklist {
            doctor: restore_doctor(saved).map_err(|e| JsError::new(&e))?,
            next_native_id: 0,
        })
    }

    /// The whole state, as bytes for `storage.session` (the same build reads them back).
    pub fn save(&self) -> Vec<u8> {
        save_doctor(&self.doctor)
    }

    /// Applies new options (validated) to checklists started from now on.
    pub fn configure(&mut self, config: JsValue) -> Result<(), JsError> {
        let config: Config = from_js(config, "options")?;
        let config = config
            .validate()
            .map_err(|e| JsError::new(&e.to_string()))?;
        self.doctor.handle(Event::Configure { config }, 0);
        Ok(())
    }

    fn handle(&mut self, event: Event, now: f64) -> Result<JsValue, JsError> {
        let actions: Vec<Action> = self.doctor.handle(event, millis(now));
        to_js(&actions)
    }

    /// A top-level response arrived (the snapshot as for [`classify`]): classified, and a
    /// checklist started when it is an error.
    #[wasm_bindgen(js_name = pageResponse)]
    pub fn page_response(
        &mut self,
        tab: i32,
        snapshot: JsValue,
        now: f64,
    ) -> Result<JsValue, JsError> {
        let page: PageSnapshot = from_js(snapshot, "snapshot")?;
        let snapshot = page.to_snapshot()?;
        let url = snapshot.url.clone().unwrap_or_default();
        let verdict = classify_page(&snapshot)?;
        let event = if verdict.error {
            Event::PageFailed {
                tab: TabId::from(tab),
                url,
                verdict: Box::new(verdict),
                headers: page.headers,
            }
        } else {
            Event::PageHealthy {
                tab: TabId::from(tab),
                url,
            }
        };
        self.handle(event, now)
    }

    /// A top-level navigation failed without a response (`webRequest.onErrorOccurred`).
    #[wasm_bindgen(js_name = pageNetworkError)]
    pub fn page_network_error(
        &mut self,
        tab: i32,
        url: &str,
        error: &str,
        now: f64,
    ) -> Result<JsValue, JsError> {
        match network_verdict(url, error) {
            Some(verdict) => self.handle(
                Event::PageFailed {
                    tab: TabId::from(tab),
                    url: url.to_string(),
                    verdict: Box::new(verdict),
                    headers: Vec::new(),
                },
                now,
            ),
            None => to_js(&Vec::<Action>::new()),
        }
    }

    /// A top-level page loaded without error.
    #[wasm_bindgen(js_name = pageHealthy)]
    pub fn page_healthy(&mut self, tab: i32, url: &str, now: f64) -> Result<JsValue, JsError> {
        self.handle(
            Event::PageHealthy {
                tab: TabId::from(tab),
                url: url.to_string(),
            },
            now,
        )
    }

    /// The tab started loading `url`.
    pub fn navigating(&mut self, tab: i32, url: &str, now: f64) -> Result<JsValue, JsError> {
        self.handle(
            Event::Navigating {
                tab: TabId::from(tab),
                url: url.to_string(),
            },
            now,
        )
    }

    /// The tab was closed.
    #[wasm_bindgen(js_name = tabClosed)]
    pub fn tab_closed(&mut self, tab: i32, now: f64) -> Result<JsValue, JsError> {
        self.handle(
            Event::TabClosed {
                tab: TabId::from(tab),
            },
            now,
        )
    }

    /// The visitor pressed Stop.
    pub fn stop(&mut self, tab: i32, now: f64) -> Result<JsValue, JsError> {
        self.handle(
            Event::Stop {
                tab: TabId::from(tab),
            },
            now,
        )
    }

    /// A probe got a response: its status and headers (`[[name, value]…]`).
    #[wasm_bindgen(js_name = probeAnswered)]
    pub fn probe_answered(
        &mut self,
        tab: i32,
        probe: f64,
        status: u16,
        headers: JsValue,
        now: f64,
    ) -> Result<JsValue, JsError> {
        let headers: Vec<(String, String)> = from_js(headers, "headers")?;
        let outcome = ProbeOutcome::Answered { status, headers };
        self.handle(
            Event::ProbeDone {
                tab: TabId::from(tab),
                probe: millis(probe),
                outcome,
            },
            now,
        )
    }

    /// A probe got no response.
    #[wasm_bindgen(js_name = probeFailed)]
    pub fn probe_failed(
        &mut self,
        tab: i32,
        probe: f64,
        detail: &str,
        now: f64,
    ) -> Result<JsValue, JsError> {
        let outcome = ProbeOutcome::Failed {
            detail: detail.to_string(),
        };
        self.handle(
            Event::ProbeDone {
                tab: TabId::from(tab),
                probe: millis(probe),
                outcome,
            },
            now,
        )
    }

    /// A checker answered the API call with this HTTP status and body (parsed JSON, or `null`
    /// when the body was not JSON).
    #[wasm_bindgen(js_name = vantageAnswered)]
    pub fn vantage_answered(
        &mut self,
        tab: i32,
        checker: &str,
        status: u16,
        body: JsValue,
        now: f64,
    ) -> Result<JsValue, JsError> {
        let body: Option<gwdoctor_wire::check::Answer> = if body.is_object() {
            Some(from_js(body, "checker answer")?)
        } else {
            None
        };
        let outcome = vantage_outcome(status, body.as_ref());
        self.handle(
            Event::VantageDone {
                tab: TabId::from(tab),
                checker: checker.to_string(),
                outcome,
            },
            now,
        )
    }

    /// A checker could not be reached.
    #[wasm_bindgen(js_name = vantageFailed)]
    pub fn vantage_failed(
        &mut self,
        tab: i32,
        checker: &str,
        detail: &str,
        now: f64,
    ) -> Result<JsValue, JsError> {
        let outcome = RemoteOutcome::Failed {
            detail: detail.to_string(),
        };
        self.handle(
            Event::VantageDone {
                tab: TabId::from(tab),
                checker: checker.to_string(),
                outcome,
            },
            now,
        )
    }

    /// The native messaging request for an `ask-native` action.
    #[wasm_bindgen(js_name = nativeRequest)]
    pub fn native_request(&mut self, action: JsValue) -> Result<JsValue, JsError> {
        let AskNative {
            kind,
            step,
            url,
            host,
            timeout_ms,
        } = from_js(action, "action")?;
        if kind != "ask-native" {
            return Err(JsError::new("action: not an ask-native action"));
        }
        self.next_native_id += 1;
        to_js(&native_request(
            step,
            &url,
            &host,
            self.next_native_id,
            timeout_ms,
        ))
    }

    /// The native host's reply to the question `step` of an `ask-native` action: the protocol
    /// response, or `{browser_error: "…"}` when the browser could not reach the host.
    #[wasm_bindgen(js_name = nativeAnswered)]
    pub fn native_answered(
        &mut self,
        tab: i32,
        step: JsValue,
        reply: JsValue,
        now: f64,
    ) -> Result<JsValue, JsError> {
        let step: NativeStep = from_js(step, "step")?;
        let reply: gwdoctor_wire::native::Reply = from_js(reply, "reply")?;
        let outcome = native_outcome(step, &reply);
        self.handle(
            Event::NativeDone {
                tab: TabId::from(tab),
                step,
                outcome,
            },
            now,
        )
    }

    /// Time passed: starts due probes, times out overdue ones.
    pub fn tick(&mut self, now: f64) -> Result<JsValue, JsError> {
        self.handle(Event::Tick, now)
    }

    /// When to call [`Checklist::tick`] next (Unix ms), or `undefined` when nothing is pending.
    #[wasm_bindgen(js_name = nextWake)]
    pub fn next_wake(&self) -> Option<f64> {
        self.doctor.next_wake_ms().map(|ms| ms as f64)
    }

    /// What to show for a tab (badge, panel, popup), or `null` when nothing is wrong with it.
    pub fn view(&self, tab: i32, now: f64) -> Result<JsValue, JsError> {
        match self.doctor.view(TabId::from(tab), millis(now)) {
            Some(view) => to_js(&view),
            None => Ok(JsValue::NULL),
        }
    }

    /// The tabs that have a checklist.
    pub fn tabs(&self) -> Vec<i32> {
        self.doctor
            .tab_ids()
            .filter_map(|t| i32::try_from(t).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use gwdoctor_core::checklist::{Config, Doctor, Event};
    use gwdoctor_core::{classify, parse_response};

    use super::{restore_doctor, save_doctor};

    fn failing_tab(doctor: &mut Doctor, tab: i64, raw: &[u8]) {
        let mut snapshot = parse_response(raw).unwrap();
        snapshot.url = Some(format!("http://site{tab}.test/"));
        let event = Event::PageFailed {
            tab,
            url: snapshot.url.clone().unwrap(),
            verdict: Box::new(classify(&snapshot)),
            headers: Vec::new(),
        };
        assert!(!doctor.handle(event, 1_000).is_empty());
    }

    #[test]
    fn a_saved_machine_comes_back_the_same() {
        let mut doctor = Doctor::new(Config::default(), 7);
        let versioned = b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\n\r\n<hr><center>nginx/1.22.1</center>";
        let bare =
            b"HTTP/1.1 504 Gateway Timeout\r\nServer: nginx\r\n\r\n<hr><center>nginx</center>";
        failing_tab(&mut doctor, 1, versioned);
        failing_tab(&mut doctor, 2, bare);
        doctor.handle(Event::Tick, 5_000);
        let saved = save_doctor(&doctor);
        let restored = restore_doctor(&saved).unwrap();
        assert_eq!(restored, doctor);
        assert_eq!(restored.next_wake_ms(), doctor.next_wake_ms());
    }

    #[test]
    fn unreadable_bytes_are_an_error_not_a_crash() {
        let mut doctor = Doctor::new(Config::default(), 7);
        failing_tab(
            &mut doctor,
            3,
            b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\n\r\n<hr><center>nginx</center>",
        );
        let saved = save_doctor(&doctor);
        for cut in [0, 1, saved.len() / 2, saved.len() - 1] {
            let error = restore_doctor(&saved[..cut]).unwrap_err();
            assert!(error.starts_with("saved checklist: "), "{error}");
        }
        assert!(restore_doctor(b"{\"config\":{}}").is_err());
    }
}
