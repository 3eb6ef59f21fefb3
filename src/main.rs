use std::process::ExitCode;

fn main() -> ExitCode {
    claimcheck::cli::run()
}
