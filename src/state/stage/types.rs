//! The validated values a `stage` object is made of: incus names, sizes, absolute paths, the
//! incus command and the staging network.

use std::fmt;
use std::net::Ipv4Addr;

/// An incus object name (project, instance, network, profile device, storage pool): ASCII
/// letters, digits and `-`, starting with a letter, not ending with `-`, at most 63 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IncusName(String);

impl IncusName {
    pub fn parse(s: &str, max: usize) -> Result<IncusName, String> {
        if s.is_empty() {
            return Err("it is empty".into());
        }
        if s.len() > max {
            return Err(format!("{s:?} is longer than {max} characters"));
        }
        if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(format!("{s:?} must start with a letter"));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!(
                "{s:?} holds {c:?}; use letters, digits and '-' only"
            ));
        }
        if s.ends_with('-') {
            return Err(format!("{s:?} must not end with '-'"));
        }
        Ok(IncusName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IncusName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A size written with a unit, as incus takes it: `10GiB`, `500MiB`, `20GB`. Kept as written
/// (without spaces) for incus and the file, and in bytes for the disk guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Size {
    pub bytes: u64,
    text: String,
}

const UNITS: &[(&str, u64)] = &[
    ("B", 1),
    ("kB", 1000),
    ("KB", 1000),
    ("KiB", 1 << 10),
    ("MB", 1_000_000),
    ("MiB", 1 << 20),
    ("GB", 1_000_000_000),
    ("GiB", 1 << 30),
    ("TB", 1_000_000_000_000),
    ("TiB", 1 << 40),
];

impl Size {
    pub fn parse(s: &str) -> Result<Size, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = (&t[..split], t[split..].trim());
        let hint = "write a whole number and a unit, e.g. 10GiB, 512MiB or 20GB";
        if num.is_empty() {
            return Err(format!("{s:?} is not a size; {hint}"));
        }
        let Some(&(_, mult)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(format!("{s:?} has no known unit; {hint}"));
        };
        let n: u64 = num
            .parse()
            .map_err(|_| format!("{s:?} is too large; {hint}"))?;
        match n.checked_mul(mult) {
            Some(0) => Err(format!("{s:?} is zero")),
            Some(bytes) => Ok(Size {
                bytes,
                text: format!("{num}{unit}"),
            }),
            None => Err(format!("{s:?} is too large")),
        }
    }

    /// As written, for incus and the file: `10GiB`.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// An absolute path inside an instance (or on the host): no `.`/`..`/empty components, no
/// trailing `/`, not `/` itself, no control characters. Quoted before use, never interpreted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AbsPath(String);

impl AbsPath {
    pub fn parse(s: &str) -> Result<AbsPath, String> {
        if !s.starts_with('/') {
            return Err(format!("{s:?} is not an absolute path"));
        }
        if s == "/" {
            return Err("\"/\" is the whole file system".into());
        }
        if s.len() > 4096 {
            return Err("the path is longer than 4096 bytes".into());
        }
        if crate::text::has_control(s) {
            return Err(format!("{s:?} holds a control character"));
        }
        if s[1..]
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(format!(
                "{s:?} holds an empty, '.' or '..' component (or ends with '/')"
            ));
        }
        Ok(AbsPath(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A directory a wipe empties: an absolute path (as [`AbsPath::parse`]) that is no glob
    /// (incus would take `*` as a literal name) and not the system: not a path under
    /// [`SYSTEM_TREES`] nor one of [`SYSTEM_DIRS`].
    pub fn parse_wipe(s: &str) -> Result<AbsPath, String> {
        let p = AbsPath::parse(s)?;
        if let Some(c) = s.chars().find(|c| matches!(c, '*' | '?' | '[')) {
            return Err(format!(
                "{s:?} holds the glob character {c:?}; name the directory itself (its contents go, the directory stays)"
            ));
        }
        let system = SYSTEM_TREES
            .iter()
            .any(|t| s == *t || s.starts_with(&format!("{t}/")))
            || SYSTEM_DIRS.contains(&s);
        if system {
            return Err(format!(
                "{s:?} is a system directory; a wipe path names a data directory of the service (e.g. /opt/gbo/data/minio)"
            ));
        }
        Ok(p)
    }
}

/// Trees a wipe never touches: the operating system itself.
pub const SYSTEM_TREES: &[&str] = &[
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run",
    "/sbin", "/sys", "/usr",
];

/// Directories a wipe never empties as a whole (paths below them are fine).
pub const SYSTEM_DIRS: &[&str] = &[
    "/home",
    "/media",
    "/mnt",
    "/opt",
    "/root",
    "/snap",
    "/srv",
    "/tmp",
    "/var",
    "/var/cache",
    "/var/lib",
    "/var/log",
    "/var/spool",
    "/var/tmp",
];

/// The incus client to run: a bare command name found on the host's PATH, or an absolute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command(String);

impl Command {
    pub fn parse(s: &str) -> Result<Command, String> {
        if s.contains('/') {
            AbsPath::parse(s)?;
        } else if s.is_empty()
            || s.starts_with('-')
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(format!(
                "{s:?} is neither an absolute path nor a plain command name"
            ));
        }
        Ok(Command(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The staging network: its bridge name and the host's address on it (`10.0.3.1/24`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageNetwork {
    pub name: IncusName,
    pub gateway: Ipv4Addr,
    pub prefix: u8,
}

impl StageNetwork {
    fn mask(&self) -> u32 {
        u32::MAX << (32 - u32::from(self.prefix))
    }
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.gateway) & self.mask())
    }
    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.gateway) | !self.mask())
    }
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.gateway) & self.mask()
    }
    /// `10.0.3.1/24`, as incus takes it for `ipv4.address`.
    pub fn cidr(&self) -> String {
        format!("{}/{}", self.gateway, self.prefix)
    }
    /// `10.0.3.0/24`.
    pub fn subnet(&self) -> String {
        format!("{}/{}", self.network(), self.prefix)
    }
}
