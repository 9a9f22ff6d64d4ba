use std::fmt::Write as _;

/// Renders a config file with one `[clusters.NAME]` section per profile, in the given
/// order (used by `kdeck demo --profile-out`). A repeated name is written twice and
/// would be rejected by the parser, so callers pass unique names.
pub fn render_profiles(profiles: &[(String, String, Option<String>)]) -> String {
    let mut text = String::from("# Written by kdeck. Add librdkafka properties under each cluster.\n");
    for (name, bootstrap, color) in profiles {
        // Writing to a String cannot fail; the Results are ignored rather than unwrapped.
        let _ = write!(text, "\n[clusters.{}]\nbootstrap = {}\n", key(name), quote(bootstrap));
        if let Some(color) = color {
            let _ = writeln!(text, "color = {}", quote(color));
        }
    }
    text
}

/// Hand-rolled rather than via toml's serializer, whose Display impls panic on error
/// and whose table order depends on crate features.
pub(crate) fn key(name: &str) -> String {
    let is_bare = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if is_bare {
        name.to_string()
    } else {
        quote(name)
    }
}

pub(crate) fn quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04X}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;
    use std::path::Path;

    fn profile(name: &str, bootstrap: &str, color: Option<&str>) -> (String, String, Option<String>) {
        (name.into(), bootstrap.into(), color.map(Into::into))
    }

    #[test]
    fn round_trips_through_parse() {
        #[rustfmt::skip]
        let profiles = vec![
            profile("source", "localhost:9092", Some("green")),
            profile("target", "localhost:9093,localhost:9094", None),
            profile("with.dot", "[::1]:9092", Some("red")),
            profile("weird \"name\" \\ é\nline\u{7}", "h:1", Some("#ff8800")),
            profile("", "empty-name:1", None),
        ];
        let text = render_profiles(&profiles);
        let config = parse(&text, Path::new("demo.toml")).unwrap();
        assert_eq!(config.clusters.len(), profiles.len());
        for (name, bootstrap, color) in &profiles {
            let parsed = &config.clusters[name];
            assert_eq!(&parsed.bootstrap, bootstrap, "{name}");
            assert_eq!(&parsed.color, color, "{name}");
            assert!(!parsed.production && parsed.properties.is_empty());
        }
        assert!(text.contains("[clusters.source]\nbootstrap = \"localhost:9092\"\ncolor = \"green\"\n"));
        assert!(text.find("source") < text.find("target"), "order kept");
    }

    #[test]
    fn empty_list_is_a_valid_empty_config() {
        let config = parse(&render_profiles(&[]), Path::new("demo.toml")).unwrap();
        assert!(config.clusters.is_empty() && config.other.is_empty());
    }
}
