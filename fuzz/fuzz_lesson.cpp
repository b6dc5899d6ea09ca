// fuzz_lesson.cpp — libFuzzer target for the lesson parser and runner
// (core/lesson/lesson.cpp).
//
// Teachers write lessons by hand and students edit them, so the parser must
// turn any text into a lesson or one "FILE:LINE:COL: error: ..." message.
// A lesson that parses is then played as `sockscope lesson check` plays it
// (every step, every `expect:` and checkpoint evaluated against the model),
// gone back over step by step as the GUI's Back button does, and its
// narration shaped into paragraphs and its checkpoints graded: expectations
// that cannot be evaluated must come back as messages, never as crashes.
// Lessons with many steps are only parsed (kMaxSteps keeps runs short).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "lesson/lesson.h"

using namespace sockscope::lesson;

namespace {
constexpr size_t kMaxSteps = 12;

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_lesson: %s: %s\n", what, detail.c_str());
    std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_lesson(text, "fuzz.lesson", "00-fuzz");
    if (auto* err = std::get_if<std::string>(&parsed)) {
        if (err->rfind("fuzz.lesson:", 0) != 0) fail("error without FILE:LINE", *err);
        return 0;
    }
    const Lesson& l = std::get<Lesson>(parsed);
    for (const Step& s : l.steps) {
        (void)paragraphs(s.say.en);
        (void)paragraphs(s.after.zh);
    }
    if (l.steps.size() > kMaxSteps) return 0;

    CheckReport rep = check_lesson(l);
    for (const std::string& m : rep.messages)
        if (m.empty()) fail("an empty message", "check_lesson");

    // Played step by step, graded with text from the lesson, then back to
    // the start and once more to the end.
    Runner run(l);
    while (!run.finished()) {
        size_t i = run.done();
        StepResult r = run.run_next();
        const Step& s = l.steps[i];
        if (s.ask && r.answer) {
            (void)grade(*s.ask, *r.answer, s.title.en);
            (void)grade(*s.ask, *r.answer, "");
            (void)show_value(*r.answer);
        }
        if (r.script_error) break;
    }
    if (run.done() > 0) {
        if (!run.back_to(0)) fail("back_to(0) refused", l.file);
        while (!run.finished())
            if (run.run_next().script_error) break;
    }
    (void)run.finish();
    return 0;
}
