// snapshot.cpp — the SQLite store: save, load and its validation (see
// snapshot.h; the schema itself is in schema.cpp).
//
// Loading trusts nothing in the file. Every value is type- and
// range-checked as it is read, every id must fall inside its slab, every
// list position must follow the last, and the boot world — the only world
// the model will run on — must have live targets for all its references
// and pass the invariant checker. Commands are checked against the world
// they run in (as the interpreter checks them) before each is replayed
// with its recorded step budget. The calls asleep in the script's tasks
// must be ones the interpreter could keep at the replayed head
// (script::Interp::pending_problem). Errors are thrown as Fail inside this
// file and come out as a message; the History is handed out only whole.
#include "snapshot/snapshot.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>
#include <unordered_map>

#include "invariants.h"
#include "script/constants.h"
#include "script/interp.h"
#include "snapshot/schema.h"

namespace sockscope::snapshot {

using namespace detail;

namespace {

// ---- limits on what a file may ask for ----
constexpr int64_t kMaxObjects = int64_t(1) << 22;     // per slab
constexpr int64_t kMaxFds = int64_t(1) << 20;         // fs.nr_open
constexpr int64_t kMaxCommands = int64_t(1) << 24;
constexpr int64_t kMaxSteps = int64_t(1) << 28;
constexpr int64_t kMaxListLength = int64_t(1) << 24;
constexpr int64_t kMaxSleepMs = int64_t(1) << 44;     // ~550 years of virtual time per command
constexpr int64_t kMaxSynFlood = int64_t(1) << 20;
constexpr size_t kMaxText = size_t(1) << 16;
constexpr int kMaxRowBytes = 1 << 20;

struct Fail {
    std::string msg;
};
[[noreturn]] void fail(std::string m) { throw Fail{std::move(m)}; }

// ---------------------------------------------------------------- sqlite

struct Db {
    sqlite3* db = nullptr;
    ~Db() {
        if (db) sqlite3_close_v2(db);
    }
    std::string errmsg() const { return db ? sqlite3_errmsg(db) : "out of memory"; }
};

class Stmt {
public:
    Stmt(sqlite3* db, const std::string& sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st_, nullptr) != SQLITE_OK)
            fail(sqlite3_errmsg(db));
    }
    ~Stmt() { sqlite3_finalize(st_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    sqlite3_stmt* get() const { return st_; }
    // true: a row; false: done.
    bool step() {
        int rc = sqlite3_step(st_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail(sqlite3_errmsg(db_));
    }
    void exec() {
        while (step()) {
        }
        sqlite3_reset(st_);
    }
    void bind(int i, int64_t v) { check(sqlite3_bind_int64(st_, i, v)); }
    void bind(int i, const std::string& s) {
        check(sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT));
    }
    void reset() {
        sqlite3_reset(st_);
        sqlite3_clear_bindings(st_);
    }
    void check(int rc) {
        if (rc != SQLITE_OK) fail(sqlite3_errmsg(db_));
    }

private:
    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
};

void exec_sql(sqlite3* db, const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
        std::string m = msg ? msg : sqlite3_errmsg(db);
        sqlite3_free(msg);
        fail(m);
    }
}

int64_t pragma_int(sqlite3* db, const char* name) {
    Stmt s(db, std::string("PRAGMA ") + name);
    if (!s.step()) return 0;
    return sqlite3_column_int64(s.get(), 0);
}

std::string quoted(const std::string& n) { return "\"" + n + "\""; }

std::string hex32(int64_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(static_cast<uint32_t>(v)));
    return buf;
}

// Checks the identification of an opened database. For a save, an empty
// database is fine (it becomes a snapshot file).
void check_identity(sqlite3* db, bool for_save, bool* is_new) {
    int64_t app = pragma_int(db, "application_id");
    int64_t ver = pragma_int(db, "user_version");
    if (is_new) *is_new = false;
    if (app != kApplicationId) {
        Stmt s(db, "SELECT count(*) FROM sqlite_schema");
        s.step();
        int64_t objects = sqlite3_column_int64(s.get(), 0);
        if (app == 0 && ver == 0 && objects == 0) {
            if (for_save) {
                if (is_new) *is_new = true;
                return;
            }
            fail("not a sockscope snapshot (an empty database)");
        }
        fail("not a sockscope snapshot (an SQLite database of another application, application_id " + hex32(app) +
             ")");
    }
    if (ver > kUserVersion)
        fail("made by a newer sockscope (snapshot format " + std::to_string(ver) + "; this sockscope reads format " +
             std::to_string(kUserVersion) + "): open it with that version");
    if (ver < 1) fail("damaged: a sockscope snapshot file without a format version");
    if (ver < kUserVersion)
        fail("made by an older sockscope (snapshot format " + std::to_string(ver) + "; this sockscope reads format " +
             std::to_string(kUserVersion) + "): open it with that version" +
             (for_save ? ", or save to a new file" : ""));
}

// A file cut short loses its last pages (or part of one): SQLite may not
// notice while reading only what it needs, so compare the size with the
// header's page count.
void check_size(sqlite3* db) {
    {
        Stmt q(db, "PRAGMA journal_mode");
        if (q.step() && sqlite3_column_type(q.get(), 0) == SQLITE_TEXT &&
            std::strcmp(reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0)), "wal") == 0)
            return;  // pages may live in the -wal file
    }
    sqlite3_file* f = nullptr;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f || !f->pMethods) return;
    sqlite3_int64 size = 0;
    if (f->pMethods->xFileSize(f, &size) != SQLITE_OK) fail("cannot read the file's size");
    int64_t pages = pragma_int(db, "page_count"), page_size = pragma_int(db, "page_size");
    if (page_size <= 0 || size % page_size != 0 || size < pages * page_size)
        fail("truncated (" + std::to_string(size) + " bytes, but its header says " + std::to_string(pages) +
             " pages of " + std::to_string(page_size) + ")");
}

void harden(sqlite3* db) {
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
#endif
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, kMaxRowBytes);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1 << 20);
    exec_sql(db, "PRAGMA cell_size_check = ON");
    exec_sql(db, "PRAGMA cache_size = -262144");
}

std::string world_diff(const World& a, const World& b);
std::string boot_world_problem(const World& w);

// ---------------------------------------------------------------- writer

class SqlSink final : public Sink {
public:
    explicit SqlSink(sqlite3* db) : db_(db), stmts_(static_cast<size_t>(Tab::Count)) {}
    void begin(Tab t) override {
        auto& st = stmts_[static_cast<size_t>(t)];
        if (!st) {
            const TableDef& d = table_def(t);
            std::string sql = "INSERT INTO " + quoted(d.name) + " (";
            std::string vals;
            for (size_t i = 0; i < d.cols.size(); ++i) {
                sql += (i ? ", " : "") + quoted(d.cols[i].name);
                vals += i ? ", ?" : "?";
            }
            sql += ") VALUES (" + vals + ")";
            st = std::make_unique<Stmt>(db_, sql);
        }
        cur_ = st.get();
        col_ = 0;
    }
    void integer(int64_t v) override { cur_->bind(++col_, v); }
    void null() override { cur_->check(sqlite3_bind_null(cur_->get(), ++col_)); }
    void text(const std::string& s) override { cur_->bind(++col_, s); }
    void end_row() override {
        cur_->step();
        sqlite3_reset(cur_->get());
        col_ = 0;
    }

private:
    sqlite3* db_;
    std::vector<std::unique_ptr<Stmt>> stmts_;
    Stmt* cur_ = nullptr;
    int col_ = 0;
};

void delete_snapshot_rows(sqlite3* db, int64_t id) {
    for (const TableDef& t : tables()) {
        if (t.tab == Tab::snapshot) continue;
        Stmt s(db, "DELETE FROM " + quoted(t.name) + " WHERE snapshot_id = ?1");
        s.bind(1, id);
        s.exec();
    }
    Stmt s(db, "DELETE FROM snapshot WHERE id = ?1");
    s.bind(1, id);
    s.exec();
}

std::string save_db(sqlite3* db, const History& h, const std::string& label, const SessionNames* names,
                    bool replace) {
    bool is_new = false;
    check_identity(db, true, &is_new);   // first: a foreign file is refused as such
    if (std::string why = boot_world_problem(h.boot_world()); !why.empty())
        fail("cannot save this history: it does not start from a boot world (" + why + ")");
    const World& head = h.live().k.w;
    if (head.timer_queue != derived_timer_queue(head) || head.peer_addrs != derived_peer_addrs(head))
        fail("cannot save this world: its timer queue or peer routes do not match its timers and peers");
    // Keep the whole transaction in memory until COMMIT (no cache spills).
    exec_sql(db, "PRAGMA cache_size = -262144");
    exec_sql(db, "BEGIN IMMEDIATE");
    try {
        // Again inside the transaction: another writer may have been first.
        check_identity(db, true, &is_new);
        if (is_new) {
            exec_sql(db, "PRAGMA application_id = " + std::to_string(kApplicationId));
            exec_sql(db, "PRAGMA user_version = " + std::to_string(kUserVersion));
        }
        exec_sql(db, schema_sql());
        {
            Stmt ins(db, "INSERT OR REPLACE INTO tcp_state (value, name) VALUES (?1, ?2)");
            for (int s = TCP_ESTABLISHED; s < TCP_MAX_STATES; ++s) {
                const char* n = script::tcp_state_name(s);
                if (!n) continue;
                ins.bind(1, s);
                ins.bind(2, std::string(n));
                ins.exec();
                ins.reset();
            }
            Stmt ins2(db, "INSERT OR REPLACE INTO socket_state (value, name) VALUES (?1, ?2)");
            for (int s = SS_FREE; s <= SS_DISCONNECTING; ++s) {
                const char* n = script::socket_state_name(s);
                if (!n) continue;
                ins2.bind(1, s);
                ins2.bind(2, std::string(n));
                ins2.exec();
                ins2.reset();
            }
        }
        // The label: given, or the first free "snapshot N".
        std::string used = label;
        auto label_id = [&](const std::string& l, int64_t* boot) -> int64_t {
            Stmt q(db, "SELECT id, boot_id FROM snapshot WHERE kind = 'head' AND label = ?1");
            q.bind(1, l);
            if (!q.step()) return 0;
            *boot = sqlite3_column_int64(q.get(), 1);
            return sqlite3_column_int64(q.get(), 0);
        };
        int64_t old_boot = 0;
        if (used.empty()) {
            Stmt q(db, "SELECT count(*) FROM snapshot WHERE kind = 'head'");
            q.step();
            int64_t n = sqlite3_column_int64(q.get(), 0) + 1;
            while (label_id(used = "snapshot " + std::to_string(n), &old_boot)) ++n;
        } else if (int64_t old = label_id(used, &old_boot)) {
            // What the user saved is never replaced unless they said so.
            if (!replace) {
                Stmt q(db, "SELECT created_step, created_at FROM snapshot WHERE id = ?1");
                q.bind(1, old);
                std::string what;
                if (q.step()) {
                    const unsigned char* at = sqlite3_column_text(q.get(), 1);
                    what = " (" + std::to_string(sqlite3_column_int64(q.get(), 0)) + " steps, saved " +
                           (at ? reinterpret_cast<const char*>(at) : "at an unknown time") + ")";
                }
                fail("already holds a snapshot labelled '" + used + "'" + what +
                     "; nothing was written (choose another label, or replace it)");
            }
            delete_snapshot_rows(db, old);
            if (old_boot) delete_snapshot_rows(db, old_boot);
        }
        SnapshotRows meta;
        {
            Stmt q(db, "SELECT COALESCE(MAX(id), 0) FROM snapshot");
            q.step();
            meta.head_id = sqlite3_column_int64(q.get(), 0) + 1;
        }
        meta.boot_id = meta.head_id + 1;
        meta.label = used;
        meta.created_at = now_utc_iso8601();
        SqlSink sink(db);
        emit_snapshot(sink, meta, h, names);
        exec_sql(db, "COMMIT");
        return used;
    } catch (...) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

// ---------------------------------------------------------------- reader

// Which slots of each slab are live (index = id), for reference checks.
struct Slabs {
    struct One {
        int64_t capacity = 0;
        std::vector<uint32_t> free;   // free-list order
        std::vector<uint8_t> live;    // [0..capacity]
    };
    std::array<One, size_t(ObjKind::Peer) + 1> s;
    One& of(ObjKind k) { return s[static_cast<size_t>(k)]; }
    const One& of(ObjKind k) const { return s[static_cast<size_t>(k)]; }
};

constexpr ObjKind kSlabKinds[] = {ObjKind::Task, ObjKind::Files, ObjKind::File, ObjKind::Socket, ObjKind::Sock,
                                  ObjKind::Req, ObjKind::Tw, ObjKind::Bucket, ObjKind::Timer, ObjKind::Peer};

// Reads rows of one table of one snapshot, in primary-key order, with
// checked accessors. Messages name the table, the row and the column.
class Rows {
public:
    Rows(sqlite3* db, Tab t, int64_t sid, const Slabs* slabs = nullptr, bool strict = false)
        : def_(table_def(t)), slabs_(slabs), strict_(strict), st_(db, select_sql(table_def(t))) {
        st_.bind(1, sid);
    }
    bool next() {
        ++row_;
        return st_.step();
    }
    // Column i of the table definition (0 = snapshot_id, not selected).
    int64_t integer(int i, int64_t lo, int64_t hi) {
        int c = i - 1;
        if (sqlite3_column_type(st_.get(), c) != SQLITE_INTEGER) bad(i, "is not an integer");
        int64_t v = sqlite3_column_int64(st_.get(), c);
        if (v < lo || v > hi)
            bad(i, "= " + std::to_string(v) + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
        return v;
    }
    bool is_null(int i) { return sqlite3_column_type(st_.get(), i - 1) == SQLITE_NULL; }
    std::string text(int i, size_t max = kMaxText) {
        int c = i - 1;
        if (sqlite3_column_type(st_.get(), c) != SQLITE_TEXT) bad(i, "is not text");
        const unsigned char* p = sqlite3_column_text(st_.get(), c);
        int n = sqlite3_column_bytes(st_.get(), c);
        if (!p || n < 0) bad(i, "cannot be read");
        if (static_cast<size_t>(n) > max) bad(i, "is too long");
        return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    }
    // An id into the slab of kind k: NULL -> 0; otherwise inside the slab,
    // and live when strict.
    uint32_t ref(int i, ObjKind k) {
        if (is_null(i)) return 0;
        const Slabs::One& sl = slabs_->of(k);
        int64_t v = integer(i, 1, std::max<int64_t>(1, sl.capacity));
        if (v > sl.capacity) bad(i, "= " + std::to_string(v) + " is not an id of " + slab_name(k));
        if (strict_ && !sl.live[static_cast<size_t>(v)])
            bad(i, "= " + std::to_string(v) + " refers to a " + slab_name(k) + " that does not exist");
        return static_cast<uint32_t>(v);
    }
    int64_t enum_index(int i, const char* const* names, int64_t hi) {
        std::string s = text(i, 256);
        for (int64_t k = 0; k <= hi; ++k)
            if (s == names[k]) return k;
        bad(i, "= '" + s + "' is not a known value");
    }
    template <class S> void fields(int first, const std::vector<Field<S>>& fs, S& o) {
        int i = first;
        for (const auto& f : fs) {
            switch (f.col.type) {
            case CT::Text: f.set_text(o, text(i)); break;
            case CT::Bool: f.set(o, integer(i, 0, 1)); break;
            case CT::Ref: f.set(o, ref(i, f.col.ref)); break;
            case CT::Enum: f.set(o, enum_index(i, f.col.names, f.col.hi)); break;
            case CT::Int:
            case CT::U64: f.set(o, integer(i, f.col.lo, f.col.hi)); break;
            }
            ++i;
        }
    }
    [[noreturn]] void bad(int i, const std::string& what) {
        fail("table " + def_.name + ", row " + std::to_string(row_) + ": " + def_.cols[static_cast<size_t>(i)].name +
             " " + what);
    }
    [[noreturn]] void bad_row(const std::string& what) {
        fail("table " + def_.name + ", row " + std::to_string(row_) + ": " + what);
    }
    const Slabs* slabs() const { return slabs_; }
    bool strict() const { return strict_; }

private:
    static std::string select_sql(const TableDef& d) {
        std::string sql = "SELECT ";
        for (size_t i = 1; i < d.cols.size(); ++i) sql += (i > 1 ? ", " : "") + quoted(d.cols[i].name);
        std::string order = d.pk.substr(d.pk.find(',') == std::string::npos ? d.pk.size() : d.pk.find(',') + 1);
        sql += " FROM " + quoted(d.name) + " WHERE snapshot_id = ?1";
        if (!order.empty()) sql += " ORDER BY " + order;
        return sql;
    }
    const TableDef& def_;
    const Slabs* slabs_;
    bool strict_;
    Stmt st_;
    int64_t row_ = 0;
};

// A list position must be the next one of its parent.
void check_pos(Rows& r, int col, size_t size) {
    int64_t pos = r.integer(col, 0, kMaxListLength);
    if (static_cast<size_t>(pos) != size)
        r.bad(col, "= " + std::to_string(pos) + " but position " + std::to_string(size) + " was expected next");
}

Slabs read_slabs(sqlite3* db, int64_t sid) {
    Slabs sl;
    std::array<bool, size_t(ObjKind::Peer) + 1> seen{};
    auto kind_of = [](Rows& r, int col) {
        std::string n = r.text(col, 64);
        for (ObjKind k : kSlabKinds)
            if (n == slab_name(k)) return k;
        r.bad(col, "= '" + n + "' is not a slab");
    };
    {
        Rows r(db, Tab::slab, sid);
        while (r.next()) {
            ObjKind k = kind_of(r, 1);
            if (seen[size_t(k)]) r.bad(1, "appears twice");
            seen[size_t(k)] = true;
            sl.of(k).capacity = r.integer(2, 0, kMaxObjects);
        }
    }
    for (ObjKind k : kSlabKinds)
        if (!seen[size_t(k)]) fail(std::string("table slab: no row for ") + slab_name(k));
    for (ObjKind k : kSlabKinds) sl.of(k).live.assign(static_cast<size_t>(sl.of(k).capacity) + 1, 1);
    for (ObjKind k : kSlabKinds) sl.of(k).live[0] = 0;
    Rows r(db, Tab::slab_free, sid);
    ObjKind cur = ObjKind::None;
    while (r.next()) {
        ObjKind k = kind_of(r, 1);
        Slabs::One& one = sl.of(k);
        if (k != cur) {
            if (!one.free.empty()) r.bad(1, "is out of order");
            cur = k;
        }
        check_pos(r, 2, one.free.size());
        int64_t id = r.integer(3, 1, std::max<int64_t>(1, one.capacity));
        if (id > one.capacity) r.bad(3, "is beyond the slab's capacity");
        if (!one.live[static_cast<size_t>(id)]) r.bad(3, "is freed twice");
        one.live[static_cast<size_t>(id)] = 0;
        one.free.push_back(static_cast<uint32_t>(id));
    }
    return sl;
}

// Reads an object table whose live ids must be exactly the slab's.
template <class IdT, class T, class Extra>
void read_objects(sqlite3* db, Tab tab, int64_t sid, const Slabs& sl, bool strict, Table<IdT, T>& out,
                  const std::vector<Field<T>>& fs, Extra&& extra) {
    const Slabs::One& one = sl.of(KindOf<IdT>::k);
    // Every slot allocated, then the free ones freed in free-list order:
    // the same slab, free list included, as the one that was saved.
    Table<IdT, T> t;
    for (int64_t i = 0; i < one.capacity; ++i) t.alloc();
    Rows r(db, tab, sid, &sl, strict);
    uint32_t expect = 1;
    auto next_live = [&](uint32_t from) {
        while (from <= one.capacity && !one.live[from]) ++from;
        return from;
    };
    expect = next_live(1);
    while (r.next()) {
        int64_t id = r.integer(1, 1, kMaxObjects);
        if (id != expect || expect > one.capacity) {
            if (id > one.capacity || !one.live[static_cast<size_t>(id)])
                r.bad(1, "= " + std::to_string(id) + " is not a live slot of the slab");
            if (expect > one.capacity) r.bad(1, "= " + std::to_string(id) + " is one row too many");
            r.bad_row("the row for id " + std::to_string(expect) + " is missing");
        }
        T& o = t[IdT(static_cast<uint32_t>(id))];
        r.fields(2, fs, o);
        extra(r, 2 + static_cast<int>(fs.size()), o);
        expect = next_live(expect + 1);
    }
    if (expect <= one.capacity)
        fail("table " + table_def(tab).name + ": the row for id " + std::to_string(expect) + " is missing");
    for (uint32_t id : one.free) t.free(IdT(id));
    out = std::move(t);
}

// Parent rows of a child table: the parent must be a live object.
template <class IdT, class T> T& parent_of(Rows& r, int col, Table<IdT, T>& t) {
    uint32_t v = r.ref(col, KindOf<IdT>::k);
    if (!v || !t.contains(IdT(v))) r.bad(col, "is not a live " + std::string(slab_name(KindOf<IdT>::k)));
    return t[IdT(v)];
}

ObjKind kind_by_name(Rows& r, int col) {
    int64_t k = r.enum_index(col, objkind_names(), kObjKindMax);
    ObjKind kind = static_cast<ObjKind>(k);
    if (!slab_name(kind)) r.bad(col, "is not an object kind");
    return kind;
}

World read_world(sqlite3* db, int64_t sid, bool strict) {
    World w;
    {
        Rows r(db, Tab::world, sid);
        if (!r.next()) fail("table world: no row for snapshot " + std::to_string(sid));
        int i = 1;
        for (const auto& s : world_scalars()) s.set(w, r.integer(i++, s.lo, s.hi));
        if (r.next()) r.bad_row("a second row for the same snapshot");
    }
    Slabs sl = read_slabs(db, sid);
    auto none = [](Rows&, int, auto&) {};

    read_objects(db, Tab::task, sid, sl, strict, w.tasks, task_fields(), none);
    read_objects(db, Tab::files_struct, sid, sl, strict, w.files_structs, files_struct_fields(),
                 [](Rows& r, int col, FilesStruct& fs) {
                     auto n = static_cast<size_t>(r.integer(col, 0, kMaxFds));
                     fs.fd.assign(n, FileId{});
                     fs.open_fds.assign(n, 0);
                     fs.close_on_exec.assign(n, 0);
                 });
    {
        Rows r(db, Tab::fdtable, sid, &sl, strict);
        while (r.next()) {
            FilesStruct& fs = parent_of(r, 1, w.files_structs);
            int64_t fd = r.integer(2, 0, kMaxFds);
            if (fd >= static_cast<int64_t>(fs.fd.size())) r.bad(2, "is beyond the table's max_fds");
            auto i = static_cast<size_t>(fd);
            fs.fd[i] = FileId(r.ref(3, ObjKind::File));
            fs.open_fds[i] = static_cast<uint8_t>(r.integer(4, 0, 1));
            fs.close_on_exec[i] = static_cast<uint8_t>(r.integer(5, 0, 1));
        }
    }
    read_objects(db, Tab::file, sid, sl, strict, w.files, file_fields(), none);
    read_objects(db, Tab::socket, sid, sl, strict, w.sockets, socket_fields(), none);
    {
        Rows r(db, Tab::socket_wq, sid, &sl, strict);
        while (r.next()) {
            Socket& so = parent_of(r, 1, w.sockets);
            check_pos(r, 2, so.wq.size());
            Waiter wt;
            r.fields(3, waiter_fields(), wt);
            so.wq.push_back(wt);
        }
    }
    read_objects(db, Tab::sock, sid, sl, strict, w.socks, sock_fields(), none);
    {
        Rows r(db, Tab::sock_rskq_accept, sid, &sl, strict);
        while (r.next()) {
            Sock& sk = parent_of(r, 1, w.socks);
            check_pos(r, 2, sk.rskq_accept.size());
            sk.rskq_accept.push_back(ReqId(r.ref(3, ObjKind::Req)));
        }
    }
    read_objects(db, Tab::request_sock, sid, sl, strict, w.reqs, request_sock_fields(), none);
    read_objects(db, Tab::timewait_sock, sid, sl, strict, w.tws, timewait_sock_fields(), none);
    read_objects(db, Tab::inet_bind_bucket, sid, sl, strict, w.buckets, bind_bucket_fields(), none);
    {
        Rows r(db, Tab::inet_bind_bucket_owners, sid, &sl, strict);
        while (r.next()) {
            BindBucket& b = parent_of(r, 1, w.buckets);
            check_pos(r, 2, b.owners.size());
            b.owners.push_back(SockId(r.ref(3, ObjKind::Sock)));
        }
    }
    {
        Rows r(db, Tab::inet_bind_bucket_tw_owners, sid, &sl, strict);
        while (r.next()) {
            BindBucket& b = parent_of(r, 1, w.buckets);
            check_pos(r, 2, b.tw_owners.size());
            b.tw_owners.push_back(TwId(r.ref(3, ObjKind::Tw)));
        }
    }
    read_objects(db, Tab::timer, sid, sl, strict, w.timers, timer_fields(), [&](Rows& r, int, Timer& t) {
        // owner: an id in the table the kind names.
        ObjKind k = t.kind == TimerKind::tcp_retransmit || t.kind == TimerKind::tcp_keepalive ? ObjKind::Sock
                    : t.kind == TimerKind::reqsk_timer  ? ObjKind::Req
                    : t.kind == TimerKind::tw_timer     ? ObjKind::Tw
                                                        : ObjKind::Task;
        const Slabs::One& one = sl.of(k);
        int owner_col = 2 + 1;
        if (t.owner > one.capacity || (strict && !one.live[t.owner]))
            r.bad(owner_col, "= " + std::to_string(t.owner) + " is not a live " + slab_name(k));
    });
    read_objects(db, Tab::peer, sid, sl, strict, w.peers, peer_fields(), none);
    {
        Rows r(db, Tab::peer_conns, sid, &sl, strict);
        while (r.next()) {
            Peer& p = parent_of(r, 1, w.peers);
            check_pos(r, 2, p.conns.size());
            PeerConn c;
            r.fields(3, peer_conn_fields(), c);
            p.conns.push_back(c);
        }
    }
    {
        Rows r(db, Tab::peer_inbox, sid, &sl, strict);
        while (r.next()) {
            Peer& p = parent_of(r, 1, w.peers);
            check_pos(r, 2, p.inbox.size());
            Packet pk;
            r.fields(3, packet_fields(), pk);
            p.inbox.push_back(pk);
        }
    }
    {
        Rows r(db, Tab::net_proto_family, sid, &sl, strict);
        while (r.next()) {
            auto fam = static_cast<size_t>(r.integer(1, 0, NPROTO - 1));
            r.fields(2, net_family_fields(), w.net_families[fam]);
        }
    }
    {
        Rows r(db, Tab::inet_protosw, sid, &sl, strict);
        while (r.next()) {
            auto fam = static_cast<size_t>(r.integer(1, 0, NPROTO - 1));
            auto slot = static_cast<size_t>(r.integer(2, 0, SOCK_MAX - 1));
            auto& v = w.net_families[fam].inetsw[slot];
            check_pos(r, 3, v.size());
            InetProtosw p;
            r.fields(4, protosw_fields(), p);
            v.push_back(p);
        }
    }
    {
        std::vector<SysctlSlot> slots = sysctl_slots(w.sysctl);
        std::vector<bool> seen(slots.size());
        Rows r(db, Tab::sysctl, sid, &sl, strict);
        while (r.next()) {
            std::string name = r.text(1, 128);
            size_t i = 0;
            while (i < slots.size() && name != slots[i].name) ++i;
            if (i == slots.size()) r.bad(1, "= '" + name + "' is not a sysctl sockscope knows");
            seen[i] = true;
            *slots[i].v1 = static_cast<int>(r.integer(2, INT32_MIN, INT32_MAX));
            if (slots[i].v2) *slots[i].v2 = static_cast<int>(r.integer(3, INT32_MIN, INT32_MAX));
            else if (!r.is_null(3)) r.bad(3, "must be NULL for a one-number sysctl");
        }
        for (size_t i = 0; i < slots.size(); ++i)
            if (!seen[i]) fail(std::string("table sysctl: no row for ") + slots[i].name);
    }
    {
        std::vector<bool> seen(w.mib.size());
        Rows r(db, Tab::counter, sid, &sl, strict);
        while (r.next()) {
            std::string name = r.text(1, 128);
            Mib m;
            size_t i = 0;
            for (; i < w.mib.size(); ++i)
                if (name == mib_name(static_cast<Mib>(i))) break;
            if (i == w.mib.size()) r.bad(1, "= '" + name + "' is not a counter sockscope knows");
            m = static_cast<Mib>(i);
            seen[i] = true;
            w.mib[static_cast<size_t>(m)] = r.integer(2, INT64_MIN, INT64_MAX);
        }
        for (size_t i = 0; i < seen.size(); ++i)
            if (!seen[i]) fail(std::string("table counter: no row for ") + mib_name(static_cast<Mib>(i)));
    }
    {
        Rows r(db, Tab::bhash, sid, &sl, strict);
        while (r.next()) {
            auto t = static_cast<PortTable>(
                r.enum_index(1, EnumNames<PortTable>::v, int64_t(std::size(EnumNames<PortTable>::v)) - 1));
            auto port = static_cast<uint16_t>(r.integer(2, 0, UINT16_MAX));
            w.bhash[{t, port}] = BucketId(r.ref(3, ObjKind::Bucket));
        }
    }
    {
        Rows r(db, Tab::lhash, sid, &sl, strict);
        while (r.next()) {
            auto port = static_cast<uint16_t>(r.integer(1, 0, UINT16_MAX));
            auto& v = w.lhash[port];
            check_pos(r, 2, v.size());
            v.push_back(SockId(r.ref(3, ObjKind::Sock)));
        }
    }
    {
        Rows r(db, Tab::ehash, sid, &sl, strict);
        while (r.next()) {
            FourTuple k;
            k.laddr = static_cast<uint32_t>(r.integer(1, 0, UINT32_MAX));
            k.lport = static_cast<uint16_t>(r.integer(2, 0, UINT16_MAX));
            k.raddr = static_cast<uint32_t>(r.integer(3, 0, UINT32_MAX));
            k.rport = static_cast<uint16_t>(r.integer(4, 0, UINT16_MAX));
            EhashEntry e;
            e.kind = kind_by_name(r, 5);
            e.id = r.ref(6, e.kind);
            w.ehash[k] = e;
        }
    }
    {
        Rows r(db, Tab::wire, sid, &sl, strict);
        while (r.next()) {
            check_pos(r, 1, w.wire.size());
            Packet pk;
            r.fields(2, packet_fields(), pk);
            w.wire.push_back(pk);
        }
    }
    {
        Rows r(db, Tab::runqueue, sid, &sl, strict);
        while (r.next()) {
            check_pos(r, 1, w.runqueue.size());
            w.runqueue.push_back(TaskId(r.ref(2, ObjKind::Task)));
        }
    }
    w.timer_queue = derived_timer_queue(w);
    w.peer_addrs = derived_peer_addrs(w);
    return w;
}

Command read_command(Rows& r, int first) {
    Command c;
    c.op = static_cast<Op>(r.enum_index(first, op_names(), kOpMax));
    c.task = r.is_null(first + 1) ? 0 : static_cast<uint32_t>(r.integer(first + 1, 1, UINT32_MAX));
    for (int i = 0; i < 6; ++i) c.a[static_cast<size_t>(i)] = r.integer(first + 2 + i, INT64_MIN, INT64_MAX);
    c.text = r.text(first + 8, kMaxRowBytes);
    return c;
}

// Whether the interpreter could have issued c in world w (it runs a call
// only in a live task that is awake and not a kernel thread), and whether
// its arguments stay within what the model can run in bounded time.
std::string check_command(const World& w, const Command& c) {
    switch (c.op) {
    case Op::Socket: case Op::Bind: case Op::Listen: case Op::Connect: case Op::Accept: case Op::Accept4:
    case Op::Close: case Op::Dup: case Op::Dup2: case Op::Shutdown: case Op::Setsockopt: case Op::Getsockopt:
    case Op::Fcntl: case Op::Fork: case Op::Thread: case Op::Exit: case Op::KthreadStop:
    case Op::SockCreateKern: case Op::KernelAccept:
        if (!c.task) return "has no task to run in";
        break;
    case Op::Count: return "has no operation";
    default: break;
    }
    if (c.task) {
        TaskId t(c.task);
        if (!w.tasks.contains(t)) return "runs in task #" + std::to_string(c.task) + ", which does not exist then";
        const Task& task = w.tasks[t];
        if (task.kthread) return "runs in a kernel thread";
        if (task.state == TASK_INTERRUPTIBLE) return "runs in a task that is asleep then";
    }
    if (c.op == Op::Sleep) {
        if (c.a[0] > kMaxSleepMs) return "lets too much time pass";
        if (w.now > (int64_t(1) << 62) - std::max<int64_t>(c.a[0], 0)) return "runs past the end of time";
    }
    if (c.op == Op::SynFlood && c.a[2] > kMaxSynFlood) return "sends too many segments";
    return "";
}

struct Loaded {
    int64_t head_id = 0, boot_id = 0;
    Info info;
};

Loaded find_snapshot(sqlite3* db, const std::string& label) {
    struct Head {
        int64_t id, boot, steps, cmds;
        std::string label, created_at;
    };
    std::vector<Head> heads;
    {
        Stmt q(db, "SELECT id, label, boot_id, created_step, commands, created_at FROM snapshot "
                   "WHERE kind = 'head' ORDER BY id");
        auto text = [&](int c) {
            const unsigned char* p = sqlite3_column_text(q.get(), c);
            return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
        };
        while (q.step()) {
            sqlite3_stmt* s = q.get();
            heads.push_back({sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3),
                             sqlite3_column_int64(s, 4), text(1), text(5)});
        }
    }
    if (heads.empty()) fail("the file holds no snapshot");
    const Head* pick = nullptr;
    if (label.empty()) pick = &heads.back();
    for (const Head& h : heads)
        if (!pick && h.label == label) pick = &h;
    for (const Head& h : heads)
        if (!pick && std::to_string(h.id) == label) pick = &h;
    if (!pick) {
        std::string have;
        for (const Head& h : heads) have += (have.empty() ? "'" : ", '") + h.label + "'";
        fail("no snapshot labelled '" + label + "' (the file has " + have + ")");
    }
    if (pick->steps < 0 || pick->steps > kMaxSteps || pick->cmds < 0 || pick->cmds > kMaxCommands)
        fail("table snapshot: snapshot " + std::to_string(pick->id) + " has impossible counts");
    Loaded l;
    l.head_id = pick->id;
    l.boot_id = pick->boot;
    l.info.id = pick->id;
    l.info.label = pick->label;
    l.info.steps = static_cast<uint64_t>(pick->steps);
    l.info.commands = static_cast<uint64_t>(pick->cmds);
    l.info.created_at = pick->created_at;
    if (l.boot_id <= 0 || l.boot_id == l.head_id) fail("table snapshot: the snapshot has no boot world");
    Stmt q(db, "SELECT kind FROM snapshot WHERE id = ?1");
    q.bind(1, l.boot_id);
    if (!q.step() || sqlite3_column_type(q.get(), 0) != SQLITE_TEXT ||
        std::strcmp(reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0)), "boot") != 0)
        fail("table snapshot: the boot world of the snapshot is missing");
    return l;
}

// A table added to the format without a new format number: files written
// before it lack it and mean what an empty one means (pending_call: no
// call asleep), so they still open; saving to such a file creates it.
bool optional_table(Tab t) { return t == Tab::pending_call; }

// The tables must be tables (not views a hostile file put in their place).
// Returns the names of those present.
std::set<std::string> check_tables(sqlite3* db) {
    std::set<std::string> have;
    Stmt q(db, "SELECT name FROM sqlite_schema WHERE type = 'table'");
    while (q.step()) {
        const unsigned char* p = sqlite3_column_text(q.get(), 0);
        if (p) have.insert(reinterpret_cast<const char*>(p));
    }
    for (const TableDef& t : tables())
        if (!have.count(t.name) && !optional_table(t.tab)) fail("damaged: table " + t.name + " is missing");
    return have;
}

// Which parts of two worlds differ (for the refusal message).
std::string world_diff(const World& a, const World& b) {
    std::string d;
    auto add = [&](bool same, const char* n) {
        if (!same) d += (d.empty() ? "" : ", ") + std::string(n);
    };
    add(a.tasks == b.tasks, "task");
    add(a.files_structs == b.files_structs, "files_struct");
    add(a.files == b.files, "file");
    add(a.sockets == b.sockets, "socket");
    add(a.socks == b.socks, "sock");
    add(a.reqs == b.reqs, "request_sock");
    add(a.tws == b.tws, "timewait_sock");
    add(a.buckets == b.buckets, "inet_bind_bucket");
    add(a.timers == b.timers, "timer");
    add(a.peers == b.peers, "peer");
    add(a.net_families == b.net_families, "net_proto_family");
    add(a.sysctl == b.sysctl, "sysctl");
    add(a.mib == b.mib, "counter");
    add(a.bhash == b.bhash, "bhash");
    add(a.lhash == b.lhash, "lhash");
    add(a.ehash == b.ehash, "ehash");
    add(a.peer_addrs == b.peer_addrs, "peer routes");
    add(a.timer_queue == b.timer_queue, "timer queue");
    add(a.wire == b.wire, "wire");
    add(a.runqueue == b.runqueue, "runqueue");
    if (d.empty()) d = "world (time, allocators)";
    return d;
}

// A history must start from a boot world: the world make_boot_world()
// gives, with its sysctls set the way `--sysctl` sets them. That is the
// only world the model runs on without a replay having built it, so it is
// held to exactly that; everything after it comes from replayed commands.
std::string boot_world_problem(const World& w) {
    World ref = make_boot_world();
    Sysctls s = w.sysctl;
    Sysctls boot = ref.sysctl;
    std::vector<SysctlSlot> have = sysctl_slots(s), dflt = sysctl_slots(boot);
    for (size_t i = 0; i < have.size(); ++i) {
        const SysctlSlot& sl = have[i];
        // A value the boot world has already needs no setting (the kernel's
        // own defaults need not pass the handlers' checks: ping_group_range
        // boots as "1 0", which only its handler's normalisation produces).
        if (*sl.v1 == *dflt[i].v1 && (!sl.v2 || *sl.v2 == *dflt[i].v2)) continue;
        if (!Machine::set_sysctl(ref, sl.name, *sl.v1, sl.v2 ? *sl.v2 : 0))
            return std::string("it sets ") + sl.name + " to a value the kernel refuses";
    }
    if (ref == w) return "";
    return "it differs from a freshly booted kernel's in " + world_diff(w, ref);
}

std::unique_ptr<History> load_db(sqlite3* db, const std::string& label, SessionNames* names, Info* info) {
    harden(db);
    check_identity(db, false, nullptr);
    check_size(db);
    const std::set<std::string> have = check_tables(db);
    // One read transaction: the file cannot change under the load.
    exec_sql(db, "BEGIN");
    struct EndRead {
        sqlite3* db;
        ~EndRead() { sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr); }
    } end_read{db};

    Loaded l = find_snapshot(db, label);
    World boot = read_world(db, l.boot_id, true);
    if (std::string why = boot_world_problem(boot); !why.empty())
        fail("the history does not start from a boot world: " + why);
    if (auto v = check_invariants(boot); !v.empty()) fail("the boot world is inconsistent: " + v.front());

    // The history.
    std::vector<History::Entry> entries;
    {
        Rows r(db, Tab::command, l.head_id);
        uint64_t step = 0;
        while (r.next()) {
            check_pos(r, 1, entries.size());
            if (entries.size() >= static_cast<size_t>(kMaxCommands)) r.bad_row("too many commands");
            History::Entry e;
            e.cmd = read_command(r, 2);
            int64_t first = r.integer(11, 0, kMaxSteps);
            int64_t steps = r.integer(12, 0, kMaxSteps);
            if (static_cast<uint64_t>(first) != step)
                r.bad(11, "= " + std::to_string(first) + " but the commands before ran " + std::to_string(step) +
                              " steps");
            if (step + static_cast<uint64_t>(steps) > static_cast<uint64_t>(kMaxSteps)) r.bad(12, "is too many");
            e.first_step = static_cast<uint64_t>(first);
            e.steps = static_cast<uint64_t>(steps);
            step += e.steps;
            entries.push_back(std::move(e));
        }
        if (step != l.info.steps || entries.size() != l.info.commands)
            fail("table command: " + std::to_string(entries.size()) + " commands of " + std::to_string(step) +
                 " steps, but the snapshot says " + std::to_string(l.info.commands) + " of " +
                 std::to_string(l.info.steps));
    }
    World head = read_world(db, l.head_id, false);
    std::vector<History::Branch> branches;
    {
        Rows r(db, Tab::branch, l.head_id);
        while (r.next()) {
            check_pos(r, 1, branches.size());
            History::Branch b;
            b.at_step = static_cast<uint64_t>(r.integer(2, 0, kMaxSteps));
            branches.push_back(std::move(b));
        }
        Rows c(db, Tab::branch_command, l.head_id);
        while (c.next()) {
            int64_t b = c.integer(1, 0, kMaxListLength);
            if (b >= static_cast<int64_t>(branches.size())) c.bad(1, "is not a branch");
            auto& cmds = branches[static_cast<size_t>(b)].commands;
            check_pos(c, 2, cmds.size());
            cmds.push_back(read_command(c, 3));
        }
    }
    SessionNames sn;
    {
        Rows r(db, Tab::session_name, l.head_id);
        while (r.next()) {
            std::string kind = r.text(1, 16);
            std::string name = r.text(2, 4096);
            if (kind == "var") sn.vars[name] = r.integer(3, INT64_MIN, INT64_MAX);
            else if (kind == "task") sn.tasks[name] = static_cast<uint32_t>(r.integer(3, 0, UINT32_MAX));
            else r.bad(1, "= '" + kind + "' is neither 'var' nor 'task'");
        }
    }
    // The calls asleep: read here, checked against the head world once the
    // replay has vouched for it.
    if (have.count(table_def(Tab::pending_call).name)) {
        Rows r(db, Tab::pending_call, l.head_id);
        while (r.next()) {
            script::PendingCall c;
            c.task = TaskId(static_cast<uint32_t>(r.integer(1, 1, kMaxObjects)));
            c.file = r.text(2, 4096);
            c.line = static_cast<int>(r.integer(3, 1, INT32_MAX));
            c.col = static_cast<int>(r.integer(4, 1, INT32_MAX));
            c.text = r.text(5);
            if (!r.is_null(6)) c.bind = r.text(6, 4096);
            if (!r.is_null(7)) c.expected = r.integer(7, INT64_MIN, INT64_MAX);
            if (!r.is_null(8)) c.expected_errno = r.text(8, 64);
            sn.pending.push_back(std::move(c));
        }
    }

    // Rebuild: the boot world, then every command with its step budget,
    // each checked first against the world it runs in. A checkpoint copies
    // the whole world; replaying a long history at the default interval
    // (512 steps) would spend most of the open copying worlds, so a long
    // one gets up to 8 checkpoints (at most 8192 steps apart: stepping back
    // replays at most that many).
    uint64_t every = std::clamp<uint64_t>(l.info.steps / 8, 512, 8192);
    auto h = std::make_unique<History>(std::move(boot), static_cast<uint32_t>(every));
    for (size_t i = 0; i < entries.size(); ++i) {
        const History::Entry& e = entries[i];
        std::string why = check_command(h->live().k.w, e.cmd);
        if (!why.empty()) fail("command " + std::to_string(i) + " ('" + e.cmd.text + "') " + why);
        if (!h->replay({e}))
            fail("command " + std::to_string(i) + " ('" + e.cmd.text + "') ran " +
                 std::to_string(h->entries().back().steps) + " steps on replay, the file says " +
                 std::to_string(e.steps));
    }
    if (!(h->live().k.w == head))
        fail("the stored world differs from its replayed history in " + world_diff(h->live().k.w, head) +
             " (the file was changed, or made by a different version of sockscope)");
    {
        // Each call must be one the interpreter could be asleep in at the
        // head, under the saved names, and no task asleep in two.
        std::map<std::string, TaskId> task_names;
        for (const auto& [name, t] : sn.tasks) task_names[name] = TaskId(t);
        std::set<uint32_t> seen;
        for (size_t i = 0; i < sn.pending.size(); ++i) {
            const script::PendingCall& c = sn.pending[i];
            std::string why = script::Interp::pending_problem(h->live().k.w, task_names, c);
            if (why.empty() && !seen.insert(c.task.v).second)
                why = "task #" + std::to_string(c.task.v) + " has a second call";
            if (!why.empty()) fail("table pending_call, row " + std::to_string(i + 1) + ": " + why);
        }
    }
    h->replay({}, std::move(branches));
    if (names) *names = std::move(sn);
    if (info) *info = l.info;
    return h;
}

// ---------------------------------------------------------------- opening

bool open_file(const std::string& path, int flags, Db& d, std::string* err) {
    int rc = sqlite3_open_v2(path.c_str(), &d.db, flags, nullptr);
    if (rc != SQLITE_OK) {
        if (err) *err = path + ": cannot open (" + d.errmsg() + ")";
        return false;
    }
    sqlite3_busy_timeout(d.db, 5000);
    sqlite3_extended_result_codes(d.db, 1);
    return true;
}

std::string plain(const std::string& path, const std::string& msg) {
    // SQLite's own words for a file that is not a database.
    if (msg == "file is not a database") return path + ": not a sockscope snapshot (not an SQLite database)";
    if (msg.find("malformed") != std::string::npos || msg.find("corrupt") != std::string::npos)
        return path + ": damaged (" + msg + ")";
    return path + ": " + msg;
}

}  // namespace

// ---------------------------------------------------------------- API

bool save(const std::string& path, const History& h, const std::string& label, std::string* err,
          const SessionNames* names, std::string* used_label, bool replace) {
    // A save that fails must leave no trace: a file it created is removed.
    struct stat st {};
    bool existed = ::lstat(path.c_str(), &st) == 0;
    bool ok = false;
    {
        Db d;
        if (!open_file(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, d, err)) return false;
        try {
            std::string used = save_db(d.db, h, label, names, replace);
            if (used_label) *used_label = used;
            ok = true;
        } catch (const Fail& f) {
            if (err) *err = plain(path, f.msg);
        } catch (const std::bad_alloc&) {
            if (err) *err = path + ": out of memory";
        }
    }
    if (!ok && !existed) {
        ::unlink(path.c_str());
        ::unlink((path + "-journal").c_str());
    }
    return ok;
}

std::unique_ptr<History> load(const std::string& path, const std::string& label, std::string* err,
                              SessionNames* names, Info* info) {
    Db d;
    if (!open_file(path, SQLITE_OPEN_READWRITE, d, err)) return nullptr;
    try {
        return load_db(d.db, label, names, info);
    } catch (const Fail& f) {
        if (err) *err = plain(path, f.msg);
    } catch (const std::bad_alloc&) {
        if (err) *err = path + ": out of memory";
    }
    return nullptr;
}

bool list(const std::string& path, std::vector<Info>* out, std::string* err) {
    Db d;
    if (!open_file(path, SQLITE_OPEN_READWRITE, d, err)) return false;
    try {
        harden(d.db);
        check_identity(d.db, false, nullptr);
        check_tables(d.db);
        out->clear();
        Stmt q(d.db, "SELECT id, label, created_step, commands, created_at FROM snapshot WHERE kind = 'head' "
                     "ORDER BY id");
        while (q.step()) {
            sqlite3_stmt* s = q.get();
            Info i;
            i.id = sqlite3_column_int64(s, 0);
            const unsigned char* lp = sqlite3_column_text(s, 1);
            i.label = lp ? reinterpret_cast<const char*>(lp) : "";
            i.steps = static_cast<uint64_t>(std::max<int64_t>(0, sqlite3_column_int64(s, 2)));
            i.commands = static_cast<uint64_t>(std::max<int64_t>(0, sqlite3_column_int64(s, 3)));
            const unsigned char* cp = sqlite3_column_text(s, 4);
            i.created_at = cp ? reinterpret_cast<const char*>(cp) : "";
            out->push_back(std::move(i));
        }
        return true;
    } catch (const Fail& f) {
        if (err) *err = plain(path, f.msg);
        return false;
    }
}

bool save_to_memory(const History& h, const std::string& label, std::vector<uint8_t>* image, std::string* err,
                    const SessionNames* names) {
    Db d;
    if (!open_file(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY, d, err))
        return false;
    try {
        save_db(d.db, h, label, names, false);
        sqlite3_int64 n = 0;
        unsigned char* p = sqlite3_serialize(d.db, "main", &n, 0);
        if (!p) fail("cannot serialize the database");
        image->assign(p, p + n);
        sqlite3_free(p);
        return true;
    } catch (const Fail& f) {
        if (err) *err = f.msg;
        return false;
    }
}

std::unique_ptr<History> load_from_memory(const uint8_t* data, size_t size, const std::string& label,
                                          std::string* err, SessionNames* names, Info* info) {
    Db d;
    if (!open_file(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY, d, err))
        return nullptr;
    try {
        if (size > (size_t(1) << 40)) fail("image too large");
        auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(size ? size : 1));
        if (!buf) fail("out of memory");
        if (size) std::memcpy(buf, data, size);
        int rc = sqlite3_deserialize(d.db, "main", buf, static_cast<sqlite3_int64>(size),
                                     static_cast<sqlite3_int64>(size),
                                     SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
        if (rc != SQLITE_OK) fail(d.errmsg());
        return load_db(d.db, label, names, info);
    } catch (const Fail& f) {
        if (err) *err = plain("snapshot", f.msg);
    } catch (const std::bad_alloc&) {
        if (err) *err = "snapshot: out of memory";
    }
    return nullptr;
}

SessionNames session_names(const script::Interp& in) {
    SessionNames n;
    n.vars = in.vars;
    for (const auto& [name, t] : in.tasks) n.tasks[name] = t.v;
    n.pending = in.pending();
    return n;
}

void restore_session_names(script::Interp& in, const SessionNames& names) {
    for (const auto& [name, v] : names.vars) in.vars[name] = v;
    for (const auto& [name, t] : names.tasks)
        if (in.history.live().k.w.tasks.contains(TaskId(t))) in.tasks[name] = TaskId(t);
    for (const script::PendingCall& c : names.pending) in.add_pending(c, nullptr);
}

std::string repl_save(const std::string& args, const History& h, const SessionNames* names) {
    std::istringstream in(args);
    std::string path;
    in >> path;
    bool replace = path == "--replace";
    if (replace) in >> path;
    if (path.empty() || path == "--replace") return "usage: save [--replace] FILE [LABEL]";
    std::string label;
    std::getline(in, label);
    size_t b = label.find_first_not_of(" \t");
    label = b == std::string::npos ? "" : label.substr(b, label.find_last_not_of(" \t\r") - b + 1);
    std::string err, used;
    if (!save(path, h, label, &err, names, &used, replace)) {
        if (!replace && err.find("already holds a snapshot labelled") != std::string::npos)
            err += "\n  (save --replace " + path + " " + label + " replaces it)";
        return "save: error: " + err;
    }
    return "saved '" + used + "' (" + std::to_string(h.step_count()) + " steps, " +
           std::to_string(h.entries().size()) + " commands) to " + path;
}

}  // namespace sockscope::snapshot

int snapshot_load_from_memory(const uint8_t* data, size_t size, std::string* err) {
    std::string e;
    auto h = sockscope::snapshot::load_from_memory(data, size, "", &e);
    if (err) *err = e;
    return h ? 0 : 1;
}
