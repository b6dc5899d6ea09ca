// invariants.h — what must hold between any two steps.
//
// The checker walks a world and reports every broken rule: reference
// counts match the references that exist (f_count, sk_refcnt, files_struct
// users), the fd -> file -> socket <-> sock links are mutual, queue lengths
// match their counters (sk_ack_backlog, qlen), the hashes and bind buckets
// agree with the socks they hold, every timer has a live owner, sleeping
// tasks sit on a wait queue. Tests run it after every step. A separate
// check says whether anything is left behind once every socket is closed
// and time has passed.
#pragma once
#include <string>
#include <vector>

#include "world.h"

namespace sockscope {

// Empty when every invariant holds; otherwise one line per violation.
std::vector<std::string> check_invariants(const World& w);

// Objects that should not exist once every fd and kernel socket is closed
// and all timers have run (TIME_WAIT over): one line per leftover.
std::vector<std::string> leftovers(const World& w);

}  // namespace sockscope
