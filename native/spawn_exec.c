/*
 * spawn-exec: the trampoline behind StartOptions.ExactPeakMemory.
 *
 * Why: Spawn starts children vfork-style (CLONE_VM | CLONE_VFORK, as glibc's posix_spawn does),
 * so the memory a child replaces at execve is the parent's own, and Linux folds the high-water
 * mark of the replaced memory into the child's ru_maxrss. A .NET parent's tens of MiB then hide the
 * program's own peak. Spawn instead execs this tiny static program, which forks the real program
 * with clone(CLONE_PARENT): the program is Spawn's child (not ours), its memory starts as a copy of
 * this program's few pages, and so its ru_maxrss is its own. We report the program's pidfd (or
 * only its pid, in PID mode) or the errno of its failed start back over a socket, then exit; Spawn
 * reaps us and keeps the program.
 *
 * Usage (only Spawn calls it; the environment is the program's, passed through untouched):
 *   spawn-exec CONTROL_FD FLAGS PARENT_DEATH_SIGNAL PATH ARGV0 [ARG...]
 * CONTROL_FD  a connected AF_UNIX SOCK_SEQPACKET socket; one message goes back on it: struct
 *             exec_report, with the program's pidfd attached (SCM_RIGHTS) when one was asked for
 *             and the program was created. The program never gets this descriptor.
 * FLAGS       EXEC_WANT_PIDFD | EXEC_SETSID | EXEC_SETPGROUP (decimal): the session and process group
 *             options apply to the program, not to us.
 * PARENT_DEATH_SIGNAL  0, or the signal the program gets when its parent (Spawn's thread) exits.
 * Every other start option (descriptors, working directory, credentials, cgroup, signal
 * dispositions reset to default with nothing blocked) was applied to us by Spawn and is inherited
 * by the program through the fork.
 *
 * Built statically by src/Spawn/Spawn.csproj per target runtime, next to libspawn_native.so; where
 * it cannot be built, ExactPeakMemory falls back to the ordinary start and the figure may be unknown.
 * Kept clean under: cc -O2 -static -Wall -Wextra -Werror; clang-tidy; cppcheck (as spawn_native.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#define EXEC_WANT_PIDFD 0x01U
#define EXEC_SETSID 0x02U
#define EXEC_SETPGROUP 0x04U

/* Where the program's start failed (exec_report.stage); mirrored in src/Spawn/Internal/ExecTrampoline.Linux.cs. */
enum exec_stage {
    EXEC_STAGE_NONE = 0,
    EXEC_STAGE_USAGE = 1,
    EXEC_STAGE_CLONE = 2,
    EXEC_STAGE_SESSION = 3,
    EXEC_STAGE_PARENT_DEATH_SIGNAL = 4,
    EXEC_STAGE_EXEC = 5,
};

/* The one message back to Spawn. pid > 0 whenever the program was created (even if its exec
 * failed: it is then a zombie child of Spawn, which reaps it). */
struct exec_report {
    int32_t pid;   // cppcheck-suppress unusedStructMember ; read by Spawn
    int32_t error; // cppcheck-suppress unusedStructMember ; read by Spawn
    int32_t stage; // cppcheck-suppress unusedStructMember ; read by Spawn
};

/* What the program's side reports through the exec-status pipe when it fails before or at exec. */
struct child_failure {
    int32_t error;
    int32_t stage;
};

static int parse_int(const char *text, int *value)
{
    long result = 0;
    if (*text == '\0') {
        return 0;
    }
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9' || result > 0x7fffffffL / 10) {
            return 0;
        }
        result = result * 10 + (*text - '0');
    }
    *value = (int)result;
    return 1;
}

/* Sends the report, with the pidfd attached when there is one; the caller exits either way. */
static void report(int control, pid_t pid, int error, int stage, int pidfd)
{
    struct exec_report message = {.pid = (int32_t)pid, .error = error, .stage = stage};
    struct iovec data = {.iov_base = &message, .iov_len = sizeof message};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control_buffer = {0};
    struct msghdr header = {.msg_iov = &data, .msg_iovlen = 1};
    if (pidfd >= 0) {
        header.msg_control = control_buffer.space;
        header.msg_controllen = sizeof control_buffer.space;
        struct cmsghdr *rights = CMSG_FIRSTHDR(&header);
        rights->cmsg_level = SOL_SOCKET;
        rights->cmsg_type = SCM_RIGHTS;
        rights->cmsg_len = CMSG_LEN(sizeof(int));
        *(int *)(void *)CMSG_DATA(rights) = pidfd; /* CMSG_DATA is aligned for the data it carries */
    }
    while (sendmsg(control, &header, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

/* The program's side of the fork: its session or group, its parent-death signal, then execve. */
__attribute__((noreturn)) static void run_program(int status_pipe, unsigned int flags, int death_signal, pid_t parent,
                                                  const char *path, char *const *argv, char *const *envp)
{
    struct child_failure failure = {.error = 0, .stage = EXEC_STAGE_NONE};
    if ((flags & EXEC_SETSID) != 0U) {
        if (setsid() < 0) {
            failure = (struct child_failure){.error = errno, .stage = EXEC_STAGE_SESSION};
        }
    } else if ((flags & EXEC_SETPGROUP) != 0U && setpgid(0, 0) < 0) {
        failure = (struct child_failure){.error = errno, .stage = EXEC_STAGE_SESSION};
    }
    if (failure.stage == EXEC_STAGE_NONE && death_signal > 0) {
        /* The fork cleared ours; the program's parent is Spawn's thread (CLONE_PARENT). */
        if (prctl(PR_SET_PDEATHSIG, (unsigned long)death_signal) < 0) {
            failure = (struct child_failure){.error = errno, .stage = EXEC_STAGE_PARENT_DEATH_SIGNAL};
        } else if (getppid() != parent) {
            (void)kill(getpid(), death_signal); /* the parent died before prctl: the kernel will not send it */
        }
    }
    if (failure.stage == EXEC_STAGE_NONE) {
        /* Spawn started us with nothing blocked; the program starts so too. */
        sigset_t no_signals;
        (void)sigemptyset(&no_signals);
        (void)sigprocmask(SIG_SETMASK, &no_signals, NULL);
        execve(path, argv, envp);
        failure = (struct child_failure){.error = errno, .stage = EXEC_STAGE_EXEC};
    }
    while (write(status_pipe, &failure, sizeof failure) < 0 && errno == EINTR) {
    }
    _exit(127);
}

int main(int argc, char **argv, char **envp)
{
    int control = -1;
    int flags_value = 0;
    int death_signal = 0;
    if (argc < 6 || !parse_int(argv[1], &control) || !parse_int(argv[2], &flags_value) ||
        !parse_int(argv[3], &death_signal) || death_signal > 64) {
        if (control >= 0) {
            report(control, -1, EINVAL, EXEC_STAGE_USAGE, -1);
        }
        return 127;
    }
    const unsigned int flags = (unsigned int)flags_value;
    /* Nothing may end us between creating the program and reporting it (a Ctrl+C to the group we
     * share with Spawn would leave the program running unknown to Spawn): every signal is held
     * until we exit, and dropped then. The program unblocks them again just before its execve. */
    sigset_t all_signals;
    (void)sigfillset(&all_signals);
    (void)sigprocmask(SIG_SETMASK, &all_signals, NULL);
    /* The program must not get the control socket: it sees EOF only once we are gone. */
    (void)fcntl(control, F_SETFD, FD_CLOEXEC);

    /* Closed by a successful execve (O_CLOEXEC): EOF tells us the program runs. */
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) < 0) {
        report(control, -1, errno, EXEC_STAGE_CLONE, -1);
        return 127;
    }

    const pid_t parent = getppid();
    /* Plain clone (no new stack, no CLONE_VM): the child returns here in a copy of our memory, as
     * from fork. CLONE_PARENT makes it Spawn's child; the kernel gives it Spawn's exit signal, so
     * the low byte (the exit signal) must stay 0. CLONE_PIDFD puts its pidfd in the third argument
     * on every architecture. */
    unsigned long clone_flags = CLONE_PARENT;
    int pidfd = -1;
    if ((flags & EXEC_WANT_PIDFD) != 0U) {
        clone_flags |= CLONE_PIDFD;
    }
    const long pid = syscall(SYS_clone, clone_flags, 0L, &pidfd, 0L, 0L);
    if (pid < 0) {
        report(control, -1, errno, EXEC_STAGE_CLONE, -1);
        return 127;
    }
    if (pid == 0) {
        (void)close(status_pipe[0]);
        run_program(status_pipe[1], flags, death_signal, parent, argv[4], argv + 5, envp);
    }
    (void)close(status_pipe[1]);

    struct child_failure failure = {.error = 0, .stage = EXEC_STAGE_NONE};
    ssize_t got;
    while ((got = read(status_pipe[0], &failure, sizeof failure)) < 0 && errno == EINTR) {
    }
    if (got != (ssize_t)sizeof failure) {
        failure = (struct child_failure){.error = 0, .stage = EXEC_STAGE_NONE}; /* EOF: it runs */
    }
    report(control, (pid_t)pid, failure.error, failure.stage, pidfd);
    return 0;
}
