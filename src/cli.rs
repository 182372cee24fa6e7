//! The command-line front end (clap). `main.rs` only calls [`run`].
//!
//! Exit codes: 0 success; 2 usage or input error (bad flag, unreadable file,
//! invalid UTF-8, malformed JSON line, broken policy, input too large);
//! 3 detection could not run (the text is not passed on).

use crate::anonymize::Operator;
use crate::engine::{Engine, EngineError};
use crate::offsets::CharIndex;
use crate::policy::Policy;
use crate::recognizers::DateProfile;
use crate::span::Span;
use crate::{DetectError, Item};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// Exit code for usage and input errors.
pub const EXIT_INPUT: i32 = 2;
/// Exit code when detection cannot run (fail closed).
pub const EXIT_DETECTION: i32 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "anonymist",
    version,
    about = "Find personal data (PII) in text and anonymize it, offline.",
    after_help = "Each command's flags are listed by `anonymist COMMAND --help`; they may also be \
                  written before the command (`anonymist --patterns-only scrub`).\n\n\
                  Exit codes: 0 ok; 2 usage or input error; 3 detection could not run (nothing is output unmasked)."
)]
pub struct Cli {
    /// The commands' flags written before the command (`anonymist
    /// --patterns-only scrub`): hidden from the top-level help, merged with
    /// the command's own by [`run`], refused for a command that does not
    /// use them.
    #[command(flatten)]
    pub shared: SharedArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// All the commands' flags, as one set: what a command runs with once the
/// flags written before it and after it are merged ([`run`]). As clap
/// arguments these are the ones written before the command, hidden from the
/// help: each command's `--help` lists the flags it takes, which are the
/// groups [`ModelArgs`], [`PolicyArgs`], [`DetectArgs`] and [`InputArgs`]
/// (the fields are documented there).
#[derive(Args, Debug, Clone)]
pub struct SharedArgs {
    /// [`PolicyArgs::policy`].
    #[arg(long, hide = true, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// [`DetectArgs::entities`].
    #[arg(long, hide = true, value_delimiter = ',', value_name = "A,B")]
    pub entities: Option<Vec<String>>,
    /// [`DetectArgs::threshold`].
    #[arg(long, hide = true, value_name = "X", value_parser = parse_threshold)]
    pub threshold: Option<f32>,
    /// [`InputArgs::lossy`].
    #[arg(long, hide = true)]
    pub lossy: bool,
    /// [`DetectArgs::max_input_bytes`].
    #[arg(long, hide = true, value_name = "BYTES")]
    pub max_input_bytes: Option<usize>,
    /// [`ModelArgs::patterns_only`].
    #[arg(long, hide = true)]
    pub patterns_only: bool,
    /// [`ModelArgs::model_dir`].
    #[arg(long, hide = true, env = "ANONYMIST_MODEL_DIR", value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// [`ModelArgs::ort_lib`].
    #[arg(long, hide = true, value_name = "FILE")]
    pub ort_lib: Option<PathBuf>,
    /// [`ModelArgs::backend`] (`auto` unless given).
    #[arg(long, hide = true, default_value = "auto", value_parser = BACKENDS)]
    pub backend: String,
    /// [`ModelArgs::ner_unfiltered`].
    #[arg(long, hide = true)]
    pub ner_unfiltered: bool,
    /// [`ModelArgs::ner_uncompleted`].
    #[arg(long, hide = true)]
    pub ner_uncompleted: bool,
    /// [`DetectArgs::date_profile`].
    #[arg(long, hide = true, value_name = "PROFILE", value_parser = parse_date_profile)]
    pub date_profile: Option<DateProfile>,
}

const BACKENDS: [&str; 3] = ["auto", "onnxruntime", "pure-rust"];

/// The NER model and its runtime: every command takes these.
#[derive(Args, Debug, Clone, Default)]
pub struct ModelArgs {
    /// Run the pattern pass only, without the NER model (names and addresses are then NOT found).
    #[arg(long)]
    pub patterns_only: bool,
    /// The model folder (with MANIFEST). Default: models/ here, next to the binary or in
    /// ../share/anonymist/ from it, or in the user's data directory (~/.local/share/anonymist/models).
    #[arg(long, env = "ANONYMIST_MODEL_DIR", value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// The ONNX Runtime library (else ORT_DYLIB_PATH, ./.ort/, next to the binary; else the pure-Rust backend).
    #[arg(long, value_name = "FILE")]
    pub ort_lib: Option<PathBuf>,
    /// NER backend: auto (the default: ONNX Runtime if found, else pure Rust), onnxruntime, pure-rust.
    #[arg(long, value_name = "NAME", value_parser = BACKENDS)]
    pub backend: Option<String>,
    /// Keep every span of the model's ID labels and phone tag, even with no
    /// context word, inside a longer token or after an id word (off by
    /// default: they fire on order numbers, versions and amounts). For
    /// measuring what the checks cost.
    #[arg(long, hide = true)]
    pub ner_unfiltered: bool,
    /// Report the model's names and addresses as it found them, without
    /// completing surnames, other mentions, list items and address tails.
    /// For measuring what the completion adds.
    #[arg(long, hide = true)]
    pub ner_uncompleted: bool,
}

/// The policy file: the commands that build the engine (scrub, analyze,
/// serve, entities) take it.
#[derive(Args, Debug, Clone, Default)]
pub struct PolicyArgs {
    /// Policy file (TOML): entities, thresholds, operators, custom recognizers, deny and allow lists.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

/// What is reported, and how much text at once: the commands that detect
/// (scrub, analyze, serve) take these.
#[derive(Args, Debug, Clone, Default)]
pub struct DetectArgs {
    /// Report only these entities (comma-separated, e.g. EMAIL,PHONE).
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub entities: Option<Vec<String>>,
    /// Minimum score for a span to be reported (0.0-1.0; default 0.5).
    #[arg(long, value_name = "X", value_parser = parse_threshold)]
    pub threshold: Option<f32>,
    /// Date forms to mask: `default` (HIPAA Safe Harbor: dates, times and
    /// timestamps, not a year alone) or `strict` (also bare years and weekdays
    /// next to a context word). Overrides the policy's `date_profile`.
    #[arg(long, value_name = "PROFILE", value_parser = parse_date_profile)]
    pub date_profile: Option<DateProfile>,
    /// Largest text analyzed in one piece, in bytes; larger input is refused (exit 2), never
    /// passed on. Default 8 MiB with the model (it analyzes about 1 MB a minute on 2 cores),
    /// 256 MiB with --patterns-only; the flag raises or lowers both.
    #[arg(long, value_name = "BYTES")]
    pub max_input_bytes: Option<usize>,
}

/// How input bytes are read: the commands that read text (scrub, analyze)
/// take these.
#[derive(Args, Debug, Clone, Default)]
pub struct InputArgs {
    /// Replace invalid UTF-8 bytes with U+FFFD instead of failing.
    #[arg(long)]
    pub lossy: bool,
}

impl SharedArgs {
    /// These flags (written before the command) merged with the groups the
    /// command takes (written after it): a value given after the command
    /// wins, a switch given in either place is on. A flag written before a
    /// command that does not take its group is an error naming the flag.
    fn merged(
        mut self,
        command: &str,
        model: &ModelArgs,
        policy: Option<&PolicyArgs>,
        detect: Option<&DetectArgs>,
        input: Option<&InputArgs>,
    ) -> Result<SharedArgs, CliError> {
        let unused = [
            (policy.is_none() && self.policy.is_some(), "--policy"),
            (detect.is_none() && self.entities.is_some(), "--entities"),
            (detect.is_none() && self.threshold.is_some(), "--threshold"),
            (
                detect.is_none() && self.date_profile.is_some(),
                "--date-profile",
            ),
            (
                detect.is_none() && self.max_input_bytes.is_some(),
                "--max-input-bytes",
            ),
            (input.is_none() && self.lossy, "--lossy"),
        ];
        if let Some((_, flag)) = unused.iter().find(|(bad, _)| *bad) {
            return Err(CliError::input(format!(
                "{flag} has no effect on `anonymist {command}`: remove it \
                 (`anonymist {command} --help` lists the flags it takes)"
            )));
        }
        self.patterns_only |= model.patterns_only;
        self.model_dir = model.model_dir.clone().or(self.model_dir);
        self.ort_lib = model.ort_lib.clone().or(self.ort_lib);
        if let Some(b) = &model.backend {
            self.backend = b.clone();
        }
        self.ner_unfiltered |= model.ner_unfiltered;
        self.ner_uncompleted |= model.ner_uncompleted;
        if let Some(p) = policy {
            self.policy = p.policy.clone().or(self.policy);
        }
        if let Some(d) = detect {
            self.entities = d.entities.clone().or(self.entities);
            self.threshold = d.threshold.or(self.threshold);
            self.date_profile = d.date_profile.or(self.date_profile);
            self.max_input_bytes = d.max_input_bytes.or(self.max_input_bytes);
        }
        if let Some(i) = input {
            self.lossy |= i.lossy;
        }
        Ok(self)
    }
}

/// Loads the NER detector, or fails closed with the fix in one line.
pub fn load_ner(shared: &SharedArgs) -> Result<crate::ner::NerDetector, CliError> {
    use crate::ner::{BackendChoice, NerDetector, NerOptions};
    let model_dir = match &shared.model_dir {
        Some(d) => d.clone(),
        None => crate::ner::model_dir::find().map_err(|searched| CliError {
            code: EXIT_DETECTION,
            message: format!(
                "the NER model cannot be used: {} (or run with --patterns-only, which does not find names or addresses)",
                crate::ner::NerError::ModelNotFound { searched }
            ),
        })?,
    };
    let opts = NerOptions {
        model_dir,
        ort_lib: shared.ort_lib.clone(),
        backend: match shared.backend.as_str() {
            "onnxruntime" => BackendChoice::OnnxRuntime,
            "pure-rust" => BackendChoice::PureRust,
            _ => BackendChoice::Auto,
        },
        plausibility: !shared.ner_unfiltered,
        completion: !shared.ner_uncompleted,
        max_bytes: shared
            .max_input_bytes
            .unwrap_or(NerOptions::default().max_bytes),
        ..NerOptions::default()
    };
    NerDetector::load(&opts).map_err(|e| CliError {
        code: EXIT_DETECTION,
        message: format!("the NER model cannot be used: {e} (or run with --patterns-only, which does not find names or addresses)"),
    })
}

fn parse_date_profile(s: &str) -> Result<DateProfile, String> {
    s.parse()
}

fn parse_threshold(s: &str) -> Result<f32, String> {
    let t: f32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(format!("{t} is outside 0.0..=1.0"))
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the text with its PII anonymized.
    Scrub(ScrubArgs),
    /// Print the PII spans found, as JSON (offsets in Unicode code points).
    Analyze(AnalyzeArgs),
    /// List the entity types the engine reports.
    Entities(EntitiesArgs),
    /// Show the detectors, the NER backend and the model in use.
    Info(InfoArgs),
    /// Run the HTTP service: Presidio-compatible /analyze, /anonymize,
    /// /deanonymize, and a Mistral chat-completions proxy.
    Serve(ServeArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to bind (loopback by default).
    #[arg(long, env = "ANONYMIST_HOST", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to bind (0 picks a free one; the address is printed on stdout).
    #[arg(long, env = "ANONYMIST_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Base URL of the chat-completions upstream, e.g. https://api.mistral.ai
    #[arg(long, env = "ANONYMIST_UPSTREAM", value_name = "URL")]
    pub upstream: Option<String>,
    /// Environment variable holding the upstream API key (used when the client sends no Authorization).
    #[arg(long, default_value = "MISTRAL_API_KEY", value_name = "VAR")]
    pub upstream_key_env: String,
    /// Upstream timeout in seconds (whole answer; for streams, between reads).
    #[arg(long, env = "ANONYMIST_UPSTREAM_TIMEOUT", default_value_t = 120)]
    pub upstream_timeout: u64,
    /// Largest accepted request body in bytes.
    #[arg(long, env = "ANONYMIST_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// How long a conversation's pseudonym mapping lives after its last use, in seconds.
    #[arg(long, env = "ANONYMIST_CONVERSATION_TTL", default_value_t = 3600)]
    pub conversation_ttl: u64,
    /// Most conversations kept (least recently used ones are dropped first).
    #[arg(long, env = "ANONYMIST_MAX_CONVERSATIONS", default_value_t = 10_000)]
    pub max_conversations: usize,
    /// Persist conversation mappings to this file, encrypted (ChaCha20-Poly1305) with the
    /// 32-byte key in ANONYMIST_VAULT_KEY (64 hex digits or base64).
    #[arg(long, env = "ANONYMIST_VAULT_FILE", value_name = "FILE")]
    pub vault_file: Option<PathBuf>,
    /// Allow the hash operator without ANONYMIST_HASH_KEY (plain SHA-256, reversible by dictionary).
    #[arg(long)]
    pub insecure_unkeyed_hash: bool,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Args, Debug)]
pub struct EntitiesArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Args, Debug)]
pub struct ScrubArgs {
    /// Input file; `-` or nothing reads standard input.
    pub input: Option<PathBuf>,
    /// Operator for entities the policy gives none: replace, redact, pseudonym, mask, hash, keep.
    #[arg(long, value_name = "OP", value_parser = parse_operator)]
    pub operator: Option<Operator>,
    /// Print {"text": ..., "items": [...]} instead of the bare text.
    #[arg(long)]
    pub json: bool,
    /// With --json, include the original values in the items.
    #[arg(long, requires = "json")]
    pub show_originals: bool,
    /// Allow the hash operator without a key (plain SHA-256, reversible by dictionary).
    #[arg(long)]
    pub insecure_unkeyed_hash: bool,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub reading: InputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

fn parse_operator(s: &str) -> Result<Operator, String> {
    Operator::from_name(s).ok_or_else(|| {
        format!("unknown operator {s:?}: use replace, redact, pseudonym, mask, hash or keep")
    })
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Input file; `-` or nothing reads standard input.
    pub input: Option<PathBuf>,
    /// Read JSON Lines: one object per line with "text" (and optional "id").
    /// Writes exactly one line per input line, in order, so output line N
    /// answers input line N: {"id", "spans": [{"start", "end", "entity",
    /// "score"}]}, "id" only when the record has one; a blank input line
    /// gives {"spans": []}.
    #[arg(long)]
    pub jsonl: bool,
    /// Include each span's text in the output (off by default: the output would hold the PII).
    #[arg(long)]
    pub with_text: bool,
    /// With --jsonl, the longest accepted line in bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    pub max_line_bytes: usize,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub detect: DetectArgs,
    #[command(flatten)]
    pub reading: InputArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// An error with its exit code. Messages never contain input text.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    fn input(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_INPUT,
            message: message.into(),
        }
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        match &e {
            EngineError::Detect(DetectError::TooLarge { len, .. }) => CliError::input(format!(
                "{e}; nothing was output. Raise the limit with --max-input-bytes {len} \
                 (or split the input, or use analyze --jsonl for many records)"
            )),
            EngineError::Detect(_) => CliError {
                code: EXIT_DETECTION,
                message: e.to_string(),
            },
            _ => CliError::input(e.to_string()),
        }
    }
}

fn io_err(what: &str, e: std::io::Error) -> CliError {
    CliError::input(format!("{what}: {e}"))
}

/// Runs the CLI; returns the process exit code.
/// The flags written before the command and after it are merged
/// ([`SharedArgs`]).
pub fn run(cli: Cli) -> Result<(), CliError> {
    let pre = cli.shared;
    match &cli.command {
        Command::Scrub(a) => {
            let shared = pre.merged(
                "scrub",
                &a.model,
                Some(&a.policy),
                Some(&a.detect),
                Some(&a.reading),
            )?;
            scrub(&shared, a)
        }
        Command::Analyze(a) => {
            let shared = pre.merged(
                "analyze",
                &a.model,
                Some(&a.policy),
                Some(&a.detect),
                Some(&a.reading),
            )?;
            analyze(&shared, a)
        }
        Command::Entities(a) => {
            entities(&pre.merged("entities", &a.model, Some(&a.policy), None, None)?)
        }
        Command::Info(a) => info(&pre.merged("info", &a.model, None, None, None)?),
        Command::Serve(a) => {
            let shared = pre.merged("serve", &a.model, Some(&a.policy), Some(&a.detect), None)?;
            serve(&shared, a)
        }
    }
}

fn build_engine(
    shared: &SharedArgs,
    configure: impl FnOnce(crate::EngineBuilder) -> crate::EngineBuilder,
) -> Result<Engine, CliError> {
    let mut b = Engine::builder();
    if let Some(p) = &shared.policy {
        b = b.policy(Policy::from_file(p).map_err(|e| CliError::input(e.to_string()))?);
    }
    if let Some(e) = &shared.entities {
        b = b.entities(e.clone());
    }
    if let Some(t) = shared.threshold {
        b = b.threshold(t);
    }
    if let Some(n) = shared.max_input_bytes {
        b = b.max_input_bytes(n);
    }
    if let Some(p) = shared.date_profile {
        b = b.date_profile(p);
    }
    if !shared.patterns_only {
        b = b.detector(Box::new(load_ner(shared)?));
    }
    Ok(configure(b).build()?)
}

/// Reads a whole input (file or stdin) as UTF-8.
fn read_input(path: Option<&Path>, lossy: bool) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    match path {
        None => std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| io_err("cannot read standard input", e))?,
        Some(p) if p == Path::new("-") => std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| io_err("cannot read standard input", e))?,
        Some(p) => {
            bytes =
                std::fs::read(p).map_err(|e| io_err(&format!("cannot read {}", p.display()), e))?;
            bytes.len()
        }
    };
    decode(bytes, lossy, "input")
}

fn decode(bytes: Vec<u8>, lossy: bool, what: &str) -> Result<String, CliError> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) if lossy => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Err(e) => Err(CliError::input(format!(
            "{what} is not valid UTF-8: invalid byte at offset {} (use --lossy to replace invalid bytes with U+FFFD)",
            e.utf8_error().valid_up_to()
        ))),
    }
}

fn stdout_writer() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock())
}

fn write_err(e: std::io::Error) -> CliError {
    CliError::input(format!("cannot write output: {e}"))
}

/// A span as printed: code-point offsets.
#[derive(Serialize)]
struct SpanOut<'a> {
    start: usize,
    end: usize,
    entity: &'a str,
    /// Rounded to 3 decimals. An f64: an f32 widened on its way into JSON
    /// prints as 0.8500000238418579.
    score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    recognizer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
}

fn spans_out<'a>(
    text: &'a str,
    spans: &'a [Span],
    idx: &CharIndex,
    verbose: bool,
    with_text: bool,
) -> Vec<SpanOut<'a>> {
    spans
        .iter()
        .map(|s| SpanOut {
            start: idx.to_char(s.start),
            end: idx.to_char(s.end),
            entity: s.entity.as_str(),
            score: (f64::from(s.score) * 1000.0).round() / 1000.0,
            recognizer: verbose.then_some(&*s.recognizer),
            text: with_text.then(|| &text[s.start..s.end]),
        })
        .collect()
}

fn scrub(shared: &SharedArgs, a: &ScrubArgs) -> Result<(), CliError> {
    let engine = build_engine(shared, |mut b| {
        if let Some(op) = &a.operator {
            b = b.default_operator(op.clone());
        }
        b.insecure_unkeyed_hash(a.insecure_unkeyed_hash)
            .include_originals(a.show_originals)
    })?;
    let text = read_input(a.input.as_deref(), shared.lossy)?;
    let out = engine.anonymize(&text)?;
    let mut w = stdout_writer();
    if a.json {
        #[derive(Serialize)]
        struct ItemOut<'a> {
            entity: &'a str,
            start: usize,
            end: usize,
            input_start: usize,
            input_end: usize,
            operator: &'a str,
            text: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            original: Option<&'a str>,
        }
        let in_idx = CharIndex::new(&text);
        let out_idx = CharIndex::new(&out.text);
        let items: Vec<ItemOut> = out
            .items
            .iter()
            .map(|i: &Item| ItemOut {
                entity: i.entity.as_str(),
                start: out_idx.to_char(i.start),
                end: out_idx.to_char(i.end),
                input_start: in_idx.to_char(i.input_start),
                input_end: in_idx.to_char(i.input_end),
                operator: i.operator,
                text: &i.replacement,
                original: i.original.as_deref(),
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut w,
            &serde_json::json!({ "text": out.text, "items": items }),
        )
        .map_err(|e| CliError::input(format!("cannot write output: {e}")))?;
        writeln!(w).map_err(write_err)?;
    } else {
        w.write_all(out.text.as_bytes()).map_err(write_err)?;
    }
    w.flush().map_err(write_err)
}

fn analyze(shared: &SharedArgs, a: &AnalyzeArgs) -> Result<(), CliError> {
    let engine = build_engine(shared, |b| b)?;
    if a.jsonl {
        return analyze_jsonl(&engine, shared, a);
    }
    let text = read_input(a.input.as_deref(), shared.lossy)?;
    let spans = engine.analyze(&text)?;
    let idx = CharIndex::new(&text);
    let mut w = stdout_writer();
    serde_json::to_writer_pretty(&mut w, &spans_out(&text, &spans, &idx, true, a.with_text))
        .map_err(|e| CliError::input(format!("cannot write output: {e}")))?;
    writeln!(w).map_err(write_err)?;
    w.flush().map_err(write_err)
}

fn analyze_jsonl(engine: &Engine, shared: &SharedArgs, a: &AnalyzeArgs) -> Result<(), CliError> {
    let reader: Box<dyn Read> = match a.input.as_deref() {
        None => Box::new(std::io::stdin().lock()),
        Some(p) if p == Path::new("-") => Box::new(std::io::stdin().lock()),
        Some(p) => Box::new(
            std::fs::File::open(p)
                .map_err(|e| io_err(&format!("cannot read {}", p.display()), e))?,
        ),
    };
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let mut w = stdout_writer();
    let mut line = Vec::new();
    let mut n = 0usize;
    // A blank line is `None`: it gets an empty record, so that output line
    // N answers input line N.
    let mut batch: Vec<(usize, Option<Record>)> = Vec::with_capacity(JSONL_BATCH);
    loop {
        line.clear();
        n += 1;
        // Read at most max_line_bytes + 1 so a huge line cannot exhaust memory.
        let read = (&mut reader)
            .take(a.max_line_bytes as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| io_err("cannot read input", e))?;
        if read == 0 {
            break;
        }
        if line.len() > a.max_line_bytes && !line.ends_with(b"\n") {
            return Err(CliError::input(format!(
                "line {n}: longer than {} bytes (raise --max-line-bytes)",
                a.max_line_bytes
            )));
        }
        let raw = std::mem::take(&mut line);
        let s = decode(raw, shared.lossy, &format!("line {n}"))?;
        let trimmed = s.trim();
        let record = if trimmed.is_empty() {
            None
        } else {
            Some(parse_record(trimmed).map_err(|m| CliError::input(format!("line {n}: {m}")))?)
        };
        batch.push((n, record));
        line = s.into_bytes();
        if batch.len() >= JSONL_BATCH {
            write_batch(engine, &mut batch, &mut w, a.with_text)?;
        }
    }
    write_batch(engine, &mut batch, &mut w, a.with_text)?;
    w.flush().map_err(write_err)
}

/// Records analyzed together (the NER model batches their windows).
const JSONL_BATCH: usize = 32;

/// One output line of `analyze --jsonl`.
#[derive(Serialize)]
struct RecordOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a serde_json::Value>,
    spans: Vec<SpanOut<'a>>,
}

/// Analyzes and writes a batch of JSONL lines, in input order: one output
/// line per entry, `{"spans": []}` for a blank line (`None`).
fn write_batch(
    engine: &Engine,
    batch: &mut Vec<(usize, Option<Record>)>,
    w: &mut impl Write,
    with_text: bool,
) -> Result<(), CliError> {
    if batch.is_empty() {
        return Ok(());
    }
    let texts: Vec<&str> = batch
        .iter()
        .filter_map(|(_, r)| r.as_ref().map(|r| r.text.as_str()))
        .collect();
    let (first, last) = (batch[0].0, batch[batch.len() - 1].0);
    let mut all = engine
        .analyze_many(&texts)
        .map_err(|e| {
            let mut err = CliError::from(e);
            err.message = format!("lines {first}..={last}: {}", err.message);
            err
        })?
        .into_iter();
    for (n, record) in batch.drain(..) {
        let spans = match record {
            None => Vec::new(),
            Some(_) => all.next().ok_or_else(|| CliError {
                code: EXIT_DETECTION,
                message: format!(
                    "line {n}: the engine returned fewer results than records; nothing more \
                     was output (this is a bug: please report it)"
                ),
            })?,
        };
        let line = match &record {
            None => RecordOut {
                id: None,
                spans: Vec::new(),
            },
            Some(record) => RecordOut {
                id: record.id.as_ref(),
                spans: spans_out(
                    &record.text,
                    &spans,
                    &CharIndex::new(&record.text),
                    false,
                    with_text,
                ),
            },
        };
        serde_json::to_writer(&mut *w, &line)
            .map_err(|e| CliError::input(format!("cannot write output: {e}")))?;
        w.write_all(b"\n").map_err(write_err)?;
    }
    Ok(())
}

#[derive(Debug)]
struct Record {
    id: Option<serde_json::Value>,
    text: String,
}

/// Parses one JSONL record. Error messages describe the shape, never the
/// content.
fn parse_record(line: &str) -> Result<Record, String> {
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        format!(
            "malformed JSON at column {} ({})",
            e.column(),
            match e.classify() {
                serde_json::error::Category::Syntax => "syntax error",
                serde_json::error::Category::Eof => "unexpected end of line",
                serde_json::error::Category::Data => "invalid data",
                serde_json::error::Category::Io => "read error",
            }
        )
    })?;
    let serde_json::Value::Object(mut map) = v else {
        return Err("expected a JSON object with a string field \"text\"".into());
    };
    let text = match map.remove("text") {
        Some(serde_json::Value::String(s)) => s,
        Some(_) => return Err("field \"text\" is not a string".into()),
        None => return Err("missing field \"text\"".into()),
    };
    Ok(Record {
        id: map.remove("id"),
        text,
    })
}

fn info(shared: &SharedArgs) -> Result<(), CliError> {
    let mut w = stdout_writer();
    writeln!(w, "anonymist {}", env!("CARGO_PKG_VERSION")).map_err(write_err)?;
    if shared.patterns_only {
        writeln!(w, "detectors: patterns (NER off: --patterns-only)").map_err(write_err)?;
    } else {
        let ner = load_ner(shared)?;
        let m = ner.model_info();
        writeln!(w, "detectors: patterns, ner").map_err(write_err)?;
        writeln!(w, "ner backend: {}", ner.backend()).map_err(write_err)?;
        writeln!(w, "model: {} (sha256 {})", m.dir.display(), m.model_sha256).map_err(write_err)?;
        writeln!(
            w,
            "model shape: {} layers, hidden {}, {} positions, {} labels",
            m.layers,
            m.hidden,
            m.max_positions,
            m.labels.len()
        )
        .map_err(write_err)?;
    }
    w.flush().map_err(write_err)
}

fn entities(shared: &SharedArgs) -> Result<(), CliError> {
    let engine = build_engine(shared, |b| b)?;
    let mut w = stdout_writer();
    for e in engine.entities() {
        writeln!(w, "{e}").map_err(write_err)?;
    }
    w.flush().map_err(write_err)
}

fn serve(shared: &SharedArgs, a: &ServeArgs) -> Result<(), CliError> {
    use crate::server::{
        ServeConfig, build_state, conversations::StoreConfig, conversations::parse_key, serve,
        shutdown_signal,
    };
    let engine = std::sync::Arc::new(build_engine(shared, |b| b)?);
    let persist = match &a.vault_file {
        None => None,
        Some(path) => {
            let key = std::env::var("ANONYMIST_VAULT_KEY")
                .ok()
                .and_then(|k| parse_key(&k))
                .ok_or_else(|| CliError::input("--vault-file needs ANONYMIST_VAULT_KEY: 32 bytes as 64 hex digits or base64"))?;
            Some((path.clone(), key))
        }
    };
    let config = ServeConfig {
        listen: std::net::SocketAddr::new(a.host, a.port),
        upstream: a.upstream.clone(),
        upstream_key: std::env::var(&a.upstream_key_env)
            .ok()
            .filter(|k| !k.is_empty()),
        upstream_timeout: std::time::Duration::from_secs(a.upstream_timeout),
        max_body_bytes: a.max_body_bytes,
        store: StoreConfig {
            ttl: std::time::Duration::from_secs(a.conversation_ttl),
            max_conversations: a.max_conversations,
            persist,
        },
        insecure_unkeyed_hash: a.insecure_unkeyed_hash,
    };
    let state = build_state(engine, config).map_err(|e| CliError::input(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("cannot start the async runtime: {e}")))?;
    runtime
        .block_on(serve(
            state,
            |addr| {
                // The address goes to stdout (one line) so scripts can read
                // the port when --port 0 was given.
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "listening on http://{addr}");
                let _ = out.flush();
            },
            shutdown_signal(),
        ))
        .map_err(|e| CliError::input(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_errors_do_not_quote_content() {
        let e = parse_record(r#"{"text": 5, "id": "secret-name"}"#).expect_err("error");
        assert!(!e.contains("secret"));
        let e = parse_record(r#"{"text": "John Smith" "#).expect_err("error");
        assert!(!e.contains("John"), "{e}");
    }

    #[test]
    fn invalid_utf8_names_the_offset() {
        let e = decode(b"abc\xffdef".to_vec(), false, "input").expect_err("error");
        assert!(e.message.contains("offset 3"), "{}", e.message);
        assert_eq!(
            decode(b"abc\xff".to_vec(), true, "input").ok().as_deref(),
            Some("abc\u{fffd}")
        );
    }
}
