//! Keys to actions, as data. The default keymap is embedded; a user file
//! (`~/.config/kdeck/keymap.toml`) is merged over it, its entries winning on the
//! same key. A bad entry becomes a warning the cockpit shows, never a crash.
//!
//! ```toml
//! keymap = [
//!   { on = "<C-c>", run = "quit", desc = "Quit" },
//! ]
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");
pub const VIM_KEYMAP: &str = include_str!("../../keymaps/vim.toml");

/// A key with its modifiers, normalised so that what the terminal reports and
/// what a keymap writes compare equal (`G` arrives as Shift+G; `<S-Tab>` as BackTab).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        let modifiers = match code {
            KeyCode::Char(_) | KeyCode::BackTab => modifiers.difference(KeyModifiers::SHIFT),
            _ => modifiers,
        };
        Key { code, modifiers: modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT) }
    }

    pub fn from_event(event: &KeyEvent) -> Self {
        Key::new(event.code, event.modifiers)
    }

    /// Parses `q`, `+`, `<Enter>`, `<C-c>`, `<A-x>`, `<S-Tab>`, `<F5>`, `<Space>`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut chars = text.chars();
        if let (Some(only), None) = (chars.next(), chars.next()) {
            return Ok(Key::new(KeyCode::Char(only), KeyModifiers::NONE));
        }
        let inner = text
            .strip_prefix('<')
            .and_then(|rest| rest.strip_suffix('>'))
            .filter(|inner| !inner.is_empty())
            .ok_or_else(|| format!("invalid key {text:?}: expected one character or <Name>, e.g. q, <Enter>, <C-c>"))?;
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = inner;
        while let Some((prefix, tail)) =
            rest.split_once('-').filter(|(prefix, tail)| prefix.len() == 1 && !tail.is_empty())
        {
            modifiers |= match prefix {
                "C" => KeyModifiers::CONTROL,
                "A" => KeyModifiers::ALT,
                "S" => KeyModifiers::SHIFT,
                _ => return Err(format!("invalid key {text:?}: unknown modifier {prefix:?} (expected C, A or S)")),
            };
            rest = tail;
        }
        let code = named_code(rest).ok_or_else(|| format!("invalid key {text:?}: unknown key name {rest:?}"))?;
        let code = match code {
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            code => code,
        };
        Ok(Key::new(code, modifiers))
    }
}

fn named_code(name: &str) -> Option<KeyCode> {
    let mut chars = name.chars();
    if let (Some(only), None) = (chars.next(), chars.next()) {
        return Some(KeyCode::Char(only));
    }
    Some(match name.to_ascii_lowercase().as_str() {
        "enter" | "cr" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "lt" => KeyCode::Char('<'),
        "gt" => KeyCode::Char('>'),
        function => KeyCode::F(function.strip_prefix('f')?.parse().ok().filter(|n| (1..=24).contains(n))?),
    })
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) if self.modifiers.is_empty() => return write!(f, "{c}"),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Delete".into(),
            KeyCode::Up => "Up".into(),
            KeyCode::Down => "Down".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Right => "Right".into(),
            KeyCode::PageUp => "PageUp".into(),
            KeyCode::PageDown => "PageDown".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut prefix = String::new();
        for (flag, letter) in [(KeyModifiers::CONTROL, "C-"), (KeyModifiers::ALT, "A-"), (KeyModifiers::SHIFT, "S-")] {
            if self.modifiers.contains(flag) {
                prefix.push_str(letter);
            }
        }
        write!(f, "<{prefix}{name}>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
    pub desc: String,
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
    /// One line per entry that was skipped, shown in the cockpit's banner.
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct RawEntry {
    on: String,
    run: String,
    #[serde(default)]
    desc: String,
}

impl Keymap {
    /// The embedded default keymap; its own test keeps it free of warnings.
    pub fn defaults() -> Keymap {
        Keymap::parse(DEFAULT_KEYMAP, "default keymap")
    }

    /// Parses a keymap text; each bad entry becomes a warning naming `origin` and
    /// the entry, and is skipped alone. Only a file that is not TOML is ignored whole.
    pub fn parse(text: &str, origin: &str) -> Keymap {
        let file: toml::Table = match text.parse() {
            Ok(file) => file,
            Err(err) => {
                let (line, column, reason) = crate::config::parse::toml_error_position(text, &err);
                return Keymap {
                    bindings: Vec::new(),
                    warnings: vec![format!("{origin}:{line}:{column}: ignored: {reason}")],
                };
            }
        };
        let mut keymap = Keymap::default();
        let entries = match file.get("keymap") {
            None => return keymap,
            Some(toml::Value::Array(entries)) => entries.clone(),
            Some(other) => {
                keymap.warnings.push(format!("{origin}: ignored: keymap is a {}, expected an array", other.type_str()));
                return keymap;
            }
        };
        for (index, value) in entries.into_iter().enumerate() {
            let number = index + 1;
            let entry = match value.try_into::<RawEntry>() {
                Ok(entry) => entry,
                Err(err) => {
                    keymap.warnings.push(format!("{origin}: keymap entry {number} skipped: {}", err.message()));
                    continue;
                }
            };
            let key = match Key::parse(&entry.on) {
                Ok(key) => key,
                Err(reason) => {
                    keymap.warnings.push(format!("{origin}: keymap entry {number} skipped: {reason}"));
                    continue;
                }
            };
            let Some(action) = Action::from_name(&entry.run) else {
                keymap.warnings.push(format!(
                    "{origin}: keymap entry {number} skipped: unknown action {:?} for key {}",
                    entry.run, entry.on
                ));
                continue;
            };
            keymap.bindings.push(Binding { key, action, desc: entry.desc });
        }
        keymap
    }

    /// The defaults with the user's keymap merged over them: a user entry
    /// replaces every default binding of the same key.
    pub fn load_with_user_file(path: Option<&Path>) -> Keymap {
        let mut keymap = Keymap::defaults();
        let Some(path) = path else { return keymap };
        match std::fs::read_to_string(path) {
            Ok(text) => keymap.merge(Keymap::parse(&text, &path.display().to_string())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => keymap.warnings.push(format!("{}: unreadable: {err}", path.display())),
        }
        keymap
    }

    pub fn merge(&mut self, user: Keymap) {
        self.bindings.retain(|binding| !user.bindings.iter().any(|mine| mine.key == binding.key));
        let mut merged = user.bindings;
        merged.append(&mut self.bindings);
        self.bindings = merged;
        self.warnings.extend(user.warnings);
    }

    pub fn action_for(&self, key: Key) -> Option<&Action> {
        self.bindings.iter().find(|binding| binding.key == key).map(|binding| &binding.action)
    }

    /// Every key bound to `action`, in keymap order.
    pub fn keys_for(&self, action: &Action) -> Vec<Key> {
        self.bindings.iter().filter(|binding| &binding.action == action).map(|binding| binding.key).collect()
    }

    /// One row per bound action: its keys and the first description given.
    pub fn help_rows(&self) -> Vec<(String, String)> {
        Action::BINDABLE
            .iter()
            .filter_map(|action| {
                let keys = self.keys_for(action);
                let first = keys.first()?;
                let desc = self
                    .bindings
                    .iter()
                    .find(|binding| &binding.action == action && !binding.desc.is_empty())
                    .map_or_else(|| action.name().unwrap_or_default(), |binding| binding.desc.clone());
                let shown: Vec<String> =
                    std::iter::once(first).chain(keys.iter().skip(1)).map(Key::to_string).collect();
                Some((shown.join(" "), desc))
            })
            .collect()
    }
}

impl Keymap {
    /// The bindings as a Markdown table, in keymap order: docs/KEYMAP.md holds
    /// this table for the default keymap, and a test keeps the two equal.
    pub fn markdown_table(&self) -> String {
        let mut table = String::from("| key | action | what it does |\n|---|---|---|\n");
        for binding in &self.bindings {
            let key = binding.key.to_string().replace('|', "\\|");
            let action = binding.action.name().unwrap_or_default();
            table.push_str(&format!("| `{key}` | `{action}` | {} |\n", binding.desc.replace('|', "\\|")));
        }
        table
    }
}

/// `$XDG_CONFIG_HOME/kdeck/keymap.toml`, else `~/.config/kdeck/keymap.toml`.
pub fn user_keymap_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("kdeck").join("keymap.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_keymaps_parse_without_warnings() {
        for (name, text) in [("default", DEFAULT_KEYMAP), ("vim", VIM_KEYMAP)] {
            let keymap = Keymap::parse(text, name);
            assert!(keymap.warnings.is_empty(), "{name}: {:?}", keymap.warnings);
            assert!(keymap.bindings.len() > 20, "{name}");
            for binding in &keymap.bindings {
                assert!(!binding.desc.is_empty(), "{name}: {} has no desc", binding.key);
            }
        }
    }

    #[test]
    fn every_bindable_action_has_a_default_key() {
        let keymap = Keymap::defaults();
        for action in Action::BINDABLE {
            assert!(!keymap.keys_for(action).is_empty(), "{:?} has no default key", action.name());
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_a_shipped_keymap() {
        for text in [DEFAULT_KEYMAP, VIM_KEYMAP] {
            let keymap = Keymap::parse(text, "shipped");
            let mut keys: Vec<String> = keymap.bindings.iter().map(|b| b.key.to_string()).collect();
            keys.sort();
            let before = keys.len();
            keys.dedup();
            assert_eq!(keys.len(), before, "a key is bound twice");
        }
    }

    #[test]
    fn keys_parse_and_print() {
        let cases = [
            ("q", Ok("q")),
            ("+", Ok("+")),
            ("G", Ok("G")),
            ("<Enter>", Ok("<Enter>")),
            ("<C-c>", Ok("<C-c>")),
            ("<A-x>", Ok("<A-x>")),
            ("<S-Tab>", Ok("<S-Tab>")),
            ("<BackTab>", Ok("<S-Tab>")),
            ("<Space>", Ok("<Space>")),
            ("<F5>", Ok("<F5>")),
            ("<pagedown>", Ok("<PageDown>")),
            ("", Err(())),
            ("qq", Err(())),
            ("<>", Err(())),
            ("<X-c>", Err(())),
            ("<Nope>", Err(())),
            ("<F99>", Err(())),
            ("<C-", Err(())),
        ];
        for (text, expected) in cases {
            let parsed = Key::parse(text).map(|key| key.to_string()).map_err(|_| ());
            assert_eq!(parsed, expected.map(str::to_owned), "{text:?}");
        }
    }

    #[test]
    fn terminal_events_match_keymap_keys() {
        let shifted = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&shifted), Key::parse("G").unwrap());
        let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&back_tab), Key::parse("<S-Tab>").unwrap());
        let control_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&control_c), Key::parse("<C-c>").unwrap());
    }

    #[test]
    fn bad_user_keymap_gives_warnings_and_keeps_the_good_entries() {
        let user = r#"keymap = [
            { on = "x", run = "start_engine", desc = "Start" },
            { on = "<Nope>", run = "quit" },
            { on = "z", run = "launch_missiles" },
            { on = "w", run = "rescale" },
        ]"#;
        let mut keymap = Keymap::defaults();
        keymap.merge(Keymap::parse(user, "user.toml"));
        assert_eq!(keymap.warnings.len(), 3, "{:?}", keymap.warnings);
        assert!(keymap.warnings.iter().any(|w| w.contains("launch_missiles")));
        assert_eq!(keymap.action_for(Key::parse("x").unwrap()), Some(&Action::Start));

        // One entry of the wrong shape is skipped alone, and named.
        let shapes = r#"keymap = [
            { on = "x", run = "start_engine" },
            { on = 5, run = "quit" },
            { on = "y" },
        ]"#;
        let keymap = Keymap::parse(shapes, "shapes.toml");
        assert_eq!(keymap.bindings.len(), 1, "{:?}", keymap.warnings);
        assert_eq!(keymap.warnings.len(), 2, "{:?}", keymap.warnings);
        assert!(keymap.warnings[0].starts_with("shapes.toml: keymap entry 2 skipped: "), "{:?}", keymap.warnings);
        assert!(keymap.warnings[1].starts_with("shapes.toml: keymap entry 3 skipped: "), "{:?}", keymap.warnings);
        assert!(keymap.warnings[1].contains("run"), "{:?}", keymap.warnings);

        let broken = Keymap::parse("keymap = [ { on = ", "broken.toml");
        assert!(broken.bindings.is_empty());
        assert_eq!(broken.warnings.len(), 1);
        assert!(broken.warnings[0].starts_with("broken.toml:1:"), "{:?}", broken.warnings);
        assert!(broken.warnings[0].contains(": ignored: "), "{:?}", broken.warnings);
    }

    #[test]
    fn user_entries_replace_defaults_on_the_same_key() {
        let mut keymap = Keymap::defaults();
        let quit = Key::parse("q").unwrap();
        assert_eq!(keymap.action_for(quit), Some(&Action::Quit));
        keymap.merge(Keymap::parse(r#"keymap = [{ on = "q", run = "help", desc = "Help" }]"#, "user"));
        assert_eq!(keymap.action_for(quit), Some(&Action::Help));
        assert!(keymap.warnings.is_empty());
    }

    /// `KDECK_BLESS_DOCS=1 cargo test --lib keymap_doc` rewrites the table in docs/KEYMAP.md.
    #[test]
    fn keymap_doc_matches_the_default_keymap() {
        const BEGIN: &str = "<!-- keymap:begin -->\n";
        const END: &str = "<!-- keymap:end -->";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/KEYMAP.md");
        let doc = std::fs::read_to_string(&path).expect("docs/KEYMAP.md");
        let (Some(start), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
            panic!("docs/KEYMAP.md has no {BEGIN:?} .. {END:?} markers");
        };
        let table = Keymap::defaults().markdown_table();
        let documented = &doc[start + BEGIN.len()..end];
        if documented != table && std::env::var_os("KDECK_BLESS_DOCS").is_some() {
            let blessed = format!("{}{table}{}", &doc[..start + BEGIN.len()], &doc[end..]);
            std::fs::write(&path, blessed).expect("write docs/KEYMAP.md");
            return;
        }
        assert_eq!(
            documented, table,
            "docs/KEYMAP.md is out of date: run KDECK_BLESS_DOCS=1 cargo test --lib keymap_doc"
        );
    }

    #[test]
    fn missing_user_file_is_not_a_warning_but_unreadable_is() {
        let dir = tempfile::tempdir().unwrap();
        let keymap = Keymap::load_with_user_file(Some(&dir.path().join("absent.toml")));
        assert!(keymap.warnings.is_empty());
        let keymap = Keymap::load_with_user_file(Some(dir.path()));
        assert_eq!(keymap.warnings.len(), 1, "{:?}", keymap.warnings);
    }
}
