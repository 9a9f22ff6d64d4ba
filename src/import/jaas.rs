//! `sasl.jaas.config` lines: `module.Class required key="value" key2=value;`.

/// One JAAS login module entry. Option values may be secrets: this type has no Debug.
pub struct Jaas {
    pub module: String,
    pub options: Vec<(String, String)>,
}

impl Jaas {
    #[cfg(test)]
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.iter().find(|(name, _)| name == key).map(|(_, value)| value.as_str())
    }

    /// The class's last segment, e.g. `PlainLoginModule`.
    pub fn module_name(&self) -> &str {
        self.module.rsplit('.').next().unwrap_or(&self.module)
    }
}

/// Parses one entry. The error never quotes the text, which holds passwords.
pub fn parse(text: &str) -> Result<Jaas, &'static str> {
    let mut chars = text.trim().trim_end_matches(';').trim().chars().peekable();
    let word = |chars: &mut std::iter::Peekable<std::str::Chars>| {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut word = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=') {
            word.push(c);
        }
        word
    };
    let module = word(&mut chars);
    if module.is_empty() {
        return Err("expected a login module class");
    }
    let flag = word(&mut chars);
    if !["required", "requisite", "sufficient", "optional"].contains(&flag.as_str()) {
        return Err("expected a control flag (required) after the login module");
    }
    let mut options = Vec::new();
    loop {
        let key = word(&mut chars);
        if key.is_empty() {
            break;
        }
        if chars.next() != Some('=') {
            return Err("expected key=value options");
        }
        let value = if chars.next_if_eq(&'"').is_some() {
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('"') => break,
                    Some(c) => value.push(c),
                    None => return Err("an option value's quote is not closed"),
                }
            }
            value
        } else {
            let mut value = String::new();
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                value.push(c);
            }
            value
        };
        options.push((key, value));
    }
    Ok(Jaas { module, options })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_modules_and_their_options() {
        let jaas = parse(
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"KEY\" password=\"${file:/s.properties:secret}\";",
        )
        .unwrap();
        assert_eq!(jaas.module_name(), "PlainLoginModule");
        assert_eq!(jaas.option("username"), Some("KEY"));
        assert_eq!(jaas.option("password"), Some("${file:/s.properties:secret}"));

        let jaas = parse("software.amazon.msk.auth.iam.IAMLoginModule required;").unwrap();
        assert_eq!(jaas.module_name(), "IAMLoginModule");
        assert!(jaas.options.is_empty());

        let jaas = parse("a.B required  awsProfileName=prod x=\"q\\\"uote\" ;").unwrap();
        assert_eq!(jaas.option("awsProfileName"), Some("prod"));
        assert_eq!(jaas.option("x"), Some("q\"uote"));
    }

    #[test]
    fn malformed_lines_never_echo_the_text() {
        for (text, expected) in [
            ("", "expected a login module class"),
            ("a.B", "expected a control flag (required) after the login module"),
            ("a.B required username", "expected key=value options"),
            ("a.B required password=\"Jaas-secret-1", "an option value's quote is not closed"),
        ] {
            let error = parse(text).err().unwrap();
            assert_eq!(error, expected, "{text}");
        }
    }
}
