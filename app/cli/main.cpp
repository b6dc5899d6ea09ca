// main.cpp — the sockscope program's entry: `run` scripts headlessly, open
// the terminal REPL, or (issue 3) the window.
//
//   sockscope run [--trace] [--sysctl NAME=VALUE]... FILE...
//   sockscope run --load SNAP.sqlite [--load-label L] FILE...   continue a snapshot
//   sockscope run FILE... --save SNAP.sqlite [--label L] [--replace]   save the end state
//   sockscope SNAP.sqlite [LABEL]                 open a snapshot: in the window, or (no display) its world, then the REPL on it
//   sockscope export-json SNAP.sqlite [LABEL] [-o OUT.json]
//   sockscope repl [--load SNAP.sqlite [--load-label L]]
//   sockscope [gui] [--script FILE] [--screenshot OUT.png] [--bench] ...   the window (app/gui/gui.h)
//
// The front end only parses arguments and wires core/ to the terminal;
// every kernel step happens in core/.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli/lesson_cli.h"
#include "app/cli/repl.h"
#include "app/gui/gui.h"
#include "history.h"
#include "inspect.h"
#include "invariants.h"
#include "script/interp.h"
#include "script/parser.h"
#include "snapshot/snapshot.h"

#include <memory>
#include <sys/stat.h>
#include <unistd.h>

using namespace sockscope;

namespace {

// Snapshot options of `run`.
struct RunSnapshot {
    std::string load, load_label;   // continue from this snapshot
    std::string save, label;        // save each script's end state here
    bool replace = false;           // a snapshot with the same label may be replaced
};

int run_scripts(const std::vector<std::string>& files, const std::vector<std::string>& sysctls, bool trace,
                bool check, const RunSnapshot& snap) {
    int status = 0;
    if (!snap.load.empty() && !sysctls.empty()) {
        std::printf("--sysctl: error: a loaded snapshot brings its own sysctls (use !sysctl in the script)\n");
        return 2;
    }
    for (const std::string& f : files) {
        std::ifstream in(f, std::ios::binary);
        if (!in) {
            std::printf("%s: error: cannot open the script\n", f.c_str());
            return 2;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        auto parsed = script::parse_program(ss.str(), f);
        if (auto* e = std::get_if<script::ParseError>(&parsed)) {
            std::printf("%s\n", script::format_error(f, e->pos, e->message).c_str());
            return 2;
        }
        World boot = make_boot_world();
        for (const std::string& s : sysctls) {
            std::string err;
            if (!script::apply_sysctl_text(boot, s, &err)) {
                std::printf("--sysctl %s: error: %s\n", s.c_str(), err.c_str());
                return 2;
            }
        }
        std::unique_ptr<History> hp;
        snapshot::SessionNames names;
        if (!snap.load.empty()) {
            std::string err;
            hp = snapshot::load(snap.load, snap.load_label, &err, &names);
            if (!hp) {
                std::printf("%s\n", err.c_str());
                return 2;
            }
        } else {
            hp = std::make_unique<History>(std::move(boot));
        }
        History& h = *hp;
        script::Interp interp(h);
        // A loaded snapshot's names: the script's process (so the script
        // runs in the snapshot's main task), its variables and tasks.
        snapshot::restore_session_names(interp, names);
        interp.trace_steps = trace;
        interp.print = [](const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); };
        // --check: the invariant checker after every step; the first
        // violation is reported and fails the run.
        int broken = 0;
        if (check)
            h.live().after_step = [&](const Machine& m) {
                if (broken) return;
                auto v = check_invariants(m.k.w);
                if (v.empty()) return;
                broken = 1;
                std::printf("%s: invariant broken after step %llu: %s\n", f.c_str(),
                            static_cast<unsigned long long>(h.step_count()), v.front().c_str());
            };
        int rc = interp.run_program(std::get<script::Program>(parsed));
        if (broken) rc = rc == 2 ? 2 : 1;
        std::fflush(stdout);
        if (!snap.save.empty()) {
            snapshot::SessionNames out = snapshot::session_names(interp);
            std::string base = f.substr(f.find_last_of('/') == std::string::npos ? 0 : f.find_last_of('/') + 1);
            std::string label = snap.label.empty() ? base : files.size() > 1 ? snap.label + " (" + base + ")" : snap.label;
            std::string err, used;
            if (!snapshot::save(snap.save, h, label, &err, &out, &used, snap.replace)) {
                std::fprintf(stderr, "--save: error: %s\n", err.c_str());
                if (err.find("already holds a snapshot labelled") != std::string::npos)
                    std::fprintf(stderr, "  (--label NAME saves under another label; --replace replaces it)\n");
                return 2;
            }
            std::fprintf(stderr, "saved '%s' (%llu steps, %zu commands) to %s\n", used.c_str(),
                         static_cast<unsigned long long>(h.step_count()), h.entries().size(), snap.save.c_str());
        }
        if (rc == 2) return 2;
        if (rc) status = 1;
    }
    return status;
}

// `sockscope FILE.sqlite [LABEL]` and `sockscope repl --load FILE`: opens a
// snapshot, shows its world (unless `quiet`), and continues it in the REPL
// with the names of the session that saved it: calls go on from the saved
// step, and back/goto reach every step before it.
int open_snapshot(const std::string& path, const std::string& label, bool quiet) {
    std::string err;
    snapshot::Info info;
    snapshot::SessionNames names;
    auto h = snapshot::load(path, label, &err, &names, &info);
    if (!h) {
        std::printf("%s\n", err.c_str());
        return 2;
    }
    auto in = std::make_unique<script::Interp>(*h);
    snapshot::restore_session_names(*in, names);
    app::ReplStart start;
    start.banner = "sockscope — snapshot '" + info.label + "' of " + path + ", at step " +
                   std::to_string(info.steps) +
                   ". Calls go on from here; back and goto reach every earlier step; save FILE [LABEL] saves; "
                   "quit leaves.";
    start.history = std::move(h);
    start.interp = std::move(in);
    start.save = app::snapshot_saver();
    if (quiet) return app::run_repl(std::move(start));
    std::printf("%s: snapshot '%s' (%llu steps, %llu commands, saved %s)\n", path.c_str(), info.label.c_str(),
                static_cast<unsigned long long>(info.steps), static_cast<unsigned long long>(info.commands),
                info.created_at.c_str());
    std::vector<snapshot::Info> all;
    if (snapshot::list(path, &all, &err) && all.size() > 1) {
        std::string others;
        for (const auto& i : all)
            if (i.id != info.id) others += (others.empty() ? "'" : ", '") + i.label + "'";
        std::printf("other snapshots in the file: %s\n", others.c_str());
    }
    std::string w = show_world(start.history->live().k.w);
    std::fwrite(w.data(), 1, w.size(), stdout);
    std::fflush(stdout);
    return app::run_repl(std::move(start));
}

// A FILE.sqlite, or any file that is an SQLite database.
bool looks_like_snapshot(const std::string& arg) {
    if (arg.empty() || arg[0] == '-') return false;
    if (arg.size() > 7 && arg.substr(arg.size() - 7) == ".sqlite") return true;
    struct stat st;
    if (stat(arg.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    std::ifstream in(arg, std::ios::binary);
    char magic[16] = {};
    in.read(magic, sizeof magic);
    return std::string(magic, sizeof magic) == std::string("SQLite format 3\0", 16);
}

}  // namespace

int main(int argc, char** argv) {
    // `sockscope FILE.sqlite [LABEL]`: in the window when there is a display
    // (as `sockscope` alone opens the window), else in the REPL.
    if (argc >= 2 && argc <= 3 && looks_like_snapshot(argv[1])) {
        if (int rc = app::open_snapshot_in_window(argv[1], argc == 3 ? argv[2] : ""); rc >= 0) return rc;
        return open_snapshot(argv[1], argc == 3 ? argv[2] : "", false);
    }

    CLI::App app{"sockscope — watch the Linux kernel's socket layer work"};
    app.require_subcommand(0, 1);

    auto* run = app.add_subcommand("run", "run scripts headlessly and check their expectations");
    std::vector<std::string> files, sysctls;
    bool trace = false, check = false;
    run->add_option("files", files, "script files")->required();
    run->add_flag("--check", check, "run the invariant checker after every step");
    run->add_option("--sysctl", sysctls, "set a sysctl before the run, e.g. net.core.somaxconn=128");
    run->add_flag("--trace", trace, "print every step's kernel frames");
    RunSnapshot snap;
    run->add_option("--load", snap.load, "continue from a snapshot file (the script runs in its main task)");
    run->add_option("--load-label", snap.load_label, "which snapshot of the --load file (default: the newest)");
    run->add_option("--save", snap.save, "save the state at the end of each script to a snapshot file");
    run->add_option("--label", snap.label, "the label of the saved snapshot (default: the script's file name)");
    run->add_flag("--replace", snap.replace, "replace a snapshot with the same label (otherwise the save is refused)");

    auto* ej = app.add_subcommand("export-json", "write a snapshot as JSON (same names as the SQLite tables)");
    std::string ej_file, ej_label, ej_out;
    ej->add_option("file", ej_file, "snapshot file")->required();
    ej->add_option("label", ej_label, "which snapshot (default: the newest)");
    ej->add_option("-o,--output", ej_out, "write to this file instead of standard output");

    auto* repl = app.add_subcommand("repl", "the script language, interactively");
    std::string repl_load, repl_label;
    repl->add_option("--load", repl_load, "continue from a snapshot file");
    repl->add_option("--load-label", repl_label, "which snapshot of the --load file (default: the newest)");
    auto* lesson = app::add_lesson_command(app);
    auto* gui = app.add_subcommand("gui", "open the window (what sockscope alone does when there is a display)");
    app::GuiOptions gui_opt;
    app::add_gui_options(app, *gui, gui_opt);

    CLI11_PARSE(app, argc, argv);
    if (gui->parsed() || app.get_subcommands().empty())
        if (int rc = app::open_window_or_say_why(gui_opt, gui->parsed()); rc >= 0) return rc;
    if (run->parsed()) return run_scripts(files, sysctls, trace, check, snap);
    if (ej->parsed()) {
        std::string json, err;
        if (!snapshot::export_json(ej_file, ej_label, &json, &err)) {
            std::fprintf(stderr, "%s\n", err.c_str());
            return 2;
        }
        if (ej_out.empty()) {
            std::fwrite(json.data(), 1, json.size(), stdout);
        } else {
            std::ofstream out(ej_out, std::ios::binary);
            out << json;
            if (!out) {
                std::fprintf(stderr, "%s: cannot write\n", ej_out.c_str());
                return 2;
            }
        }
        return 0;
    }
    if (lesson->parsed()) return app::run_lesson_command();
    // `sockscope` alone on a terminal opens lesson 1 (the REPL if there are no lessons).
    if (!repl->parsed() && app.get_subcommands().empty() && isatty(STDIN_FILENO))
        if (int rc = app::play_first_lesson(); rc >= 0) return rc;
    if (repl->parsed() && !repl_load.empty()) return open_snapshot(repl_load, repl_label, true);
    if (repl->parsed() || app.get_subcommands().empty()) {
        app::ReplStart start;
        start.save = app::snapshot_saver();
        return app::run_repl(std::move(start));
    }
    return 0;
}
