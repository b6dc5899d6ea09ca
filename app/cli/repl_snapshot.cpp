// repl_snapshot.cpp — the REPL's `save` word, wired to core/snapshot.
//
// Kept apart from repl.cpp so that the REPL builds without SQLite (the
// fuzzer compiles repl.cpp on its own); the program hands this saver to
// every REPL it starts.
#include "app/cli/repl.h"
#include "snapshot/snapshot.h"

namespace sockscope::app {

std::function<std::string(const std::string&, const History&, const script::Interp&)> snapshot_saver() {
    return [](const std::string& args, const History& h, const script::Interp& in) {
        snapshot::SessionNames names = snapshot::session_names(in);
        return snapshot::repl_save(args, h, &names);
    };
}

}  // namespace sockscope::app
