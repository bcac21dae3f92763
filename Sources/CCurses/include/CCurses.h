// Prefixed shims for the parts of ncursesw that Swift cannot call directly:
// macros (COLOR_PAIR, getmaxyx, A_*), and globals Swift 6 flags as not concurrency-safe.
#ifndef FLIGHTDECK_CCURSES_H
#define FLIGHTDECK_CCURSES_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

int wcwidth(wchar_t c);

/// The ncurses library version, e.g. "ncurses 6.4.20221231".
const char *CCurses_version(void);

WINDOW *CCurses_stdscr(void);
int CCurses_lines(void);
int CCurses_cols(void);
void CCurses_getmaxyx(WINDOW *window, int *rows, int *cols);

attr_t CCurses_A_NORMAL(void);
attr_t CCurses_A_BOLD(void);
attr_t CCurses_A_DIM(void);
attr_t CCurses_A_UNDERLINE(void);
attr_t CCurses_A_REVERSE(void);
attr_t CCurses_A_ITALIC(void);
attr_t CCurses_COLOR_PAIR(int pair);

/// Key codes that are macros in the header.
int CCurses_KEY_RESIZE(void);
int CCurses_KEY_MOUSE(void);

#endif
