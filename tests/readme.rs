//! Every command in README.md runs, so the README cannot rot.
//!
//! The README's fenced blocks, in order, and how each is run:
//! - the first `sh` block: its first command runs from the checkout as
//!   written; its second is the test command, which must be what `.ci/run`
//!   runs (running it here would recurse);
//! - the install block: `scripts/install` with `--binary` (the binary this
//!   test suite built; the build step is `cargo install`'s own) into a
//!   temporary home, then the rest of the block as written;
//! - the tour: as written, in a temporary folder with the installed
//!   `anonymist` on the PATH and `policy.toml` holding the README's policy
//!   example; a `# -> TEXT` line checks the previous command's output;
//! - the proxy blocks: the `serve` line with its upstream replaced by a stub
//!   on 127.0.0.1 (no network here) and `--port 0`; `curl` and the Python
//!   example (the real `mistralai` client) with the address the server
//!   prints in place of `127.0.0.1:8080`;
//! - the Rust block is a doctest (`src/lib.rs` includes README.md).
//!
//! A new block of an unknown kind fails the test until it is given a rule.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Block {
    lang: String,
    /// 1-based line of the opening fence.
    line: usize,
    body: String,
}

fn blocks() -> Vec<Block> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README.md");
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, l) in text.lines().enumerate() {
        if let Some(rest) = l.strip_prefix("```") {
            match open.take() {
                Some(b) => out.push(b),
                None => {
                    open = Some(Block {
                        lang: rest.trim().to_string(),
                        line: i + 1,
                        body: String::new(),
                    })
                }
            }
        } else if let Some(b) = open.as_mut() {
            b.body.push_str(l);
            b.body.push('\n');
        }
    }
    assert!(open.is_none(), "README.md has an unclosed code block");
    out
}

/// The block's commands as one bash script: continuation lines joined, a
/// `# -> TEXT` line after a command checks that command's output.
fn script(body: &str) -> String {
    let mut commands: Vec<(String, Option<String>)> = Vec::new();
    let mut pending = String::new();
    for line in body.lines() {
        let t = line.trim();
        if let Some(want) = t.strip_prefix("# -> ") {
            let last = commands
                .last_mut()
                .expect("an expectation follows a command");
            last.1 = Some(want.to_string());
            continue;
        }
        if pending.is_empty() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        commands.push((std::mem::take(&mut pending), None));
    }
    let mut s = String::from("set -euo pipefail\n");
    for (cmd, want) in commands {
        match want {
            None => s.push_str(&format!("{cmd}\n")),
            Some(w) => s.push_str(&format!(
                "out=$({cmd})\nif [ \"$out\" != {w:?} ]; then echo \"README: expected {w:?}, got: $out\" >&2; exit 1; fi\n"
            )),
        }
    }
    s
}

fn bash(script: &str, dir: &Path, env: &[(&str, String)]) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(script).current_dir(dir);
    for (k, v) in env {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
    cmd.output().expect("run bash")
}

fn check(o: &std::process::Output, what: &str) {
    assert!(
        o.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// An upstream stub on 127.0.0.1: answers a chat completion with "Hello "
/// and the placeholders of the last user message; records the bodies.
fn start_stub() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind stub");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    let tag = regex::Regex::new(r"<[A-Z_]+_[0-9]+>").expect("re");
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().expect("clone"));
            let mut len = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; len];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let body = String::from_utf8_lossy(&body).into_owned();
            seen.lock().expect("lock").push(body.clone());
            let req: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let last = req["messages"]
                .as_array()
                .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
                .and_then(|m| m["content"].as_str())
                .unwrap_or("")
                .to_string();
            let tags: Vec<&str> = tag.find_iter(&last).map(|m| m.as_str()).collect();
            let answer = serde_json::json!({
                "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": format!("Hello {}.", tags.join(" and "))}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
            })
            .to_string();
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, bodies)
}

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_readme_command_runs_as_written() {
    let blocks = blocks();
    let home = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    let path = format!(
        "{}:{}",
        home.path().join(".local/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = vec![
        ("HOME", home.path().display().to_string()),
        ("PATH", path),
        // The installed binary must find its model by itself (empty: unset).
        ("ANONYMIST_MODEL_DIR", String::new()),
        ("XDG_DATA_HOME", String::new()),
        ("ANONYMIST_HASH_KEY", String::new()),
    ];
    let policy = blocks
        .iter()
        .find(|b| b.lang == "toml")
        .expect("the README has a policy example");
    std::fs::write(work.path().join("policy.toml"), &policy.body).expect("write policy");
    let (stub_url, stub_bodies) = start_stub();
    let mut server: Option<(Server, String)> = None;
    let mut ran = 0;
    for (k, b) in blocks.iter().enumerate() {
        let what = format!("README.md block at line {}", b.line);
        match b.lang.as_str() {
            "toml" | "rust" => {} // the policy is used by the tour; the Rust block is a doctest
            "sh" if k == 0 => {
                let cmds: Vec<&str> = b
                    .body
                    .lines()
                    .map(|l| l.split(" #").next().unwrap_or("").trim())
                    .filter(|l| !l.is_empty())
                    .collect();
                assert_eq!(cmds.len(), 2, "{what}: the main job and the test command");
                let o = bash(cmds[0], Path::new(ROOT), &[]);
                check(&o, &what);
                let out = String::from_utf8_lossy(&o.stdout);
                assert!(out.contains("<EMAIL>") && out.contains("<PERSON>"), "{out}");
                let ci = std::fs::read_to_string(Path::new(ROOT).join(".ci/run")).expect(".ci/run");
                assert_eq!(
                    ci.lines()
                        .rfind(|l| !l.trim_start().starts_with('#'))
                        .map(str::trim),
                    Some(cmds[1]),
                    ".ci/run must end with the README's test command"
                );
            }
            "sh" if b.body.contains("scripts/install") => {
                let body = b.body.replace(
                    "scripts/install ",
                    &format!(
                        "{ROOT}/scripts/install --binary {} ",
                        env!("CARGO_BIN_EXE_anonymist")
                    ),
                );
                let o = bash(&script(&body), work.path(), &env);
                check(&o, &what);
            }
            "sh" if b.body.contains("anonymist serve") => {
                let line = b
                    .body
                    .lines()
                    .find(|l| l.trim_start().starts_with("anonymist serve"))
                    .expect("serve line");
                let cmd = line.split(" #").next().expect("command").trim();
                let mut args: Vec<String> =
                    cmd.split_whitespace().skip(1).map(str::to_string).collect();
                if let Some(i) = args.iter().position(|a| a == "--upstream") {
                    args[i + 1] = stub_url.clone();
                }
                args.extend(["--port".to_string(), "0".to_string()]);
                let mut cmd = Command::new(home.path().join(".local/bin/anonymist"));
                cmd.args(&args)
                    .current_dir(work.path())
                    .env("MISTRAL_API_KEY", "test-key")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::inherit());
                for (k, v) in &env {
                    if v.is_empty() {
                        cmd.env_remove(k);
                    } else {
                        cmd.env(k, v);
                    }
                }
                let mut child = Server(cmd.spawn().expect("serve"));
                let mut first = String::new();
                BufReader::new(child.0.stdout.take().expect("stdout"))
                    .read_line(&mut first)
                    .expect("address line");
                let url = first
                    .trim()
                    .strip_prefix("listening on ")
                    .unwrap_or_else(|| panic!("{what}: serve printed {first:?}"))
                    .to_string();
                server = Some((child, url));
            }
            "sh" if b.body.contains("curl ") => {
                let (_, url) = server.as_ref().expect("the serve block comes first");
                let body = b.body.replace("http://127.0.0.1:8080", url);
                let o = bash(&body, work.path(), &env);
                check(&o, &what);
                let answer: serde_json::Value =
                    serde_json::from_slice(&o.stdout).expect("a JSON answer");
                let content = answer["choices"][0]["message"]["content"]
                    .as_str()
                    .expect("content");
                assert!(
                    content.contains("Jane Doe") && content.contains("jane.doe@example.com"),
                    "{content}"
                );
            }
            "sh" => {
                let o = bash(&script(&b.body), work.path(), &env);
                check(&o, &what);
            }
            "python" => {
                let (_, url) = server.as_ref().expect("the serve block comes first");
                let code = b.body.replace("http://127.0.0.1:8080", url);
                if !cfg!(anonymist_test_venv) {
                    // The Python example needs the mistralai client (PyPI);
                    // readme_python_example_runs reports it as ignored.
                    continue;
                }
                let o = Command::new(mistral_python())
                    .arg("-c")
                    .arg(&code)
                    .env("MISTRAL_API_KEY", "test-key")
                    .output()
                    .expect("python");
                check(&o, &what);
                let out = String::from_utf8_lossy(&o.stdout);
                assert!(
                    out.contains("Jane Doe") && out.contains("jane.doe@example.com"),
                    "{out}"
                );
            }
            other => panic!("{what}: no rule to run a {other:?} block"),
        }
        ran += 1;
    }
    assert!(ran >= 7, "only {ran} blocks ran");
    // The proxy only ever sent masked text upstream.
    let bodies = stub_bodies.lock().expect("lock");
    assert!(!bodies.is_empty());
    for b in bodies.iter() {
        assert!(
            !b.contains("Jane") && !b.contains("jane.doe"),
            "unmasked upstream: {b}"
        );
    }
}

/// The Python of the venv with the pinned `mistralai` client.
fn mistral_python() -> PathBuf {
    std::env::var_os("ANONYMIST_TEST_VENV")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(ROOT).join("target/test-venv"))
        .join("bin/python")
}

/// Marks the README's Python example as ignored where the client is absent
/// (the test above runs it when it is there).
#[test]
#[cfg_attr(
    not(anonymist_test_venv),
    ignore = "needs the mistralai client: run scripts/setup-test-venv target/test-venv (PyPI)"
)]
fn readme_python_example_has_its_client() {
    let python = mistral_python();
    let o = Command::new(&python)
        .args(["-c", "import mistralai.client"])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", python.display()));
    check(&o, "import mistralai.client");
}
