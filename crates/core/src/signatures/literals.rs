//! Which of a fixed set of literals occur in a text, ignoring ASCII case, in one pass.
//!
//! The body rules' literals are a few dozen short strings; a pass that looks up each position's
//! first two bytes in a bit set and compares the few literals starting with them is as fast here
//! as an Aho-Corasick automaton, and a tenth of its code in the wasm build (where every kilobyte
//! is downloaded with the extension).

/// A set of literals compiled for [`LiteralSet::found`].
#[derive(Debug)]
pub(super) struct LiteralSet {
    /// The literals, lowercase.
    literals: Vec<Box<[u8]>>,
    /// Bit `a << 8 | b` is set when a literal starts with the (lowercase) bytes `a b`; a one-byte
    /// literal `a` sets every `a _`.
    starts: Box<[u64; 1024]>,
    /// The literals by their first (lowercase) byte.
    by_first_byte: Vec<Vec<usize>>,
}

impl LiteralSet {
    /// Compiles the literals; empty ones never match.
    pub(super) fn new<S: AsRef<str>>(literals: &[S]) -> LiteralSet {
        let mut set = LiteralSet {
            literals: Vec::with_capacity(literals.len()),
            starts: Box::new([0; 1024]),
            by_first_byte: vec![Vec::new(); 256],
        };
        for (id, literal) in literals.iter().enumerate() {
            let literal = literal.as_ref().as_bytes().to_ascii_lowercase();
            match *literal.as_slice() {
                [] => {}
                [first] => (0..=u8::MAX).for_each(|second| set.mark(first, second)),
                [first, second, ..] => set.mark(first, second),
            }
            if let Some(&first) = literal.first() {
                set.by_first_byte[usize::from(first)].push(id);
            }
            set.literals.push(literal.into_boxed_slice());
        }
        set
    }

    fn mark(&mut self, first: u8, second: u8) {
        let bit = pair(first, second);
        self.starts[bit / 64] |= 1 << (bit % 64);
    }

    fn may_start(&self, first: u8, second: u8) -> bool {
        let bit = pair(first, second);
        self.starts[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// For each literal, where it first occurs in `haystack` (a byte offset), if it does.
    pub(super) fn first_at(&self, haystack: &[u8]) -> Vec<Option<usize>> {
        let mut found = vec![None; self.literals.len()];
        for (at, &byte) in haystack.iter().enumerate() {
            let first = byte.to_ascii_lowercase();
            let second = haystack.get(at + 1).map_or(0, u8::to_ascii_lowercase);
            if !self.may_start(first, second) {
                continue;
            }
            let rest = &haystack[at..];
            for &id in &self.by_first_byte[usize::from(first)] {
                let literal = &self.literals[id];
                if found[id].is_none()
                    && rest.len() >= literal.len()
                    && rest[..literal.len()].eq_ignore_ascii_case(literal)
                {
                    found[id] = Some(at);
                }
            }
        }
        found
    }
}

fn pair(first: u8, second: u8) -> usize {
    usize::from(first) << 8 | usize::from(second)
}

#[cfg(test)]
mod tests {
    use super::LiteralSet;

    #[test]
    fn finds_each_literal_ignoring_ascii_case() {
        let set = LiteralSet::new(&["<center>nginx", "Ray ID", "x", "", "nginx"]);
        assert_eq!(
            set.first_at(b"<hr><CENTER>NGINX</center>"),
            [Some(4), None, Some(16), None, Some(12)]
        );
        assert_eq!(
            set.first_at(b"ray id: 1 x ray id"),
            [None, Some(0), Some(10), None, None]
        );
        assert_eq!(set.first_at(b""), [None; 5]);
    }

    #[test]
    fn a_literal_at_the_very_end_or_cut_short_is_handled() {
        let set = LiteralSet::new(&["end", "d"]);
        assert_eq!(set.first_at(b"the end"), [Some(4), Some(6)]);
        assert_eq!(set.first_at(b"the en"), [None, None]);
    }

    #[test]
    fn overlapping_and_non_ascii_text_is_fine() {
        let set = LiteralSet::new(&["aab", "ab", "é"]);
        assert_eq!(set.first_at("aaab".as_bytes()), [Some(1), Some(2), None]);
        assert_eq!(set.first_at("café É".as_bytes()), [None, None, Some(3)]);
    }
}
