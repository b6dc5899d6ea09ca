// catalog.cpp — see catalog.h.
#include "lesson/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sockscope::lesson {

namespace fs = std::filesystem;

namespace {

// A directory counts as the lessons directory only if it holds a lesson: an
// unrelated ./lessons must not hide the repository's or the installed ones.
bool has_lessons(const fs::path& d) {
    std::error_code ec;
    if (!fs::is_directory(d, ec)) return false;
    for (const auto& e : fs::directory_iterator(d, ec))
        if (e.path().extension() == ".lesson") return true;
    return false;
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string find_lessons_dir(const std::string& given) {
    if (!given.empty()) return given;
    if (const char* env = std::getenv("SOCKSCOPE_LESSONS"); env && *env) return env;
    if (has_lessons("lessons")) return "lessons";
    // Beside the program or above it: a build tree (build/NAME/sockscope)
    // finds the repository's lessons, an installed bin/sockscope finds
    // share/sockscope/lessons.
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        fs::path p = exe.parent_path();
        for (int up = 0; up < 5 && !p.empty(); ++up) {
            if (has_lessons(p / "lessons")) return (p / "lessons").string();
            if (has_lessons(p / "share" / "sockscope" / "lessons")) return (p / "share" / "sockscope" / "lessons").string();
            if (p == p.parent_path()) break;
            p = p.parent_path();
        }
    }
    return "";
}

std::vector<std::string> lesson_files(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".lesson") out.push_back(e.path().string());
    // by lesson name, so the numbered lessons come in their order whatever
    // order the directory lists them in
    std::sort(out.begin(), out.end(),
              [](const std::string& a, const std::string& b) { return lesson_name(a) < lesson_name(b); });
    return out;
}

std::string resolve_lesson(const std::string& dir, const std::string& name) {
    std::error_code ec;
    if (ends_with(name, ".lesson") && fs::is_regular_file(name, ec)) return name;
    if (dir.empty()) return "";
    for (const std::string& f : lesson_files(dir))
        if (name_matches(lesson_name(f), name)) return f;
    return "";
}

std::variant<Lesson, std::string> load_lesson(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return path + ": error: cannot open the lesson";
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_lesson(ss.str(), path, lesson_name(path));
}

}  // namespace sockscope::lesson
