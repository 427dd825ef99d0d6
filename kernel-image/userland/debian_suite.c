/* The Debian programs suite (issue 12, item 4): the busybox suite's runner with another suite,
   userland/debian-suite/commands.txt (mounted at /debian-suite in the test image), whose
   commands run Debian's own dynamically linked programs (dash, bash, coreutils, findutils,
   diffutils, grep, sed, tar, gzip, mawk, perl, python3: copied with their libraries, modules and
   loader into the test initramfs at their host paths by tools/aurora.sh) and the musl PIE
   samples in /opt/dynelf (../extra). Compared with the host by
   kernel-image/tests/Qemu/DebianProgramTests.cs. */
#define SUITE_PROGRAM "debian_suite"
#define SUITE_FILE "/debian-suite/commands.txt"
#define SUITE_SCRATCH "/tmp/dsuite"
#define SUITE_EXTRA "/opt/dynelf"
#include "busybox_suite.c"
