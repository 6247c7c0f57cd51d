/*
 * Spawn's Linux fast path: start a program with clone(CLONE_VM | CLONE_VFORK |
 * CLONE_FILES | CLONE_PIDFD) and set the child up in its own code before execve.
 *
 * Why not posix_spawn: its child copies the parent's whole fd table and closes every
 * close-on-exec descriptor at exec, so a parent holding thousands of pidfds spawns slowly.
 * Here the child shares the parent's table (CLONE_FILES, nothing copied) and then takes a
 * private copy of only the low fds it needs (close_range with CLOSE_RANGE_UNSHARE).
 *
 * The child runs in the parent's memory (CLONE_VM) on a stack in the parent's frame, while
 * the calling thread is suspended (CLONE_VFORK) until it execs or exits. Other threads of the
 * parent keep running, so the child must be async-signal-safe: no malloc, no locks, no stdio,
 * nothing that touches state another thread may be changing. It only reads the request and
 * makes system calls; an error is written to the parent's memory and the child _exits(127).
 *
 * clone, not clone3, in the normal case: glibc's clone() wrapper handles the child's return on
 * the new stack, and seccomp profiles that refuse clone3 (Docker's answers ENOSYS) still allow
 * it. clone3 is needed only for CLONE_INTO_CGROUP; it goes through the small trampoline below
 * (x86-64 and aarch64), as glibc exports no clone3 wrapper. In PID mode (no pidfds) no
 * CLONE_PIDFD is asked for.
 *
 * Built by src/Spawn/Spawn.csproj once per target runtime (linux-x64 with cc or
 * x86_64-linux-gnu-gcc, linux-arm64 with aarch64-linux-gnu-gcc); libc only; the same source for
 * both, apart from the clone3 trampoline. Entry points:
 * spawn_native_probe_v1 and spawn_native_clone_v1 (the "_v1" is the ABI of the structs below,
 * mirrored in src/Spawn/Interop/Interop.SpawnNativeRequest.cs). Kept clean under:
 *   cc -O2 -fPIC -shared -Wall -Wextra -Werror
 *   clang-tidy native/spawn_native.c --
 *   cppcheck --enable=all --inline-suppr --suppress=missingIncludeSystem native/spawn_native.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP: kernel headers 5.7+ */
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SPAWN_CLOSE_RANGE_UNSHARE 2U
#define SPAWN_P_PIDFD 3
#define SPAWN_SYS_CLOSE_RANGE 436 /* the unified syscall table: the same on every architecture */

/* Request flags. */
#define SPAWN_WANT_PIDFD 0x01U
#define SPAWN_SETSID 0x02U
#define SPAWN_SETPGROUP 0x04U
#define SPAWN_SET_GROUPS 0x08U
#define SPAWN_SET_GID 0x10U
#define SPAWN_SET_UID 0x20U
#define SPAWN_SET_NICE 0x40U

/* Where a start failed (spawn_result.stage); the managed side turns it into a message. */
enum spawn_stage {
    STAGE_NONE = 0,
    STAGE_REQUEST = 1,
    STAGE_CGROUP_OPEN = 2,
    STAGE_CLONE = 3,
    STAGE_SESSION = 4,
    STAGE_SETGROUPS = 5,
    STAGE_SETGID = 6,
    STAGE_SETUID = 7,
    STAGE_PARENT_DEATH_SIGNAL = 8,
    STAGE_FDS = 9,
    STAGE_CHDIR = 10,
    STAGE_EXEC = 11,
    STAGE_CGROUP_JOIN = 12,
    STAGE_RLIMIT = 13,
    STAGE_NICE = 14,
    STAGE_AFFINITY = 15,
    STAGE_TERMINAL = 16,
};

/* One resource limit the child sets on itself (setrlimit's resource number and values). */
struct spawn_rlimit {
    int32_t resource;              /* RLIMIT_* */
    int32_t reserved;
    uint64_t soft;
    uint64_t hard;
};

struct spawn_request {
    uint32_t size;                 /* sizeof(struct spawn_request): checks the ABI */
    uint32_t flags;                /* SPAWN_* */
    const char *path;              /* as execve takes it; relative to working_directory */
    char *const *argv;
    char *const *envp;
    const char *working_directory; /* NULL: ours */
    const char *cgroup;            /* a cgroup v2 directory, or NULL: ours */
    const int *fds;                /* fds[i] becomes the child's fd i; -1: /dev/null, opened by the child */
    const uint32_t *groups;        /* with SPAWN_SET_GROUPS: group_count supplementary groups */
    int32_t fd_count;
    int32_t group_count;
    uint32_t uid;                  /* with SPAWN_SET_UID */
    uint32_t gid;                  /* with SPAWN_SET_GID */
    int32_t parent_death_signal;   /* 0: none */
    int32_t reserved;
    /* Limits the child sets on itself before the credentials (raising one may need privilege). */
    const struct spawn_rlimit *rlimits;  /* rlimit_count entries */
    const uint64_t *affinity;      /* affinity_size bytes of a CPU mask, or NULL */
    const int *join_cgroup_fds;    /* cgroup v1 cgroup.procs files the child writes "0" to: it joins them */
    int32_t rlimit_count;
    int32_t nice;                  /* with SPAWN_SET_NICE */
    int32_t affinity_size;
    int32_t join_cgroup_count;
    int32_t terminal_fd;           /* with SPAWN_SETSID: the child fd (after placement) that becomes its controlling terminal; -1: none */
    int32_t terminal_reserved;
};

struct spawn_result {
    int32_t pid;
    int32_t pidfd;                 /* -1 without SPAWN_WANT_PIDFD */
    int32_t error;                 /* errno; 0 on success */
    int32_t stage;                 /* enum spawn_stage */
};

/* What the child needs beyond the request, and where it reports a failure. */
struct child_context {
    const struct spawn_request *request;
    pid_t parent;                  /* our pid, to notice a parent that died before prctl */
    int table_size;                /* fds 0..table_size-1 are copied when the table is unshared */
    volatile int error;            /* written by the child, read by the parent after the vfork */
    volatile int stage;
};

/* A kernel sigset_t is 64 bits; the raw calls below take its size. */
#define KERNEL_SIGSET_SIZE 8

/* The pidfds we hold are moved to this number or above, so the low fd range stays sparse... */
#define PIDFD_FLOOR 1024
/* ...once one lands at this number or above (DescriptorPlacement.MovedFrom says why not before). */
#define PIDFD_MOVED_FROM 64

/*
 * The child's stack, in the parent's frame (as musl's posix_spawn does): the calling thread is
 * suspended until the child execs or exits, so this memory is free for that time. The child's
 * deepest call chain is child_main plus one thin libc syscall wrapper, far below this size.
 */
#define CHILD_STACK_SIZE ((size_t)32 * 1024)

_Static_assert(sizeof(struct spawn_rlimit) == 24, "spawn_rlimit layout changed: update the managed mirror");
_Static_assert(sizeof(struct spawn_request) == 136, "spawn_request layout changed: update the managed mirror");
_Static_assert(sizeof(struct spawn_result) == 16, "spawn_result layout changed: update the managed mirror");

/* Reports where and why the child failed, then ends it: the parent reads both once we are gone. */
__attribute__((noreturn)) static void child_fail(struct child_context *context, int stage, int error)
{
    context->error = error;
    context->stage = stage;
    _exit(127);
}

/*
 * Every signal arrives blocked (the parent blocked all before clone). Reset each handler to
 * SIG_DFL before anything else: a handler of the parent would run here, in the parent's memory,
 * on this stack. All 1..64, like the portable path's POSIX_SPAWN_SETSIGDEF mask: SIG_IGN is reset
 * too, since exec would keep it. Raw rt_sigaction, because glibc's sigaction refuses its internal
 * signals 32 and 33. KILL and STOP cannot be changed (EINVAL, ignored).
 */
static void child_reset_signal_handlers(void)
{
    const uint64_t default_action[4] = {0}; /* the kernel's struct sigaction, all zero: SIG_DFL */
    for (long sig = 1; sig <= 64; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            (void)syscall(SYS_rt_sigaction, sig, default_action, NULL, KERNEL_SIGSET_SIZE);
        }
    }
}

/*
 * Groups, gid, uid: in this order, while we may still change each. Raw system calls: glibc's
 * setuid/setgid/setgroups believe they run in our multithreaded process and would signal all of
 * its threads to change their credentials too (the setxid broadcast), from here.
 */
static void child_set_credentials(struct child_context *context, const struct spawn_request *request)
{
    if ((request->flags & SPAWN_SET_GROUPS) != 0U &&
        syscall(SYS_setgroups, (long)request->group_count, request->groups) < 0) {
        child_fail(context, STAGE_SETGROUPS, errno);
    }
    if ((request->flags & SPAWN_SET_GID) != 0U && syscall(SYS_setgid, (long)request->gid) < 0) {
        child_fail(context, STAGE_SETGID, errno);
    }
    if ((request->flags & SPAWN_SET_UID) != 0U && syscall(SYS_setuid, (long)request->uid) < 0) {
        child_fail(context, STAGE_SETUID, errno);
    }
}

/*
 * cgroup v1 has no CLONE_INTO_CGROUP: on hybrid systems the child joins the tree's v1 cgroups
 * (memory, cpu, pids) itself, writing 0 ("the writer") to their cgroup.procs, before it executes
 * the program, so that nothing the program does runs outside them. Then its resource limits,
 * priority and CPU affinity, all before the credentials change: raising a hard limit or lowering
 * the nice value may need a privilege the new user lacks. Raw system calls, like the rest.
 */
static void child_apply_limits(struct child_context *context, const struct spawn_request *request)
{
    for (int i = 0; i < request->join_cgroup_count; i++) {
        if (write(request->join_cgroup_fds[i], "0", 1) < 0) {
            child_fail(context, STAGE_CGROUP_JOIN, errno);
        }
    }
    for (int i = 0; i < request->rlimit_count; i++) {
        const struct spawn_rlimit *limit = &request->rlimits[i];
        const struct rlimit value = {.rlim_cur = (rlim_t)limit->soft, .rlim_max = (rlim_t)limit->hard};
        if (syscall(SYS_prlimit64, 0L, (long)limit->resource, &value, NULL) < 0) {
            child_fail(context, STAGE_RLIMIT, errno);
        }
    }
    if ((request->flags & SPAWN_SET_NICE) != 0U && syscall(SYS_setpriority, (long)PRIO_PROCESS, 0L, (long)request->nice) < 0) {
        child_fail(context, STAGE_NICE, errno);
    }
    if (request->affinity != NULL && syscall(SYS_sched_setaffinity, 0L, (long)request->affinity_size, request->affinity) < 0) {
        child_fail(context, STAGE_AFFINITY, errno);
    }
}

/* After the credentials: a change of uid or gid clears the parent-death signal. */
static void child_set_parent_death_signal(struct child_context *context, int sig)
{
    if (prctl(PR_SET_PDEATHSIG, (unsigned long)sig) < 0) {
        child_fail(context, STAGE_PARENT_DEATH_SIGNAL, errno);
    }
    /*
     * If the parent died before prctl we were already reparented and the kernel will never send
     * the signal: send it ourselves. It stays pending (blocked) until just before execve and then
     * acts with its default action, as the kernel's would have.
     */
    if (getppid() != context->parent) {
        (void)kill(getpid(), sig);
    }
}

/*
 * Take a private fd table holding only fds 0..table_size-1 (the caller placed every source there,
 * each below n at its own target); nothing above is copied, so the cost does not grow with the
 * descriptors the parent holds. This must come before any fd change: until now the table is the
 * parent's own (CLONE_FILES), and a dup2 onto 0..2 would replace the parent's stdio.
 */
static void child_place_fds(struct child_context *context, const struct spawn_request *request)
{
    if (syscall(SPAWN_SYS_CLOSE_RANGE, (unsigned int)context->table_size, ~0U, SPAWN_CLOSE_RANGE_UNSHARE) < 0) {
        child_fail(context, STAGE_FDS, errno);
    }
    for (int target = 0; target < request->fd_count; target++) {
        const int source = request->fds[target];
        if (source < 0) {
            /* /dev/null is opened here rather than passed: a parent's /dev/null descriptor may sit
             * high, and the table copy above would grow to reach it. open takes the lowest free
             * slot, never a source's (those are taken), so moving it to target clobbers nothing. */
            const int null_fd = open("/dev/null", O_RDWR);
            if (null_fd < 0 || (null_fd != target && (dup2(null_fd, target) < 0 || close(null_fd) < 0))) {
                child_fail(context, STAGE_FDS, errno);
            }
            continue;
        }
        /* dup2(fd, fd) would leave FD_CLOEXEC set: clear it instead (in our private table). */
        const int result = source == target ? fcntl(target, F_SETFD, 0) : dup2(source, target);
        if (result < 0) {
            child_fail(context, STAGE_FDS, errno);
        }
    }
    /* The sources above n, and whatever else sat below table_size: the child gets exactly 0..n-1. */
    if (context->table_size > request->fd_count &&
        syscall(SPAWN_SYS_CLOSE_RANGE, (unsigned int)request->fd_count, ~0U, 0U) < 0) {
        child_fail(context, STAGE_FDS, errno);
    }
}

/* The child: straight-line system calls, then execve. It never returns. */
static int child_main(void *argument)
{
    struct child_context *context = argument;
    const struct spawn_request *request = context->request;

    child_reset_signal_handlers();

    if ((request->flags & SPAWN_SETSID) != 0U) {
        if (setsid() < 0) {
            child_fail(context, STAGE_SESSION, errno);
        }
    } else if ((request->flags & SPAWN_SETPGROUP) != 0U && setpgid(0, 0) < 0) {
        child_fail(context, STAGE_SESSION, errno);
    }

    child_apply_limits(context, request);
    child_set_credentials(context, request);
    if (request->parent_death_signal > 0) {
        child_set_parent_death_signal(context, request->parent_death_signal);
    }
    child_place_fds(context, request);
    /* A session leader without a terminal takes this one (after setsid, and once the fd is in place):
     * the terminal's signals, job control and /dev/tty then work for it as under a login. */
    if (request->terminal_fd >= 0 && ioctl(request->terminal_fd, TIOCSCTTY, 0) < 0) {
        child_fail(context, STAGE_TERMINAL, errno);
    }

    if (request->working_directory != NULL && chdir(request->working_directory) < 0) {
        child_fail(context, STAGE_CHDIR, errno);
    }

    /* Every handler is SIG_DFL now, so nothing of the parent can run: unblock, as exec'd programs expect. */
    const uint64_t empty_mask = 0;
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty_mask, NULL, KERNEL_SIGSET_SIZE);

    execve(request->path, request->argv, request->envp);
    child_fail(context, STAGE_EXEC, errno);
}

/*
 * clone3 for CLONE_INTO_CGROUP, which plain clone lacks. With CLONE_VM the child returns from
 * the syscall on its new, empty stack, so it cannot return into C code: glibc exports no clone3
 * wrapper, hence a few instructions per architecture (the shape of glibc's own __clone3).
 *   long spawn_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
 * returns the child's pid or -errno in the parent; the child runs fn(arg) and never returns.
 */
#if defined(__x86_64__) || defined(__aarch64__)
#define SPAWN_HAVE_CLONE3 1
long spawn_clone3(void *args, unsigned long size, int (*fn)(void *), void *arg);
#endif

#if defined(__x86_64__)
/* rdx (fn) survives the syscall; rcx and r11 do not, so the argument travels in r8. */
__asm__(".pushsection .text\n"
        ".globl spawn_clone3\n"
        ".hidden spawn_clone3\n"
        ".type spawn_clone3, @function\n"
        "spawn_clone3:\n"
        "    mov %rcx, %r8\n"
        "    mov $435, %eax\n" /* SYS_clone3 */
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"
        "    ret\n"
        "1:  xor %ebp, %ebp\n" /* the outermost frame */
        "    and $-16, %rsp\n"
        "    mov %r8, %rdi\n"
        "    call *%rdx\n"
        "    mov %eax, %edi\n" /* not reached: child_main never returns */
        "    mov $60, %eax\n"  /* SYS_exit */
        "    syscall\n"
        "    hlt\n"
        ".size spawn_clone3, .-spawn_clone3\n"
        ".popsection\n");
#elif defined(__aarch64__)
/*
 * The aarch64 twin. svc preserves every register but x0 (the result), in the parent and in the
 * child alike, so fn and arg are kept in x9 and x10. The kernel starts the child with sp at the
 * top of the stack we gave (16-byte aligned, as the ABI wants); fp and lr are cleared there so
 * the child's frame chain ends. Not yet run on arm64 hardware: the fast path is opt-in on arm64.
 */
__asm__(".pushsection .text\n"
        ".globl spawn_clone3\n"
        ".hidden spawn_clone3\n"
        ".type spawn_clone3, %function\n"
        "spawn_clone3:\n"
        "    mov x9, x2\n"
        "    mov x10, x3\n"
        "    mov x8, #435\n" /* SYS_clone3 */
        "    svc #0\n"
        "    cbz x0, 1f\n"
        "    ret\n"
        "1:  mov x29, #0\n" /* the outermost frame */
        "    mov x30, #0\n"
        "    mov x0, x10\n"
        "    blr x9\n"
        "    mov x8, #93\n" /* SYS_exit; not reached: child_main never returns */
        "    svc #0\n"
        "    brk #0\n"
        ".size spawn_clone3, .-spawn_clone3\n"
        ".popsection\n");
#endif

/* Starts the child; returns its pid, or -1 with errno. */
static long start_child(struct child_context *context, unsigned long flags, int cgroup_fd, int *pidfd, char *stack)
{
    if (cgroup_fd < 0) {
        /* Plain clone serves everything but a cgroup: portable C, and allowed by seccomp profiles
         * that refuse clone3 (Docker's answers ENOSYS so that libc falls back to clone). */
        return clone(child_main, stack + CHILD_STACK_SIZE, (int)flags | SIGCHLD, context, pidfd);
    }
#if defined(SPAWN_HAVE_CLONE3)
    struct clone_args args = {
        .flags = flags | CLONE_INTO_CGROUP,
        .pidfd = (uint64_t)(uintptr_t)pidfd,
        .exit_signal = SIGCHLD,
        .stack = (uint64_t)(uintptr_t)stack,
        .stack_size = CHILD_STACK_SIZE,
        .cgroup = (uint64_t)cgroup_fd,
    };
    const long pid = spawn_clone3(&args, CLONE_ARGS_SIZE_VER2, child_main, context);
    if (pid < 0) {
        errno = (int)-pid;
        return -1;
    }
    return pid;
#else
    errno = ENOSYS; /* no clone3 trampoline for this architecture */
    return -1;
#endif
}

/* Reaps a child that failed before exec, through its pidfd where there is one (no pid race). */
static void reap_failed_child(pid_t pid, int pidfd)
{
    if (pidfd >= 0) {
        siginfo_t info;
        while (waitid((idtype_t)SPAWN_P_PIDFD, (id_t)pidfd, &info, WEXITED) < 0 && errno == EINTR) {
        }
    } else {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    /* ECHILD: another component reaped it (waitpid(-1) somewhere); it is gone either way. */
}

static int request_is_valid(const struct spawn_request *request, int *table_size)
{
    if (request->size != sizeof *request || request->path == NULL || request->argv == NULL ||
        request->envp == NULL || request->fd_count < 0 || (request->fd_count > 0 && request->fds == NULL) ||
        request->parent_death_signal < 0 || request->parent_death_signal > 64 ||
        request->rlimit_count < 0 || (request->rlimit_count > 0 && request->rlimits == NULL) ||
        request->join_cgroup_count < 0 || (request->join_cgroup_count > 0 && request->join_cgroup_fds == NULL) ||
        (request->affinity != NULL && request->affinity_size <= 0)) {
        return 0;
    }
    /* A controlling terminal is one of the placed fds, and only a new session's leader can take it. */
    if (request->terminal_fd < -1 || request->terminal_fd >= request->fd_count ||
        (request->terminal_fd >= 0 && (request->flags & SPAWN_SETSID) == 0U)) {
        return 0;
    }
    int highest = request->fd_count - 1;
    for (int target = 0; target < request->fd_count; target++) {
        const int source = request->fds[target];
        /* A source inside 0..n-1 anywhere but its own target would be overwritten by an earlier dup2. */
        if (source < -1 || (source >= 0 && source < request->fd_count && source != target)) {
            return 0;
        }
        if (source > highest) {
            highest = source;
        }
    }
    *table_size = highest + 1;
    return 1;
}

/* 0 when this kernel has what the fast path needs (close_range: Linux 5.9, which implies
 * CLONE_PIDFD and waitid(P_PIDFD)); otherwise the errno (ENOSYS, or EPERM from a filter). */
// cppcheck-suppress unusedFunction ; exported: called through a function pointer from C#
int spawn_native_probe_v1(void)
{
    /* An empty range above every fd: closes nothing. No CLOSE_RANGE_UNSHARE here: it would give
     * this thread a private fd table. */
    return syscall(SPAWN_SYS_CLOSE_RANGE, ~0U, ~0U, 0U) == 0 ? 0 : errno;
}

/*
 * Starts request->path. Returns 0 and fills result (pid, pidfd), or returns the errno with
 * result->stage saying where it failed. On failure nothing is left behind: the child, if one
 * was created, is reaped, and every descriptor opened here is closed.
 */
// cppcheck-suppress unusedFunction ; exported: called through a function pointer from C#
int spawn_native_clone_v1(const struct spawn_request *request, struct spawn_result *result)
{
    result->pid = -1;
    result->pidfd = -1;
    result->error = 0;
    result->stage = STAGE_NONE;

    /* Our PID is only needed for the child's parent-death check: getpid is a system call. */
    const pid_t parent = request->parent_death_signal > 0 ? getpid() : 0;
    struct child_context context = {.request = request, .parent = parent, .error = 0, .stage = STAGE_NONE};
    int table_size = 0;
    if (!request_is_valid(request, &table_size)) {
        result->error = EINVAL;
        result->stage = STAGE_REQUEST;
        return EINVAL;
    }
    context.table_size = table_size;

    int cgroup_fd = -1;
    if (request->cgroup != NULL) {
        cgroup_fd = open(request->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup_fd < 0) {
            result->error = errno;
            result->stage = STAGE_CGROUP_OPEN;
            return result->error;
        }
    }

    /* CLONE_VM | CLONE_VFORK: nothing copied, and we resume once the child has exec'd or exited.
     * CLONE_FILES: the fd table is shared, not copied; the child unshares what it needs. */
    unsigned long flags = CLONE_VM | CLONE_VFORK | CLONE_FILES;
    if ((request->flags & SPAWN_WANT_PIDFD) != 0U) {
        flags |= CLONE_PIDFD; /* the pidfd from the clone itself: no moment in which another could reap the child */
    }

    /* Block every signal, glibc's internal 32/33 included (pthread_sigmask would leave those
     * out), so that no handler of ours runs in the child before it has reset them. */
    const uint64_t all_signals = ~(uint64_t)0;
    uint64_t old_mask = 0;
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all_signals, &old_mask, KERNEL_SIGSET_SIZE);

    _Alignas(16) char stack[CHILD_STACK_SIZE];
    int pidfd = -1;
    const long pid = start_child(&context, flags, cgroup_fd, &pidfd, stack);
    const int clone_error = errno;

    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old_mask, NULL, KERNEL_SIGSET_SIZE);
    if (cgroup_fd >= 0) {
        (void)close(cgroup_fd);
    }

    if (pid < 0) {
        result->error = clone_error;
        result->stage = STAGE_CLONE;
        return clone_error;
    }
    if (context.error != 0) {
        reap_failed_child((pid_t)pid, pidfd);
        if (pidfd >= 0) {
            (void)close(pidfd);
        }
        result->error = context.error;
        result->stage = context.stage;
        return result->error;
    }

    if (pidfd >= PIDFD_MOVED_FROM && pidfd < PIDFD_FLOOR) {
        /* Keep the pidfds we hold out of the low range, so the next child's source fds (pipes,
         * files: they take the lowest free numbers) stay low and its table copy stays short.
         * Best effort: with a low RLIMIT_NOFILE the pidfd stays where it is. */
        const int moved = fcntl(pidfd, F_DUPFD_CLOEXEC, PIDFD_FLOOR);
        if (moved >= 0) {
            (void)close(pidfd);
            pidfd = moved;
        }
    }
    result->pid = (int32_t)pid;
    result->pidfd = pidfd;
    return 0;
}
