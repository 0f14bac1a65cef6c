//! Colours of the console chrome (context colours come from the context, not the theme).
//! Defaults in `assets/theme.json`; a user `theme.json` in the config directory overrides any
//! of them. A bad file is a visible warning and the defaults are used. With colour off
//! (`--no-color`, `NO_COLOR`), every style drops its colours and keeps only modifiers.

use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::policy::guard::Tone;

pub const DEFAULT_THEME: &str = include_str!("../../../assets/theme.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    border: Option<String>,
    border_focus: Option<String>,
    title: Option<String>,
    selection_fg: Option<String>,
    selection_bg: Option<String>,
    dim: Option<String>,
    info: Option<String>,
    warning: Option<String>,
    critical: Option<String>,
    ok: Option<String>,
    failed: Option<String>,
    running: Option<String>,
    cancelled: Option<String>,
    search: Option<String>,
    stderr: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub color: bool,
    pub border: Color,
    pub border_focus: Color,
    pub title: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub dim: Color,
    pub info: Color,
    pub warning: Color,
    pub critical: Color,
    pub ok: Color,
    pub failed: Color,
    pub running: Color,
    pub cancelled: Color,
    pub search: Color,
    pub stderr: Color,
}

/// A terminal colour for a tone.
pub fn tone_color(t: Tone) -> Color {
    match t {
        Tone::Red => Color::Red,
        Tone::Magenta => Color::Magenta,
        Tone::Yellow => Color::Yellow,
        Tone::Green => Color::Green,
        Tone::Blue => Color::Blue,
        Tone::Cyan => Color::Cyan,
        Tone::Gray => Color::Gray,
        Tone::White => Color::White,
        Tone::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

fn parse_color(s: &str) -> Option<Color> {
    if let Some(t) = Tone::parse(s) {
        return Some(tone_color(t));
    }
    match s.trim().to_ascii_lowercase().as_str() {
        "black" => Some(Color::Black),
        "darkgray" | "dark_gray" => Some(Color::DarkGray),
        "lightred" => Some(Color::LightRed),
        "lightgreen" => Some(Color::LightGreen),
        "lightyellow" => Some(Color::LightYellow),
        "lightblue" => Some(Color::LightBlue),
        "lightmagenta" => Some(Color::LightMagenta),
        "lightcyan" => Some(Color::LightCyan),
        "reset" | "default" => Some(Color::Reset),
        _ => None,
    }
}

impl Theme {
    fn from_file(f: &ThemeFile, base: &Theme, problems: &mut Vec<String>) -> Theme {
        let mut t = base.clone();
        let mut set = |name: &str, v: &Option<String>, slot: &mut Color| {
            if let Some(s) = v {
                match parse_color(s) {
                    Some(c) => *slot = c,
                    None => problems.push(format!("unknown colour {s:?} for {name}")),
                }
            }
        };
        set("border", &f.border, &mut t.border);
        set("border_focus", &f.border_focus, &mut t.border_focus);
        set("title", &f.title, &mut t.title);
        set("selection_fg", &f.selection_fg, &mut t.selection_fg);
        set("selection_bg", &f.selection_bg, &mut t.selection_bg);
        set("dim", &f.dim, &mut t.dim);
        set("info", &f.info, &mut t.info);
        set("warning", &f.warning, &mut t.warning);
        set("critical", &f.critical, &mut t.critical);
        set("ok", &f.ok, &mut t.ok);
        set("failed", &f.failed, &mut t.failed);
        set("running", &f.running, &mut t.running);
        set("cancelled", &f.cancelled, &mut t.cancelled);
        set("search", &f.search, &mut t.search);
        set("stderr", &f.stderr, &mut t.stderr);
        t
    }

    fn builtin() -> Theme {
        Theme {
            color: true,
            border: Color::Gray,
            border_focus: Color::Cyan,
            title: Color::White,
            selection_fg: Color::Black,
            selection_bg: Color::Cyan,
            dim: Color::Gray,
            info: Color::Gray,
            warning: Color::Yellow,
            critical: Color::Red,
            ok: Color::Green,
            failed: Color::Red,
            running: Color::Cyan,
            cancelled: Color::Magenta,
            search: Color::Yellow,
            stderr: Color::Yellow,
        }
    }

    /// Defaults, then the user's file. Returns the warnings to show.
    pub fn load(user_file: Option<&Path>, color: bool) -> (Theme, Vec<String>) {
        let mut warnings = Vec::new();
        let mut problems = Vec::new();
        let mut theme = match serde_json::from_str::<ThemeFile>(DEFAULT_THEME) {
            Ok(f) => Theme::from_file(&f, &Theme::builtin(), &mut problems),
            Err(_) => Theme::builtin(),
        };
        if let Some(path) = user_file.filter(|p| p.exists()) {
            match std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<ThemeFile>(&t).map_err(|e| e.to_string()))
            {
                Ok(f) => {
                    let mut p = Vec::new();
                    let t = Theme::from_file(&f, &theme, &mut p);
                    if p.is_empty() {
                        theme = t;
                    } else {
                        warnings.push(format!(
                            "theme {}: {}; using the default theme",
                            path.display(),
                            p.join(", ")
                        ));
                    }
                }
                Err(e) => warnings.push(format!(
                    "theme {} is invalid ({e}); using the default theme",
                    path.display()
                )),
            }
        }
        theme.color = color;
        (theme, warnings)
    }

    pub fn defaults(color: bool) -> Theme {
        Theme::load(None, color).0
    }

    /// A style with a foreground colour (dropped when colour is off).
    pub fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if !self.color {
            return if focused {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
        }
        self.fg(if focused {
            self.border_focus
        } else {
            self.border
        })
    }

    pub fn selection(&self) -> Style {
        if self.color {
            Style::default().fg(self.selection_fg).bg(self.selection_bg)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn severity(&self, s: &str) -> Style {
        match s {
            "critical" => self.fg(self.critical).add_modifier(Modifier::BOLD),
            "warning" => self.fg(self.warning),
            _ => self.fg(self.info),
        }
    }

    pub fn status(&self, s: &str) -> Style {
        match s {
            "ok" | "succeeded" => self.fg(self.ok),
            "failed" | "error" => self.fg(self.failed).add_modifier(Modifier::BOLD),
            "running" => self.fg(self.running),
            "cancelled" | "skipped" | "rolled_back" => self.fg(self.cancelled),
            _ => self.fg(self.dim),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(Theme::defaults(true).critical, Color::Red);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("theme.json");
        std::fs::write(&p, r##"{"critical": "#ff0000"}"##).unwrap();
        let (t, w) = Theme::load(Some(&p), true);
        assert!(w.is_empty());
        assert_eq!(t.critical, Color::Rgb(255, 0, 0));
        std::fs::write(&p, r#"{"critical": "sparkly"}"#).unwrap();
        let (t, w) = Theme::load(Some(&p), true);
        assert_eq!(t.critical, Color::Red);
        assert!(w[0].contains("sparkly"));
        std::fs::write(&p, r#"{"nope": "red"}"#).unwrap();
        assert!(!Theme::load(Some(&p), true).1.is_empty());
        assert_eq!(Theme::defaults(false).fg(Color::Red), Style::default());
    }
}
