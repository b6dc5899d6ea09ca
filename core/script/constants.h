// constants.h — Linux spellings of the numbers in uapi.h, both directions.
//
// Scripts name constants the way C does (AF_INET, SOCK_NONBLOCK, SO_LINGER,
// EADDRINUSE); this table is the one place those spellings live, used for
// resolving arguments, printing results, and REPL completion.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace sockscope::script {

struct Constant {
    const char* name;
    int64_t value;
    const char* group;  // "family", "type", "flag", "proto", "level",
                        // "optname", "how", "fcntl", "errno", "state", ...
};

// Every constant, in a stable order (used for completion and help).
const std::vector<Constant>& all_constants();

std::optional<int64_t> lookup_constant(std::string_view name);

// errno by name ("EADDRINUSE" -> 98) and name by errno (98 -> "EADDRINUSE";
// unknown numbers -> nullptr).
std::optional<int> errno_from_name(std::string_view name);
const char* errno_name(int err);

// "TCP_LISTEN", "SS_CONNECTED" ...; nullptr if out of range.
const char* tcp_state_name(int state);
const char* socket_state_name(int state);

}  // namespace sockscope::script
