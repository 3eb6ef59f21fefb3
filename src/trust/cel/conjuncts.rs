//! Splitting `a && b && c` into its parts, so a false or failing condition can say which part
//! decided it. Only a top-level chain of `&&` with no top-level `||` or `?:` is split: then
//! every part is itself an expression and the whole is false exactly when some part is.

/// The parts of `source` joined by top-level `&&`, or `None` when it is not such a chain.
pub fn split_top_level_and(source: &str) -> Option<Vec<&str>> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match b {
            b'\'' | b'"' => quote = Some(b),
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.checked_sub(1)?,
            b'|' | b'?' if depth == 0 => return None,
            b'&' if depth == 0 && bytes.get(i + 1) == Some(&b'&') => {
                parts.push(source[start..i].trim());
                start = i + 2;
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(source[start..].trim());
    (parts.len() > 1 && parts.iter().all(|p| !p.is_empty()) && quote.is_none()).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::split_top_level_and;

    #[test]
    fn splits_only_top_level_conjunctions() {
        assert_eq!(
            split_top_level_and(
                "assertion.repository == 'acme/app' && assertion.environment == 'prod'"
            ),
            Some(vec![
                "assertion.repository == 'acme/app'",
                "assertion.environment == 'prod'"
            ])
        );
        assert_eq!(
            split_top_level_and("a && (b || c) && d.exists(x, x && y)"),
            Some(vec!["a", "(b || c)", "d.exists(x, x && y)"])
        );
        assert_eq!(
            split_top_level_and("a == 'x && y' && b"),
            Some(vec!["a == 'x && y'", "b"])
        );
        assert_eq!(split_top_level_and("a && b || c"), None);
        assert_eq!(split_top_level_and("a ? b && c : d"), None);
        assert_eq!(split_top_level_and("a == 'b'"), None);
        assert_eq!(split_top_level_and("a && 'unclosed"), None);
    }
}
