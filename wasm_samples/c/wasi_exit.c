/* Fixture (WASI): prints, then exits with status 7 from inside a nested call. */
#include <stdio.h>
#include <stdlib.h>

static void finish(int depth) {
    if (depth == 0) {
        printf("exiting with 7\n");
        exit(7);
    }
    finish(depth - 1);
    printf("never printed\n");
}

int main(void) {
    printf("start\n");
    finish(5);
    return 0;
}
