// Detached spawning for the task runner. See docs/runner.md for why each step exists.
#define _GNU_SOURCE
#include "cprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* same number on every architecture since 5.3 */
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424 /* Linux 5.1 */
#endif
#ifndef SYS_close_range
#define SYS_close_range 436 /* Linux 5.9 */
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2) /* Linux 5.11 */
#endif

// posix_spawn can do the whole job only with glibc's SETSID flag (2.26), addchdir_np (2.29) and
// addclosefrom_np (2.34). Elsewhere (older glibc, musl for static builds) we fork.
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define CP_HAVE_FULL_POSIX_SPAWN 1
#endif

int cp_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int cp_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

// Steps the fork path can fail at, reported back through the pipe by index.
static const char *const step_names[] = {"setsid", "stdin", "stdout", "stderr", "chdir", "exec"};

struct child_report {
    int err;
    int step;
};

// Runs in the forked child of a possibly multi-threaded parent: only async-signal-safe calls.
// Marks every descriptor from 3 up close-on-exec rather than closing it, so the report pipe
// (itself close-on-exec) stays usable until execve succeeds.
static void cloexec_from_3(void) {
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    // Kernels before 5.11: walk up to the descriptor limit (capped: it can be huge).
    struct rlimit lim;
    long max = 65536;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY && (long)lim.rlim_cur < max)
        max = (long)lim.rlim_cur;
    for (long fd = 3; fd < max; fd++) {
        int flags = fcntl((int)fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

static void child_fail(int report_fd, int step) {
    struct child_report r = {errno, step};
    ssize_t n;
    do { n = write(report_fd, &r, sizeof r); } while (n < 0 && errno == EINTR);
    _exit(127);
}

static void child_exec(const char *path, char *const argv[], char *const envp[], const char *cwd,
                       int stdin_fd, int out_fd, int report_fd) {
    // Every signal is blocked (the parent did that before fork), so no inherited handler can run
    // while we put all dispositions back to default; exec keeps "ignored", so SIGPIPE ignored by
    // the Swift runtime would otherwise reach the trainer.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL); // errors for reserved ones are fine
    }
    if (setsid() < 0) child_fail(report_fd, 0);
    if (dup2(stdin_fd, 0) < 0) child_fail(report_fd, 1);
    if (dup2(out_fd, 1) < 0) child_fail(report_fd, 2);
    if (dup2(out_fd, 2) < 0) child_fail(report_fd, 3);
    if (chdir(cwd) < 0) child_fail(report_fd, 4);
    cloexec_from_3();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, argv, envp);
    child_fail(report_fd, 5);
}

static int spawn_fork(const char *path, char *const argv[], char *const envp[], const char *cwd,
                      int stdin_fd, int out_fd, pid_t *pid_out, const char **failed_step) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) { *failed_step = "pipe"; return errno; }

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) child_exec(path, argv, envp, cwd, stdin_fd, out_fd, report[1]);
    int fork_err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(report[1]);
    if (pid < 0) { close(report[0]); *failed_step = "fork"; return fork_err; }

    // EOF means execve succeeded (the close-on-exec write end went away); a report means it failed.
    struct child_report r;
    ssize_t n;
    do { n = read(report[0], &r, sizeof r); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof r) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        *failed_step = (r.step >= 0 && r.step < 6) ? step_names[r.step] : "exec";
        return r.err;
    }
    *pid_out = pid;
    return 0;
}

#ifdef CP_HAVE_FULL_POSIX_SPAWN
static int spawn_posix(const char *path, char *const argv[], char *const envp[], const char *cwd,
                       int stdin_fd, int out_fd, pid_t *pid_out, const char **failed_step) {
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    int rc = posix_spawnattr_init(&attr);
    if (rc != 0) { *failed_step = "spawn setup"; return rc; }
    rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) { posix_spawnattr_destroy(&attr); *failed_step = "spawn setup"; return rc; }

    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
    if (rc == 0) rc = posix_spawn_file_actions_addchdir_np(&actions, cwd);
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (rc != 0) {
        *failed_step = "spawn setup";
    } else {
        rc = posix_spawn(pid_out, path, &actions, &attr, argv, envp);
        if (rc != 0) *failed_step = "spawn";
    }
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return rc;
}
#endif

int cp_spawn_detached(const char *path, char *const argv[], char *const envp[], const char *cwd,
                      int stdin_fd, int out_fd, int mode, pid_t *pid_out, const char **failed_step) {
    *failed_step = "";
    // If the parent runs with 0, 1 or 2 closed, our descriptors may sit there; dup2 onto the same
    // number would then keep close-on-exec set and the child would start without them.
    int in_high = stdin_fd, out_high = out_fd;
    if (stdin_fd < 3) in_high = fcntl(stdin_fd, F_DUPFD_CLOEXEC, 3);
    if (out_fd < 3) out_high = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
    int rc;
    if (in_high < 0 || out_high < 0) {
        rc = errno;
        *failed_step = "dup";
    } else {
#ifdef CP_HAVE_FULL_POSIX_SPAWN
        if (mode == CP_SPAWN_AUTO)
            rc = spawn_posix(path, argv, envp, cwd, in_high, out_high, pid_out, failed_step);
        else
#endif
            rc = spawn_fork(path, argv, envp, cwd, in_high, out_high, pid_out, failed_step);
    }
    if (in_high != stdin_fd && in_high >= 0) close(in_high);
    if (out_high != out_fd && out_high >= 0) close(out_high);
    return rc;
}

long cp_copy_file_range(int in_fd, int out_fd, unsigned long length) {
    return (long)copy_file_range(in_fd, NULL, out_fd, NULL, (size_t)length, 0);
}
