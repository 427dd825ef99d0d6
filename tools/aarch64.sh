# The aarch64 kernel: ./aurora build --arch aarch64 and ./aurora run --arch aarch64 (sourced by
# tools/aurora.sh). docs/architecture.md ("Architectures") says what runs there.
#
# The image: the kernel (kernel-image/arch/aarch64, NativeAOT for linux-arm64 plus the arm64
# entry code) is linked as a static PIE at 0 and flattened into artifacts/aurora-aarch64.efi,
# at once an arm64 Linux Image and an EFI application (head.S says why). GRUB for arm64 has no
# multiboot2; its `linux` command boots such an image through its EFI entry. The disk,
# artifacts/aurora-aarch64.img, is a FAT EFI system partition: EFI/BOOT/BOOTAA64.EFI (GRUB
# with its configuration built in) and /boot/aurora.efi. With LIMINE_DIR set (a Limine 8.x
# binary release) the build also links the objects as an ELF at 0xFFFF_FFFF_8000_0000 for the
# Limine protocol and makes artifacts/aurora-aarch64-limine.img (Limine's BOOTAA64.EFI,
# limine.conf, the kernel, the programs as modules), which ./aurora run --arch aarch64 boots.
# The reference image's programs are its initramfs (busybox init and its shell, the test
# programs in /usr/libexec/aurora: aarch64_cpio_images), the test image's are boot modules.
# The test build's Debian and stress-ng images (aurora-aarch64-test-{debian,stressng}.img) are
# the test image plus an initramfs of Debian's arm64 programs that GRUB loads as its initrd.

AARCH64_ARCH_DIR="$KERNEL_DIR/arch/aarch64"
AARCH64_FIRMWARE=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd
# GRUB's arm64 modules come from Debian's grub-efi-arm64-bin, an arm64 package: it is fetched
# with apt-get download (after enabling the arm64 architecture for apt) and unpacked here,
# not installed; the host's grub-mkstandalone builds the arm64 GRUB from it.
AARCH64_GRUB_DIR="$ART/tools/grub-arm64-efi"
# Debian's busybox-static for arm64 (fetched like GRUB's modules, never committed): the boot
# module busybox.elf, /bin/busybox.elf as on x86_64, for the tests that exec it.
AARCH64_BUSYBOX="$ART/tools/busybox-arm64/busybox"
# Debian's arm64 programs for the Debian suite's arm64 image (aurora-aarch64-test-debian.img;
# tests/Qemu/Aarch64DebianProgramTests.cs): the packages of x86_64's TEST_HOST_PROGRAMS and
# their libraries, glibc's loader (ld-linux-aarch64.so.1) and libc6 among them, fetched with
# apt-get download (never committed) and unpacked into AARCH64_DEBIAN_DIR/root. The same
# Debian release as the host's, so the programs print what the host's print.
AARCH64_DEBIAN_DIR="$ART/tools/debian-arm64"
AARCH64_DEBIAN_PACKAGES=(libc6 libacl1 libattr1 libcrypt1 libexpat1 libgmp10 libpcre2-8-0 libselinux1 libtinfo6 zlib1g
  bash coreutils dash diffutils findutils grep gzip mawk perl-base sed tar python3.11-minimal libpython3.11-minimal)
# Debian's stress-ng for arm64 and the libraries it links (x86-64's libIPSec_MB has no arm64
# build, nor a place in stress-ng:arm64's dependencies), for the stress-ng image
# (aurora-aarch64-test-stressng.img; tests/Qemu/Aarch64StressNgTests.cs), fetched the same way.
AARCH64_STRESSNG_DIR="$ART/tools/stressng-arm64"
AARCH64_STRESSNG_PACKAGES=(stress-ng libc6 libapparmor1 libbsd0 libmd0 libcrypt1 libegl1 libgles2 libglvnd0 libgbm1 libdrm2
  libexpat1 libffi8 libwayland-server0 libjpeg62-turbo libjudydebian1 libkmod2 liblzma5 libzstd1 libssl3 libsctp1 libxxhash0 zlib1g)

setup_aarch64() {
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    need_root dpkg --add-architecture arm64
    need_root apt-get update -qq
  fi
  # musl for arm64 (multiarch: its headers and static libc under aarch64-linux-musl), for the
  # x86_64 test programs built for arm64 (AARCH64_MUSL_PROGRAMS).
  if ! dpkg-query -W -f='${Status}' musl-dev:arm64 2>/dev/null | grep -q "install ok installed"; then
    say "installing Debian's musl-dev:arm64 (static musl for the arm64 test programs)"
    need_root apt-get install -y -q musl-dev:arm64 >/dev/null || die "apt-get install musl-dev:arm64 failed"
  fi
  if [ ! -x "$AARCH64_BUSYBOX" ]; then
    say "fetching busybox for arm64 (Debian busybox-static) into artifacts/tools"
    local bb; bb=$(mktemp -d)
    (cd "$bb" && apt-get download busybox-static:arm64 >/dev/null 2>&1) || die "apt-get download busybox-static:arm64 failed"
    dpkg-deb -x "$bb"/busybox-static_*.deb "$bb/x" || die "unpacking busybox-static failed"
    mkdir -p "$(dirname "$AARCH64_BUSYBOX")"
    cp "$bb/x/bin/busybox" "$AARCH64_BUSYBOX"
    rm -rf "$bb"
  fi
  fetch_aarch64_debian
  [ -f "$AARCH64_GRUB_DIR/linux.mod" ] && return 0
  say "fetching GRUB for arm64 (Debian grub-efi-arm64-bin) into artifacts/tools"
  local work; work=$(mktemp -d)
  (cd "$work" && apt-get download grub-efi-arm64-bin:arm64 >/dev/null 2>&1) \
    || { need_root apt-get update -qq; (cd "$work" && apt-get download grub-efi-arm64-bin:arm64 >/dev/null); } \
    || die "apt-get download grub-efi-arm64-bin:arm64 failed"
  dpkg-deb -x "$work"/grub-efi-arm64-bin_*.deb "$work/x" || die "unpacking grub-efi-arm64-bin failed"
  mkdir -p "$AARCH64_GRUB_DIR"
  cp -R "$work/x/usr/lib/grub/arm64-efi/." "$AARCH64_GRUB_DIR/"
  rm -rf "$work"
}

# fetch_aarch64_packages DIR WHAT PACKAGE...: Debian's arm64 packages into DIR/debs, unpacked into
# DIR/root (once; a machine without network or without the arm64 architecture in apt gets no
# image that needs them, and its tests say why they skip).
fetch_aarch64_packages() {
  local dir=$1 what=$2 deb; shift 2
  [ -f "$dir/root/lib/ld-linux-aarch64.so.1" ] && return 0
  say "fetching $what for arm64 ($# Debian packages) into artifacts/tools"
  rm -rf "$dir"; mkdir -p "$dir/debs" "$dir/root"
  (cd "$dir/debs" && apt-get download "${@/%/:arm64}" >/dev/null 2>&1) \
    || { say "apt-get download of the arm64 packages for $what failed: no image with them"; rm -rf "$dir"; return 0; }
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root" || die "unpacking $deb failed"; done
}

fetch_aarch64_debian() {
  fetch_aarch64_packages "$AARCH64_DEBIAN_DIR" "the Debian suite's programs and glibc" "${AARCH64_DEBIAN_PACKAGES[@]}"
  fetch_aarch64_packages "$AARCH64_STRESSNG_DIR" "stress-ng" "${AARCH64_STRESSNG_PACKAGES[@]}"
}

# stage_aarch64_libraries ROOT DEB: glibc's loader at PT_INTERP's /lib/ld-linux-aarch64.so.1 and
# the shared libraries of the unpacked packages DEB in the multiarch directories of the loader's
# default search path (links followed: the files themselves).
stage_aarch64_libraries() {
  local root=$1 deb=$2 file
  mkdir -p "$root/lib/aarch64-linux-gnu" "$root/usr/lib/aarch64-linux-gnu"
  cp -L "$deb/lib/ld-linux-aarch64.so.1" "$root/lib/ld-linux-aarch64.so.1"
  for file in "$deb"/lib/aarch64-linux-gnu/*.so* "$deb"/usr/lib/aarch64-linux-gnu/*.so*; do
    [ -f "$file" ] && cp -L "$file" "$root/${file#"$deb"/}"
  done
  return 0
}

# stage_aarch64_stressng_root ROOT: the stress-ng image's initramfs, x86_64's in arm64: the test
# initramfs's /etc, Debian's arm64 stress-ng at /usr/bin/stress-ng and its libraries.
stage_aarch64_stressng_root() {
  local root=$1
  rm -rf "$root"; mkdir -p "$root/usr/bin"
  cp -R "$INITRAMFS_SOURCE/." "$root/"
  install -m 755 "$AARCH64_STRESSNG_DIR/root/usr/bin/stress-ng" "$root/usr/bin/stress-ng"
  stage_aarch64_libraries "$root" "$AARCH64_STRESSNG_DIR/root"
  find "$root" -type d -exec chmod 755 {} +
}

# stage_aarch64_debian_root ROOT: the arm64 Debian image's initramfs, x86_64's Debian image
# (stage_test_initramfs with STAGE_DEBIAN_PROGRAMS) in arm64: the test initramfs's /etc, the
# programs at the paths the suite names (/usr/bin), glibc's loader at PT_INTERP's
# /lib/ld-linux-aarch64.so.1 and the libraries in the multiarch directories its default search
# path has, perl-base's modules, python3 with its standard library (and the host's compiled .pyc
# beside it, the same Python: a stale one is compiled again, slowly under TCG), the suite's
# commands at /debian-suite (x86-64's loader path in the one command that names it becomes
# arm64's) and hello_aux.c as a static PIE and a dynamically linked musl program in /opt/dynelf.
stage_aarch64_debian_root() {
  local root=$1 deb=$AARCH64_DEBIAN_DIR/root program file
  rm -rf "$root"; mkdir -p "$root/usr/bin" "$root/lib/aarch64-linux-gnu" "$root/usr/lib/aarch64-linux-gnu" "$root/debian-suite" "$root/opt/dynelf"
  cp -R "$INITRAMFS_SOURCE/." "$root/"
  for program in "${TEST_HOST_PROGRAMS[@]}" python3; do
    case $program in awk) file=usr/bin/mawk ;; python3) file=usr/bin/python3.11 ;; *) file=usr/bin/$program; [ -e "$deb/$file" ] || file=bin/$program ;; esac
    [ -e "$deb/$file" ] || die "$program is in none of the arm64 Debian packages (AARCH64_DEBIAN_PACKAGES)"
    cp -L "$deb/$file" "$root/usr/bin/$program"
  done
  stage_aarch64_libraries "$root" "$deb"
  cp -R -L "$deb/usr/lib/aarch64-linux-gnu/perl-base" "$root/usr/lib/aarch64-linux-gnu/"
  cp -R -p "$deb/usr/lib/python3.11" "$root/usr/lib/"
  [ -d "$deb/etc/python3.11" ] && { mkdir -p "$root/etc"; cp -R -p "$deb/etc/python3.11" "$root/etc/"; }
  local cache
  for cache in /usr/lib/python3.11/__pycache__/*.pyc /usr/lib/python3.11/*/__pycache__/*.pyc; do
    [ -f "$cache" ] || continue
    [ -f "$root$(dirname "$(dirname "$cache")")/$(basename "$cache" | sed 's/\.cpython-311\(\.opt-[12]\)\?\.pyc$/.py/')" ] || continue
    mkdir -p "$root$(dirname "$cache")"; cp -p "$cache" "$root$cache"
  done
  sed 's|/lib64/ld-linux-x86-64\.so\.2|/lib/ld-linux-aarch64.so.1|g' "$KERNEL_DIR/userland/debian-suite/commands.txt" > "$root/debian-suite/commands.txt"
  # The static PIE as x86_64's (stage_dynelf_samples): musl's self-relocating rcrt1.o, the
  # PIE link named by hand.
  local musl_cc=(aarch64-linux-gnu-gcc -fPIE -O2 -Wall -nostdinc -isystem /usr/include/aarch64-linux-musl
    -isystem "$(aarch64-linux-gnu-gcc -print-file-name=include)" -nostdlib)
  "${musl_cc[@]}" -static -Wl,-pie,--no-dynamic-linker,-z,text "$AARCH64_MUSL/rcrt1.o" "$AARCH64_MUSL/crti.o" \
    "$(aarch64-linux-gnu-gcc -print-file-name=crtbeginS.o)" "$KERNEL_DIR/userland/pie/hello_aux.c" -L"$AARCH64_MUSL" -lc \
    "$(aarch64-linux-gnu-gcc -print-libgcc-file-name)" "$(aarch64-linux-gnu-gcc -print-file-name=crtendS.o)" "$AARCH64_MUSL/crtn.o" \
    -o "$root/opt/dynelf/hello-static-pie" >&2 || die "compiling userland/pie/hello_aux.c for arm64 (static PIE) failed"
  if [ -e /lib/ld-musl-aarch64.so.1 ]; then
    "${musl_cc[@]}" -pie -Wl,--dynamic-linker=/lib/ld-musl-aarch64.so.1 \
      "$AARCH64_MUSL/Scrt1.o" "$AARCH64_MUSL/crti.o" -o "$root/opt/dynelf/hello-musl" "$KERNEL_DIR/userland/pie/hello_aux.c" \
      -L"$AARCH64_MUSL" -lc "$(aarch64-linux-gnu-gcc -print-libgcc-file-name)" "$AARCH64_MUSL/crtn.o" >&2 \
      || die "compiling userland/pie/hello_aux.c for arm64 (dynamic musl) failed"
    cp -L /lib/ld-musl-aarch64.so.1 "$root/lib/ld-musl-aarch64.so.1"
  fi
  find "$root" -type d -exec chmod 755 {} +
  chmod 755 "$root"/usr/bin/*
}

# build_aarch64 FLAVOUR: artifacts/aurora-aarch64.{elf,efi,img} (test: aurora-aarch64-test.*).
build_aarch64() {
  local flavour=$1 tests=false suffix=""
  [ "$flavour" = test ] && { tests=true; suffix=-test; }
  setup_aarch64
  command -v aarch64-linux-gnu-ld >/dev/null || die "the arm64 cross binutils are missing (Debian binutils-aarch64-linux-gnu; ./aurora setup)"
  local obj="$KERNEL_DIR/obj/aarch64-$flavour/" out="$ART/obj/aarch64-$flavour"
  mkdir -p "$out/asm"
  rm -f "$obj/native/Aurora.Kernel.o"
  generate_aarch64_sources "$out/generated" "$flavour"
  say "compiling the kernel (aarch64, $flavour) with the NativeAOT compiler for linux-arm64"
  dotnet publish "$KERNEL_DIR/Aurora.Kernel.csproj" -c Release --nologo -v quiet -p:AuroraArch=aarch64 \
    -p:AuroraTests=$tests -p:IntermediateOutputPath="$obj" -p:AuroraGeneratedDir="$out/generated/" -o "$out/publish" >&2 \
    || die "kernel compilation failed"
  [ -f "$obj/native/Aurora.Kernel.o" ] || die "the compiler left no object at $obj/native/Aurora.Kernel.o"
  local src objs=()
  build_aarch64_user_program "$out"
  for src in "$AARCH64_ARCH_DIR"/*.S "$ROOT/components/runtime/native/aarch64"/*.S "$out/user_program.S"; do
    aarch64-linux-gnu-gcc -c -nostdlib -ffreestanding -o "$out/asm/$(basename "${src%.S}").o" "$src" || die "assembling $src failed"
    objs+=("$out/asm/$(basename "${src%.S}").o")
  done
  local elf="$ART/aurora-aarch64$suffix.elf" efi="$ART/aurora-aarch64$suffix.efi" img="$ART/aurora-aarch64$suffix.img"
  say "linking $elf"
  # A static PIE: head.S's entry applies the R_AARCH64_RELATIVE relocations itself. -z notext:
  # relocations may land anywhere in the one RWX image.
  aarch64-linux-gnu-ld -static -pie --no-dynamic-linker -z notext -z max-page-size=0x1000 -z noexecstack \
    --gc-sections --no-warn-rwx-segments --defsym=__link_base=0 -T "$AARCH64_ARCH_DIR/linker.ld" -o "$elf" "${objs[@]}" "$obj/native/Aurora.Kernel.o" \
    2> >(grep -v "section \`.bss' type changed to PROGBITS" >&2) || die "link failed"
  aarch64-linux-gnu-objcopy -O binary "$elf" "$efi" || die "objcopy failed"
  # The PE header's SizeOfImage and raw size count the whole last page.
  local size; size=$(aarch64-linux-gnu-nm "$elf" | awk '$3 == "__image_size" {print $1}')
  [ -n "$size" ] || die "the image has no __image_size"
  # entry.S's boot tables map at most 32 MiB of image (sixteen level-3 tables).
  [ $((16#$size)) -le $((32 << 20)) ] || die "the image is $((16#$size)) bytes: entry.S maps at most 32 MiB"
  truncate -s $((16#$size)) "$efi"
  make_aarch64_disk "$efi" "$img"
  say "built $img ($(stat -c %s "$efi") byte kernel, loader: GRUB arm64 (EFI))"
  # The Debian image: the test kernel with Debian's arm64 programs as GRUB's initrd (the
  # kernel finds it in the device tree's /chosen), too big to be built into the image.
  [ "$flavour" = test ] && rm -f "$ART/aurora-aarch64-test-debian.img" "$ART/aurora-aarch64-test-stressng.img"
  if [ "$flavour" = test ] && [ -f "$AARCH64_DEBIAN_DIR/root/lib/ld-linux-aarch64.so.1" ]; then
    stage_aarch64_debian_root "$out/initramfs-debian"
    pack_cpio "$out/initramfs-debian" > "$out/initramfs-debian.cpio.unsigned"
    modsign sign --key "$(module_signing_key)" "$out/initramfs-debian.cpio.unsigned" -o "$out/initramfs-debian.cpio" >/dev/null \
      || die "signing the arm64 Debian initramfs failed"
    make_aarch64_disk "$efi" "$ART/aurora-aarch64-test-debian.img" "$out/initramfs-debian.cpio"
    say "built $ART/aurora-aarch64-test-debian.img (initrd: $(stat -c %s "$out/initramfs-debian.cpio") bytes of Debian arm64 programs)"
  fi
  if [ "$flavour" = test ] && [ -x "$AARCH64_STRESSNG_DIR/root/usr/bin/stress-ng" ]; then
    stage_aarch64_stressng_root "$out/initramfs-stressng"
    pack_cpio "$out/initramfs-stressng" > "$out/initramfs-stressng.cpio.unsigned"
    modsign sign --key "$(module_signing_key)" "$out/initramfs-stressng.cpio.unsigned" -o "$out/initramfs-stressng.cpio" >/dev/null \
      || die "signing the arm64 stress-ng initramfs failed"
    make_aarch64_disk "$efi" "$ART/aurora-aarch64-test-stressng.img" "$out/initramfs-stressng.cpio"
    say "built $ART/aurora-aarch64-test-stressng.img (initrd: $(stat -c %s "$out/initramfs-stressng.cpio") bytes: Debian's arm64 stress-ng)"
  fi
  if [ -n "${LIMINE_DIR:-}" ]; then
    # The same objects as an ELF executable linked where it runs (Limine loads ELF files only,
    # in the top 2 GiB: limine-protocol.md section 4), entered at limine_entry (entry.S).
    local limine_elf="$ART/aurora-aarch64$suffix-limine.elf" limine_img="$ART/aurora-aarch64$suffix-limine.img"
    aarch64-linux-gnu-ld -static --no-dynamic-linker -z max-page-size=0x1000 -z noexecstack --gc-sections \
      --no-warn-rwx-segments --defsym=__link_base=0xffffffff80000000 -e limine_entry -T "$AARCH64_ARCH_DIR/linker.ld" \
      -o "$limine_elf" "${objs[@]}" "$obj/native/Aurora.Kernel.o" \
      2> >(grep -v "section \`.bss' type changed to PROGBITS" >&2) || die "link failed (Limine ELF)"
    make_aarch64_limine_disk "$limine_elf" "$out/programs" "$limine_img"
    say "built $limine_img (loader: Limine $(limine_version) BOOTAA64.EFI)"
  fi
}

limine_version() { "$LIMINE_DIR/limine" --version 2>/dev/null | head -1 | awk '{print $NF}'; }

# make_aarch64_limine_disk ELF PROGRAMS IMG: an EFI system partition with Limine for arm64
# (LIMINE_DIR's BOOTAA64.EFI), its limine.conf, the kernel ELF and the arm64 programs as boot
# modules (the kernel takes Limine's modules instead of the copies built into the image).
make_aarch64_limine_disk() {
  local elf=$1 programs=$2 img=$3 work p name; work=$(mktemp -d)
  [ -f "$LIMINE_DIR/BOOTAA64.EFI" ] || die "LIMINE_DIR=$LIMINE_DIR has no BOOTAA64.EFI (want a Limine 8.x binary release)"
  {
    echo "timeout: 0"
    # quiet: Limine's progress lines (a cursor move per character on the serial console) stay
    # off; its panics still show.
    echo "quiet: yes"
    echo "serial: yes"
    echo ""
    echo "/Aurora"
    echo "    protocol: limine"
    echo "    kernel_path: boot():/boot/aurora.elf"
    for p in "$programs"/*.elf; do
      name=$(basename "$p"); name=${name#musl_}
      [[ $(basename "$p") == musl_* ]] || name=a64_$name
      echo "    module_path: boot():/boot/modules/$name"
    done
    for p in "$programs"/*.cpio; do [ -f "$p" ] && echo "    module_path: boot():/boot/modules/$(basename "$p")"; done
  } > "$work/limine.conf"
  rm -f "$img"
  truncate -s 48M "$img"
  mformat -i "$img" :: >/dev/null || die "mformat failed (Debian package mtools)"
  mmd -i "$img" ::/EFI ::/EFI/BOOT ::/boot ::/boot/limine ::/boot/modules
  mcopy -i "$img" "$LIMINE_DIR/BOOTAA64.EFI" ::/EFI/BOOT/BOOTAA64.EFI
  mcopy -i "$img" "$work/limine.conf" ::/boot/limine/limine.conf
  mcopy -i "$img" "$elf" ::/boot/aurora.elf
  for p in "$programs"/*.elf; do
    name=$(basename "$p"); name=${name#musl_}
    [[ $(basename "$p") == musl_* ]] || name=a64_$name
    mcopy -i "$img" "$p" "::/boot/modules/$name"
  done
  for p in "$programs"/*.cpio; do [ -f "$p" ] && mcopy -i "$img" "$p" "::/boot/modules/$(basename "$p")"; done
  rm -rf "$work"
}

# generate_aarch64_sources DIR: the arm64 system-call numbers (SyscallTable.<Name>) from their
# one source, arch/aarch64/abi/syscalls.tbl; Errno (the same numbers on both architectures:
# asm-generic's errno and x86-64's agree) from arch/x86_64/abi/errno.tbl; the trusted module
# key (TrustedKeys) as the x86_64 build embeds it (the test flavour with the signed test blobs
# the modsign.* tests check, as x86_64's). The portable syscall layer names every call
# x86-64 has; a name arm64 lacks (open, fork, stat...: asm-generic keeps only the *at forms)
# gets 2^63 + its x86-64 number, which no arm64 program can ask for (Linux reads the number
# from w8, 32 bits), so the one dispatch compiles for both and such a case is never taken.
# Aurora's own calls (1000 and up) keep their numbers.
generate_aarch64_sources() {
  local out=$1 flavour=$2 tmp; tmp=$(mktemp -d)
  mkdir -p "$out"; rm -f "$out"/*.cs
  awk "$abi_awk_pascal"'
    BEGIN { print "// Generated by tools/aarch64.sh from kernel-image/arch/aarch64/abi/syscalls.tbl: do not edit.";
            print "namespace Aurora.Kernel.Syscalls;"; print "";
            print "internal static partial class SyscallTable"; print "{" }
    FNR == NR && /^[0-9]/ { arm[$2] = $1; printf "    /// <summary>%s (%s)</summary>\n    internal const ulong %s = %s;\n", $2, $3, pascal($2), $1; next }
    FNR != NR && /^[0-9]/ && !($2 in arm) {
      if ($3 == "linux") printf "    /// <summary>%s: x86-64 only, not an arm64 call</summary>\n    internal const ulong %s = 0x8000_0000_0000_0000 + %s;\n", $2, pascal($2), $1
      else printf "    /// <summary>%s (%s)</summary>\n    internal const ulong %s = %s;\n", $2, $3, pascal($2), $1 }
    END { print "}" }' "$AARCH64_ARCH_DIR/abi/syscalls.tbl" "$ABI_DIR/syscalls.tbl" > "$out/SyscallNumbers.g.cs"
  generate_abi_sources "$tmp"
  cp "$tmp/Errno.g.cs" "$out/"
  rm -rf "$tmp"
  ensure_dev_keys
  local key=${AURORA_MODULE_KEY:-$DEV_KEYS/public.pem} extra=()
  [ "$flavour" = test ] && { key=$DEV_KEYS/public.pem; extra=(--test-blobs --signing-key "$DEV_KEYS/private.pem"); }
  modsign embed --key "$key" --out "$out/TrustedKeys.g.cs" --namespace Aurora.Kernel.Modules \
    --class TrustedKeys "${extra[@]}" >&2 || die "embedding the trusted module key failed"
}

# build_aarch64_user_program OUT: the arm64 programs of kernel-image/userland/aarch64/ (no C
# library, Linux's arm64 numbers from the cross kernel headers) and OUT/user_program.S, which
# puts their bytes into the kernel image: hello.c is the bring-up's built-in EL0 program
# (UserProgram.cs); every program is also a boot module a64_NAME.elf (the process tests run
# them through kernel/Processes; BringUp.AddProgramModules).
# The x86_64 test programs (kernel-image/userland/NAME.c, static musl) that are also built for
# arm64 with Debian's musl-dev:arm64; boot modules NAME.elf, as on x86_64, so the same
# in-kernel test bodies run them (ktests/aarch64/TestCatalog.cs).
AARCH64_MUSL_PROGRAMS=(hello syscall_errors segfault memory fork wait_options signals futex threads
  pipes poll epoll fd_table fd_paths file_io file_locks deep_paths readdir_unlink fd_in_use
  fd_threads threads_lock_order unix unix_names passcred wait_events shm_partial shm_detach
  credentials sigwaits misc_calls exec aslr vm_ranges vm_calls mmap_files mlock reaping
  job_control terminal files thread_fault cowstorm thread_sync reap_race ipc sandbox_agent
  sandbox_agent_check limits limits_peer rlimits xattrs devproc exec_cycles
  attack_fuzz attack_cleanup attack_fork attack_pointers attack_ranges attack_elf attack_exhaust
  attack_mprotect attack_edges attack_readiness sandbox_escape attack_signals eventfd timerfd signalfd
  thread_races file_attrs futex_pi fork_races reserve oom fill_tmpfs filter_inherit syslog)
# The network tests' programs (the machine has a virtio-net-pci card: aarch64_qemu_args).
AARCH64_MUSL_PROGRAMS+=(sockapi udp_refused manysockets dns epoll_echo fd_socket sandbox_threads net netbulk)
# The clocks (CLOCK_REALTIME from the PL031), console input (the PL011's interrupt) and the
# busybox suites.
AARCH64_MUSL_PROGRAMS+=(basics clocks sysv_ipc poll_console busybox_run busybox_suite proc_busybox)
# Loadable modules (modules.load_use_unload_and_replace: the edu module built for arm64 and the
# hostile files in the test image's initramfs, /lib/modules; aarch64_cpio_images).
AARCH64_MUSL_PROGRAMS+=(modules)
# The Debian suite's runner (the busybox suite's, another suite file: the Debian image).
AARCH64_MUSL_PROGRAMS+=(debian_suite)
# stress-ng's runner (the stress-ng image).
AARCH64_MUSL_PROGRAMS+=(stressng_run)
# The thread storm (arm64 twins of its raw clone, TLS check and fault handler).
AARCH64_MUSL_PROGRAMS+=(attack_threads)
# A program's own faults at its handlers (an arm64 twin for UDF, BRK and division by zero).
AARCH64_MUSL_PROGRAMS+=(fault_handlers)
# Hand-built hostile ELF files for the loader (an arm64 twin of its exit code and machine).
AARCH64_MUSL_PROGRAMS+=(elf_attack)
# The read-only image's checks (files.read_only_image_is_mounted_beside_tmpfs).
AARCH64_MUSL_PROGRAMS+=(rofs)
# The flood's server (hostnet.flood_leaves_the_server_answering; the host's half floods a hub).
AARCH64_MUSL_PROGRAMS+=(netserve)
# A copy out of user memory racing an unmap (process.copies_from_user_memory_survive_an_unmap).
AARCH64_MUSL_PROGRAMS+=(copy_unmap_race)
AARCH64_MUSL=/usr/lib/aarch64-linux-musl

# aarch64_musl_gcc OUT SRC INCLUDE: a static arm64 musl executable (the cross gcc with musl's
# headers, start files and libc instead of glibc's; INCLUDE has aurora.h, Aurora's own calls,
# whose numbers are the same on both architectures). -mno-outline-atomics: gcc's outline
# atomics ask glibc's __getauxval whether the CPU has LSE, which musl's libc does not export.
aarch64_musl_gcc() {
  aarch64-linux-gnu-gcc -static -O2 -mno-outline-atomics -I "$3" -nostdinc -isystem /usr/include/aarch64-linux-musl \
    -isystem "$(aarch64-linux-gnu-gcc -print-file-name=include)" -nostdlib \
    "$AARCH64_MUSL/crt1.o" "$AARCH64_MUSL/crti.o" -o "$1" "$2" -L"$AARCH64_MUSL" -lc \
    "$(aarch64-linux-gnu-gcc -print-libgcc-file-name)" "$AARCH64_MUSL/crtn.o"
}

# generate_x86_numbers_header FILE: x86_to_native[], the arm64 number of each x86-64 Linux call
# of arch/x86_64/abi/syscalls.tbl (plus one; 0: none), for programs that think in x86-64 numbers
# (attack_fuzz.c's tables of calls). The arm64 numbers come from the C library's SYS_ names, so
# a call arm64 lacks is left out (or, for those attack_common.h names, its pseudo number).
generate_x86_numbers_header() {
  awk '
    BEGIN { print "/* Generated by tools/aarch64.sh from kernel-image/arch/x86_64/abi/syscalls.tbl: do not edit. */";
            print "#ifndef X86_NUMBERS_H"; print "#define X86_NUMBERS_H"; print "#include <sys/syscall.h>";
            print "static const long x86_to_native[] = {" }
    /^[0-9]/ && $3 == "linux" { printf "#ifdef SYS_%s\n    [%s] = SYS_%s + 1,\n#endif\n", $2, $1, $2 }
    END { print "};"; print "#endif" }' "$ABI_DIR/syscalls.tbl" > "$1"
}

build_aarch64_user_program() {
  local out=$1 src name table=""
  mkdir -p "$out/programs"
  [ -f "$AARCH64_MUSL/libc.a" ] || die "no musl for arm64 at $AARCH64_MUSL (Debian musl-dev:arm64; ./aurora setup)"
  generate_abi_header "$out/include"
  generate_x86_numbers_header "$out/include/x86_numbers.h"
  {
    echo "// Generated by tools/aarch64.sh: the arm64 user programs' bytes."
    echo ".section .rodata"
    for name in "${AARCH64_MUSL_PROGRAMS[@]}"; do
      aarch64_musl_gcc "$out/programs/musl_$name.elf" "$KERNEL_DIR/userland/$name.c" "$out/include" \
        || die "compiling userland/$name.c for arm64 (musl) failed"
      # The reference image has them in its initramfs (/usr/libexec/aurora), as x86_64's: as
      # modules too they made its image pass the 16 MiB efi_entry mapped then (32 MiB now).
      [ "$flavour" = test ] || continue
      echo ".balign 16"
      echo "musl_${name}_start:"
      echo ".incbin \"$out/programs/musl_$name.elf\""
      echo "musl_${name}_end:"
      echo "musl_${name}_name: .asciz \"$name.elf\""
      table+="    .quad musl_${name}_start, musl_${name}_end, musl_${name}_name"$'\n'
    done
    if [ -x "$AARCH64_BUSYBOX" ] && [ "$flavour" = test ]; then
      echo ".balign 16"
      echo "busybox_start:"
      echo ".incbin \"$AARCH64_BUSYBOX\""
      echo "busybox_end:"
      echo "busybox_name: .asciz \"busybox.elf\""
      table+="    .quad busybox_start, busybox_end, busybox_name"$'\n'
      # Limine's modules come from the programs' directory (make_aarch64_limine_disk): busybox
      # was missing there, and memory.exec_cycles_give_every_frame_back and the busybox tests
      # failed in the Limine suite.
      cp "$AARCH64_BUSYBOX" "$out/programs/musl_busybox.elf"
    fi
    # The cpio images (signed, as every module): the test image's busybox suite, mounted at
    # /busybox-suite as on x86_64; the reference image's initramfs (busybox init, its shell and
    # the test programs in /usr/libexec/aurora, as x86_64's aurora.iso).
    local image
    for image in $(aarch64_cpio_images "$out" "$flavour"); do
      name=$(basename "${image%.cpio}"); name=${name//[^A-Za-z0-9]/_}
      echo ".balign 16"
      echo "cpio_${name}_start:"
      echo ".incbin \"$image\""
      echo "cpio_${name}_end:"
      echo "cpio_${name}_name: .asciz \"$(basename "$image")\""
      table+="    .quad cpio_${name}_start, cpio_${name}_end, cpio_${name}_name"$'\n'
    done
    for src in "$KERNEL_DIR"/userland/aarch64/*.c; do
      name=$(basename "${src%.c}")
      aarch64-linux-gnu-gcc -static -nostdlib -ffreestanding -fno-stack-protector -O2 -Wall \
        -o "$out/programs/$name.elf" "$src" || die "compiling userland/aarch64/$name.c failed"
      echo ".balign 16"
      echo "program_${name}_start:"
      echo ".incbin \"$out/programs/$name.elf\""
      echo "program_${name}_end:"
      echo "program_${name}_name: .asciz \"a64_$name.elf\""
      table+="    .quad program_${name}_start, program_${name}_end, program_${name}_name"$'\n'
    done
    echo ".balign 8"
    echo "programs_table:"
    printf '%s' "$table"
    echo "    .quad 0, 0, 0"
    cat <<'ASM'
.text
// void aurora_a64_user_program(byte** start, byte** end): hello.c, the built-in EL0 program.
.global aurora_a64_user_program
.type aurora_a64_user_program, %function
aurora_a64_user_program:
    adrp x2, program_hello_start
    add x2, x2, :lo12:program_hello_start
    str x2, [x0]
    adrp x2, program_hello_end
    add x2, x2, :lo12:program_hello_end
    str x2, [x1]
    ret
// ulong* aurora_a64_programs(void): {start, end, name} per program, then three zeros.
.global aurora_a64_programs
.type aurora_a64_programs, %function
aurora_a64_programs:
    adrp x0, programs_table
    add x0, x0, :lo12:programs_table
    ret
.section .note.GNU-stack, "", %progbits
ASM
  } > "$out/user_program.S"
}

# aarch64_cpio_images OUT FLAVOUR: makes the flavour's signed cpio images in OUT/programs and
# prints their paths (nothing else on standard output: the caller writes assembly there).
aarch64_cpio_images() {
  local out=$1 flavour=$2 programs=() name
  if [ "$flavour" = test ]; then
    make_image "$KERNEL_DIR/userland/busybox-suite" "$out/programs/busybox-suite.cpio" >&2
    echo "$out/programs/busybox-suite.cpio"
    # As x86_64's test image: the read-only image at /ro (files.read_only_image_is_mounted_
    # beside_tmpfs) and the test initramfs unpacked into / (files.initramfs_is_unpacked_into_root:
    # the reference image's text files and the unpacker's shapes; no x86-64 samples), with the
    # module tests' files in /lib/modules (build_test_modules: the edu module for arm64 in its
    # versions, signed, and the hostile files, the x86-64 build among them).
    make_image "$KERNEL_DIR/userland/rofs" "$out/programs/ro.cpio" >&2
    echo "$out/programs/ro.cpio"
    say "building the test modules (modules/edu) for arm64"
    MODULE_ARCH=aarch64 build_test_modules "$out/kmod" >&2
    local staged; staged=$(TEST_MODULES_DIR="$out/kmod" STAGE_DYNELF_SAMPLES=no stage_test_initramfs "$out/test-initramfs")
    modsign sign --key "$DEV_KEYS/private.pem" "$staged" -o "$out/programs/initramfs.cpio" >/dev/null \
      || die "signing the arm64 test initramfs failed"
    echo "$out/programs/initramfs.cpio"
    return 0
  fi
  [ -x "$AARCH64_BUSYBOX" ] || die "no busybox for arm64 at $AARCH64_BUSYBOX (./aurora setup)"
  for name in "${AARCH64_MUSL_PROGRAMS[@]}"; do programs+=("$out/programs/musl_$name.elf"); done
  local root="$out/initramfs"
  STAGE_BUSYBOX="$AARCH64_BUSYBOX" STAGE_STRIP=aarch64-linux-gnu-strip stage_reference_root "$root" "${programs[@]}" >&2
  # Under their names without the build's musl_ prefix, as on x86_64.
  for name in "$root"/usr/libexec/aurora/musl_*.elf; do mv "$name" "$root/usr/libexec/aurora/$(basename "${name#*/musl_}")"; done
  [ -f "$root/bin/agent" ] || install -m 755 "$root/usr/libexec/aurora/sandbox_agent.elf" "$root/bin/agent"
  pack_cpio "$root" > "$out/initramfs.cpio.unsigned"
  modsign sign --key "$(module_signing_key)" "$out/initramfs.cpio.unsigned" -o "$out/programs/initramfs.cpio" >/dev/null \
    || die "signing the arm64 initramfs failed"
  echo "$out/programs/initramfs.cpio"
}

# make_aarch64_disk EFI IMG [INITRD]: the EFI system partition image; with INITRD, GRUB loads
# it with the kernel (`initrd`: GRUB names it in the device tree's /chosen).
make_aarch64_disk() {
  local efi=$1 img=$2 initrd=${3:-} work; work=$(mktemp -d)
  {
    echo "set timeout=0"
    echo "set default=0"
    echo "search --no-floppy --file --set=root /boot/aurora.efi"
    echo "menuentry \"Aurora\" {"
    echo "  linux /boot/aurora.efi"
    [ -n "$initrd" ] && echo "  initrd /boot/initramfs.cpio"
    echo "  boot"
    echo "}"
  } > "$work/grub.cfg"
  # The configuration is built into GRUB; it finds the disk that holds the kernel.
  grub-mkstandalone -O arm64-efi -d "$AARCH64_GRUB_DIR" -o "$work/BOOTAA64.EFI" \
    --modules="part_gpt part_msdos fat search search_fs_file linux normal" "boot/grub/grub.cfg=$work/grub.cfg" >/dev/null 2>&1 \
    || die "grub-mkstandalone for arm64-efi failed"
  rm -f "$img"
  local megabytes=32
  [ -n "$initrd" ] && megabytes=$((32 + $(stat -c %s "$initrd") / 1048576 + 8))
  truncate -s "${megabytes}M" "$img"
  mformat -i "$img" :: >/dev/null || die "mformat failed (Debian package mtools)"
  mmd -i "$img" ::/EFI ::/EFI/BOOT ::/boot
  mcopy -i "$img" "$work/BOOTAA64.EFI" ::/EFI/BOOT/BOOTAA64.EFI
  mcopy -i "$img" "$efi" ::/boot/aurora.efi
  [ -n "$initrd" ] && mcopy -i "$img" "$initrd" ::/boot/initramfs.cpio
  rm -rf "$work"
}

# The QEMU command line of an aarch64 boot, one source for ./aurora run and the host tests
# (kernel-image/tests/Qemu/Aarch64BootTests.cs builds the same): the virt machine, a
# Cortex-A72, Debian's UEFI firmware, the ESP as a virtio disk, ramfb as the screen (the
# firmware drives it as its Graphics Output Protocol; the kernel draws its console there). acpi=off: the firmware then
# passes QEMU's device tree on, where the kernel finds its devices (it reads no ACPI yet). snapshot=on: runs side by
# side share the image and write nothing to it. The network card: virtio-net-pci on QEMU's user
# network (slirp: 10.0.2.15 by DHCP, the host as 10.0.2.2), as x86_64's e1000; romfile= keeps
# the firmware from loading the card's iPXE option ROM (x86_64's QemuBoot does the same). edu:
# QEMU's teaching PCI device, which the loadable edu module drives (docs/modules.md), as on x86_64.
aarch64_qemu_args() { # $1 = disk image
  echo "-M virt,acpi=off -cpu cortex-a72 -m 256M -smp 1 -bios $AARCH64_FIRMWARE -drive if=virtio,format=raw,snapshot=on,file=$1 -device ramfb -display none -no-reboot -netdev user,id=net0 -device virtio-net-pci,netdev=net0,romfile= -device edu"
}

# run_aarch64 BUILD EXIT_AFTER_READY GDB SECONDS OPTIONS
run_aarch64() {
  local build=$1 exit_after_ready=$2 gdb=$3 seconds=$4 options=$5
  [ "$build" = 1 ] && { cmd_setup; build_aarch64 release; }
  local img="$ART/aurora-aarch64.img"
  [ -n "${LIMINE_DIR:-}" ] && img="$ART/aurora-aarch64-limine.img"
  [ -f "$img" ] || die "no aarch64 image yet: run ./aurora build --arch aarch64${LIMINE_DIR:+ (with LIMINE_DIR set)}"
  [ -f "$AARCH64_FIRMWARE" ] || die "no arm64 UEFI firmware at $AARCH64_FIRMWARE (Debian qemu-efi-aarch64; ./aurora setup)"
  [ "$exit_after_ready" = 1 ] && options="${options:+$options }exit-after-ready"
  local args
  read -r -a args <<< "$(aarch64_qemu_args "$img")"
  [ -n "$options" ] && args+=(-fw_cfg "name=opt/aurora/cmdline,string=${options//,/,,}")
  [ "$gdb" = 1 ] && { args+=(-s -S); say "QEMU waits for gdb: gdb-multiarch artifacts/aurora-aarch64.elf -ex 'target remote :1234'"; }
  if [ "$exit_after_ready" = 1 ]; then
    args+=(-serial stdio)
    say "booting aarch64 (exits after the ready line: PSCI SYSTEM_OFF)"
    local log; log=$(mktemp)
    set +e; timeout "${seconds:-120}" qemu-system-aarch64 "${args[@]}" | tee "$log"; local rc=${PIPESTATUS[0]}; set -e
    local ready=0; tr -d '\r' < "$log" | grep -q "Aurora ready." && ready=1
    rm -f "$log"
    [ $rc = 0 ] && [ $ready = 1 ] || die "the aarch64 kernel did not reach its ready line (QEMU status $rc)"
    return 0
  fi
  args+=(-chardev "stdio,id=console,mux=on,signal=off" -serial chardev:console -mon chardev=console)
  [ -z "$seconds" ] && [ ! -t 0 ] && seconds=600
  say "booting aarch64; Ctrl-A X quits QEMU"
  if [ -n "$seconds" ]; then timeout --foreground "$seconds" qemu-system-aarch64 "${args[@]}"
  else qemu-system-aarch64 "${args[@]}"; fi
}
