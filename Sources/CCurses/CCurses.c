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

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

int CCurses_COLORS(void) { return COLORS; }
int CCurses_COLOR_PAIRS(void) { return COLOR_PAIRS; }
int CCurses_KEY_F(int n) { return KEY_F(n); }
int CCurses_KEY_CODE_YES(void) { return KEY_CODE_YES; }
int CCurses_OK(void) { return OK; }
int CCurses_ERR(void) { return ERR; }
unsigned long CCurses_mouse_mask(void) { return BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED; }
int CCurses_read_mouse(int *x, int *y) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *x = event.x;
    *y = event.y;
    if (event.bstate & BUTTON4_PRESSED) return 1;
    if (event.bstate & BUTTON5_PRESSED) return 2;
    if (event.bstate & BUTTON1_PRESSED) return 3;
    return 0;
}

SCREEN *CCurses_newterm_stdio(const char *term) { return newterm(term, stdout, stdin); }

int CCurses_has_direct_color(void) { return tigetflag("RGB") > 0; }

const char *CCurses_tigetstr(const char *name) {
    char *value = tigetstr(name);
    if (value == NULL || value == (char *)-1) return "";
    return value;
}

int CCurses_set_locale_is_utf8(void) {
    setlocale(LC_ALL, "");
    const char *codeset = nl_langinfo(CODESET);
    return codeset != NULL && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

void CCurses_clear_on_next_update(void) { wclear(stdscr); }

void CCurses_configure_input(int raw_mode, int escape_delay_ms) {
    if (raw_mode) raw(); else cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    leaveok(stdscr, TRUE);
    scrollok(stdscr, FALSE);
    set_escdelay(escape_delay_ms);
    curs_set(0);
}

int CCurses_get_wch(unsigned int *out) {
    wint_t value = 0;
    int result = wget_wch(stdscr, &value);
    *out = (unsigned int)value;
    return result;
}

int CCurses_put_cell(int y, int x, const wchar_t *text, int count, attr_t attrs, int pair) {
    wchar_t buffer[CCHARW_MAX + 1];
    int n = count < CCHARW_MAX ? count : CCHARW_MAX;
    for (int i = 0; i < n; i++) buffer[i] = text[i];
    buffer[n] = 0;
    cchar_t cell;
    if (setcchar(&cell, buffer, attrs, 0, &pair) == ERR) return ERR;
    return mvwadd_wch(stdscr, y, x, &cell);
}

// MARK: - Wake pipe

static int wake_fds[2] = {-1, -1};

int CCurses_wake_pipe_open(void) {
    if (wake_fds[0] >= 0) return 0;
    int fds[2];
    if (pipe(fds) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    wake_fds[0] = fds[0];
    wake_fds[1] = fds[1];
    return 0;
}

void CCurses_wake(void) {
    int saved = errno;
    if (wake_fds[1] >= 0) {
        char byte = 1;
        ssize_t ignored = write(wake_fds[1], &byte, 1);  // a full pipe already means "awake"
        (void)ignored;
    }
    errno = saved;
}

int CCurses_wait(int input_fd, int timeout_ms) {
    struct pollfd fds[2] = {{input_fd, POLLIN, 0}, {wake_fds[0], POLLIN, 0}};
    int ready = poll(fds, 2, timeout_ms);
    if (ready <= 0) return 0;
    int result = 0;
    if (fds[0].revents & POLLIN) result |= 1;
    if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) result |= 4;
    if (fds[1].revents & POLLIN) {
        char drain[64];
        while (read(wake_fds[0], drain, sizeof drain) > 0) {}
        result |= 2;
    }
    return result;
}

// MARK: - Emergency restore

static struct termios saved_tty;
static int saved_tty_fd = -1;
static char reset_sequence[512];
static size_t reset_length = 0;
static volatile sig_atomic_t restore_armed = 0;

void CCurses_save_tty_mode(int fd) {
    if (tcgetattr(fd, &saved_tty) == 0) saved_tty_fd = fd;
}

void CCurses_set_reset_sequence(const char *sequence) {
    size_t length = strlen(sequence);
    if (length >= sizeof reset_sequence) length = sizeof reset_sequence - 1;
    memcpy(reset_sequence, sequence, length);
    reset_sequence[length] = 0;
    reset_length = length;
}

void CCurses_arm_restore(int armed) { restore_armed = armed; }

void CCurses_emergency_restore(void) {
    if (!restore_armed) return;
    restore_armed = 0;
    int saved = errno;
    size_t written = 0;
    while (written < reset_length) {
        ssize_t n = write(STDOUT_FILENO, reset_sequence + written, reset_length - written);
        if (n <= 0) break;
        written += (size_t)n;
    }
    if (saved_tty_fd >= 0) tcsetattr(saved_tty_fd, TCSADRAIN, &saved_tty);
    errno = saved;
}

static void restore_at_exit(void) { CCurses_emergency_restore(); }

// MARK: - Signals

static const int termination_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP};
#define TERMINATION_COUNT (sizeof termination_signals / sizeof termination_signals[0])
#define CRASH_COUNT (sizeof crash_signals / sizeof crash_signals[0])
static struct sigaction previous_termination[TERMINATION_COUNT];
static struct sigaction previous_crash[CRASH_COUNT];
static struct sigaction previous_winch;
static volatile sig_atomic_t pending_termination = 0;
static volatile sig_atomic_t pending_resize = 0;
static int handlers_installed = 0;
static int atexit_registered = 0;

static int dispositions_remembered = 0;

void CCurses_remember_signal_dispositions(void) {
    for (size_t i = 0; i < TERMINATION_COUNT; i++) sigaction(termination_signals[i], NULL, &previous_termination[i]);
    for (size_t i = 0; i < CRASH_COUNT; i++) sigaction(crash_signals[i], NULL, &previous_crash[i]);
    dispositions_remembered = 1;
}

static void on_termination(int sig) {
    if (pending_termination != 0) {
        // The loop did not get to the first one: restore here and leave.
        CCurses_emergency_restore();
        _exit(128 + sig);
    }
    pending_termination = sig;
    CCurses_wake();
}

static void on_crash(int sig) {
    CCurses_emergency_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void on_winch(int sig) {
    pending_resize = 1;
    CCurses_wake();
    if (previous_winch.sa_flags & SA_SIGINFO) {
        // ncurses installs a plain handler; a siginfo one cannot be chained without its info.
    } else if (previous_winch.sa_handler != SIG_DFL && previous_winch.sa_handler != SIG_IGN &&
               previous_winch.sa_handler != NULL) {
        previous_winch.sa_handler(sig);
    }
}

void CCurses_install_signal_handlers(void) {
    if (handlers_installed) return;
    handlers_installed = 1;
    pending_termination = 0;
    pending_resize = 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);

    if (!dispositions_remembered) CCurses_remember_signal_dispositions();
    dispositions_remembered = 0;

    action.sa_handler = on_termination;
    action.sa_flags = SA_RESTART;
    for (size_t i = 0; i < TERMINATION_COUNT; i++) sigaction(termination_signals[i], &action, NULL);

    action.sa_handler = on_crash;
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (size_t i = 0; i < CRASH_COUNT; i++) sigaction(crash_signals[i], &action, NULL);

    action.sa_handler = on_winch;
    action.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &action, &previous_winch);

    if (!atexit_registered) {
        atexit_registered = 1;
        atexit(restore_at_exit);
    }
}

void CCurses_remove_signal_handlers(void) {
    if (!handlers_installed) return;
    handlers_installed = 0;
    for (size_t i = 0; i < TERMINATION_COUNT; i++) sigaction(termination_signals[i], &previous_termination[i], NULL);
    for (size_t i = 0; i < CRASH_COUNT; i++) sigaction(crash_signals[i], &previous_crash[i], NULL);
    sigaction(SIGWINCH, &previous_winch, NULL);
}

int CCurses_take_termination_signal(void) {
    int sig = pending_termination;
    pending_termination = 0;
    return sig;
}

int CCurses_take_resize(void) {
    int resized = pending_resize;
    pending_resize = 0;
    return resized;
}

int CCurses_window_size(int fd, int *rows, int *cols) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return -1;
    *rows = size.ws_row;
    *cols = size.ws_col;
    return 0;
}

void CCurses_exit_now(int code) {
    fflush(NULL);
    _exit(code);
}
