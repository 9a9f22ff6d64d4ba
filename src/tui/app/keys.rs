//! Key presses: the overlay that is open (help, command line, filter,
//! confirmation, produce editor) takes the key; otherwise the keymap turns it
//! into an action for `App::update`.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, BannerKind, Mode};
use crate::tui::action::{Action, OutgoingText};
use crate::tui::command::parse_command;
use crate::tui::keymap::Key;

impl App {
    /// A key press: the open overlay takes it, else the keymap turns it into an action.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        match std::mem::take(&mut self.mode) {
            Mode::Normal => match self.keymap.action_for(Key::from_event(&key)).cloned() {
                Some(action) => self.update(action),
                None => false,
            },
            Mode::Help { mut scroll } => {
                let action = self.keymap.action_for(Key::from_event(&key)).cloned();
                match action {
                    Some(Action::Quit) => self.update(Action::Quit),
                    Some(Action::Help | Action::Escape) | None => true,
                    Some(other) => {
                        let rows = self.keymap.help_rows().len();
                        // The overlay draws as many rows as the body holds inside its borders;
                        // a page keeps one of them in view.
                        let page = usize::from(self.body_rows).saturating_sub(3);
                        let moved = crate::tui::panes::move_cursor(&mut scroll, rows, &other, page);
                        self.mode = Mode::Help { scroll };
                        moved
                    }
                }
            }
            Mode::CommandLine(mut input) => {
                match key.code {
                    KeyCode::Esc => {}
                    KeyCode::Enter => {
                        let line = input.lines().join(" ");
                        match parse_command(&line) {
                            Ok(action) => {
                                self.update(action);
                            }
                            Err(message) => self.warn(BannerKind::Warning, message),
                        }
                    }
                    _ => {
                        input.input(key);
                        self.mode = Mode::CommandLine(input);
                    }
                }
                true
            }
            Mode::Filter(mut input) => {
                match key.code {
                    KeyCode::Esc => self.set_filter(""),
                    KeyCode::Enter => {}
                    _ => {
                        input.input(key);
                        let text = input.lines().join("");
                        self.set_filter(&text);
                        self.mode = Mode::Filter(input);
                    }
                }
                true
            }
            Mode::Confirm { action, expected, prompt, mut input } => {
                match key.code {
                    KeyCode::Esc => self.warn(BannerKind::Info, "cancelled".to_owned()),
                    KeyCode::Enter if input.lines().join("") == expected => {
                        self.perform(action);
                    }
                    KeyCode::Enter => {
                        self.warn(BannerKind::Refused, format!("not confirmed: type {expected} exactly"));
                    }
                    _ => {
                        input.input(key);
                        self.mode = Mode::Confirm { action, expected, prompt, input };
                    }
                }
                true
            }
            Mode::Produce { topic, mut input } => {
                let send = key.code == KeyCode::Char('s') && key.modifiers.contains(KeyModifiers::CONTROL);
                match key.code {
                    KeyCode::Esc => self.warn(BannerKind::Info, "nothing produced".to_owned()),
                    _ if send => {
                        let mut lines = input.lines().iter();
                        let key = lines.next().filter(|key| !key.is_empty()).cloned();
                        let value = lines.cloned().collect::<Vec<_>>().join("\n");
                        self.confirm_send(OutgoingText { topic, key, value });
                    }
                    _ => {
                        input.input(key);
                        self.mode = Mode::Produce { topic, input };
                    }
                }
                true
            }
        }
    }
}
