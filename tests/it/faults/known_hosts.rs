//! Fault replay: every kind of known_hosts damage against a server whose key changed — cut at
//! every point, garbage in place of the file or beside the entry, a bit flipped in every byte.
//! Each variant, every run: the connection is refused naming the file, or (only where the
//! damage left a whole entry for another name, so this host is unknown) the new key is learned
//! and audited. A changed key is never accepted silently.

use serde_json::Value;

use crate::common::Env;
use crate::common::sshd::Sshd;

fn learned(env: &Env) -> usize {
    std::fs::read_to_string(env.ctx_dir("c").join("events/audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["command"] == "host_key_learned")
        .count()
}

fn check(env: &Env) -> (i32, Value) {
    env.json_in("c", &["target", "check", "--target", "edge"])
}

/// Whether `line` is still a whole entry, for another name than `host` (what a flip in the
/// name or port can leave: OpenSSH rightly treats the host as unknown then).
fn entry_for_another_name(line: &[u8], host: &str, good: &str) -> bool {
    let Ok(s) = std::str::from_utf8(line) else {
        return false;
    };
    let mut f = s.split(' ');
    let (name, rest) = (f.next().unwrap_or(""), f.collect::<Vec<_>>().join(" "));
    let good_rest = good.split_once(' ').unwrap().1;
    name != host && rest == good_rest.trim_end()
}

#[test]
fn every_known_hosts_damage_refuses_a_changed_key_or_audits_it() {
    let env = Env::new();
    env.init("c", "oss-demo");
    let mut sshd = Sshd::start();
    env.add_sshd_target("c", "edge", &sshd);
    let (code, doc) = check(&env);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(learned(&env), 1);
    let kh = env.root.join("known_hosts");
    let good = std::fs::read_to_string(&kh).unwrap();
    assert_eq!(good.lines().count(), 1, "{good}");
    let host = format!("[127.0.0.1]:{}", sshd.port);
    sshd.rotate_host_key();

    let line = good.trim_end().as_bytes().to_vec();
    let mut variants: Vec<(String, Vec<u8>)> = Vec::new();
    for n in (1..line.len()).step_by(3) {
        variants.push((format!("cut at byte {n}"), line[..n].to_vec()));
    }
    let junk: Vec<u8> = (0..200u32).map(|i| (i * 73 + 11) as u8).collect();
    variants.push(("garbage in place of the file".into(), junk.clone()));
    variants.push((
        "garbage line before the entry".into(),
        [b"\x01\x02 not an entry\n".as_slice(), good.as_bytes()].concat(),
    ));
    variants.push((
        "garbage line after the entry".into(),
        [good.as_bytes(), b"#ok\nssh-ed25519 AAAA\n".as_slice()].concat(),
    ));
    for at in 0..line.len() {
        let mut b = line.clone();
        b[at] ^= 1 << (at % 8);
        b.push(b'\n');
        variants.push((format!("bit {} of byte {at} flipped", at % 8), b));
    }

    let mut refused = 0;
    // Variants whose damage leaves this host's name whole: each must be refused. (How many
    // damages rename the host instead depends on the port's digits, which change run to run.)
    let good_name = format!("{} ", good.split(' ').next().unwrap_or_default());
    let name_whole = |b: &[u8]| b.starts_with(good_name.as_bytes());
    let whole = variants.iter().filter(|(_, b)| name_whole(b)).count();
    for (what, bytes) in &variants {
        std::fs::write(&kh, bytes).unwrap();
        let before = learned(&env);
        let (code, doc) = check(&env);
        if code == 0 {
            assert!(
                !name_whole(bytes),
                "{what}: a damaged entry for this host was accepted: {doc:#}"
            );
            // Only an entry that now names another host may let this host be learned anew.
            assert!(
                entry_for_another_name(bytes.strip_suffix(b"\n").unwrap_or(bytes), &host, &good),
                "{what}: a changed key was accepted: {doc:#}\n{}",
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(
                learned(&env),
                before + 1,
                "{what}: learned without an audit row"
            );
            continue;
        }
        refused += 1;
        assert_eq!(code, 1, "{what}: {doc:#}");
        let row = &doc["data"][0];
        assert_eq!(
            row["error_code"], "PAAS_HOST_KEY_MISMATCH",
            "{what}: {doc:#}"
        );
        let error = row["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(&kh.display().to_string()),
            "{what}: the error names the file: {error}"
        );
        assert_eq!(
            learned(&env),
            before,
            "{what}: a key was learned on a refusal"
        );
        assert_eq!(
            &std::fs::read(&kh).unwrap(),
            bytes,
            "{what}: known_hosts was rewritten"
        );
    }
    assert!(
        refused >= whole,
        "{refused} refused, {whole} left the name whole"
    );
    assert!(
        whole * 2 > variants.len(),
        "most damages must leave the name whole: {whole} of {}",
        variants.len()
    );
}
