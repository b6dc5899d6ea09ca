// entry.h — the two ways into the model (kernel.h: built twice).
//
// The Machine runs a step through kTracedModel when a trace is attached
// (every chokepoint records) and through kUntracedModel when none is (the
// recording compiled out). Both hold the same functions of entry.cpp,
// built once each way.
#pragma once
#include <cstdint>

#include "machine.h"

namespace sockscope {

struct ModelEntry {
    // A command's step, begun by the caller: runs the call, records its return.
    Outcome (*command)(Machine& m, const Command& c, uint32_t idx);
    // A step begun for what is pending: the next segment, or the first woken task.
    void (*pending)(Kernel& k);
    // Fires the first timer due by `until` (run_next_timer).
    bool (*timer)(Kernel& k, int64_t until);
};

extern const ModelEntry kTracedModel;
extern const ModelEntry kUntracedModel;

// The build a step of this kernel runs in.
inline const ModelEntry& model_entry(const Kernel& k) { return k.trace ? kTracedModel : kUntracedModel; }

}  // namespace sockscope
