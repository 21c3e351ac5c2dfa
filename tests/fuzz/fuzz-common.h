/*
 * Shared by the libFuzzer targets in tests/fuzz/.
 */
#ifndef TESTS_FUZZ_COMMON_H
#define TESTS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The libFuzzer entry points (no header of their own). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Report a broken API contract as a crash, so that libFuzzer saves the
 * input. Only for invariants of the code under test, never for input
 * that is merely invalid.
 */
static inline void fuzz_check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz: contract violated: %s\n", what);
        abort();
    }
}

#endif /* TESTS_FUZZ_COMMON_H */
