use clap::Parser;

fn main() {
    let cli = assay::cli::Cli::parse();
    let code = assay::cli::run(cli).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        e.exit_code()
    });
    std::process::exit(code);
}
