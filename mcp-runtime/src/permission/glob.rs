//! Globs on capability names, as written in a [`Policy`](super::Policy).
//!
//! | syntax | matches |
//! |---|---|
//! | `*` (also `**`) | any run of characters, empty included (`/` and `.` too) |
//! | `?` | any one character |
//! | `[abc]`, `[a-z]` | one character in the class; a leading `]` or a leading or trailing `-` is literal |
//! | `[!a-z]`, `[^a-z]` | one character not in the class |
//! | `{a,b}` | any of the comma-separated globs (which may nest) |
//! | `\c` | the character `c` itself, such as `\*` |
//!
//! Anything else matches itself, case-sensitively, and a glob matches a whole name. Inside a
//! class, characters other than `]` and `-` are literal (`[*]` matches a star).
//!
//! Matching runs in time proportional to the glob's length times the name's, whatever the
//! glob.

use std::fmt;

/// How deeply `{}` groups may nest.
const MAX_DEPTH: usize = 32;

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`
    AnyChar,
    /// `*`
    AnyRun,
    /// `[...]`
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// `{a,b}`
    Alternatives(Vec<Vec<Token>>),
}

/// Why a glob does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GlobError {
    UnclosedClass,
    InvalidRange(char, char),
    UnopenedAlternatives,
    UnclosedAlternatives,
    TooDeep,
    DanglingEscape,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobError::UnclosedClass => f.write_str("unclosed character class; missing ']'"),
            GlobError::InvalidRange(start, end) => {
                write!(f, "invalid range; '{start}' > '{end}'")
            }
            GlobError::UnopenedAlternatives => {
                f.write_str("unopened alternate group; missing '{' (maybe escape '}' with '\\}'?)")
            }
            GlobError::UnclosedAlternatives => {
                f.write_str("unclosed alternate group; missing '}' (maybe escape '{' with '\\{'?)")
            }
            GlobError::TooDeep => write!(f, "alternate groups nested more than {MAX_DEPTH} deep"),
            GlobError::DanglingEscape => f.write_str("dangling '\\'"),
        }
    }
}

/// What ended a run of tokens.
enum End {
    Text,
    Comma,
    Close,
}

impl Glob {
    pub(crate) fn new(pattern: &str) -> Result<Glob, GlobError> {
        let mut chars = pattern.chars();
        let (tokens, end) = parse(&mut chars, 0)?;
        debug_assert!(matches!(end, End::Text));
        Ok(Glob { tokens })
    }

    pub(crate) fn is_match(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        let mut start = vec![false; name.len() + 1];
        start[0] = true;
        advance(&self.tokens, &name, start)[name.len()]
    }
}

/// Reads tokens up to the end of the text, or (inside a group, `depth > 0`) up to the `,` or
/// `}` that ends this alternative.
fn parse(chars: &mut std::str::Chars<'_>, depth: usize) -> Result<(Vec<Token>, End), GlobError> {
    let mut tokens = Vec::new();
    while let Some(c) = chars.next() {
        let token = match c {
            '?' => Token::AnyChar,
            '*' => {
                if tokens.last() == Some(&Token::AnyRun) {
                    continue;
                }
                Token::AnyRun
            }
            '[' => parse_class(chars)?,
            '{' => {
                if depth == MAX_DEPTH {
                    return Err(GlobError::TooDeep);
                }
                let mut alternatives = Vec::new();
                loop {
                    let (alternative, end) = parse(chars, depth + 1)?;
                    alternatives.push(alternative);
                    match end {
                        End::Comma => {}
                        End::Close => break,
                        End::Text => return Err(GlobError::UnclosedAlternatives),
                    }
                }
                Token::Alternatives(alternatives)
            }
            '}' if depth == 0 => return Err(GlobError::UnopenedAlternatives),
            '}' => return Ok((tokens, End::Close)),
            ',' if depth > 0 => return Ok((tokens, End::Comma)),
            '\\' => Token::Literal(chars.next().ok_or(GlobError::DanglingEscape)?),
            c => Token::Literal(c),
        };
        tokens.push(token);
    }
    if depth > 0 {
        return Err(GlobError::UnclosedAlternatives);
    }
    Ok((tokens, End::Text))
}

/// Reads a class after its `[`.
fn parse_class(chars: &mut std::str::Chars<'_>) -> Result<Token, GlobError> {
    let mut ranges: Vec<(char, char)> = Vec::new();
    let mut rest = chars.clone();
    let negated = matches!(rest.next(), Some('!' | '^'));
    if negated {
        chars.next();
    }
    let mut first = true;
    // A `-` after a character: the next character ends a range.
    let mut in_range = false;
    loop {
        let c = chars.next().ok_or(GlobError::UnclosedClass)?;
        match c {
            ']' if !first => break,
            '-' if !first && !in_range => in_range = true,
            c if in_range => {
                let last = ranges.last_mut().expect("a range follows a character");
                if c < last.0 {
                    return Err(GlobError::InvalidRange(last.0, c));
                }
                last.1 = c;
                in_range = false;
            }
            c => ranges.push((c, c)),
        }
        first = false;
    }
    if in_range {
        ranges.push(('-', '-'));
    }
    Ok(Token::Class { negated, ranges })
}

/// The positions in `name` reachable after matching `tokens` from any position set in `from`
/// (`from[i]`: the first `i` characters are matched).
fn advance(tokens: &[Token], name: &[char], mut from: Vec<bool>) -> Vec<bool> {
    for token in tokens {
        let mut to = vec![false; from.len()];
        match token {
            Token::AnyRun => {
                if let Some(first) = from.iter().position(|&reached| reached) {
                    to[first..].fill(true);
                }
            }
            Token::Alternatives(alternatives) => {
                for alternative in alternatives {
                    let reached = advance(alternative, name, from.clone());
                    for (to, reached) in to.iter_mut().zip(reached) {
                        *to |= reached;
                    }
                }
            }
            one => {
                for (i, &c) in name.iter().enumerate() {
                    if from[i] && matches_one(one, c) {
                        to[i + 1] = true;
                    }
                }
            }
        }
        from = to;
    }
    from
}

fn matches_one(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(literal) => *literal == c,
        Token::AnyChar => true,
        Token::Class { negated, ranges } => {
            ranges
                .iter()
                .any(|&(start, end)| (start..=end).contains(&c))
                != *negated
        }
        Token::AnyRun | Token::Alternatives(_) => unreachable!("handled by `advance`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, name: &str) -> bool {
        Glob::new(pattern)
            .unwrap_or_else(|e| panic!("`{pattern}`: {e}"))
            .is_match(name)
    }

    #[track_caller]
    fn check(pattern: &str, yes: &[&str], no: &[&str]) {
        for name in yes {
            assert!(matches(pattern, name), "`{pattern}` should match `{name}`");
        }
        for name in no {
            assert!(
                !matches(pattern, name),
                "`{pattern}` should not match `{name}`"
            );
        }
    }

    #[test]
    fn literals_match_the_whole_name_exactly() {
        check(
            "query",
            &["query"],
            &["quer", "query_all", "a_query", "Query", ""],
        );
        check("", &[""], &["a"]);
        check("a.b", &["a.b"], &["axb"]);
        check("a,b", &["a,b"], &["a", "b"]);
        check("é/ü", &["é/ü"], &["e/u"]);
    }

    #[test]
    fn a_star_matches_any_run_including_an_empty_one() {
        check(
            "query_*",
            &["query_", "query_all", "query_a/b.c"],
            &["query", "a_query_x"],
        );
        check("*", &["", "x", "anything/at.all"], &[]);
        check(
            "*_account",
            &["close_account", "_account"],
            &["close_accounts"],
        );
        check(
            "a*b*c",
            &["abc", "aXbYc", "abbbc", "acbc"],
            &["ab", "acb", "abcd"],
        );
        check("a**b", &["ab", "a/x/b"], &["a"]);
        check(
            "*a*a*a*a*a*b",
            &["aaaaab", "xaxaxaxaxaxb"],
            &["aaaaaaaaaaaaaaaaaaaaaaaa"],
        );
    }

    #[test]
    fn a_question_mark_matches_exactly_one_character() {
        check("a?c", &["abc", "a?c", "aéc"], &["ac", "abbc"]);
        check("??", &["ab", "éé"], &["a", "abc"]);
        check("?*", &["a", "abc"], &[""]);
    }

    #[test]
    fn classes_match_one_character_in_or_out_of_the_set() {
        check("[abc]", &["a", "b", "c"], &["d", "", "ab"]);
        check("x[a-c]y", &["xay", "xby", "xcy"], &["xdy", "xy", "x-y"]);
        check("[!a-c]", &["d", "-"], &["a", "b", "c", ""]);
        check("[^a-c]", &["d"], &["b"]);
        check("[a-cx-z]", &["b", "y"], &["d", "w"]);
        check("[]]", &["]"], &["["]);
        check("[!]]", &["a"], &["]"]);
        check("[-a]", &["-", "a"], &["b"]);
        check("[a-]", &["-", "a"], &["b"]);
        check("[*?{]", &["*", "?", "{"], &["a"]);
        check("[\\]", &["\\"], &["a"]);
        check("[!!]", &["a"], &["!"]);
    }

    #[test]
    fn alternatives_match_any_of_their_globs() {
        check(
            "{query,list}_*",
            &["query_a", "list_b"],
            &["drop_a", "querylist_a"],
        );
        check("a{b,}c", &["abc", "ac"], &["abbc"]);
        check("{a,{b,c}d}", &["a", "bd", "cd"], &["b", "ad"]);
        check("{*_all,?}", &["get_all", "x"], &["xy"]);
        check("{}", &[""], &["a"]);
    }

    #[test]
    fn escapes_make_special_characters_literal() {
        check("\\*", &["*"], &["a", ""]);
        check("a\\?", &["a?"], &["ab"]);
        check("\\[a]", &["[a]"], &["a"]);
        check("\\{a,b\\}", &["{a,b}"], &["a"]);
        check("\\\\", &["\\"], &[""]);
    }

    #[test]
    fn malformed_globs_are_refused_with_the_reason() {
        let error = |pattern: &str| Glob::new(pattern).unwrap_err();
        assert_eq!(error("["), GlobError::UnclosedClass);
        assert_eq!(error("a["), GlobError::UnclosedClass);
        assert_eq!(error("[]"), GlobError::UnclosedClass);
        assert_eq!(error("[!]"), GlobError::UnclosedClass);
        assert_eq!(error("[z-a]"), GlobError::InvalidRange('z', 'a'));
        assert_eq!(error("[z--]"), GlobError::InvalidRange('z', '-'));
        assert_eq!(error("{"), GlobError::UnclosedAlternatives);
        assert_eq!(error("{a,"), GlobError::UnclosedAlternatives);
        assert_eq!(error("{a,{b,c}"), GlobError::UnclosedAlternatives);
        assert_eq!(error("a}"), GlobError::UnopenedAlternatives);
        assert_eq!(error("{a,b}}"), GlobError::UnopenedAlternatives);
        assert_eq!(error("a\\"), GlobError::DanglingEscape);
        let deep = "{".repeat(MAX_DEPTH + 1) + &"}".repeat(MAX_DEPTH + 1);
        assert_eq!(error(&deep), GlobError::TooDeep);
        let deepest = "{".repeat(MAX_DEPTH) + "a" + &"}".repeat(MAX_DEPTH);
        check(&deepest, &["a"], &["b"]);
        assert_eq!(error("[z-a]").to_string(), "invalid range; 'z' > 'a'",);
    }

    /// The matcher against a plain backtracking reference on every short name over a small
    /// alphabet.
    #[test]
    fn agrees_with_a_backtracking_reference() {
        fn reference(pattern: &[char], name: &[char]) -> bool {
            match pattern.split_first() {
                None => name.is_empty(),
                Some(('*', rest)) => (0..=name.len()).any(|i| reference(rest, &name[i..])),
                Some(('?', rest)) => !name.is_empty() && reference(rest, &name[1..]),
                Some((c, rest)) => name.first() == Some(c) && reference(rest, &name[1..]),
            }
        }
        let alphabet = ['a', 'b', '*', '?'];
        let words = |max: usize, alphabet: &[char]| {
            let mut all = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                    .collect();
                all.extend(last.iter().cloned());
            }
            all
        };
        let names = words(5, &['a', 'b']);
        for pattern in words(4, &alphabet) {
            let glob = Glob::new(&pattern).unwrap();
            let p: Vec<char> = pattern.chars().collect();
            for name in &names {
                let n: Vec<char> = name.chars().collect();
                assert_eq!(
                    glob.is_match(name),
                    reference(&p, &n),
                    "`{pattern}` on `{name}`"
                );
            }
        }
    }
}
