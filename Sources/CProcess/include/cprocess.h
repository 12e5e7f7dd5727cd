// C side of the task runner. Swift cannot call fork(), variadic syscall(), or the
// glibc *_np spawn file actions (they need _GNU_SOURCE), so the few calls that
// start a detached child or open a pidfd live here. Nothing here prints or exits.
#pragma once

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// How cp_spawn_detached starts the child.
enum {
    CP_SPAWN_AUTO = 0,  ///< posix_spawn where the C library can do everything we need, else fork
    CP_SPAWN_FORK = 1,  ///< always fork+exec (the portable path; tests use it to cover both)
};

/// Starts `path` (absolute) with `argv` and `envp` (NULL-terminated) in a new session and process
/// group: stdin from `stdin_fd`, stdout and stderr to `out_fd`, working directory `cwd`, every other
/// descriptor closed, signal mask empty and every signal at its default action.
/// Returns 0 and sets *pid_out, or an errno value. `*failed_step` names what failed
/// ("chdir", "exec", ...) so the caller can say what to fix; it points to a static string.
int cp_spawn_detached(const char *path, char *const argv[], char *const envp[], const char *cwd,
                      int stdin_fd, int out_fd, int mode, pid_t *pid_out, const char **failed_step);

/// copy_file_range(2) from the current offsets (it needs _GNU_SOURCE, which Swift's Glibc lacks).
/// Returns bytes copied, 0 at end of input, or -1 with errno.
long cp_copy_file_range(int in_fd, int out_fd, unsigned long length);

/// pidfd_open(2) with O_CLOEXEC semantics (pidfds are always close-on-exec).
/// Returns the descriptor, or -1 with errno (ENOSYS on kernels before 5.3).
int cp_pidfd_open(pid_t pid);

/// pidfd_send_signal(2): signals exactly the process the pidfd names, even if its pid was reused.
/// Returns 0, or -1 with errno (ENOSYS before Linux 5.1).
int cp_pidfd_send_signal(int pidfd, int sig);

#ifdef __cplusplus
}
#endif
