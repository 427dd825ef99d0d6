/* UMIP (issue 9 finding 10): SGDT, SIDT, SLDT, SMSW and STR reveal where the kernel keeps its
   descriptor tables and its control-register bits; with CR4.UMIP set they fault in ring 3
   (#GP), which the kernel turns into SIGSEGV. Each instruction runs in its own child.
   Prints, per instruction, SIGSEGV or what it read. Exit status: the number of instructions
   that did not fault. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned char table[10];
static unsigned short selector;

static void do_sgdt(void) { __asm__ volatile("sgdt %0" : "=m"(table)); }
static void do_sidt(void) { __asm__ volatile("sidt %0" : "=m"(table)); }
static void do_sldt(void) { __asm__ volatile("sldt %0" : "=m"(selector)); }
static void do_smsw(void) { __asm__ volatile("smsw %0" : "=m"(selector)); }
static void do_str(void) { __asm__ volatile("str %0" : "=m"(selector)); }

static int faults(const char *name, void (*body)(void))
{
    pid_t child = fork();
    if (child == 0) {
        body();
        dprintf(1, "%s: read base %#lx, selector/word %#x\n", name, *(unsigned long *)(table + 2), selector);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    int ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
    if (ok) dprintf(1, "%s: SIGSEGV\n", name);
    return !ok;
}

int main(void)
{
    int wrong = 0;
    wrong += faults("sgdt", do_sgdt);
    wrong += faults("sidt", do_sidt);
    wrong += faults("sldt", do_sldt);
    wrong += faults("smsw", do_smsw);
    wrong += faults("str", do_str);
    dprintf(1, "hardening umip: %d did not fault\n", wrong);
    return wrong;
}
