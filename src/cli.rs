//! The command line: clap definitions (doc comments are the help text) and the
//! dispatch from each subcommand to the library. No stage depends on clap.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::error::{Error, Result};
use crate::{extract, spec};

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
        faults: Vec<crate::mock::Fault>,
        /// List the faults and what each does.
        #[arg(long)]
        list_faults: bool,
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

fn parse_style(s: &str) -> std::result::Result<extract::Style, String> {
    s.parse()
}

fn parse_fault(s: &str) -> std::result::Result<crate::mock::Fault, String> {
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
                let width = crate::mock::Fault::ALL
                    .iter()
                    .map(|f| f.name().len())
                    .max()
                    .unwrap_or(0);
                let text: String = crate::mock::Fault::ALL
                    .iter()
                    .map(|f| format!("{:width$}  {}\n", f.name(), f.describe()))
                    .collect();
                emit(&text)?;
                return Ok(0);
            }
            let path = spec.expect("clap requires SPEC unless --list-faults");
            let spec = spec::load(&path)?;
            let config = crate::mock::Config {
                addr,
                records,
                seed,
                faults,
                ..Default::default()
            };
            mock_command(spec, config)?;
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

fn emit(text: &str) -> Result<()> {
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
