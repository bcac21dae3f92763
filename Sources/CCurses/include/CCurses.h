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

// MARK: - Globals and macros used by the backend

int CCurses_COLORS(void);
int CCurses_COLOR_PAIRS(void);
int CCurses_KEY_F(int n);
int CCurses_KEY_CODE_YES(void);
int CCurses_OK(void);
int CCurses_ERR(void);
/// The mouse events the optional mouse mode asks for: left press, wheel up and down.
unsigned long CCurses_mouse_mask(void);
/// Reads one mouse event and its cell: 1 wheel up, 2 wheel down, 3 left press, 0 anything else.
int CCurses_read_mouse(int *x, int *y);

/// newterm(term, stdout, stdin): `stdout`/`stdin` are globals Swift 6 rejects.
SCREEN *CCurses_newterm_stdio(const char *term);
/// Whether terminfo describes a direct-colour terminal (the `RGB` capability).
int CCurses_has_direct_color(void);
/// The terminfo string capability `name` ("" when absent or cancelled).
const char *CCurses_tigetstr(const char *name);
/// nl_langinfo(CODESET) is UTF-8 after setlocale(LC_ALL, "").
int CCurses_set_locale_is_utf8(void);

/// Input setup on stdscr: raw or cbreak, noecho, nonl, keypad, nodelay (the backend polls
/// the descriptor first, so get_wch never blocks), the escape delay, cursor hidden.
void CCurses_configure_input(int raw, int escape_delay_ms);
/// Erases stdscr and makes the next update repaint the whole terminal (after a resize).
void CCurses_clear_on_next_update(void);
/// wget_wch on stdscr: returns OK, KEY_CODE_YES or ERR.
int CCurses_get_wch(unsigned int *out);
/// Writes one grapheme (up to CCHARW_MAX code points) at (y, x) with attributes and an
/// extended colour pair (passed through setcchar's opts, so pairs above 32767 work).
int CCurses_put_cell(int y, int x, const wchar_t *text, int count, attr_t attrs, int pair);

// MARK: - Waiting and restoring (async-signal-safe parts)

/// Creates the process-wide wake pipe (non-blocking, close-on-exec); returns 0 on success.
int CCurses_wake_pipe_open(void);
/// Wakes `CCurses_wait`: safe from any thread and from signal handlers.
void CCurses_wake(void);
/// Waits for input on `input_fd` or a wake, at most `timeout_ms` (-1: forever). Returns a
/// bit set: 1 input readable, 2 woken (the wake pipe is drained), 4 input hung up. 0 on timeout or EINTR.
int CCurses_wait(int input_fd, int timeout_ms);

/// Remembers the terminal's mode (tcgetattr on `fd`) before ncurses changes it.
void CCurses_save_tty_mode(int fd);
/// The bytes that undo full-screen mode (sgr0, cnorm, rmkx, mouse off, rmcup), written with
/// write(2) on the crash path, at exit, and on a second termination signal.
void CCurses_set_reset_sequence(const char *sequence);
/// Arms or disarms the emergency restore (armed while the session owns the terminal).
void CCurses_arm_restore(int armed);
/// The emergency restore: async-signal-safe (write(2) and tcsetattr only); does nothing
/// unless armed, and disarms itself.
void CCurses_emergency_restore(void);

/// Installs handlers: SIGINT/SIGTERM/SIGHUP/SIGQUIT record the signal and wake the loop (a
/// second one restores and _exits with 128+signal at once); SIGSEGV/SIGBUS/SIGABRT/SIGILL/
/// SIGFPE/SIGTRAP restore and re-raise with the default action; SIGWINCH wakes the loop and
/// chains to ncurses' own handler. Also registers the atexit restore (once).
void CCurses_install_signal_handlers(void);
/// Records the signal dispositions from before ncurses installs its own (call before newterm),
/// so that `CCurses_remove_signal_handlers` puts back the program's, not ncurses'.
void CCurses_remember_signal_dispositions(void);
/// Puts back the handlers that were there before `CCurses_install_signal_handlers`.
void CCurses_remove_signal_handlers(void);
/// The termination signal received since the last call (0 if none), cleared by reading.
int CCurses_take_termination_signal(void);
/// Whether SIGWINCH arrived since the last call, cleared by reading.
int CCurses_take_resize(void);
/// The kernel's idea of the terminal size (TIOCGWINSZ on `fd`); 0 on success.
int CCurses_window_size(int fd, int *rows, int *cols);
/// Flushes stdio and _exits with `code` (after a termination signal, once restored).
void CCurses_exit_now(int code);

#endif
