//! Every incus invocation `stage` makes, built as an argv vector. Each one names `--project`
//! explicitly (paasdeck never runs `incus project switch`, a client-wide setting), and reaches
//! the host's shell with every word single-quoted.

use serde::Serialize;

use crate::remote::quote::{quote, quote_all};
use crate::state::stage::{AbsPath, IncusName, StageConfig};

/// The key paasdeck keeps a clone's progress in, on the instance itself, so an interrupted
/// clone resumes from any machine: `prepared` (address set, paths wiped), then `done` (started).
pub const CLONE_KEY: &str = "user.paasdeck.clone";

/// One command for the host: its argv (the first word is the program) and optional stdin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostCall {
    pub argv: Vec<String>,
    #[serde(skip)]
    pub stdin: Option<Vec<u8>>,
}

fn plain(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./=:,@%+-".contains(c))
}

impl HostCall {
    /// The script the transport runs: every word single-quoted.
    pub fn script(&self) -> String {
        quote_all(&self.argv)
    }

    /// The same command for people: words that need it quoted, the others bare. Pasted into a
    /// shell it runs exactly what paasdeck runs.
    pub fn display(&self) -> String {
        let mut s = self
            .argv
            .iter()
            .map(|w| if plain(w) { w.clone() } else { quote(w) })
            .collect::<Vec<_>>()
            .join(" ");
        if self.stdin.is_some() {
            s.push_str(" < (new content)");
        }
        s
    }

    /// A query whose JSON answer may be one very long line: the answer is folded into short
    /// lines for the trip back (the caller joins them), keeping the command's exit status.
    pub fn folded_script(&self) -> String {
        format!(
            "out=$({}) || exit $?\nprintf '%s\\n' \"$out\" | fold -b -w 4000",
            self.script()
        )
    }
}

/// The incus client for one stage configuration.
#[derive(Debug, Clone)]
pub struct Incus<'a> {
    cfg: &'a StageConfig,
}

impl<'a> Incus<'a> {
    pub fn new(cfg: &'a StageConfig) -> Incus<'a> {
        Incus { cfg }
    }

    fn call(&self, project: &IncusName, words: &[&str], tail: &[&str]) -> HostCall {
        let mut argv = vec![self.cfg.incus.as_str().to_string()];
        argv.extend(words.iter().map(|w| w.to_string()));
        argv.push("--project".into());
        argv.push(project.as_str().to_string());
        argv.extend(tail.iter().map(|w| w.to_string()));
        HostCall { argv, stdin: None }
    }

    fn staged(&self, words: &[&str]) -> HostCall {
        self.call(&self.cfg.project, words, &[])
    }

    pub fn project_list(&self) -> HostCall {
        self.staged(&["project", "list", "--format", "json"])
    }

    pub fn project_create(&self) -> HostCall {
        let p = self.cfg.project.as_str();
        self.staged(&[
            "project",
            "create",
            p,
            "-c",
            "features.networks=true",
            "-c",
            "features.profiles=true",
        ])
    }

    pub fn project_delete(&self) -> HostCall {
        self.staged(&["project", "delete", self.cfg.project.as_str()])
    }

    pub fn network_list(&self) -> HostCall {
        self.staged(&["network", "list", "--format", "json"])
    }

    pub fn network_create(&self) -> HostCall {
        let n = &self.cfg.network;
        self.staged(&[
            "network",
            "create",
            n.name.as_str(),
            &format!("ipv4.address={}", n.cidr()),
            "ipv4.nat=true",
            "ipv6.address=none",
        ])
    }

    pub fn network_delete(&self) -> HostCall {
        self.staged(&["network", "delete", self.cfg.network.name.as_str()])
    }

    /// The staging network's forwards (addresses of the host forwarded into the network).
    pub fn network_forward_list(&self) -> HostCall {
        self.staged(&[
            "network",
            "forward",
            "list",
            self.cfg.network.name.as_str(),
            "--format",
            "json",
        ])
    }

    pub fn profile_list(&self) -> HostCall {
        self.staged(&["profile", "list", "--format", "json"])
    }

    /// The settings the project's default profile must hold for one device.
    pub fn profile_nic(&self) -> Vec<(String, String)> {
        vec![
            ("network".into(), self.cfg.network.name.to_string()),
            ("name".into(), self.cfg.nic.to_string()),
        ]
    }

    pub fn profile_root(&self) -> Vec<(String, String)> {
        vec![
            ("path".into(), "/".into()),
            ("pool".into(), self.cfg.storage_pool.to_string()),
            ("size".into(), self.cfg.root_disk.as_str().to_string()),
        ]
    }

    pub fn profile_device_add(
        &self,
        device: &str,
        kind: &str,
        settings: &[(String, String)],
    ) -> HostCall {
        let kv: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut words = vec!["profile", "device", "add", "default", device, kind];
        words.extend(kv.iter().map(String::as_str));
        self.staged(&words)
    }

    pub fn profile_device_set(&self, device: &str, settings: &[(String, String)]) -> HostCall {
        let kv: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut words = vec!["profile", "device", "set", "default", device];
        words.extend(kv.iter().map(String::as_str));
        self.staged(&words)
    }

    pub fn list(&self) -> HostCall {
        self.staged(&["list", "--format", "json"])
    }

    /// The production instances, read to copy them and to size the copy.
    pub fn list_source(&self) -> HostCall {
        self.call(&self.cfg.source_project, &["list", "--format", "json"], &[])
    }

    /// A copy-on-write copy from the source project into the staging project, without the
    /// source's snapshots (staging needs the instance, not its history).
    pub fn copy(&self, name: &IncusName) -> HostCall {
        let n = name.as_str();
        self.call(
            &self.cfg.source_project,
            &["copy", n, n],
            &[
                "--target-project",
                self.cfg.project.as_str(),
                "--instance-only",
            ],
        )
    }

    /// Gives the NIC its staging address: `override` when the NIC comes from a profile,
    /// `set` when the instance has its own.
    pub fn set_address(&self, name: &IncusName, ip: &str, local_nic: bool) -> HostCall {
        let verb = if local_nic { "set" } else { "override" };
        self.staged(&[
            "config",
            "device",
            verb,
            name.as_str(),
            self.cfg.nic.as_str(),
            &format!("ipv4.address={ip}"),
        ])
    }

    pub fn mark(&self, name: &IncusName, value: &str) -> HostCall {
        self.staged(&[
            "config",
            "set",
            name.as_str(),
            &format!("{CLONE_KEY}={value}"),
        ])
    }

    pub fn file_pull(&self, name: &IncusName, path: &str) -> HostCall {
        self.staged(&["file", "pull", &format!("{name}{path}"), "-"])
    }

    pub fn file_push(&self, name: &IncusName, path: &str, content: Vec<u8>) -> HostCall {
        HostCall {
            stdin: Some(content),
            ..self.staged(&["file", "push", "-", &format!("{name}{path}")])
        }
    }

    /// Deletes a path (recursively) in an instance, which works while it is stopped.
    pub fn file_delete(&self, name: &IncusName, path: &str) -> HostCall {
        self.staged(&["file", "delete", "--force", &format!("{name}{path}")])
    }

    /// The entries of a directory in an instance, hidden ones included (the incus files API,
    /// which works while the instance is stopped): a JSON array of names.
    pub fn list_dir(&self, name: &IncusName, dir: &AbsPath) -> HostCall {
        let p = self.cfg.project.as_str();
        let url = format!(
            "/1.0/instances/{name}/files?path={}&project={p}",
            url_encode(dir.as_str())
        );
        self.call(&self.cfg.project, &["query"], &[&url])
    }

    /// A wipe for people, in two lines: the listing, then the delete of each entry; the
    /// directory itself stays (its owner and mode matter to the service writing there).
    pub fn wipe_display(&self, name: &IncusName, dir: &AbsPath) -> [String; 2] {
        [
            self.list_dir(name, dir).display(),
            format!(
                "{}   # each entry, hidden ones too; {} stays",
                self.file_delete(name, &format!("{}/ENTRY", dir.as_str()))
                    .display(),
                dir.as_str()
            ),
        ]
    }

    pub fn start(&self, name: &IncusName) -> HostCall {
        self.staged(&["start", name.as_str()])
    }

    pub fn stop(&self, name: &IncusName) -> HostCall {
        self.staged(&["stop", name.as_str()])
    }

    pub fn delete(&self, name: &IncusName) -> HostCall {
        self.staged(&["delete", "--force", name.as_str()])
    }

    /// The operator's command, each word passed as one argument to the instance (no shell
    /// runs it there unless the operator asks for one).
    pub fn exec(&self, name: &IncusName, command: &[String]) -> HostCall {
        let mut c = self.staged(&["exec", name.as_str()]);
        c.argv.push("--".into());
        c.argv.extend(command.iter().cloned());
        c
    }
}

/// Percent-encodes a path for a URL's query string (`/` and unreserved characters stay).
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `df` on the file system that holds incus's storage, in 1024-byte blocks.
pub fn df(cfg: &StageConfig) -> HostCall {
    HostCall {
        argv: vec![
            "df".into(),
            "-Pk".into(),
            cfg.storage_path.as_str().to_string(),
        ],
        stdin: None,
    }
}

/// Whether an incus command changes something (everything but lists, pulls and gets).
pub fn is_mutating(argv: &[String]) -> bool {
    let words: Vec<&str> = argv
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    !matches!(
        words.as_slice(),
        ["list", ..]
            | [_, "list", ..]
            | ["file", "pull", ..]
            | ["config", "get", ..]
            | ["query", ..]
            | ["network", "forward", "list", ..]
    ) && argv.first().is_some_and(|p| p != "df")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> StageConfig {
        StageConfig::from_value(&crate::state::stage::tests_sample()).unwrap()
    }

    #[test]
    fn every_call_names_the_project_and_quotes_every_word() {
        let c = cfg();
        let i = Incus::new(&c);
        let name = c.components[0].name.clone();
        let path = crate::state::stage::AbsPath::parse("/opt/it's $(id)").unwrap();
        let calls = [
            i.project_list(),
            i.project_create(),
            i.network_create(),
            i.profile_device_add("root", "disk", &i.profile_root()),
            i.list(),
            i.list_source(),
            i.copy(&name),
            i.set_address(&name, "10.0.3.10", false),
            i.mark(&name, "done"),
            i.file_delete(&name, path.as_str()),
            i.list_dir(&name, &path),
            i.start(&name),
            i.stop(&name),
            i.delete(&name),
            i.exec(&name, &["sh".into(), "-c".into(), "echo $HOME; id".into()]),
            i.project_delete(),
        ];
        for call in &calls {
            let p = call.argv.iter().position(|w| w == "--project").unwrap();
            assert!(["STAGE-GBO", "default"].contains(&call.argv[p + 1].as_str()));
            assert!(!call.argv.windows(2).any(|w| w == ["project", "switch"]));
            // The script is exactly the quoted words: sh gives back the argv.
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf '%s\\n' {}", call.script()))
                .output()
                .unwrap();
            let back: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(String::from)
                .collect();
            assert_eq!(back, call.argv);
        }
        assert_eq!(
            i.copy(&name).display(),
            "incus copy system system --project default --target-project STAGE-GBO --instance-only"
        );
        assert_eq!(
            i.file_delete(&name, path.as_str()).display(),
            "incus file delete --force 'system/opt/it'\"'\"'s $(id)' --project STAGE-GBO"
        );
        assert_eq!(
            i.list_dir(&name, &path).display(),
            "incus query --project STAGE-GBO '/1.0/instances/system/files?path=/opt/it%27s%20%24%28id%29&project=STAGE-GBO'"
        );
        let e = i.exec(&name, &["ls".into()]);
        assert_eq!(e.argv[e.argv.len() - 2..], ["--".to_string(), "ls".into()]);
        assert!(
            e.argv.iter().position(|w| w == "--project") < e.argv.iter().position(|w| w == "--")
        );
    }

    #[test]
    fn mutating_calls_are_told_apart_from_queries() {
        let c = cfg();
        let i = Incus::new(&c);
        let name = c.components[0].name.clone();
        assert!(!is_mutating(&i.list().argv));
        assert!(!is_mutating(&i.network_forward_list().argv));
        assert!(!is_mutating(&i.project_list().argv));
        assert!(!is_mutating(
            &i.file_pull(&name, "/etc/network/interfaces").argv
        ));
        assert!(!is_mutating(&df(&c).argv));
        let dir = crate::state::stage::AbsPath::parse("/opt/gbo/data").unwrap();
        assert!(!is_mutating(&i.list_dir(&name, &dir).argv));
        assert!(is_mutating(&i.copy(&name).argv));
        assert!(is_mutating(&i.mark(&name, "done").argv));
        assert!(is_mutating(&i.file_push(&name, "/x", vec![]).argv));
    }
}
