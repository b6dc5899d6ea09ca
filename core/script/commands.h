// commands.h — the declarative command table.
//
// One row per call of the script language: its name, argument shape,
// one-line help, the kernel path it exercises, and the handler that runs
// it. The interpreter dispatches through it, the REPL's `help` lists it and
// its completion offers its names; adding a call is adding a row.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "script/interp.h"

namespace sockscope::script {

enum class ArgKind : uint8_t {
    Int,    // an expression: 3, -1, AF_INET, SOCK_STREAM|SOCK_NONBLOCK, a bound name
    Addr,   // an IPv4:port literal
    Name,   // a bare identifier taken as text (a counter name, a prot name)
    Str,    // a string or a bare identifier taken as text
};

enum class CmdKind : uint8_t {
    Syscall,  // a system call of the calling task: a step in the history
    Kernel,   // the in-kernel API or the machine (peers, time, sysctls)
    Query,    // reads the world; no step
    Meta,     // the REPL's views and navigation
};

struct CommandSpec {
    const char* name;
    const char* args;      // for help: "fd, backlog"
    const char* help;      // one line, our words
    const char* path;      // the kernel functions it goes through
    CmdKind kind;
    uint8_t min_args, max_args;
    std::array<ArgKind, 6> kinds;
    bool in_realrun;       // part of the subset the real-kernel runner runs
    // Runs the call with resolved arguments; returns its result.
    Result (*run)(Interp& in, const std::vector<Val>& v);
};

const std::vector<CommandSpec>& command_table();
const CommandSpec* find_command(std::string_view name);

}  // namespace sockscope::script
