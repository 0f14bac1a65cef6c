//! The console's panes, in focus order.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Targets,
    Apps,
    Events,
    Backups,
    /// A staging context's incus instances (shown when it has a stage object).
    Instances,
    Log,
}

impl Pane {
    pub const ALL: [Pane; 6] = [
        Pane::Targets,
        Pane::Apps,
        Pane::Events,
        Pane::Backups,
        Pane::Instances,
        Pane::Log,
    ];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Targets => "Targets",
            Pane::Apps => "Apps",
            Pane::Events => "Events",
            Pane::Backups => "Backups",
            Pane::Instances => "Instances",
            Pane::Log => "Tasks",
        }
    }
}
