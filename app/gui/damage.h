// damage.h — redraw only the parts of the window that changed.
//
// Under Mesa's software renderer (llvmpipe, what Xvfb and many classroom
// machines without a GPU use) a frame's cost is the pixels it covers:
// about 3.5 ns a blended pixel, so one 1600x900 layer is 5 ms. Most frames
// change one panel (the caret in the console, a hovered box, a tooltip) or
// nothing at all; a jump or a step changes some panels, not the menus, the
// console or the splitters. DamageRenderer cuts the window into 32x32 pixel
// tiles and gives each a hash of what lights it: every triangle whose
// bounding box (inside its scissor box) touches the tile, with its
// vertices, scissor box and texture, in drawing order. Tiles whose hash
// changed since the frame before are joined into a few rectangles, and only
// those are cleared and drawn again, in the back buffer, which it never swaps:
// GLX_MESA_copy_sub_buffer copies those rectangles to the window and keeps
// the back buffer. (A swap leaves the back buffer undefined; a copy of a
// whole off-screen image costs as much as drawing one layer, which is what
// this avoids.) Where the extension is missing, frames are drawn in full
// and swapped, as before.
//
// The cost: a hash over the draw data (about 0.3 ms for 25,000 vertices),
// and no vertical sync, so the interactive loop paces itself. The pixels
// are the ones a full redraw gives: a redrawn rectangle is cleared and
// every list drawn into it again, clipped to the backend's own integer
// scissor boxes (a GUI test compares the back buffer both ways; what the
// window shows after copies and resizes was checked by grabbing the X
// window, see docs/gui.md). On a new size it swaps once, as Mesa's
// software driver resizes a back buffer only on a swap. What it does
// not reason about (a new size, clear colour or font atlas, a draw
// callback, most of the window changing) is drawn in full.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <string>
#include <vector>

struct GLFWwindow;

namespace sockscope::app {

class DamageRenderer {
public:
    struct Stats {
        double redrawn_px = 0;   // pixels re-rasterised this frame (rectangle area)
        int rects = 0;           // rectangles redrawn (0: the back buffer as it was)
        bool full = false;       // the whole window redrawn
    };

    // Draws `dd` into the back buffer (fb_w x fb_h, cleared to `clear`
    // where nothing is drawn): only the rectangles that changed when the
    // back buffer is known to hold the frame before, else all of it.
    void render(GLFWwindow* win, ImDrawData* dd, int fb_w, int fb_h, ImVec4 clear);
    // Shows the frame: copies the changed rectangles to the window, or
    // swaps buffers where partial copies are not available.
    void present(GLFWwindow* win);
    // The window lost what it showed (exposed, restored): the next present
    // copies all of it.
    void window_damaged() { window_damaged_ = true; }
    // The next frame redraws everything (the font atlas was rebuilt).
    void invalidate() { valid_ = false; }
    // Off: every frame drawn in full and swapped, as ImGui's backend does
    // by itself (--full-redraw; the comparison in the tests).
    void set_enabled(bool on) {
        enabled_ = on;
        valid_ = false;
    }
    bool enabled() const { return enabled_; }
    // Tests: reads the back buffer as render() left it, draws `dd` again in
    // full, and counts the pixels that differ (the back buffer is then the
    // full drawing, which is what it should have been anyway).
    long differs_from_full(ImDrawData* dd, int fb_w, int fb_h, ImVec4 clear);
    // Tests, after present(): pixels where what the X server shows in the
    // window differs from the back buffer.
    long window_differs(GLFWwindow* win, int fb_w, int fb_h);
    const Stats& last() const { return stats_; }

private:
    struct Rect {
        int x0 = 0, y0 = 0, x1 = 0, y1 = 0;   // framebuffer pixels, y down
        bool empty() const { return x1 <= x0 || y1 <= y0; }
        double area() const { return empty() ? 0.0 : double(x1 - x0) * double(y1 - y0); }
    };
    void draw_clipped(ImDrawData* dd, const Rect& r, int fb_h, ImVec4 clear);

    bool enabled_ = true;
    bool partial_ok_ = false;       // this frame went to the back buffer to stay
    bool valid_ = false;            // the back buffer holds the last frame
    bool window_damaged_ = true;    // the window shows nothing of ours yet
    int fb_w_ = 0, fb_h_ = 0;
    uint64_t global_ = 0;           // size, clear colour, display rectangle
    std::vector<uint64_t> prev_;    // per 32x32 tile: what lit it last frame
    std::vector<Rect> unshown_;     // drawn, not yet copied to the window
    Stats stats_;
};

}  // namespace sockscope::app
