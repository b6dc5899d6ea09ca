// test_entry.cpp — core/kernel/entry.cpp: the two builds of the model.
//
// The model is compiled twice (kernel.h): with its chokepoints recording
// (traced) and with the recording compiled out (untraced). A Machine with
// a trace attached steps through the first, one without through the
// second. They must be the same kernel: every script of the suites, run
// both ways in lockstep, reaches equal worlds after every step, with the
// same results and completions.
#include "support.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kernel/entry.h"

namespace sockscope::test {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> script_files() {
    std::vector<std::string> out;
    for (const char* dir : {"/tests/scripts", "/tests/diff/scenarios"})
        for (const auto& e : fs::directory_iterator(std::string(SOCKSCOPE_SOURCE_DIR) + dir))
            if (e.path().extension() == ".sock") out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

// The commands a script runs, as its history keeps them.
std::vector<History::Entry> commands_of(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    auto parsed = script::parse_program(ss.str(), path);
    if (auto* e = std::get_if<script::ParseError>(&parsed)) {
        ADD_FAILURE() << path << ": " << e->message;
        return {};
    }
    History h;
    script::Interp in(h);
    in.print = [](const std::string&) {};
    in.run_program(std::get<script::Program>(parsed));
    return h.entries();
}

}  // namespace

TEST(Entry, AMachineWithATraceStepsThroughTheTracedBuildAndOneWithoutThroughTheUntraced) {
    Machine m;
    EXPECT_EQ(&model_entry(m.k), &kUntracedModel);
    Trace t;
    m.k.trace = &t;
    EXPECT_EQ(&model_entry(m.k), &kTracedModel);
    EXPECT_NE(kTracedModel.command, kUntracedModel.command);
}

TEST(Entry, TheUntracedBuildRecordsNothingAndTheTracedBuildRecordsEveryStep) {
    Trace t;
    Machine traced, untraced;
    traced.k.trace = &t;
    Command c;
    c.op = Op::Spawn;
    c.a = {0, 0, 1};
    c.text = "spawn";
    EXPECT_EQ(traced.exec(c, 0).ret, 1000);
    EXPECT_EQ(untraced.exec(c, 0).ret, 1000);
    EXPECT_EQ(t.steps.size(), 1u);
    EXPECT_FALSE(t.events.empty());
    EXPECT_TRUE(traced.k.w == untraced.k.w);
}

TEST(Entry, EveryScriptReachesTheSameWorldAfterEveryStepInBothBuilds) {
    size_t scripts = 0, steps = 0;
    for (const std::string& path : script_files()) {
        SCOPED_TRACE(path);
        std::vector<History::Entry> cmds = commands_of(path);
        Trace t;
        Machine traced, untraced;
        traced.k.trace = &t;
        for (size_t i = 0; i < cmds.size(); ++i) {
            const History::Entry& e = cmds[i];
            uint32_t idx = static_cast<uint32_t>(i);
            Outcome a = traced.exec(e.cmd, idx);
            Outcome b = untraced.exec(e.cmd, idx);
            ASSERT_EQ(a.sleeping, b.sleeping) << "command " << i << ": " << e.cmd.text;
            ASSERT_EQ(a.ret, b.ret) << "command " << i << ": " << e.cmd.text;
            ASSERT_TRUE(traced.k.w == untraced.k.w) << "after command " << i << ": " << e.cmd.text;
            for (;;) {
                bool ran = traced.step_pending(idx);
                ASSERT_EQ(untraced.step_pending(idx), ran) << "command " << i << ": " << e.cmd.text;
                if (!ran) break;
                ASSERT_TRUE(traced.k.w == untraced.k.w) << "a step of command " << i << ": " << e.cmd.text;
            }
            ASSERT_EQ(traced.steps_run, untraced.steps_run);
            ASSERT_EQ(traced.steps_run, e.first_step + e.steps) << "command " << i << ": " << e.cmd.text;
            ASSERT_EQ(traced.k.completions.size(), untraced.k.completions.size());
            for (size_t j = 0; j < traced.k.completions.size(); ++j) {
                EXPECT_EQ(traced.k.completions[j].task, untraced.k.completions[j].task);
                EXPECT_EQ(traced.k.completions[j].ret, untraced.k.completions[j].ret);
            }
        }
        ++scripts;
        steps += traced.steps_run;
    }
    EXPECT_GE(scripts, 100u);
    EXPECT_GE(steps, 1500u);
}


// A history runs untraced until its trace is first read, then traced: one
// machine changes builds halfway and must reach the world a machine that
// recorded from the start reaches.
TEST(Entry, AMachineThatChangesBuildsHalfwayReachesTheSameWorld) {
    for (const std::string& path : script_files()) {
        SCOPED_TRACE(path);
        std::vector<History::Entry> cmds = commands_of(path);
        Trace all, half;
        Machine traced, switched;
        traced.k.trace = &all;
        for (size_t i = 0; i < cmds.size(); ++i) {
            if (i == cmds.size() / 2) switched.k.trace = &half;
            uint32_t idx = static_cast<uint32_t>(i);
            traced.exec(cmds[i].cmd, idx);
            traced.settle(idx);
            switched.exec(cmds[i].cmd, idx);
            switched.settle(idx);
        }
        EXPECT_TRUE(traced.k.w == switched.k.w);
        EXPECT_EQ(traced.steps_run, switched.steps_run);
    }
}

}  // namespace sockscope::test
