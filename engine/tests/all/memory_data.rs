//! `Memory::data`/`data_mut` never show a spilled or paged memory as an empty one: `data_mut`
//! reloads a spilled memory, `try_data`/`try_data_mut` say `NotResident`, and `data` panics
//! (documented) rather than return a misleading empty slice.

use fayasm::offload::MemStorage;
use fayasm::{Config, Engine, Memory, MemoryOffloadError, MemoryType, Paging, Store};

fn spilled() -> (Store<()>, Memory) {
    let mut store = Store::new(&Engine::default(), ());
    store.set_storage(MemStorage::new());
    let mem = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    mem.data_mut(&mut store)[7] = 9;
    mem.spill(&mut store).unwrap();
    (store, mem)
}

#[test]
fn a_spilled_memory_is_not_resident_until_data_mut_reloads_it() {
    let (mut store, mem) = spilled();
    assert_eq!(mem.try_data(&store), Err(MemoryOffloadError::NotResident));
    assert_eq!(mem.data_mut(&mut store)[7], 9);
    assert_eq!(mem.try_data(&store).unwrap().len(), 65536);
    assert_eq!(mem.data(&store)[7], 9);
}

#[test]
#[should_panic(expected = "not resident")]
fn data_of_a_spilled_memory_panics_instead_of_showing_nothing() {
    let (store, mem) = spilled();
    let _ = mem.data(&store);
}

#[test]
fn a_paged_memory_has_no_slice() {
    let engine = Engine::new(Config::default().memory_paging(Some(Paging {
        page_size: 4096,
        resident_pages: 2,
    })));
    let mut store = Store::new(&engine, ());
    store.set_storage(MemStorage::new());
    let mem = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    mem.write(&mut store, 5000, &[1, 2, 3]).unwrap();
    assert_eq!(mem.try_data(&store), Err(MemoryOffloadError::NotResident));
    assert_eq!(
        mem.try_data_mut(&mut store).err(),
        Some(MemoryOffloadError::NotResident)
    );
    let mut buf = [0; 3];
    mem.read(&mut store, 5000, &mut buf).unwrap();
    assert_eq!(buf, [1, 2, 3]);
}

#[test]
fn a_failed_reload_is_an_error_not_an_empty_slice() {
    let (mut store, mem) = spilled();
    store.set_storage(MemStorage::new());
    assert!(mem.try_data_mut(&mut store).is_err());
    assert_eq!(mem.try_data(&store), Err(MemoryOffloadError::NotResident));
}
