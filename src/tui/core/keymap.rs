//! Keys: one table of commands feeds the key lookup, the footer hints and the `?` help, so
//! they never disagree. Defaults live in `assets/keymap.json`; a user `keymap.json` in the
//! config directory replaces the keys of the commands it names. A bad file is a visible
//! warning, and the defaults are used.

use std::collections::HashMap;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::pane::Pane;

/// Where a command applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Only while this pane has focus.
    Pane(Pane),
    /// Only while this kind of overlay is open; the pane keys wait until it closes.
    Overlay(Layer),
}

/// The overlays with keys of their own. Where text is typed (a form's text field, the palette,
/// the filter bar, a typed confirmation), a key that types a character is the text's, never a
/// command: only keys with Ctrl or Alt, and the named keys, are commands there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Help, action menus, detail views, lists (release history, variables, add-ons), reports.
    Views,
    /// The question asked before quitting with tasks running.
    Quit,
    /// The confirmation dialog of an operation (its plan, yes or no, a typed name).
    Confirm,
    /// Forms (add a target, set a secret, …).
    Form,
    /// The palette, the filter bar and the dialog's health timeout field.
    Input,
}

macro_rules! commands {
    ($( $variant:ident => $name:literal, $group:literal, $scope:expr, $hint:literal, $desc:literal; )*) => {
        /// A named command a key can be bound to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Cmd { $( $variant, )* }

        impl Cmd {
            pub const ALL: &'static [Cmd] = &[ $( Cmd::$variant, )* ];
            pub fn name(self) -> &'static str { match self { $( Cmd::$variant => $name, )* } }
            pub fn group(self) -> &'static str { match self { $( Cmd::$variant => $group, )* } }
            pub fn scope(self) -> Scope { match self { $( Cmd::$variant => $scope, )* } }
            /// Shown in the footer when in scope.
            pub fn hint(self) -> bool { match self { $( Cmd::$variant => $hint, )* } }
            pub fn description(self) -> &'static str { match self { $( Cmd::$variant => $desc, )* } }
            pub fn from_name(name: &str) -> Option<Cmd> {
                Cmd::ALL.iter().copied().find(|c| c.name() == name)
            }
        }
    };
}

use Scope::Global;
const VIEWS: Scope = Scope::Overlay(Layer::Views);
const QUIT: Scope = Scope::Overlay(Layer::Quit);
const CONFIRM: Scope = Scope::Overlay(Layer::Confirm);
const FORM: Scope = Scope::Overlay(Layer::Form);
const INPUT: Scope = Scope::Overlay(Layer::Input);

commands! {
    Quit => "quit", "general", Global, true, "quit (asks when tasks are running, and says where)";
    Help => "help", "general", Global, true, "show this help";
    Palette => "palette", "general", Global, true, "command palette (headless verbs)";
    Filter => "filter", "general", Global, true, "filter the focused pane (search in the task log)";
    Open => "open", "general", Global, true, "open the selection: event detail, release history, target details";
    Menu => "menu", "general", Global, true, "action menu for the selection";
    Shell => "shell", "general", Global, false, "a shell on the selected target, app or Instances row";
    Doctor => "doctor", "general", Global, false, "the doctor report of this context (each check, detail, remediation)";
    Dismiss => "dismiss", "general", Global, false, "close the on-call view; clear the pane's filter and the message";
    FocusNext => "focus_next", "navigation", Global, false, "next pane";
    FocusPrev => "focus_prev", "navigation", Global, false, "previous pane";
    Up => "up", "navigation", Global, false, "move up / scroll up";
    Down => "down", "navigation", Global, false, "move down / scroll down";
    Top => "top", "navigation", Global, false, "first row";
    Bottom => "bottom", "navigation", Global, false, "last row";
    PageUp => "page_up", "navigation", Global, false, "page up";
    PageDown => "page_down", "navigation", Global, false, "page down";
    PrevContext => "prev_context", "contexts", Global, true, "previous context tab";
    NextContext => "next_context", "contexts", Global, true, "next context tab";
    Context1 => "context_1", "contexts", Global, false, "context tab 1";
    Context2 => "context_2", "contexts", Global, false, "context tab 2";
    Context3 => "context_3", "contexts", Global, false, "context tab 3";
    Context4 => "context_4", "contexts", Global, false, "context tab 4";
    Context5 => "context_5", "contexts", Global, false, "context tab 5";
    Context6 => "context_6", "contexts", Global, false, "context tab 6";
    Context7 => "context_7", "contexts", Global, false, "context tab 7";
    Context8 => "context_8", "contexts", Global, false, "context tab 8";
    Context9 => "context_9", "contexts", Global, false, "context tab 9";
    ContextInit => "context_init", "contexts", Global, false, "create a context";
    ContextUse => "context_use", "contexts", Global, false, "store this tab as the current context";
    AllEvents => "all_events", "on-call", Global, false, "the All tab: every context's events, newest first, live";
    Incidents => "incidents", "on-call", Global, false, "the Incidents view: every context's incidents";
    Acknowledge => "acknowledge", "on-call", Global, false, "acknowledge the event or incident: its alert, else the incident, with a note (All tab, Incidents, event detail)";
    Resolve => "resolve", "on-call", Global, false, "resolve the selected incident (Incidents view, incident detail)";
    Check => "check", "targets", Scope::Pane(Pane::Targets), true, "check the selected target (a fresh connection)";
    CheckAll => "check_all", "targets", Scope::Pane(Pane::Targets), true, "check every target";
    AddTarget => "add_target", "targets", Scope::Pane(Pane::Targets), true, "add a target";
    EditTarget => "edit_target", "targets", Scope::Pane(Pane::Targets), true, "edit the selected target";
    Remove => "remove", "targets", Scope::Pane(Pane::Targets), false, "remove the selected target";
    UseTarget => "use_target", "targets", Scope::Pane(Pane::Targets), false, "make the selected target current";
    Exec => "exec", "targets", Scope::Pane(Pane::Targets), true, "run a command on targets";
    Bootstrap => "bootstrap", "targets", Scope::Pane(Pane::Targets), false, "install your key on the selected password target (password masked)";
    Deploy => "deploy", "apps", Scope::Pane(Pane::Apps), true, "deploy the selected app (shows the plan, asks y)";
    Rollback => "rollback", "apps", Scope::Pane(Pane::Apps), true, "roll the selected app back (Enter picks a release)";
    Logs => "logs", "apps", Scope::Pane(Pane::Apps), true, "follow the selected app's logs";
    AddApp => "add_app", "apps", Scope::Pane(Pane::Apps), true, "register an app";
    EditApp => "edit_app", "apps", Scope::Pane(Pane::Apps), false, "edit the selected app";
    RemoveApp => "remove_app", "apps", Scope::Pane(Pane::Apps), false, "remove the selected app from the registry";
    ResetApp => "reset_app", "apps", Scope::Pane(Pane::Apps), false, "reset the selected app: down with its volumes, its current release again (asks)";
    Secrets => "secrets", "apps", Scope::Pane(Pane::Apps), true, "the selected app's variables: set or missing";
    SetSecret => "set_secret", "apps", Scope::Pane(Pane::Apps), false, "set a secret of the selected app (masked)";
    Addons => "addons", "apps", Scope::Pane(Pane::Apps), false, "the selected app's si add-ons: enable, disable";
    EventsTail => "events_tail", "events", Scope::Pane(Pane::Events), true, "follow events in a task";
    Backup => "backup", "backups", Global, true, "back up the selected app (Apps, Backups), else the context's state";
    BackupVerify => "backup_verify", "backups", Scope::Pane(Pane::Backups), true, "verify the selected backup (re-hash its artifact)";
    BackupRestore => "backup_restore", "backups", Scope::Pane(Pane::Backups), true, "restore from the selected backup (verified first; asks)";
    StageClone => "stage_clone", "staging", Scope::Pane(Pane::Instances), true, "clone what is missing from production";
    StageStart => "stage_start", "staging", Scope::Pane(Pane::Instances), true, "start the selected instance";
    StageStop => "stage_stop", "staging", Scope::Pane(Pane::Instances), true, "stop the selected instance";
    StageReset => "stage_reset", "staging", Scope::Pane(Pane::Instances), true, "reset the selected instance (stop, wipe, start)";
    StageRefresh => "stage_refresh", "staging", Scope::Pane(Pane::Instances), true, "read the instances again (stage status)";
    CancelTask => "cancel_task", "tasks", Global, true, "cancel the focused task (or close the input)";
    Follow => "follow", "tasks", Scope::Pane(Pane::Log), true, "follow output on/off";
    Wrap => "wrap", "tasks", Scope::Pane(Pane::Log), true, "wrap lines on/off";
    SearchNext => "search_next", "tasks", Scope::Pane(Pane::Log), true, "next search match";
    SearchPrev => "search_prev", "tasks", Scope::Pane(Pane::Log), false, "previous search match";
    NextTask => "next_task", "tasks", Scope::Pane(Pane::Log), true, "next task";
    PrevTask => "prev_task", "tasks", Scope::Pane(Pane::Log), true, "previous task";
    ViewClose => "view_close", "views and menus", VIEWS, false, "close the view, menu or list";
    ViewUp => "view_up", "views and menus", VIEWS, false, "move up / scroll up";
    ViewDown => "view_down", "views and menus", VIEWS, false, "move down / scroll down";
    ViewPageUp => "view_page_up", "views and menus", VIEWS, false, "scroll a page up";
    ViewPageDown => "view_page_down", "views and menus", VIEWS, false, "scroll a page down";
    ViewTop => "view_top", "views and menus", VIEWS, false, "back to the top of a detail view";
    ViewPick => "view_pick", "views and menus", VIEWS, false, "pick the selected row (menu item, release, variable); close a report";
    AgentApprove => "agent_approve", "views and menus", VIEWS, false, "approve the agent's proposal for the selected incident: its remediation runs, through the guard's dialog (Incidents view)";
    AgentDeny => "agent_deny", "views and menus", VIEWS, false, "deny the agent's proposal for the selected incident, with a note (Incidents view)";
    QuitYes => "quit_yes", "quit question", QUIT, false, "quit: cancel the running tasks (remote processes stopped)";
    QuitNo => "quit_no", "quit question", QUIT, false, "stay";
    ConfirmYes => "confirm_yes", "confirmation", CONFIRM, false, "yes: run it";
    ConfirmNo => "confirm_no", "confirmation", CONFIRM, false, "no: nothing runs";
    ConfirmCancel => "confirm_cancel", "confirmation", CONFIRM, false, "cancel: nothing runs (also in a type-the-name dialog)";
    ConfirmSwitch => "confirm_switch", "confirmation", CONFIRM, false, "move between the Yes and No buttons";
    ConfirmPress => "confirm_press", "confirmation", CONFIRM, false, "press the focused button (No at first); in a type-the-name dialog, confirm the name typed";
    ConfirmScrollUp => "confirm_scroll_up", "confirmation", CONFIRM, false, "scroll the plan up";
    ConfirmScrollDown => "confirm_scroll_down", "confirmation", CONFIRM, false, "scroll the plan down";
    ConfirmPageUp => "confirm_page_up", "confirmation", CONFIRM, false, "scroll the plan a page up";
    ConfirmPageDown => "confirm_page_down", "confirmation", CONFIRM, false, "scroll the plan a page down";
    ConfirmHealth => "confirm_health", "confirmation", CONFIRM, false, "edit a deploy's health timeout before it runs";
    FormNext => "form_next", "forms", FORM, false, "next field";
    FormPrev => "form_prev", "forms", FORM, false, "previous field";
    FormSubmit => "form_submit", "forms", FORM, false, "next field; on the last field, submit";
    FormCancel => "form_cancel", "forms", FORM, false, "cancel the form (nothing typed is kept)";
    OptionNext => "option_next", "forms", FORM, false, "next option of a choice; move right in a pick list";
    OptionPrev => "option_prev", "forms", FORM, false, "previous option of a choice; move left in a pick list";
    OptionToggle => "option_toggle", "forms", FORM, false, "tick or untick in a pick list; flip a switch; next option of a choice";
    InputSubmit => "input_submit", "palette and filter", INPUT, false, "run the palette's command; apply the filter or search; set the health timeout";
    InputCancel => "input_cancel", "palette and filter", INPUT, false, "close the palette; clear the filter or search; keep the health timeout";
    InputClose => "input_close", "palette and filter", INPUT, false, "close the palette or the filter bar (the filter stays as typed)";
    PaletteComplete => "palette_complete", "palette and filter", INPUT, false, "complete the palette's command";
}

/// A key with its modifiers, as written in keymap files: `q`, `G`, `ctrl-c`, `shift-tab`,
/// `enter`, `esc`, `f1`, `pageup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeySpec {
    pub fn parse(s: &str) -> Option<KeySpec> {
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else if rest.len() > 6
                && let Some(r) = rest.strip_prefix("shift-")
            {
                shift = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" if shift => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                KeyCode::F(f[1..].parse().ok()?)
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
            _ => return None,
        };
        Some(KeySpec { code, ctrl, alt })
    }

    pub fn from_event(k: &KeyEvent) -> KeySpec {
        // Terminals report shifted letters as uppercase already, so SHIFT is not compared.
        KeySpec {
            code: k.code,
            ctrl: k.modifiers.contains(KeyModifiers::CONTROL),
            alt: k.modifiers.contains(KeyModifiers::ALT),
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".into(),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("Ctrl-");
        }
        if self.alt {
            s.push_str("Alt-");
        }
        s + &base
    }
}

/// Whether a key types a character (no Ctrl, no Alt).
pub fn types_text(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Char(_))
        && !k
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

pub const DEFAULT_KEYMAP: &str = include_str!("../../../assets/keymap.json");

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(KeySpec, Cmd)>,
}

/// Keys per command, and the problems found in the file.
type Parsed = (HashMap<Cmd, Vec<KeySpec>>, Vec<String>);

fn parse_file(text: &str) -> Result<Parsed, String> {
    let raw: HashMap<String, Vec<String>> =
        serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    let mut problems = Vec::new();
    for (name, keys) in raw {
        let Some(cmd) = Cmd::from_name(&name) else {
            problems.push(format!("unknown command {name:?}"));
            continue;
        };
        let mut specs = Vec::new();
        for k in keys {
            match KeySpec::parse(&k) {
                Some(s) => specs.push(s),
                None => problems.push(format!("bad key {k:?} for {name}")),
            }
        }
        out.insert(cmd, specs);
    }
    Ok((out, problems))
}

impl Keymap {
    /// The defaults, with the user's file layered on top. Returns the warnings to show.
    pub fn load(user_file: Option<&Path>) -> (Keymap, Vec<String>) {
        let mut warnings = Vec::new();
        let (mut map, _) = parse_file(DEFAULT_KEYMAP).unwrap_or_default();
        if let Some(path) = user_file.filter(|p| p.exists()) {
            match std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|t| parse_file(&t))
            {
                Ok((user, problems)) => {
                    map.extend(user);
                    for p in problems {
                        warnings.push(format!("keymap {}: {p}", path.display()));
                    }
                }
                Err(e) => warnings.push(format!(
                    "keymap {} is invalid ({e}); using the default keys",
                    path.display()
                )),
            }
        }
        let mut bindings: Vec<(KeySpec, Cmd)> = Vec::new();
        for cmd in Cmd::ALL {
            for k in map.get(cmd).into_iter().flatten() {
                bindings.push((*k, *cmd));
            }
        }
        (Keymap { bindings }, warnings)
    }

    pub fn defaults() -> Keymap {
        Keymap::load(None).0
    }

    /// The command a key triggers with `focus`: pane-scoped bindings win over global ones.
    pub fn lookup(&self, key: &KeyEvent, focus: Pane) -> Option<Cmd> {
        let spec = KeySpec::from_event(key);
        let hits = || {
            self.bindings
                .iter()
                .filter(move |(k, _)| *k == spec)
                .map(|(_, c)| *c)
        };
        hits()
            .find(|c| c.scope() == Scope::Pane(focus))
            .or_else(|| hits().find(|c| c.scope() == Scope::Global))
    }

    /// The pane-scoped commands a key is bound to elsewhere (for "this key works in …").
    pub fn elsewhere(&self, key: &KeyEvent) -> Vec<Cmd> {
        let spec = KeySpec::from_event(key);
        self.bindings
            .iter()
            .filter(|(k, c)| *k == spec && matches!(c.scope(), Scope::Pane(_)))
            .map(|(_, c)| *c)
            .collect()
    }

    /// The first key of a command, as shown in hints (`?` when unbound).
    pub fn first_key(&self, cmd: Cmd) -> String {
        self.keys_for(cmd)
            .first()
            .map(KeySpec::label)
            .unwrap_or_else(|| "?".into())
    }

    /// Whether the key event is one of `cmd`'s keys (any scope).
    pub fn is(&self, cmd: Cmd, k: &KeyEvent) -> bool {
        let key = KeySpec::from_event(k);
        self.bindings.iter().any(|(b, c)| *c == cmd && *b == key)
    }

    /// Whether `k` is one of `cmd`'s keys; with `typing` (text is typed where the key goes), a
    /// key that types a character is not.
    pub fn means(&self, cmd: Cmd, k: &KeyEvent, typing: bool) -> bool {
        !(typing && types_text(k)) && self.is(cmd, k)
    }

    /// The first of `cmds` (in that order) the key is bound to, as [`Keymap::means`] says.
    pub fn which(&self, cmds: &[Cmd], k: &KeyEvent, typing: bool) -> Option<Cmd> {
        cmds.iter().copied().find(|c| self.means(*c, k, typing))
    }

    pub fn keys_for(&self, cmd: Cmd) -> Vec<KeySpec> {
        self.bindings
            .iter()
            .filter(|(_, c)| *c == cmd)
            .map(|(k, _)| *k)
            .collect()
    }

    /// `key label` pairs for the footer, for what applies with `focus`.
    pub fn hints(&self, focus: Pane) -> Vec<(String, &'static str)> {
        Cmd::ALL
            .iter()
            .filter(|c| c.hint() && (c.scope() == Scope::Global || c.scope() == Scope::Pane(focus)))
            .filter_map(|c| {
                let keys = self.keys_for(*c);
                let first = keys.first()?;
                Some((first.label(), c.name()))
            })
            .collect()
    }

    /// Every command with its keys, grouped, for `?` help.
    pub fn help(&self) -> Vec<(&'static str, Vec<(String, String)>)> {
        let mut groups: Vec<(&'static str, Vec<(String, String)>)> = Vec::new();
        for c in Cmd::ALL {
            let keys: Vec<String> = self.keys_for(*c).iter().map(KeySpec::label).collect();
            let keys = if keys.is_empty() {
                "(unbound)".to_string()
            } else {
                keys.join(" ")
            };
            // An overlay's commands are grouped under it.
            let scope = match c.scope() {
                Scope::Global | Scope::Overlay(_) => String::new(),
                Scope::Pane(p) => format!(" [{}]", p.title()),
            };
            let entry = (keys, format!("{}{scope}", c.description()));
            match groups.iter_mut().find(|(g, _)| *g == c.group()) {
                Some((_, v)) => v.push(entry),
                None => groups.push((c.group(), vec![entry])),
            }
        }
        groups
    }
}

#[cfg(test)]
#[path = "keymap_tests.rs"]
mod tests;
