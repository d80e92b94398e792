//! Loads one module the way it is asked, for instruction counts under callgrind (the
//! `Module::from_source` figures in ROADMAP.md):
//!
//! `cargo run -p fayasm --example load_cost -- new|source FILE [prescan] [translate] [instantiate]`
//!
//! `new` reads the file and calls `Module::new`; `source` calls `Module::from_file_source`
//! (the file is streamed and read back on demand). `prescan` translates while validating
//! (`Config::prescan`), `translate` translates every function afterwards
//! (`Module::translate_function`), `instantiate` instantiates the module with every import
//! left unresolved (so only for modules without imports).

use fayasm::{Config, Engine, Linker, Module, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [how, path, rest @ ..] = args.as_slice() else {
        return Err("usage: load_cost new|source FILE [prescan] [translate] [instantiate]".into());
    };
    let has = |flag: &str| rest.iter().any(|a| a == flag);
    let engine = Engine::new(Config::default().prescan(has("prescan")));
    let module = match how.as_str() {
        "new" => Module::new(&engine, std::fs::read(path)?)?,
        "source" => Module::from_file_source(&engine, path)?,
        other => return Err(format!("`{other}`: new or source").into()),
    };
    if has("translate") {
        for f in 0..module.num_funcs() as u32 {
            module.translate_function(f)?;
        }
    }
    if has("instantiate") {
        let mut store = Store::new(&engine, ());
        Linker::new(&engine).instantiate(&mut store, &module)?;
    }
    println!(
        "{} functions, {} B held",
        module.num_funcs(),
        module.owned_bytes()
    );
    Ok(())
}
