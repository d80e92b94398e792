//! The wasmtime-style example programs (`examples/hello.rs`, `memory.rs`, `linking.rs`) run as
//! tests, unchanged: each is included into a module whose `main` the test calls. They read
//! their `.wat` files relative to the package directory, where `cargo test` runs.

mod hello {
    include!("../../examples/hello.rs");
    pub fn run() -> Result<()> {
        main()
    }
}

mod memory {
    include!("../../examples/memory.rs");
    pub fn run() -> Result<()> {
        main()
    }
}

mod linking {
    include!("../../examples/linking.rs");
    pub fn run() -> Result<()> {
        main()
    }
}

#[test]
fn hello_runs() {
    hello::run().unwrap();
}

#[test]
fn memory_runs() {
    memory::run().unwrap();
}

#[test]
fn linking_runs() {
    linking::run().unwrap();
}
