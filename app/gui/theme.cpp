// theme.cpp — palettes (dark, high-contrast light, colorblind-safe) and
// the ImGui style that goes with them.
#include <algorithm>
#include <cmath>

#include "app/gui/ui.h"

namespace sockscope::app {

namespace {

constexpr ImU32 rgb(uint32_t hex) {
    return IM_COL32((hex >> 16) & 0xff, (hex >> 8) & 0xff, hex & 0xff, 0xff);
}

}  // namespace

ImU32 with_alpha(ImU32 c, float a) {
    a = std::clamp(a, 0.0f, 1.0f);
    uint32_t al = static_cast<uint32_t>(((c >> IM_COL32_A_SHIFT) & 0xff) * a);
    return (c & ~IM_COL32_A_MASK) | (al << IM_COL32_A_SHIFT);
}

ImU32 mix(ImU32 a, ImU32 b, float t) {
    t = std::clamp(t, 0.0f, 1.0f);
    auto ch = [&](int shift) {
        float x = static_cast<float>((a >> shift) & 0xff), y = static_cast<float>((b >> shift) & 0xff);
        return static_cast<uint32_t>(x + (y - x) * t + 0.5f) << shift;
    };
    return ch(IM_COL32_R_SHIFT) | ch(IM_COL32_G_SHIFT) | ch(IM_COL32_B_SHIFT) | ch(IM_COL32_A_SHIFT);
}

Palette make_palette(Theme t, bool cb) {
    Palette p{};
    if (t == Theme::Dark) {
        p.text = rgb(0xe8e8e8);
        p.dim = rgb(0xa0a6b0);
        p.title = rgb(0xffffff);
        p.border = rgb(0x6b7280);
        p.canvas = rgb(0x1b1e24);
        p.box_bg = rgb(0x272b33);
        p.box_title = rgb(0x323844);
        p.shadow = IM_COL32(0, 0, 0, 90);
        p.kind_task = rgb(0x8fa1b3);
        p.kind_file = rgb(0x61afef);
        p.kind_socket = rgb(0xc678dd);
        p.kind_sock = rgb(0x4fc1c9);
        p.kind_child = rgb(0x98c379);
        p.kind_tw = rgb(0xd19a66);
        p.arrow = rgb(0xc8ccd4);
        p.arrow_back = rgb(0x8a909a);
        p.ok = rgb(0x98c379);
        p.err = rgb(0xef6b73);
        p.warn = rgb(0xe5c07b);
        p.accent = rgb(0x61afef);
        p.changed = rgb(0xe5c07b);
        p.created = rgb(0x98c379);
        p.selection = rgb(0xffd866);
        p.slot_free = rgb(0x3a3f4a);
        p.slot_used = rgb(0x61afef);
        p.slot_reserved = rgb(0xe5c07b);
        p.cloexec = rgb(0xd19a66);
        p.cell_syn = rgb(0xe5c07b);
        p.cell_acc = rgb(0x98c379);
        p.cell_empty = rgb(0x2f343e);
        p.limit = rgb(0xef6b73);
        p.lane = rgb(0x4b5263);
        p.packet = rgb(0xc8ccd4);
        if (cb) {  // Okabe–Ito: no red/green pairs
            p.kind_file = rgb(0x56b4e9);
            p.kind_socket = rgb(0xcc79a7);
            p.kind_sock = rgb(0x009e73);
            p.kind_child = rgb(0xe69f00);
            p.kind_tw = rgb(0xf0e442);
            p.ok = rgb(0x56b4e9);
            p.err = rgb(0xe69f00);
            p.warn = rgb(0xf0e442);
            p.accent = rgb(0x56b4e9);
            p.changed = rgb(0xf0e442);
            p.created = rgb(0x56b4e9);
            p.slot_used = rgb(0x56b4e9);
            p.slot_reserved = rgb(0xf0e442);
            p.cell_syn = rgb(0xf0e442);
            p.cell_acc = rgb(0x56b4e9);
            p.limit = rgb(0xe69f00);
        }
    } else {
        p.text = rgb(0x000000);
        p.dim = rgb(0x3d3d3d);
        p.title = rgb(0x000000);
        p.border = rgb(0x1a1a1a);
        p.canvas = rgb(0xffffff);
        p.box_bg = rgb(0xf7f7f7);
        p.box_title = rgb(0xe3e6ea);
        p.shadow = IM_COL32(0, 0, 0, 40);
        p.kind_task = rgb(0x3f4d5c);
        p.kind_file = rgb(0x0047ab);
        p.kind_socket = rgb(0x7a1fa2);
        p.kind_sock = rgb(0x00695c);
        p.kind_child = rgb(0x2e6b1f);
        p.kind_tw = rgb(0x9a4a00);
        p.arrow = rgb(0x111111);
        p.arrow_back = rgb(0x555555);
        p.ok = rgb(0x1b6e20);
        p.err = rgb(0xc00000);
        p.warn = rgb(0x8a5200);
        p.accent = rgb(0x0047ab);
        p.changed = rgb(0xffc400);
        p.created = rgb(0x2e7d32);
        p.selection = rgb(0xd4008f);
        p.slot_free = rgb(0xdddddd);
        p.slot_used = rgb(0x0047ab);
        p.slot_reserved = rgb(0xc77c00);
        p.cloexec = rgb(0x9a4a00);
        p.cell_syn = rgb(0xf2b705);
        p.cell_acc = rgb(0x2e9e3a);
        p.cell_empty = rgb(0xeeeeee);
        p.limit = rgb(0xc00000);
        p.lane = rgb(0x9aa0a8);
        p.packet = rgb(0x111111);
        if (cb) {
            p.kind_file = rgb(0x0072b2);
            p.kind_socket = rgb(0xcc79a7);
            p.kind_sock = rgb(0x009e73);
            p.kind_child = rgb(0xd55e00);
            p.kind_tw = rgb(0xe69f00);
            p.ok = rgb(0x0072b2);
            p.err = rgb(0xd55e00);
            p.warn = rgb(0xa0522d);
            p.accent = rgb(0x0072b2);
            p.changed = rgb(0xf0e442);
            p.created = rgb(0x0072b2);
            p.slot_used = rgb(0x0072b2);
            p.slot_reserved = rgb(0xe69f00);
            p.cell_syn = rgb(0xe69f00);
            p.cell_acc = rgb(0x0072b2);
            p.limit = rgb(0xd55e00);
        }
    }
    return p;
}

void apply_imgui_style(Theme t, float scale) {
    ImGuiStyle st;
    if (t == Theme::Dark) {
        ImGui::StyleColorsDark(&st);
        st.Colors[ImGuiCol_WindowBg] = ImVec4(0.105f, 0.118f, 0.141f, 1);
        // Children show their parent's background: a transparent ChildBg
        // draws nothing, where an opaque one of the same colour would fill
        // every panel twice (on Mesa's software renderer each full-screen
        // layer costs milliseconds a frame).
        st.Colors[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
        st.Colors[ImGuiCol_Text] = ImVec4(0.91f, 0.91f, 0.91f, 1);
        st.Colors[ImGuiCol_Border] = ImVec4(0.33f, 0.36f, 0.42f, 1);
        st.Colors[ImGuiCol_Tab] = ImVec4(0.17f, 0.20f, 0.25f, 1);
        st.Colors[ImGuiCol_TabActive] = ImVec4(0.22f, 0.38f, 0.60f, 1);
        st.Colors[ImGuiCol_TabHovered] = ImVec4(0.28f, 0.46f, 0.70f, 1);
    } else {
        ImGui::StyleColorsLight(&st);
        st.Colors[ImGuiCol_WindowBg] = ImVec4(1, 1, 1, 1);
        st.Colors[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);  // as in the dark theme
        st.Colors[ImGuiCol_PopupBg] = ImVec4(1, 1, 1, 1);
        st.Colors[ImGuiCol_MenuBarBg] = ImVec4(0.90f, 0.91f, 0.93f, 1);
        st.Colors[ImGuiCol_Text] = ImVec4(0, 0, 0, 1);
        st.Colors[ImGuiCol_TextDisabled] = ImVec4(0.30f, 0.30f, 0.30f, 1);
        st.Colors[ImGuiCol_Border] = ImVec4(0.10f, 0.10f, 0.10f, 1);
        st.Colors[ImGuiCol_FrameBg] = ImVec4(0.92f, 0.92f, 0.92f, 1);
        st.Colors[ImGuiCol_Button] = ImVec4(0.84f, 0.87f, 0.92f, 1);
        st.Colors[ImGuiCol_ButtonHovered] = ImVec4(0.70f, 0.80f, 0.95f, 1);
        st.Colors[ImGuiCol_ButtonActive] = ImVec4(0.55f, 0.70f, 0.92f, 1);
        st.Colors[ImGuiCol_Tab] = ImVec4(0.84f, 0.87f, 0.92f, 1);
        st.Colors[ImGuiCol_TabActive] = ImVec4(0.00f, 0.28f, 0.67f, 1);
        st.Colors[ImGuiCol_TabHovered] = ImVec4(0.25f, 0.45f, 0.80f, 1);
        st.Colors[ImGuiCol_Header] = ImVec4(0.80f, 0.86f, 0.95f, 1);
    }
    st.WindowRounding = 0;
    st.ChildRounding = 3;
    st.FrameRounding = 3;
    st.TabRounding = 3;
    st.FrameBorderSize = t == Theme::Light ? 1.0f : 0.0f;
    st.WindowPadding = ImVec2(6, 6);
    st.FramePadding = ImVec2(7, 4);
    st.ItemSpacing = ImVec2(7, 5);
    st.ScrollbarSize = 15;
    st.ScaleAllSizes(scale);
    ImGui::GetStyle() = st;
    if (t == Theme::Light) {
        // Tabs: white text on the active (dark blue) tab.
        ImGui::GetStyle().Colors[ImGuiCol_TabActive] = ImVec4(0.00f, 0.28f, 0.67f, 1);
    }
}

std::string fit_text(ImFont* f, float size, const std::string& s, float width) {
    if (!f || width <= 0) return s;
    if (f->CalcTextSizeA(size, 1e9f, 0, s.c_str()).x <= width) return s;
    std::string t = s;
    while (!t.empty()) {
        // drop a whole UTF-8 character
        size_t n = t.size() - 1;
        while (n > 0 && (static_cast<unsigned char>(t[n]) & 0xc0) == 0x80) --n;
        t.resize(n);
        std::string c = t + "…";
        if (f->CalcTextSizeA(size, 1e9f, 0, c.c_str()).x <= width) return c;
    }
    return "";
}

const char* view_name(View v) {
    switch (v) {
    case View::Process: return "process";
    case View::Listener: return "listener";
    case View::Calls: return "calls";
    case View::Protosw: return "protosw";
    case View::Packets: return "packets";
    case View::Inspector: return "inspector";
    case View::Console: return "console";
    case View::Count: break;
    }
    return "window";
}

bool view_from_name(const std::string& s, View* out) {
    for (int i = 0; i < static_cast<int>(View::Count); ++i)
        if (s == view_name(static_cast<View>(i))) {
            *out = static_cast<View>(i);
            return true;
        }
    return false;
}

}  // namespace sockscope::app
