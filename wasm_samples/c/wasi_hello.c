/* Fixture (WASI): prints a greeting and some formatted numbers. */
#include <stdio.h>

int main(void) {
    printf("Hello from fayasm samples!\n");
    for (int i = 1; i <= 3; i++) printf("%d squared is %d\n", i, i * i);
    puts("done");
    return 0;
}
