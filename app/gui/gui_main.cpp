// gui_main.cpp — the window: GLFW + OpenGL 3 + Dear ImGui, fonts (with CJK
// glyphs when a system font has them), remembered settings and layout,
// headless screenshots, exports, and the benchmark mode; at start-up, the
// lesson to play (lesson 1 when nothing else was asked for) or the snapshot
// to open.
#include <CLI/CLI.hpp>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui_internal.h>
#include <stb_image_write.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "app/cli/repl.h"
#include "app/gui/damage.h"
#include "app/gui/gui.h"
#include "app/gui/model/svg.h"
#include "app/gui/ui.h"

namespace sockscope::app {

namespace {

using Clock = std::chrono::steady_clock;
const Clock::time_point g_start = Clock::now();   // process start, near enough

double since_start_ms() { return std::chrono::duration<double, std::milli>(Clock::now() - g_start).count(); }

// SOCKSCOPE_TIMING=1: how long start-up phases take, on stderr.
void phase(const char* what) {
    static const bool on = std::getenv("SOCKSCOPE_TIMING") != nullptr;
    if (on) std::fprintf(stderr, "[%7.1f ms] %s\n", since_start_ms(), what);
}

// ---------------------------------------------------------------- files

bool file_exists(const std::string& p) {
    struct stat st;
    return !p.empty() && stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string first_existing(std::initializer_list<std::string> paths) {
    for (const std::string& p : paths)
        if (file_exists(p)) return p;
    return "";
}

bool read_file(const std::string& path, std::string* out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    *out = ss.str();
    return true;
}

std::string config_dir() {
    std::string base;
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) base = x;
    else if (const char* h = std::getenv("HOME"); h && *h) base = std::string(h) + "/.config";
    else return "";
    std::string dir = base + "/sockscope";
    mkdir(base.c_str(), 0755);
    mkdir(dir.c_str(), 0755);
    return dir;
}

// ---------------------------------------------------------------- fonts

// Latin, punctuation, arrows, math, shapes and dingbats the views draw.
const ImWchar kUiRanges[] = {0x0020, 0x00FF, 0x0100, 0x017F, 0x2000, 0x206F, 0x2190, 0x21FF, 0x2200, 0x22FF,
                             0x2300, 0x23FF, 0x2500, 0x25FF, 0x2600, 0x26FF, 0x2700, 0x27BF, 0};

struct FontFiles {
    std::string ui, mono, cjk;
    std::vector<char> cjk_data;   // read once, shared by both merges
    bool looked = false;
};
FontFiles g_font_files;

void find_fonts() {
    if (g_font_files.looked) return;
    g_font_files.looked = true;
    const std::string dirs[] = {"/usr/share/fonts/truetype/dejavu/", "/usr/share/fonts/TTF/", "/usr/share/fonts/dejavu/",
                                "/usr/local/share/fonts/", "assets/fonts/"};
    for (const std::string& d : dirs) {
        if (g_font_files.ui.empty() && file_exists(d + "DejaVuSans.ttf")) g_font_files.ui = d + "DejaVuSans.ttf";
        if (g_font_files.mono.empty() && file_exists(d + "DejaVuSansMono.ttf")) g_font_files.mono = d + "DejaVuSansMono.ttf";
    }
    g_font_files.cjk = first_existing({"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                                       "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
                                       "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
                                       "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"});
}

// The CJK font's bytes, read when the first CJK character turns up.
bool load_cjk_data() {
    if (g_font_files.cjk.empty()) return false;
    if (!g_font_files.cjk_data.empty()) return true;
    std::ifstream in(g_font_files.cjk, std::ios::binary);
    g_font_files.cjk_data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (g_font_files.cjk_data.size() < 1024) {
        g_font_files.cjk.clear();  // unreadable: do without
        g_font_files.cjk_data.clear();
        return false;
    }
    return true;
}

// CJK glyphs are many; the atlas holds only those some text on screen
// uses (script lines, what the user types, the console's output), and is
// rebuilt when a new one turns up. That keeps start-up fast.
std::set<ImWchar> g_cjk_used;
ImVector<ImWchar> g_cjk_ranges;

bool is_cjk(uint32_t c) {
    return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFF00 && c <= 0xFFEF) || (c >= 0x3000 && c <= 0x303F);
}

// Adds the CJK characters of a UTF-8 text; true if any was new.
bool note_cjk(const std::string& s) {
    bool fresh = false;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        uint32_t cp = 0;
        int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        cp = c & (0x3F >> n);
        for (int k = 1; k <= n && i + static_cast<size_t>(k) < s.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0x3F);
        i += static_cast<size_t>(n) + 1;
        if (cp <= 0xFFFF && is_cjk(cp) && g_cjk_used.insert(static_cast<ImWchar>(cp)).second) fresh = true;
    }
    return fresh;
}

// Builds the atlas for a scale, with the CJK characters seen so far.
void build_fonts(Fonts& f, float scale, bool with_cjk) {
    find_fonts();
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    const float size = std::round(17.0f * scale);
    f.ui_path = g_font_files.ui;
    f.cjk = false;
    g_cjk_ranges.clear();
    if (with_cjk && !g_cjk_used.empty()) {
        ImFontGlyphRangesBuilder b;
        for (ImWchar c : g_cjk_used) b.AddChar(c);
        b.BuildRanges(&g_cjk_ranges);
    }
    auto merge_cjk = [&](int face, float px) {
        if (!with_cjk || g_cjk_ranges.empty() || !load_cjk_data()) return;
        ImFontConfig c;
        c.MergeMode = true;
        c.FontDataOwnedByAtlas = false;
        c.FontNo = g_font_files.cjk.size() > 4 && g_font_files.cjk.substr(g_font_files.cjk.size() - 4) == ".ttc" ? face : 0;
        c.OversampleH = 1;
        c.OversampleV = 1;
        io.Fonts->AddFontFromMemoryTTF(g_font_files.cjk_data.data(), static_cast<int>(g_font_files.cjk_data.size()), px,
                                       &c, g_cjk_ranges.Data);
        f.cjk = true;
        f.cjk_path = g_font_files.cjk;
    };
    if (!g_font_files.ui.empty()) {
        ImFontConfig c;
        c.OversampleH = 2;
        f.ui = io.Fonts->AddFontFromFileTTF(g_font_files.ui.c_str(), size, &c, kUiRanges);
        // Noto Sans CJK SC, a little larger: at the same pixel size its
        // characters look a size smaller than DejaVu's Latin beside them
        // (too small on a projector); the baseline stays the Latin one's
        merge_cjk(2, std::round(size * 1.18f));
    } else {
        ImFontConfig c;
        c.SizePixels = std::round(13.0f * scale);
        f.ui = io.Fonts->AddFontDefault(&c);
    }
    if (!g_font_files.mono.empty()) {
        ImFontConfig c;
        c.OversampleH = 2;
        float mpx = std::round(16.0f * scale);
        f.mono = io.Fonts->AddFontFromFileTTF(g_font_files.mono.c_str(), mpx, &c, kUiRanges);
        merge_cjk(7, std::round(mpx * 1.18f));  // Noto Sans Mono CJK SC, larger likewise
    } else {
        f.mono = f.ui;
    }
    f.big = f.ui;
    io.Fonts->Build();
}

// ---------------------------------------------------------------- settings in imgui.ini

Settings* g_settings = nullptr;
int g_win_w = 0, g_win_h = 0;

void* settings_open(ImGuiContext*, ImGuiSettingsHandler*, const char* name) {
    return std::strcmp(name, "Settings") == 0 ? static_cast<void*>(g_settings) : nullptr;
}

void settings_line(ImGuiContext*, ImGuiSettingsHandler*, void* entry, const char* line) {
    auto* s = static_cast<Settings*>(entry);
    if (!s) return;
    float f;
    int i;
    if (std::sscanf(line, "theme=%d", &i) == 1) s->theme = i == 1 ? Theme::Light : Theme::Dark;
    else if (std::sscanf(line, "colorblind=%d", &i) == 1) s->colorblind = i != 0;
    else if (std::sscanf(line, "font_scale=%f", &f) == 1) s->font_scale = std::clamp(f, 0.75f, 3.0f);
    else if (std::sscanf(line, "animate=%d", &i) == 1) s->animate = i != 0;
    else if (std::sscanf(line, "anim_ms=%f", &f) == 1) s->anim_ms = std::clamp(f, 50.0f, 3000.0f);
    else if (std::sscanf(line, "speed=%f", &f) == 1) s->speed = std::clamp(f, 0.25f, 30.0f);
    else if (std::sscanf(line, "play_unit=%d", &i) == 1) s->play_unit = std::clamp(i, 0, 2);
    else if (std::sscanf(line, "show_events=%d", &i) == 1) s->show_events = i != 0;
    else if (std::sscanf(line, "split_x=%f", &f) == 1) s->split_x = std::clamp(f, 0.12f, 0.88f);
    else if (std::sscanf(line, "split_left_y=%f", &f) == 1) s->split_left_y = std::clamp(f, 0.12f, 0.88f);
    else if (std::sscanf(line, "split_right_y1=%f", &f) == 1) s->split_right_y1 = std::clamp(f, 0.12f, 0.88f);
    else if (std::sscanf(line, "split_right_y2=%f", &f) == 1) s->split_right_y2 = std::clamp(f, 0.12f, 0.92f);
    else if (std::sscanf(line, "tab_top=%d", &i) == 1) s->tab_top = std::clamp(i, 0, 1);
    else if (std::sscanf(line, "tab_mid=%d", &i) == 1) s->tab_mid = std::clamp(i, 0, 1);
    else if (std::sscanf(line, "tab_bottom=%d", &i) == 1) s->tab_bottom = std::clamp(i, 0, 1);
    else if (std::sscanf(line, "window=%dx%d", &g_win_w, &i) == 2) g_win_h = i;
}

void settings_write(ImGuiContext*, ImGuiSettingsHandler* h, ImGuiTextBuffer* buf) {
    const Settings& s = *g_settings;
    buf->appendf("[%s][Settings]\n", h->TypeName);
    buf->appendf("theme=%d\ncolorblind=%d\nfont_scale=%.2f\nanimate=%d\nanim_ms=%.0f\nspeed=%.2f\nplay_unit=%d\n",
                 s.theme == Theme::Light ? 1 : 0, s.colorblind ? 1 : 0, static_cast<double>(s.font_scale), s.animate ? 1 : 0,
                 static_cast<double>(s.anim_ms), static_cast<double>(s.speed), s.play_unit);
    buf->appendf("show_events=%d\nsplit_x=%.3f\nsplit_left_y=%.3f\nsplit_right_y1=%.3f\nsplit_right_y2=%.3f\n",
                 s.show_events ? 1 : 0, static_cast<double>(s.split_x), static_cast<double>(s.split_left_y),
                 static_cast<double>(s.split_right_y1), static_cast<double>(s.split_right_y2));
    buf->appendf("tab_top=%d\ntab_mid=%d\ntab_bottom=%d\n", s.tab_top, s.tab_mid, s.tab_bottom);
    if (g_win_w > 0 && g_win_h > 0 && !s.presentation) buf->appendf("window=%dx%d\n", g_win_w, g_win_h);
    buf->append("\n");
}

// ---------------------------------------------------------------- pixels

bool write_png(const std::string& path, int fb_w, int fb_h, ImVec4 rect /* window pixels; zero = all */) {
    int x0 = 0, y0 = 0, w = fb_w, h = fb_h;
    if (rect.z > rect.x && rect.w > rect.y) {
        x0 = std::clamp(static_cast<int>(std::floor(rect.x)), 0, fb_w - 1);
        y0 = std::clamp(static_cast<int>(std::floor(rect.y)), 0, fb_h - 1);
        w = std::clamp(static_cast<int>(std::ceil(rect.z)) - x0, 1, fb_w - x0);
        h = std::clamp(static_cast<int>(std::ceil(rect.w)) - y0, 1, fb_h - y0);
    }
    std::vector<unsigned char> px(static_cast<size_t>(w) * static_cast<size_t>(h) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(x0, fb_h - y0 - h, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    // GL rows go bottom-up; PNG rows top-down. Opaque alpha.
    std::vector<unsigned char> out(px.size());
    for (int y = 0; y < h; ++y)
        std::memcpy(&out[static_cast<size_t>(y) * static_cast<size_t>(w) * 4],
                    &px[static_cast<size_t>(h - 1 - y) * static_cast<size_t>(w) * 4], static_cast<size_t>(w) * 4);
    for (size_t i = 3; i < out.size(); i += 4) out[i] = 255;
    return stbi_write_png(path.c_str(), w, h, 4, out.data(), w * 4) != 0;
}

bool parse_size(const std::string& s, int* w, int* h) {
    int a = 0, b = 0;
    if (std::sscanf(s.c_str(), "%dx%d", &a, &b) != 2 || a < 200 || b < 150 || a > 16384 || b > 16384) return false;
    *w = a;
    *h = b;
    return true;
}

bool parse_select(const std::string& s, Ui& ui) {
    if (s.empty()) return true;
    if (s == "net") {
        ui.sel_kind = ObjKind::Net;
        ui.sel_id = 0;
        ui.follow_changes = false;
        return true;
    }
    size_t c = s.find(':');
    if (c == std::string::npos) return false;
    std::string k = s.substr(0, c);
    uint32_t id = static_cast<uint32_t>(std::strtoul(s.c_str() + c + 1, nullptr, 10));
    const std::pair<const char*, ObjKind> kinds[] = {{"task", ObjKind::Task}, {"files", ObjKind::Files}, {"file", ObjKind::File},
                                                     {"socket", ObjKind::Socket}, {"sock", ObjKind::Sock}, {"req", ObjKind::Req},
                                                     {"tw", ObjKind::Tw}, {"packet", ObjKind::Packet}};
    for (auto [n, kind] : kinds)
        if (k == n) {
            ui.sel_kind = kind;
            ui.sel_id = id;
            ui.follow_changes = false;
            return true;
        }
    return false;
}

// ---------------------------------------------------------------- the window

struct Window {
    GLFWwindow* win = nullptr;
    Fonts fonts;
    Settings settings;
    float built_scale = 0;
    Theme built_theme = Theme::Dark;
    bool built_cjk = false;
    std::string ini_path;
    // presentation mode
    bool fullscreen = false;
    int saved_x = 0, saved_y = 0, saved_w = 0, saved_h = 0;
    float saved_scale = 1;
    Theme saved_theme = Theme::Dark;
    DamageRenderer damage;   // redraws only what changed (damage.h)
};

size_t g_cjk_built = 0;   // how many CJK characters the atlas has

void rebuild_fonts_if_needed(Window& W, bool with_cjk) {
    bool more_cjk = with_cjk && g_cjk_used.size() != g_cjk_built;
    if (W.built_scale == W.settings.font_scale && W.built_theme == W.settings.theme && W.built_cjk == with_cjk && !more_cjk)
        return;
    bool fonts_change = W.built_scale != W.settings.font_scale || W.built_cjk != with_cjk || more_cjk;
    g_cjk_built = g_cjk_used.size();
    if (fonts_change) {
        build_fonts(W.fonts, W.settings.font_scale, with_cjk);
        if (W.built_scale != 0) {
            ImGui_ImplOpenGL3_DestroyFontsTexture();
            ImGui_ImplOpenGL3_CreateFontsTexture();
            W.damage.invalidate();   // the atlas may come back under the same texture name
        }
    }
    apply_imgui_style(W.settings.theme, W.settings.font_scale);
    W.built_scale = W.settings.font_scale;
    W.built_theme = W.settings.theme;
    W.built_cjk = with_cjk;
}

void toggle_presentation(Window& W) {
    if (!W.fullscreen) {
        glfwGetWindowPos(W.win, &W.saved_x, &W.saved_y);
        glfwGetWindowSize(W.win, &W.saved_w, &W.saved_h);
        W.saved_scale = W.settings.font_scale;
        W.saved_theme = W.settings.theme;
        if (GLFWmonitor* m = glfwGetPrimaryMonitor()) {
            const GLFWvidmode* mode = glfwGetVideoMode(m);
            glfwSetWindowMonitor(W.win, m, 0, 0, mode->width, mode->height, mode->refreshRate);
        }
        W.settings.font_scale = std::max(1.5f, W.settings.font_scale);
        W.settings.theme = Theme::Light;
        W.settings.presentation = true;
        W.fullscreen = true;
    } else {
        glfwSetWindowMonitor(W.win, nullptr, W.saved_x, W.saved_y, std::max(W.saved_w, 640), std::max(W.saved_h, 400), 0);
        W.settings.font_scale = W.saved_scale;
        W.settings.theme = W.saved_theme;
        W.settings.presentation = false;
        W.fullscreen = false;
    }
}

bool open_window(Window& W, int w, int h, bool visible, std::string* err) {
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 2);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
    glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
    W.win = glfwCreateWindow(w, h, "sockscope — the Linux socket layer, step by step", nullptr, nullptr);
    if (!W.win) {
        // Older drivers: a compatibility context.
        glfwDefaultWindowHints();
        glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
        W.win = glfwCreateWindow(w, h, "sockscope", nullptr, nullptr);
    }
    if (!W.win) {
        const char* d = nullptr;
        glfwGetError(&d);
        *err = d ? d : "glfwCreateWindow failed";
        return false;
    }
    glfwMakeContextCurrent(W.win);
    return true;
}

void setup_imgui(Window& W, bool remember) {
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    g_settings = &W.settings;
    ImGuiSettingsHandler h;
    h.TypeName = "Sockscope";
    h.TypeHash = ImHashStr("Sockscope");
    h.ReadOpenFn = settings_open;
    h.ReadLineFn = settings_line;
    h.WriteAllFn = settings_write;
    ImGui::GetCurrentContext()->SettingsHandlers.push_back(h);
    if (remember) {
        std::string dir = config_dir();
        if (!dir.empty()) W.ini_path = dir + "/imgui.ini";
    }
    io.IniFilename = W.ini_path.empty() ? nullptr : W.ini_path.c_str();
    if (!W.ini_path.empty() && file_exists(W.ini_path)) ImGui::LoadIniSettingsFromDisk(W.ini_path.c_str());
    io.ConfigWindowsMoveFromTitleBarOnly = true;
}

void render(Window& W, const Palette& pal) {
    ImGui::Render();
    int fw, fh;
    glfwGetFramebufferSize(W.win, &fw, &fh);
    W.damage.render(W.win, ImGui::GetDrawData(), fw, fh, ImGui::ColorConvertU32ToFloat4(pal.canvas));
}

// `pointer`: where the benchmark puts the mouse (else the real one).
void new_frame(bool headless = false, const ImVec2* pointer = nullptr) {
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    // Screenshots: no pointer over the window (no hover, no tooltips).
    if (headless) ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    if (pointer) ImGui::GetIO().MousePos = *pointer;
    ImGui::NewFrame();
}

void shutdown(Window& W) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(W.win);
    glfwTerminate();
}

// Writes what the views drew (one fact a line) for tests.
bool dump_views(const std::string& path, Ui& ui, Session& s) {
    std::ofstream out(path);
    if (!out) return false;
    const DrawnCounts& d = ui.drawn;
    out << "step " << s.cursor().step << "\nhead " << s.head() << "\n";
    for (auto [sock, n] : d.accept_cells) out << "listener " << sock << " accept_cells " << n << "\n";
    for (auto [sock, n] : d.syn_cells) out << "listener " << sock << " syn_cells " << n << "\n";
    for (auto [sock, n] : d.limit_at) out << "listener " << sock << " limit " << n << "\n";
    for (const auto& [sock, a] : d.listener_addr) out << "listener " << sock << " addr " << a << "\n";
    out << "boxes " << d.boxes << "\nfd_rows " << d.fd_rows << "\narrows " << d.arrows << "\ncall_frames " << d.call_frames
        << "\nladder_rows " << d.ladder_rows << "\nprotosw_entries " << d.protosw_entries << "\ninspector_fields "
        << d.inspector_fields << "\nconsole_lines " << d.console_lines << "\nui_text_px " << d.ui_text_px
        << "\nprocess_text_px " << d.process_text_px << "\nfocus " << d.focus << "\noverflow_flashes " << d.overflow_flashes << "\n";
    if (!d.current_frame.empty()) out << "current_frame " << d.current_frame << "\n";
    out << "highlighted_boxes " << d.highlighted_boxes << "\n";
    if (d.lesson_step > 0)
        out << "lesson_step " << d.lesson_step << "\nlesson_steps " << d.lesson_steps << "\nlesson_ran " << d.lesson_ran
            << "\nlesson_checks " << d.lesson_checks << "\nlesson_checks_ok " << d.lesson_checks_ok << "\nlesson_verdict "
            << d.lesson_verdict << "\nlesson_lang " << d.lesson_lang << "\nlesson_width " << d.lesson_width << "\n";
    if (!d.dialog.empty()) out << "dialog " << d.dialog << "\ndialog_labels " << d.dialog_labels << "\ndialog_replace "
                               << d.dialog_replace << "\n";
    for (const std::string& t : d.box_titles) out << "box " << t << "\n";
    for (const auto& [name, r] : d.box_rects)
        out << "box_rect " << r[0] << " " << r[1] << " " << r[2] << " " << r[3] << " " << name << "\n";
    if (!d.tooltip.empty()) out << "tooltip " << d.tooltip << "\n";
    return static_cast<bool>(out);
}

// ---------------------------------------------------------------- benchmark

struct Percentiles {
    double p50 = 0, p95 = 0, p99 = 0, max = 0;
};
Percentiles percentiles(std::vector<double> v) {
    Percentiles p;
    if (v.empty()) return p;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5))]; };
    p.p50 = at(0.50);
    p.p95 = at(0.95);
    p.p99 = at(0.99);
    p.max = v.back();
    return p;
}

// The benchmark script: one listener with a 4,096-deep accept queue (4,097
// finished connections: the queue takes max + 1) and enough sockets in
// other processes for 10,000 open descriptors in all.
std::string bench_script(int* fds_out) {
    std::string s = "!sysctl net.core.somaxconn=4096\ns = socket(AF_INET, SOCK_STREAM, 0)\nbind(s, 127.0.0.1:8080)\nlisten(s, 4096)\n";
    int fds = 4;  // 0-2 and the listener
    const int clients = 4097;
    int per = 1000;
    for (int i = 0; i < clients; ++i) {
        std::string task = "C" + std::to_string(i / per);
        s += task + ": c" + std::to_string(i) + " = socket(AF_INET, SOCK_STREAM, 0)\n";
        s += task + ": connect(c" + std::to_string(i) + ", 127.0.0.1:8080)\n";
        if (i % per == 0) fds += 3;
        ++fds;
    }
    int p = 0;
    while (fds < 10000) {
        std::string task = "D" + std::to_string(p);
        fds += 3;
        for (int k = 0; k < 1000 && fds < 10000; ++k) {
            s += task + ": socket(AF_INET, SOCK_STREAM, 0)\n";
            ++fds;
        }
        ++p;
    }
    *fds_out = fds;
    return s;
}

int count_open_fds(const World& w) {
    int n = 0;
    w.files_structs.each([&](FilesId, const FilesStruct& fs) {
        for (size_t i = 0; i < fs.fd.size(); ++i) n += fs.fd[i] ? 1 : 0;
    });
    return n;
}

}  // namespace

// ================================================================ entry points

void add_gui_options(CLI::App& app, CLI::App& gui, GuiOptions& o) {
    app.add_option("--script", o.script, "run this script in the window first");
    app.add_option("--screenshot", o.screenshot, "write a PNG of the window (or of --view) and exit");
    app.add_option("--svg", o.svg, "write the object graph as SVG and exit (no window needed)");
    app.add_option("--view", o.view, "with --screenshot: one view (process, listener, calls, protosw, packets, inspector, console)");
    app.add_option("--focus", o.focus, "show one view alone over the whole window (names as for --view)");
    app.add_option("--step", o.step, "show the world after this many steps (default: the end)");
    app.add_option("--frame", o.frame, "and this kernel frame of the step (0 = its first)");
    app.add_option("--anim-at", o.anim_at, "with --screenshot and --step: the move from the step before, T (0..1) of the way");
    app.add_option("--size", o.size, "window size, WxH (default 1600x900)");
    app.add_option("--dump-views", o.dump_views, "write what the views drew to this file and exit (tests)");
    app.add_option("--select", o.select, "inspect this object: sock:3, file:2, task:1, net ...");
    app.add_option("--theme", o.theme, "dark or light (high contrast)");
    app.add_option("--font-scale", o.font_scale, "font scale, e.g. 1.5");
    app.add_flag("--colorblind", o.colorblind, "a colorblind-safe palette");
    app.add_flag("--presentation", o.presentation, "start full screen with large light text");
    app.add_flag("--full-redraw", o.full_redraw, "draw every frame in full (by default only what changed is drawn again)");
    app.add_flag("--damage-check", o.damage_check,
                 "tests: run --script (or a small one), move the pointer, step and resize for 150 frames, compare each "
                 "frame drawn by damage with the same frame drawn in full and with what the window shows, and exit 1 "
                 "on a difference");
    app.add_flag("--no-animation", o.no_animation, "no animation");
    app.add_flag("--fit-all", o.fit_all, "zoom the process view out to show every object");
    app.add_flag("--bench", o.bench, "print frame-time percentiles (10,000 fds, a 4,096-deep accept queue) and exit");
    app.add_option("--lesson", o.lesson, "play a lesson in the lesson panel: its name, its number or a .lesson file");
    app.add_option("--lesson-dir", o.lesson_dir, "the lessons directory (default: as for `sockscope lesson`)");
    app.add_option("--lesson-step", o.lesson_step, "with --lesson: show step N (the steps before it run quietly)");
    app.add_flag("--lesson-run", o.lesson_run, "with --lesson-step: run the step, so its results show");
    app.add_option("--lesson-answer", o.lesson_answer, "with --lesson-run: the prediction given to its checkpoint");
    app.add_option("--lesson-lang", o.lesson_lang, "the lesson's narration: en or zh")->check(CLI::IsMember({"en", "zh"}));
    app.add_flag("--lesson-continue", o.lesson_continue, "with --lesson-run of the last step: continue freely, as its button does");
    app.add_option("--open", o.open, "open a snapshot file in the window");
    app.add_option("--open-label", o.open_label, "which snapshot of the --open file (default: the newest)");
    app.add_option("--dialog", o.dialog, "start with the snapshot dialog open: save or open")->check(CLI::IsMember({"save", "open"}));
    app.add_option("--pointer", o.pointer, "with --screenshot/--dump-views: the mouse at X,Y (hover and tooltips; tests)");
    app.add_option("--intents", o.intents, "with --screenshot/--dump-views: a file of intents to run first, one a line (tests)");
    app.add_option("--dialog-file", o.dialog_file, "with --dialog: the file in its File field");
    app.add_option("--dialog-label", o.dialog_label, "with --dialog: the label in its Label field");
    gui.add_option("snapshot", o.open, "a snapshot file to open in the window");
    gui.add_option("label", o.open_label, "which snapshot of it (default: the newest)");
    gui.fallthrough();
}

int open_window_or_say_why(const GuiOptions& o, bool explicit_gui) {
    bool window_options = !o.screenshot.empty() || !o.svg.empty() || !o.dump_views.empty() || o.bench || o.damage_check ||
                          !o.script.empty() ||
                          !o.lesson.empty() || !o.open.empty() || !o.dialog.empty();
    const char* disp = std::getenv("DISPLAY");
    const char* wl = std::getenv("WAYLAND_DISPLAY");
    bool display = (disp && *disp) || (wl && *wl);
    if (explicit_gui || window_options || display) {
        // `sockscope` alone opens lesson 1, in the window as on a terminal
        GuiOptions g = o;
        // (a screenshot of it too: nothing else to show was given)
        g.first_lesson = !explicit_gui && o.script.empty() && o.lesson.empty() && o.open.empty() && o.svg.empty() &&
                         !o.bench && !o.damage_check && o.dialog.empty();
        return run_gui(g);
    }
    std::fprintf(stderr, "sockscope: no display (DISPLAY is not set), so the terminal front end opens instead of the window\n");
    return -1;
}

int open_snapshot_in_window(const std::string& path, const std::string& label) {
    const char* disp = std::getenv("DISPLAY");
    const char* wl = std::getenv("WAYLAND_DISPLAY");
    if (!((disp && *disp) || (wl && *wl))) return -1;
    GuiOptions o;
    o.open = path;
    o.open_label = label;
    return run_gui(o);
}

static int headless_svg(const GuiOptions& o) {
    Session s;
    s.echo_script = false;
    if (!o.script.empty()) {
        std::string text, err;
        if (!read_file(o.script, &text)) {
            std::fprintf(stderr, "%s: cannot open the script\n", o.script.c_str());
            return 2;
        }
        if (!s.load_script(text, o.script, &err)) {
            std::fprintf(stderr, "%s\n", err.c_str());
            return 2;
        }
        s.run_script_to_end();
    }
    if (o.step >= 0) s.go(gui::Cursor{static_cast<uint64_t>(o.step), o.frame});
    const World& w = s.world();
    gui::ProcessLayout L = gui::layout_process(w);
    gui::SvgOptions so;
    int64_t cs = s.current_step();
    so.title = "step " + std::to_string(s.cursor().step) + (cs >= 0 ? ": " + s.step_label(static_cast<size_t>(cs)) : "");
    std::ofstream out(o.svg);
    out << gui::process_svg(w, L, so);
    if (!out) {
        std::fprintf(stderr, "%s: cannot write\n", o.svg.c_str());
        return 2;
    }
    return 0;
}

int run_gui(const GuiOptions& given) {
    GuiOptions o = given;
    o.bench = o.bench || o.damage_check;   // the same window as the benchmark's
    bool headless = !o.screenshot.empty() || !o.dump_views.empty();
    if (!o.svg.empty() && !headless && !o.bench) return headless_svg(o);
    int ww = 1600, wh = 900;
    if (!o.size.empty() && !parse_size(o.size, &ww, &wh)) {
        std::fprintf(stderr, "--size: expected WxH, e.g. 1600x900\n");
        return 2;
    }
    View only = View::Count;
    if (!o.view.empty() && !view_from_name(o.view, &only)) {
        std::fprintf(stderr, "--view: one of process, listener, calls, protosw, packets, inspector, console\n");
        return 2;
    }
    View focus = View::Count;
    if (!o.focus.empty() && !view_from_name(o.focus, &focus)) {
        std::fprintf(stderr, "--focus: one of process, listener, calls, protosw, packets, inspector, console\n");
        return 2;
    }
    const char* disp = std::getenv("DISPLAY");
    const char* wl = std::getenv("WAYLAND_DISPLAY");
    bool display = (disp && *disp) || (wl && *wl);
    if (display) {
        glfwSetErrorCallback([](int, const char*) {});
        display = glfwInit() == GLFW_TRUE;
    }
    if (!display) {
        if (headless || o.bench) {
            std::fprintf(stderr, "sockscope: no display (DISPLAY is not set), and %s needs the window; try xvfb-run\n",
                         o.bench ? "--bench" : "--screenshot");
            return 2;
        }
        std::fprintf(stderr, "sockscope: no display (DISPLAY is not set), so the terminal REPL opens instead of the window\n");
        return run_repl();
    }

    Window W;
    // Settings first (they choose the font size), then the window.
    // Screenshots, tests and the benchmark neither read nor write them.
    bool remember = !headless && !o.bench;
    std::string err;
    Session s;
    if (headless || o.bench) s.echo_script = true;

    IMGUI_CHECKVERSION();
    // Settings are read into W.settings by setup_imgui; the window size may come from them.
    if (!open_window(W, ww, wh, true, &err)) {
        std::fprintf(stderr, "sockscope: cannot open a window (%s), so the terminal REPL opens instead\n", err.c_str());
        glfwTerminate();
        if (headless || o.bench) return 2;
        return run_repl();
    }
    phase("window open");
    glfwSwapInterval(o.bench || headless ? 0 : 1);
    setup_imgui(W, remember);
    if (remember && g_win_w >= 640 && g_win_h >= 400 && o.size.empty()) glfwSetWindowSize(W.win, g_win_w, g_win_h);
    // command-line choices win over remembered ones
    if (o.theme == "light") W.settings.theme = Theme::Light;
    else if (o.theme == "dark") W.settings.theme = Theme::Dark;
    if (o.colorblind) W.settings.colorblind = true;
    if (o.font_scale > 0) W.settings.font_scale = std::clamp(o.font_scale, 0.5f, 4.0f);
    if (o.no_animation || headless) W.settings.animate = false;
    if (o.presentation && headless) {
        // A screenshot of presentation mode: its font scale and theme in a
        // window of --size (a screenshot has no screen to fill).
        W.settings.font_scale = std::max(o.font_scale > 0 ? W.settings.font_scale : 1.5f, 1.5f);
        if (o.theme.empty()) W.settings.theme = Theme::Light;
        W.settings.presentation = true;
    }
    W.settings.focus = focus == View::Count ? -1 : static_cast<int>(focus);
    if (headless) {
        // Screenshots show the listener view and the call stack.
        W.settings.tab_top = 0;
        W.settings.tab_mid = 0;
        W.settings.tab_bottom = 0;
    }
    ImGui_ImplGlfw_InitForOpenGL(W.win, true);
    ImGui_ImplOpenGL3_Init("#version 150");
    // The first frame without CJK glyphs (fast); they follow on the next.
    if (!o.script.empty()) {
        std::string text;
        if (read_file(o.script, &text)) note_cjk(text);
    }
    rebuild_fonts_if_needed(W, true);
    phase("fonts built");

    Ui ui(s, W.settings, W.fonts);
    ui.headless = headless;
    if (o.fit_all) ui.fit_all();
    if (only != View::Count) ui.show_view(only);
    if (!parse_select(o.select, ui)) {
        std::fprintf(stderr, "--select: expected KIND:ID (sock:3, file:2, task:1, req:4, packet:0) or net\n");
        shutdown(W);
        return 2;
    }
    if (!o.script.empty()) {
        std::string text;
        if (!read_file(o.script, &text)) {
            std::fprintf(stderr, "%s: cannot open the script\n", o.script.c_str());
            shutdown(W);
            return 2;
        }
        if (!s.load_script(text, o.script, &err) && headless) {
            std::fprintf(stderr, "%s\n", err.c_str());
            shutdown(W);
            return 2;
        }
    } else if (!headless && !o.bench) {
        s.note("Welcome to sockscope. Type a call below, e.g. s = socket(AF_INET, SOCK_STREAM, 0), or help.");
        s.note("Esc leaves the console; then Space plays, ←/→ step, Shift+←/→ step one kernel frame, ↑/↓ a command.");
    }
    if (o.presentation && !headless) ui.want_fullscreen_toggle = true;
    W.damage.set_enabled(!o.full_redraw);

    // ---------------- a snapshot to open, a lesson to play
    auto fail = [&](const std::string& msg) {
        std::fprintf(stderr, "%s\n", msg.c_str());
        shutdown(W);
        return 2;
    };
    if (!o.open.empty()) {
        std::string msg;
        if (!gui::open_snapshot(s, o.open, o.open_label, &msg)) {
            if (headless || o.bench) return fail(msg);
            s.note(msg, gui::LineKind::Error);
        }
    }
    if (!o.lesson.empty() && !o.script.empty()) return fail("--lesson and --script: one at a time (a lesson runs its own calls)");
    std::string lesson_path;
    if (!o.lesson.empty() || o.first_lesson) {
        std::string dir = gui::find_lessons_dir(o.lesson_dir);
        if (o.lesson.empty()) {
            std::vector<std::string> files = gui::lesson_files(dir);
            if (!files.empty()) lesson_path = files.front();
        } else {
            lesson_path = gui::resolve_lesson(dir, o.lesson);
            if (lesson_path.empty())
                return fail(dir.empty() ? "no lessons found: pass --lesson-dir DIR, set SOCKSCOPE_LESSONS, or run from the "
                                          "directory that holds lessons/"
                                        : "no lesson called '" + o.lesson + "' in " + dir + " (sockscope lesson list shows them)");
        }
    }
    if (!lesson_path.empty()) {
        bool zh = o.lesson_lang == "zh";
        if (o.lesson_lang.empty())
            for (const char* v : {"LC_ALL", "LC_MESSAGES", "LANG"})
                if (const char* e = std::getenv(v); e && *e) {
                    zh = std::string(e).rfind("zh", 0) == 0;
                    break;
                }
        ui.set_lesson_zh(zh);
        if (!ui.open_lesson(lesson_path, &err)) {
            if (!o.first_lesson) return fail(err);
            s.note(err, gui::LineKind::Error);   // the window opens anyway, on a fresh machine
        } else if (o.lesson_step > 0) {
            gui::LessonPlayer& L = *ui.lesson();
            if (static_cast<size_t>(o.lesson_step) > L.steps())
                return fail(L.lesson().name + " has steps 1 to " + std::to_string(L.steps()) + "; --lesson-step " +
                            std::to_string(o.lesson_step) + " is not one of them");
            // the steps before, as a student who skipped every question
            while (L.index() + 1 < static_cast<size_t>(o.lesson_step)) {
                ui.lesson_run("");
                L.next();
            }
            if (o.lesson_run) ui.lesson_run(o.lesson_answer);
            if (o.lesson_continue) {
                if (!L.at_end()) return fail("--lesson-continue: only after --lesson-run of the last step");
                ui.lesson_continue();
            }
        }
    }
    if (!o.dialog.empty()) ui.open_dialog(o.dialog == "save", o.dialog_file, o.dialog_label);
    // the glyphs of a lesson's Chinese, before the first frame
    if (note_cjk(ui.glyph_text) && !g_font_files.cjk.empty()) rebuild_fonts_if_needed(W, true);
    ui.glyph_text.clear();

    // ---------------- headless: run everything, draw, write, exit
    if (headless) {
        s.run_script_to_end();
        phase("script ran");
        if (!o.intents.empty()) {
            // each line as the click or key that pushes it, a frame apart
            std::string text;
            if (!read_file(o.intents, &text)) return fail(o.intents + ": cannot open");
            std::istringstream in(text);
            std::string line;
            for (int n = 1; std::getline(in, line); ++n) {
                if (line.empty() || line[0] == '#') continue;
                if (!ui.push_line(line)) return fail(o.intents + ":" + std::to_string(n) + ": not an intent: " + line);
                new_frame(true);
                ui.frame();
                ImGui::Render();
                ui.apply();
                s.run_script_to_end();
            }
            if (note_cjk(ui.glyph_text) && !g_font_files.cjk.empty()) rebuild_fonts_if_needed(W, true);
            ui.glyph_text.clear();
            std::printf("%s", ui.dialog_error().empty() ? "" : ("dialog: " + ui.dialog_error() + "\n").c_str());
        }
        if (o.anim_at >= 0 && o.step > 0) {
            // Draw the step before once, so the move to --step has a before
            // to animate from, and hold the animation at --anim-at.
            s.go(gui::Cursor{static_cast<uint64_t>(o.step) - 1, -1});
            new_frame(true);
            ui.frame();
            ImGui::Render();
            W.settings.animate = true;
            ui.anim_fixed = std::clamp(o.anim_at, 0.0f, 1.0f);
        }
        if (o.step >= 0) s.go(gui::Cursor{static_cast<uint64_t>(o.step), o.frame});
        int rc = 0;
        ImVec2 pointer;
        bool has_pointer = !o.pointer.empty();
        if (has_pointer && std::sscanf(o.pointer.c_str(), "%f,%f", &pointer.x, &pointer.y) != 2)
            return fail("--pointer: expected X,Y, e.g. 300,400");
        for (int i = 0; i < 4; ++i) {
            glfwPollEvents();
            new_frame(true, has_pointer ? &pointer : nullptr);
            ui.frame();
            render(W, make_palette(W.settings.theme, W.settings.colorblind));
            if (i == 3) {
                int fw, fh;
                glfwGetFramebufferSize(W.win, &fw, &fh);
                if (!o.screenshot.empty()) {
                    ImVec4 r = only == View::Count ? ImVec4(0, 0, 0, 0) : ui.view_rect(only);
                    if (!write_png(o.screenshot, fw, fh, r)) {
                        std::fprintf(stderr, "%s: cannot write the PNG\n", o.screenshot.c_str());
                        rc = 2;
                    }
                }
                if (!o.dump_views.empty() && !dump_views(o.dump_views, ui, s)) {
                    std::fprintf(stderr, "%s: cannot write\n", o.dump_views.c_str());
                    rc = 2;
                }
                if (!o.svg.empty()) {
                    std::ofstream out(o.svg);
                    out << gui::process_svg(s.world(), gui::layout_process(s.world()));
                }
            }
            W.damage.present(W.win);
            phase("headless frame");
        }
        shutdown(W);
        return rc;
    }

    // ---------------- tests: frames drawn by damage equal full frames
    if (o.damage_check) {
        std::string script =
            "s = socket(AF_INET, SOCK_STREAM, 0)\nbind(s, 127.0.0.1:8080)\nlisten(s, 2)\n"
            "C: c1 = socket(AF_INET, SOCK_STREAM, 0)\nC: connect(c1, 127.0.0.1:8080)\n"
            "C: c2 = socket(AF_INET, SOCK_STREAM, 0)\nC: connect(c2, 127.0.0.1:8080)\n"
            "a = accept(s, 0)\nclose(a)\n";
        if (o.script.empty()) {
            s.echo_script = false;
            s.load_script(script, "<damage-check>", &err);
        }
        s.run_script_to_end();
        W.settings.animate = true;
        int fw, fh;
        int partial = 0, some = 0, bad = 0, shown_bad = 0;
        for (int i = 0; i < 150; ++i) {
            if (i % 25 == 10) s.prev_step();   // a step back: most of the window changes, animated
            if (i == 60) W.settings.tab_mid = 1;
            if (i == 100) W.settings.tab_mid = 0;
            if (i == 80 || i == 120) {
                // a smaller window, then the first size again
                glfwGetFramebufferSize(W.win, &fw, &fh);
                glfwSetWindowSize(W.win, i == 80 ? fw * 4 / 5 : fw * 5 / 4, i == 80 ? fh * 4 / 5 : fh * 5 / 4);
                for (int k = 0; k < 20; ++k) glfwPollEvents();
            }
            glfwGetFramebufferSize(W.win, &fw, &fh);
            // the pointer wanders over every view: hovers, tooltips
            ImVec2 pointer(static_cast<float>((i * 53) % fw), static_cast<float>((i * 37) % fh));
            glfwPollEvents();
            new_frame(false, &pointer);
            ui.frame();
            Palette pal = make_palette(W.settings.theme, W.settings.colorblind);
            render(W, pal);
            const DamageRenderer::Stats st = W.damage.last();
            partial += st.full ? 0 : 1;
            some += !st.full && st.rects > 0 ? 1 : 0;
            long d = W.damage.differs_from_full(ImGui::GetDrawData(), fw, fh, ImGui::ColorConvertU32ToFloat4(pal.canvas));
            if (d) {
                ++bad;
                std::printf("frame %d: %ld pixels differ (%d rectangles redrawn)\n", i, d, st.rects);
            }
            W.damage.present(W.win);
            // what the X server shows in the window, after the copies
            if (long w = W.damage.window_differs(W.win, fw, fh)) {
                ++shown_bad;
                std::printf("frame %d: the window differs from the drawing in %ld pixels\n", i, w);
            }
            ui.apply();
        }
        std::printf("damage check: 150 frames, %d drawn in part (%d of them redrawing something), %d differ from a full drawing, "
                    "%d shown wrong\n",
                    partial, some, bad, shown_bad);
        shutdown(W);
        return bad || shown_bad ? 1 : 0;
    }

    // ---------------- the benchmark
    if (o.bench) {
        // Where a frame's time goes: building the ImGui frame (our views, on
        // the CPU), handing the draw lists to GL, the software renderer
        // rasterising them (glFinish), and presenting (copying the changed
        // rectangles, or swapping, to the X server).
        double phase[4] = {0, 0, 0, 0};
        double redrawn = 0;   // pixels re-rasterised (damage.h)
        int full_frames = 0;
        ImVec2 pointer(-FLT_MAX, -FLT_MAX);   // off the window (no hover) unless a scenario moves it
        auto frame_once = [&]() {
            auto t0 = Clock::now();
            glfwPollEvents();
            new_frame(false, &pointer);
            ui.frame();
            auto t1 = Clock::now();
            render(W, make_palette(W.settings.theme, W.settings.colorblind));
            auto t2 = Clock::now();
            glFinish();
            auto t3 = Clock::now();
            W.damage.present(W.win);
            auto t4 = Clock::now();
            ui.apply();
            auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
            phase[0] += ms(t0, t1);
            phase[1] += ms(t1, t2);
            phase[2] += ms(t2, t3);
            phase[3] += ms(t3, t4);
            redrawn += W.damage.last().redrawn_px;
            full_frames += W.damage.last().full ? 1 : 0;
        };
        frame_once();
        std::printf("first frame: %.0f ms after start\n", since_start_ms());
        std::fflush(stdout);
        // 1. a big world
        int fds = 0;
        std::string script = bench_script(&fds);
        s.echo_script = false;
        auto t0 = Clock::now();
        s.load_script(script, "<bench>", &err);
        while (s.script_running()) {
            s.pump(12);
            frame_once();   // the window keeps drawing while it runs
        }
        double run_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        const World& w = s.world();
        uint32_t acceptq = 0;
        w.socks.each([&](SockId, const Sock& k) {
            if (k.sk_state == TCP_LISTEN) acceptq = std::max(acceptq, k.sk_ack_backlog);
        });
        std::printf("world: %d open fds, accept queue %u deep, %llu steps (script ran in %.0f ms with the window drawing)\n",
                    count_open_fds(w), acceptq, static_cast<unsigned long long>(s.head()), run_ms);
        std::fflush(stdout);
        int fw, fh;
        glfwGetFramebufferSize(W.win, &fw, &fh);
        auto measure = [&](const char* what, int n, auto&& each) {
            std::vector<double> ms;
            std::fill(std::begin(phase), std::end(phase), 0.0);
            redrawn = 0;
            full_frames = 0;
            for (int i = 0; i < n; ++i) {
                each(i);
                auto a = Clock::now();
                frame_once();
                ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
            }
            Percentiles p = percentiles(ms);
            const ImDrawData* dd = ImGui::GetDrawData();
            std::printf("%-44s median %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%d frames, %d vertices)\n", what,
                        p.p50, p.p95, p.p99, p.max, n, dd ? dd->TotalVtxCount : 0);
            std::printf("%-44s mean: build %.2f ms, GL calls %.2f ms, rasterise %.2f ms, present %.2f ms\n", "", phase[0] / n,
                        phase[1] / n, phase[2] / n, phase[3] / n);
            std::printf("%-44s redrawn: %.2f windows a frame, %d of %d frames in full\n", "",
                        redrawn / n / (static_cast<double>(fw) * fh), full_frames, n);
            std::fflush(stdout);
        };
        ww = 0;
        std::printf("window %dx%d, %s\n", fw, fh, reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
        const int nf = std::getenv("SOCKSCOPE_BENCH_FRAMES") ? std::atoi(std::getenv("SOCKSCOPE_BENCH_FRAMES")) : 300;
        W.settings.tab_mid = 0;   // the listener view
        measure("steady frames at the end (listener view)", nf, [](int) {});
        W.damage.set_enabled(false);
        measure("the same, every pixel drawn again", nf, [](int) {});
        W.damage.set_enabled(true);
        // The pointer sweeping across the listener view, 6 px a frame: a
        // hover highlight and a tooltip over the cells, redrawn every frame.
        ImVec4 lr = ui.view_rect(View::Listener);
        measure("pointer moving over the accept queue", nf, [&](int i) {
            float span = std::max(1.0f, lr.z - lr.x - 20);
            pointer = ImVec2(lr.x + 10 + std::fmod(static_cast<float>(i) * 6.0f, span), lr.y + (lr.w - lr.y) * 0.7f);
        });
        // The same over the object graph: the tooltip follows the pointer
        // over the largest view.
        ImVec4 pr = ui.view_rect(View::Process);
        measure("pointer moving over the object graph", nf, [&](int i) {
            float span = std::max(1.0f, pr.z - pr.x - 20);
            pointer = ImVec2(pr.x + 10 + std::fmod(static_cast<float>(i) * 6.0f, span), pr.y + (pr.w - pr.y) * 0.55f);
        });
        pointer = ImVec2(-FLT_MAX, -FLT_MAX);
        W.settings.tab_mid = 1;   // the packet ladder
        measure("steady frames at the end (packet ladder)", std::max(1, nf / 2), [](int) {});
        W.settings.tab_mid = 0;
        W.settings.animate = true;
        uint64_t back = std::min<uint64_t>(s.head(), static_cast<uint64_t>(std::max(1, nf * 2 / 3)));
        s.go_step(s.head() - back);
        measure("stepping one step a frame, animated", static_cast<int>(back), [&](int) { s.next_step(); });
        // 2. a large history: jumps
        const uint64_t target = std::getenv("SOCKSCOPE_BENCH_STEPS") ? std::strtoull(std::getenv("SOCKSCOPE_BENCH_STEPS"), nullptr, 10)
                                                                    : 1000000;
        if (target == 0) {
            shutdown(W);
            return 0;
        }
        Session big;
        big.echo_script = false;
        auto b0 = Clock::now();
        {
            History& h = big.history();
            // The window reads the trace from its first frame, so its history
            // records the trace as it runs; build this one the same way (or
            // the first jump would pay for writing a million steps' trace).
            h.trace();
            TaskId main = big.interp().main_task();
            uint64_t last_report = 0;
            std::vector<Command> cmds;
            Command sock;
            sock.op = Op::Socket;
            sock.task = main.v;
            sock.a = {AF_INET, SOCK_STREAM, 0, 0, 0, 0};
            sock.text = "socket(AF_INET, SOCK_STREAM, 0)";
            Command cl;
            cl.op = Op::Close;
            cl.task = main.v;
            cl.a = {3, 0, 0, 0, 0, 0};
            cl.text = "close(3)";
            while (h.step_count() < target) {
                h.run(sock);
                h.run(cl);
                if (h.step_count() - last_report >= 100000) {
                    last_report = h.step_count();
                    // keep the window alive while it builds (progress in the title)
                    char title[96];
                    std::snprintf(title, sizeof title, "sockscope — building a history: %llu steps",
                                  static_cast<unsigned long long>(h.step_count()));
                    glfwSetWindowTitle(W.win, title);
                    glfwPollEvents();
                }
            }
        }
        double build_ms = std::chrono::duration<double, std::milli>(Clock::now() - b0).count();
        std::printf("history: %llu steps built in %.1f s, %.0f MB\n", static_cast<unsigned long long>(big.head()),
                    build_ms / 1000, static_cast<double>(big.history().bytes()) / 1e6);
        Ui bigui(big, W.settings, W.fonts);
        std::mt19937_64 rng(42);
        std::vector<double> jump_ms, world_ms;
        redrawn = 0;
        for (int i = 0; i < 30; ++i) {
            uint64_t to = rng() % (big.head() + 1);
            auto a = Clock::now();
            big.go_step(to);
            glfwPollEvents();
            new_frame(false, &pointer);
            bigui.frame();   // rebuilds the world at `to`, lays it out, draws
            render(W, make_palette(W.settings.theme, W.settings.colorblind));
            glFinish();
            W.damage.present(W.win);
            jump_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
            world_ms.push_back(big.last_rebuild_ms());
            redrawn += W.damage.last().redrawn_px;
        }
        Percentiles pj = percentiles(jump_ms), pw = percentiles(world_ms);
        std::printf("jump to a random step of %llu (30 jumps): frame with the jump median %.2f ms, p95 %.2f ms, max %.2f ms; "
                    "world_at alone median %.2f ms, max %.2f ms; %.2f windows redrawn a frame\n",
                    static_cast<unsigned long long>(big.head()), pj.p50, pj.p95, pj.max, pw.p50, pw.max,
                    redrawn / 30 / (static_cast<double>(fw) * fh));
        shutdown(W);
        return 0;
    }

    // ---------------- interactive
    int settle = 3;   // frames to draw after an event
    size_t cjk_scanned = 0;   // console lines looked at for CJK characters
    bool first = true;
    auto frame_start = Clock::now();
    // Exposed or restored: the window lost what it showed.
    glfwSetWindowUserPointer(W.win, &W);
    glfwSetWindowRefreshCallback(W.win, [](GLFWwindow* win) {
        static_cast<Window*>(glfwGetWindowUserPointer(win))->damage.window_damaged();
    });
    while (!glfwWindowShouldClose(W.win) && !ui.want_quit) {
        if (ui.busy() || settle > 0) glfwPollEvents();
        else {
            glfwWaitEventsTimeout(0.5);
            settle = 2;
        }
        if (settle > 0) --settle;
        if (ui.want_fullscreen_toggle) {
            toggle_presentation(W);
            ui.want_fullscreen_toggle = false;
            settle = 3;
        }
        if (ui.want_font_rebuild || W.built_scale != W.settings.font_scale || W.built_theme != W.settings.theme) {
            ui.want_font_rebuild = false;
            rebuild_fonts_if_needed(W, W.built_cjk);
            settle = 3;
        }
        {
            // characters the atlas lacks: rebuild it with them
            bool fresh = note_cjk(ui.console_input());
            fresh = note_cjk(ui.glyph_text) || fresh;
            ui.glyph_text.clear();
            const auto& lines = s.console();
            if (lines.size() < cjk_scanned) cjk_scanned = 0;
            for (; cjk_scanned < lines.size(); ++cjk_scanned)
                fresh = note_cjk(lines[cjk_scanned].text) || note_cjk(lines[cjk_scanned].src) || fresh;
            if (fresh && !g_font_files.cjk.empty()) rebuild_fonts_if_needed(W, true);
        }
        if (s.script_running()) s.pump(10);
        new_frame();
        ui.frame();
        Palette pal = make_palette(W.settings.theme, W.settings.colorblind);
        render(W, pal);
        if (!ui.export_png_request.empty()) {
            std::string path = ui.export_png_request;
            ui.export_png_request.clear();
            if (path == "@svg") {
                path = "sockscope-graph.svg";
                std::ofstream out(path);
                int64_t cs = s.current_step();
                gui::SvgOptions so;
                so.light = W.settings.theme == Theme::Light;
                so.title = "step " + std::to_string(s.cursor().step) + (cs >= 0 ? ": " + s.step_label(static_cast<size_t>(cs)) : "");
                out << gui::process_svg(s.world(), gui::layout_process(s.world()), so);
                s.note(out ? "wrote " + path + " (the object graph, in the current directory)" : "could not write " + path);
            } else {
                int fw, fh;
                glfwGetFramebufferSize(W.win, &fw, &fh);
                ImVec4 r = ui.export_view == View::Count ? ImVec4(0, 0, 0, 0) : ui.view_rect(ui.export_view);
                bool ok = write_png(path, fw, fh, r);
                s.note(ok ? "wrote " + path + " (in the current directory)" : "could not write " + path);
            }
        }
        W.damage.present(W.win);
        // A partial present does not wait for the vertical blank the way a
        // swap does: while frames follow each other (playing, animating),
        // hold them to about 60 a second rather than spin.
        if (settle > 0 || ui.busy()) {
            double spent = std::chrono::duration<double, std::milli>(Clock::now() - frame_start).count();
            if (spent < 16.0) std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int>((16.0 - spent) * 1000)));
        }
        frame_start = Clock::now();
        if (first) {
            first = false;
            if (std::getenv("SOCKSCOPE_TIMING")) std::fprintf(stderr, "first frame: %.0f ms after start\n", since_start_ms());
        }
        ui.apply();
        if (!W.fullscreen) glfwGetWindowSize(W.win, &g_win_w, &g_win_h);
    }
    if (!W.ini_path.empty()) ImGui::SaveIniSettingsToDisk(W.ini_path.c_str());
    shutdown(W);
    return 0;
}

}  // namespace sockscope::app
