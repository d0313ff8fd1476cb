use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: a request allocates and frees many short strings and a
/// response buffer of tens of KB, on which glibc spent about a fifth of the service's CPU
/// (consolidating its bins); see docs/benchmarks.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its `enum mi_option_e`, version 3, as built by
/// libmimalloc-sys 0.1 without the `v2` feature).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const PURGE_DELAY_MS: std::ffi::c_long = 20;

fn main() -> ExitCode {
    // Memory freed is given back to the system after 20 ms rather than mimalloc's 1 s. The
    // purge is done by a later call into the allocator, which an idle server does not make:
    // with 1 s it kept what starting up had freed (idle RSS 67 MB; 56 MB with 20 ms). 0
    // (purge at every free) gave 52 MB but cost P2 about a tenth of its rate; see
    // docs/benchmarks.md, issue 18.
    // SAFETY: sets a plain integer option; mimalloc allows it at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    // The C libraries (SQLite, libpq) allocate with glibc: see `memory::configure_c_heap`.
    kitdesk::memory::configure_c_heap();
    let cli = kitdesk::cli::Cli::parse();
    kitdesk::commands::run(cli)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // The purge delay's default in mimalloc 3 (1,000 ms, or MIMALLOC_PURGE_DELAY): a
        // shifted index would read another option's value.
        // SAFETY: reads an integer option.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(
            default,
            std::env::var("MIMALLOC_PURGE_DELAY")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(1000),
            "mimalloc's purge delay"
        );
    }
}
