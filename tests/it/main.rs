//! Every integration test in one binary: one link instead of one per file, which is most of
//! what `cargo test` spends on a fresh clone. Each module is the tests of one command or screen.

mod support;
mod tui_support;

mod check_cli;
mod cli_entry;
mod decode_cli;
mod decode_snapshots;
mod demo_rules_vault_entra;
mod explain_cli;
mod fetch_cli;
mod preview_cli;
mod rule_sources;
mod scaffold_roundtrip;
mod symbolic_cli;
mod token_properties;
mod tui_explain;
mod tui_matrix;
mod tui_regions;
mod tui_screens;
mod tui_update;
mod verify_cli;
mod verify_http;
mod verify_tls;
mod verify_vectors;
