//! What every command does first: read the config, apply CLI overrides, load
//! theme and keymap, and collect every problem as a warning rather than dying.

use crate::cli::Cli;
use crate::config::{Config, ConfigError};
use crate::keymap::Keymap;
use crate::theme::Theme;
use std::path::PathBuf;

pub struct Startup {
    pub config: Config,
    pub config_path: PathBuf,
    /// The config file was malformed: the TUI runs on defaults and shows this;
    /// headless commands refuse to run on a config they could not read.
    pub config_error: Option<ConfigError>,
    pub warnings: Vec<String>,
}

impl Startup {
    pub fn load(cli: &Cli) -> Self {
        let config_path = crate::paths::config_file(cli.config.as_deref());
        let (mut config, config_error) = match Config::load(&config_path) {
            Ok(c) => (c, None),
            Err(e) => (Config::default(), Some(e)),
        };
        let mut warnings = Vec::new();
        if let Some(e) = &config_error {
            warnings.push(format!(
                "config {e} — running with defaults until it is fixed"
            ));
        }
        if cli.config.is_some() && !config_path.exists() {
            warnings.push(format!(
                "config file {} does not exist",
                config_path.display()
            ));
        }
        if let Some(ctx) = &cli.context {
            config.kubernetes.context = Some(ctx.clone());
        }
        if !cli.namespace.is_empty() {
            config.kubernetes.namespaces = cli.namespace.clone();
        }
        if let Some(theme) = &cli.theme {
            config.general.theme = theme.clone();
        }
        config.general.read_only |= cli.read_only;
        Self {
            config,
            config_path,
            config_error,
            warnings,
        }
    }

    pub fn theme(&mut self) -> Theme {
        let no_color = crate::theme::no_color_env();
        match Theme::load(&self.config.general.theme, no_color) {
            Ok(t) => t,
            Err(e) => {
                self.warnings.push(e.to_string());
                Theme::fallback(no_color)
            }
        }
    }

    pub fn keymap(&mut self) -> Keymap {
        let path = crate::paths::config_dir().join("keymap.toml");
        let (keymap, warnings) = crate::runtime::load_keymap_file(&path);
        self.warnings.extend(warnings);
        keymap
    }
}
