// history.h — every step kept: go back to any of them, branch from there.
//
// The history stores the commands (small), each with the number of steps it
// ran, never a world per step. A checkpoint — a copy of the world — is
// taken at a command boundary whenever enough steps have passed since the
// last one, so the world after any step is a checkpoint plus at most a
// few thousand replayed steps (replay runs untraced, and every command
// replays exactly as many steps as it first ran, so a command cut short by
// a branch replays cut short). Branching keeps the abandoned tail as a
// branch the user can still read.
//
// The step trace (what each step did, frame by frame) is a pure function
// of the commands: the model is deterministic. So it is written only once
// somebody reads it. Until the first trace() call the live machine runs
// with no trace attached; that call replays the steps not yet traced, from
// their checkpoint, with the trace attached, and from then on the live
// machine records as it runs. A headless run that never looks at the trace
// (a script without --trace, the benchmark) keeps only commands and
// checkpoints: about 70 bytes per step instead of 700, and no recording
// cost. The window reads the trace on its first frame and so records
// everything, as before.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "machine.h"

namespace sockscope {

class History {
public:
    explicit History(World boot = make_boot_world(), uint32_t checkpoint_every = 4096);
    History(const History&) = delete;
    History& operator=(const History&) = delete;

    struct Entry {
        Command cmd;
        uint64_t first_step = 0;
        uint64_t steps = 0;
    };

    // The commands run so far, read like a vector of Entry. Each is kept as
    // 24 bytes (its command's number, first step and step count) and equal
    // commands are stored once: a session repeats itself (the same close,
    // the same accept), and a 100-byte Command with its text per command
    // was most of what a long history cost. Reading gives an EntryRef whose
    // cmd refers to the stored command, valid as long as the history is.
    struct EntryRef {
        const Command& cmd;
        uint64_t first_step;
        uint64_t steps;
        operator Entry() const { return Entry{cmd, first_step, steps}; }
    };
    class EntryList {
    public:
        EntryList() = default;
        // Not copied: next_ and tail_ point into the list's own storage.
        EntryList(const EntryList&) = delete;
        EntryList& operator=(const EntryList&) = delete;
        size_t size() const { return n_; }
        bool empty() const { return n_ == 0; }
        EntryRef operator[](size_t i) const {
            const Rec& r = rec(i);
            return EntryRef{pool_[r.cmd], r.first_step, r.steps};
        }
        EntryRef at(size_t i) const;
        EntryRef front() const { return (*this)[0]; }
        EntryRef back() const { return (*this)[n_ - 1]; }
        operator std::vector<Entry>() const;

        class iterator {
        public:
            using value_type = Entry;
            using difference_type = std::ptrdiff_t;
            iterator(const EntryList* l, size_t i) : l_(l), i_(i) {}
            EntryRef operator*() const { return (*l_)[i_]; }
            iterator& operator++() { ++i_; return *this; }
            bool operator==(const iterator& o) const { return i_ == o.i_; }
        private:
            const EntryList* l_;
            size_t i_;
        };
        iterator begin() const { return iterator(this, 0); }
        iterator end() const { return iterator(this, n_); }

    private:
        friend class History;
        struct Rec {
            uint64_t first_step;
            uint64_t steps;
            uint32_t cmd;          // index into pool_
        };
        // The records sit in chunks of kChunk that never move: a vector of
        // records copied all of them each time it grew, which cost a
        // recorded command more than finding its command does (a 24-byte
        // copy twice over, amortized). 24 KiB a chunk.
        static constexpr size_t kChunkBits = 10, kChunk = size_t{1} << kChunkBits;
        Rec& rec(size_t i) { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
        const Rec& rec(size_t i) const { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
        // Keeps the first n records (n <= size()); their chunks stay for reuse.
        void truncate(size_t n) {
            n_ = n;
            tail_ = tail_end_ = nullptr;  // push seats it again
        }
        // The index of the last record whose first step is <= step (size() > 0).
        size_t last_starting_at_or_before(uint64_t step) const;

        // Appends a record (history.cpp, where its one caller is).
        inline void push(const Command& c, uint64_t first_step, uint64_t steps);
        // Points tail_ at record n_, allocating its chunk if need be.
        void seat_tail();
        // A command's pool_ index, adding it if it is new: first the
        // command that followed the previous one last time (next_), then
        // (find_slow) the hash table (by_hash_).
        inline uint32_t find_or_add(const Command& c);  // defined in history.cpp, its one user
        uint32_t find_slow(const Command& c);
        void clear();
        size_t bytes() const;

        // A command's hash -> its pool_ index: open addressing with linear
        // probing over a power-of-two table kept at most half full. Every
        // command the guess misses (find_or_add) looks itself up here; a
        // std::unordered_map cost a modulo by a prime and a node walk per
        // lookup (most of what recording a history cost). A slot
        // with idx kEmpty is free; every distinct command has its own slot.
        // 32 bytes or less a distinct command.
        struct Slot {
            uint64_t hash;
            uint32_t idx;
        };
        static constexpr uint32_t kEmpty = 0xffffffffu;
        void grow();

        std::vector<std::unique_ptr<Rec[]>> chunks_;      // see rec()
        size_t n_ = 0;                                    // records in use
        Rec* tail_ = nullptr;                             // where record n_ goes (null: see seat_tail)
        Rec* tail_end_ = nullptr;                         // the end of tail_'s chunk
        // Distinct commands, first seen first. A deque: they never move,
        // so next_ can point at them.
        std::deque<Command> pool_;
        // next_[i + 1]: the command pushed after pool_[i] the last time
        // pool_[i] was pushed (cmd null: none yet); next_[0]: the first
        // command pushed. prev_ is 1 + the index pushed last (0: none). A
        // session that repeats a sequence (a script's loop, a snapshot's
        // replay) finds each command with one comparison and no hashing; a
        // wrong guess only costs that comparison. 16 bytes a distinct command.
        struct Guess {
            const Command* cmd = nullptr;   // &pool_[idx]
            uint32_t idx = kEmpty;
        };
        std::vector<Guess> next_ = std::vector<Guess>(1);
        uint32_t prev_ = 0;
        std::vector<Slot> by_hash_;                       // see Slot
        size_t by_hash_used_ = 0;
    };

    // The machine at the head of the history; run commands through run().
    Machine& live() { return live_; }
    const Machine& live() const { return live_; }
    // The trace of every step so far. The first call writes what is not
    // yet written (a replay of the untraced steps, see the file comment);
    // later steps are recorded as they run.
    const Trace& trace() const;
    // Whether the trace is being recorded as steps run (it has been read).
    bool tracing() const { return tracing_; }
    const EntryList& entries() const { return entries_; }
    // Steps so far, counting those of a command still running (hooks see it).
    uint64_t step_count() const { return live_base_ + live_.steps_run; }

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
    // Adds a checkpoint of the world now (record: once every_ steps have
    // passed since the last one). Out of line: every command makes the
    // test, and one in ~250 cycles copies the world.
    void checkpoint();
    static void replay_entry(Machine& m, const Command& c, uint64_t steps, uint32_t idx);
    void start_live(World w, uint64_t steps_before);
    // Runs c at the head with a step budget (-1: none) and records it.
    inline Outcome record(const Command& c, int64_t budget, std::vector<Kernel::Completion>* done);

    // The trace and the live machine's link to it change on a const
    // trace() call, which only writes down what the commands already fix.
    mutable Machine live_;
    mutable Trace trace_;
    mutable uint64_t traced_steps_ = 0;    // the trace covers steps [0, traced_steps_)
    mutable size_t traced_entries_ = 0;    // ... which are the first traced_entries_ commands
    mutable bool tracing_ = false;         // trace() was called: record as steps run
    uint64_t live_base_ = 0;               // steps before the live machine began
    EntryList entries_;
    // A deque: a checkpoint is a whole World, and a vector moved every one
    // of them (and destroyed the moved-from shells) each time it grew.
    std::deque<Checkpoint> cps_;
    std::vector<Branch> branches_;
    uint32_t every_;
    uint64_t next_cp_at_;      // the last checkpoint's steps + every_: one comparison a command
};

}  // namespace sockscope
