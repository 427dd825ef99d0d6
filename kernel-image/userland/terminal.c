/* The terminal on standard input as Linux's n_tty gives it: the termios ioctls and their
 * errno, canonical line editing and raw mode (VMIN/VTIME) fed through TIOCSTI (bytes "typed"
 * by the program itself), the input flags, flushing, window size, and in a session of its own
 * the controlling terminal: TIOCSCTTY, TIOCGPGRP/TIOCSPGRP, TIOCGSID, keyboard signals to the
 * foreground group, SIGTTIN for a background reader (EIO when it ignores it), SIGTTOU under
 * TOSTOP, TIOCNOTTY. Needs a terminal: on Linux run it under script(1) (a pty); on Aurora its
 * standard input is the console. Every setting is restored before it ends.
 * Prints "terminal: N wrong" (0 on Linux and on Aurora). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int wrong;
static void expect(const char *what, long expected, long actual)
{
    if (expected != actual) { printf("terminal: %s: expected %ld, actual %ld\n", what, expected, actual); wrong++; }
}

static long err(long result) { return result < 0 ? -errno : result; }

static struct termios original;

static void type(const char *text)
{
    for (; *text; text++) ioctl(0, TIOCSTI, text);
}

/* ICANON and the other local flags set as given, echo off (what is typed must not clutter
   the output), everything else as it was. */
static void mode(tcflag_t local, int vmin, int vtime)
{
    struct termios t = original;
    t.c_lflag = local & ~(ECHO | ECHOE | ECHOK | ECHONL);
    t.c_cc[VMIN] = vmin;
    t.c_cc[VTIME] = vtime;
    tcsetattr(0, TCSAFLUSH, &t);
}

static long read_text(char *buffer, size_t size)
{
    memset(buffer, 0, size);
    return err(read(0, buffer, size - 1));
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void defaults_and_errors(void)
{
    /* Linux's tty_std_termios (what a fresh console or pty starts with). */
    expect("isatty(0)", 1, isatty(0));
    expect("ICRNL and IXON in c_iflag", ICRNL | IXON, original.c_iflag & (ICRNL | IXON | INLCR | IGNCR));
    expect("OPOST and ONLCR in c_oflag", OPOST | ONLCR, original.c_oflag & (OPOST | ONLCR | OCRNL));
    expect("CS8 and CREAD in c_cflag", CS8 | CREAD, original.c_cflag & (CSIZE | CREAD));
    expect("c_lflag", ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN, original.c_lflag);
    const unsigned char cc[][2] = { { VINTR, 3 }, { VQUIT, 0x1c }, { VERASE, 0x7f }, { VKILL, 0x15 }, { VEOF, 4 },
        { VTIME, 0 }, { VMIN, 1 }, { VSTART, 0x11 }, { VSTOP, 0x13 }, { VSUSP, 0x1a }, { VEOL, 0 },
        { VREPRINT, 0x12 }, { VWERASE, 0x17 }, { VLNEXT, 0x16 }, { VEOL2, 0 } };
    for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++) {
        char what[32];
        snprintf(what, sizeof what, "c_cc[%d]", cc[i][0]);
        expect(what, cc[i][1], original.c_cc[cc[i][0]]);
    }

    expect("TCGETS to a bad pointer: EFAULT", -EFAULT, err(ioctl(0, TCGETS, (void *)16)));
    expect("TCSETS from a bad pointer: EFAULT", -EFAULT, err(ioctl(0, TCSETS, (void *)16)));
    expect("TIOCGWINSZ to a bad pointer: EFAULT", -EFAULT, err(ioctl(0, TIOCGWINSZ, (void *)16)));
    expect("an unknown request: ENOTTY", -ENOTTY, err(ioctl(0, 0x54ff, 0)));
    expect("TCFLSH 7: EINVAL", -EINVAL, err(ioctl(0, TCFLSH, 7)));
    expect("TCXONC 9: EINVAL", -EINVAL, err(ioctl(0, TCXONC, 9)));
    expect("tcdrain", 0, err(tcdrain(0)));
    int p[2];
    pipe(p);
    struct termios t;
    expect("TCGETS on a pipe: ENOTTY", -ENOTTY, err(ioctl(p[0], TCGETS, &t)));
    expect("isatty(pipe)", 0, isatty(p[0]));
    close(p[0]);
    close(p[1]);
    expect("TCGETS on a bad descriptor: EBADF", -EBADF, err(ioctl(99, TCGETS, &t)));
    int line = -1;
    expect("TIOCGETD", 0, err(ioctl(0, TIOCGETD, &line)));
    expect("the line discipline is N_TTY", 0, line);

    struct winsize old, w = { 33, 101, 0, 0 }, got;
    ioctl(0, TIOCGWINSZ, &old);
    expect("TIOCSWINSZ", 0, err(ioctl(0, TIOCSWINSZ, &w)));
    memset(&got, 0, sizeof got);
    ioctl(0, TIOCGWINSZ, &got);
    expect("TIOCGWINSZ rows after TIOCSWINSZ", 33, got.ws_row);
    expect("TIOCGWINSZ columns after TIOCSWINSZ", 101, got.ws_col);
    ioctl(0, TIOCSWINSZ, &old);
}

static void canonical(void)
{
    char b[64];
    mode(original.c_lflag, 1, 0);
    type("ab\x7f" "c\n");
    expect("VERASE: \"ab<DEL>c\\n\" reads 3", 3, read_text(b, sizeof b));
    expect("VERASE: the line is \"ac\\n\"", 0, strcmp(b, "ac\n"));
    type("hello wor\x17x\n");
    read_text(b, sizeof b);
    expect("VWERASE erases the last word", 0, strcmp(b, "hello x\n"));
    type("junk\x15ok\n");
    read_text(b, sizeof b);
    expect("VKILL erases the line", 0, strcmp(b, "ok\n"));
    type("\x7f\x7fz\n");
    read_text(b, sizeof b);
    expect("VERASE on an empty line does nothing", 0, strcmp(b, "z\n"));
    type("abc\x04");
    expect("VEOF ends a line without a newline", 3, read_text(b, sizeof b));
    type("\x04");
    expect("VEOF on an empty line: read returns 0", 0, read_text(b, sizeof b));
    type("q\r");
    read_text(b, sizeof b);
    expect("ICRNL: CR reads as NL", 0, strcmp(b, "q\n"));
    type("one\ntwo\n");
    int available = -1;
    ioctl(0, FIONREAD, &available);
    expect("FIONREAD counts complete lines", 8, available);
    expect("a read stops at the end of one line", 4, read_text(b, sizeof b));
    expect("the next read gets the next line", 4, read_text(b, sizeof b));
    type("abcdef\n");
    expect("a short buffer takes part of a line", 2, err(read(0, b, 2)));
    expect("the rest of the line comes next", 5, read_text(b, sizeof b));
    type("lit\x16\x7f\n");
    read_text(b, sizeof b);
    expect("VLNEXT makes the next character literal", 0, strcmp(b, "lit\x7f\n"));
    type("partial");
    ioctl(0, FIONREAD, &available);
    expect("FIONREAD: a line being edited is not readable", 0, available);
    expect("TCFLSH(TCIFLUSH)", 0, err(ioctl(0, TCFLSH, TCIFLUSH)));
    type("x\n");
    read_text(b, sizeof b);
    expect("TCIFLUSH dropped the line being edited", 0, strcmp(b, "x\n"));
    type("dropped\n");
    mode(original.c_lflag, 1, 0); /* TCSAFLUSH */
    ioctl(0, FIONREAD, &available);
    expect("TCSETSF drops typed input", 0, available);

    struct termios t = original;
    t.c_lflag &= ~(ECHO | ECHOE | ECHOK);
    t.c_iflag |= IGNCR;
    tcsetattr(0, TCSANOW, &t);
    type("a\rb\n");
    read_text(b, sizeof b);
    expect("IGNCR drops CR", 0, strcmp(b, "ab\n"));
    t.c_iflag &= ~(IGNCR | ICRNL);
    t.c_iflag |= INLCR;
    tcsetattr(0, TCSANOW, &t);
    type("a\n\x04");
    read_text(b, sizeof b);
    expect("INLCR: NL reads as CR (no line end)", 0, strcmp(b, "a\r"));
    t.c_iflag &= ~INLCR;
    tcsetattr(0, TCSANOW, &t);
    type("m\r\x04");
    read_text(b, sizeof b);
    expect("without ICRNL, CR stays CR", 0, strcmp(b, "m\r"));
    t = original;
    t.c_lflag &= ~(ECHO | ECHOE | ECHOK);
    t.c_cc[VEOL] = ';';
    tcsetattr(0, TCSANOW, &t);
    type("x;y\n");
    expect("VEOL ends a line", 2, read_text(b, sizeof b));
    read_text(b, sizeof b);
}

static void raw(void)
{
    char b[64];
    tcflag_t local = original.c_lflag & ~ICANON;
    mode(local, 0, 0);
    expect("VMIN 0, VTIME 0, nothing typed: read returns 0", 0, read_text(b, sizeof b));
    type("xyz");
    expect("VMIN 0, VTIME 0: what is there", 3, read_text(b, sizeof b));
    mode(local, 2, 0);
    type("pq");
    expect("VMIN 2: two bytes", 2, read_text(b, sizeof b));
    type("\x7f\x15\x04\n");
    expect("raw mode: editing characters are data", 4, read_text(b, sizeof b));
    expect("raw mode: DEL read as it is", 0x7f, (unsigned char)b[0]);
    mode(local, 0, 2);
    long start = now_ms();
    long n = read_text(b, sizeof b);
    long took = now_ms() - start;
    expect("VMIN 0, VTIME 2, nothing typed: 0", 0, n);
    expect("after about 0.2 s", 1, took >= 150 && took < 3000);
    mode(local, 1, 0);
    int flags = fcntl(0, F_GETFL);
    fcntl(0, F_SETFL, flags | O_NONBLOCK);
    expect("O_NONBLOCK, nothing typed: EAGAIN", -EAGAIN, read_text(b, sizeof b));
    fcntl(0, F_SETFL, flags);

    mode(original.c_lflag, 1, 0);
    type("part");
    mode(local, 0, 0);
    /* TCSAFLUSH in mode() dropped it; type again and switch without flushing */
    struct termios t = original;
    t.c_lflag &= ~(ECHO | ECHOE | ECHOK);
    tcsetattr(0, TCSANOW, &t);
    type("part");
    t.c_lflag &= ~ICANON;
    t.c_cc[VMIN] = 0;
    tcsetattr(0, TCSANOW, &t);
    expect("leaving canonical mode makes the line being edited readable", 4, read_text(b, sizeof b));

    t.c_lflag &= ~ISIG;
    tcsetattr(0, TCSANOW, &t);
    type("\x03\x1a");
    expect("without ISIG, ^C and ^Z are data", 2, read_text(b, sizeof b));
    expect("^C read as 3", 3, b[0]);
}

static volatile int got[65];
static void on_signal(int sig) { got[sig]++; }

static void catch(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(sig, &sa, NULL);
}

/* In a child: a session of its own with the terminal as its controlling terminal. */
static int session_checks(void)
{
    pid_t me = getpid();
    expect("TIOCSCTTY before setsid: EPERM", -EPERM, err(ioctl(0, TIOCSCTTY, 0)));
    expect("setsid", me, setsid());
    expect("TIOCGPGRP without a controlling terminal: ENOTTY", -ENOTTY, err(ioctl(0, TIOCGPGRP, &(int){0})));
    expect("TIOCSCTTY (1: taken from another session if need be)", 0, err(ioctl(0, TIOCSCTTY, 1)));
    expect("TIOCSCTTY again: nothing to do", 0, err(ioctl(0, TIOCSCTTY, 0)));
    int value = -1;
    expect("TIOCGPGRP", 0, err(ioctl(0, TIOCGPGRP, &value)));
    expect("the foreground group is the leader's", me, value);
    expect("tcgetpgrp", me, tcgetpgrp(0));
    value = -1;
    expect("TIOCGSID", 0, err(ioctl(0, TIOCGSID, &value)));
    expect("the terminal's session", me, value);
    expect("tcsetpgrp(-1): EINVAL", -EINVAL, err(tcsetpgrp(0, -1)));
    expect("tcsetpgrp(no such group): ESRCH", -ESRCH, err(tcsetpgrp(0, 4000000)));
    expect("tcsetpgrp(own group)", 0, err(tcsetpgrp(0, me)));

    /* Keyboard signals go to the foreground group. */
    catch(SIGINT);
    catch(SIGQUIT);
    catch(SIGTSTP);
    catch(SIGWINCH);
    mode(original.c_lflag, 1, 0);
    type("abc\x03");
    expect("^C: SIGINT", 1, got[SIGINT]);
    type("\x1c");
    expect("^\\: SIGQUIT", 1, got[SIGQUIT]);
    type("\x1a");
    expect("^Z: SIGTSTP", 1, got[SIGTSTP]);
    int available = -1;
    ioctl(0, FIONREAD, &available);
    type("\n");
    ioctl(0, FIONREAD, &available);
    expect("^C flushed the line typed before it", 1, available);
    char b[16];
    read_text(b, sizeof b);
    struct winsize w;
    ioctl(0, TIOCGWINSZ, &w);
    struct winsize bigger = w;
    bigger.ws_row++;
    ioctl(0, TIOCSWINSZ, &bigger);
    expect("a new window size: SIGWINCH", 1, got[SIGWINCH]);
    ioctl(0, TIOCSWINSZ, &w);

    /* A background group: its read stops it with SIGTTIN (the whole group), and once it is
       the foreground and continued, the read goes on. */
    signal(SIGTTOU, SIG_IGN); /* as a shell: tcsetpgrp from the background is allowed */
    int status = 0;
    pid_t reader = fork();
    if (reader == 0) {
        setpgid(0, 0);
        char line[16];
        long n = read(0, line, sizeof line);
        _exit(n == 3 && memcmp(line, "go\n", 3) == 0 ? 0 : 10);
    }
    setpgid(reader, reader);
    expect("a background reader stops with SIGTTIN", reader, waitpid(reader, &status, WUNTRACED));
    expect("stop signal SIGTTIN", SIGTTIN, WIFSTOPPED(status) ? WSTOPSIG(status) : -1);
    expect("tcsetpgrp(the reader's group)", 0, err(tcsetpgrp(0, reader)));
    expect("the foreground group now", reader, tcgetpgrp(0));
    kill(reader, SIGCONT);
    type("go\n");
    expect("the continued foreground reader reads its line", reader, waitpid(reader, &status, 0));
    expect("and exits 0", 0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    expect("tcsetpgrp from the background while ignoring SIGTTOU", 0, err(tcsetpgrp(0, me)));

    /* A background reader that ignores SIGTTIN: EIO. */
    reader = fork();
    if (reader == 0) {
        setpgid(0, 0);
        signal(SIGTTIN, SIG_IGN);
        char line[16];
        _exit(read(0, line, sizeof line) == -1 && errno == EIO ? 0 : 11);
    }
    setpgid(reader, reader);
    waitpid(reader, &status, 0);
    expect("a background read ignoring SIGTTIN: EIO", 0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    /* TOSTOP: a background writer stops with SIGTTOU; without it, it writes. */
    struct termios t;
    tcgetattr(0, &t);
    t.c_lflag |= TOSTOP;
    tcsetattr(0, TCSANOW, &t);
    pid_t writer = fork();
    if (writer == 0) {
        setpgid(0, 0);
        signal(SIGTTOU, SIG_DFL);
        _exit(write(1, "", 0) == 0 && write(1, "w\n", 2) == 2 ? 0 : 12);
    }
    setpgid(writer, writer);
    expect("TOSTOP: a background writer stops with SIGTTOU", writer, waitpid(writer, &status, WUNTRACED));
    expect("stop signal SIGTTOU", SIGTTOU, WIFSTOPPED(status) ? WSTOPSIG(status) : -1);
    kill(writer, SIGKILL);
    waitpid(writer, &status, 0);
    t.c_lflag &= ~TOSTOP;
    tcsetattr(0, TCSANOW, &t);

    /* A background tcsetattr stops with SIGTTOU too. */
    pid_t setter = fork();
    if (setter == 0) {
        setpgid(0, 0);
        signal(SIGTTOU, SIG_DFL);
        _exit(tcsetattr(0, TCSANOW, &t) == 0 ? 0 : 13);
    }
    setpgid(setter, setter);
    expect("a background tcsetattr stops with SIGTTOU", setter, waitpid(setter, &status, WUNTRACED));
    kill(setter, SIGKILL);
    waitpid(setter, &status, 0);

    /* A member of the session that is not its leader cannot take or drop it for all. */
    pid_t member = fork();
    if (member == 0) {
        int bad = 0;
        bad += !(ioctl(0, TIOCSCTTY, 0) == -1 && errno == EPERM);
        bad += ioctl(0, TIOCNOTTY) != 0;                          /* drops it for itself */
        bad += !(ioctl(0, TIOCGPGRP, &(int){0}) == -1 && errno == ENOTTY);
        _exit(bad);
    }
    waitpid(member, &status, 0);
    expect("a member: TIOCSCTTY EPERM, TIOCNOTTY for itself", 0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    expect("the leader still has it", me, tcgetpgrp(0));

    /* The leader gives it up: SIGHUP (and SIGCONT) to the foreground group, itself here. */
    catch(SIGHUP);
    expect("TIOCNOTTY by the leader", 0, err(ioctl(0, TIOCNOTTY)));
    expect("SIGHUP to the foreground group", 1, got[SIGHUP]);
    expect("TIOCGPGRP after TIOCNOTTY: ENOTTY", -ENOTTY, err(ioctl(0, TIOCGPGRP, &(int){0})));
    tcsetattr(0, TCSANOW, &original);
    return wrong;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (tcgetattr(0, &original) != 0) {
        printf("terminal: standard input is not a terminal\nterminal: 1 wrong\n");
        return 1;
    }
    defaults_and_errors();
    canonical();
    raw();
    tcsetattr(0, TCSAFLUSH, &original);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) _exit(session_checks());
    int status = 0;
    waitpid(child, &status, 0);
    tcsetattr(0, TCSAFLUSH, &original);
    if (!WIFEXITED(status)) { printf("terminal: the session child ended by signal %d\n", WTERMSIG(status)); wrong++; }
    else wrong += WEXITSTATUS(status);
    printf("terminal: %d wrong\n", wrong);
    return wrong != 0;
}
