// repl.h — the terminal REPL (libedit line editing, history, completion).
#pragma once

namespace sockscope::app {

// Runs until end of input or `quit`; returns the exit status.
int run_repl();

}  // namespace sockscope::app
