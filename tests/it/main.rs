//! Integration tests: one binary, one module per feature. Each test copies a fixture site
//! from `tests/fixtures/` (plus the bundled themes) into a temporary folder, runs the real
//! `advocate` binary on it and looks at what a user would see: files, HTML, messages.

mod build;
mod check;
mod chronology;
mod errors;
mod robustness;
mod security;
mod serve;
mod support;
