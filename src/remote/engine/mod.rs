//! The engine a target runs: which Compose it has — the `docker compose` plugin (v2) or the
//! `docker-compose` program (v1, what Debian 12's apt installs) — detected once per connection,
//! and the containers the engine reports by Compose's labels ([`containers`]). paasdeck writes
//! every command in v2's words (`docker compose …`, and so may an app's backup or health
//! command); on a v1 target a shell function hands `docker compose` to `docker-compose`.
//! A local target may run the simulated engine shipped for the demo ([`simulated`]).

pub mod containers;
pub mod simulated;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use super::{BoxFuture, ByteRequest, ExecRequest, LineSink, Transport, capture};
use crate::error::Result;

/// How a target runs Compose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeKind {
    /// The `docker compose` plugin.
    V2,
    /// The `docker-compose` program.
    V1,
    /// Neither answered: commands run as written and fail with the engine's own words.
    Missing,
}

impl ComposeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ComposeKind::V2 => "v2",
            ComposeKind::V1 => "v1",
            ComposeKind::Missing => "none",
        }
    }

    pub fn parse(s: &str) -> ComposeKind {
        match s.trim() {
            "v2" => ComposeKind::V2,
            "v1" => ComposeKind::V1,
            _ => ComposeKind::Missing,
        }
    }
}

/// Prints `v2`, `v1` or `none`: the plugin wins when both are there. (`command`: what the
/// docker CLI itself answers, never the v1 function. The v1 program is only looked up: its
/// Python start costs a second on a small VPS, on every deploy.)
pub const DETECT: &str = "if command docker compose version >/dev/null 2>&1; then echo v2; \
     elif command -v docker-compose >/dev/null 2>&1; then echo v1; else echo none; fi";

/// On a v1 target, `docker compose ARGS` runs `docker-compose ARGS`; every other docker
/// command goes to the docker CLI itself.
pub const V1_SHIM: &str = "docker() { if [ \"$1\" = compose ]; then shift; command docker-compose \"$@\"; else command docker \"$@\"; fi; }\n";

/// How long detection may take before the command runs as written.
const DETECT_LIMIT: Duration = Duration::from_secs(20);

/// `script` as it must run on a target with `kind`.
pub fn for_kind(kind: ComposeKind, script: &str) -> String {
    if kind == ComposeKind::V1 && uses_compose(script) {
        format!("{V1_SHIM}{script}")
    } else {
        script.to_string()
    }
}

fn uses_compose(script: &str) -> bool {
    script.contains("docker compose")
}

/// A target's transport that knows its Compose: detected on the first command that uses
/// `docker compose`, then kept for as long as the connection is pooled.
pub struct EngineTransport {
    inner: Arc<dyn Transport>,
    kind: OnceCell<ComposeKind>,
}

impl EngineTransport {
    pub fn wrap(inner: Arc<dyn Transport>) -> Arc<dyn Transport> {
        Arc::new(EngineTransport {
            inner,
            kind: OnceCell::new(),
        })
    }

    /// The target's Compose, asking the target once. A detection that fails (a dropped
    /// connection, no answer in time) is not kept: the next command asks again.
    async fn kind(&self, cancel: &CancellationToken) -> ComposeKind {
        let inner = self.inner.clone();
        let cancel = cancel.clone();
        self.kind
            .get_or_try_init(|| async move {
                let out = capture(
                    inner.as_ref(),
                    ExecRequest::new(DETECT).timeout(DETECT_LIMIT),
                    cancel,
                    4,
                )
                .await?;
                if out.code != 0 {
                    return Err(crate::error::PaasError::new(
                        crate::error::ErrorCode::RemoteCommandFailed,
                        "compose_detect",
                        out.tail(2),
                    ));
                }
                Ok::<ComposeKind, crate::error::PaasError>(ComposeKind::parse(
                    out.stdout.first().map(String::as_str).unwrap_or(""),
                ))
            })
            .await
            .copied()
            .unwrap_or(ComposeKind::V2)
    }

    async fn adapt(&self, script: String, cancel: &CancellationToken) -> String {
        if !uses_compose(&script) {
            return script;
        }
        for_kind(self.kind(cancel).await, &script)
    }
}

impl Transport for EngineTransport {
    fn label(&self) -> &str {
        self.inner.label()
    }

    fn exec(
        &self,
        mut req: ExecRequest,
        sink: LineSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<i32>> {
        Box::pin(async move {
            if !req.as_written {
                req.script = self.adapt(std::mem::take(&mut req.script), &cancel).await;
            }
            self.inner.exec(req, sink, cancel).await
        })
    }

    fn exec_bytes(
        &self,
        mut req: ByteRequest,
        stderr: LineSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<i32>> {
        Box::pin(async move {
            req.script = self.adapt(std::mem::take(&mut req.script), &cancel).await;
            self.inner.exec_bytes(req, stderr, cancel).await
        })
    }

    fn alive(&self) -> BoxFuture<'_, bool> {
        self.inner.alive()
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        self.inner.close()
    }

    fn learn_compose(&self, kind: ComposeKind) {
        // A detection already made (or under way) stands.
        let _ = self.kind.set(kind);
    }

    fn terminal(
        &self,
        script: Option<String>,
    ) -> BoxFuture<'_, Result<super::terminal::TerminalCommand>> {
        Box::pin(async move {
            let script = match script {
                Some(s) => Some(self.adapt(s, &CancellationToken::new()).await),
                None => None,
            };
            self.inner.terminal(script).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_v1_targets_get_the_shim_and_only_for_compose() {
        let s = "cd /x && docker compose -p 'a' up -d";
        assert_eq!(for_kind(ComposeKind::V2, s), s);
        assert_eq!(for_kind(ComposeKind::Missing, s), s);
        let v1 = for_kind(ComposeKind::V1, s);
        assert!(v1.starts_with(V1_SHIM) && v1.ends_with(s), "{v1}");
        assert_eq!(for_kind(ComposeKind::V1, "docker ps -a"), "docker ps -a");
        assert_eq!(ComposeKind::parse("v1\n"), ComposeKind::V1);
        assert_eq!(ComposeKind::parse("v2"), ComposeKind::V2);
        assert_eq!(ComposeKind::parse(""), ComposeKind::Missing);
    }

    #[tokio::test]
    async fn the_shim_runs_docker_compose_as_the_v1_program() {
        // A v1 target: a `docker-compose` that says who it is, and no plugin.
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("docker-compose");
        std::fs::write(&bin, "#!/bin/sh\necho \"v1 program: $*\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let script = for_kind(
            ComposeKind::V1,
            &format!(
                "PATH={}:$PATH; docker compose -p x logs",
                dir.path().display()
            ),
        );
        let out = capture(
            &super::super::local::LocalTransport::default(),
            ExecRequest::new(script),
            CancellationToken::new(),
            10,
        )
        .await
        .unwrap();
        assert_eq!(out.stdout, ["v1 program: -p x logs"], "{:?}", out.stderr);
    }

    /// Records every script it is asked to run; answers the detection with `v1`.
    #[derive(Default)]
    struct Recorder {
        scripts: std::sync::Mutex<Vec<String>>,
    }

    impl Transport for Recorder {
        fn label(&self) -> &str {
            "recorder"
        }
        fn exec(
            &self,
            req: ExecRequest,
            sink: LineSink,
            _cancel: CancellationToken,
        ) -> BoxFuture<'_, Result<i32>> {
            if req.script == DETECT {
                sink(super::super::Stream::Stdout, "v1".into());
            }
            self.scripts.lock().unwrap().push(req.script);
            Box::pin(async { Ok(0) })
        }
        fn exec_bytes(
            &self,
            _req: ByteRequest,
            _stderr: LineSink,
            _cancel: CancellationToken,
        ) -> BoxFuture<'_, Result<i32>> {
            Box::pin(async { Ok(0) })
        }
        fn alive(&self) -> BoxFuture<'_, bool> {
            Box::pin(async { true })
        }
        fn close(&self) -> BoxFuture<'_, ()> {
            Box::pin(async {})
        }
    }

    async fn run(t: &dyn Transport, req: ExecRequest) {
        t.exec(req, super::super::null_sink(), CancellationToken::new())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_script_run_as_written_asks_nothing_first_and_a_learned_compose_is_kept() {
        let rec = Arc::new(Recorder::default());
        let t = EngineTransport::wrap(rec.clone());
        let probe = "command docker compose version --short";
        run(t.as_ref(), ExecRequest::new(probe).as_written()).await;
        assert_eq!(*rec.scripts.lock().unwrap(), [probe]);
        // What the probe found serves the next Compose command: no detection, the v1 shim.
        t.learn_compose(ComposeKind::V1);
        run(t.as_ref(), ExecRequest::new("docker compose ps")).await;
        let seen = rec.scripts.lock().unwrap().clone();
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(seen[1], for_kind(ComposeKind::V1, "docker compose ps"));
    }

    #[tokio::test]
    async fn without_a_learned_compose_the_first_compose_command_detects_once() {
        let rec = Arc::new(Recorder::default());
        let t = EngineTransport::wrap(rec.clone());
        run(t.as_ref(), ExecRequest::new("docker compose ps")).await;
        run(t.as_ref(), ExecRequest::new("docker compose logs")).await;
        let seen = rec.scripts.lock().unwrap().clone();
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert_eq!(seen[0], DETECT);
        assert_eq!(seen[2], for_kind(ComposeKind::V1, "docker compose logs"));
    }
}
