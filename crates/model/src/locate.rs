//! Where a JSON path is in the text the user typed, so the editor can put each problem on
//! its line. serde_json keeps no positions, so this is a small scanner that walks only the
//! path's route and skips everything else; it never fails, it just finds nothing.

use crate::problem::{JsonPath, PathSegment};

/// A place in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextPosition {
    /// Byte offset of the member's key (or of the element) in the text.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// The position of the member or element at `path`: for an object member, its key; for an
/// array element, the element. If the path leads somewhere absent (a missing member), the
/// deepest existing ancestor's position. `None` only for malformed text or the root.
pub fn locate(text: &str, path: &JsonPath) -> Option<TextPosition> {
    locate_offset(text, path).map(|offset| position(text, offset))
}

fn locate_offset(text: &str, path: &JsonPath) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut scanner = Scanner { bytes, at: 0 };
    let mut found = None;
    for segment in &path.0 {
        scanner.skip_ws();
        match (segment, bytes.get(scanner.at)) {
            (PathSegment::Key(key), Some(b'{')) => {
                scanner.at += 1;
                let mut hit = false;
                loop {
                    scanner.skip_ws();
                    if bytes.get(scanner.at) != Some(&b'"') {
                        break;
                    }
                    let key_at = scanner.at;
                    let name = scanner.string()?;
                    scanner.skip_ws();
                    if bytes.get(scanner.at) != Some(&b':') {
                        return found;
                    }
                    scanner.at += 1;
                    if name == *key {
                        found = Some(key_at);
                        hit = true;
                        break;
                    }
                    scanner.skip_value()?;
                    scanner.skip_ws();
                    if bytes.get(scanner.at) == Some(&b',') {
                        scanner.at += 1;
                    }
                }
                if !hit {
                    break;
                }
            }
            (PathSegment::Index(index), Some(b'[')) => {
                scanner.at += 1;
                for _ in 0..*index {
                    scanner.skip_ws();
                    if bytes.get(scanner.at) == Some(&b']') {
                        return found;
                    }
                    scanner.skip_value()?;
                    scanner.skip_ws();
                    if bytes.get(scanner.at) == Some(&b',') {
                        scanner.at += 1;
                    }
                }
                scanner.skip_ws();
                if bytes.get(scanner.at).is_none_or(|b| *b == b']') {
                    break;
                }
                found = Some(scanner.at);
            }
            _ => break,
        }
    }
    found
}

fn position(text: &str, offset: usize) -> TextPosition {
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    TextPosition {
        offset,
        line,
        column,
    }
}

struct Scanner<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.at += 1;
        }
    }

    /// Reads a string starting at `"`, returning its raw content (escapes kept as written,
    /// which is enough to compare with ECS's plain member names).
    fn string(&mut self) -> Option<String> {
        let start = self.at + 1;
        let mut i = start;
        loop {
            match self.bytes.get(i)? {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        self.at = i + 1;
        std::str::from_utf8(&self.bytes[start..i])
            .ok()
            .map(str::to_owned)
    }

    /// Skips one value of any kind, nested ones included.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        match self.bytes.get(self.at)? {
            b'"' => {
                self.string()?;
            }
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.bytes.get(self.at)? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| !b",}] \t\r\n".contains(b))
                {
                    self.at += 1;
                }
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn at(text: &str, path: JsonPath) -> Option<(usize, usize)> {
        locate(text, &path).map(|p| (p.line, p.column))
    }

    /// Keys, array elements, escaped strings and nested values are found on their lines.
    #[test]
    fn finds_members_and_elements() {
        let text = "{\n  \"family\": \"a\\\"b\",\n  \"containerDefinitions\": [\n    {\"name\": \"x\", \"cmd\": [\"]\", {\"}\": 1}]},\n    {\"name\": \"y\",\n     \"memroy\": 5}\n  ]\n}";
        let root = JsonPath::root();
        assert_eq!(at(text, root.key("family")), Some((2, 3)));
        let containers = root.key("containerDefinitions");
        assert_eq!(at(text, containers.index(0)), Some((4, 5)));
        assert_eq!(at(text, containers.index(1).key("memroy")), Some((6, 6)));
        // A missing member points at its nearest existing ancestor.
        assert_eq!(at(text, containers.index(1).key("image")), Some((5, 5)));
        assert_eq!(at(text, containers.index(7)), Some((3, 3)));
        assert_eq!(at(text, root.key("nothing")), None);
        assert_eq!(
            at("[{\"a\": 1}, {\"b\": 2}]", root.index(1).key("b")),
            Some((1, 13))
        );
        assert_eq!(at("{\"a\": ", root.key("a").key("b")), Some((1, 2)));
    }
}
