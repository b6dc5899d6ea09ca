// lesson_cli.h — `sockscope lesson list|play|check` in a terminal.
//
//   sockscope lesson list  [--dir DIR] [--lang en|zh|both]
//   sockscope lesson play  NAME [--from STEP] [--dir DIR] [--lang en|zh|both]
//   sockscope lesson check [NAME...] [--dir DIR]
//
// Lessons are found in --dir, else $SOCKSCOPE_LESSONS, else ./lessons,
// else a lessons/ directory beside the program or above it (so a build
// tree finds the repository's lessons): core/lesson/catalog.h, which the
// window uses too. The engine is core/lesson.
#pragma once

namespace CLI {
class App;
}

namespace sockscope::app {

// Adds the `lesson` subcommand (with list, play and check) to the program.
CLI::App* add_lesson_command(CLI::App& app);
// Runs the `lesson` subcommand that was parsed; returns the exit status.
int run_lesson_command();
// `sockscope` with no arguments on a terminal: plays the first lesson.
// Returns -1 (having printed nothing) when no lessons can be found.
int play_first_lesson();

}  // namespace sockscope::app
