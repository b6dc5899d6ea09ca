// support.h — the test harness every model test uses.
//
// Sim runs script statements against a fresh model exactly as `sockscope
// run` does, and hangs the invariant checker on every step: a test that
// breaks an invariant fails at the step that broke it, whatever it asserts.
//
//   Sim s;
//   EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
//   EXPECT_EQ(s.run("bind(3, 127.0.0.1:80, 15)"), err(EINVAL));
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "history.h"
#include "invariants.h"
#include "script/interp.h"
#include "script/parser.h"

namespace sockscope::test {

inline script::Result ok(int64_t v) { return script::Result::ok(v); }
inline script::Result err(int e) { return script::Result::fail(e); }

class Sim {
public:
    explicit Sim(World boot = make_boot_world()) : h(std::move(boot)), in(h) {
        in.print = [this](const std::string& s) { out += s; };
        h.live().after_step = [this](const Machine& m) {
            ++steps_checked;
            auto v = check_invariants(m.k.w);
            if (!v.empty()) ADD_FAILURE() << "invariant broken after step " << h.step_count() << ": " << v.front();
        };
    }

    // Runs one line; returns the statement's result. A syntax or script
    // error fails the test. A call that sleeps returns {0, -1}.
    script::Result run(const std::string& line) {
        auto parsed = script::parse_line(line, ++lineno);
        if (auto* e = std::get_if<script::ParseError>(&parsed)) {
            ADD_FAILURE() << "parse error in test line '" << line << "': " << e->message;
            return {0, -1};
        }
        in.last_result = {0, -1};
        in.last_slept = false;
        if (!in.run_line(std::get<script::Line>(parsed), "test")) {
            ADD_FAILURE() << "script error in test line '" << line << "': " << out;
            return {0, -1};
        }
        return in.last_slept ? script::Result{0, -1} : in.last_result;
    }
    // Runs a line that must fail with a script error; returns the message.
    std::string run_error(const std::string& line) {
        out.clear();
        auto parsed = script::parse_line(line, ++lineno);
        if (auto* e = std::get_if<script::ParseError>(&parsed)) return e->message;
        if (in.run_line(std::get<script::Line>(parsed), "test")) ADD_FAILURE() << "expected an error from: " << line;
        return out;
    }
    bool slept() const { return in.last_slept; }

    World& w() { return h.live().k.w; }
    TaskId main() { return in.main_task(); }
    // The sock behind fd of the main task (or of task `name`).
    SockId sock_of(int fd, const std::string& task = "") {
        const Task& t = w().tasks[in.tasks.at(task)];
        FileId f = w().files_structs[t.files].fd[fd];
        return w().sockets[w().files[f].private_data].sk;
    }
    Sock& sk(int fd, const std::string& task = "") { return w().socks[sock_of(fd, task)]; }
    int64_t mib(Mib m) { return w().mib[static_cast<size_t>(m)]; }
    // Closes every fd >= 3 of every process, lets all timers run, and
    // returns what is left behind.
    std::vector<std::string> close_all_and_wait() {
        for (auto& [name, t] : in.tasks) {
            if (!w().tasks.contains(t) || !w().tasks[t].files) continue;
            auto& fs = w().files_structs[w().tasks[t].files];
            for (size_t fd = 3; fd < w().files_structs[w().tasks[t].files].fd.size(); ++fd)
                if (w().files_structs[w().tasks[t].files].fd[fd])
                    run((name.empty() ? "" : name + ": ") + "close(" + std::to_string(fd) + ")");
            (void)fs;
        }
        run("sleep(200000)");
        return leftovers(w());
    }

    History h;
    script::Interp in;
    std::string out;
    int steps_checked = 0;
    int lineno = 0;
};

// fd 3 listens on 0.0.0.0:8080 (backlog 5) and fd 4 is the connection
// from remote peer P (10.0.0.2) it accepted: the start of every test of a
// connection whose other end is driven by hand.
inline void peer_connection(Sim& s) {
    EXPECT_EQ(s.run("socket(AF_INET, SOCK_STREAM, 0)"), ok(3));
    EXPECT_EQ(s.run("bind(3, 0.0.0.0:8080)"), ok(0));
    EXPECT_EQ(s.run("listen(3, 5)"), ok(0));
    s.run("P = peer(10.0.0.2:0)");
    EXPECT_EQ(s.run("peer_syn(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("peer_ack(P, 127.0.0.1:8080)"), ok(0));
    EXPECT_EQ(s.run("accept(3)"), ok(4));
}

}  // namespace sockscope::test
