// history.cpp — see history.h.
//
//   construction, reset, the live machine
//   running commands at the head (run, advance, replay)
//   the trace on demand
//   going back (world_at, entry_of_step, branch_at)
#include "history.h"

#include <algorithm>
#include <string_view>

namespace sockscope {

// ---------------------------------------------------------------- the live machine

History::History(World boot, uint32_t checkpoint_every) : every_(checkpoint_every) {
    start_live(boot, 0);
    cps_.push_back(Checkpoint{0, 0, std::move(boot)});
}

// The head becomes a machine over w, keeping the hook tests hang on it,
// and recording into the trace once the trace has been read.
void History::start_live(World w, uint64_t steps_before) {
    auto hook = live_.after_step;
    live_ = Machine(std::move(w));
    live_base_ = steps_before;
    live_.after_step = hook;
    live_.k.trace = tracing_ ? &trace_ : nullptr;
}

void History::reset(World boot) {
    start_live(boot, 0);
    trace_.clear();
    traced_steps_ = 0;
    traced_entries_ = 0;
    entries_.clear();
    branches_.clear();
    cps_.clear();
    cps_.push_back(Checkpoint{0, 0, std::move(boot)});
    steps_at_last_cp_ = 0;
}

void History::maybe_checkpoint() {
    if (step_count() - steps_at_last_cp_ < every_) return;
    cps_.push_back(Checkpoint{entries_.size(), step_count(), live_.k.w});
    steps_at_last_cp_ = step_count();
}

// ---------------------------------------------------------------- running at the head

Outcome History::record(const Command& c, int64_t budget, std::vector<Kernel::Completion>* done) {
    uint32_t idx = static_cast<uint32_t>(entries_.size());
    uint64_t first = step_count();
    live_.k.completions.clear();
    live_.budget = budget;
    Outcome o = live_.exec(c, idx);
    live_.settle(idx);
    live_.budget = -1;
    entries_.push(c, first, step_count() - first);
    if (tracing_) {
        traced_steps_ = step_count();
        traced_entries_ = entries_.size();
    }
    if (done) done->insert(done->end(), live_.k.completions.begin(), live_.k.completions.end());
    live_.k.completions.clear();
    maybe_checkpoint();
    return o;
}

Outcome History::run(const Command& c, std::vector<Kernel::Completion>* done) {
    return record(c, -1, done);
}

void History::advance(int64_t ms, std::vector<Kernel::Completion>* done) {
    Command c;
    c.op = Op::Sleep;
    c.a[0] = ms;
    c.text = "advance(" + std::to_string(ms) + ")";
    run(c, done);
}

bool History::replay(const std::vector<Entry>& entries, std::vector<Branch> branches) {
    for (const Entry& in : entries) {
        record(in.cmd, static_cast<int64_t>(in.steps), nullptr);
        if (entries_.back().steps != in.steps) return false;
    }
    for (Branch& b : branches) branches_.push_back(std::move(b));
    return true;
}

void History::replay_entry(Machine& m, const Command& c, uint64_t steps, uint32_t idx) {
    m.budget = static_cast<int64_t>(steps);
    m.exec(c, idx);
    m.settle(idx);
    m.budget = -1;
}

// ---------------------------------------------------------------- the command list

// A command's identity for sharing: every field, text included.
static size_t command_hash(const Command& c) {
    size_t h = std::hash<std::string_view>()(c.text);
    auto mix = [&](uint64_t v) { h ^= std::hash<uint64_t>()(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
    mix(static_cast<uint64_t>(c.op));
    mix(c.task);
    for (int64_t v : c.a) mix(static_cast<uint64_t>(v));
    return h;
}

// Equal commands share one stored copy. A hash that two different
// commands share keeps the first; the second is stored again (correct,
// only less compact, and rare).
void History::EntryList::push(const Command& c, uint64_t first_step, uint64_t steps) {
    size_t h = command_hash(c);
    auto [it, fresh] = by_hash_.try_emplace(h, static_cast<uint32_t>(pool_.size()));
    uint32_t idx = it->second;
    if (fresh || !(pool_[idx] == c)) {
        idx = static_cast<uint32_t>(pool_.size());
        pool_.push_back(c);
    }
    recs_.push_back(Rec{first_step, steps, idx});
}

void History::EntryList::clear() {
    recs_.clear();
    pool_.clear();
    by_hash_.clear();
}

size_t History::EntryList::bytes() const {
    size_t b = recs_.capacity() * sizeof(Rec) + pool_.capacity() * sizeof(Command) +
               by_hash_.size() * (sizeof(size_t) + sizeof(uint32_t) + 2 * sizeof(void*)) +
               by_hash_.bucket_count() * sizeof(void*);
    for (const Command& c : pool_) b += c.text.capacity() > 15 ? c.text.capacity() + 1 : 0;
    return b;
}

History::EntryList::operator std::vector<Entry>() const {
    std::vector<Entry> out;
    out.reserve(size());
    for (size_t i = 0; i < size(); ++i) out.push_back((*this)[i]);
    return out;
}

// ---------------------------------------------------------------- the trace on demand

// Writes the trace of the commands not yet traced by running them again
// from the world before them, then has the live machine record from here
// on. The untraced commands always start at a command boundary (traced
// steps only ever end at one), so whole entries replay, each with its step
// budget, and the events come out exactly as a recording run makes them.
const Trace& History::trace() const {
    if (traced_entries_ < entries_.size()) {
        Machine m(world_at(traced_steps_));
        m.k.trace = &trace_;
        for (size_t i = traced_entries_; i < entries_.size(); ++i)
            replay_entry(m, entries_[i].cmd, entries_[i].steps, static_cast<uint32_t>(i));
        traced_steps_ = step_count();
        traced_entries_ = entries_.size();
    }
    if (!tracing_) {
        tracing_ = true;
        live_.k.trace = &trace_;
    }
    return trace_;
}

// ---------------------------------------------------------------- going back

World History::world_at(uint64_t n) const {
    if (n >= step_count()) return live_.k.w;
    // The last checkpoint at or before n.
    auto after = std::upper_bound(cps_.begin(), cps_.end(), n,
                                  [](uint64_t s, const Checkpoint& c) { return s < c.steps; });
    const Checkpoint* cp = &*(after - 1);
    Machine m(cp->world);
    uint64_t done = cp->steps;
    for (size_t i = cp->entry; i < entries_.size() && done < n; ++i) {
        EntryRef e = entries_[i];
        uint64_t steps = std::min(e.steps, n - done);  // may stop inside this command
        replay_entry(m, e.cmd, steps, static_cast<uint32_t>(i));
        done += steps;
    }
    return m.k.w;
}

size_t History::entry_of_step(uint64_t n) const {
    if (n == 0 || entries_.empty()) return 0;
    uint64_t step = n - 1;
    const auto& recs = entries_.recs_;
    auto it = std::upper_bound(recs.begin(), recs.end(), step,
                               [](uint64_t s, const EntryList::Rec& r) { return s < r.first_step; });
    return static_cast<size_t>(it - recs.begin()) - 1;
}

bool History::branch_at(uint64_t n, bool save_branch) {
    if (n > step_count()) return false;
    if (n == step_count()) return true;
    World w = world_at(n);
    Branch b;
    b.at_step = n;
    // Keep whole commands before n; cut the one step n-1 is in.
    size_t keep = 0;
    while (keep < entries_.size() && entries_[keep].first_step + entries_[keep].steps <= n) ++keep;
    if (keep < entries_.size() && entries_[keep].first_step < n) {
        for (size_t i = keep; i < entries_.size(); ++i) b.commands.push_back(entries_[i].cmd);
        entries_.recs_[keep].steps = n - entries_[keep].first_step;
        ++keep;
    } else {
        for (size_t i = keep; i < entries_.size(); ++i) b.commands.push_back(entries_[i].cmd);
    }
    entries_.recs_.resize(keep);
    if (save_branch) branches_.push_back(std::move(b));
    // Trace: drop every event, step and segment after step n. A trace that
    // ends at or before n keeps its end (a command boundary at or before
    // the cut, since the cut command is now one of the kept).
    if (traced_steps_ >= n) {
        size_t ev_end = n < trace_.steps.size() ? trace_.steps[n].first_event : trace_.events.size();
        uint32_t pk_end = 0;
        for (size_t i = 0; i < ev_end; ++i) {
            const TraceEvent& e = trace_.events[i];
            if (e.ev == Ev::PacketSend || e.ev == Ev::PacketDeliver || e.ev == Ev::PacketDrop)
                pk_end = std::max(pk_end, e.id + 1);
        }
        trace_.events.resize(ev_end);
        trace_.steps.resize(n);
        trace_.packets.resize(pk_end);
        traced_steps_ = n;
        traced_entries_ = keep;
    } else {
        traced_entries_ = std::min(traced_entries_, keep);
    }
    while (cps_.size() > 1 && cps_.back().steps > n) cps_.pop_back();
    steps_at_last_cp_ = cps_.back().steps;
    start_live(std::move(w), n);
    return true;
}

size_t History::bytes() const {
    size_t b = trace_.bytes() + entries_.bytes();
    for (const Checkpoint& c : cps_) {
        const World& w = c.world;
        b += sizeof(World) + w.tasks.bytes() + w.files_structs.bytes() + w.files.bytes() +
             w.sockets.bytes() + w.socks.bytes() + w.reqs.bytes() + w.tws.bytes() +
             w.buckets.bytes() + w.timers.bytes() + w.peers.bytes();
    }
    return b;
}

}  // namespace sockscope
