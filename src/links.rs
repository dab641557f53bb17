//! `advocate check --external`: are the sources we cite still online?
//!
//! News links rot, and a record whose sources vanish loses its value as evidence, so
//! editors can ask for every source and archive URL to be fetched. Answers other than
//! success become warnings, never errors: news sites go offline for a day, block robots,
//! or move behind paywalls, and none of that makes the site wrong. Requests run a few at
//! a time with a timeout, each URL once.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use rayon::prelude::*;

use crate::content::Incident;
use crate::diagnostics::Diagnostic;

/// How many URLs are fetched at once.
pub const CONCURRENCY: usize = 8;
/// How long one URL may take, redirects included.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Fetches every source URL of `incidents` and returns a warning for each that failed.
pub fn check(incidents: &[Arc<Incident>]) -> Vec<Diagnostic> {
    // URL → every place it is cited, so each URL is fetched once.
    let mut cited: BTreeMap<&str, Vec<(&Incident, Range<usize>)>> = BTreeMap::new();
    for incident in incidents {
        for source in &incident.sources {
            cited
                .entry(source.url.as_str())
                .or_default()
                .push((incident, source.url_span.clone()));
            if let (Some(archive), Some(span)) = (&source.archive_url, &source.archive_span) {
                cited
                    .entry(archive.as_str())
                    .or_default()
                    .push((incident, span.clone()));
            }
        }
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(10)
        .user_agent("advocate link checker")
        .build()
        .into();
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(CONCURRENCY)
        .build()
    {
        Ok(pool) => pool,
        Err(_) => return Vec::new(),
    };
    let urls: Vec<&str> = cited.keys().copied().collect();
    let failures = Mutex::new(Vec::new());
    pool.install(|| {
        urls.par_iter().for_each(|url| {
            if let Err(problem) = fetch(&agent, url) {
                if let Ok(mut f) = failures.lock() {
                    f.push((*url, problem));
                }
            }
        });
    });
    let mut warnings = Vec::new();
    for (url, problem) in failures.into_inner().unwrap_or_default() {
        for (incident, span) in &cited[url] {
            let span = span.clone();
            warnings.push(
                Diagnostic::warning(&incident.path, format!("{url} {problem}"))
                    .at(Some(span))
                    .help("check the link in a browser; if the page is gone, add an archive_url (for example from web.archive.org)"),
            );
        }
    }
    warnings
}

/// Fetches a URL: HEAD first, GET when the server refuses HEAD.
fn fetch(agent: &ureq::Agent, url: &str) -> Result<(), String> {
    let status = match agent.head(url).call() {
        Ok(response) => response.status().as_u16(),
        Err(err) => return Err(describe(&err)),
    };
    let status = if matches!(status, 403 | 405 | 501) {
        match agent.get(url).call() {
            Ok(response) => response.status().as_u16(),
            Err(err) => return Err(describe(&err)),
        }
    } else {
        status
    };
    if (200..400).contains(&status) {
        Ok(())
    } else {
        Err(format!("answered HTTP {status}"))
    }
}

fn describe(err: &ureq::Error) -> String {
    match err {
        ureq::Error::Timeout(_) => format!("did not answer within {} s", TIMEOUT.as_secs()),
        ureq::Error::HostNotFound => "names a host that does not exist".to_owned(),
        other => format!("could not be reached ({other})"),
    }
}
