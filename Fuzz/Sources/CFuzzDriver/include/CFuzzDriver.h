// libFuzzer's entry points as Swift sees them.
#ifndef COFFER_FUZZ_DRIVER_H
#define COFFER_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Runs one input; returns 0. Provided by the Swift side.
typedef int (*CofferFuzzTestOneInput)(const uint8_t *data, size_t size);

/// Runs libFuzzer (argument parsing, corpus, mutation, crash files) over `test_one_input`.
/// Returns libFuzzer's exit status.
int coffer_fuzz_run_driver(int argc, char **argv, CofferFuzzTestOneInput test_one_input);

#endif
