// history.h — every step kept: go back to any of them, branch from there.
//
// The history stores the commands (small) and the step trace (16-byte
// events), never a world per step. A checkpoint — a copy of the world — is
// taken at a command boundary whenever enough steps have passed since the
// last one, so the world after any step is a checkpoint plus at most a
// few hundred replayed steps (replay runs untraced, and every command
// replays exactly as many steps as it first ran, so a command cut short by
// a branch replays cut short). Branching keeps the abandoned tail as a
// branch the user can still read. Cost: about the trace's bytes per step
// plus one world per checkpoint interval.
#pragma once
#include <cstdint>
#include <vector>

#include "machine.h"

namespace sockscope {

class History {
public:
    explicit History(World boot = make_boot_world(), uint32_t checkpoint_every = 512);
    History(const History&) = delete;
    History& operator=(const History&) = delete;

    struct Entry {
        Command cmd;
        uint64_t first_step = 0;
        uint64_t steps = 0;
    };

    // The machine at the head of the history; run commands through run().
    Machine& live() { return live_; }
    const Machine& live() const { return live_; }
    const Trace& trace() const { return trace_; }
    const std::vector<Entry>& entries() const { return entries_; }
    uint64_t step_count() const { return trace_.steps.size(); }

    // Runs a command at the head and records it with everything it set in
    // motion. Completions of sleeping syscalls are appended to *done.
    Outcome run(const Command& c, std::vector<Kernel::Completion>* done = nullptr);
    // Moves time forward at the head (a Sleep command for task 0).
    void advance(int64_t ms, std::vector<Kernel::Completion>* done = nullptr);

    // The world after the first n steps (0 <= n <= step_count()).
    World world_at(uint64_t n) const;
    // Which command step n-1 belongs to (n >= 1).
    size_t entry_of_step(uint64_t n) const;
    // Makes the world after n steps the head; the later commands become a
    // saved branch (or are forgotten, with save_branch false: undoing what
    // a refused line did). Returns false if n is out of range.
    bool branch_at(uint64_t n, bool save_branch = true);

    struct Branch {
        uint64_t at_step = 0;
        std::vector<Command> commands;
    };
    const std::vector<Branch>& branches() const { return branches_; }
    size_t checkpoint_count() const { return cps_.size(); }
    size_t bytes() const;

    // Replaces the whole history (snapshots): boot world plus commands.
    void reset(World boot);
    // Snapshots: the world the history starts from (its first checkpoint).
    const World& boot_world() const { return cps_.front().world; }
    // Snapshots: appends entries at the head, each run with exactly its
    // recorded step budget and traced like run(), then appends branches.
    // Returns false, stopping there, at the first entry that runs a
    // different number of steps than recorded.
    bool replay(const std::vector<Entry>& entries, std::vector<Branch> branches = {});

private:
    struct Checkpoint {
        size_t entry = 0;      // commands before it
        uint64_t steps = 0;    // steps before it
        World world;
    };
    void maybe_checkpoint();
    static void replay_entry(Machine& m, const Entry& e, uint32_t idx);

    Machine live_;
    Trace trace_;
    std::vector<Entry> entries_;
    std::vector<Checkpoint> cps_;
    std::vector<Branch> branches_;
    uint32_t every_;
    uint64_t steps_at_last_cp_ = 0;
};

}  // namespace sockscope
