// fuzz_repl.cpp — libFuzzer target for the REPL's command handling against
// a live model (app/cli/repl.cpp on top of core/script/interp.cpp).
//
// The input is a session: lines typed one after another into one REPL, so
// the fuzzer reaches states only a sequence reaches (names bound, tasks
// asleep, `back` and `goto` over branches, a snapshot's worth of history).
// The REPL's Session class lives in an anonymous namespace of repl.cpp; to
// fuzz exactly the code students use (its own words, the bare-call rewriting,
// error carets, completion) rather than a copy, this file includes repl.cpp
// itself. The first byte picks the terminal or the piped flavour of output;
// every line is also offered to Tab completion at a point the input chooses.
//
// Output goes to /dev/null unless FUZZ_REPL_ECHO is set (to read what a
// crashing input did). A session is cut at kMaxLines lines to keep every
// run short: long sessions are not more interesting than many short ones.
#include "app/cli/repl.cpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
constexpr int kMaxLines = 64;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (!std::getenv("FUZZ_REPL_ECHO")) {
        if (!std::freopen("/dev/null", "w", stdout)) std::abort();
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    bool interactive = data[0] & 1;
    std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    sockscope::app::Session session(interactive);
    size_t begin = 0;
    for (int n = 0; n < kMaxLines && begin <= text.size(); ++n) {
        size_t nl = text.find('\n', begin);
        size_t end = nl == std::string::npos ? text.size() : nl;
        std::string line = text.substr(begin, end - begin);
        begin = nl == std::string::npos ? text.size() + 1 : nl + 1;
        // Completion at a point derived from the line: the word under the
        // cursor is what follows the last blank or '(' or ',' before it.
        size_t cut = line.empty() ? 0 : static_cast<unsigned char>(line[0]) % (line.size() + 1);
        std::string before = line.substr(0, cut);
        size_t w = before.find_last_of(" \t(,:=");
        std::string word = w == std::string::npos ? before : before.substr(w + 1);
        (void)session.complete(std::string_view(before).substr(0, before.size() - word.size()), word);
        if (!session.handle(line)) break;
    }
    return 0;
}
