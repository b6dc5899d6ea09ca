// lessons.h — playing a lesson in the window, without the window: finding
// the lessons, and a player that keeps what the lesson panel shows.
//
// The player walks a lesson the way the terminal player does (app/cli/
// lesson_cli.cpp): each step is first shown with its narration, the calls
// it will make and its checkpoint question; the student's prediction is
// kept, the step runs (core/lesson's Runner), and the same step is shown
// again with each call's result, the verdict on the prediction and the
// state checks. Back goes to just before the previous step (the runner
// branches its history there). At the end the runner's machine is handed
// over (Runner::release) so the window's session continues from it, as the
// REPL does in the terminal.
//
// The panel (app/gui/lesson_panel.cpp) only reads a player; the window's
// main loop calls its actions.
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/gui/model/session.h"
#include "lesson/catalog.h"
#include "lesson/lesson.h"

namespace sockscope::gui {

// ---- finding lessons: core/lesson/catalog.h, so the window finds the same
// lessons in the same places as `sockscope lesson` (--lesson-dir,
// $SOCKSCOPE_LESSONS, ./lessons, a lessons/ directory beside the program or
// above it) and reports the same errors. Named here too so the window's
// code calls them as gui:: functions like the rest of this header.

using lesson::find_lessons_dir;
using lesson::lesson_files;
using lesson::load_lesson;
using lesson::resolve_lesson;

// One entry of the Lessons menu.
struct LessonEntry {
    std::string path, name;
    lesson::Text title;
    std::string error;   // the lesson cannot be read: why
};
std::vector<LessonEntry> lesson_menu(const std::string& dir);

// The text of a run line as written in the lesson ("s = socket(...)", "!sysctl ...").
std::string run_line_text(const lesson::RunLine& rl);

// What a step's run put on the console: each call as typed with its result
// beneath ("= 3", "= -1 EINVAL", "blocks ..."), a view's output as it
// printed, and the script problems.
std::vector<std::pair<LineKind, std::string>> step_console_lines(const lesson::Step& st, const lesson::StepResult& r);

// ---- the player

class LessonPlayer {
public:
    explicit LessonPlayer(lesson::Lesson l);
    LessonPlayer(const LessonPlayer&) = delete;
    LessonPlayer& operator=(const LessonPlayer&) = delete;

    const lesson::Lesson& lesson() const { return *lesson_; }
    lesson::Runner& runner() { return *runner_; }
    size_t steps() const { return lesson_->steps.size(); }

    // The step on screen (0-based) and whether it has run (its results are
    // shown) or waits for the student (its question is shown).
    size_t index() const { return index_; }
    bool ran() const { return ran_; }
    const lesson::Step& step() const { return lesson_->steps[index_]; }
    // After the step ran: what it did, and the verdict on the prediction.
    const lesson::StepResult& result() const { return result_; }
    const std::string& typed() const { return typed_; }
    const std::optional<lesson::Grade>& grade() const { return grade_; }
    // The last step ran: the lesson can be handed over.
    bool at_end() const { return ran_ && index_ + 1 >= steps(); }
    // Predictions made and right so far (a skipped question counts as neither).
    int asked() const { return static_cast<int>(predicted_.size()); }
    int right() const;

    // Runs the step on screen with the student's prediction ("" skips the
    // question; for a multiple-choice checkpoint, the key). Returns its
    // result. Requires !ran().
    const lesson::StepResult& run(const std::string& prediction);
    // Shows the next step (not yet run). Requires ran() and !at_end().
    bool next();
    // Goes back to just before the previous step (the first step: before it
    // again), as the terminal player's `b` does. False if there is nothing
    // to go back over.
    bool back();

    // Hands the lesson's machine over; the player is finished afterwards.
    lesson::Runner::Handoff release();
    bool released() const { return released_; }

private:
    std::unique_ptr<lesson::Lesson> lesson_;   // the runner points at it: kept on the heap
    std::unique_ptr<lesson::Runner> runner_;
    size_t index_ = 0;
    bool ran_ = false;
    bool released_ = false;
    lesson::StepResult result_;
    std::string typed_;
    std::optional<lesson::Grade> grade_;
    std::map<size_t, bool> predicted_;   // step -> was the prediction right (answered steps only)
};

}  // namespace sockscope::gui
