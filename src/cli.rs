//! The command line: clap definitions (doc comments are the help text) and the
//! dispatch from each subcommand to the library. No stage depends on clap.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::error::{Error, Result};
use crate::{extract, spec};

mod run_cmd;

/// Conformance and contract testing for documented JSON/HTTP APIs.
///
/// assay turns an API's reference document into a spec, the spec into JSON Schemas
/// and test cases, and reports every deviation of a deployment as a diff citing the
/// document.
#[derive(Debug, Parser)]
#[command(name = "assay", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the spec parts a document states in tables, URL templates and examples.
    ///
    /// With --overlay, lay the hand-written overlay over them and print the whole
    /// spec: `assay extract DOC --overlay specs/overlay/bip.yaml` reproduces
    /// specs/bip.yaml.
    Extract {
        /// The reference document.
        doc: PathBuf,
        /// Document style; taken from the overlay when one is given.
        #[arg(long, value_parser = parse_style)]
        style: Option<extract::Style>,
        /// The overlay: what the document says only in prose.
        #[arg(long)]
        overlay: Option<PathBuf>,
    },
    /// Print the JSON Schema of the spec format (specs/spec.schema.json).
    SpecSchema,
    /// List each contradiction of a spec's document, citing the places that disagree.
    ///
    /// Contradictions the spec acknowledges (under `acknowledged`, with a reason) are
    /// listed too, marked acknowledged. Exit 0 when every one is acknowledged, 1
    /// otherwise (or when an acknowledgement matches nothing any more).
    Lint {
        /// Spec files (YAML, or JSON by extension).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// Folder of the reference documents, to show the lines each finding cites.
        #[arg(long, env = "ASSAY_DOCS")]
        docs: Option<PathBuf>,
    },
    /// Write the JSON Schemas (2020-12) a spec generates.
    ///
    /// RESOURCE.json (an item as returned), RESOURCE.list.json (a list response),
    /// RESOURCE.create.json / RESOURCE.update.json (write bodies), error.NAME.json
    /// (error bodies), OPERATION.request.json / .response.json (bodies with their own
    /// tables). With several specs, each gets a folder of its name under --out.
    Schema {
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// Folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve a mock deployment of a spec until interrupted.
    ///
    /// Routes, auth, envelopes, pagination and error bodies all follow the spec;
    /// records are the document's examples plus generated ones, the same for the
    /// same seed. Binds to loopback unless told otherwise.
    Mock {
        #[arg(required_unless_present = "list_faults")]
        spec: Option<PathBuf>,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: std::net::SocketAddr,
        /// Records per resource.
        #[arg(long, default_value_t = 50)]
        records: usize,
        /// Seed of the generated records.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Break the contract this way (repeatable); see --list-faults.
        #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault)]
        faults: Vec<crate::mock::FaultName>,
        /// List the faults and what each does (those written with the checks, then
        /// those written blind from the documents).
        #[arg(long)]
        list_faults: bool,
    },
    /// Print the test cases a spec generates (suites/NAME.yaml).
    ///
    /// Every case cites the document place it rests on and its severity: `must`
    /// (stated) or `should` (implied). `assay generate specs/bip.yaml >
    /// suites/bip.yaml` refreshes a committed suite.
    Generate { spec: PathBuf },
    /// Run a spec's cases against a deployment, or against its embedded mock.
    ///
    /// Cases are generated from the spec, plus the hand-written ones in
    /// SUITES/NAME.hand.yaml. Reads run first, concurrently; cases that write run
    /// only with --allow-writes and delete what they create. Exit 0 when every
    /// case passed (or was skipped), 1 when one failed, 2 on bad input.
    Run(Box<RunArgs>),
    /// Record the responses of a spec's read-only cases as snapshots.
    ///
    /// One insta snapshot file per distinct request, in DIR/SPEC/: status, content
    /// type and body, keys sorted, volatile values replaced as the spec's
    /// `redactions` say, secrets scrubbed. `assay run --snapshots DIR` then
    /// reports each drift from them.
    Record(Box<RecordArgs>),
    /// Classify every change between two versions of a spec as breaking or compatible.
    ///
    /// Breaking: a resource, operation, field or parameter removed, a type changed,
    /// a field or parameter newly required, an enum value removed, the pagination
    /// maximum lowered, a status or error body changed, the auth scheme, an
    /// envelope, the content type or the paging convention changed, nulls where
    /// none were. Exit 1 on any breaking change.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value = "human")]
        format: DiffFormat,
    },
    /// Combine the JSON reports of `--partition K/N` runs into one report.
    ///
    /// Exit 1 when a case failed in any of them, 2 when the shards overlap or a
    /// report cannot be read.
    Merge {
        /// JSON reports (`assay run --format json`).
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Format of the combined report.
        #[arg(long, value_enum, default_value = "json")]
        format: crate::report::Format,
        /// Write the report to this file instead of standard output (`-`).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print a spec as an OpenAPI 3.1 description (JSON).
    ///
    /// Paths, parameters, request bodies, responses with their schemas, security
    /// schemes; what OpenAPI cannot state (paging, envelopes, document places) is
    /// under `x-assay`, so `assay import-openapi` gives the spec back.
    Openapi { spec: PathBuf },
    /// Print the spec an OpenAPI 3.x description (JSON or YAML) implies.
    ///
    /// Resources come from the component schemas operations answer with, kinds
    /// from methods and paths, pagination from well-known parameter names; each
    /// item cites the description's line it rests on.
    ImportOpenapi {
        file: PathBuf,
        /// Spec name (the prefix of every case id); the file's stem by default.
        #[arg(long)]
        name: Option<String>,
    },
    /// Validate a JSON document against one of a spec's schemas.
    ///
    /// Prints each violation with its instance path; exit 1 on violations.
    Validate {
        spec: PathBuf,
        /// Schema name, as `assay schema` names its files without `.json`
        /// (`plant_line`, `plant_line.list`, `error.reason`).
        schema: String,
        /// The JSON document (`-` for standard input).
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DiffFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Spec files; several run one after the other (each against its own mock).
    #[arg(required = true)]
    pub specs: Vec<PathBuf>,
    /// Base URL of the deployment (`https://host/prefix`); one spec only.
    #[arg(long, conflicts_with_all = ["mock", "mock_faults"])]
    pub base_url: Option<String>,
    /// Run against the spec's embedded mock (the default without --base-url).
    #[arg(long)]
    pub mock: bool,
    /// Break the mock this way (repeatable); see `assay mock --list-faults`.
    #[arg(long = "mock-fault", value_name = "NAME", value_parser = parse_fault)]
    pub mock_faults: Vec<crate::mock::FaultName>,
    /// Records per resource of the mock.
    #[arg(long, default_value_t = 50)]
    pub mock_records: usize,
    /// Folder of hand-written cases (NAME.hand.yaml).
    #[arg(long, default_value = "suites")]
    pub suites: PathBuf,
    /// Run only cases whose id contains this (repeatable).
    #[arg(long)]
    pub filter: Vec<String>,
    /// Run only shard K of N (`2/4`), for CI matrices; deterministic.
    #[arg(long, value_parser = parse_partition)]
    pub partition: Option<(usize, usize)>,
    /// Run the cases that create, change or delete data.
    #[arg(long)]
    pub allow_writes: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Report format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: crate::report::Format,
    /// Write the report to this file instead of standard output (`-`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Known failures (one case id a line): only failures not listed fail the run,
    /// and the ones listed that now pass are reported as fixed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write this run's failures to the --baseline file instead of comparing.
    #[arg(long, requires = "baseline")]
    pub update_baseline: bool,
    /// Compare the responses of read-only cases with the snapshots `assay record`
    /// wrote in this folder; each difference fails, and leaves NAME.snap.new
    /// beside the snapshot (`cargo insta review --workspace-root DIR`).
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    #[command(flatten)]
    pub credentials: CredentialArgs,
}

/// How hard and how long requests may go, for `run` and `record` alike.
#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    /// Cases in flight at once.
    #[arg(short = 'j', long, default_value_t = 16)]
    pub jobs: usize,
    /// Deadline of each request, body included (`30s`, `500ms`).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Retries of a request answered 429 or 503, with backoff.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,
    /// At most this many requests per second (for live servers).
    #[arg(long, value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Largest response body read (`32M`, `512K`); a larger one fails its case.
    #[arg(long, default_value = "32M", value_parser = parse_size)]
    pub max_body: usize,
    /// Most pages one walk of a list reads; a walk cut short checks what it
    /// read and says so, leaving the totals unchecked.
    #[arg(long, default_value_t = crate::run::WALK_BUDGET, value_parser = clap::value_parser!(u64).range(1..))]
    pub walk_budget: u64,
}

/// Credentials, for `run` and `record` alike.
#[derive(Debug, Default, clap::Args)]
pub struct CredentialArgs {
    /// API key, for specs whose auth is an API key header.
    #[arg(long, env = "ASSAY_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// User name, for sign-in or login.
    #[arg(long, env = "ASSAY_USERNAME", hide_env_values = true)]
    pub username: Option<String>,
    /// Password, for sign-in or login.
    #[arg(long, env = "ASSAY_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// A bearer token, instead of signing in.
    #[arg(long, env = "ASSAY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// A bearer token the server issued that has since expired, for the cases
    /// that check it is refused (skipped without one).
    #[arg(long, env = "ASSAY_EXPIRED_TOKEN", hide_env_values = true)]
    pub expired_token: Option<String>,
    /// A header sent with valid credentials, `NAME: VALUE` (repeatable): for an
    /// auth scheme assay does not perform itself (`Authorization: Bearer …`).
    /// Its value is a secret: never shown.
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
}

fn parse_header(s: &str) -> std::result::Result<(String, String), String> {
    let (name, value) = s
        .split_once(':')
        .ok_or("give a header as `NAME: VALUE`, like `Authorization: Bearer …`")?;
    let name = name.trim();
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid {
        return Err(format!("`{name}` is not a header name"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

/// `assay record`: where to, and the part of a run's arguments that says what
/// is asked and how.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    #[arg(required = true)]
    pub specs: Vec<PathBuf>,
    /// Base URL of the deployment (`https://host/prefix`); one spec only.
    #[arg(long, conflicts_with = "mock")]
    pub base_url: Option<String>,
    /// Record the spec's embedded mock (the default without --base-url).
    #[arg(long)]
    pub mock: bool,
    /// Records per resource of the embedded mock.
    #[arg(long, default_value_t = 50)]
    pub mock_records: usize,
    /// Folder of the snapshots; each spec gets a folder of its name in it.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Folder of hand-written suites (NAME.hand.yaml).
    #[arg(long, default_value = "suites")]
    pub suites: PathBuf,
    /// Record only cases whose id contains this text (repeatable).
    #[arg(long)]
    pub filter: Vec<String>,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub credentials: CredentialArgs,
}

impl RecordArgs {
    /// The run a record is: read-only, every other choice a run's default.
    pub fn into_run(self) -> RunArgs {
        RunArgs {
            specs: self.specs,
            base_url: self.base_url,
            mock: self.mock,
            mock_faults: Vec::new(),
            mock_records: self.mock_records,
            suites: self.suites,
            filter: self.filter,
            partition: None,
            allow_writes: false,
            limits: self.limits,
            format: crate::report::Format::Human,
            out: None,
            baseline: None,
            update_baseline: false,
            snapshots: None,
            credentials: self.credentials,
        }
    }
}

fn parse_partition(s: &str) -> std::result::Result<(usize, usize), String> {
    let bad = || format!("`{s}` is no partition: give K/N with 1 <= K <= N, like 2/4");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

fn parse_rate(s: &str) -> std::result::Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.01..=100_000.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "`{s}` is no rate: give requests per second, 0.01 to 100000"
        )),
    }
}

fn parse_duration(s: &str) -> std::result::Result<std::time::Duration, String> {
    let bad = || format!("`{s}` is no duration: give `30s`, `1.5s` or `500ms`");
    let (number, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else {
        (s, 1.0)
    };
    let v: f64 = number.trim().parse().map_err(|_| bad())?;
    let secs = v * scale;
    // Between a millisecond and a day: anything else is a slip of the keyboard.
    if !(secs.is_finite() && (0.001..=86_400.0).contains(&secs)) {
        return Err(format!("`{s}` is no duration between 1ms and 24h"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

fn parse_size(s: &str) -> std::result::Result<usize, String> {
    let bad = || format!("`{s}` is no size: give bytes, or `512K`, `32M`, `1G`");
    let s = s.trim();
    let (number, scale) = match s.chars().last() {
        Some('K' | 'k') => (&s[..s.len() - 1], 1usize << 10),
        Some('M' | 'm') => (&s[..s.len() - 1], 1 << 20),
        Some('G' | 'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let v: usize = number.trim().parse().map_err(|_| bad())?;
    v.checked_mul(scale).filter(|v| *v > 0).ok_or_else(bad)
}

fn parse_style(s: &str) -> std::result::Result<extract::Style, String> {
    s.parse()
}

fn parse_fault(s: &str) -> std::result::Result<crate::mock::FaultName, String> {
    s.parse()
}

/// Runs a parsed command line; the result is the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Extract {
            doc,
            style,
            overlay,
        } => {
            let text = read(&doc)?;
            emit(&extract_command(&doc, &text, style, overlay.as_deref())?)?;
            Ok(0)
        }
        Command::SpecSchema => {
            emit(&spec_schema())?;
            Ok(0)
        }
        Command::Lint { specs, docs } => {
            let (text, code) = lint_command(&specs, docs.as_deref())?;
            emit(&text)?;
            Ok(code)
        }
        Command::Schema { specs, out } => {
            let several = specs.len() > 1;
            for path in &specs {
                let spec = spec::load(path)?;
                let dir = if several {
                    out.join(&spec.name)
                } else {
                    out.clone()
                };
                let written = write_schemas(&spec, &dir)?;
                eprintln!("{}: {written} schemas in {}", spec.name, dir.display());
            }
            Ok(0)
        }
        Command::Mock {
            spec,
            addr,
            records,
            seed,
            faults,
            list_faults,
        } => {
            if list_faults {
                emit(&list_faults_text())?;
                return Ok(0);
            }
            let path = spec.expect("clap requires SPEC unless --list-faults");
            let spec = spec::load(&path)?;
            let (faults, blind) = crate::mock::FaultName::split(&faults);
            for b in blind.iter().filter(|b| b.api() != spec.name) {
                eprintln!(
                    "note: fault `{b}` breaks the mock of {}, not of {}: it changes nothing here",
                    b.api(),
                    spec.name
                );
            }
            let config = crate::mock::Config {
                addr,
                records,
                seed,
                faults,
                blind,
                ..Default::default()
            };
            mock_command(spec, config)?;
            Ok(0)
        }
        Command::Generate { spec } => {
            let spec = spec::load(&spec)?;
            emit(&crate::generate::to_yaml(&crate::generate::generate(&spec)))?;
            Ok(0)
        }
        Command::Run(args) => run_cmd::run(*args),
        Command::Record(args) => run_cmd::record(*args),
        Command::Diff { old, new, format } => {
            let changes = spec::diff::diff(&spec::load(&old)?, &spec::load(&new)?);
            emit(&match format {
                DiffFormat::Human => spec::diff::human(&changes),
                DiffFormat::Markdown => spec::diff::markdown(&changes),
                DiffFormat::Json => {
                    let mut s = serde_json::to_string_pretty(&changes).expect("changes serialize");
                    s.push('\n');
                    s
                }
            })?;
            let breaking = changes
                .iter()
                .any(|c| c.impact == spec::diff::Impact::Breaking);
            Ok(i32::from(breaking))
        }
        Command::Merge {
            reports,
            format,
            out,
        } => {
            let merged = crate::report::merge(&reports)?;
            emit_to(out.as_deref(), &merged.render(format))?;
            Ok(if merged.summary().failed > 0 { 1 } else { 0 })
        }
        Command::Openapi { spec } => {
            let spec = spec::load(&spec)?;
            let mut text = serde_json::to_string_pretty(&crate::openapi::export(&spec))
                .expect("JSON values serialize");
            text.push('\n');
            emit(&text)?;
            Ok(0)
        }
        Command::ImportOpenapi { file, name } => {
            let text = read(&file)?;
            let mut spec = crate::openapi::import(&file, &text)?;
            if let Some(name) = name {
                spec.name = name;
                spec::check(&file, &spec)?;
            }
            emit(&spec::to_yaml(&spec))?;
            Ok(0)
        }
        Command::Validate { spec, schema, file } => {
            let spec = spec::load(&spec)?;
            let (report, code) = validate_command(&spec, &schema, &file)?;
            emit(&report)?;
            Ok(code)
        }
    }
}

/// What `assay mock --list-faults` prints: the faults written with the checks,
/// then, as a second group, those written blind from the documents.
pub fn list_faults_text() -> String {
    let written = crate::mock::Fault::ALL;
    let blind = crate::mock::Blind::ALL;
    let width = written
        .iter()
        .map(|f| f.name().len())
        .chain(blind.iter().map(|b| b.name().len()))
        .max()
        .unwrap_or(0);
    let api = blind.iter().map(|b| b.api().len()).max().unwrap_or(0);
    let mut text: String = written
        .iter()
        .map(|f| format!("{:width$}  {}\n", f.name(), f.describe()))
        .collect();
    text.push_str("\nwritten blind from the documents:\n");
    for b in blind {
        text.push_str(&format!(
            "{:width$}  {:api$}  {} [{}]\n",
            b.name(),
            b.api(),
            b.describe(),
            b.doc()
        ));
    }
    text
}

/// Serves a mock until Ctrl-C.
fn mock_command(spec: spec::Spec, config: crate::mock::Config) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let name = spec.name.clone();
        let credentials = crate::mock::credentials(&spec, &config);
        let running = crate::mock::start(spec, &config).await?;
        eprintln!("mock of {name} listening on {}", running.url());
        for c in credentials {
            eprintln!("  credentials: {c}");
        }
        eprintln!(
            "  {} records per resource, seed {}; Ctrl-C stops it",
            config.records, config.seed
        );
        let _ = tokio::signal::ctrl_c().await;
        running.stop().await;
        Ok(())
    })
}

/// The report of `assay lint` and its exit code.
pub fn lint_command(paths: &[PathBuf], docs: Option<&Path>) -> Result<(String, i32)> {
    let mut text = String::new();
    let mut code = 0;
    let mut excerpts = crate::lint::Excerpts::new(docs);
    for path in paths {
        let spec = spec::load(path)?;
        let findings = crate::lint::lint(&spec);
        for f in &findings {
            text.push_str(&excerpts.render(f));
            text.push('\n');
        }
        let stale = crate::lint::stale_acknowledgements(&spec, &findings);
        for a in &stale {
            text.push_str(&format!(
                "stale[{}]: the spec acknowledges a contradiction at {} that lint no longer finds; remove it\n\n",
                a.lint, a.at
            ));
        }
        let open = findings.iter().filter(|f| f.acknowledged.is_none()).count();
        text.push_str(&format!(
            "{}: {} contradictions, {} acknowledged, {} open{}\n",
            spec.name,
            findings.len(),
            findings.len() - open,
            open,
            if stale.is_empty() {
                String::new()
            } else {
                format!(", {} stale acknowledgements", stale.len())
            }
        ));
        if open > 0 || !stale.is_empty() {
            code = 1;
        }
    }
    Ok((text, code))
}

/// Writes every schema of a spec as DIR/NAME.json; returns how many.
pub fn write_schemas(spec: &spec::Spec, dir: &Path) -> Result<usize> {
    let write_err = |path: &Path, source| Error::Write {
        path: path.into(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| write_err(dir, e))?;
    let all = crate::schema::generate(spec);
    for n in &all {
        let path = dir.join(format!("{}.json", n.name));
        let mut text = serde_json::to_string_pretty(&n.schema).expect("schemas serialize");
        text.push('\n');
        std::fs::write(&path, text).map_err(|e| write_err(&path, e))?;
    }
    Ok(all.len())
}

/// The report of `assay validate` and its exit code.
pub fn validate_command(spec: &spec::Spec, schema: &str, file: &Path) -> Result<(String, i32)> {
    let schema_value = crate::schema::find(spec, schema)?;
    let text = &if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|source| {
            Error::Read {
                path: "standard input".into(),
                source,
            }
        })?;
        s
    } else {
        read(file)?
    };
    let instance: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Json {
        path: file.into(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let validator = crate::schema::Validator::new(schema, &schema_value).map_err(Error::Usage)?;
    let violations = validator.violations(&instance);
    if violations.is_empty() {
        return Ok((format!("{}: valid against `{schema}`\n", file.display()), 0));
    }
    let mut out = String::new();
    for v in &violations {
        let at = if v.instance_path.is_empty() {
            "(root)"
        } else {
            &v.instance_path
        };
        out.push_str(&format!("{}: {at}: {}\n", file.display(), v.message));
    }
    out.push_str(&format!("{} violations of `{schema}`\n", violations.len()));
    Ok((out, 1))
}

/// The text `assay extract` prints.
pub fn extract_command(
    doc: &Path,
    text: &str,
    style: Option<extract::Style>,
    overlay: Option<&Path>,
) -> Result<String> {
    let name = doc
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let overlay = match overlay {
        Some(p) => Some((p, spec::parse::<serde_json::Value>(p, &read(p)?)?)),
        None => None,
    };
    let style = match (style, &overlay) {
        (Some(s), _) => s,
        (None, Some((p, v))) => extract::style_of(p, v)?,
        (None, None) => {
            return Err(Error::Usage(
                "give the document's --style (bip, restdocs, omero, impc, idr) or an --overlay that names it".into(),
            ));
        }
    };
    let extracted = extract::extract(style, &name, text)
        .map_err(|e| Error::Usage(format!("cannot extract {}: {e}", doc.display())))?;
    match overlay {
        None => Ok(serde_saphyr::to_string(&extracted).expect("extraction serializes")),
        Some((p, v)) => Ok(spec::to_yaml(&extract::build(&extracted, v, p)?)),
    }
}

/// The JSON Schema of the spec format, as committed in specs/spec.schema.json.
pub fn spec_schema() -> String {
    let schema = schemars::schema_for!(spec::Spec);
    let mut s = serde_json::to_string_pretty(&schema).expect("schema serializes");
    s.push('\n');
    s
}

pub(crate) fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.into(),
        source,
    })
}

pub(crate) fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`assay ... | head`) is not an error worth a message.
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|source| Error::Write {
            path: "standard output".into(),
            source,
        }),
    }
}

/// Writes a report to FILE, or to standard output without one (or with `-`).
pub(crate) fn emit_to(out: Option<&Path>, text: &str) -> Result<()> {
    match out {
        Some(path) if path.as_os_str() != "-" => {
            std::fs::write(path, text).map_err(|source| Error::Write {
                path: path.into(),
                source,
            })
        }
        _ => emit(text),
    }
}

/// Fails at once when a report could not be written to FILE, instead of after
/// a run of many minutes. Leaves an existing file as it is, and no new one.
pub(crate) fn check_writable(out: Option<&Path>) -> Result<()> {
    let Some(path) = out.filter(|p| p.as_os_str() != "-") else {
        return Ok(());
    };
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|source| Error::Write {
            path: path.into(),
            source,
        })?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}
