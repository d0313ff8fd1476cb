use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kitdesk::cli::Cli::parse();
    kitdesk::commands::run(cli)
}
