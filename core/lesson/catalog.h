// catalog.h — the lessons on disk: where the lessons directory is, the
// lesson files in it, the file a name or number stands for, and reading
// and parsing one of them.
//
// lesson.h deliberately never touches the file system (its caller hands in
// the text); this is the one place that does, so that the terminal player
// (app/cli/lesson_cli.cpp) and the window's lesson panel (app/gui/model/
// lessons.cpp) find the same lessons in the same order and report the same
// errors.
#pragma once
#include <string>
#include <variant>
#include <vector>

#include "lesson/lesson.h"

namespace sockscope::lesson {

// The lessons directory: `given` when it is not empty, else
// $SOCKSCOPE_LESSONS, else ./lessons if it holds a .lesson file, else a
// lessons/ (or share/sockscope/lessons/) directory beside the program or up
// to four directories above it. "" when none is found.
std::string find_lessons_dir(const std::string& given = "");

// The .lesson files of a directory, sorted by lesson name (empty for "" or
// a directory that cannot be read).
std::vector<std::string> lesson_files(const std::string& dir);

// The file a name stands for: a path to an existing .lesson file as it is,
// else the lesson of dir named by its whole name, its name without the
// number, or its number (name_matches). "" when nothing matches.
std::string resolve_lesson(const std::string& dir, const std::string& name);

// Reads and parses a lesson file. The error is "FILE: error: cannot open the
// lesson", or the parser's "FILE:LINE:COL: error: ...".
std::variant<Lesson, std::string> load_lesson(const std::string& path);

}  // namespace sockscope::lesson
