#include "CCurses.h"

const char *CCurses_version(void) { return curses_version(); }

WINDOW *CCurses_stdscr(void) { return stdscr; }
int CCurses_lines(void) { return LINES; }
int CCurses_cols(void) { return COLS; }
void CCurses_getmaxyx(WINDOW *window, int *rows, int *cols) {
    int y, x;
    getmaxyx(window, y, x);
    *rows = y;
    *cols = x;
}

attr_t CCurses_A_NORMAL(void) { return A_NORMAL; }
attr_t CCurses_A_BOLD(void) { return A_BOLD; }
attr_t CCurses_A_DIM(void) { return A_DIM; }
attr_t CCurses_A_UNDERLINE(void) { return A_UNDERLINE; }
attr_t CCurses_A_REVERSE(void) { return A_REVERSE; }
attr_t CCurses_A_ITALIC(void) { return A_ITALIC; }
attr_t CCurses_COLOR_PAIR(int pair) { return COLOR_PAIR(pair); }

int CCurses_KEY_RESIZE(void) { return KEY_RESIZE; }
int CCurses_KEY_MOUSE(void) { return KEY_MOUSE; }
