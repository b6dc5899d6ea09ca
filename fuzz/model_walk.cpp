// model_walk.cpp — the seeded CI run of model_walk.h: random programs
// through the model until a given number of steps, the invariant checker
// after every step.
//
//     model_walk [--seed S] [--steps N] [--length L]
//
// Runs programs of L statements (default 300) from fresh boot worlds, with
// seeds S, S+1, ... (default 1), until N steps (default 1000000) have run.
// Prints one summary line and exits 0; on the first violation prints what
// broke and the program that broke it (a script `sockscope run --check`
// replays), and exits 1. The same seed always gives the same programs.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "model_walk.h"

int main(int argc, char** argv) {
    uint64_t seed = 1, steps = 1000000;
    size_t length = 300;
    for (int i = 1; i < argc; ++i) {
        auto value = [&](const char* name) -> uint64_t {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "model_walk: %s needs a value\n", name);
                std::exit(2);
            }
            return std::strtoull(argv[++i], nullptr, 10);
        };
        if (!std::strcmp(argv[i], "--seed")) seed = value("--seed");
        else if (!std::strcmp(argv[i], "--steps")) steps = value("--steps");
        else if (!std::strcmp(argv[i], "--length")) length = value("--length");
        else {
            std::fprintf(stderr, "usage: model_walk [--seed S] [--steps N] [--length L]\n");
            return 2;
        }
    }
    auto start = std::chrono::steady_clock::now();
    sockscope::walk::Stats total;
    for (uint64_t s = seed; total.steps < steps; ++s) {
        sockscope::walk::SeededChoices choices(s);
        sockscope::walk::Walker walker(choices);
        auto f = walker.program(length);
        const auto& st = walker.stats();
        total.programs += st.programs;
        total.statements += st.statements;
        total.steps += st.steps;
        total.rejected += st.rejected;
        total.slept += st.slept;
        total.branches += st.branches;
        if (f) {
            std::printf("model_walk: seed %llu: %s\n--- the program (sockscope run --check reproduces it):\n",
                        static_cast<unsigned long long>(s), f->what.c_str());
            for (const std::string& line : f->script) std::printf("%s\n", line.c_str());
            return 1;
        }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("model_walk: %llu steps in %llu programs (%llu statements, %llu refused, %llu slept, "
                "%llu times back in the history), every invariant after every step: %.1f s\n",
                static_cast<unsigned long long>(total.steps), static_cast<unsigned long long>(total.programs),
                static_cast<unsigned long long>(total.statements), static_cast<unsigned long long>(total.rejected),
                static_cast<unsigned long long>(total.slept), static_cast<unsigned long long>(total.branches), secs);
    return 0;
}
