//! Native messaging host mode: the browser starts `gwdoctor` with the caller on the command line
//! and talks to it in frames on stdin/stdout (`native-host/PROTOCOL.md`). Nothing but frames is
//! ever written to stdout in this mode.

pub mod allow;
pub mod dispatch;
pub mod frame;
pub mod manifest;

use std::{future::Future, pin::Pin, sync::Arc};

use serde_json::Value;
use tokio::{
    io::{AsyncRead, AsyncWrite},
    sync::mpsc,
    task::JoinSet,
};

use gwdoctor_wire::native::{self as protocol, ErrorCode, HostError};

use self::{
    allow::Caller,
    dispatch::Command,
    frame::{read_frame, write_frame, FrameError, MAX_RESPONSE_BYTES},
};

/// Requests answered concurrently at most; more get `busy`.
pub const MAX_IN_FLIGHT: usize = 8;

/// Encoded replies waiting for the browser to read stdout, at most. When the queue is full the
/// host stops reading requests until the browser reads again, so at most this many replies plus
/// [`MAX_IN_FLIGHT`] results (each at most [`MAX_RESPONSE_BYTES`]) are ever held.
pub const MAX_QUEUED_REPLIES: usize = 8;

/// Runs a checked command to its JSON result.
pub type Runner = Arc<
    dyn Fn(Command) -> Pin<Box<dyn Future<Output = Result<Value, HostError>> + Send>> + Send + Sync,
>;

/// How the host loop ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The browser closed the pipe between frames.
    Closed,
    /// A bad frame (or a caller not allowed) ended the conversation.
    Refused(String),
}

/// The host as the browser runs it: checks the caller, then serves stdin/stdout until the pipe
/// closes. Returns the process exit status (0 on a clean close).
pub fn run_native(caller: Caller) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("gwdoctor: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let allowed = caller.is_allowed();
    let shown = caller.display();
    let runner: Runner = Arc::new(move |command: Command| {
        let shown = shown.clone();
        Box::pin(async move { command.run(&shown).await })
    });
    let end = runtime.block_on(serve(
        tokio::io::stdin(),
        tokio::io::stdout(),
        allowed.then_some(()).ok_or(caller),
        runner,
    ));
    match end {
        End::Closed => 0,
        End::Refused(why) => {
            eprintln!("gwdoctor: {why}");
            1
        }
    }
}

/// Serves requests from `input`, answers on `output`. `caller` is `Err(caller)` for a caller that
/// is not allowed: its first request gets `origin-not-allowed` and the loop ends.
pub async fn serve<R, W>(mut input: R, output: W, caller: Result<(), Caller>, runner: Runner) -> End
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (replies, mut queue) = mpsc::channel::<Vec<u8>>(MAX_QUEUED_REPLIES);
    let writer = tokio::spawn(async move {
        let mut output = output;
        while let Some(reply) = queue.recv().await {
            if write_frame(&mut output, &reply).await.is_err() {
                break;
            }
        }
    });
    let mut tasks = JoinSet::new();
    let end = loop {
        let payload = match read_frame(&mut input).await {
            Ok(Some(payload)) => payload,
            Ok(None) => break End::Closed,
            Err(e) => {
                let code = match e {
                    FrameError::TooLarge(_) => ErrorCode::FrameTooLarge,
                    FrameError::Truncated { .. } | FrameError::Io(_) => ErrorCode::TruncatedFrame,
                };
                let _ = replies
                    .send(encode(protocol::error(
                        &Value::Null,
                        &HostError::new(code, e.to_string()),
                    )))
                    .await;
                break End::Refused(e.to_string());
            }
        };
        let request = match protocol::parse_request(&payload) {
            Ok(request) => request,
            Err((id, error)) => {
                let _ = replies.send(encode(protocol::error(&id, &error))).await;
                continue;
            }
        };
        if let Err(stranger) = &caller {
            let why = format!(
                "{} is not allowed to use this host (see PROTOCOL.md, \"Adding an extension id\")",
                stranger.display()
            );
            let _ = replies
                .send(encode(protocol::error(
                    &request.id,
                    &HostError::new(ErrorCode::OriginNotAllowed, why.clone()),
                )))
                .await;
            break End::Refused(why);
        }
        while tasks.try_join_next().is_some() {}
        if tasks.len() >= MAX_IN_FLIGHT {
            let busy = HostError::new(
                ErrorCode::Busy,
                format!("{MAX_IN_FLIGHT} requests are already in flight"),
            );
            let _ = replies
                .send(encode(protocol::error(&request.id, &busy)))
                .await;
            continue;
        }
        match Command::parse(&request.cmd, request.args) {
            Err(error) => {
                let _ = replies
                    .send(encode(protocol::error(&request.id, &error)))
                    .await;
            }
            Ok(command) => {
                let replies = replies.clone();
                let future = runner(command);
                tasks.spawn(async move {
                    let reply = match future.await {
                        Ok(result) => protocol::ok(&request.id, result),
                        Err(error) => protocol::error(&request.id, &error),
                    };
                    let _ = replies.send(encode(reply)).await;
                });
            }
        }
    };
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = done {
            let _ = replies
                .send(encode(protocol::error(
                    &Value::Null,
                    &HostError::new(ErrorCode::Internal, e.to_string()),
                )))
                .await;
        }
    }
    drop(replies);
    let _ = writer.await;
    end
}

/// The reply as bytes, replaced by `response-too-large` above the browser's limit.
fn encode(reply: Value) -> Vec<u8> {
    let bytes = serde_json::to_vec(&reply).unwrap_or_default();
    if bytes.len() <= MAX_RESPONSE_BYTES {
        return bytes;
    }
    let error = HostError::new(
        ErrorCode::ResponseTooLarge,
        format!(
            "the result has {} bytes, above the limit of {MAX_RESPONSE_BYTES}",
            bytes.len()
        ),
    );
    serde_json::to_vec(&protocol::error(&reply["id"], &error)).unwrap_or_default()
}
