// main.cpp — the sockscope program's entry: `run` scripts headlessly, open
// the terminal REPL, or (issue 3) the window.
//
//   sockscope run [--trace] [--sysctl NAME=VALUE]... FILE...
//   sockscope repl
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

#include "app/cli/repl.h"
#include "history.h"
#include "invariants.h"
#include "script/interp.h"
#include "script/parser.h"

using namespace sockscope;

namespace {

int run_scripts(const std::vector<std::string>& files, const std::vector<std::string>& sysctls, bool trace,
                bool check) {
    int status = 0;
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
        History h(std::move(boot));
        script::Interp interp(h);
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
        if (rc == 2) return 2;
        if (rc) status = 1;
    }
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"sockscope — watch the Linux kernel's socket layer work"};
    app.require_subcommand(0, 1);

    auto* run = app.add_subcommand("run", "run scripts headlessly and check their expectations");
    std::vector<std::string> files, sysctls;
    bool trace = false, check = false;
    run->add_option("files", files, "script files")->required();
    run->add_flag("--check", check, "run the invariant checker after every step");
    run->add_option("--sysctl", sysctls, "set a sysctl before the run, e.g. net.core.somaxconn=128");
    run->add_flag("--trace", trace, "print every step's kernel frames");

    auto* repl = app.add_subcommand("repl", "the script language, interactively");

    CLI11_PARSE(app, argc, argv);
    if (run->parsed()) return run_scripts(files, sysctls, trace, check);
    if (repl->parsed() || app.get_subcommands().empty()) return app::run_repl();
    return 0;
}
