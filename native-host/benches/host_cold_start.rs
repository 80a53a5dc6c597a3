//! Host cold start to first reply, as the browser sees it: spawn `gwdoctor` with a Chrome
//! origin, send one `ping` frame, read the reply; repeated, then median and percentiles printed.
//! `cargo bench -p gwdoctor --bench host_cold_start` (figures only, no assertion).

use std::{
    io::{Read, Write},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const RUNS: usize = 200;

fn one_run(exe: &str, origin: &str) -> Result<Duration, String> {
    let request = br#"{"v":1,"id":1,"cmd":"ping"}"#;
    let began = Instant::now();
    let mut child = Command::new(exe)
        .arg(origin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {exe}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    stdin
        .write_all(&(request.len() as u32).to_ne_bytes())
        .map_err(|e| e.to_string())?;
    stdin.write_all(request).map_err(|e| e.to_string())?;
    stdin.flush().map_err(|e| e.to_string())?;
    let mut header = [0u8; 4];
    stdout
        .read_exact(&mut header)
        .map_err(|e| format!("no reply: {e}"))?;
    let mut reply = vec![0u8; u32::from_ne_bytes(header) as usize];
    stdout
        .read_exact(&mut reply)
        .map_err(|e| format!("short reply: {e}"))?;
    let elapsed = began.elapsed();
    drop(stdin);
    child.wait().map_err(|e| e.to_string())?;
    if !String::from_utf8_lossy(&reply).contains("\"ok\":true") {
        return Err(format!(
            "unexpected reply: {}",
            String::from_utf8_lossy(&reply)
        ));
    }
    Ok(elapsed)
}

fn main() {
    let exe = env!("CARGO_BIN_EXE_gwdoctor");
    let origin = format!(
        "chrome-extension://{}/",
        gwdoctor_wire::native::DEFAULT_EXTENSION_IDS[0]
    );
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        match one_run(exe, &origin) {
            Ok(t) => times.push(t.as_secs_f64() * 1000.0),
            Err(e) => {
                eprintln!("host_cold_start: {e}");
                std::process::exit(1);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "host cold start to first reply ({RUNS} runs, {exe}): median {:.2} ms, p90 {:.2} ms, min {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.9),
        times[0],
        times[times.len() - 1]
    );
}
