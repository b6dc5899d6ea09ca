// repl.h — the terminal REPL (libedit line editing, history, completion).
//
// A session starts on a freshly booted machine, or continues one that a
// lesson or a snapshot hands over: the history (so back and goto reach
// the steps that came before), the interpreter with its names and its
// calls still asleep, and the interpreters as they were at earlier steps
// (so going back also gives back the names of that moment).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "history.h"
#include "script/interp.h"

namespace sockscope::app {

struct ReplStart {
    std::unique_ptr<History> history;          // null: a freshly booted machine
    std::unique_ptr<script::Interp> interp;    // over *history; null: a fresh one
    // The interpreter as it was at earlier step counts, oldest first.
    std::vector<std::pair<uint64_t, std::unique_ptr<script::Interp>>> earlier;
    std::string banner;                        // on a terminal, instead of the usual greeting
    // The `save [--replace] FILE [LABEL]` word: given what follows `save`,
    // saves and returns the line to print. The REPL itself knows nothing
    // of SQLite (it also builds into tests and fuzzers without it); the
    // program passes snapshot_saver(). Null: `save` says it cannot.
    std::function<std::string(const std::string& args, const History& h, const script::Interp& in)> save;
};

// The saver of the program: core/snapshot's repl_save with the
// interpreter's names (app/cli/repl_snapshot.cpp).
std::function<std::string(const std::string&, const History&, const script::Interp&)> snapshot_saver();

// Runs until end of input or `quit`; returns the exit status.
int run_repl(ReplStart start = {});

}  // namespace sockscope::app
