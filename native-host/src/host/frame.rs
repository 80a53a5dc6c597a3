//! Native messaging framing: a 4-byte native-endian length, then that many bytes of UTF-8 JSON.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest request accepted (browser → host).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// Largest message Chrome accepts from a host (host → browser).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Why no frame could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The input ended inside a frame.
    #[error("the input ended inside a frame: {got} of {expected} bytes")]
    Truncated {
        /// Bytes announced (4 for the length itself).
        expected: usize,
        /// Bytes received.
        got: usize,
    },
    /// The announced length is above [`MAX_REQUEST_BYTES`].
    #[error("a frame of {0} bytes is above the limit of {MAX_REQUEST_BYTES} bytes")]
    TooLarge(u64),
    /// Reading failed.
    #[error("cannot read standard input: {0}")]
    Io(String),
}

/// The payload length announced by a frame header, if acceptable.
pub fn declared_length(header: [u8; 4]) -> Result<usize, FrameError> {
    let length = u32::from_ne_bytes(header);
    usize::try_from(length)
        .ok()
        .filter(|l| *l <= MAX_REQUEST_BYTES)
        .ok_or(FrameError::TooLarge(u64::from(length)))
}

/// Reads one frame. `Ok(None)` when the input ends cleanly between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
) -> Result<Option<Vec<u8>>, FrameError> {
    let mut header = [0u8; 4];
    let got = fill(reader, &mut header).await?;
    if got == 0 {
        return Ok(None);
    }
    if got < header.len() {
        return Err(FrameError::Truncated { expected: 4, got });
    }
    let length = declared_length(header)?;
    let mut payload = vec![0u8; length];
    let got = fill(reader, &mut payload).await?;
    if got < length {
        return Err(FrameError::Truncated {
            expected: length,
            got,
        });
    }
    Ok(Some(payload))
}

/// Reads until `buffer` is full or the input ends; returns the bytes read.
async fn fill<R: AsyncRead + Unpin>(
    reader: &mut R,
    buffer: &mut [u8],
) -> Result<usize, FrameError> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]).await {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e.to_string())),
        }
    }
    Ok(filled)
}

/// Writes one frame and flushes it. The caller keeps `payload` within [`MAX_RESPONSE_BYTES`].
pub async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    payload: &[u8],
) -> std::io::Result<()> {
    let length = u32::try_from(payload.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "frame too large"))?;
    writer.write_all(&length.to_ne_bytes()).await?;
    writer.write_all(payload).await?;
    writer.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut bytes = (payload.len() as u32).to_ne_bytes().to_vec();
        bytes.extend_from_slice(payload);
        bytes
    }

    #[tokio::test]
    async fn reads_frames_until_a_clean_end() {
        let mut input = frame(b"{}");
        input.extend(frame(b"[1]"));
        let mut reader = input.as_slice();
        assert_eq!(read_frame(&mut reader).await.unwrap().unwrap(), b"{}");
        assert_eq!(read_frame(&mut reader).await.unwrap().unwrap(), b"[1]");
        assert_eq!(read_frame(&mut reader).await.unwrap(), None);
    }

    #[tokio::test]
    async fn refuses_cut_and_oversized_frames() {
        let mut reader: &[u8] = &[5, 0];
        assert_eq!(
            read_frame(&mut reader).await,
            Err(FrameError::Truncated {
                expected: 4,
                got: 2
            })
        );
        let mut cut = frame(b"{\"v\":1}");
        cut.truncate(6);
        assert_eq!(
            read_frame(&mut cut.as_slice()).await,
            Err(FrameError::Truncated {
                expected: 7,
                got: 2
            })
        );
        let huge = u32::MAX.to_ne_bytes();
        assert_eq!(
            read_frame(&mut huge.as_slice()).await,
            Err(FrameError::TooLarge(u64::from(u32::MAX)))
        );
        let limit = (MAX_REQUEST_BYTES as u32 + 1).to_ne_bytes();
        assert!(matches!(
            read_frame(&mut limit.as_slice()).await,
            Err(FrameError::TooLarge(_))
        ));
    }

    #[tokio::test]
    async fn writes_length_then_payload() {
        let mut out = Vec::new();
        write_frame(&mut out, b"{\"ok\":true}").await.unwrap();
        assert_eq!(out, frame(b"{\"ok\":true}"));
    }
}
