// repl.cpp — placeholder until the REPL lands.
#include "app/cli/repl.h"

namespace sockscope::app {
int run_repl() { return 0; }
}  // namespace sockscope::app
