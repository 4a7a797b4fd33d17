#include "CFuzzDriver.h"

// libFuzzer's driver, in libclang_rt.fuzzer (linked by -sanitize=fuzzer).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int coffer_fuzz_run_driver(int argc, char **argv, CofferFuzzTestOneInput test_one_input) {
    return LLVMFuzzerRunDriver(&argc, &argv, test_one_input);
}

// -sanitize=fuzzer links all of libclang_rt.fuzzer, whose own main() refers to this symbol. The Swift
// executable's main wins and calls LLVMFuzzerRunDriver with the chosen target instead, so this is
// never called; it only satisfies the linker.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)data;
    (void)size;
    return 0;
}
