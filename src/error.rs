//! The error type every layer returns: a `PAAS_*` code, the stage that failed, the target it
//! concerns, a message and a remediation. The headless front end turns it into the JSON error
//! envelope and the exit code; the console shows it in the banner or a task.

use std::fmt;

/// Declares the codes once: the enum, their names, and the lookup by name, so a new code can
/// never be missing from one of them.
macro_rules! error_codes {
    ($($variant:ident => $name:literal,)*) => {
        /// Error codes: the `si paas` names where they exist, paasdeck additions otherwise.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    InvalidArgument => "PAAS_INVALID_ARGUMENT",
    TargetResolutionFailed => "PAAS_TARGET_RESOLUTION_FAILED",
    RemoteUploadFailed => "PAAS_REMOTE_UPLOAD_FAILED",
    RemoteApplyFailed => "PAAS_REMOTE_APPLY_FAILED",
    HealthCheckFailed => "PAAS_HEALTH_CHECK_FAILED",
    RollbackResolveFailed => "PAAS_ROLLBACK_RESOLVE_FAILED",
    RollbackApplyFailed => "PAAS_ROLLBACK_APPLY_FAILED",
    RollbackBundleNotFound => "PAAS_ROLLBACK_BUNDLE_NOT_FOUND",
    PrecheckPlaintextSecrets => "PAAS_PRECHECK_PLAINTEXT_SECRETS",
    BundleCreateFailed => "PAAS_BUNDLE_CREATE_FAILED",
    UnknownFailure => "PAAS_UNKNOWN_FAILURE",
    ContextGuard => "PAAS_CONTEXT_GUARD",
    ContextNotFound => "PAAS_CONTEXT_NOT_FOUND",
    AppNotFound => "PAAS_APP_NOT_FOUND",
    AlreadyExists => "PAAS_ALREADY_EXISTS",
    StateCorrupt => "PAAS_STATE_CORRUPT",
    StateLocked => "PAAS_STATE_LOCKED",
    StateIo => "PAAS_STATE_IO",
    SshConnectFailed => "PAAS_SSH_CONNECT_FAILED",
    SshAuthFailed => "PAAS_SSH_AUTH_FAILED",
    HostKeyMismatch => "PAAS_HOST_KEY_MISMATCH",
    RemoteCommandFailed => "PAAS_REMOTE_COMMAND_FAILED",
    Timeout => "PAAS_TIMEOUT",
    Cancelled => "PAAS_CANCELLED",
    DeployLocked => "PAAS_DEPLOY_LOCKED",
    DoctorBlocked => "PAAS_DOCTOR_BLOCKED",
    DoctorFailed => "PAAS_DOCTOR_FAILED",
    BackupVerifyFailed => "PAAS_BACKUP_VERIFY_FAILED",
    VaultIdentity => "PAAS_VAULT_IDENTITY",
    VaultDecryptFailed => "PAAS_VAULT_DECRYPT_FAILED",
    SecretMissing => "PAAS_SECRET_MISSING",
    AlertNotFound => "PAAS_ALERT_NOT_FOUND",
    AlertDeliveryFailed => "PAAS_ALERT_DELIVERY_FAILED",
    IncidentNotFound => "PAAS_INCIDENT_NOT_FOUND",
    CheckFailed => "PAAS_CHECK_FAILED",
    ChecklistFailed => "PAAS_CHECKLIST_FAILED",
    DriftDetected => "PAAS_DRIFT_DETECTED",
}

impl ErrorCode {
    /// A refusal: paasdeck declined to act (a guard, a usage or input error, a lock, a missing
    /// secret, state it will not touch) rather than an operation that failed on a target.
    pub fn is_refusal(self) -> bool {
        matches!(
            self,
            ErrorCode::InvalidArgument
                | ErrorCode::TargetResolutionFailed
                | ErrorCode::RollbackResolveFailed
                | ErrorCode::RollbackBundleNotFound
                | ErrorCode::PrecheckPlaintextSecrets
                | ErrorCode::ContextGuard
                | ErrorCode::ContextNotFound
                | ErrorCode::AppNotFound
                | ErrorCode::AlreadyExists
                | ErrorCode::StateCorrupt
                | ErrorCode::StateLocked
                | ErrorCode::Cancelled
                | ErrorCode::DeployLocked
                | ErrorCode::DoctorBlocked
                | ErrorCode::SecretMissing
                | ErrorCode::AlertNotFound
                | ErrorCode::IncidentNotFound
        )
    }
}

impl std::str::FromStr for ErrorCode {
    type Err = ();

    /// The code a `PAAS_*` name stands for (as stored in `checks.json`).
    fn from_str(s: &str) -> std::result::Result<ErrorCode, ()> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or(())
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const DEFAULT_REMEDIATION: &str =
    "inspect the details above and retry after correcting the inputs or the target state";

/// A failure with everything an operator needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PaasError {
    pub code: ErrorCode,
    pub stage: String,
    pub target: String,
    pub message: String,
    pub remediation: String,
    /// A usage error (bad flag, bad value, missing `--context`): exit code 2 instead of 1.
    pub usage: bool,
}

pub type Result<T, E = PaasError> = std::result::Result<T, E>;

impl PaasError {
    pub fn new(code: ErrorCode, stage: impl Into<String>, message: impl Into<String>) -> Self {
        PaasError {
            code,
            stage: stage.into(),
            target: String::new(),
            message: message.into(),
            remediation: DEFAULT_REMEDIATION.to_string(),
            usage: false,
        }
    }

    /// A usage error: exits 2.
    pub fn usage(stage: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = PaasError::new(ErrorCode::InvalidArgument, stage, message);
        e.usage = true;
        e.remediation = "run the command with --help to see its flags".to_string();
        e
    }

    pub fn with_remediation(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = remediation.into();
        self
    }

    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = target.into();
        self
    }

    pub fn as_usage(mut self) -> Self {
        self.usage = true;
        self
    }

    /// Usage errors and refusals, as opposed to failed operations.
    pub fn is_refusal(&self) -> bool {
        self.usage || self.code.is_refusal()
    }

    pub fn exit_code(&self) -> i32 {
        if self.usage { 2 } else { 1 }
    }

    /// An I/O failure on a state file, naming the file.
    pub fn io(stage: &str, path: &std::path::Path, err: &std::io::Error) -> Self {
        PaasError::new(
            ErrorCode::StateIo,
            stage,
            format!("{}: {}", path.display(), err),
        )
        .with_remediation("check that the path exists, is writable by you and the disk is not full")
    }
}

#[cfg(test)]
mod code_tests {
    use super::ErrorCode;

    #[test]
    fn every_code_parses_back_from_its_name() {
        for &c in ErrorCode::ALL {
            assert_eq!(c.as_str().parse::<ErrorCode>(), Ok(c));
            assert!(c.as_str().starts_with("PAAS_"));
        }
        assert!("PAAS_NOPE".parse::<ErrorCode>().is_err());
    }
}
