/* poll on standard input: nothing typed yet (timeout 0 answers 0), then a wait that a typed
   line ends with POLLIN, and the read that gets it. In the kernel the test types "hi" on the
   serial console; on Linux: (sleep 0.3; echo hi; sleep 1) | ./poll_console gives the same line. */
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(void)
{
    struct pollfd p = { 0, POLLIN, 0 };
    int before = poll(&p, 1, 0);
    long start = now_ms();
    int after = poll(&p, 1, 10000);
    int woken = now_ms() - start < 5000; /* by the line, not by the end of the timeout */
    char line[16];
    long n = after == 1 ? read(0, line, sizeof line) : -1;
    printf("poll_console: before %d, after %d, revents 0x%x, read %ld, woken by the line %d\n", before, after, p.revents, n, woken);
    return before == 0 && after == 1 && p.revents == POLLIN && n == 3 && woken ? 0 : 1;
}
