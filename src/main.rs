//! The `advocate` command: parses arguments, calls the library, prints diagnostics and
//! picks the exit code (0 success, 1 the site has errors, 2 wrong command line or the
//! tool itself failed).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use advocate::{Generated, Options, diagnostics};

#[derive(Parser)]
#[command(
    name = "advocate",
    version,
    about = "A static site generator for human-rights advocacy groups"
)]
struct Cli {
    /// The site folder (the one holding site.toml).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build {
        /// Where to write the site, relative to the site root unless absolute.
        #[arg(long, short = 'o', default_value = "public")]
        output_dir: PathBuf,
        /// Replace base_url from site.toml, e.g. for a preview deployment.
        #[arg(long, short = 'u')]
        base_url: Option<String>,
        /// Include articles and pages marked draft = true.
        #[arg(long)]
        drafts: bool,
    },
    /// Check everything a build checks, and write nothing.
    Check {
        /// Check drafts too.
        #[arg(long)]
        drafts: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let started = Instant::now();
    let (generated, verb) = match &cli.command {
        Command::Build {
            output_dir,
            base_url,
            drafts,
        } => {
            let options = Options {
                root: cli.root.clone(),
                base_url: base_url.clone(),
                drafts: *drafts,
            };
            let output = if output_dir.is_absolute() {
                output_dir.clone()
            } else {
                cli.root.join(output_dir)
            };
            (
                advocate::build(&options, &output),
                format!("built into {}", output.display()),
            )
        }
        Command::Check { drafts } => {
            let options = Options {
                root: cli.root.clone(),
                base_url: None,
                drafts: *drafts,
            };
            (advocate::generate(&options), "checked".to_owned())
        }
    };
    match generated {
        Ok(generated) => report(&generated, &verb, started, color),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn report(generated: &Generated, verb: &str, started: Instant, color: bool) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    let text = diagnostics::render(&generated.diagnostics, &generated.sources, color);
    let _ = stderr.write_all(text.as_bytes());
    if generated.has_errors() {
        let _ = writeln!(
            stderr,
            "error: {}; nothing was written",
            diagnostics::summary(&generated.diagnostics)
        );
        return ExitCode::from(1);
    }
    let _ = writeln!(
        stderr,
        "{verb}: {} pages in {} ms",
        generated.page_count(),
        started.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}
