// json.cpp — the JSON export: the rows the SQLite store writes, as JSON
// (see snapshot.h). The same writer (schema.cpp) produces both, so the
// table and column names are the same by construction.
#include <nlohmann/json.hpp>

#include "snapshot/schema.h"
#include "snapshot/snapshot.h"

namespace sockscope::snapshot {

using namespace detail;

namespace {

class JsonSink final : public Sink {
public:
    explicit JsonSink(nlohmann::ordered_json& root) : root_(root) {}
    void begin(Tab t) override {
        def_ = &table_def(t);
        auto& a = root_[def_->name];
        if (a.is_null()) a = nlohmann::ordered_json::array();
        rows_ = &a;
        col_ = 0;
    }
    void integer(int64_t v) override { row_[name()] = v; }
    void null() override { row_[name()] = nullptr; }
    void text(const std::string& s) override { row_[name()] = s; }
    void end_row() override {
        rows_->push_back(std::move(row_));
        row_ = nlohmann::ordered_json::object();
        col_ = 0;
    }

private:
    const std::string& name() { return def_->cols[col_++].name; }
    nlohmann::ordered_json& root_;
    const TableDef* def_ = nullptr;
    nlohmann::ordered_json* rows_ = nullptr;
    nlohmann::ordered_json row_ = nlohmann::ordered_json::object();
    size_t col_ = 0;
};

}  // namespace

namespace {

std::string json_of(const History& h, const std::string& label, const std::string& created_at,
                    const SessionNames* names, int indent) {
    nlohmann::ordered_json root = nlohmann::ordered_json::object();
    root["application_id"] = kApplicationId;
    root["user_version"] = kUserVersion;
    SnapshotRows meta;
    meta.head_id = 1;
    meta.boot_id = 2;
    meta.label = label;
    meta.created_at = created_at;
    JsonSink sink(root);
    emit_snapshot(sink, meta, h, names);
    return root.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string to_json(const History& h, const std::string& label, const SessionNames* names, int indent) {
    return json_of(h, label, now_utc_iso8601(), names, indent);
}

bool export_json(const std::string& path, const std::string& label, std::string* json, std::string* err) {
    SessionNames names;
    Info info;
    auto h = load(path, label, err, &names, &info);
    if (!h) return false;
    *json = json_of(*h, info.label, info.created_at, &names, 1);
    return true;
}

}  // namespace sockscope::snapshot
