#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fayasm_fuzz::microcode::check(data));
