// lessons.cpp — see lessons.h.
#include "app/gui/model/lessons.h"

#include <cctype>

namespace sockscope::gui {

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

}  // namespace

// ---------------------------------------------------------------- the Lessons menu

std::vector<LessonEntry> lesson_menu(const std::string& dir) {
    std::vector<LessonEntry> out;
    for (const std::string& f : lesson_files(dir)) {
        LessonEntry e;
        e.path = f;
        e.name = lesson::lesson_name(f);
        auto l = load_lesson(f);
        if (auto* err = std::get_if<std::string>(&l)) e.error = *err;
        else e.title = std::get<lesson::Lesson>(l).title;
        out.push_back(std::move(e));
    }
    return out;
}

// ---------------------------------------------------------------- text

std::string run_line_text(const lesson::RunLine& rl) {
    if (const auto* s = std::get_if<script::Statement>(&rl.parsed)) return s->text;   // with its task prefix
    const auto& d = std::get<script::Directive>(rl.parsed);
    return "!" + d.name + (d.rest.empty() ? "" : " " + d.rest);
}

std::vector<std::pair<LineKind, std::string>> step_console_lines(const lesson::Step& st, const lesson::StepResult& r) {
    std::vector<std::pair<LineKind, std::string>> out;
    for (const std::string& l : r.output) {
        // a call's own line: the call as written, then " = RESULT" or " ... blocks"
        bool done = false;
        for (const lesson::RunLine& rl : st.run) {
            const auto* s = std::get_if<script::Statement>(&rl.parsed);
            if (!s) continue;
            std::string tx = run_line_text(rl);
            // a view, named above its output (the runner puts the task in front)
            if (l == tx || (!s->task.empty() && l == s->task + ": " + tx)) {
                out.emplace_back(LineKind::Input, tx);
                done = true;
            } else if (starts_with(l, tx + " = ")) {
                std::string res = l.substr(tx.size() + 3);
                out.emplace_back(LineKind::Input, tx);
                out.emplace_back(starts_with(res, "-1 E") ? LineKind::Err : LineKind::Ok, "= " + res);
                done = true;
            } else if (starts_with(l, tx + " ... ")) {
                out.emplace_back(LineKind::Input, tx);
                out.emplace_back(LineKind::Blocked, l.substr(tx.size() + 1));
                done = true;
            }
            if (done) break;
        }
        if (done) continue;
        // a call of an earlier step that woke in this one: "T: a = accept(s) = 4"
        size_t eq = l.rfind(" = ");
        bool result = eq != std::string::npos && eq + 3 < l.size() &&
                      (std::isdigit(static_cast<unsigned char>(l[eq + 3])) || starts_with(l.substr(eq + 3), "-1 E"));
        out.emplace_back(result && l.find('(') != std::string::npos ? LineKind::Done : LineKind::Output, l);
    }
    for (const std::string& p : r.problems) out.emplace_back(LineKind::Mismatch, p);
    return out;
}

// ---------------------------------------------------------------- the player

LessonPlayer::LessonPlayer(lesson::Lesson l)
    : lesson_(std::make_unique<lesson::Lesson>(std::move(l))), runner_(std::make_unique<lesson::Runner>(*lesson_)) {}

int LessonPlayer::right() const {
    int n = 0;
    for (const auto& [step, ok] : predicted_) n += ok ? 1 : 0;
    return n;
}

const lesson::StepResult& LessonPlayer::run(const std::string& prediction) {
    if (ran_ || released_ || runner_->finished()) return result_;
    result_ = runner_->run_next();
    ran_ = true;
    typed_ = prediction;
    grade_.reset();
    const lesson::Step& st = step();
    if (st.ask && result_.answer) {
        grade_ = lesson::grade(*st.ask, *result_.answer, prediction);
        if (grade_->answered) predicted_[index_] = grade_->right;
        else predicted_.erase(index_);
    }
    return result_;
}

bool LessonPlayer::next() {
    if (!ran_ || at_end() || released_) return false;
    ++index_;
    ran_ = false;
    result_ = lesson::StepResult{};
    typed_.clear();
    grade_.reset();
    return true;
}

bool LessonPlayer::back() {
    if (released_) return false;
    size_t to;
    if (ran_) to = index_ > 0 ? index_ - 1 : 0;   // from a step's results: the step before it
    else if (index_ > 0) to = index_ - 1;
    else return false;
    if (!runner_->back_to(to)) return false;
    index_ = to;
    ran_ = false;
    result_ = lesson::StepResult{};
    typed_.clear();
    grade_.reset();
    predicted_.erase(predicted_.lower_bound(to), predicted_.end());
    return true;
}

lesson::Runner::Handoff LessonPlayer::release() {
    released_ = true;
    return runner_->release();
}

}  // namespace sockscope::gui
