//! Platform directories for configuration (keymap, theme), logs and caches.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct AppDirs {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
    pub cache_dir: PathBuf,
}

impl AppDirs {
    pub fn discover() -> Option<AppDirs> {
        let p = directories::ProjectDirs::from("", "", "paasdeck")?;
        let log_dir = p
            .state_dir()
            .unwrap_or_else(|| p.data_local_dir())
            .join("logs");
        Some(AppDirs {
            config_dir: p.config_dir().to_path_buf(),
            data_dir: p.data_local_dir().to_path_buf(),
            log_dir,
            cache_dir: p.cache_dir().to_path_buf(),
        })
    }

    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.json")
    }

    pub fn theme_file(&self) -> PathBuf {
        self.config_dir.join("theme.json")
    }
}
