// damage.cpp — see damage.h. Sections: hashing a draw list; the scissor
// box ImGui's OpenGL backend would use; the off-screen target; render().
#include "app/gui/damage.h"

#define GLFW_EXPOSE_NATIVE_X11
#define GLFW_EXPOSE_NATIVE_GLX
#include <GLFW/glfw3.h>
#include <GLFW/glfw3native.h>
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sockscope::app {

namespace {

// ---- hashing: eight bytes at a time, a multiply and a rotate per word. Not
// cryptographic; a collision redraws nothing that changed, so it needs to
// be rare, not impossible to construct (the input is our own drawing).
uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v * 0x9E3779B97F4A7C15ull;
    h = (h << 27) | (h >> 37);
    return h * 0xBF58476D1CE4E5B9ull + 0x94D049BB133111EBull;
}

uint64_t hash_bytes(uint64_t h, const void* p, size_t n) {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        std::memcpy(&v, b + i, 8);
        h = mix(h, v);
    }
    uint64_t tail = 0;
    std::memcpy(&tail, b + i, n - i);
    return mix(h, tail ^ (static_cast<uint64_t>(n) << 56));
}

// ---- the scissor box the OpenGL3 backend sets for a command (it truncates
// to int, in GL's bottom-up rows), as top-down framebuffer pixels. Damage
// must reason in these exact pixels, or a redrawn rectangle could light a
// pixel a full redraw leaves dark.
struct Box {
    int x0, y0, x1, y1;
};
Box scissor_of(const ImVec4& c, const ImVec2& off, int fb_h) {
    float cx0 = c.x - off.x, cy0 = c.y - off.y, cx1 = c.z - off.x, cy1 = c.w - off.y;
    int gx = static_cast<int>(cx0), gy = static_cast<int>(static_cast<float>(fb_h) - cy1);
    int gw = static_cast<int>(cx1 - cx0), gh = static_cast<int>(cy1 - cy0);
    return Box{gx, fb_h - gy - gh, gx + gw, fb_h - gy};
}

void clear_all(ImVec4 c) {
    glDisable(GL_SCISSOR_TEST);
    glClearColor(c.x, c.y, c.z, 1);
    glClear(GL_COLOR_BUFFER_BIT);
}

// ---- presenting
// GLX_MESA_copy_sub_buffer copies part of the back buffer to the window and
// leaves the back buffer as it was; Mesa has it on every driver, the
// software one included. Without it a frame is swapped, after which the
// back buffer is undefined, so every frame is drawn in full.
using CopySubBuffer = void (*)(Display*, GLXDrawable, int, int, int, int);

CopySubBuffer copy_sub_buffer() {
    static CopySubBuffer f = [] {
        if (!glfwExtensionSupported("GLX_MESA_copy_sub_buffer")) return CopySubBuffer{};
        return reinterpret_cast<CopySubBuffer>(glfwGetProcAddress("glXCopySubBufferMESA"));
    }();
    return f;
}

}  // namespace

// Every list drawn again inside r only: each command's scissor box cut to r
// (a command wholly outside gets an empty box, which the backend skips).
void DamageRenderer::draw_clipped(ImDrawData* dd, const Rect& r, int fb_h, ImVec4 clear) {
    glEnable(GL_SCISSOR_TEST);
    glScissor(r.x0, fb_h - r.y1, r.x1 - r.x0, r.y1 - r.y0);
    glClearColor(clear.x, clear.y, clear.z, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    std::vector<ImVec4> saved;
    for (int i = 0; i < dd->CmdListsCount; ++i)
        for (ImDrawCmd& c : dd->CmdLists[i]->CmdBuffer) {
            saved.push_back(c.ClipRect);
            Box b = scissor_of(c.ClipRect, dd->DisplayPos, fb_h);
            int x0 = std::max(b.x0, r.x0), y0 = std::max(b.y0, r.y0);
            int x1 = std::min(b.x1, r.x1), y1 = std::min(b.y1, r.y1);
            if (x1 <= x0 || y1 <= y0) x1 = x0, y1 = y0;   // outside: skipped
            c.ClipRect = ImVec4(static_cast<float>(x0) + dd->DisplayPos.x, static_cast<float>(y0) + dd->DisplayPos.y,
                                static_cast<float>(x1) + dd->DisplayPos.x, static_cast<float>(y1) + dd->DisplayPos.y);
        }
    ImGui_ImplOpenGL3_RenderDrawData(dd);
    size_t k = 0;
    for (int i = 0; i < dd->CmdListsCount; ++i)
        for (ImDrawCmd& c : dd->CmdLists[i]->CmdBuffer) c.ClipRect = saved[k++];
}

// ---- render
void DamageRenderer::render(ImDrawData* dd, int fb_w, int fb_h, ImVec4 clear) {
    stats_ = Stats{};
    const bool unit_scale = dd->FramebufferScale.x == 1.0f && dd->FramebufferScale.y == 1.0f;
    partial_ok_ = enabled_ && unit_scale && copy_sub_buffer() != nullptr && fb_w > 0 && fb_h > 0;
    if (!partial_ok_) {
        glViewport(0, 0, fb_w, fb_h);
        clear_all(clear);
        ImGui_ImplOpenGL3_RenderDrawData(dd);
        stats_.full = true;
        stats_.rects = 1;
        stats_.redrawn_px = double(fb_w) * double(fb_h);
        valid_ = false;
        fb_w_ = fb_w;
        fb_h_ = fb_h;
        return;
    }
    // What each list is this frame.
    uint64_t global = 0;
    for (float f : {clear.x, clear.y, clear.z, dd->DisplayPos.x, dd->DisplayPos.y, dd->DisplaySize.x, dd->DisplaySize.y})
        global = hash_bytes(global, &f, sizeof f);
    global = mix(mix(global, static_cast<uint64_t>(fb_w)), static_cast<uint64_t>(fb_h));
    std::vector<ListSig> now;
    now.reserve(static_cast<size_t>(dd->CmdListsCount));
    std::vector<const char*> owners;   // a window drawing two lists: the second is "name@1"
    for (int i = 0; i < dd->CmdListsCount; ++i) {
        const ImDrawList* L = dd->CmdLists[i];
        ListSig s;
        const char* owner = L->_OwnerName ? L->_OwnerName : "";
        s.name = owner;
        int same = 0;
        for (const char* o : owners) same += std::strcmp(o, owner) == 0;
        owners.push_back(owner);
        if (same) s.name += "@" + std::to_string(same);
        uint64_t h = hash_bytes(0, L->VtxBuffer.Data, static_cast<size_t>(L->VtxBuffer.Size) * sizeof(ImDrawVert));
        h = hash_bytes(h, L->IdxBuffer.Data, static_cast<size_t>(L->IdxBuffer.Size) * sizeof(ImDrawIdx));
        Rect b{fb_w, fb_h, 0, 0};
        for (const ImDrawCmd& c : L->CmdBuffer) {
            h = hash_bytes(h, &c.ClipRect, sizeof c.ClipRect);
            h = mix(h, reinterpret_cast<uintptr_t>(c.TextureId));
            h = mix(h, (static_cast<uint64_t>(c.VtxOffset) << 32) ^ c.IdxOffset);
            h = mix(h, (static_cast<uint64_t>(c.ElemCount) << 32) ^ reinterpret_cast<uintptr_t>(c.UserCallback));
            if (!c.ElemCount && !c.UserCallback) continue;
            Box x = scissor_of(c.ClipRect, dd->DisplayPos, fb_h);
            if (!c.UserCallback) {
                // What the triangles can light, inside the scissor box: a
                // tooltip's commands are clipped to the whole window, its
                // pixels are a small box.
                float lo_x = 1e30f, lo_y = 1e30f, hi_x = -1e30f, hi_y = -1e30f;
                const ImDrawIdx* idx = L->IdxBuffer.Data + c.IdxOffset;
                const ImDrawVert* vtx = L->VtxBuffer.Data + c.VtxOffset;
                for (unsigned k = 0; k < c.ElemCount; ++k) {
                    const ImVec2& v = vtx[idx[k]].pos;
                    lo_x = std::min(lo_x, v.x);
                    hi_x = std::max(hi_x, v.x);
                    lo_y = std::min(lo_y, v.y);
                    hi_y = std::max(hi_y, v.y);
                }
                x.x0 = std::max(x.x0, static_cast<int>(std::floor(lo_x - dd->DisplayPos.x)));
                x.y0 = std::max(x.y0, static_cast<int>(std::floor(lo_y - dd->DisplayPos.y)));
                x.x1 = std::min(x.x1, static_cast<int>(std::ceil(hi_x - dd->DisplayPos.x)));
                x.y1 = std::min(x.y1, static_cast<int>(std::ceil(hi_y - dd->DisplayPos.y)));
                if (x.x1 <= x.x0 || x.y1 <= x.y0) continue;
            }
            b.x0 = std::min(b.x0, std::max(x.x0, 0));
            b.y0 = std::min(b.y0, std::max(x.y0, 0));
            b.x1 = std::max(b.x1, std::min(x.x1, fb_w));
            b.y1 = std::max(b.y1, std::min(x.y1, fb_h));
        }
        s.hash = h;
        s.bounds = b.empty() ? Rect{} : b;
        now.push_back(std::move(s));
    }
    // What changed since the frame before.
    bool full = !valid_ || global != global_;
    std::vector<Rect> dirty;
    if (!full) {
        int last_j = -1;   // stacking order of the lists both frames have
        for (const ListSig& s : now) {
            int j = -1;
            for (size_t k = 0; k < prev_.size(); ++k)
                if (prev_[k].name == s.name) j = static_cast<int>(k);
            if (j < 0) {
                dirty.push_back(s.bounds);
                continue;
            }
            if (j < last_j) full = true;   // restacked: not worth reasoning about
            last_j = j;
            const ListSig& p = prev_[static_cast<size_t>(j)];
            if (p.hash != s.hash || p.bounds.x0 != s.bounds.x0 || p.bounds.y0 != s.bounds.y0 || p.bounds.x1 != s.bounds.x1 ||
                p.bounds.y1 != s.bounds.y1) {
                dirty.push_back(s.bounds);
                dirty.push_back(p.bounds);
            }
        }
        for (const ListSig& p : prev_) {
            bool kept = false;
            for (const ListSig& s : now) kept = kept || s.name == p.name;
            if (!kept) dirty.push_back(p.bounds);
        }
        dirty.erase(std::remove_if(dirty.begin(), dirty.end(), [](const Rect& r) { return r.empty(); }), dirty.end());
        // Overlapping rectangles become one (a pixel is then drawn once).
        for (bool merged = true; merged;) {
            merged = false;
            for (size_t a = 0; a < dirty.size() && !merged; ++a)
                for (size_t b = a + 1; b < dirty.size() && !merged; ++b) {
                    Rect &A = dirty[a], &B = dirty[b];
                    if (A.x0 < B.x1 && B.x0 < A.x1 && A.y0 < B.y1 && B.y0 < A.y1) {
                        A = Rect{std::min(A.x0, B.x0), std::min(A.y0, B.y0), std::max(A.x1, B.x1), std::max(A.y1, B.y1)};
                        dirty.erase(dirty.begin() + static_cast<long>(b));
                        merged = true;
                    }
                }
        }
        double area = 0;
        for (const Rect& r : dirty) area += r.area();
        // Nearly everything changed (a step): one clear and one pass.
        if (dirty.size() > 8 || area > 0.7 * double(fb_w) * double(fb_h)) full = true;
    }

    glViewport(0, 0, fb_w, fb_h);
    if (full) {
        clear_all(clear);
        ImGui_ImplOpenGL3_RenderDrawData(dd);
        stats_.full = true;
        stats_.rects = 1;
        stats_.redrawn_px = double(fb_w) * double(fb_h);
        dirty.assign(1, Rect{0, 0, fb_w, fb_h});
    } else {
        for (const Rect& r : dirty) {
            draw_clipped(dd, r, fb_h, clear);
            stats_.redrawn_px += r.area();
        }
        stats_.rects = static_cast<int>(dirty.size());
    }
    glDisable(GL_SCISSOR_TEST);
    valid_ = true;
    global_ = global;
    prev_ = std::move(now);
    fb_w_ = fb_w;
    fb_h_ = fb_h;
    // What the window still lacks: this frame's rectangles, plus whatever
    // an earlier frame drew and no present has shown yet.
    unshown_.insert(unshown_.end(), dirty.begin(), dirty.end());
}

long DamageRenderer::differs_from_full(ImDrawData* dd, int fb_w, int fb_h, ImVec4 clear) {
    const size_t n = static_cast<size_t>(fb_w) * static_cast<size_t>(fb_h) * 4;
    std::vector<unsigned char> a(n), b(n);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, fb_w, fb_h, GL_RGBA, GL_UNSIGNED_BYTE, a.data());
    glViewport(0, 0, fb_w, fb_h);
    clear_all(clear);
    ImGui_ImplOpenGL3_RenderDrawData(dd);
    glReadPixels(0, 0, fb_w, fb_h, GL_RGBA, GL_UNSIGNED_BYTE, b.data());
    long differ = 0;
    for (size_t i = 0; i < n; i += 4) differ += std::memcmp(&a[i], &b[i], 3) != 0;
    return differ;
}

void DamageRenderer::present(GLFWwindow* win) {
    CopySubBuffer copy = copy_sub_buffer();
    if (!partial_ok_ || !copy) {
        glfwSwapBuffers(win);
        unshown_.clear();
        return;
    }
    glFlush();
    Display* dpy = glfwGetX11Display();
    GLXWindow drawable = glfwGetGLXWindow(win);
    if (window_damaged_ || unshown_.size() > 8) unshown_.assign(1, Rect{0, 0, fb_w_, fb_h_});
    for (const Rect& r : unshown_)
        if (!r.empty()) copy(dpy, drawable, r.x0, fb_h_ - r.y1, r.x1 - r.x0, r.y1 - r.y0);
    unshown_.clear();
    window_damaged_ = false;
}

}  // namespace sockscope::app
