#ifndef FLIGHTDECK_CPROCESS_H
#define FLIGHTDECK_CPROCESS_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` as the leader of a new session (so its process group
/// is its pid, and a signal to `-pid` reaches everything it starts), in `cwd`, with the given
/// descriptors as its stdin, stdout and stderr, its signal mask empty and every signal at its
/// default action. posix_spawn's session flag and chdir action are GNU extensions that Swift
/// does not import. Returns 0 and sets `*pid`, or an errno value.
int flightdeck_spawn_session(const char *path, char *const argv[], char *const envp[], const char *cwd,
    int stdin_fd, int stdout_fd, int stderr_fd, pid_t *pid);

/// pipe2(fds, O_CLOEXEC): a pipe no other child inherits (a GNU extension Swift does not import).
int flightdeck_pipe_cloexec(int fds[2]);

/// The exit code a shell would report for a `waitpid` status: the code, or 128 + the signal.
int flightdeck_exit_code(int status);

#endif
