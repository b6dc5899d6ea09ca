// damage.cpp — see damage.h. Sections: hashing; the scissor box ImGui's
// OpenGL backend would use; presenting; drawing inside one rectangle;
// render() (tile hashes, dirty rectangles); present().
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

constexpr int kTile = 32;          // damage is tracked per 32x32 pixels
constexpr size_t kMaxRects = 6;    // each rectangle is one pass over the lists

// ---- hashing: eight bytes at a time, a multiply and a rotate per word. Not
// cryptographic: a collision would leave one changed tile as it was until
// it changes again, so it needs to be rare (64 bits), not impossible to
// construct (the input is our own drawing).
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

// The back buffer as GL rows (bottom-up RGBA).
std::vector<unsigned char> read_back(int fb_w, int fb_h) {
    std::vector<unsigned char> px(static_cast<size_t>(fb_w) * static_cast<size_t>(fb_h) * 4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, fb_w, fb_h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    return px;
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
void DamageRenderer::render(GLFWwindow* win, ImDrawData* dd, int fb_w, int fb_h, ImVec4 clear) {
    stats_ = Stats{};
    const bool unit_scale = dd->FramebufferScale.x == 1.0f && dd->FramebufferScale.y == 1.0f;
    // the backend's framebuffer is DisplaySize; damage reasons in fb_w x fb_h
    const bool same_size = static_cast<int>(dd->DisplaySize.x) == fb_w && static_cast<int>(dd->DisplaySize.y) == fb_h;
    const bool was_partial = partial_ok_;
    partial_ok_ = enabled_ && unit_scale && same_size && copy_sub_buffer() != nullptr && fb_w > 0 && fb_h > 0;
    if (partial_ok_ && (!was_partial || fb_w != fb_w_ || fb_h != fb_h_)) {
        // A new size (or the first frame): Mesa's software driver reads the
        // window's size when the context is made current and after a swap,
        // never on a copy, so a back buffer that is never swapped keeps the
        // size it was born with. One swap makes it take the new size; the
        // frame below is then drawn in full and copied in full.
        glfwSwapBuffers(win);
        valid_ = false;
        window_damaged_ = true;
        unshown_.clear();
    }
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
    // What lights each tile this frame: every triangle, in drawing order,
    // with its scissor box and texture, folded into the hash of each tile
    // its bounding box (inside the scissor box) touches.
    uint64_t global = 0;
    for (float f : {clear.x, clear.y, clear.z, dd->DisplayPos.x, dd->DisplayPos.y, dd->DisplaySize.x, dd->DisplaySize.y})
        global = hash_bytes(global, &f, sizeof f);
    global = mix(mix(global, static_cast<uint64_t>(fb_w)), static_cast<uint64_t>(fb_h));
    const int gw = (fb_w + kTile - 1) / kTile, gh = (fb_h + kTile - 1) / kTile;
    std::vector<uint64_t> now(static_cast<size_t>(gw) * static_cast<size_t>(gh), 0);
    bool full = !valid_ || global != global_ || prev_.size() != now.size();
    bool opaque = false;   // a draw callback we cannot see into
    for (int li = 0; li < dd->CmdListsCount; ++li) {
        const ImDrawList* L = dd->CmdLists[li];
        for (const ImDrawCmd& c : L->CmdBuffer) {
            if (c.UserCallback) {
                // Only the backend's own state reset is understood.
                if (c.UserCallback != ImDrawCallback_ResetRenderState) opaque = full = true;
                continue;
            }
            Box sc = scissor_of(c.ClipRect, dd->DisplayPos, fb_h);
            sc.x0 = std::max(sc.x0, 0);
            sc.y0 = std::max(sc.y0, 0);
            sc.x1 = std::min(sc.x1, fb_w);
            sc.y1 = std::min(sc.y1, fb_h);
            if (sc.x1 <= sc.x0 || sc.y1 <= sc.y0) continue;   // the backend draws nothing
            uint64_t hc = mix(mix(mix(static_cast<uint64_t>(sc.x0) << 32 | static_cast<uint32_t>(sc.y0),
                                      static_cast<uint64_t>(sc.x1) << 32 | static_cast<uint32_t>(sc.y1)),
                                  reinterpret_cast<uintptr_t>(c.TextureId)),
                              0x5CA1AB1Eu);
            const ImDrawIdx* idx = L->IdxBuffer.Data + c.IdxOffset;
            const ImDrawVert* vtx = L->VtxBuffer.Data + c.VtxOffset;
            for (unsigned k = 0; k + 2 < c.ElemCount; k += 3) {
                const ImDrawVert& a = vtx[idx[k]];
                const ImDrawVert& b = vtx[idx[k + 1]];
                const ImDrawVert& v = vtx[idx[k + 2]];
                float lo_x = std::min({a.pos.x, b.pos.x, v.pos.x}) - dd->DisplayPos.x;
                float hi_x = std::max({a.pos.x, b.pos.x, v.pos.x}) - dd->DisplayPos.x;
                float lo_y = std::min({a.pos.y, b.pos.y, v.pos.y}) - dd->DisplayPos.y;
                float hi_y = std::max({a.pos.y, b.pos.y, v.pos.y}) - dd->DisplayPos.y;
                // clamped in float first: a cast of a float beyond int's
                // range (or NaN) is undefined
                if (!(lo_x <= hi_x && lo_y <= hi_y)) {
                    opaque = full = true;   // NaN: reason about nothing
                    continue;
                }
                auto cut = [](float v, int lo, int hi) {
                    return static_cast<int>(std::clamp(v, static_cast<float>(lo), static_cast<float>(hi)));
                };
                int x0 = cut(std::floor(lo_x), sc.x0, sc.x1), y0 = cut(std::floor(lo_y), sc.y0, sc.y1);
                int x1 = cut(std::ceil(hi_x), sc.x0, sc.x1), y1 = cut(std::ceil(hi_y), sc.y0, sc.y1);
                if (x1 <= x0 || y1 <= y0) continue;   // lights no pixel
                uint64_t ht = hash_bytes(hc, &a, sizeof a);
                ht = hash_bytes(ht, &b, sizeof b);
                ht = hash_bytes(ht, &v, sizeof v);
                for (int ty = y0 / kTile; ty <= (y1 - 1) / kTile; ++ty)
                    for (int tx = x0 / kTile; tx <= (x1 - 1) / kTile; ++tx) {
                        uint64_t& t = now[static_cast<size_t>(ty) * static_cast<size_t>(gw) + static_cast<size_t>(tx)];
                        t = mix(t, ht);
                    }
            }
        }
    }
    // The tiles whose hash changed, as few rectangles: runs along each row
    // of tiles, runs of equal span in consecutive rows joined.
    std::vector<Rect> dirty;
    if (!full) {
        for (int ty = 0; ty < gh; ++ty) {
            for (int tx = 0; tx < gw;) {
                size_t at = static_cast<size_t>(ty) * static_cast<size_t>(gw);
                if (now[at + static_cast<size_t>(tx)] == prev_[at + static_cast<size_t>(tx)]) {
                    ++tx;
                    continue;
                }
                int start = tx;
                while (tx < gw && now[at + static_cast<size_t>(tx)] != prev_[at + static_cast<size_t>(tx)]) ++tx;
                Rect run{start, ty, tx, ty + 1};   // in tiles, for now
                bool joined = false;
                for (Rect& r : dirty)
                    if (r.y1 == ty && r.x0 == run.x0 && r.x1 == run.x1) {
                        r.y1 = ty + 1;
                        joined = true;
                        break;
                    }
                if (!joined) dirty.push_back(run);
            }
        }
        double tiles_px = 0;
        for (const Rect& r : dirty) tiles_px += r.area() * kTile * kTile;
        if (tiles_px > 0.8 * double(fb_w) * double(fb_h)) full = true;
        // Many scattered runs: one bounding box per band of tile rows, so
        // the joining below stays a few dozen comparisons.
        if (!full && dirty.size() > 4 * kMaxRects) {
            const int band = std::max(1, (gh + static_cast<int>(kMaxRects) - 1) / static_cast<int>(kMaxRects));
            std::vector<Rect> bands(kMaxRects, Rect{gw, gh, 0, 0});
            for (const Rect& r : dirty) {
                Rect& b = bands[std::min(kMaxRects - 1, static_cast<size_t>(r.y0 / band))];
                b = Rect{std::min(b.x0, r.x0), std::min(b.y0, r.y0), std::max(b.x1, r.x1), std::max(b.y1, r.y1)};
            }
            dirty.clear();
            for (const Rect& b : bands)
                if (!b.empty()) dirty.push_back(b);
        }
        // Each rectangle is one more pass over every list: past a few,
        // join the two whose joining adds the least area.
        while (!full && dirty.size() > kMaxRects) {
            size_t best_a = 0, best_b = 1;
            double best = 1e300;
            for (size_t a = 0; a < dirty.size(); ++a)
                for (size_t b = a + 1; b < dirty.size(); ++b) {
                    const Rect &A = dirty[a], &B = dirty[b];
                    Rect U{std::min(A.x0, B.x0), std::min(A.y0, B.y0), std::max(A.x1, B.x1), std::max(A.y1, B.y1)};
                    double added = U.area() - A.area() - B.area();
                    if (added < best) {
                        best = added;
                        best_a = a;
                        best_b = b;
                    }
                }
            Rect &A = dirty[best_a], &B = dirty[best_b];
            A = Rect{std::min(A.x0, B.x0), std::min(A.y0, B.y0), std::max(A.x1, B.x1), std::max(A.y1, B.y1)};
            dirty.erase(dirty.begin() + static_cast<long>(best_b));
        }
        double area = 0;
        for (Rect& r : dirty) {
            r = Rect{r.x0 * kTile, r.y0 * kTile, std::min(r.x1 * kTile, fb_w), std::min(r.y1 * kTile, fb_h)};
            area += r.area();
        }
        // Most of the window changed: one clear and one pass.
        if (area > 0.8 * double(fb_w) * double(fb_h)) full = true;
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
    valid_ = !opaque;
    global_ = global;
    prev_ = std::move(now);
    fb_w_ = fb_w;
    fb_h_ = fb_h;
    // What the window still lacks: this frame's rectangles, plus whatever
    // an earlier frame drew and no present has shown yet (all of it after a
    // full frame, whose size the older rectangles may not share).
    if (full) unshown_.clear();
    unshown_.insert(unshown_.end(), dirty.begin(), dirty.end());
}

long DamageRenderer::differs_from_full(ImDrawData* dd, int fb_w, int fb_h, ImVec4 clear) {
    if (fb_w <= 0 || fb_h <= 0) return 0;
    std::vector<unsigned char> a = read_back(fb_w, fb_h);
    glViewport(0, 0, fb_w, fb_h);
    clear_all(clear);
    ImGui_ImplOpenGL3_RenderDrawData(dd);
    std::vector<unsigned char> b = read_back(fb_w, fb_h);
    long differ = 0;
    for (size_t i = 0; i < a.size(); i += 4) differ += std::memcmp(&a[i], &b[i], 3) != 0;
    return differ;
}

long DamageRenderer::window_differs(GLFWwindow* win, int fb_w, int fb_h) {
    if (fb_w <= 0 || fb_h <= 0) return 0;
    std::vector<unsigned char> a = read_back(fb_w, fb_h);   // the drawing
    // What the X server shows in the window (GL's front buffer is not it:
    // Mesa's software driver keeps no copy of what a sub-buffer copy sent).
    Display* dpy = glfwGetX11Display();
    XSync(dpy, False);
    XImage* im = XGetImage(dpy, glfwGetX11Window(win), 0, 0, static_cast<unsigned>(fb_w), static_cast<unsigned>(fb_h),
                           AllPlanes, ZPixmap);
    if (!im) return static_cast<long>(fb_w) * fb_h;
    auto channel = [](unsigned long px, unsigned long mask) {
        if (!mask) return 0;
        int shift = 0;
        while (!((mask >> shift) & 1)) ++shift;
        unsigned long v = (px & mask) >> shift, max = mask >> shift;
        return static_cast<int>(v * 255 / max);
    };
    long differ = 0;
    for (int y = 0; y < fb_h; ++y)
        for (int x = 0; x < fb_w; ++x) {
            unsigned long px = XGetPixel(im, x, y);
            const unsigned char* p = &a[(static_cast<size_t>(fb_h - 1 - y) * static_cast<size_t>(fb_w) + static_cast<size_t>(x)) * 4];
            differ += channel(px, im->red_mask) != p[0] || channel(px, im->green_mask) != p[1] || channel(px, im->blue_mask) != p[2];
        }
    XDestroyImage(im);
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
