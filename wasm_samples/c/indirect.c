/* Fixture: indirect dispatch: function-pointer tables (call_indirect), a bytecode interpreter
 * whose dense switch becomes br_table, and the call_indirect traps. */
#include "common.h"

typedef int32_t (*binop)(int32_t, int32_t);

static NOINLINE int32_t op_add(int32_t a, int32_t b) { return a + b; }
static NOINLINE int32_t op_sub(int32_t a, int32_t b) { return a - b; }
static NOINLINE int32_t op_mul(int32_t a, int32_t b) { return a * b; }
static NOINLINE int32_t op_xor(int32_t a, int32_t b) { return a ^ b; }
static NOINLINE int32_t op_shl(int32_t a, int32_t b) { return (int32_t)((uint32_t)a << (b & 31)); }
static NOINLINE int32_t op_min(int32_t a, int32_t b) { return a < b ? a : b; }

static binop volatile OPS[6] = {op_add, op_sub, op_mul, op_xor, op_shl, op_min};

EXPORT("apply") int32_t apply(int32_t op, int32_t a, int32_t b) {
    if ((uint32_t)op >= 6) return -1;
    return OPS[op](a, b);
}

/* Folds a sequence of operations chosen by an LCG. */
EXPORT("fold") int32_t fold(int32_t n) {
    uint32_t seed = 7;
    int32_t acc = 1;
    for (int32_t i = 0; i < n; i++) acc = OPS[lcg_next(&seed) % 6](acc, (int32_t)(lcg_next(&seed) >> 24) + 1);
    return acc;
}

/* A tiny stack machine. */
enum { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, DEC, HALT, OVER, DROP };

static int32_t vm(const int32_t *code, int32_t arg) {
    int32_t stack[32];
    int32_t sp = 0, pc = 0;
    stack[sp++] = arg;
    for (;;) {
        switch (code[pc++]) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case SWAP: { int32_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case JNZ: { int32_t target = code[pc++]; if (stack[--sp]) pc = target; break; }
        case DEC: stack[sp - 1] -= 1; break;
        case OVER: stack[sp] = stack[sp - 2]; sp++; break;
        case DROP: sp--; break;
        case HALT: return stack[sp - 1];
        default: return -999;
        }
    }
}

/* factorial(arg) mod 2^32, as bytecode: acc n -> loop { acc *= n; n -= 1 } while n. */
static const int32_t FACT[] = {
    PUSH, 1, SWAP,          /* acc n */
    /* 3: */ DUP, PUSH, 0, SUB, /* acc n n */
    SWAP, DROP,             /* acc n (no-op shuffle to exercise SWAP/DROP) */
    SWAP, OVER, MUL, SWAP,  /* acc*n n */
    DEC, DUP, JNZ, 3,       /* loop while n != 0 */
    DROP, HALT,
};

EXPORT("vm_fact") int32_t vm_fact(int32_t n) {
    if (n < 1) return 1;
    return vm(FACT, n);
}

/* Calls a function through a pointer of the wrong type: `indirect call type mismatch`. */
/* Table indices the optimiser cannot see through. */
static volatile uint32_t ZERO = 0, FAR = 100000;

typedef int32_t (*unop)(int32_t);
EXPORT("bad_signature") int32_t bad_signature(int32_t x) {
    unop f = (unop)(void *)OPS[ZERO];
    return f(x);
}

/* Calls through a null function pointer: table slot 0 is the null slot. */
EXPORT("null_call") int32_t null_call(int32_t x) {
    binop f = (binop)(uintptr_t)ZERO;
    return f(x, x);
}

/* Calls through an index past the end of the table: `undefined element`. */
EXPORT("oob_call") int32_t oob_call(int32_t x) {
    binop f = (binop)(uintptr_t)FAR;
    return f(x, x);
}
