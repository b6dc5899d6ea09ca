// replay_main.cpp — runs a fuzz target's LLVMFuzzerTestOneInput over files,
// without libFuzzer, so any compiler and any build can replay the seed
// corpus and the regressions (tests/CMakeLists.txt registers one test per
// target).
//
//     fuzz_replay_TARGET PATH...     (files, or directories of files)
//
// Files named *.open in a directory are skipped: they reproduce bugs not
// fixed yet (fuzz/known_bugs.h); name one on the command line, with
// SOCKSCOPE_FUZZ_STRICT=1, to replay it. Prints each file it replays; a crash or sanitizer report ends the run with
// that file the last one named. Exits 0 when every file ran, 2 when a path
// cannot be read.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

int main(int argc, char** argv) {
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path p(argv[i]);
        std::error_code ec;
        if (std::filesystem::is_directory(p, ec)) {
            for (const auto& e : std::filesystem::directory_iterator(p))
                if (e.is_regular_file() && e.path().filename().string()[0] != '.') {
                    // *.open: a reproducer of a bug not fixed yet (fuzz/known_bugs.h);
                    // replayed only when named on its own.
                    if (e.path().extension() == ".open") {
                        std::fprintf(stderr, "skipping %s (an open bug: fuzz/known_bugs.h)\n", e.path().c_str());
                        continue;
                    }
                    files.push_back(e.path());
                }
        } else if (std::filesystem::is_regular_file(p, ec)) {
            files.push_back(p);
        } else {
            std::fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
            return 2;
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::fprintf(stderr, "replaying %s\n", f.c_str());
        std::ifstream in(f, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
    std::fprintf(stderr, "%zu files replayed\n", files.size());
    return 0;
}
