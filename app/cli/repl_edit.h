// repl_edit.h — the REPL's line editor: libedit behind a small interface.
//
// Line editing (emacs keys), a history file kept across sessions (best
// effort: no HOME or an unwritable file just means no saved history), and
// Tab completion driven by a callback that knows the language. The editor
// knows nothing of sockets; repl.cpp supplies the words.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sockscope::app {

// One completion: the word offered, and what a unique match appends
// after it ("(" after a call that takes arguments, " " after a REPL word).
struct Candidate {
    std::string word;
    std::string suffix;
};

class LineEditor {
public:
    // Given the text before the cursor and the word being typed (its tail),
    // returns every candidate that starts with the word.
    using Completer = std::function<std::vector<Candidate>(std::string_view before, std::string_view word)>;

    // history_file may be empty (no saved history).
    LineEditor(const char* program, std::string history_file, Completer complete);
    ~LineEditor();
    LineEditor(const LineEditor&) = delete;
    LineEditor& operator=(const LineEditor&) = delete;

    // Reads one line (without its newline); nullopt at end of input (Ctrl-D
    // on an empty line). Ctrl-C abandons the line being typed and returns "".
    std::optional<std::string> read(const std::string& prompt);
    // Adds a line to the history and saves the history file.
    void remember(const std::string& line);

    struct Impl;

private:
    std::unique_ptr<Impl> p_;
};

// The characters a completable word is made of (the script's identifiers,
// which may contain '.' as sysctl names do).
bool is_word_char(char c);

// The longest common prefix of the candidates' words.
std::string common_prefix(const std::vector<Candidate>& c);

}  // namespace sockscope::app
