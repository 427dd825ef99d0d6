/* A position-independent program's view of how it was started (issue 12, item 3): built as a
   static PIE (musl-gcc -static-pie) and as a dynamically linked musl program, run by the
   Debian suite (userland/debian-suite/commands.txt) on Aurora and on the host, which must
   print the same. It checks what the kernel's ELF loader gives: the auxiliary vector (page
   size, clock ticks, platform, file name, program headers, random bytes, ids, AT_BASE only
   with an interpreter), a random page-aligned base that differs from one run to the next
   (ASLR), a zeroed bss, initialised data and TLS, /proc/self/exe, and a stack that is not
   executable. Prints "N wrong" last. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

extern const char __ehdr_start[];
static int wrong;
static char zeroed[100000];
static int initialised = 1234;
static __thread int tls_initialised = 42;
static __thread char tls_zeroed[64];

static void expect(int ok, const char *what)
{
    if (!ok) {
        wrong++;
        printf("wrong: %s\n", what);
    }
}

static int run_on_stack(void)
{
    pid_t child = fork();
    if (child == 0) {
        unsigned char code[16] = { 0xC3 }; /* ret */
        void (*f)(void) = (void (*)(void))(void *)code;
        f();
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return status;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--base") == 0) {
        printf("%lx\n", (unsigned long)__ehdr_start);
        return 0;
    }

    printf("argc %d:", argc);
    for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
    printf("\n");

    expect(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ is 4096");
    expect(getauxval(AT_CLKTCK) == 100, "AT_CLKTCK is 100");
    const char *platform = (const char *)getauxval(AT_PLATFORM);
#if defined(__aarch64__)
    expect(platform && strcmp(platform, "aarch64") == 0, "AT_PLATFORM is aarch64");
#else
    expect(platform && strcmp(platform, "x86_64") == 0, "AT_PLATFORM is x86_64");
#endif
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    expect(execfn && strcmp(execfn, argv[0]) == 0, "AT_EXECFN is the path execve was given (argv[0] here)");
    expect(getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT is 56");
    const Elf64_Ehdr *ehdr = (const Elf64_Ehdr *)__ehdr_start;
    expect(getauxval(AT_PHNUM) == ehdr->e_phnum, "AT_PHNUM is e_phnum");
    expect(getauxval(AT_PHDR) == (unsigned long)__ehdr_start + ehdr->e_phoff, "AT_PHDR is the loaded program headers");
    expect(ehdr->e_type == ET_DYN, "the program is position independent");
    expect(getauxval(AT_ENTRY) == (unsigned long)__ehdr_start + ehdr->e_entry, "AT_ENTRY is the program's entry after the bias");
    expect(getauxval(AT_RANDOM) != 0, "AT_RANDOM is there");
    expect(getauxval(AT_SECURE) == 0, "AT_SECURE is 0");
    expect(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid(), "AT_UID, AT_EUID are the ids");
    expect(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(), "AT_GID, AT_EGID are the ids");
    expect((getauxval(AT_HWCAP) & 1) != 0, "AT_HWCAP has the FPU bit (CPUID 1 EDX)");
    expect(getauxval(AT_MINSIGSTKSZ) >= 1024 && getauxval(AT_MINSIGSTKSZ) <= 65536, "AT_MINSIGSTKSZ is plausible");
    int dynamic = 0;
    for (int i = 0; i < ehdr->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(__ehdr_start + ehdr->e_phoff) + i;
        if (ph->p_type == PT_INTERP) dynamic = 1;
    }
    printf("interpreter: %s\n", dynamic ? "yes" : "no");
    expect(dynamic ? getauxval(AT_BASE) != 0 : getauxval(AT_BASE) == 0, "AT_BASE is the interpreter's base (0 without one)");
    expect(((unsigned long)__ehdr_start & 4095) == 0, "the base is page aligned");
    expect((unsigned long)__ehdr_start >= 0x10000, "the base is not near 0");

    int all_zero = 1;
    for (size_t i = 0; i < sizeof zeroed; i++) all_zero &= zeroed[i] == 0;
    expect(all_zero, "the bss is zero");
    expect(initialised == 1234, "initialised data");
    expect(tls_initialised == 42 && tls_zeroed[63] == 0, "TLS: initialised and zeroed");

    char exe[PATH_MAX], real[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    expect(n > 0, "readlink /proc/self/exe");
    if (n > 0) exe[n] = 0;
    expect(n > 0 && realpath(argv[0], real) && strcmp(exe, real) == 0, "/proc/self/exe is the program");

    /* ASLR: the same program run again is at another base (chance of a repeat: 2^-28). */
    int pipes[2];
    char line[64] = "";
    if (pipe(pipes) == 0) {
        pid_t child = fork();
        if (child == 0) {
            dup2(pipes[1], 1);
            execl(argv[0], argv[0], "--base", (char *)0);
            _exit(127);
        }
        close(pipes[1]);
        ssize_t got = read(pipes[0], line, sizeof line - 1);
        if (got > 0) line[got] = 0;
        close(pipes[0]);
        waitpid(child, 0, 0);
    }
    unsigned long other = strtoul(line, 0, 16);
    expect(other != 0 && (other & 4095) == 0, "the child printed its base");
    expect(other != (unsigned long)__ehdr_start, "a second run is at another base (ASLR)");

    int status = run_on_stack();
    expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "code on the stack faults (PT_GNU_STACK without PF_X)");

    printf("%d wrong\n", wrong);
    return wrong != 0;
}
