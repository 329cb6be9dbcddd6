use clap::CommandFactory;

#[test]
fn verify_cli() {
    assay::cli::Cli::command().debug_assert();
}
