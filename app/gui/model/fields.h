// fields.h — reading and writing a model object's traced fields by the
// (kind, offset) the step trace names them with, and the world as it stands
// partway through a step.
//
// The trace's Set events say "field at offset O of object K#I went from A to
// B" (kernel/trace.h). The inspector reads every field of an object through
// the same table; frame-by-frame playback rebuilds the world between two
// step boundaries by applying a step's events up to a frame. Nothing here
// touches a window.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "kernel/trace.h"
#include "world.h"

namespace sockscope::gui {

struct FieldAccess {
    ObjKind kind;
    uint16_t offset;
    int64_t (*get)(const World& w, uint32_t id);
    void (*set)(World& w, uint32_t id, int64_t v);
};

// Every field the trace's field table lists (kernel/trace.h all_fields()).
const std::vector<FieldAccess>& field_accessors();
const FieldAccess* field_access(ObjKind kind, uint16_t offset);

// Whether object kind#id exists in w (Net always does).
bool object_exists(const World& w, ObjKind kind, uint32_t id);

// The value of a traced field, or nullopt when the object is gone.
std::optional<int64_t> read_field(const World& w, ObjKind kind, uint32_t id, uint16_t offset);

// The world partway through step `step`: `before` (the world at the start of
// the step) with the step's events [step_begin, upto) applied. `after` is the
// world at the end of the step; objects the step creates take their untraced
// parts (names, vectors the trace does not list) from it. The result is
// exact for every traced field, object and fd/queue link, and approximate
// only for untraced containers (hash tables, timers, the wire), which keep
// their values from the start of the step until the step ends.
World world_mid_step(const World& before, const World& after, const Trace& t, size_t step, size_t upto);

// One field the step changed: its value before the step and after it.
struct FieldChange {
    ObjKind kind;
    uint32_t id;
    uint16_t offset;
    int32_t before;
    int32_t after;
    size_t first_event;   // index of the first Set of this field in the step
};
// The fields step `step` changed between events [step_begin, upto), first
// change first (one entry per field: oldest old value, newest new value).
std::vector<FieldChange> step_changes(const Trace& t, size_t step, size_t upto);

}  // namespace sockscope::gui
