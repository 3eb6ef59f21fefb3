//! `claimcheck demo`: fresh tokens from the bundled templates, decoded, with no network.

use serde::Serialize;

use super::args::DemoArgs;
use super::decode::print_json;
use super::text::{TextStyle, render_document};
use super::{exit, print_stdout};
use crate::demo::templates;
use crate::report::TokenDocument;
use crate::token::{FoundVia, Limits, parse_compact};

#[derive(Serialize)]
struct DemoEntry {
    name: String,
    description: String,
    document: TokenDocument,
}

pub fn run(args: &DemoArgs) -> u8 {
    let now = args.time.now();
    if let Some(name) = &args.print_token {
        if let Some(template) = templates().into_iter().find(|t| &t.name == name) {
            print_stdout(&format!("{}\n", template.mint(now)));
            return exit::SUCCESS;
        }
        eprintln!("claimcheck: no demo token called {name}");
        return exit::BAD_INPUT;
    }

    let entries: Vec<DemoEntry> = templates()
        .into_iter()
        .map(|template| {
            let token = parse_compact(&template.mint(now), FoundVia::Bare, &Limits::default())
                .expect("demo tokens decode (checked by tests)");
            DemoEntry {
                document: TokenDocument::new(
                    &token,
                    format!("demo:{}", template.name),
                    now,
                    args.time.leeway,
                ),
                name: template.name,
                description: template.description,
            }
        })
        .collect();

    if args.output.json {
        print_json(&entries);
        return exit::SUCCESS;
    }
    let style = TextStyle::for_stdout(&args.output);
    let mut out = String::from(
        "Demo tokens, minted just now with claimcheck's TEST-ONLY keys (assets/demo). They prove nothing.\n",
    );
    for entry in &entries {
        out.push_str(&format!(
            "\n{} {}: {}\n",
            style.paint.bold("══"),
            style.paint.bold(&entry.name),
            entry.description
        ));
        out.push_str(&render_document(&entry.document, &style));
    }
    print_stdout(&out);
    exit::SUCCESS
}
