/* Malformed ELF files (issue 9): a minimal valid program (it exits 42) is written to /tmp,
   then 60-odd damaged variants (truncated headers, program headers outside the file,
   overlapping and huge segments, p_filesz > p_memsz, the entry outside every segment,
   kernel-half and non-canonical addresses, wrapping vaddr+memsz, no or huge phnum, bad
   class, machine, type, random bytes), each execve'd in a forked child. A file Linux refuses
   must be refused (ENOEXEC, EINVAL, ENOMEM, ...: the child goes on) or, past the point of no
   return, end the child by a signal; never run as if it were whole. A file Linux would load
   anyway may do anything but hang. Every case must end within 3 s. Exit status: the number
   of wrong outcomes. */
#include "attack_common.h"
#include <elf.h>

#define BASE 0x400000UL
#define CODE_OFFSET 0x1000
#define FILE_SIZE 0x2000

enum expectation { REFUSE, ANY };

/* The machine the kernel runs (every variant starts from a valid program for it) and the
   other one of Aurora's two, which the kernel must refuse as it refuses any foreign machine. */
#if defined(__aarch64__)
#define NATIVE_MACHINE EM_AARCH64
#define FOREIGN_MACHINE EM_X86_64
#define FOREIGN_NAME "machine x86-64 (foreign)"
#else
#define NATIVE_MACHINE EM_X86_64
#define FOREIGN_MACHINE EM_AARCH64
#define FOREIGN_NAME "machine aarch64 (foreign)"
#endif

static unsigned char image[FILE_SIZE + 0x10000];
static Elf64_Ehdr *eh = (Elf64_Ehdr *)image;
static Elf64_Phdr *ph = (Elf64_Phdr *)(image + sizeof(Elf64_Ehdr));

static void build_valid(void)
{
    memset(image, 0, sizeof image);
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = NATIVE_MACHINE;
    eh->e_version = EV_CURRENT;
    eh->e_entry = BASE + CODE_OFFSET;
    eh->e_phoff = sizeof(Elf64_Ehdr);
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = 1;
    ph->p_type = PT_LOAD;
    ph->p_flags = PF_R | PF_X;
    ph->p_offset = 0;
    ph->p_vaddr = ph->p_paddr = BASE;
    ph->p_filesz = ph->p_memsz = FILE_SIZE;
    ph->p_align = 0x1000;
#if defined(__aarch64__)
    /* mov x8, #93 (exit); mov x0, #42; svc #0 */
    static const unsigned int code[] = { 0xd2800ba8, 0xd2800540, 0xd4000001 };
#else
    /* mov $60, %eax; mov $42, %edi; syscall */
    static const unsigned char code[] = { 0xb8, 60, 0, 0, 0, 0xbf, 42, 0, 0, 0, 0x0f, 0x05 };
#endif
    memcpy(image + CODE_OFFSET, code, sizeof code);
}

static unsigned long rng = 0x9e3779b97f4a7c15UL;
static unsigned long next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

/* Makes variant `n` in image; returns its file size, with *expect and *name set; 0: no more. */
static long variant(int n, enum expectation *expect, const char **name)
{
    build_valid();
    long size = FILE_SIZE;
    *expect = REFUSE;
    static const long truncations[] = { 0, 1, 4, 16, 52, 63, 64, 70, 100, 119 };
    if (n < 10) { *name = "truncated"; return truncations[n] ? truncations[n] : -1; }
    n -= 10;
    switch (n) {
    case 0: *name = "bad magic byte 0"; image[0] = 0; break;
    case 1: *name = "bad magic byte 3"; image[3] = 'X'; break;
    case 2: *name = "class none"; *expect = ANY; image[EI_CLASS] = 0; break;
    case 3: *name = "class 32-bit"; *expect = ANY; image[EI_CLASS] = ELFCLASS32; break;
    case 4: *name = "class 3"; *expect = ANY; image[EI_CLASS] = 3; break;
    case 5: *name = "big-endian"; *expect = ANY; image[EI_DATA] = ELFDATA2MSB; break;
    case 6: *name = "type none"; eh->e_type = ET_NONE; break;
    case 7: *name = "type relocatable"; eh->e_type = ET_REL; break;
    case 8: *name = "type core"; eh->e_type = ET_CORE; break;
    case 9: *name = "type 0xffff"; eh->e_type = 0xffff; break;
    case 10: *name = "type shared object (PIE)"; *expect = ANY; eh->e_type = ET_DYN; break;
    case 11: *name = "machine none"; eh->e_machine = 0; break;
    case 12: *name = "machine i386"; eh->e_machine = EM_386; break;
    case 13: *name = FOREIGN_NAME; eh->e_machine = FOREIGN_MACHINE; break;
    case 14: *name = "machine 0xffff"; eh->e_machine = 0xffff; break;
    case 15: *name = "phentsize 0"; eh->e_phentsize = 0; break;
    case 16: *name = "phentsize 55"; eh->e_phentsize = 55; break;
    case 17: *name = "phentsize 57"; eh->e_phentsize = 57; break;
    case 18: *name = "phentsize 0xffff"; eh->e_phentsize = 0xffff; break;
    case 19: *name = "phnum 0"; eh->e_phnum = 0; break;
    case 20: *name = "phnum 0xffff"; eh->e_phnum = 0xffff; break;
    case 21: *name = "phnum 1000 (past the file)"; eh->e_phnum = 1000; break;
    case 22: *name = "phoff past the file"; eh->e_phoff = FILE_SIZE + 0x100000; break;
    case 23: *name = "phoff ~0"; eh->e_phoff = ~0UL; break;
    case 24: *name = "phoff wraps with the table size"; eh->e_phoff = ~0UL - 20; break;
    case 25: *name = "phoff at the file's last bytes"; eh->e_phoff = FILE_SIZE - 10; break;
    case 26: *name = "phoff 1 (overlapping the header)"; *expect = ANY; eh->e_phoff = 1; break;
    case 27: *name = "entry 0"; eh->e_entry = 0; break;
    case 28: *name = "entry outside every segment"; eh->e_entry = 0x500000; break;
    case 29: *name = "entry in the kernel half"; eh->e_entry = 0xffffffff80000000UL; break;
    case 30: *name = "entry non-canonical"; eh->e_entry = 0x0000800000000000UL; break;
    case 31: *name = "no PT_LOAD"; ph->p_type = PT_NULL; break;
    case 32: *name = "segment offset past the file"; ph->p_offset = 0x100000; ph->p_vaddr = BASE; break;
    case 33: *name = "segment offset ~0 (wraps)"; ph->p_offset = ~0UL - 0xfff; break;
    case 34: *name = "segment file range past the file"; *expect = ANY; ph->p_filesz = ph->p_memsz = 0x100000; break;
    case 35: *name = "p_filesz > p_memsz"; *expect = ANY; ph->p_memsz = 0x1000 + 12; break;
    case 36: *name = "p_memsz 1<<46"; ph->p_memsz = 1UL << 46; break;
    case 37: *name = "p_memsz ~0"; ph->p_memsz = ~0UL; break;
    case 38: *name = "p_filesz ~0"; ph->p_filesz = ~0UL; break;
    case 39: *name = "vaddr 0xffff800000000000"; ph->p_vaddr = 0xffff800000000000UL; eh->e_entry = ph->p_vaddr + CODE_OFFSET; break;
    case 40: *name = "vaddr 0xffffffff80000000"; ph->p_vaddr = 0xffffffff80000000UL; eh->e_entry = ph->p_vaddr + CODE_OFFSET; break;
    case 41: *name = "vaddr non-canonical"; ph->p_vaddr = 0x0000800000000000UL; eh->e_entry = ph->p_vaddr + CODE_OFFSET; break;
    case 42: *name = "vaddr+memsz wraps"; ph->p_vaddr = 0xfffffffffffff000UL; ph->p_memsz = 0x3000; eh->e_entry = BASE; break;
    case 43: *name = "vaddr+memsz crosses the user limit"; ph->p_vaddr = 0x7ffffffff000UL; ph->p_memsz = 0x3000; eh->e_entry = ph->p_vaddr + CODE_OFFSET; break;
    case 44: *name = "vaddr 0"; *expect = ANY; ph->p_vaddr = 0; eh->e_entry = CODE_OFFSET; break;
    case 45: *name = "offset and vaddr not congruent"; *expect = ANY; ph->p_offset = 0x10; break;
    case 46: *name = "p_align 3"; *expect = ANY; ph->p_align = 3; break;
    case 47: *name = "two overlapping segments, W and X"; *expect = ANY;
        eh->e_phnum = 2; ph[1] = ph[0]; ph[1].p_flags = PF_R | PF_W; break;
    case 48: *name = "500 segments on one page"; *expect = ANY;
        eh->e_phoff = 0x1100; eh->e_phnum = 500; size = 0x1100 + 500 * sizeof(Elf64_Phdr);
        for (int i = 0; i < 500; i++) { Elf64_Phdr *p = (Elf64_Phdr *)(image + 0x1100) + i; *p = ph[0]; p->p_filesz = p->p_memsz = size; }
        break;
    case 49: *name = "1000 segments with huge sizes"; eh->e_phoff = 0x1100; eh->e_phnum = 1000;
        size = 0x1100 + 1000 * sizeof(Elf64_Phdr);
        for (int i = 0; i < 1000; i++) { Elf64_Phdr *p = (Elf64_Phdr *)(image + 0x1100) + i; *p = ph[0]; p->p_vaddr = BASE + (unsigned long)i * (1UL << 32); p->p_memsz = 1UL << 36; }
        break;
    case 50: *name = "PT_INTERP to a missing file"; eh->e_phnum = 2; ph[1] = ph[0]; ph[0].p_type = PT_INTERP;
        ph[0].p_offset = 0x1800; ph[0].p_filesz = 16; strcpy((char *)image + 0x1800, "/nonexistent-ld"); break;
    case 51: *name = "PT_INTERP with a huge size"; eh->e_phnum = 2; ph[1] = ph[0]; ph[0].p_type = PT_INTERP;
        ph[0].p_offset = 0x1800; ph[0].p_filesz = ~0UL; break;
    case 52: *name = "ehsize 0"; *expect = ANY; eh->e_ehsize = 0; break;
    case 53: *name = "header only, no code"; size = 120; break;
    default:
        if (n < 54 + 10) {
            /* A valid header, then random bytes over the program headers and code. */
            *name = "random program headers";
            *expect = ANY;
            for (long i = sizeof(Elf64_Ehdr); i < FILE_SIZE; i++) image[i] = (unsigned char)next();
            eh->e_phnum = (Elf64_Half)(next() % 8);
            break;
        }
        return 0;
    }
    return size;
}

int main(void)
{
    /* First the valid program: it must run and exit 42, or the variants prove nothing. */
    int total = 0, refused = 0;
    for (int n = -1; ; n++) {
        enum expectation expect = ANY;
        const char *name = "the valid program";
        long size;
        if (n < 0) { build_valid(); size = FILE_SIZE; }
        else if ((size = variant(n, &expect, &name)) == 0) break;
        if (size < 0) size = 0;
        char path[64];
        snprintf(path, sizeof path, "/tmp/attack-elf-%d", n + 1);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
        if (fd < 0 || write(fd, image, size) != size) { attack_report("write the file", "its size", size, errno); if (fd >= 0) close(fd); continue; }
        close(fd);
        pid_t pid = fork();
        if (pid == 0) {
            char *argv[] = { path, 0 }, *envp[] = { 0 };
            long r = raw(SYS_execve, path, argv, envp);
            _exit(r < 0 && r > -100 ? 100 + (int)-r : 99);
        }
        int status;
        int how = pid > 0 ? wait_with_deadline(pid, 3000, 3000, &status) : -1;
        unlink(path);
        total++;
        char got[48], what[96];
        describe_status(status, got, sizeof got);
        snprintf(what, sizeof what, "variant %d (%s)", n + 1, name);
        if (how != CHILD_EXITED) {
            attack_wrong++;
            dprintf(1, "WRONG: %s: no end within 3 s%s\n", what, how == CHILD_UNKILLABLE ? ", and SIGKILL did not end it" : "");
            continue;
        }
        if (n < 0) {
            if (!(WIFEXITED(status) && WEXITSTATUS(status) == 42)) { attack_wrong++; dprintf(1, "WRONG: the valid program: expected exit 42, got %s\n", got); }
            continue;
        }
        int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        int err = exit_code >= 100 ? exit_code - 100 : 0;
        int clean_refusal = err == ENOEXEC || err == EINVAL || err == ENOMEM || err == EACCES || err == EIO ||
                            err == ENOENT || err == EFAULT || err == EPERM || err == E2BIG || err == ELIBBAD;
        int fatal_signal = WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS ||
                                                   WTERMSIG(status) == SIGKILL || WTERMSIG(status) == SIGILL);
        if (clean_refusal) refused++;
        if (expect == REFUSE && !clean_refusal && !fatal_signal) {
            attack_wrong++;
            dprintf(1, "WRONG: %s: expected a refusal (ENOEXEC, EINVAL, ENOMEM...) or a fatal signal, got %s%s\n", what, got,
                    exit_code == 42 ? " (it ran as if whole)" : "");
        }
    }
    dprintf(1, "attack_elf: %d files (1 valid), %d refused with an errno, %d wrong\n", total, refused, attack_wrong);
    return attack_wrong;
}
