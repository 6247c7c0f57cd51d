/*
 * The C baseline of issue 5: sequential posix_spawn + waitpid of /bin/true, no library around it.
 * Usage: spawn_loop COUNT WARMUP  -> prints "<starts per second>" on stdout.
 * Compiled by the benchmark at run time (cc -O2) into the project's obj/ directory.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

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

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    long count = atol(argv[1]), warmup = atol(argv[2]);
    for (long i = 0; i < warmup; i++)
        if (run_once() != 0) return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < count; i++)
        if (run_once() != 0) return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.3f %.6f\n", (double)count / seconds, seconds);
    return 0;
}
