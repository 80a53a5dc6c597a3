//! The native messaging host's input side on arbitrary bytes: frame decoding, the request
//! schema and argument checks must never panic or hang. Commands that would touch the network
//! or the system are checked but not run.
#![no_main]

use std::sync::Arc;

use gwdoctor_host::host::{dispatch::Command, serve, Runner};
use gwdoctor_wire::native as protocol;
use libfuzzer_sys::fuzz_target;

thread_local! {
    static RUNTIME: tokio::runtime::Runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
}

fuzz_target!(|data: &[u8]| {
    let _ = protocol::parse_request(data);
    let runner: Runner = Arc::new(|command: Command| {
        Box::pin(async move {
            match command {
                Command::Ping | Command::Classify(_) => command.run("fuzz").await,
                _ => Ok(serde_json::Value::Null),
            }
        })
    });
    RUNTIME.with(|runtime| {
        runtime.block_on(serve(data, tokio::io::sink(), Ok(()), runner));
    });
});
