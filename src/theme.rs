//! Colours and text styles, loaded from TOML.
//!
//! Embedded themes: `default` (256/true colour) and `sixteen` (only the 16 ANSI
//! colours, for old terminals over SSH). `[general] theme` or `--theme` picks
//! one by name, or names a TOML file; a file only needs the styles it changes —
//! it is merged over `default`. With `NO_COLOR` set every colour is dropped and
//! only weight, reverse video and the severity symbols (✗ ! ✓) remain, which is
//! why no state is ever told by colour alone.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::Path;

/// Why a theme could not be loaded (the console then runs on the default).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThemeError {
    #[error("embedded default theme: {0}")]
    Embedded(String),
    /// Neither an embedded name nor a readable file.
    #[error("theme {name:?}: {reason} (embedded themes: default, sixteen; or a .toml path)")]
    Read { name: String, reason: String },
    /// Not TOML, or not the theme's shape.
    #[error("theme {name}: {reason}")]
    Parse { name: String, reason: String },
    /// Not UTF-8 (TOML must be): where the first bad byte is.
    #[error("theme {name}: {at}")]
    NotUtf8 {
        name: String,
        at: crate::text::NotUtf8,
    },
    #[error("theme {name}: {error}")]
    Style { name: String, error: StyleError },
}

/// A style role the theme gets wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StyleError {
    #[error(
        "{role}.{field}: bad colour {value:?} (use an ANSI name like lightred, #rrggbb, or 0-255)"
    )]
    Colour {
        role: &'static str,
        /// `fg` or `bg`.
        field: &'static str,
        value: String,
    },
    #[error("{role}: unknown modifier {modifier:?}")]
    Modifier {
        role: &'static str,
        modifier: String,
    },
}

pub const EMBEDDED: &[(&str, &str)] = &[
    ("default", include_str!("../themes/default.toml")),
    ("sixteen", include_str!("../themes/sixteen.toml")),
];

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StyleDef {
    pub fg: Option<String>,
    pub bg: Option<String>,
    #[serde(default)]
    pub modifiers: Vec<String>,
}

macro_rules! theme_styles {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawStyles { $($name: StyleDef),* }

        /// Resolved styles, one per role. Panes pick roles, never raw colours.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $($(#[$doc])* pub $name: Style),*
        }

        impl Theme {
            fn from_raw(name: String, raw: RawStyles, no_color: bool) -> Result<Self, StyleError> {
                Ok(Self { name, $($name: to_style(stringify!($name), &raw.$name, no_color)?),* })
            }

            /// Every role, for tests and the theme docs.
            pub fn roles(&self) -> Vec<(&'static str, Style)> {
                vec![$((stringify!($name), self.$name)),*]
            }
        }
    };
}

theme_styles! {
    /// Text and background of the whole screen.
    base,
    border,
    border_focused,
    title,
    /// Pane bar: inactive and active pane names.
    tab,
    tab_active,
    status_bar,
    /// The DEMO / READ-ONLY badges.
    badge,
    selection,
    header,
    muted,
    ok,
    warning,
    critical,
    info,
    /// Key names in help and hints.
    key,
    search_match,
    diff_added,
    diff_removed,
    level_error,
    level_warn,
    level_info,
    level_debug,
    /// Dialogs and overlays.
    overlay,
    input,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    styles: RawStyles,
}

fn parse_color(s: &str) -> Option<Color> {
    let lower = s.to_ascii_lowercase();
    let named = match lower.as_str() {
        "reset" | "default" => Some(Color::Reset),
        "black" => Some(Color::Black),
        "red" => Some(Color::Red),
        "green" => Some(Color::Green),
        "yellow" => Some(Color::Yellow),
        "blue" => Some(Color::Blue),
        "magenta" => Some(Color::Magenta),
        "cyan" => Some(Color::Cyan),
        "gray" | "grey" => Some(Color::Gray),
        "darkgray" | "darkgrey" => Some(Color::DarkGray),
        "lightred" => Some(Color::LightRed),
        "lightgreen" => Some(Color::LightGreen),
        "lightyellow" => Some(Color::LightYellow),
        "lightblue" => Some(Color::LightBlue),
        "lightmagenta" => Some(Color::LightMagenta),
        "lightcyan" => Some(Color::LightCyan),
        "white" => Some(Color::White),
        _ => None,
    };
    if let Some(c) = named {
        return Some(c);
    }
    if let Some(hex) = lower.strip_prefix('#')
        && hex.len() == 6
        && let Ok(v) = u32::from_str_radix(hex, 16)
    {
        return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    lower.parse::<u8>().ok().map(Color::Indexed)
}

fn to_style(role: &'static str, def: &StyleDef, no_color: bool) -> Result<Style, StyleError> {
    let colour = |field, value: &String| {
        parse_color(value).ok_or_else(|| StyleError::Colour {
            role,
            field,
            value: value.clone(),
        })
    };
    let mut style = Style::default();
    if !no_color {
        if let Some(fg) = &def.fg {
            style = style.fg(colour("fg", fg)?);
        }
        if let Some(bg) = &def.bg {
            style = style.bg(colour("bg", bg)?);
        }
    }
    for m in &def.modifiers {
        let m = match m.to_ascii_lowercase().as_str() {
            "bold" => Modifier::BOLD,
            "dim" => Modifier::DIM,
            "italic" => Modifier::ITALIC,
            "underlined" | "underline" => Modifier::UNDERLINED,
            "reversed" | "reverse" => Modifier::REVERSED,
            "crossed_out" => Modifier::CROSSED_OUT,
            other => {
                return Err(StyleError::Modifier {
                    role,
                    modifier: other.to_string(),
                });
            }
        };
        style = style.add_modifier(m);
    }
    Ok(style)
}

/// `NO_COLOR` set to anything non-empty (https://no-color.org).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Merge a theme over another: each role the override names replaces that
/// role whole (a role with only `modifiers` must not inherit a colour).
fn merge_tables(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if k == "styles" => {
                for (role, style) in o {
                    b.insert(role, style);
                }
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

impl Theme {
    /// Load a theme by embedded name or file path, merged over `default`.
    pub fn load(name_or_path: &str, no_color: bool) -> Result<Self, ThemeError> {
        let default_text = EMBEDDED[0].1;
        let mut table: toml::Table =
            toml::from_str(default_text).map_err(|e| ThemeError::Embedded(e.to_string()))?;
        let parse = |e: toml::de::Error| ThemeError::Parse {
            name: name_or_path.to_string(),
            reason: e.to_string(),
        };
        let (name, text) = match EMBEDDED.iter().find(|(n, _)| *n == name_or_path) {
            Some((n, t)) => (n.to_string(), t.to_string()),
            None => {
                let path = Path::new(name_or_path);
                let text = crate::text::read_text(path).map_err(|e| match e {
                    crate::text::ReadTextError::NotUtf8(at) => ThemeError::NotUtf8 {
                        name: name_or_path.to_string(),
                        at,
                    },
                    crate::text::ReadTextError::Io(e) => ThemeError::Read {
                        name: name_or_path.to_string(),
                        reason: e.to_string(),
                    },
                })?;
                (
                    path.file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    text,
                )
            }
        };
        let over: toml::Table = toml::from_str(&text).map_err(parse)?;
        merge_tables(&mut table, over);
        let raw: RawTheme = toml::Value::Table(table).try_into().map_err(parse)?;
        let mut theme =
            Self::from_raw(name, raw.styles, no_color).map_err(|error| ThemeError::Style {
                name: name_or_path.to_string(),
                error,
            })?;
        if no_color {
            // Without colour, these roles are only visible in reverse video.
            for style in [
                &mut theme.selection,
                &mut theme.tab_active,
                &mut theme.badge,
                &mut theme.search_match,
            ] {
                *style = style.add_modifier(Modifier::REVERSED);
            }
        }
        Ok(theme)
    }

    /// The embedded default theme; used when a configured theme fails to load.
    pub fn fallback(no_color: bool) -> Self {
        Self::load("default", no_color).expect("embedded default theme is tested to parse")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_theme_parses() {
        for (name, _) in EMBEDDED {
            Theme::load(name, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn sixteen_uses_only_the_sixteen_ansi_colours() {
        let t = Theme::load("sixteen", false).unwrap();
        for (role, style) in t.roles() {
            for c in [style.fg, style.bg].into_iter().flatten() {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "{role}: {c:?}"
                );
            }
        }
    }

    #[test]
    fn no_color_drops_colours_but_keeps_weight() {
        let t = Theme::load("default", true).unwrap();
        for (role, style) in t.roles() {
            assert!(
                style.fg.is_none() && style.bg.is_none(),
                "{role} has colour under NO_COLOR"
            );
        }
        assert!(
            t.selection.add_modifier.contains(Modifier::REVERSED)
                || t.selection.add_modifier.contains(Modifier::BOLD)
        );
        assert!(t.critical.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn a_theme_file_that_is_not_utf8_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("latin1.toml");
        std::fs::write(&p, b"[styles]\n# r\xf6d\ncritical = { fg = \"red\" }\n").unwrap();
        let e = Theme::load(p.to_str().unwrap(), false).unwrap_err();
        assert!(
            matches!(&e, ThemeError::NotUtf8 { at, .. } if (at.line, at.column) == (2, 4)),
            "{e:?}"
        );
        assert!(
            e.to_string().ends_with(
                "latin1.toml: invalid UTF-8 at line 2, column 4 (byte 0xf6): save the file as UTF-8"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_user_theme_file_overrides_only_what_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mine.toml");
        std::fs::write(
            &p,
            "[styles]\ncritical = { fg = \"#ff0000\", modifiers = [\"bold\"] }\n",
        )
        .unwrap();
        let t = Theme::load(p.to_str().unwrap(), false).unwrap();
        assert_eq!(t.critical.fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.ok, Theme::fallback(false).ok);
        std::fs::write(&p, "[styles]\nok = { fg = \"chartreuse\" }\n").unwrap();
        let e = Theme::load(p.to_str().unwrap(), false).unwrap_err();
        assert!(
            matches!(&e, ThemeError::Style { error: StyleError::Colour { role: "ok", field: "fg", value }, .. } if value == "chartreuse"),
            "{e:?}"
        );
        assert!(
            e.to_string().contains("ok.fg: bad colour \"chartreuse\""),
            "{e}"
        );
        std::fs::write(&p, "[styles]\nok = { modifiers = [\"blink\"] }\n").unwrap();
        assert!(matches!(
            Theme::load(p.to_str().unwrap(), false),
            Err(ThemeError::Style {
                error: StyleError::Modifier { role: "ok", .. },
                ..
            })
        ));
        assert!(matches!(
            Theme::load("/nonexistent/mine.toml", false),
            Err(ThemeError::Read { .. })
        ));
    }
}
