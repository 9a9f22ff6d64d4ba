//! kcat command lines read back as kdeck commands: `kcat -C ...` is `kdeck consume ...`,
//! `-P` produce, `-L` meta, `-Q` offsets. The cheatsheet's tests feed every kcat
//! template through kdeck's own parser this way, and the pane uses it to run a
//! read-only command inside kdeck.

use clap::Parser;

use crate::cli::{Cli, Command};

/// Splits a shell command line into words: single quotes, double quotes and
/// backslashes as POSIX sh reads them, without expanding anything.
/// Pipes and redirections are words like any other.
pub fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => current.push(c),
                        None => return Err("unclosed single quote".to_string()),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => current.push(c),
                            Some(c) => {
                                current.push('\\');
                                current.push(c);
                            }
                            None => return Err("unclosed double quote".to_string()),
                        },
                        Some(c) => current.push(c),
                        None => return Err("unclosed double quote".to_string()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err("trailing backslash".to_string()),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// The kcat invocation inside a pipeline: the words from `kcat` to the next `|`.
pub fn kcat_segment(words: &[String]) -> Option<&[String]> {
    let start = words.iter().position(|word| word == "kcat")?;
    let rest = &words[start + 1..];
    let end = rest.iter().position(|word| word == "|" || word == ">").unwrap_or(rest.len());
    Some(&rest[..end])
}

/// kcat's mode flags and the kdeck subcommands that play them.
const MODES: [(&str, &str); 4] = [("-C", "consume"), ("-P", "produce"), ("-L", "meta"), ("-Q", "offsets")];

/// kdeck's argv for kcat's arguments (without the leading `kcat`).
pub fn to_kdeck_argv(kcat_args: &[String]) -> Result<Vec<String>, String> {
    let modes: Vec<&str> =
        MODES.iter().filter(|(flag, _)| kcat_args.iter().any(|a| a == flag)).map(|(_, sub)| *sub).collect();
    let subcommand = match modes.as_slice() {
        [one] => *one,
        [] => return Err("no mode: kdeck knows kcat's -C, -P, -L and -Q".to_string()),
        _ => return Err(format!("more than one mode ({})", modes.join(", "))),
    };
    let mut argv = vec!["kdeck".to_string(), subcommand.to_string()];
    argv.extend(kcat_args.iter().filter(|a| !MODES.iter().any(|(flag, _)| flag == a)).cloned());
    Ok(argv)
}

/// Parses a kcat command line with kdeck's own parser.
pub fn parse_kcat(line: &str) -> Result<Command, String> {
    let words = shell_words(line)?;
    let kcat = kcat_segment(&words).ok_or_else(|| "no kcat in the command".to_string())?;
    let argv = to_kdeck_argv(kcat)?;
    let cli = Cli::try_parse_from(&argv).map_err(|err| crate::cli::one_line(&err.to_string()))?;
    cli.command.ok_or_else(|| "no subcommand".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        shell_words(line).unwrap()
    }

    #[test]
    fn shell_words_follow_sh_quoting() {
        #[rustfmt::skip]
        let cases: [(&str, &[&str]); 8] = [
            ("a b  c", &["a", "b", "c"]),
            ("-f 'x %s\\n'", &["-f", "x %s\\n"]),
            ("-X \"sasl.password=$P\"", &["-X", "sasl.password=$P"]),
            ("\"a\\\"b\" c\\ d", &["a\"b", "c d"]),
            ("''", &[""]),
            ("'it'\\''s'", &["it's"]),
            ("a | wc -l", &["a", "|", "wc", "-l"]),
            ("\"\\n\"", &["\\n"]),
        ];
        for (line, expected) in cases {
            assert_eq!(words(line), expected, "{line}");
        }
        for bad in ["'open", "\"open", "end\\"] {
            assert!(shell_words(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn modes_map_to_subcommands() {
        let argv = |line: &str| to_kdeck_argv(&words(line));
        assert_eq!(argv("-b h:1 -C -t t").unwrap(), ["kdeck", "consume", "-b", "h:1", "-t", "t"]);
        assert_eq!(argv("-P -b h -t t").unwrap()[1], "produce");
        assert_eq!(argv("-L -b h").unwrap()[1], "meta");
        assert_eq!(argv("-Q -b h -t t:0:1").unwrap()[1], "offsets");
        assert!(argv("-b h -t t").unwrap_err().contains("no mode"));
        assert!(argv("-C -P -b h").unwrap_err().contains("more than one"));
    }

    #[test]
    fn pipelines_yield_the_kcat_part() {
        let line = "printf 'k:v\\n' | kcat -b h:1 -P -t t -K: | tee x";
        let all = words(line);
        assert_eq!(kcat_segment(&all).unwrap(), ["-b", "h:1", "-P", "-t", "t", "-K:"]);
        assert!(matches!(parse_kcat(line), Ok(Command::Produce(_))));
        assert!(matches!(parse_kcat("kcat -b h -C -t t -o -10 -e"), Ok(Command::Consume(_))));
        assert!(parse_kcat("kcat -b h -C -t t -G g").err().unwrap().contains("-G"));
        assert!(parse_kcat("echo hi").err().unwrap().contains("no kcat"));
    }
}
