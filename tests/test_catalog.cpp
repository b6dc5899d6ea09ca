// test_catalog.cpp — core/lesson/catalog: where the lessons directory is
// found and in which order, the lesson files of a directory, the file a
// name or number stands for, and the errors of loading one. Each test works
// in a directory of its own, with the working directory and
// $SOCKSCOPE_LESSONS put back afterwards (the search reads both).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lesson/catalog.h"

namespace sockscope::lesson {
namespace {

namespace fs = std::filesystem;

const char* const kLesson =
    "title:    Test\n"
    "title.zh: 测试\n"
    "goal:     Test the catalog.\n"
    "goal.zh:  测试目录。\n"
    "step:     One\n"
    "step.zh:  一\n"
    "say:      Text.\n"
    "say.zh:   文字。\n"
    "run:      s = socket(AF_INET, SOCK_STREAM, 0) = 3\n";

class Catalog : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "sockscope-catalog-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        root_ = tmpl;
        old_cwd_ = fs::current_path();
        if (const char* e = std::getenv("SOCKSCOPE_LESSONS")) old_env_ = e, had_env_ = true;
        unsetenv("SOCKSCOPE_LESSONS");
        fs::current_path(root_);
    }
    void TearDown() override {
        fs::current_path(old_cwd_);
        if (had_env_) setenv("SOCKSCOPE_LESSONS", old_env_.c_str(), 1);
        else unsetenv("SOCKSCOPE_LESSONS");
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    // Writes a file under the test's directory, making its directories.
    std::string write(const std::string& rel, const std::string& text = kLesson) {
        fs::path p = root_ / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }
    fs::path root_;

private:
    fs::path old_cwd_;
    std::string old_env_;
    bool had_env_ = false;
};

TEST_F(Catalog, AGivenDirectoryIsTakenAsItIsBeforeTheEnvironmentAndTheWorkingDirectory) {
    write("lessons/01-a.lesson");
    setenv("SOCKSCOPE_LESSONS", "from-env", 1);
    EXPECT_EQ(find_lessons_dir("given"), "given");   // not even checked for lessons
}

TEST_F(Catalog, TheEnvironmentComesBeforeTheWorkingDirectorysLessons) {
    write("lessons/01-a.lesson");
    setenv("SOCKSCOPE_LESSONS", "from-env", 1);
    EXPECT_EQ(find_lessons_dir(), "from-env");
    setenv("SOCKSCOPE_LESSONS", "", 1);   // set but empty counts as unset
    EXPECT_EQ(find_lessons_dir(), "lessons");
}

TEST_F(Catalog, TheWorkingDirectorysLessonsCountOnlyIfTheyHoldALesson) {
    write("lessons/README.txt", "not a lesson\n");
    std::string passed_over = find_lessons_dir();
    write("lessons/01-a.lesson");
    EXPECT_EQ(find_lessons_dir(), "lessons");
    // Passed over, the search went on beside the test program and up to four
    // directories above it, which for a build tree like build/NAME/ is the
    // repository's lessons.
    fs::path src = fs::weakly_canonical(SOCKSCOPE_SOURCE_DIR);
    fs::path p = fs::read_symlink("/proc/self/exe").parent_path();
    int up = 0;
    while (up < 5 && p != src && p != p.parent_path()) p = p.parent_path(), ++up;
    if (p != src || up >= 5) GTEST_SKIP() << "the build tree is not within four directories of the repository";
    EXPECT_EQ(passed_over, (src / "lessons").string());
}

TEST_F(Catalog, LessonFilesAreTheLessonsOfTheDirectorySortedByName) {
    write("d/10-close.lesson");
    write("d/02-bind.lesson");
    write("d/01-socket.lesson");
    write("d/notes.txt", "x\n");
    write("d/sub/03-listen.lesson");   // not searched: lessons are not nested
    std::vector<std::string> want = {(root_ / "d/01-socket.lesson").string(), (root_ / "d/02-bind.lesson").string(),
                                     (root_ / "d/10-close.lesson").string()};
    EXPECT_EQ(lesson_files((root_ / "d").string()), want);
    EXPECT_EQ(lesson_files("d"), (std::vector<std::string>{"d/01-socket.lesson", "d/02-bind.lesson", "d/10-close.lesson"}));
}

TEST_F(Catalog, NoDirectoryOrAMissingOneHasNoLessonFiles) {
    EXPECT_EQ(lesson_files(""), std::vector<std::string>{});
    EXPECT_EQ(lesson_files("missing"), std::vector<std::string>{});
}

TEST_F(Catalog, ALessonIsNamedByItsNumberItsNameOrItsWholeName) {
    write("d/01-socket.lesson");
    write("d/04-bind.lesson");
    EXPECT_EQ(resolve_lesson("d", "4"), "d/04-bind.lesson");
    EXPECT_EQ(resolve_lesson("d", "04"), "d/04-bind.lesson");
    EXPECT_EQ(resolve_lesson("d", "bind"), "d/04-bind.lesson");
    EXPECT_EQ(resolve_lesson("d", "04-bind"), "d/04-bind.lesson");
    EXPECT_EQ(resolve_lesson("d", "1"), "d/01-socket.lesson");
    EXPECT_EQ(resolve_lesson("d", "listen"), "");
    EXPECT_EQ(resolve_lesson("d", "5"), "");
    EXPECT_EQ(resolve_lesson("", "bind"), "");
}

TEST_F(Catalog, APathToAnExistingLessonFileIsTakenAsItIsWhateverTheDirectory) {
    write("elsewhere/mine.lesson");
    EXPECT_EQ(resolve_lesson("", "elsewhere/mine.lesson"), "elsewhere/mine.lesson");
    EXPECT_EQ(resolve_lesson("d", "elsewhere/mine.lesson"), "elsewhere/mine.lesson");
    EXPECT_EQ(resolve_lesson("", "elsewhere/missing.lesson"), "");
    write("elsewhere/dir.lesson/x.txt", "x\n");   // a directory, not a lesson file
    EXPECT_EQ(resolve_lesson("", "elsewhere/dir.lesson"), "");
}

TEST_F(Catalog, LoadingALessonNamesItAfterItsFile) {
    std::string path = write("d/04-bind.lesson");
    auto r = load_lesson(path);
    ASSERT_TRUE(std::holds_alternative<Lesson>(r)) << std::get<std::string>(r);
    const Lesson& l = std::get<Lesson>(r);
    EXPECT_EQ(l.name, "04-bind");
    EXPECT_EQ(l.file, path);
    EXPECT_EQ(l.title.en, "Test");
    EXPECT_EQ(l.steps.size(), 1u);
}

TEST_F(Catalog, AFileThatCannotBeOpenedIsAnErrorNamingIt) {
    auto r = load_lesson("d/missing.lesson");
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r), "d/missing.lesson: error: cannot open the lesson");
}

TEST_F(Catalog, ALessonThatDoesNotParseIsTheParsersErrorWithFileLineAndColumn) {
    write("d/01-bad.lesson", "title: T\ntitle.zh: 题\nstep: S\n");
    auto r = load_lesson("d/01-bad.lesson");
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r),
              "d/01-bad.lesson:3:1: error: the lesson has no 'goal:' (title and goal come first, in English and Chinese)");
}

TEST_F(Catalog, TheRepositorysTenLessonsAreFoundInOrderAndAllLoad) {
    std::vector<std::string> files = lesson_files(std::string(SOCKSCOPE_SOURCE_DIR) + "/lessons");
    ASSERT_EQ(files.size(), 10u);
    EXPECT_EQ(lesson_name(files.front()), "01-socket-to-fd");
    EXPECT_EQ(lesson_name(files.back()), "10-close");
    for (const std::string& f : files) EXPECT_TRUE(std::holds_alternative<Lesson>(load_lesson(f))) << f;
}

}  // namespace
}  // namespace sockscope::lesson
