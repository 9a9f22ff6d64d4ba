//! Java `.properties` text, as Kafka's tools write it: `key=value` or `key: value`,
//! `#`/`!` comments, a trailing backslash continuing the line.

use std::collections::BTreeMap;

/// The settings, or the number of the first line that is not one.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, usize> {
    let mut settings = BTreeMap::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let (start, mut logical) = match pending.take() {
            Some((start, so_far)) => (start, so_far + trimmed),
            None if trimmed.is_empty() || trimmed.starts_with(['#', '!']) => continue,
            None => (index + 1, trimmed.to_string()),
        };
        if logical.ends_with('\\') && !logical.ends_with("\\\\") {
            logical.pop();
            pending = Some((start, logical));
            continue;
        }
        let split = logical.find(['=', ':']).ok_or(start)?;
        let key = logical[..split].trim();
        if key.is_empty() {
            return Err(start);
        }
        settings.insert(key.to_string(), logical[split + 1..].trim().to_string());
    }
    if let Some((start, logical)) = pending {
        let split = logical.find(['=', ':']).ok_or(start)?;
        settings.insert(logical[..split].trim().to_string(), logical[split + 1..].trim().to_string());
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_lines() {
        let text =
            "# worker\n! also a comment\nbootstrap.servers = a:9092,\\\n    b:9092\nsasl.mechanism: PLAIN\n\nx=y=z\n";
        let settings = parse(text).unwrap();
        assert_eq!(settings["bootstrap.servers"], "a:9092,b:9092");
        assert_eq!(settings["sasl.mechanism"], "PLAIN");
        assert_eq!(settings["x"], "y=z");
        assert_eq!(parse("a=1\nno separator here\n"), Err(2));
        assert_eq!(parse("=value\n"), Err(1));
        assert_eq!(parse("a=1\\\n").unwrap()["a"], "1");
    }
}
