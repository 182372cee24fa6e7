use anonymist::cli::{Cli, run};
use clap::Parser;

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("anonymist: {}", e.message);
        std::process::exit(e.code);
    }
}
