// fuzz_model_walk.cpp — libFuzzer target that steers the random program
// generator of model_walk.h with the fuzzer's bytes.
//
// Each byte is a decision (which call, which fd, which task, when to go back
// in the history), so coverage guidance finds the sequences of calls that
// reach rare corners of the model — a SYN flood into a listener that is
// being closed, a signal to a task asleep in accept — which a PRNG reaches
// only by luck. Every step is checked against the invariants; a violation
// prints the script that reproduces it and aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "model_walk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    sockscope::walk::ByteChoices choices(data, size);
    sockscope::walk::Walker walker(choices);
    if (auto f = walker.program(200)) {
        std::fprintf(stderr, "fuzz_model_walk: %s\n--- the program (sockscope run --check reproduces it):\n",
                     f->what.c_str());
        for (const std::string& line : f->script) std::fprintf(stderr, "%s\n", line.c_str());
        std::abort();
    }
    return 0;
}
