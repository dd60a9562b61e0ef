//! [`Framer`]: splits a syslog TCP/TLS byte stream into messages per
//! RFC 6587, with no I/O, so that it can be unit-tested, property-tested
//! and fuzzed.
//!
//! Each message is framed on its own, as rsyslog's imtcp does, because a
//! relay may mix both methods on one connection:
//!
//! * a frame that starts with an ASCII digit is **octet-counted**
//!   (`LEN SP MSG`, RFC 6587 3.4.1): the message is exactly `LEN` bytes;
//! * any other frame is **non-transparent** (3.4.2): the message runs to
//!   the next LF or NUL; a CR just before the LF is dropped.
//!
//! Empty non-transparent frames (blank lines, the LF some senders put after
//! an octet-counted frame) are skipped silently. A frame longer than the
//! limit is reported as [`FrameError::TooLarge`] and skipped: an
//! octet-counted one by its announced length, a line up to its LF. An
//! octet count that does not parse ([`FrameError::BadCount`]) leaves no way
//! to find the next frame: the framer stops and the caller closes the
//! connection. At end of stream, [`Framer::finish`] returns the last,
//! unterminated line.

/// Why a frame was not delivered. `at` is the byte offset in the stream
/// where the frame starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error(
        "frame of {size} bytes at byte {at} is larger than the limit of {limit} bytes; skipped"
    )]
    TooLarge { size: u64, limit: usize, at: u64 },
    #[error("invalid octet count at byte {at}: {reason}")]
    BadCount { reason: &'static str, at: u64 },
    #[error("stream ended inside an octet-counted frame at byte {at} ({got} of {expected} bytes)")]
    Truncated { expected: u64, got: usize, at: u64 },
}

impl FrameError {
    /// The `reason` label counted in `vigie_input_errors_total`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "frame_too_large",
            Self::BadCount { .. } | Self::Truncated { .. } => "bad_frame",
        }
    }

    /// True when the framer can go on after this error.
    pub fn is_recoverable(&self) -> bool {
        matches!(self, Self::TooLarge { .. })
    }
}

/// The most digits an octet count may have (`u64::MAX` has 20).
const MAX_COUNT_DIGITS: usize = 19;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a frame.
    Start,
    /// Discarding the rest of an oversized octet-counted frame.
    SkipOctets(u64),
    /// Discarding an oversized line up to its terminator.
    SkipLine,
    /// After a bad octet count: nothing more can be framed.
    Broken,
}

/// Splits a byte stream into syslog messages; see the module documentation.
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf`.
    start: usize,
    /// How far past `start` a line terminator was already searched for.
    scanned: usize,
    /// Stream offset of `buf[start]`.
    offset: u64,
    max_frame: usize,
    state: State,
}

impl Framer {
    /// A framer that rejects messages longer than `max_frame` bytes.
    pub fn new(max_frame: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            offset: 0,
            max_frame: max_frame.max(1),
            state: State::Start,
        }
    }

    /// Appends bytes read from the stream. Call [`Framer::pop`] until it
    /// returns `None` after each feed, so that the buffer stays bounded.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes fed but not yet framed.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// True once a bad octet count made the rest of the stream unreadable.
    pub fn is_broken(&self) -> bool {
        self.state == State::Broken
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.offset += n as u64;
        self.scanned = 0;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// The next complete message or framing error, or `None` when more
    /// bytes are needed.
    pub fn pop(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        loop {
            let avail = &self.buf[self.start..];
            match self.state {
                State::Broken => return None,
                State::SkipOctets(remaining) => {
                    let n = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(avail.len());
                    self.consume(n);
                    let left = remaining - n as u64;
                    if left > 0 {
                        self.state = State::SkipOctets(left);
                        return None;
                    }
                    self.state = State::Start;
                }
                State::SkipLine => match memchr::memchr2(b'\n', 0, avail) {
                    Some(i) => {
                        self.consume(i + 1);
                        self.state = State::Start;
                    }
                    None => {
                        self.consume(avail.len());
                        return None;
                    }
                },
                State::Start => {
                    let first = *avail.first()?;
                    if first.is_ascii_digit() {
                        return self.octet_counted();
                    }
                    if let Some(out) = self.line() {
                        return out;
                    }
                }
            }
        }
    }

    /// An octet-counted frame at `start`.
    fn octet_counted(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        let avail = &self.buf[self.start..];
        let at = self.offset;
        let digits = avail.iter().take_while(|b| b.is_ascii_digit()).count();
        let bad = |state: &mut State, reason| {
            *state = State::Broken;
            Some(Err(FrameError::BadCount { reason, at }))
        };
        if digits > MAX_COUNT_DIGITS {
            return bad(&mut self.state, "too many digits");
        }
        let sep = *avail.get(digits)?;
        if sep != b' ' {
            return bad(&mut self.state, "the length is not followed by a space");
        }
        let count = avail[..digits]
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        if count == 0 {
            return bad(&mut self.state, "zero length");
        }
        let header = digits + 1;
        if count > self.max_frame as u64 {
            self.consume(header);
            self.state = State::SkipOctets(count);
            return Some(Err(FrameError::TooLarge {
                size: count,
                limit: self.max_frame,
                at,
            }));
        }
        // count <= max_frame, which is a usize.
        let len = count as usize;
        let body = avail.get(header..header + len)?.to_vec();
        self.consume(header + len);
        Some(Ok(body))
    }

    /// A line at `start`; `None` when an empty line was skipped (the next
    /// frame may be octet-counted: [`Framer::pop`] looks again).
    fn line(&mut self) -> Option<Option<Result<Vec<u8>, FrameError>>> {
        let avail = &self.buf[self.start..];
        let from = self.scanned.min(avail.len());
        let Some(end) = memchr::memchr2(b'\n', 0, &avail[from..]).map(|i| from + i) else {
            if avail.len() > self.max_frame {
                let error = FrameError::TooLarge {
                    size: avail.len() as u64,
                    limit: self.max_frame,
                    at: self.offset,
                };
                self.consume(avail.len());
                self.state = State::SkipLine;
                return Some(Some(Err(error)));
            }
            self.scanned = avail.len();
            return Some(None);
        };
        let mut line = &avail[..end];
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        let at = self.offset;
        let out = if line.is_empty() {
            None
        } else if line.len() > self.max_frame {
            Some(Some(Err(FrameError::TooLarge {
                size: line.len() as u64,
                limit: self.max_frame,
                at,
            })))
        } else {
            Some(Some(Ok(line.to_vec())))
        };
        self.consume(end + 1);
        out
    }

    /// At end of stream: the last unterminated line, or an error for an
    /// unfinished octet-counted frame. Leaves the framer empty.
    pub fn finish(&mut self) -> Option<Result<Vec<u8>, FrameError>> {
        let avail = &self.buf[self.start..];
        let at = self.offset;
        let out = match self.state {
            State::Start if avail.first().is_some_and(u8::is_ascii_digit) => {
                let digits = avail.iter().take_while(|b| b.is_ascii_digit()).count();
                let expected = std::str::from_utf8(&avail[..digits])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                Some(Err(FrameError::Truncated {
                    expected,
                    got: avail.len().saturating_sub(digits + 1),
                    at,
                }))
            }
            State::Start => {
                let line = avail.strip_suffix(b"\r").unwrap_or(avail);
                (!line.is_empty()).then(|| Ok(line.to_vec()))
            }
            State::SkipOctets(_) | State::SkipLine | State::Broken => None,
        };
        let n = avail.len();
        self.consume(n);
        self.state = State::Start;
        out
    }
}

#[cfg(test)]
#[path = "framing_tests.rs"]
mod tests;
