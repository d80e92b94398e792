// C++ exceptions: throwing by value, catching by type, `catch (...)`, rethrowing with
// `throw;`, destructors run while unwinding, and `std::terminate` from a `noexcept` function.
//
// No compiler here builds this for the standard exception-handling proposal (see
// wasm_samples/README.md): `wat/cpp_exceptions.wat` is this program written by hand in the
// form clang's `-fwasm-exceptions` gives it with the exnref instructions (a `__cpp_exception`
// tag carrying the exception object's address, `try_table` landing pads that check the
// thrown type and `throw_ref` what they do not handle, cleanups as `catch_all_ref`), with a
// ten-line runtime in place of libc++abi. The expected results in expected.json are this
// program's.

struct Error {
    int code;
};

static int live = 0;   // Guard objects alive
static int dtors = 0;  // Guard destructors run
static int rethrows = 0;

struct Guard {
    Guard() { ++live; }
    ~Guard() {
        --live;
        ++dtors;
    }
};

static int checked_div(int a, int b) {
    if (b == 0) throw Error{1};
    if (a == -2147483647 - 1 && b == -1) throw Error{2};
    return a / b;
}

extern "C" int safe_div(int a, int b) {
    try {
        return checked_div(a, b);
    } catch (const Error& e) {
        return -e.code;
    }
}

// Each level holds a Guard; the innermost throws, every Guard is destroyed on the way out.
static int dive(int n) {
    Guard g;
    if (n == 0) throw Error{7};
    return dive(n - 1) + 1;
}

extern "C" int depth(int n) {
    int before = dtors;
    try {
        return dive(n);
    } catch (const Error& e) {
        return e.code * 1000 + (dtors - before);
    }
}

static void inner(int x) {
    try {
        if (x != 0) throw Error{x};
    } catch (...) {
        ++rethrows;
        throw;
    }
}

extern "C" int rethrow(int x) {
    rethrows = 0;
    try {
        inner(x);
        return -1;
    } catch (const Error& e) {
        return e.code + 100 * rethrows;
    }
}

extern "C" int kinds(int k) {
    try {
        switch (k) {
            case 0: throw 42;
            case 1: throw Error{5};
            case 2: throw 2.5;
        }
        return 0;
    } catch (int v) {
        return 100 + v;
    } catch (const Error& e) {
        return 200 + e.code;
    } catch (...) {
        return 300;
    }
}

extern "C" int live_guards() { return live; }

// An exception leaving a `noexcept` function calls std::terminate (a trap).
extern "C" int guarded(int x) noexcept { return checked_div(100, x); }
