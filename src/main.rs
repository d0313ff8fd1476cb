use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: a request allocates and frees many short strings and a
/// response buffer of tens of KB, on which glibc spent about a fifth of the service's CPU
/// (consolidating its bins); see docs/benchmarks.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = kitdesk::cli::Cli::parse();
    kitdesk::commands::run(cli)
}
