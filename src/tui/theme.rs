//! Colours by meaning, not by hue, so a high-contrast theme (for projectors and
//! washed-out shared screens) is one table. Each cluster's own colour comes
//! from its profile; the theme only supplies the fallback pair.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub good: Style,
    pub warn: Style,
    pub bad: Style,
    pub accent: Style,
    /// Secondary rows (partitions under a topic, empty placeholders).
    pub quiet: Style,
    pub selected: Style,
    /// Badges and banners that must not be missed: FAILED, refusals.
    pub alarm: Style,
    /// READ-ONLY, warnings.
    pub caution: Style,
    pub source: Color,
    pub destination: Color,
}

impl Theme {
    pub const NAMES: [&'static str; 2] = ["default", "high-contrast"];

    pub fn standard() -> Theme {
        Theme {
            good: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            bad: Style::new().fg(Color::Red),
            accent: Style::new().fg(Color::Cyan),
            quiet: Style::new().add_modifier(Modifier::DIM),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            alarm: Style::new().fg(Color::White).bg(Color::Red).add_modifier(Modifier::BOLD),
            caution: Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD),
            source: Color::Cyan,
            destination: Color::Magenta,
        }
    }

    /// Bright, bold, never dim: readable on a projector.
    pub fn high_contrast() -> Theme {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            good: bold.fg(Color::LightGreen),
            warn: bold.fg(Color::LightYellow),
            bad: bold.fg(Color::LightRed),
            accent: bold.fg(Color::LightCyan),
            quiet: Style::new().fg(Color::White),
            selected: bold.fg(Color::Black).bg(Color::White),
            alarm: bold.fg(Color::White).bg(Color::Red),
            caution: bold.fg(Color::Black).bg(Color::LightYellow),
            source: Color::LightCyan,
            destination: Color::LightMagenta,
        }
    }

    pub fn from_name(name: &str) -> Option<Theme> {
        match name {
            "default" => Some(Theme::standard()),
            "high-contrast" => Some(Theme::high_contrast()),
            _ => None,
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::standard()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_theme_exists_and_high_contrast_is_never_dim() {
        for name in Theme::NAMES {
            assert!(Theme::from_name(name).is_some(), "{name}");
        }
        assert_eq!(Theme::from_name("neon"), None);
        let theme = Theme::high_contrast();
        for style in [theme.good, theme.warn, theme.bad, theme.accent, theme.quiet, theme.selected] {
            assert!(!style.add_modifier.contains(Modifier::DIM));
        }
    }
}
