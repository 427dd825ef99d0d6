/* Hostile programs for the ELF loader (issue 12, item 3): hand-built ELF files written to /tmp
   and execve'd. Each bad one must be refused with Linux's errno and leave the caller whole
   (execve returns; this process goes on), each good one must run (its exit status says which
   entry ran: 42 the program's, 43 the interpreter's).

   Linux is the reference (run this natively: 0 wrong). Where Linux accepts a file and the
   program can only die after the point of no return (segments outside the file, overlapping
   segments, an entry in no executable segment, a segment past the user half), Aurora refuses
   it in execve with ENOEXEC, so the caller learns why: those cases expect a death or a run on
   Linux and ENOEXEC on Aurora (uname -s). Prints a line per mismatch and "N wrong" last. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static int wrong, aurora;
static unsigned char file[8192];

#if defined(__aarch64__)
/* exit(42) and exit(43): movz x0, #N; movz x8, #93; svc #0 (little-endian words) */
static const unsigned char exit42[] = { 0x40, 0x05, 0x80, 0xD2, 0xA8, 0x0B, 0x80, 0xD2, 0x01, 0x00, 0x00, 0xD4 };
static const unsigned char exit43[] = { 0x60, 0x05, 0x80, 0xD2, 0xA8, 0x0B, 0x80, 0xD2, 0x01, 0x00, 0x00, 0xD4 };
#define MACHINE EM_AARCH64
#else
/* exit(42) and exit(43): mov edi, N; mov eax, 60; syscall */
static const unsigned char exit42[] = { 0xBF, 42, 0, 0, 0, 0xB8, 60, 0, 0, 0, 0x0F, 0x05 };
static const unsigned char exit43[] = { 0xBF, 43, 0, 0, 0, 0xB8, 60, 0, 0, 0, 0x0F, 0x05 };
#define MACHINE EM_X86_64
#endif

#define CODE_OFFSET 0x200
#define INTERP_OFFSET 0x180

static Elf64_Ehdr *ehdr(void) { return (Elf64_Ehdr *)file; }
static Elf64_Phdr *phdr(int i) { return (Elf64_Phdr *)(file + sizeof(Elf64_Ehdr)) + i; }

/* A program of one PT_LOAD (RX, the whole file) at BASE (0 for ET_DYN) whose entry runs CODE;
   room for two more headers. Returns the file's size. */
static size_t build(int type, unsigned long base, const unsigned char *code, size_t code_size)
{
    memset(file, 0, sizeof file);
    Elf64_Ehdr *e = ehdr();
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = type;
    e->e_machine = MACHINE;
    e->e_version = EV_CURRENT;
    e->e_entry = base + CODE_OFFSET;
    e->e_phoff = sizeof(Elf64_Ehdr);
    e->e_ehsize = sizeof(Elf64_Ehdr);
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = 1;
    Elf64_Phdr *p = phdr(0);
    p->p_type = PT_LOAD;
    p->p_flags = PF_R | PF_X;
    p->p_offset = 0;
    p->p_vaddr = p->p_paddr = base;
    p->p_filesz = p->p_memsz = 0x1000;
    p->p_align = 0x1000;
    memcpy(file + CODE_OFFSET, code, code_size);
    return 0x1000;
}

/* Adds a PT_INTERP naming PATH (with its NUL unless told otherwise). */
static void add_interp(const char *path, size_t size)
{
    Elf64_Ehdr *e = ehdr();
    Elf64_Phdr *p = phdr(e->e_phnum);
    /* PT_INTERP comes before PT_LOAD, as linkers write it. */
    memmove(phdr(1), phdr(0), sizeof(Elf64_Phdr) * e->e_phnum);
    p = phdr(0);
    memset(p, 0, sizeof *p);
    p->p_type = PT_INTERP;
    p->p_flags = PF_R;
    p->p_offset = INTERP_OFFSET;
    p->p_filesz = size;
    memcpy(file + INTERP_OFFSET, path, strlen(path));
    e->e_phnum++;
}

static void write_file(const char *path, const void *data, size_t size)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        printf("cannot write %s: errno %d\n", path, errno);
        exit(2);
    }
    close(fd);
}

static const char *errno_name(int e)
{
    switch (e) {
    case 0: return "none";
    case ENOEXEC: return "ENOEXEC";
    case ELIBBAD: return "ELIBBAD";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EIO: return "EIO";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    default: return "another errno";
    }
}

/* execve in this very process: it must fail with EXPECTED and return. */
static void refused(const char *what, const char *path, int expected)
{
    static int canary = 0x5a5a5a5a;
    printf("%s: ", what);
    char *argv[] = { (char *)path, 0 }, *envp[] = { 0 };
    errno = 0;
    int result = execve(path, argv, envp);
    int error = errno;
    if (result != -1 || error != expected) {
        wrong++;
        printf("wrong: %s: expected %s, got %s (%d)\n", what, errno_name(expected), errno_name(error), error);
    }
    if (canary != 0x5a5a5a5a) {
        wrong++;
        printf("wrong: %s: the caller's memory changed\n", what);
    }
    printf("%s\n", errno_name(error));
}

/* execve in a child: its wait status (or 0x7f00 | errno when execve returned). */
static int run(const char *path)
{
    pid_t child = fork();
    if (child == 0) {
        char *argv[] = { (char *)path, 0 }, *envp[] = { 0 };
        execve(path, argv, envp);
        _exit(100 + (errno & 0x7f) > 255 ? 255 : 100 + errno);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child) return -1;
    return status;
}

static void runs(const char *what, const char *path, int code)
{
    int status = run(path);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != code) {
        wrong++;
        printf("wrong: %s: expected exit %d, got status 0x%x\n", what, code, status);
    }
}

/* Linux loads it and the program dies or runs; Aurora refuses it with ENOEXEC. */
static void stricter(const char *what, const char *path)
{
    if (aurora) {
        refused(what, path, ENOEXEC);
        return;
    }
    int status = run(path);
    if (WIFEXITED(status) && WEXITSTATUS(status) >= 100) {
        wrong++;
        printf("wrong: %s: Linux refused it (status 0x%x): the case no longer shows the difference\n", what, status);
    }
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0); /* a refused() that runs the program must not lose what was printed */
    struct utsname name;
    aurora = uname(&name) == 0 && strcmp(name.sysname, "Aurora") == 0;
    mkdir("/tmp/elfattack", 0755);
    size_t size;

    /* Good files first: they prove the builder. */
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    write_file("/tmp/elfattack/good", file, size);
    runs("a minimal static ET_EXEC", "/tmp/elfattack/good", 42);
    size = build(ET_DYN, 0, exit42, sizeof exit42);
    write_file("/tmp/elfattack/pie", file, size);
    runs("a minimal static PIE (ET_DYN at a chosen base)", "/tmp/elfattack/pie", 42);
    size = build(ET_DYN, 0, exit43, sizeof exit43);
    write_file("/tmp/elfattack/interp", file, size);
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    add_interp("/tmp/elfattack/interp", sizeof "/tmp/elfattack/interp");
    write_file("/tmp/elfattack/dynamic", file, size);
    runs("PT_INTERP: the interpreter's entry runs", "/tmp/elfattack/dynamic", 43);
    size = build(ET_DYN, 0, exit42, sizeof exit42);
    add_interp("/tmp/elfattack/interp", sizeof "/tmp/elfattack/interp");
    write_file("/tmp/elfattack/dynamic-pie", file, size);
    runs("PT_INTERP in a PIE: the interpreter's entry runs", "/tmp/elfattack/dynamic-pie", 43);
    /* An interpreter naming an interpreter: Linux ignores the second PT_INTERP. */
    size = build(ET_DYN, 0, exit43, sizeof exit43);
    add_interp("/nonexistent/ld.so", sizeof "/nonexistent/ld.so");
    write_file("/tmp/elfattack/interp-with-interp", file, size);
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    add_interp("/tmp/elfattack/interp-with-interp", sizeof "/tmp/elfattack/interp-with-interp");
    write_file("/tmp/elfattack/nested", file, size);
    runs("an interpreter's own PT_INTERP is not followed", "/tmp/elfattack/nested", 43);

    /* Bad headers: ENOEXEC. */
    write_file("/tmp/elfattack/short", "\x7f" "ELF\2\1\1", 7);
    refused("a 7-byte file", "/tmp/elfattack/short", ENOEXEC);
    write_file("/tmp/elfattack/empty", "", 0);
    refused("an empty file", "/tmp/elfattack/empty", ENOEXEC);
    write_file("/tmp/elfattack/text", "just some text that is not a program at all, long enough for a header\n", 70);
    refused("a text file without #!", "/tmp/elfattack/text", ENOEXEC);
    static const struct { const char *what; int field; } bad[] = {
        { "machine i386", 3 }, { "type ET_REL", 4 },
        { "e_phentsize 32", 5 }, { "e_phnum 0", 6 }, { "e_phnum 65535", 7 }, { "e_phoff past the end", 8 },
        { "e_phoff wraps", 9 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
        Elf64_Ehdr *e = ehdr();
        switch (bad[i].field) {
        case 1: e->e_ident[EI_CLASS] = ELFCLASS32; break;
        case 2: e->e_ident[EI_DATA] = ELFDATA2MSB; break;
        case 3: e->e_machine = EM_386; break;
        case 4: e->e_type = ET_REL; break;
        case 5: e->e_phentsize = 32; break;
        case 6: e->e_phnum = 0; break;
        case 7: e->e_phnum = 65535; break;
        case 8: e->e_phoff = 0x100000; break;
        case 9: e->e_phoff = ~0UL - 8; break;
        }
        write_file("/tmp/elfattack/bad", file, size);
        refused(bad[i].what, "/tmp/elfattack/bad", ENOEXEC);
    }

    /* Bad PT_INTERP fields: ENOEXEC. */
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    add_interp("/tmp/elfattack/interp", strlen("/tmp/elfattack/interp"));
    write_file("/tmp/elfattack/bad", file, size);
    refused("PT_INTERP without its NUL", "/tmp/elfattack/bad", ENOEXEC);
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    add_interp("", 1);
    write_file("/tmp/elfattack/bad", file, size);
    refused("PT_INTERP of 1 byte", "/tmp/elfattack/bad", ENOEXEC);
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    add_interp("/tmp/elfattack/interp", sizeof "/tmp/elfattack/interp");
    phdr(0)->p_filesz = 5000;
    write_file("/tmp/elfattack/bad", file, size);
    refused("PT_INTERP longer than PATH_MAX", "/tmp/elfattack/bad", ENOEXEC);
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    add_interp("/tmp/elfattack/interp", sizeof "/tmp/elfattack/interp");
    phdr(0)->p_offset = 0x100000;
    write_file("/tmp/elfattack/bad", file, size);
    refused("PT_INTERP outside the file (a short read: EIO)", "/tmp/elfattack/bad", EIO);

    /* Bad interpreters: ENOENT, EACCES, EIO, ELIBBAD. */
    static const struct { const char *what, *path; int expected; } interps[] = {
        { "a missing interpreter", "/nonexistent/ld.so", ENOENT },
        { "a directory as interpreter", "/tmp", EACCES },
        { "a 7-byte interpreter", "/tmp/elfattack/short", EIO },
        { "a text file as interpreter", "/tmp/elfattack/text", ELIBBAD },
        { "an i386 interpreter", "/tmp/elfattack/interp-i386", ELIBBAD },
        { "an interpreter with e_phnum 0", "/tmp/elfattack/interp-nophdr", ELIBBAD },
        { "an interpreter with e_phentsize 32", "/tmp/elfattack/interp-phent", ELIBBAD },
    };
    size = build(ET_DYN, 0, exit43, sizeof exit43);
    ehdr()->e_machine = EM_386;
    write_file("/tmp/elfattack/interp-i386", file, size);
    size = build(ET_DYN, 0, exit43, sizeof exit43);
    ehdr()->e_phnum = 0;
    write_file("/tmp/elfattack/interp-nophdr", file, size);
    size = build(ET_DYN, 0, exit43, sizeof exit43);
    ehdr()->e_phentsize = 32;
    write_file("/tmp/elfattack/interp-phent", file, size);
    for (size_t i = 0; i < sizeof interps / sizeof interps[0]; i++) {
        size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
        add_interp(interps[i].path, strlen(interps[i].path) + 1);
        write_file("/tmp/elfattack/bad", file, size);
        refused(interps[i].what, "/tmp/elfattack/bad", interps[i].expected);
    }

    /* Files Linux loads and then kills the program of (or runs by luck): refused by Aurora.
       Linux's binfmt_elf does not look at EI_CLASS or EI_DATA; Aurora does. */
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    ehdr()->e_ident[EI_CLASS] = ELFCLASS32;
    write_file("/tmp/elfattack/bad", file, size);
    stricter("EI_CLASS 32-bit", "/tmp/elfattack/bad");
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    ehdr()->e_ident[EI_DATA] = ELFDATA2MSB;
    write_file("/tmp/elfattack/bad", file, size);
    stricter("EI_DATA big-endian", "/tmp/elfattack/bad");
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    phdr(0)->p_filesz = phdr(0)->p_memsz = 0x100000;
    write_file("/tmp/elfattack/bad", file, size);
    stricter("a segment past the end of the file", "/tmp/elfattack/bad");
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    *phdr(1) = *phdr(0);
    ehdr()->e_phnum = 2;
    phdr(1)->p_vaddr = 0x400800;
    phdr(1)->p_offset = 0x800;
    phdr(1)->p_filesz = phdr(1)->p_memsz = 0x800;
    write_file("/tmp/elfattack/bad", file, size);
    stricter("overlapping segments", "/tmp/elfattack/bad");
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    ehdr()->e_entry = 0x900000;
    write_file("/tmp/elfattack/bad", file, size);
    stricter("an entry point in no segment", "/tmp/elfattack/bad");
    size = build(ET_EXEC, 0x400000, exit42, sizeof exit42);
    phdr(0)->p_memsz = 1UL << 47;
    write_file("/tmp/elfattack/bad", file, size);
    stricter("a segment past the user half", "/tmp/elfattack/bad");

    /* Nothing left behind (the in-kernel test counts every frame and heap block). */
    static const char *const made[] = { "good", "pie", "interp", "dynamic", "dynamic-pie", "interp-with-interp",
        "nested", "short", "empty", "text", "bad", "interp-i386", "interp-nophdr", "interp-phent" };
    char path[64];
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
        snprintf(path, sizeof path, "/tmp/elfattack/%s", made[i]);
        unlink(path);
    }
    rmdir("/tmp/elfattack");

    printf("%d wrong\n", wrong);
    return wrong != 0;
}
