//! Integration tests: one binary, one module per feature. Each test copies a fixture site
//! from `tests/fixtures/` (plus the bundled themes) into a temporary folder, runs the real
//! `advocate` binary on it and looks at what a user would see: files, HTML, messages.

mod build;
mod check;
mod chronology;
mod determinism;
mod errors;
mod i18n;
mod images;
mod incremental;
mod offline;
mod robustness;
mod search;
mod security;
mod serve;
mod support;
mod theme;
mod weight;
