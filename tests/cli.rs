//! The `anonymist` binary, end to end: commands, flags, exit codes, bad input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_anonymist"))
}

/// Runs the binary with the pattern pass only (fast; these tests are about
/// the CLI itself). [`run_ner`] runs the default engine with the model.
fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut all = vec!["--patterns-only"];
    all.extend_from_slice(args);
    run_ner(&all, stdin)
}

fn run_ner(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .env_remove("ANONYMIST_HASH_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn anonymist");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The process may exit before reading everything (e.g. on an error).
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer thread");
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_command_has_help() {
    for cmd in [
        vec!["--help"],
        vec!["scrub", "--help"],
        vec!["analyze", "--help"],
        vec!["entities", "--help"],
    ] {
        let o = run(&cmd, b"");
        assert!(o.status.success(), "{cmd:?}");
        assert!(stdout(&o).contains("Usage"), "{cmd:?}");
    }
}

#[test]
fn scrub_masks_the_shipped_sample_with_the_model() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sample.txt");
    let o = run_ner(&["scrub", sample], b"");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for leaked in [
        "4111 1111 1111 1111",
        "jane.doe@example.co.uk",
        "+44 20 7946 0958",
        "GB82 WEST",
        "536-90-4399",
        "AKIAIOSFODNN7EXAMPLE",
        "192.168.10.24",
    ] {
        assert!(!out.contains(leaked), "{leaked} leaked:\n{out}");
    }
    // Look-alikes stay readable.
    assert!(out.contains("#88231") && out.contains("2.4.1"), "{out}");
    // The model finds the street address and the signature name.
    assert!(
        !out.contains("Baker Street") && out.contains("<STREET_ADDRESS>"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("<PERSON>"), "{out}");
}

#[test]
fn info_names_the_backend_and_model() {
    let o = run_ner(&["info"], b"");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("ner backend:") && out.contains("sha256"),
        "{out}"
    );
}

#[test]
fn missing_model_fails_closed_with_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run_ner(
        &["--model-dir", dir.path().to_str().expect("path"), "scrub"],
        b"Jane Doe, ann@x.org",
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(o.stdout.is_empty(), "nothing may be printed unmasked");
    let err = stderr(&o);
    assert!(
        err.contains("--patterns-only") && !err.contains("Jane"),
        "{err}"
    );
}

#[test]
fn scrub_reads_stdin_and_dash() {
    for args in [vec!["scrub"], vec!["scrub", "-"]] {
        let o = run(&args, b"write to ann@example.org");
        assert_eq!(stdout(&o), "write to <EMAIL>");
    }
}

#[test]
fn scrub_operator_flag_and_json_items() {
    let o = run(
        &["scrub", "--operator", "pseudonym", "--json"],
        b"ann@x.org, bob@y.org, ann@x.org",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["text"], "<EMAIL_1>, <EMAIL_2>, <EMAIL_1>");
    assert_eq!(v["items"].as_array().expect("items").len(), 3);
    assert!(
        !stdout(&o).contains("ann@x.org"),
        "originals must not be printed unless asked"
    );
    let o = run(&["scrub", "--json", "--show-originals"], b"ann@x.org");
    assert!(stdout(&o).contains("\"original\": \"ann@x.org\""));
}

#[test]
fn hash_needs_a_key_unless_insecure_is_explicit() {
    let o = bin()
        .args(["scrub", "--operator", "hash"])
        .env_remove("ANONYMIST_HASH_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ANONYMIST_HASH_KEY"));
    let with_key = bin()
        .args(["scrub", "--operator", "hash"])
        .env("ANONYMIST_HASH_KEY", "k1")
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(with_key.status.success());
    let o = run(
        &["scrub", "--operator", "hash", "--insecure-unkeyed-hash"],
        b"ann@x.org",
    );
    assert_eq!(stdout(&o).len(), 64);
}

#[test]
fn analyze_jsonl_uses_code_points_and_keeps_ids() {
    let input = "{\"id\": 7, \"text\": \"é 漢字 👋 ann@x.org\"}\n{\"id\": \"b\", \"text\": \"nothing\"}\n\n{\"text\": \"no id ann@x.org\"}\n";
    let o = run(&["analyze", "--jsonl"], input.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    // One output line per input line, the blank one included.
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["id"], 7);
    let span = &lines[0]["spans"][0];
    let text: Vec<char> = "é 漢字 👋 ann@x.org".chars().collect();
    let (s, e) = (
        span["start"].as_u64().expect("start") as usize,
        span["end"].as_u64().expect("end") as usize,
    );
    assert_eq!(text[s..e].iter().collect::<String>(), "ann@x.org");
    assert_eq!(span["entity"], "EMAIL");
    assert_eq!(lines[1]["id"], "b");
    assert_eq!(lines[1]["spans"].as_array().expect("spans").len(), 0);
    assert_eq!(lines[2], serde_json::json!({"spans": []}));
    assert!(lines[3].get("id").is_none());
    assert_eq!(lines[3]["spans"][0]["entity"], "EMAIL");
}

#[test]
fn analyze_plain_prints_json_spans_without_values() {
    let o = run(&["analyze"], b"call +33 6 12 34 56 78");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v[0]["entity"], "PHONE");
    assert!(v[0].get("text").is_none());
    let o = run(&["analyze", "--with-text"], b"call +33 6 12 34 56 78");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v[0]["text"], "+33 6 12 34 56 78");
}

#[test]
fn entities_and_threshold_flags() {
    let o = run(
        &["scrub", "--entities", "EMAIL"],
        b"ann@x.org 4111 1111 1111 1111",
    );
    assert_eq!(stdout(&o), "<EMAIL> 4111 1111 1111 1111");
    let o = run(&["scrub", "--entities", "NOT_A_THING"], b"x");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("NOT_A_THING"));
    let o = run(&["scrub", "--threshold", "2"], b"x");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn invalid_utf8_is_an_error_naming_the_offset_or_lossy() {
    let o = run(&["scrub"], b"ann@x.org \xff\xfe tail");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("offset 10"), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "nothing is printed on error");
    let o = run(&["scrub", "--lossy"], b"ann@x.org \xff tail");
    assert_eq!(stdout(&o), "<EMAIL> \u{fffd} tail");
}

#[test]
fn empty_input_works() {
    let o = run(&["scrub"], b"");
    assert!(o.status.success());
    assert_eq!(stdout(&o), "");
    let o = run(&["analyze", "--jsonl"], b"");
    assert!(o.status.success());
    assert_eq!(stdout(&o), "");
}

#[test]
fn malformed_jsonl_names_the_line_without_content() {
    let o = run(
        &["analyze", "--jsonl"],
        b"{\"text\": \"ok\"}\n{\"text\": \"Jane Roe\", \n",
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("line 2"), "{err}");
    assert!(!err.contains("Jane"), "{err}");
    let o = run(&["analyze", "--jsonl"], b"[1, 2]\n");
    assert!(stderr(&o).contains("line 1"));
    let o = run(
        &["analyze", "--jsonl", "--max-line-bytes", "10"],
        b"{\"text\": \"a long line here\"}\n",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("longer than 10 bytes"));
}

#[test]
fn broken_policy_names_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.toml");
    std::fs::write(
        &path,
        "threshold = 0.5\n[entity.EMAIL]\noperator = { type = \"mask\", masking_char = }\n",
    )
    .expect("write");
    let o = run(&["scrub", "--policy", path.to_str().expect("path")], b"x");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 3"), "{}", stderr(&o));
    let o = run(&["scrub", "--policy", "/nonexistent/p.toml"], b"x");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read policy file"));
}

#[test]
fn policy_file_drives_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.toml");
    std::fs::write(
        &path,
        r#"
[entity.CREDIT_CARD]
operator = { type = "mask", masking_char = "*", chars_to_mask = 15 }
[[deny_lists]]
entity = "CODENAME"
terms = ["blue harbor"]
"#,
    )
    .expect("write");
    let o = run(
        &["scrub", "--policy", path.to_str().expect("path")],
        b"Blue Harbor card 4111 1111 1111 1111",
    );
    assert_eq!(stdout(&o), "<CODENAME> card ***************1111");
}

#[test]
fn a_large_single_line_runs() {
    // 8 MB on one line with PII every ~4 KB: linear work, checked by count.
    let chunk = format!("{} ann@x.org ", "lorem ipsum dolor sit amet ".repeat(150));
    let n = 8 * 1024 * 1024 / chunk.len();
    let text = chunk.repeat(n);
    let o = run(&["scrub"], text.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).matches("<EMAIL>").count(), n);
}

#[test]
fn the_input_limit_names_its_flag_and_the_flag_raises_the_models_limit() {
    // Over the model's default limit (8 MiB), but only whitespace around
    // one name: the model has a handful of tokens to run.
    let mut text = " ".repeat(9 << 20);
    text.push_str("Jane Doe called.\n");
    let o = run_ner(&["scrub"], text.as_bytes());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("--max-input-bytes"), "{err}");
    assert!(o.stdout.is_empty(), "nothing is output unmasked");
    let o = run_ner(&["scrub", "--max-input-bytes", "10000000"], text.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.ends_with("<PERSON> called.\n"),
        "{}",
        &out[out.len() - 40..]
    );
    // And a lower limit applies to the model too.
    let o = run_ner(&["scrub", "--max-input-bytes", "8"], b"Jane Doe called.");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--max-input-bytes 16"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_piece_of_a_larger_validated_value_never_comes_out_as_another_entity() {
    // The card is validated; a phone-shaped piece of it is not reported
    // when only e-mails and phones are asked for.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.toml");
    std::fs::write(
        &path,
        "phone_regions = [\"US\", \"GB\", \"FR\", \"DE\", \"NL\"]\n",
    )
    .expect("write");
    let policy = path.to_str().expect("path");
    for text in [
        "Card 3782 822463 10005",
        "Card 4111 1111 1111 1111",
        "IBAN GB82 WEST 1234 5698 7654 32 ok",
        "NIR 1 78 06 75 123 456 44",
    ] {
        for model in [false, true] {
            let mut args = vec!["scrub", "--policy", policy, "--entities", "EMAIL,PHONE"];
            if !model {
                args.insert(0, "--patterns-only");
            }
            let o = run_ner(&args, text.as_bytes());
            assert!(o.status.success(), "{}", stderr(&o));
            assert_eq!(stdout(&o), text, "model: {model}");
        }
    }
}

#[test]
fn a_grouped_number_is_masked_whole_or_not_at_all() {
    // Identifiers with a wrong check digit, written in groups: a piece
    // matched by another recognizer or the model grows to the whole run.
    for text in [
        "Mon numéro: 1 78 06 75 123 456 01",
        "IBAN GB82 WEST 1234 5698 7654 33 please",
        "n° sécu 1 85 05 78 006 084 99",
        "tel +33 1 23 45 67 89 12 34",
    ] {
        let o = run_ner(&["scrub"], text.as_bytes());
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        // No digit of the run is left beside a tag.
        let digits_left = out.chars().filter(char::is_ascii_digit).count();
        assert!(
            digits_left == 0 || out == text,
            "half masked: {text:?} -> {out:?}"
        );
    }
    // A card-like number that fails Luhn and that nothing reports stays.
    let o = run_ner(&["scrub"], b"Card 4111 1111 1111 1112 expired");
    assert_eq!(stdout(&o), "Card 4111 1111 1111 1112 expired");
}

#[test]
fn unknown_entity_names_are_errors_naming_where_they_came_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (policy, line) in [
        (
            "threshold = 0.5\n\n[entity.EMAILS]\nthreshold = 0.6\n",
            "line 3",
        ),
        (
            "threshold = 0.5\nentities = [\"EMAIL\", \"EMAILS\"]\n",
            "line 2",
        ),
    ] {
        let path = dir.path().join("p.toml");
        std::fs::write(&path, policy).expect("write");
        let o = run(&["scrub", "--policy", path.to_str().expect("path")], b"x");
        assert_eq!(o.status.code(), Some(2), "{policy}");
        let err = stderr(&o);
        assert!(
            err.contains("EMAILS") && err.contains(line) && err.contains("p.toml"),
            "{err}"
        );
    }
    // What the model reports may be set up even with the model off.
    let path = dir.path().join("ok.toml");
    std::fs::write(&path, "[entity.PERSON]\nthreshold = 0.7\n").expect("write");
    let o = run(&["scrub", "--policy", path.to_str().expect("path")], b"x");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["scrub", "--entities", "EMAIL,EMAILS"], b"x");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("EMAILS"));
}

#[test]
fn a_hash_operator_of_an_entity_not_reported_needs_no_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.toml");
    std::fs::write(
        &path,
        "[entity.CREDIT_CARD]\noperator = { type = \"hash\", length = 16 }\n",
    )
    .expect("write");
    let policy = path.to_str().expect("path");
    let o = run(
        &["scrub", "--policy", policy, "--entities", "EMAIL,PHONE"],
        b"ann@x.org",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "<EMAIL>");
    // Reported, it still needs one.
    let o = run(&["scrub", "--policy", policy], b"ann@x.org");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ANONYMIST_HASH_KEY"));
}

#[test]
fn an_installed_binary_finds_its_model_without_the_checkout() {
    // A copy of the binary, away from the checkout: it must not fall back on
    // the folder it was built in, and must say where it looked.
    let root = tempfile::tempdir().expect("tempdir");
    let bin_dir = root.path().join("bin");
    std::fs::create_dir_all(&bin_dir).expect("mkdir");
    let exe = bin_dir.join("anonymist");
    std::fs::copy(env!("CARGO_BIN_EXE_anonymist"), &exe).expect("copy binary");
    let home = root.path().join("home");
    std::fs::create_dir_all(&home).expect("mkdir");
    let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let scrub = |extra_env: &[(&str, &std::path::Path)]| {
        let mut cmd = Command::new(&exe);
        cmd.arg("scrub")
            .current_dir(root.path())
            .env("HOME", &home)
            .env_remove("XDG_DATA_HOME")
            .env_remove("ANONYMIST_MODEL_DIR")
            .env_remove("ORT_DYLIB_PATH")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn");
        // It may exit (no model) before reading its input.
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"Jane Doe called.");
        child.wait_with_output().expect("wait")
    };
    let o = scrub(&[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("ANONYMIST_MODEL_DIR") && err.contains("share/anonymist/models"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    let link = |at: &std::path::Path| {
        std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
        std::os::unix::fs::symlink(&models, at).expect("symlink");
    };
    // scripts/install's layout: PREFIX/bin/anonymist, PREFIX/share/anonymist/models.
    let shared = root.path().join("share/anonymist/models");
    link(&shared);
    let o = scrub(&[]);
    assert_eq!(stdout(&o), "<PERSON> called.", "{}", stderr(&o));
    std::fs::remove_file(&shared).expect("unlink");
    // The user's data directory, and the variable.
    link(&home.join(".local/share/anonymist/models"));
    let o = scrub(&[]);
    assert_eq!(stdout(&o), "<PERSON> called.", "{}", stderr(&o));
    let xdg = root.path().join("xdg");
    link(&xdg.join("anonymist/models"));
    let o = scrub(&[("XDG_DATA_HOME", &xdg), ("HOME", root.path())]);
    assert_eq!(stdout(&o), "<PERSON> called.", "{}", stderr(&o));
    let o = scrub(&[("ANONYMIST_MODEL_DIR", &models), ("HOME", root.path())]);
    assert_eq!(stdout(&o), "<PERSON> called.", "{}", stderr(&o));
}
