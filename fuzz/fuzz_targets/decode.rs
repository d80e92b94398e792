#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fayasm_fuzz::decode::check(data));
