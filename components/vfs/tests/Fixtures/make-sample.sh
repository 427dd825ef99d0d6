#!/bin/sh
# Makes sample.cpio with GNU cpio (Debian 12, cpio 2.13), so CpioTests read an archive written by
# the tool Linux initramfs images are made with, not only by the tests' own CpioBuilder.
set -e
dir=$(mktemp -d)
cd "$dir"
mkdir -p bin etc/conf.d
printf 'hello from cpio\n' > etc/motd
printf '#!/bin/sh\necho hi\n' > bin/hello
chmod 755 bin/hello
ln -s ../etc/motd bin/motd-link
ln -s /etc etc-abs
printf 'x=1\n' > etc/conf.d/a.conf
touch -d '2020-01-02 03:04:05 UTC' etc/motd
find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 > "${1:-sample.cpio}"
