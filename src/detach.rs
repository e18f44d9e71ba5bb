//! The detach key: a key sequence that, typed in a shell or command the
//! console handed the terminal to, returns to the console (`[exec]
//! detach_keys`, `warroom exec --detach-keys`).
//!
//! The format is Docker's (`docker exec --detach-keys`): comma-separated
//! keys, each a single character or `ctrl-X` with X one of `a`–`z`, `@`,
//! `[`, `\`, `]`, `^`, `_`. Default `ctrl-p,ctrl-q`, Docker's own.
//! [`Detector`] finds the sequence in what is typed, keeps it from the
//! command, and the session's connection is closed, as the docker CLI's
//! escape proxy does: a Docker exec with a TTY goes on running (the engine's
//! own detaching would end it), a Kubernetes exec cannot outlive its
//! connection (the remote shell gets a hangup).

use std::fmt;
use std::str::FromStr;

/// A parsed detach sequence (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetachKeys {
    bytes: Vec<u8>,
    /// As written, normalised: `ctrl-p,ctrl-q`.
    text: String,
}

impl DetachKeys {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl Default for DetachKeys {
    fn default() -> Self {
        "ctrl-p,ctrl-q".parse().expect("the default parses")
    }
}

impl fmt::Display for DetachKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for DetachKeys {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut bytes = Vec::new();
        let mut text = Vec::new();
        for key in s.split(',').map(str::trim) {
            let lower = key.to_ascii_lowercase();
            let byte = match lower.strip_prefix("ctrl-") {
                Some(c) if c.len() == 1 => ctrl(c.as_bytes()[0]).ok_or_else(|| {
                    format!("{key:?}: after ctrl- comes a-z, @, [, \\, ], ^ or _")
                })?,
                Some(_) => {
                    return Err(format!(
                        "{key:?}: after ctrl- comes one character (a-z, @, [, \\, ], ^ or _)"
                    ));
                }
                None if key.len() == 1 && key.as_bytes()[0].is_ascii_graphic() => key.as_bytes()[0],
                None if key.is_empty() => {
                    return Err("no key given (e.g. ctrl-p,ctrl-q)".into());
                }
                None => {
                    return Err(format!(
                        "{key:?}: a key is one character or ctrl-X (e.g. ctrl-p,ctrl-q)"
                    ));
                }
            };
            bytes.push(byte);
            text.push(if lower.starts_with("ctrl-") {
                lower
            } else {
                key.to_string()
            });
        }
        Ok(Self {
            bytes,
            text: text.join(","),
        })
    }
}

impl<'de> serde::Deserialize<'de> for DetachKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// `ctrl-X`'s byte, as a terminal sends it.
fn ctrl(c: u8) -> Option<u8> {
    match c {
        b'a'..=b'z' => Some(c - b'a' + 1),
        b'@' => Some(0),
        b'[' => Some(27),
        b'\\' => Some(28),
        b']' => Some(29),
        b'^' => Some(30),
        b'_' => Some(31),
        _ => None,
    }
}

/// Finds the detach sequence in typed input, chunk by chunk, as Docker's
/// escape proxy does: a partial match is held back and, when the next key
/// does not continue it, passed on with it, so the sequence's first key can
/// still be typed on its own (ctrl-p, then anything but ctrl-q).
#[derive(Debug, Clone)]
pub struct Detector {
    keys: Vec<u8>,
    matched: usize,
}

impl Detector {
    pub fn new(keys: &DetachKeys) -> Self {
        Self {
            keys: keys.bytes.clone(),
            matched: 0,
        }
    }

    /// What to pass on of `chunk`, and whether the sequence is complete
    /// (then nothing after it is passed on).
    pub fn feed(&mut self, chunk: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(chunk.len());
        for &b in chunk {
            if b == self.keys[self.matched] {
                self.matched += 1;
                if self.matched == self.keys.len() {
                    self.matched = 0;
                    return (out, true);
                }
                continue;
            }
            out.extend_from_slice(&self.keys[..self.matched]);
            self.matched = usize::from(b == self.keys[0]);
            if self.matched == 0 {
                out.push(b);
            }
        }
        (out, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_format_parses_and_bad_keys_say_what_is_allowed() {
        let k: DetachKeys = "ctrl-p,ctrl-q".parse().unwrap();
        assert_eq!(k.bytes(), [0x10, 0x11]);
        assert_eq!(k, DetachKeys::default());
        let k: DetachKeys = " CTRL-\\ , x ".parse().unwrap();
        assert_eq!(k.bytes(), [28, b'x']);
        assert_eq!(k.to_string(), "ctrl-\\,x");
        assert_eq!(
            "ctrl-@,ctrl-_".parse::<DetachKeys>().unwrap().bytes(),
            [0, 31]
        );
        for bad in ["", "ctrl-", "ctrl-1", "ctrl-pq", "esc", "a,,b"] {
            let e = bad.parse::<DetachKeys>().unwrap_err();
            assert!(e.contains("ctrl-"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn the_sequence_is_found_across_chunks_and_a_lone_first_key_passes() {
        let mut d = Detector::new(&DetachKeys::default());
        assert_eq!(d.feed(b"ls\r"), (b"ls\r".to_vec(), false));
        // ctrl-p (shell history) then a normal key: both pass on.
        assert_eq!(d.feed(&[0x10]), (vec![], false));
        assert_eq!(d.feed(b"a"), (vec![0x10, b'a'], false));
        // ctrl-p ctrl-p ctrl-q: the first ctrl-p passes, the pair detaches.
        assert_eq!(d.feed(&[0x10, 0x10]), (vec![0x10], false));
        assert_eq!(d.feed(&[0x11, b'z']), (vec![], true));
        // In one chunk, with text before it.
        let mut d = Detector::new(&DetachKeys::default());
        assert_eq!(d.feed(&[b'e', 0x10, 0x11, b'x']), (vec![b'e'], true));
    }
}
