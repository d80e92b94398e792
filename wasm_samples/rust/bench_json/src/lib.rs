//! Benchmark: generate a JSON document of `n` records, then tokenize and parse it with a
//! recursive-descent parser that folds every value into a checksum. `run(n)` does both and
//! returns the checksum (or a negative error code when the text does not parse).

#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

const CAP: usize = 1 << 20;
static mut TEXT: [u8; CAP] = [0; CAP];

struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Writer<'_> {
    fn byte(&mut self, b: u8) {
        if self.len < self.buf.len() {
            self.buf[self.len] = b;
        }
        self.len += 1;
    }
    fn str(&mut self, s: &str) {
        for &b in s.as_bytes() {
            self.byte(b);
        }
    }
    fn uint(&mut self, mut v: u32) {
        let mut digits = [0u8; 10];
        let mut n = 0;
        loop {
            digits[n] = b'0' + (v % 10) as u8;
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        while n > 0 {
            n -= 1;
            self.byte(digits[n]);
        }
    }
    fn int(&mut self, v: i32) {
        if v < 0 {
            self.byte(b'-');
        }
        self.uint(v.unsigned_abs());
    }
}

fn generate(out: &mut [u8], n: u32) -> usize {
    let mut w = Writer { buf: out, len: 0 };
    let mut seed: u32 = 0x1234_5678;
    let mut next = || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        seed >> 8
    };
    w.str("{\"records\": [\n");
    for i in 0..n {
        if i > 0 {
            w.str(",\n");
        }
        w.str("  {\"id\": ");
        w.uint(i);
        w.str(", \"name\": \"item-");
        w.uint(next() % 10_000);
        w.str("\\n\", \"price\": ");
        w.int((next() % 100_000) as i32 - 20_000);
        w.byte(b'.');
        w.uint(next() % 100);
        w.str(", \"ok\": ");
        w.str(if next() % 3 == 0 { "false" } else { "true" });
        w.str(", \"tags\": [");
        for t in 0..(next() % 4) {
            if t > 0 {
                w.byte(b',');
            }
            w.str("\"t");
            w.uint(t);
            w.byte(b'"');
        }
        w.str("], \"pos\": {\"x\": ");
        w.int((next() % 2000) as i32 - 1000);
        w.str(", \"y\": ");
        w.int((next() % 2000) as i32 - 1000);
        w.str(", \"z\": null}, \"exp\": 1.5e");
        w.uint(next() % 10);
        w.byte(b'}');
    }
    w.str("\n], \"count\": ");
    w.uint(n);
    w.str("}\n");
    w.len
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    sum: u32,
    depth: u32,
    max_depth: u32,
}

type R<T> = Result<T, i32>;

impl Parser<'_> {
    fn peek(&self) -> u8 {
        if self.pos < self.s.len() {
            self.s[self.pos]
        } else {
            0
        }
    }
    fn ws(&mut self) {
        while matches!(self.peek(), b' ' | b'\n' | b'\t' | b'\r') {
            self.pos += 1;
        }
    }
    fn expect(&mut self, c: u8) -> R<()> {
        self.ws();
        if self.peek() == c {
            self.pos += 1;
            Ok(())
        } else {
            Err(-2)
        }
    }
    fn mix(&mut self, v: u32) {
        self.sum = (self.sum ^ v).wrapping_mul(0x0100_0193);
    }
    fn value(&mut self) -> R<()> {
        self.ws();
        match self.peek() {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => {
                let h = self.string()?;
                self.mix(h);
                Ok(())
            }
            b't' => self.word(b"true", 1),
            b'f' => self.word(b"false", 2),
            b'n' => self.word(b"null", 3),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(-3),
        }
    }
    fn word(&mut self, w: &[u8], tag: u32) -> R<()> {
        if self.s.len() >= self.pos + w.len() && &self.s[self.pos..self.pos + w.len()] == w {
            self.pos += w.len();
            self.mix(tag);
            Ok(())
        } else {
            Err(-4)
        }
    }
    fn string(&mut self) -> R<u32> {
        self.expect(b'"')?;
        let mut h: u32 = 5381;
        loop {
            let c = self.peek();
            self.pos += 1;
            match c {
                0 => return Err(-5),
                b'"' => return Ok(h),
                b'\\' => {
                    let e = self.peek();
                    self.pos += 1;
                    let d = match e {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'"' | b'\\' | b'/' => e,
                        _ => return Err(-6),
                    };
                    h = h.wrapping_mul(33) ^ d as u32;
                }
                _ => h = h.wrapping_mul(33) ^ c as u32,
            }
        }
    }
    fn number(&mut self) -> R<()> {
        let neg = self.peek() == b'-';
        if neg {
            self.pos += 1;
        }
        let mut int: u32 = 0;
        let mut digits = 0;
        while self.peek().is_ascii_digit() {
            int = int
                .wrapping_mul(10)
                .wrapping_add((self.peek() - b'0') as u32);
            self.pos += 1;
            digits += 1;
        }
        if digits == 0 {
            return Err(-7);
        }
        let mut frac: u32 = 0;
        if self.peek() == b'.' {
            self.pos += 1;
            while self.peek().is_ascii_digit() {
                frac = frac * 10 + (self.peek() - b'0') as u32;
                self.pos += 1;
            }
        }
        let mut exp: u32 = 0;
        if matches!(self.peek(), b'e' | b'E') {
            self.pos += 1;
            if matches!(self.peek(), b'+' | b'-') {
                self.pos += 1;
            }
            while self.peek().is_ascii_digit() {
                exp = exp * 10 + (self.peek() - b'0') as u32;
                self.pos += 1;
            }
        }
        let v = if neg { int.wrapping_neg() } else { int };
        self.mix(v.wrapping_add(frac << 16).wrapping_add(exp << 28));
        Ok(())
    }
    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(-8);
        }
        self.max_depth = self.max_depth.max(self.depth);
        Ok(())
    }
    fn object(&mut self) -> R<()> {
        self.enter()?;
        self.expect(b'{')?;
        self.ws();
        let mut members = 0;
        if self.peek() == b'}' {
            self.pos += 1;
        } else {
            loop {
                let key = self.string()?;
                self.mix(key.rotate_left(7));
                self.expect(b':')?;
                self.value()?;
                members += 1;
                self.ws();
                match self.peek() {
                    b',' => {
                        self.pos += 1;
                        self.ws();
                    }
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(-9),
                }
            }
        }
        self.mix(members);
        self.depth -= 1;
        Ok(())
    }
    fn array(&mut self) -> R<()> {
        self.enter()?;
        self.expect(b'[')?;
        self.ws();
        let mut items = 0;
        if self.peek() == b']' {
            self.pos += 1;
        } else {
            loop {
                self.value()?;
                items += 1;
                self.ws();
                match self.peek() {
                    b',' => self.pos += 1,
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(-10),
                }
            }
        }
        self.mix(items | 0x8000_0000);
        self.depth -= 1;
        Ok(())
    }
}

/// Generates and parses a document of `n` records.
#[no_mangle]
pub extern "C" fn run(n: i32) -> i32 {
    // SAFETY: wasm32-unknown-unknown is single-threaded and no other reference to TEXT exists.
    let text = unsafe { &mut *core::ptr::addr_of_mut!(TEXT) };
    let len = generate(text, n.max(0) as u32);
    if len > CAP {
        return -1;
    }
    let mut p = Parser {
        s: &text[..len],
        pos: 0,
        sum: 0x811c_9dc5,
        depth: 0,
        max_depth: 0,
    };
    if let Err(e) = p.value() {
        return e;
    }
    p.ws();
    if p.pos != len {
        return -11;
    }
    (p.sum ^ (p.max_depth << 28) ^ len as u32) as i32
}
