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
}

fn parse_style(s: &str) -> std::result::Result<extract::Style, String> {
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
    }
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
