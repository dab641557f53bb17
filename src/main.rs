//! The `advocate` command: parses arguments, calls the library, prints diagnostics and
//! picks the exit code (0 success, 1 the site has errors, 2 wrong command line or the
//! tool itself failed).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use advocate::{Generated, Options, diagnostics, scaffold, serve};

// Rendering allocates and frees many short strings from several threads at once; glibc's
// allocator spent a fifth of a large build in its own bookkeeping (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        /// Where to write the site, relative to the site root unless absolute
        /// [default: public, or public-offline with --offline].
        #[arg(long, short = 'o')]
        output_dir: Option<PathBuf>,
        /// Write the offline edition: every link relative and naming its file, so the
        /// folder works opened from a disk or a zip, without a server.
        #[arg(long)]
        offline: bool,
        /// Replace base_url from site.toml, e.g. for a preview deployment.
        #[arg(long, short = 'u')]
        base_url: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Check everything a build checks, and write nothing.
    Check {
        #[command(flatten)]
        common: Common,
        /// Also fetch every source URL and warn about those that fail.
        #[arg(long)]
        external: bool,
    },
    /// Preview the site locally; rebuilds and reloads the browser on every save.
    Serve {
        /// Address to listen on. Anything but 127.0.0.1 lets other machines see drafts.
        #[arg(long, short = 'i', default_value = "127.0.0.1")]
        interface: std::net::IpAddr,
        /// Port to listen on; the next free one is used when it is taken.
        #[arg(long, short = 'p', default_value_t = 1111)]
        port: u16,
        /// Open the site in the default browser.
        #[arg(long, short = 'O')]
        open: bool,
        /// Leave drafts out, as `build` does.
        #[arg(long)]
        no_drafts: bool,
    },
    /// Start a new article or incident from a commented skeleton.
    New {
        #[command(subcommand)]
        what: New,
    },
    /// Protect names: the build fails if one of them reaches a page.
    Privacy {
        #[command(subcommand)]
        what: Privacy,
    },
}

#[derive(Subcommand)]
enum Privacy {
    /// Add the salted hash of a name to [privacy] forbidden_hashes in site.toml, so that
    /// the name itself is never written anywhere.
    Add {
        /// The name. Leave it out to type it instead (or pipe names in, one per line),
        /// so that it stays out of the shell's history.
        name: Option<String>,
    },
}

#[derive(Args)]
struct Common {
    /// Include articles and pages marked draft = true.
    #[arg(long)]
    drafts: bool,
    /// Fail on warnings too.
    #[arg(long)]
    strict: bool,
}

#[derive(Subcommand)]
enum New {
    /// content/articles/<slug>.md, a draft dated today.
    Article {
        /// The headline; the file name is made from it.
        title: String,
    },
    /// content/incidents/<id>.toml; a date at the start of the id becomes its date.
    Incident {
        /// Such as 2024-04-26-tumen.
        id: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let started = Instant::now();
    let options = |common: &Common, base_url: Option<String>, external: bool| Options {
        base_url,
        drafts: common.drafts,
        strict: common.strict,
        external,
        ..Options::new(&cli.root)
    };
    let (generated, verb) = match &cli.command {
        Command::Build {
            output_dir,
            offline,
            base_url,
            common,
        } => {
            // Ctrl-C during a build: delete the half-written staging folder, leave the
            // live output as it was, and exit with the conventional status for SIGINT.
            let _ = ctrlc::set_handler(|| {
                advocate::output::abandon();
                std::process::exit(130);
            });
            if let Some(Err(message)) = base_url.as_deref().map(advocate::config::check_base_url) {
                eprintln!("error: --base-url: {message}");
                return ExitCode::from(2);
            }
            let default = if *offline { "public-offline" } else { "public" };
            let output = cli
                .root
                .join(output_dir.as_deref().unwrap_or(Path::new(default)));
            let verb = format!("built into {}", output.display());
            let options = Options {
                offline: *offline,
                ..options(common, base_url.clone(), false)
            };
            (advocate::build(&options, &output), verb)
        }
        Command::Check { common, external } => (
            advocate::generate(&options(common, None, *external)),
            "checked".to_owned(),
        ),
        Command::New { what } => return new(&cli.root, what),
        Command::Privacy {
            what: Privacy::Add { name },
        } => return privacy_add(&cli.root, name.as_deref()),
        Command::Serve {
            interface,
            port,
            open,
            no_drafts,
        } => {
            let options = serve::ServeOptions {
                root: cli.root.clone(),
                interface: *interface,
                port: *port,
                drafts: !no_drafts,
                open: *open,
            };
            return match serve::serve(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::from(2)
                }
            };
        }
    };
    match generated {
        Ok(generated) => report(&generated, &verb, started, color),
        // Ctrl-C: the handler deleted the staging folder; exit as SIGINT does.
        Err(err) if err.kind() == std::io::ErrorKind::Interrupted => ExitCode::from(130),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

fn new(root: &Path, what: &New) -> ExitCode {
    let today = chrono::Local::now().date_naive();
    let (rel, text) = match what {
        New::Article { title } => (
            scaffold::article_path(title, today),
            scaffold::article_text(title, today),
        ),
        New::Incident { id } => match scaffold::incident_path(id) {
            Ok(rel) => (rel, scaffold::incident_text(id, today)),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        },
    };
    match scaffold::create(root, &rel, &text) {
        Ok(()) => {
            eprintln!("created {}", diagnostics::display_path(&rel));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

/// `advocate privacy add`: never prints a name, only how many were added.
fn privacy_add(root: &Path, name: Option<&str>) -> ExitCode {
    let path = root.join(advocate::config::CONFIG_FILE);
    let mut text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot read {}: {err}", path.display());
            return ExitCode::from(2);
        }
    };
    let names: Vec<String> = match name {
        Some(name) => vec![name.to_owned()],
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!("Type each name to protect and press Enter; an empty line ends.");
            }
            stdin
                .lines()
                .map_while(Result::ok)
                .map(|line| line.trim().to_owned())
                .take_while(|line| !line.is_empty())
                .collect()
        }
    };
    let (mut added, mut listed) = (0, 0);
    for (i, name) in names.iter().enumerate() {
        match advocate::privacy::add_hash(&text, name) {
            Ok((new_text, outcome)) => {
                text = new_text;
                match outcome {
                    advocate::privacy::Added::Added => added += 1,
                    advocate::privacy::Added::AlreadyListed => listed += 1,
                }
            }
            Err(message) => {
                eprintln!(
                    "error: name {} of {}: {message}; nothing was written",
                    i + 1,
                    names.len()
                );
                return ExitCode::from(2);
            }
        }
    }
    if added > 0 {
        if let Err(err) = std::fs::write(&path, &text) {
            eprintln!("error: cannot write {}: {err}", path.display());
            return ExitCode::from(2);
        }
    }
    eprintln!(
        "added {added} name(s) to [privacy] forbidden_hashes in {}{}",
        advocate::config::CONFIG_FILE,
        if listed > 0 {
            format!("; {listed} already listed")
        } else {
            String::new()
        }
    );
    ExitCode::SUCCESS
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
        generated.pages,
        started.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}
