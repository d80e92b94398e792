//! `spill_memory_roundtrip`: a linear memory (resident, or demand-paged with an arbitrary page
//! size and resident budget) driven through writes, reads, spills, loads, flushes and grows;
//! after every step its contents equal a plain `Vec<u8>` model.

use arbitrary::{Arbitrary, Result, Unstructured};
use fayasm::offload::MemStorage;
use fayasm::{Config, Engine, Memory, MemoryPolicy, MemoryType, Paging, Store};

const WASM_PAGE_SIZE: usize = 65_536;

/// One step.
#[derive(Arbitrary, Debug)]
pub enum Step {
    /// Host write (offset modulo the size plus a little, so some go out of bounds).
    Write { at: u32, bytes: Vec<u8> },
    /// Host read, compared with the model.
    Read { at: u32, len: u16 },
    /// Spill the whole memory (a paged one writes back and drops every frame).
    Spill,
    /// Load a spilled memory back.
    Load,
    /// Write back dirty pages.
    Flush,
    /// Grow by 0 to 2 pages.
    Grow { delta: u8 },
    /// Switch between the cache and durable policies.
    Policy { durable: bool },
}

/// One fuzz input.
#[derive(Arbitrary, Debug)]
pub struct Input {
    /// `Some((log2 page size - 8, resident pages - 1))` for a paged memory.
    pub paging: Option<(u8, u8)>,
    pub min: u8,
    pub extra_max: u8,
    pub steps: Vec<Step>,
}

/// Run one input.
pub fn check(data: &[u8]) -> Result<()> {
    let input = Input::arbitrary(&mut Unstructured::new(data))?;
    run(&input);
    Ok(())
}

fn contents(m: Memory, store: &mut Store<()>, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    m.read(store, 0, &mut buf)
        .expect("reading the whole memory");
    buf
}

/// Run a decoded input.
pub fn run(input: &Input) {
    let paging = input.paging.map(|(p, r)| Paging {
        page_size: 256 << (p % 9),
        resident_pages: 1 + (r % 8) as usize,
    });
    let engine = Engine::new(Config::default().memory_paging(paging));
    let mut store = Store::new(&engine, ());
    store.set_storage(MemStorage::new());
    let min = (input.min % 3) as u64;
    let max = min + (input.extra_max % 3) as u64;
    let ty = MemoryType::new(min, Some(max));
    let m = Memory::new(&mut store, ty).expect("a small memory");
    let mut model = vec![0u8; min as usize * WASM_PAGE_SIZE];
    for (n, step) in input.steps.iter().take(24).enumerate() {
        match step {
            Step::Write { at, bytes } => {
                let at = *at as usize % (model.len() + 64);
                let r = m.write(&mut store, at as u64, bytes);
                if at + bytes.len() <= model.len() {
                    r.unwrap_or_else(|e| panic!("step {n}: in-bounds write failed: {e}"));
                    model[at..at + bytes.len()].copy_from_slice(bytes);
                } else {
                    assert!(r.is_err(), "step {n}: out-of-bounds write succeeded");
                }
            }
            Step::Read { at, len } => {
                let at = *at as usize % (model.len() + 64);
                let mut buf = vec![0u8; *len as usize];
                let r = m.read(&mut store, at as u64, &mut buf);
                if at + buf.len() <= model.len() {
                    r.unwrap_or_else(|e| panic!("step {n}: in-bounds read failed: {e}"));
                    assert!(
                        buf == model[at..at + buf.len()],
                        "step {n}: read at {at} differs from the model"
                    );
                } else {
                    assert!(r.is_err(), "step {n}: out-of-bounds read succeeded");
                }
            }
            Step::Spill => {
                m.spill(&mut store)
                    .unwrap_or_else(|e| panic!("step {n}: spill to RAM failed: {e:?}"));
            }
            Step::Load => {
                m.load(&mut store)
                    .unwrap_or_else(|e| panic!("step {n}: load from RAM failed: {e:?}"));
            }
            Step::Flush => {
                m.flush(&mut store)
                    .unwrap_or_else(|e| panic!("step {n}: flush to RAM failed: {e:?}"));
            }
            Step::Grow { delta } => {
                let delta = (*delta % 3) as u64;
                let pages = (model.len() / WASM_PAGE_SIZE) as u64;
                match m.grow(&mut store, delta) {
                    Ok(old) => {
                        assert_eq!(old, pages, "step {n}: grow returned another old size");
                        assert!(pages + delta <= max, "step {n}: grew past the maximum");
                        model.resize(model.len() + delta as usize * WASM_PAGE_SIZE, 0);
                    }
                    Err(_) => assert!(
                        paging.is_some() || pages + delta > max,
                        "step {n}: grow by {delta} from {pages} (max {max}) failed"
                    ),
                }
            }
            Step::Policy { durable } => m.set_policy(
                &mut store,
                if *durable {
                    MemoryPolicy::Durable
                } else {
                    MemoryPolicy::Cache
                },
            ),
        }
        assert_eq!(
            m.size(&store) as usize * WASM_PAGE_SIZE,
            model.len(),
            "step {n}: size differs"
        );
        let now = contents(m, &mut store, model.len());
        if let Some(i) = (0..model.len()).find(|&i| now[i] != model[i]) {
            panic!(
                "step {n} ({step:?}): byte {i} is {}, model {}",
                now[i], model[i]
            );
        }
    }
}
