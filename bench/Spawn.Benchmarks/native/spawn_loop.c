/*
 * The C baseline: sequential posix_spawn + waitpid of /bin/true, no library around it.
 * Usage: spawn_loop COUNT WARMUP                 -> prints "<starts per second> <seconds>"
 *        spawn_loop COUNT WARMUP HOLD SETTLE_MS  -> times the loop idle, then while holding HOLD
 *            children (`sleep 600`, started with posix_spawn, no descriptor kept), measured once
 *            all of them are asleep and SETTLE_MS more have passed; prints
 *            "<held starts per second> <held seconds> <idle starts per second>", then kills and
 *            reaps them.
 * Compiled by the benchmark at run time (cc -O2) into the project's obj/ directory.
 */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int run_once(void)
{
    char *argv[] = { "true", NULL };
    pid_t pid;
    int status;
    if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0) return -1;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Times COUNT starts; returns the seconds, or a negative number on failure. */
static double timed_loop(long count)
{
    double t0 = now();
    for (long i = 0; i < count; i++)
        if (run_once() != 0) return -1;
    return now() - t0;
}

/* True once the child has exec'd sleep and sleeps: "/proc/PID/stat" reads "PID (sleep) S ...". */
static int asleep(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL) return 0;
    int ok = fgets(line, sizeof line, f) != NULL && strstr(line, "(sleep) S ") != NULL;
    fclose(f);
    return ok;
}

static void settle(const pid_t *pids, long hold, long settle_ms)
{
    for (long i = 0; i < hold;)
    {
        if (asleep(pids[i])) i++;
        else usleep(10000);
    }
    usleep((useconds_t)settle_ms * 1000);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5) return 2;
    long count = atol(argv[1]), warmup = atol(argv[2]);
    for (long i = 0; i < warmup; i++)
        if (run_once() != 0) return 1;
    if (argc == 3)
    {
        double seconds = timed_loop(count);
        if (seconds < 0) return 1;
        printf("%.3f %.6f\n", (double)count / seconds, seconds);
        return 0;
    }

    long hold = atol(argv[3]), settle_ms = atol(argv[4]);
    double idle = timed_loop(count);
    if (idle < 0) return 1;
    pid_t *pids = calloc((size_t)hold, sizeof(pid_t));
    if (pids == NULL) return 1;
    char *sleep_argv[] = { "sleep", "600", NULL };
    int failed = 0;
    long started = 0;
    for (; started < hold; started++)
        if (posix_spawn(&pids[started], "/bin/sleep", NULL, NULL, sleep_argv, environ) != 0) { failed = 1; break; }
    double held = -1;
    if (!failed)
    {
        settle(pids, hold, settle_ms);
        held = timed_loop(count);
    }
    for (long i = 0; i < started; i++) kill(pids[i], SIGKILL);
    for (long i = 0; i < started; i++) waitpid(pids[i], NULL, 0);
    free(pids);
    if (failed || held < 0) return 1;
    printf("%.3f %.6f %.3f\n", (double)count / held, held, (double)count / idle);
    return 0;
}
