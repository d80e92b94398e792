#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = fayasm_fuzz::differential::check_proposals(data);
});
