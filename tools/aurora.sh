#!/usr/bin/env bash
# The implementation of ./aurora: setup, build, run, test, pack, sign, verify.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ART="$ROOT/artifacts"
KERNEL_DIR="$ROOT/kernel-image"
ARCH_DIR="$KERNEL_DIR/arch/x86_64"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages the build, the image and the tests need.
APT_PACKAGES=(qemu-system-x86 ovmf grub-pc-bin grub-efi-amd64-bin grub-common mtools xorriso binutils gcc musl-tools openssl bc cpio busybox-static
              nodejs chromium  # these two: ./aurora wasm's tests (docs/wasm.md)
              stress-ng)       # the stress-ng test image (aurora-test-stressng.iso, StressNgTests)
# The aarch64 build and boot (tools/aarch64.sh): cross binutils and gcc, QEMU for Arm, UEFI for it.
APT_PACKAGES+=(binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu linux-libc-dev-arm64-cross qemu-system-arm qemu-efi-aarch64)

say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# ./aurora pack, and kernels built from pinned component packages (build --from-packages).
source "$ROOT/tools/packaging.sh"
# The ABI numbers' one source (kernel-image/arch/x86_64/abi/*.tbl) and what is generated from it.
source "$ROOT/tools/abi.sh"
# ./aurora wasm: the pure components as WebAssembly, their suites under Node.js, the playground.
source "$ROOT/tools/wasm.sh"
# ./aurora build --arch aarch64, ./aurora run --arch aarch64.
source "$ROOT/tools/aarch64.sh"
# ./aurora bench --net: the network against Debian's Linux, wall-clock (docs/performance.md).
source "$ROOT/tools/netbench.sh"

usage() {
  cat <<'USAGE'
usage: ./aurora <command> [options]

  setup              install what is missing (Debian packages, the .NET SDK check)
  build [--test] [--arch x86_64|aarch64] [--from-packages [--pins FILE]]
                     kernel ELF and ISO: artifacts/aurora.elf, artifacts/aurora.iso
                     (--test: the test kernel, artifacts/aurora-test.{elf,iso}, and
                     where stress-ng is installed aurora-test-stressng.iso with it);
                     --from-packages: the components come from the packages pinned in
                     kernel-image/component-pins.props (or FILE), not from the tree;
                     artifacts/aurora.manifest.json lists what went in either way;
                     --arch aarch64: the arm64 kernel, artifacts/aurora-aarch64.img (a UEFI
                     disk: GRUB for arm64 and the kernel as an EFI image)
  pack [--output DIR] [--pin]
                     one NuGet package per component into artifacts/packages (or DIR);
                     --pin: pin kernel-image/component-pins.props to what was packed
  run [options]      set up, build and boot the reference image in QEMU: busybox init starts
                     a shell on the serial console (here) and on the screen; Ctrl-A X quits
        --uefi             boot through OVMF (UEFI) instead of SeaBIOS
        --arch aarch64     boot the arm64 kernel in qemu-system-aarch64 -M virt (UEFI, GRUB)
        --gdb              start QEMU halted, waiting for gdb on localhost:1234
        --exit-after-ready end QEMU once the kernel prints its ready line (for scripts)
        --init "PROGRAM ARGS..."
                           run this command line instead of /sbin/init (kernel option init=,
                           quoted as a shell quotes: --init "/bin/sh -c 'echo hi; exit 7'");
                           QEMU ends when it does and ./aurora run exits with its status
        --add HOSTPATH[:GUESTPATH]
                           put a file or directory into the image (repeatable); without
                           GUESTPATH an executable goes to /usr/local/bin/, anything else to
                           /root/; a GUESTPATH ending in / is a directory to put it in
        --add-host-program PROGRAM
                           put a dynamically linked program of this host (a path, or a name
                           on PATH) into the image at its host path, with the shared libraries
                           `ldd` lists and the loader, also at their host paths (repeatable;
                           --add-host-program ls puts Debian's /usr/bin/ls over busybox's link)
        --initrd DIR       merge the tree under DIR into the image's / (files replace files)
        --timeout SECONDS  end QEMU after this long (default: none at a terminal, 600 s when
                           standard input is not one, e.g. in scripts)
        --no-build         boot what the last build made (no setup, no build)
        --from-packages [--pins FILE]
                           build the image from the pinned component packages, as
                           ./aurora build --from-packages does (the image, artifacts/aurora.iso,
                           and artifacts/aurora.manifest.json then say so)
  test               every test: host xunit suites and the in-kernel suites in QEMU
                     (BIOS and UEFI; also through Limine when LIMINE_DIR is set), and the
                     aarch64 image's boot in qemu-system-aarch64
  check              compile every component freestanding against Aurora.Runtime; a public
                     member of a component or of the corlib without XML docs fails it
  wasm [--serve [PORT]]
                     the pure components as WebAssembly (.NET browser-wasm): their test
                     suites (artifacts/wasm/tests, run with node) and the playground page
                     (artifacts/wasm/playground); --serve: then serve the page on
                     http://127.0.0.1:PORT/ (default 8000) until Ctrl-C (docs/wasm.md)
  docs               the components' API reference site (docfx, the version pinned in
                     .config/dotnet-tools.json) into artifacts/docs: every public type and
                     member with its XML docs, and each component's README
  measure            build times, image size, boot time to the first and the ready line
                     (GRUB, and Limine when LIMINE_DIR is set; BIOS and UEFI each),
                     then ./aurora bench (instructions per operation against Linux)
  bench [--no-build] [--twice]
                     instructions per operation (system call, switches, faults, fork, exec,
                     mmap, files, message queue, TCP) of Aurora and of Debian's Linux kernel
                     (fetched with apt-get download) running the same static program in the
                     same QEMU with -icount shift=0; a Markdown table with ratios
                     (--twice: run both again and say whether the figures repeat)
  bench --net [--no-build] [--runs N] [--nic virtio-net-pci|e1000]
                     the network, wall-clock, on QEMU's user network: HTTP latency from host
                     curl, 10 MiB each way, UDP echo, 1,000 concurrent connections; Aurora and
                     Debian's Linux serving with the same static program, medians of N runs
                     (default 3) in a Markdown table with ratios
  sign --key <private.pem> <module> [-o <out>]
                     append an RSA-2048 signature block (module signing, SEC-4)
  module <modules/NAME> [-o OUT.ko] [--key <private.pem>] [--arch x86_64|aarch64] [-p:PROPERTY=VALUE...]
                     build a loadable kernel module and sign it (docs/modules.md); default
                     output artifacts/modules/NAME.ko (NAME-aarch64.ko for arm64), default
                     key the one the kernel trusts
  symbolize [--elf FILE] [--slide HEX] [ADDRESS...]
                     kernel addresses -> function names; without addresses, reads a panic
                     report from standard input and uses its "kernel slide" (KASLR)
  verify --key <public.pem> <signed-module>
  verify --key <public.pem> --signature <sig> <file>
                     check a signed module, or a detached PKCS#1 v1.5 SHA-256 signature, with
                     the same code the kernel runs; exit status 0 only when valid

Environment: LIMINE_DIR=<Limine 8.x binary release> makes the ISO a Limine image.
             AURORA_MODULE_KEY=<public.pem> is the module key the kernel trusts (default:
             a development key pair created in keys/dev/); AURORA_MODULE_SIGNING_KEY=
             <private.pem> its private half, which signs the initramfs (needed with it).
USAGE
}

# A mistake in how ./aurora was called: one line, exit status 2 (nothing was changed).
usage_error() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 2; }

# need_value OPTION COUNT: COUNT (the caller's $#, the option included) must leave a value.
need_value() { [ "$2" -ge 2 ] || usage_error "$1 needs a value (see ./aurora ${AURORA_COMMAND:-help} --help)"; }

# The usage of one command: its entry in the usage above (the lines from "  NAME" to the next
# command's entry), and the environment note for the commands the note is about.
command_usage() {
  usage | awk -v c="$1" '$0 ~ "^  " c "( |$)" {shown=1; print "usage: ./aurora" substr($0, 2); next}
                         shown && (/^  [a-z]/ || /^$/) {exit} shown {print}'
  case $1 in build|run|test) usage | sed -n '/^Environment:/,$p' ;; esac
}

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

cmd_setup() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    need_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  setup_aarch64
  command -v dotnet >/dev/null || die "the .NET 10 SDK is needed (dotnet on PATH): https://learn.microsoft.com/dotnet/core/install/linux-debian"
}

# ---------------------------------------------------------------- module signing keys
# The kernel trusts the public key in AURORA_MODULE_KEY (a PEM file). Without one, a development
# key pair is made once in keys/dev/ (never committed: keys/ is ignored). Test kernels always
# trust the development key, so their signed test blobs can be made here.
DEV_KEYS="$ROOT/keys/dev"

MODSIGN_BUILT=0
modsign() { # runs the host tool (tools/modsign), built (incrementally) once per ./aurora call
  if [ $MODSIGN_BUILT = 0 ]; then
    dotnet build "$ROOT/tools/modsign/Aurora.Modsign.Cli.csproj" -c Release --nologo -v quiet \
      -o "$ART/tools/modsign" > "$ART/tools-modsign-build.log" 2>&1 \
      || { cat "$ART/tools-modsign-build.log" >&2; die "building tools/modsign failed"; }
    MODSIGN_BUILT=1
  fi
  dotnet "$ART/tools/modsign/aurora-modsign.dll" "$@"
}

ensure_dev_keys() {
  if [ ! -f "$DEV_KEYS/private.pem" ]; then
    say "creating a development module-signing key pair in keys/dev/ (not committed)"
    modsign keygen --out-dir "$DEV_KEYS" >&2 || die "key generation failed"
  fi
}

generate_kernel_sources() { # $1 = flavour, $2 = output dir
  local flavour=$1 out=$2 key
  mkdir -p "$out"; rm -f "$out"/*.cs
  ensure_dev_keys
  key=${AURORA_MODULE_KEY:-$DEV_KEYS/public.pem}
  [ "$flavour" = test ] && key=$DEV_KEYS/public.pem
  [ -f "$key" ] || die "AURORA_MODULE_KEY=$key: no such PEM file"
  local extra=()
  [ "$flavour" = test ] && extra=(--test-blobs --signing-key "$DEV_KEYS/private.pem")
  generate_abi_sources "$out"
  modsign embed --key "$key" --out "$out/TrustedKeys.g.cs" --namespace Aurora.Kernel.Modules \
    --class TrustedKeys "${extra[@]}" >&2 || die "embedding the trusted module key failed"
}

# ---------------------------------------------------------------- build
kernel_object() { # $1 = flavour (release|test)
  local flavour=$1 tests=false
  [ "$flavour" = test ] && tests=true
  local obj="$KERNEL_DIR/obj/$flavour$KERNEL_OBJ_SUFFIX/"
  rm -f "$obj/native/Aurora.Kernel.o"
  generate_kernel_sources "$flavour" "$ART/obj/$flavour/generated"
  say "compiling the kernel ($flavour) with the NativeAOT compiler"
  dotnet publish "$KERNEL_DIR/Aurora.Kernel.csproj" -c Release --nologo -v quiet \
    -p:AuroraTests=$tests "${KERNEL_BUILD_ARGS[@]}" -p:IntermediateOutputPath="$obj" -p:AuroraGeneratedDir="$ART/obj/$flavour/generated/" \
    -o "$ART/obj/$flavour$KERNEL_OBJ_SUFFIX/publish" >&2 || die "kernel compilation failed"
  [ -f "$obj/native/Aurora.Kernel.o" ] || die "the compiler left no object at $obj/native/Aurora.Kernel.o"
  echo "$obj/native/Aurora.Kernel.o"
}

assemble() { # $1 = out dir, rest = sources
  local out=$1; shift
  mkdir -p "$out"
  for src in "$@"; do
    local o="$out/$(basename "${src%.S}").o"
    gcc -c -nostdlib -ffreestanding -o "$o" "$src" || die "assembling $src failed"
    echo "$o"
  done
}

link_kernel() { # $1 = flavour, $2 = output elf, $3 = text-mode variant too (elf path)
  local flavour=$1 elf=$2 text_elf=${3:-}
  local managed; managed=$(kernel_object "$flavour")
  local sources=("$ARCH_DIR"/*.S "$(runtime_native_dir "$flavour")"/*.S)
  [ "$flavour" = test ] && sources+=("$KERNEL_DIR"/ktests/*.S)
  local objs; objs=$(assemble "$ART/obj/$flavour/asm" "${sources[@]}")
  say "linking $elf"
  # shellcheck disable=SC2086
  ld_kernel "$ARCH_DIR/linker.ld" "$elf" $objs "$managed"
  if [ -n "$text_elf" ]; then
    # Same objects, the Multiboot2 header that asks for no framebuffer (VGA text fallback).
    sed -e 's/KEEP(\*(.multiboot2.graphics))/KEEP(*(.multiboot2.text))/' \
        -e 's/\*(.multiboot2.text) \*(.note/*(.multiboot2.graphics) *(.note/' \
        "$ARCH_DIR/linker.ld" > "$ART/obj/$flavour/linker-textmode.ld"
    # shellcheck disable=SC2086
    ld_kernel "$ART/obj/$flavour/linker-textmode.ld" "$text_elf" $objs "$managed"
  fi
}

# ld_kernel SCRIPT OUT OBJECTS...: links twice (KASLR): the first link's relocations give the
# table of absolute addresses (tools/kaslr-relocs.py), which the second adds as its last section.
ld_kernel() {
  local script=$1 out=$2; shift 2
  local ld_args=(-static --no-dynamic-linker -z max-page-size=0x1000 -z noexecstack --gc-sections -T "$script")
  ld "${ld_args[@]}" --emit-relocs -o "$out.pass1" "$@" || die "link failed"
  python3 "$ROOT/tools/kaslr-relocs.py" "$out.pass1" "$out.kaslr.S" || die "making the KASLR table failed"
  gcc -c -o "$out.kaslr.o" "$out.kaslr.S" || die "assembling the KASLR table failed"
  ld "${ld_args[@]}" --emit-relocs -o "$out.pass2" "$@" "$out.kaslr.o" || die "link failed"
  python3 "$ROOT/tools/kaslr-relocs.py" "$out.pass2" "$out.kaslr-check.S" || die "making the KASLR table failed"
  cmp -s "$out.kaslr.S" "$out.kaslr-check.S" || die "the KASLR table moved addresses in $out (it must be the image's last section)"
  ld "${ld_args[@]}" -o "$out" "$@" "$out.kaslr.o" || die "link failed"
  rm -f "$out.pass1" "$out.pass2" "$out.kaslr.S" "$out.kaslr-check.S" "$out.kaslr.o"
}

# build_userland DIR: compiles kernel-image/userland/*.c into static musl binaries (Linux x86-64
# ABI) in DIR and prints their paths, for the boot modules the kernel copies into /bin.
build_userland() {
  local dir=$1 program out paths=()
  generate_abi_header "$dir/include"
  for program in "$KERNEL_DIR"/userland/*.c; do
    out="$dir/$(basename "${program%.c}").elf"
    musl-gcc -static -O2 -Wall -I "$dir/include" -o "$out" "$program" >&2 || die "compiling $program failed"
    paths+=("$out")
  done
  echo "${paths[*]}"
}

# ---------------------------------------------------------------- loadable modules
# build_module PROJECT_DIR OUT [MSBUILD ARGS...]: a loadable kernel module (docs/modules.md).
# The NativeAOT object of modules/NAME/*.csproj is linked with the module start file into a
# position-independent shared object (-shared -Bsymbolic -z now: only R_X86_64_RELATIVE
# relocations remain) carrying a .modinfo section (name=, interface=, the kernel interface
# version of modules/sdk/KernelInterface.cs, which the kernel checks before running it).
# The result is unsigned; sign it with ./aurora sign. MODULE_INTERFACE overrides the version
# (the tests' wrong-version module). MODULE_ARCH=aarch64 builds it for arm64 (NativeAOT for
# linux-arm64, the cross binutils; only R_AARCH64_RELATIVE relocations remain), the same source.
build_module() {
  local project=$1 out=$2; shift 2
  local name; name=$(basename "$project")
  local arch=${MODULE_ARCH:-x86_64} cross="" archargs=()
  [ "$arch" = aarch64 ] && { cross=aarch64-linux-gnu-; archargs=(-p:AuroraArch=aarch64); }
  local work="$ART/obj/modules/$arch/$(basename "$out" .ko)"
  local interface
  interface=$(sed -n 's/.*public const uint Version = \([0-9]*\);.*/\1/p' "$ROOT/modules/sdk/KernelInterface.cs")
  [ -n "$interface" ] || die "no interface version in modules/sdk/KernelInterface.cs"
  interface=${MODULE_INTERFACE:-$interface}
  mkdir -p "$work"
  local csproj; csproj=$(ls "$project"/*.csproj | head -1)
  local assembly; assembly=$(sed -n 's:.*<AssemblyName>\(.*\)</AssemblyName>.*:\1:p' "$csproj" | head -1)
  rm -f "$work/obj/native/$assembly.o"
  dotnet publish "$csproj" -c Release --nologo -v quiet "${archargs[@]}" -p:IntermediateOutputPath="$work/obj/" \
    -o "$work/publish" "$@" >&2 || die "compiling the module $project failed"
  [ -f "$work/obj/native/$assembly.o" ] || die "the compiler left no object for $project"
  printf '  .section .modinfo, "", @progbits\n  .asciz "name=%s"\n  .asciz "interface=%s"\n  .section .note.GNU-stack, "", @progbits\n' \
    "$name" "$interface" > "$work/modinfo.S"
  "${cross}gcc" -c -o "$work/modinfo.o" "$work/modinfo.S" || die "assembling the module info failed"
  "${cross}gcc" -c -o "$work/module_start.o" "$ROOT/modules/sdk/module_start.S" || die "assembling the module start failed"
  # The corlib's bulk-memory routines (memcpy/memset for its Span and Buffer code), and on arm64
  # its write barriers (RhpAssignRef..., assembly there): each module carries its own copy of
  # the runtime, these included.
  local runtime=("$ROOT/components/runtime/native/$arch/Memory.S") objs=() src
  [ "$arch" = aarch64 ] && runtime+=("$ROOT/components/runtime/native/aarch64/WriteBarriers.S")
  for src in "${runtime[@]}"; do
    "${cross}gcc" -c -o "$work/runtime_$(basename "${src%.S}").o" "$src" || die "assembling $src failed"
    objs+=("$work/runtime_$(basename "${src%.S}").o")
  done
  "${cross}ld" -shared -Bsymbolic --no-undefined -z now -z max-page-size=0x1000 -z separate-code -z noexecstack \
     --strip-debug -e aurora_module_init -o "$out" "$work/obj/native/$assembly.o" "$work/module_start.o" "$work/modinfo.o" "${objs[@]}" \
     || die "linking the module $project failed"
}

# build_test_modules DIR: the edu driver module in its versions, signed, and the hostile files
# the module tests must see refused (userland/modules.c lists what each must answer), for
# MODULE_ARCH (x86_64 unless set); edu-other-machine is edu built for the other architecture.
build_test_modules() {
  local dir=$1 m other=aarch64
  [ "${MODULE_ARCH:-x86_64}" = aarch64 ] && other=x86_64
  mkdir -p "$dir"
  build_module "$ROOT/modules/edu" "$dir/edu-v1.unsigned"
  build_module "$ROOT/modules/edu" "$dir/edu-v2.unsigned" -p:EduVersion=2
  build_module "$ROOT/modules/edu" "$dir/edu-broken.unsigned" -p:EduVersion=broken
  build_module "$ROOT/modules/edu" "$dir/edu-fault.unsigned" -p:EduVersion=fault
  build_module "$ROOT/modules/edu" "$dir/edu-throw.unsigned" -p:EduVersion=throw
  MODULE_INTERFACE=999 build_module "$ROOT/modules/edu" "$dir/edu-interface.unsigned"
  MODULE_ARCH=$other build_module "$ROOT/modules/edu" "$dir/edu-other-machine.unsigned"
  for m in edu-v1 edu-v2 edu-broken edu-fault edu-throw edu-interface edu-other-machine; do
    modsign sign --key "$DEV_KEYS/private.pem" "$dir/$m.unsigned" -o "$dir/$m.ko" >/dev/null || die "signing $m failed"
  done
  cp "$dir/edu-v1.unsigned" "$dir/edu-unsigned.ko"
  cp "$dir/edu-v1.ko" "$dir/edu-tampered.ko"        # one code byte changed after signing
  printf '\x90' | dd of="$dir/edu-tampered.ko" bs=1 seek=$((0x2010)) conv=notrunc status=none
  head -c -100 "$dir/edu-v1.ko" > "$dir/edu-truncated.ko"  # the end (the signature's magic) cut off
  { head -c 4096 "$dir/edu-v1.ko"; tail -c +4098 "$dir/edu-v1.ko"; } > "$dir/edu-short.ko"  # a payload byte gone
  # A key the kernel does not trust.
  [ -f "$dir/foreign/private.pem" ] || modsign keygen --out-dir "$dir/foreign" >/dev/null || die "key generation failed"
  modsign sign --key "$dir/foreign/private.pem" "$dir/edu-v1.unsigned" -o "$dir/edu-foreign.ko" >/dev/null
  # Random bytes, signed: the signature is good, the contents are no module.
  head -c 20000 /dev/urandom > "$dir/random.unsigned"
  modsign sign --key "$DEV_KEYS/private.pem" "$dir/random.unsigned" -o "$dir/random.ko" >/dev/null
  # The module's ELF cut in half, then signed: the signature holds, the headers point past the end.
  head -c $(( $(stat -c %s "$dir/edu-v1.unsigned") / 2 )) "$dir/edu-v1.unsigned" > "$dir/edu-cut.unsigned"
  modsign sign --key "$DEV_KEYS/private.pem" "$dir/edu-cut.unsigned" -o "$dir/edu-cut.ko" >/dev/null
  # A relocation whose target lies far outside the module, signed.
  local rela; rela=$(readelf -SW "$dir/edu-v1.unsigned" | sed -n 's/.*\] \.rela\.dyn *RELA *[0-9a-f]* \([0-9a-f]*\) .*/\1/p')
  [ -n "$rela" ] || die "the module has no .rela.dyn"
  cp "$dir/edu-v1.unsigned" "$dir/edu-reloc.unsigned"
  printf '\x00\x00\x00\x40\x00\x00\x00\x00' | dd of="$dir/edu-reloc.unsigned" bs=1 seek=$((0x$rela + 16)) conv=notrunc status=none
  modsign sign --key "$DEV_KEYS/private.pem" "$dir/edu-reloc.unsigned" -o "$dir/edu-reloc.ko" >/dev/null
}

# make_image DIR OUT: a signed newc cpio of DIR (as Linux initramfs images are made), which the
# kernel mounts read-only at /NAME for a module NAME.cpio.
make_image() {
  (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) > "$2.unsigned" \
    || die "making the cpio image $2 failed (Debian package cpio)"
  modsign sign --key "$DEV_KEYS/private.pem" "$2.unsigned" -o "$2" >/dev/null
}

make_iso() { # $1 = elf, $2 = iso, $3 = loader (grub|limine), $4 = grub mode (text); MODULES = files to load
  local elf=$1 iso=$2 loader=$3 mode=${4:-}
  local stage; stage=$(mktemp -d)
  mkdir -p "$stage/boot/modules"
  # Without its symbol table: the loaders read and keep every section of the file (GRUB's
  # multiboot2 passes the unloaded ones on), 1.1 of its 1.8 MB, at every boot; the kernel
  # never looks at them. The unstripped ELF beside the ISO is the one to symbolize with.
  strip -o "$stage/boot/aurora.elf" "$elf" || die "stripping $elf failed"
  local m names=()
  for m in ${MODULES:-}; do cp "$m" "$stage/boot/modules/"; names+=("$(basename "$m")"); done
  if [ "$loader" = limine ]; then
    [ -f "$LIMINE_DIR/limine-bios-cd.bin" ] || die "LIMINE_DIR=$LIMINE_DIR has no limine-bios-cd.bin (want a Limine 8.x binary release)"
    mkdir -p "$stage/boot/limine" "$stage/EFI/BOOT"
    cp "$LIMINE_DIR"/{limine-bios.sys,limine-bios-cd.bin,limine-uefi-cd.bin} "$stage/boot/limine/"
    cp "$LIMINE_DIR"/BOOTX64.EFI "$stage/EFI/BOOT/"
    cat > "$stage/boot/limine/limine.conf" <<CONF
timeout: 0
serial: yes

/Aurora
    protocol: limine
    kernel_path: boot():/boot/aurora.elf
CONF
    for m in "${names[@]}"; do echo "    module_path: boot():/boot/modules/$m" >> "$stage/boot/limine/limine.conf"; done
    xorriso -as mkisofs -R -r -J -b boot/limine/limine-bios-cd.bin -no-emul-boot \
      -boot-load-size 4 -boot-info-table -hfsplus -apm-block-size 2048 \
      --efi-boot boot/limine/limine-uefi-cd.bin -efi-boot-part --efi-boot-image \
      --protective-msdos-label "$stage" -o "$iso" >/dev/null 2>&1 || die "xorriso failed"
  else
    mkdir -p "$stage/boot/grub"
    {
      echo "serial --unit=0 --speed=115200"
      echo "terminal_output serial console"
      echo "set timeout=0"
      echo "set default=0"
      echo "insmod all_video"
      echo 'menuentry "Aurora" {'
      [ "$mode" = text ] && echo "  set gfxpayload=text"
      echo "  multiboot2 /boot/aurora.elf"
      # The argument after the path is the module's name for the kernel (BootInfo.ModuleName).
      for m in "${names[@]}"; do echo "  module2 /boot/modules/$m $m"; done
      echo "  boot"
      echo "}"
    } > "$stage/boot/grub/grub.cfg"
    grub-mkrescue -o "$iso" "$stage" >/dev/null 2>&1 || die "grub-mkrescue failed"
  fi
  rm -rf "$stage"
}

# ---------------------------------------------------------------- initramfs
# The root file system of the reference image: kernel-image/initramfs/rootfs (the text files we
# write), Debian's busybox with a symbolic link per applet, empty mount points, and the test
# programs in /usr/libexec/aurora; a cpio newc archive the kernel unpacks into its tmpfs at /.
INITRAMFS_SOURCE="$KERNEL_DIR/initramfs/rootfs"

pack_cpio() { # $1 = directory, rest = find tests; the archive on stdout (newc, owned by root, as Linux initramfs images are made)
  local dir=$1; shift
  (cd "$dir" && find . "$@" | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) \
    || die "making a cpio archive of $dir failed (Debian package cpio)"
}

module_signing_key() { # the private key matching the public key the kernel trusts
  if [ -n "${AURORA_MODULE_KEY:-}" ]; then
    [ -f "${AURORA_MODULE_SIGNING_KEY:-}" ] || die "AURORA_MODULE_KEY is set: AURORA_MODULE_SIGNING_KEY must name its private key (PEM), which signs the initramfs"
    echo "$AURORA_MODULE_SIGNING_KEY"
  else
    ensure_dev_keys
    echo "$DEV_KEYS/private.pem"
  fi
}

# STAGE_BUSYBOX names another busybox to install (aarch64: Debian's busybox-static:arm64, the
# same version as the host's, whose applet list stands for it) and STAGE_STRIP the strip for
# the programs' architecture.
stage_reference_root() { # $1 = directory to fill, rest = programs for /usr/libexec/aurora
  local root=$1 applet program busybox=${STAGE_BUSYBOX:-/bin/busybox} strip=${STAGE_STRIP:-strip}; shift
  [ -x /bin/busybox ] || die "/bin/busybox is missing: ./aurora setup installs it (Debian package busybox-static)"
  rm -rf "$root"; mkdir -p "$root"
  cp -R "$INITRAMFS_SOURCE/." "$root/"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,usr/libexec/aurora,proc,dev,sys,tmp,root}
  find "$root" -type d -exec chmod 755 {} +
  find "$root" -type f -exec chmod 644 {} +
  chmod 1777 "$root/tmp"; chmod 700 "$root/root"
  install -m 755 "$busybox" "$root/bin/busybox"
  while read -r applet; do
    case $applet in bin/busybox|linuxrc|"") continue ;; esac
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
  done < <(/bin/busybox --list-full)
  # Stripped (install -s): symbols and musl's debug information were a fifth of their bytes
  # (5.4 -> 4.3 MB), and the image is read by the loader, hashed and unpacked at every boot
  # (issue 17, docs/performance.md "Boot time"); the unstripped ones stay in the build directory.
  for program in "$@"; do install -s --strip-program="$strip" -m 755 "$program" "$root/usr/libexec/aurora/"; done
  # The agent runtime (docs/sandbox.md) as /bin/agent; its sample policy and agent are in /etc/agent.
  for program in "$@"; do [ "$(basename "$program")" = sandbox_agent.elf ] && install -s --strip-program="$strip" -m 755 "$program" "$root/bin/agent"; done
  return 0
}

# stage_host_program DIR PROGRAM: a program of this host (a path, or a name looked up on PATH)
# with the shared libraries `ldd` lists and its loader, each at its host path under DIR (links
# followed: the files themselves), so an unmodified dynamically linked program finds them in
# the image where it finds them here. ldd runs the host's loader on the program: only for
# programs you trust (ldd(1)).
stage_host_program() {
  local root=$1 program=$2 file
  case $program in */*) ;; *) program=$(command -v "$program") || die "--add-host-program $2: not found on PATH" ;; esac
  [ -f "$program" ] || die "--add-host-program $2: $program is not a file"
  program=$(realpath -s "$program")
  # The loader PT_INTERP names goes in even where glibc's ldd cannot follow the program (musl's:
  # its libc is the loader itself).
  local interpreter libraries
  interpreter=$(readelf -l "$program" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
  libraries=$(ldd "$program" 2>/dev/null) || libraries="" # static, or not glibc's to follow
  for file in "$program" $interpreter $(grep -o '/[^ ]*' <<< "$libraries" || true); do
    [ -f "$file" ] || die "--add-host-program $2: $file (listed by ldd) is missing"
    mkdir -p "$root$(dirname "$file")"
    cp -L "$file" "$root$file"
    chmod 755 "$root$file"
  done
}

# The dynamically linked programs the test image carries (issue 12): Debian's own from this
# host's /usr/bin (essential and required packages: coreutils, findutils, diffutils, grep, sed,
# tar, gzip, dash, bash, mawk, perl-base), compared with the host by
# tests/Qemu/DebianProgramTests.cs through userland/debian-suite/commands.txt. Each is copied
# to its host path, so a command names the same file on both systems.
TEST_HOST_PROGRAMS=(ls sort grep sed tar gzip dash bash mawk awk perl
  cat cp mv rm mkdir rmdir ln readlink realpath stat touch date du df wc head tail cut tr od dd
  md5sum sha1sum sha256sum base64 seq uniq join paste split csplit tee env printf test expr yes
  timeout nohup mktemp install chmod truncate tac nl fold comm basename dirname sleep true false
  echo shuf numfmt mkfifo id whoami tty uname nice sync find xargs diff diff3 cmp)
# Whole directories beside them: perl-base's modules (strict, warnings, POSIX...), which
# `perl -e 'use strict'` loads from @INC.
TEST_HOST_TREES=(/usr/lib/x86_64-linux-gnu/perl-base)

# stage_host_python ROOT: Debian's python3 (python3-minimal, where this host has it) with
# libpython3.11-minimal's modules and their compiled .pyc beside them (mtimes kept: a .pyc
# records its source's, and a stale one is compiled again, slowly under TCG). Its extension
# modules (_ssl, _hashlib: OpenSSL's) stay behind, as on a system without libssl; the
# lib-dynload directory is there, or python warns it cannot find its platform libraries.
stage_host_python() {
  local root=$1 package file cache
  [ -x /usr/bin/python3 ] && dpkg -S /usr/bin/python3 >/dev/null 2>&1 || return 0
  package=$(dpkg -S "$(readlink -f /usr/bin/python3)" 2>/dev/null | sed -n 's/^\(python3\.[0-9]*\)-minimal:.*/lib\1-minimal/p' | head -1)
  [ -n "$package" ] || return 0
  stage_host_program "$root" /usr/bin/python3
  dpkg -L "$package" | while read -r file; do
    [ -f "$file" ] || continue
    case $file in /usr/lib/python3*/lib-dynload/*) mkdir -p "$root$(dirname "$file")"; continue ;; /usr/lib/python3*|/etc/python3*) ;; *) continue ;; esac
    mkdir -p "$root$(dirname "$file")"; cp -p "$file" "$root$file"
    case $file in *.py) ;; *) continue ;; esac
    # The cache is named for the interpreter (cpython-311), not the directory.
    for cache in "$(dirname "$file")"/__pycache__/"$(basename "$file" .py)".cpython-3??.pyc; do
      [ -f "$cache" ] || continue
      mkdir -p "$root$(dirname "$cache")"; cp -p "$cache" "$root$cache"
    done
  done
}

# stage_dynelf_samples DIR: userland/pie/hello_aux.c as a static PIE (musl-gcc -static-pie)
# and, where musl's loader is installed, as a dynamically linked musl program with the loader
# beside it, in DIR/opt/dynelf/.
stage_dynelf_samples() {
  local root=$1 source="$KERNEL_DIR/userland/pie/hello_aux.c"
  mkdir -p "$root/opt/dynelf"
  # Debian's musl-gcc specs ignore -static-pie: musl's self-relocating start file (rcrt1.o)
  # and the PIE link are named by hand.
  local lib=/usr/lib/x86_64-linux-musl
  musl-gcc -fPIE -O2 -Wall -nostartfiles -static -Wl,-pie,--no-dynamic-linker,-z,text "$lib/rcrt1.o" "$lib/crti.o" \
    "$(gcc -print-file-name=crtbeginS.o)" "$source" "$(gcc -print-file-name=crtendS.o)" "$lib/crtn.o" \
    -o "$root/opt/dynelf/hello-static-pie" >&2 || die "compiling $source (static PIE) failed"
  if [ -e /lib/ld-musl-x86_64.so.1 ]; then
    musl-gcc -fPIE -pie -O2 -Wall -o "$root/opt/dynelf/hello-musl" "$source" >&2 || die "compiling $source (dynamic musl) failed"
    mkdir -p "$root/lib"; cp -L /lib/ld-musl-x86_64.so.1 "$root/lib/ld-musl-x86_64.so.1"
  fi
}

# The test image's initramfs: the same text files, no busybox (its programs stay in /bin as
# the in-kernel tests expect), plus the shapes the unpacker must handle (files.initramfs_*):
# a hard-linked pair, a relative symbolic link, a private mode, and a second archive appended
# that replaces a file of the first.
stage_test_initramfs() { # $1 = work directory, rest = more host programs; prints the unsigned archive's path
  local work=$1 root=$1/root extra=$1/extra; shift
  rm -rf "$work"; mkdir -p "$root/test" "$extra/test"
  cp -R "$INITRAMFS_SOURCE/." "$root/"
  find "$root" -type d -exec chmod 755 {} +
  find "$root" -type f -exec chmod 644 {} +
  printf 'one file, two names\n' > "$root/test/hard1"; ln "$root/test/hard1" "$root/test/hard2"
  ln -s ../etc/hostname "$root/test/link"
  printf 'private\n' > "$root/test/private"; chmod 600 "$root/test/private"
  printf 'first archive\n' > "$root/test/replaced"
  printf 'second archive\n' > "$extra/test/replaced"; chmod 755 "$extra/test/replaced"
  # The loadable-module test files (build_test_modules), as a distribution keeps modules.
  if [ -n "${TEST_MODULES_DIR:-}" ]; then
    mkdir -p "$root/lib/modules"
    cp "$TEST_MODULES_DIR"/*.ko "$root/lib/modules/"
    chmod 644 "$root/lib/modules/"*.ko
  fi
  # The Debian suite's programs (perl's and python's trees among them, ~19 MB) go only into
  # the Debian image (STAGE_DEBIAN_PROGRAMS=yes): in the ordinary test image their tmpfs copy
  # left the 256 MiB machine too little for limits.tables_have_per_account_shares' socket
  # shares and for busybox.commands_match_the_host in the one-boot suite.
  local program
  if [ "${STAGE_DEBIAN_PROGRAMS:-}" = yes ]; then
    for program in "${TEST_HOST_PROGRAMS[@]}"; do stage_host_program "$root" "/usr/bin/$program"; done
    local tree; for tree in "${TEST_HOST_TREES[@]}"; do
      [ -d "$tree" ] || die "$tree is missing (a Debian essential package's files: reinstall it)"
      mkdir -p "$root$(dirname "$tree")"; cp -R -L "$tree" "$root$tree"
    done
    stage_host_python "$root"
  fi
  for program in "$@"; do stage_host_program "$root" "$program"; done
  # x86-64 musl programs (the dynamic-ELF tests'); arm64's test image goes without
  # (STAGE_DYNELF_SAMPLES=no: tools/aarch64.sh).
  [ "${STAGE_DYNELF_SAMPLES:-yes}" = yes ] && stage_dynelf_samples "$root"
  { pack_cpio "$root"; pack_cpio "$extra" -mindepth 1 ! -type d; } > "$work/initramfs.cpio.unsigned"
  echo "$work/initramfs.cpio.unsigned"
}

cmd_build() {
  local flavour=release from_packages=0 pins="" arch=x86_64
  while [ $# -gt 0 ]; do
    case $1 in
      --test) flavour=test ;;
      --arch) need_value --arch $#; shift; arch=$1; [[ $arch =~ ^(x86_64|aarch64)$ ]] || usage_error "--arch $arch: x86_64 or aarch64" ;;
      --from-packages) from_packages=1 ;;
      --pins) need_value --pins $#; shift; pins=$1; from_packages=1 ;;
      *) usage_error "unknown option to build: $1 (see ./aurora build --help)" ;;
    esac
    shift
  done
  # ./aurora build sets up first, once its options are known to be right.
  [ "${AURORA_SETUP_FIRST:-0}" = 1 ] && cmd_setup
  if [ "$arch" = aarch64 ]; then
    [ $from_packages = 0 ] || usage_error "--from-packages builds x86_64 only"
    build_aarch64 "$flavour"; return
  fi
  [ $from_packages = 1 ] && use_pinned_packages "$pins"
  mkdir -p "$ART"
  if [ $flavour = test ]; then
    link_kernel test "$ART/aurora-test.elf" "$ART/aurora-test-textmode.elf"
    # Two boot modules for the signature check at boot: one signed with the development key,
    # one with a bit flipped after signing.
    local mods="$ART/obj/test/modules"; mkdir -p "$mods"
    head -c 3000 /dev/urandom > "$mods/payload.bin"
    modsign sign --key "$DEV_KEYS/private.pem" "$mods/payload.bin" -o "$mods/0-signed.mod" >/dev/null
    cp "$mods/0-signed.mod" "$mods/1-tampered.mod"
    printf '\x5a' | dd of="$mods/1-tampered.mod" bs=1 seek=1000 conv=notrunc status=none
    # Debian's busybox-static (installed by setup, never committed) as a test input: /bin/busybox.elf.
    local busybox=""
    if [ -x /bin/busybox ]; then cp /bin/busybox "$mods/busybox.elf"; busybox="$mods/busybox.elf"; fi
    # A read-only file system image: the kernel mounts a module NAME.cpio at /NAME (signed like
    # every module). newc cpio of kernel-image/userland/rofs/, as Linux initramfs images are made.
    make_image "$KERNEL_DIR/userland/rofs" "$mods/ro.cpio"
    # The busybox suite's command lines (userland/busybox_suite.c reads them at /busybox-suite).
    make_image "$KERNEL_DIR/userland/busybox-suite" "$mods/busybox-suite.cpio"
    # The Debian programs suite's command lines (userland/debian_suite.c reads them at /debian-suite).
    make_image "$KERNEL_DIR/userland/debian-suite" "$mods/debian-suite.cpio"
    say "building the test modules (modules/edu)"
    build_test_modules "$ART/obj/test/kmod"
    TEST_MODULES_DIR="$ART/obj/test/kmod" \
      modsign sign --key "$DEV_KEYS/private.pem" "$(TEST_MODULES_DIR="$ART/obj/test/kmod" stage_test_initramfs "$ART/obj/test/initramfs")" -o "$mods/initramfs.cpio" >/dev/null
    local others; others="$mods/0-signed.mod $mods/1-tampered.mod $(build_userland "$mods") $busybox $mods/ro.cpio $mods/busybox-suite.cpio $mods/debian-suite.cpio"
    export MODULES="$others $mods/initramfs.cpio"
    make_iso "$ART/aurora-test.elf" "$ART/aurora-test.iso" grub
    # The stress-ng image (tests/Qemu/StressNgTests.cs): the test image with Debian's stress-ng
    # and its 24 libraries in the initramfs, an image of its own so the other tests' boots do
    # not unpack its 25 MB into tmpfs.
    rm -f "$ART/aurora-test-stressng.iso"
    if [ -x /usr/bin/stress-ng ]; then
      mkdir -p "$mods/stressng"
      TEST_MODULES_DIR="$ART/obj/test/kmod" \
        modsign sign --key "$DEV_KEYS/private.pem" "$(TEST_MODULES_DIR="$ART/obj/test/kmod" stage_test_initramfs "$ART/obj/test/initramfs-stressng" /usr/bin/stress-ng)" -o "$mods/stressng/initramfs.cpio" >/dev/null
      MODULES="$others $mods/stressng/initramfs.cpio" make_iso "$ART/aurora-test.elf" "$ART/aurora-test-stressng.iso" grub
    fi
    # The Debian image (tests/Qemu/DebianProgramTests.cs): the test image with Debian's
    # dash, bash, coreutils, perl, python3... and their libraries in the initramfs.
    mkdir -p "$mods/debian"
    STAGE_DEBIAN_PROGRAMS=yes TEST_MODULES_DIR="$ART/obj/test/kmod" \
      modsign sign --key "$DEV_KEYS/private.pem" "$(STAGE_DEBIAN_PROGRAMS=yes TEST_MODULES_DIR="$ART/obj/test/kmod" stage_test_initramfs "$ART/obj/test/initramfs-debian")" -o "$mods/debian/initramfs.cpio" >/dev/null
    MODULES="$others $mods/debian/initramfs.cpio" make_iso "$ART/aurora-test.elf" "$ART/aurora-test-debian.iso" grub
    make_iso "$ART/aurora-test-textmode.elf" "$ART/aurora-test-textmode.iso" grub text
    rm -f "$ART/aurora-test-limine.iso"
    [ -n "${LIMINE_DIR:-}" ] && make_iso "$ART/aurora-test.elf" "$ART/aurora-test-limine.iso" limine
    unset MODULES
    say "built artifacts/aurora-test.iso ($(stat -c %s "$ART/aurora-test.elf") byte kernel${LIMINE_DIR:+; also aurora-test-limine.iso})"
  else
    link_kernel release "$ART/aurora.elf"
    # One boot module: the initramfs (busybox, /sbin/init, /etc, the test programs).
    local release="$ART/obj/release" programs
    mkdir -p "$release/userland"
    programs=$(build_userland "$release/userland")
    # shellcheck disable=SC2086
    stage_reference_root "$release/initramfs" $programs
    pack_cpio "$release/initramfs" > "$release/initramfs.cpio.unsigned"
    modsign sign --key "$(module_signing_key)" "$release/initramfs.cpio.unsigned" -o "$release/initramfs.cpio" >/dev/null \
      || die "signing the initramfs failed"
    MODULES="$release/initramfs.cpio" make_iso "$ART/aurora.elf" "$ART/aurora.iso" "$(iso_loader)"
    say "built artifacts/aurora.iso ($(stat -c %s "$ART/aurora.elf") byte kernel, loader: $(if [ -n "${LIMINE_DIR:-}" ]; then echo Limine; else echo GRUB; fi))"
  fi
}

# ---------------------------------------------------------------- run
iso_loader() { if [ -n "${LIMINE_DIR:-}" ]; then echo limine; else echo grub; fi; }

ovmf_code() {
  for f in /usr/share/ovmf/OVMF.fd /usr/share/OVMF/OVMF_CODE.fd; do [ -f "$f" ] && { echo "$f"; return; }; done
  die "OVMF not found (Debian package ovmf)"
}

# guest_path HOSTPATH GUESTPATH: where --add puts a file (see usage).
guest_path() {
  local host=$1 guest=$2 name; name=$(basename "$host")
  if [ -z "$guest" ]; then
    if [ -f "$host" ] && [ -x "$host" ]; then guest=/usr/local/bin/$name; else guest=/root/$name; fi
  elif [ "${guest%/}" != "$guest" ]; then
    guest=$guest$name
  fi
  case $guest in /*) ;; *) guest=/$guest ;; esac
  echo "$guest"
}

cmd_run() {
  local uefi=0 gdb=0 exit_after_ready=0 init="" build=1 seconds="" initrd="" adds=() add host_programs=() program arch=x86_64 build_args=()
  while [ $# -gt 0 ]; do
    case $1 in
      --from-packages) build_args+=(--from-packages) ;;
      --pins) need_value --pins $#; shift; build_args+=(--pins "$1") ;;
      --uefi) uefi=1 ;; --gdb) gdb=1 ;; --exit-after-ready) exit_after_ready=1 ;;
      --arch) need_value --arch $#; shift; arch=$1; [[ $arch =~ ^(x86_64|aarch64)$ ]] || usage_error "--arch $arch: x86_64 or aarch64" ;;
      --init) need_value --init $#; shift; init=$1; [ -n "$init" ] || usage_error "--init takes a command line, e.g. --init \"/bin/sh -c 'exit 7'\"" ;;
      --add) need_value --add $#; shift; adds+=("$1") ;;
      --add-host-program) need_value --add-host-program $#; shift; host_programs+=("$1") ;;
      --initrd) need_value --initrd $#; shift; initrd=$1; [ -d "$initrd" ] || usage_error "--initrd $initrd: not a directory" ;;
      --timeout) need_value --timeout $#; shift; seconds=$1; [[ $seconds =~ ^[0-9]+$ ]] || usage_error "--timeout $seconds: not a number of seconds" ;;
      --no-build) build=0 ;;
      *) usage_error "unknown option to run: $1 (see ./aurora run --help)" ;;
    esac
    shift
  done
  if [ "$arch" = aarch64 ]; then
    [ -z "$init" ] && [ ${#adds[@]} = 0 ] && [ -z "$initrd" ] && [ ${#host_programs[@]} = 0 ] \
      || usage_error "--arch aarch64 takes no --init, --add, --add-host-program or --initrd yet (no file system there)"
    run_aarch64 "$build" "$exit_after_ready" "$gdb" "$seconds" ""; return
  fi
  if [ $build = 1 ]; then
    cmd_setup; cmd_build ${build_args[@]+"${build_args[@]}"}
  elif [ -f "$ART/tools/modsign/aurora-modsign.dll" ]; then
    MODSIGN_BUILT=1   # the last build's signing tool: runs started side by side must not rebuild it
  fi
  [ -f "$ART/aurora.iso" ] && [ -f "$ART/obj/release/initramfs.cpio.unsigned" ] || die "no reference image yet: run ./aurora build"
  local work; work=$(mktemp -d "${TMPDIR:-/tmp}/aurora-run.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  local iso="$ART/aurora.iso"
  if [ ${#adds[@]} -gt 0 ] || [ -n "$initrd" ] || [ ${#host_programs[@]} -gt 0 ]; then
    # The additions are a second archive appended to the image's (a later entry of a name
    # replaces an earlier one). Only files, links and empty directories go in: directories
    # the image has keep their modes, missing ones are made 0755.
    local extra="$work/root" host guest
    mkdir -p "$extra"
    [ -n "$initrd" ] && cp -R "$initrd/." "$extra/"
    for add in ${adds[@]+"${adds[@]}"}; do
      host=$add guest=""
      if [[ $add == *:* ]]; then host=${add%%:*}; guest=${add#*:}; fi
      [ -e "$host" ] || die "--add $add: $host does not exist"
      guest=$(guest_path "$host" "$guest")
      mkdir -p "$extra$(dirname "$guest")"
      rm -rf "${extra:?}$guest"
      cp -RL "$host" "$extra$guest"
    done
    for program in ${host_programs[@]+"${host_programs[@]}"}; do stage_host_program "$extra" "$program"; done
    { cat "$ART/obj/release/initramfs.cpio.unsigned"; pack_cpio "$extra" -mindepth 1 \( ! -type d -o -type d -empty \); } > "$work/initramfs.cpio.unsigned"
    modsign sign --key "$(module_signing_key)" "$work/initramfs.cpio.unsigned" -o "$work/initramfs.cpio" >/dev/null \
      || die "signing the initramfs failed"
    MODULES="$work/initramfs.cpio" make_iso "$ART/aurora.elf" "$work/aurora.iso" "$(iso_loader)"
    iso="$work/aurora.iso"
  fi
  local options=""
  [ $exit_after_ready = 1 ] && options="exit-after-ready"
  # init= comes last: the rest of the kernel's command line is its program and arguments.
  [ -n "$init" ] && options="${options:+$options }init=$init"
  # -device edu: QEMU's teaching device, for the example driver module (docs/modules.md).
  local args=(-M q35 -cpu max -m 256M -cdrom "$iso" -no-reboot -display none
              -device isa-debug-exit,iobase=0xf4,iosize=0x04 -netdev user,id=net0 -device virtio-net-pci,netdev=net0,romfile=
              -device edu)
  [ $uefi = 1 ] && args+=(-bios "$(ovmf_code)")
  [ $gdb = 1 ] && { args+=(-s -S); say "QEMU waits for gdb: gdb artifacts/aurora.elf -ex 'target remote :1234'"; }
  # QEMU's option syntax: a comma in a value is written twice.
  [ -n "$options" ] && args+=(-fw_cfg "name=opt/aurora/cmdline,string=${options//,/,,}")
  if [ $exit_after_ready = 1 ] && [ -z "$init" ]; then
    args+=(-serial stdio)
    say "booting (exits after the ready line)"
    set +e; timeout "${seconds:-120}" qemu-system-x86_64 "${args[@]}"; local rc=$?; set -e
    [ $rc = 33 ] || die "the kernel did not reach its ready line (QEMU status $rc)"
    return 0
  fi
  # The serial console and QEMU's monitor share this terminal (Ctrl-A C switches, Ctrl-A X
  # quits; Ctrl-C goes to the guest), and what the guest prints is also logged, to tell an
  # init's exit from QEMU's own ending.
  local log="$work/serial.log"
  args+=(-chardev "stdio,id=console,mux=on,signal=off,logfile=$log" -serial chardev:console -mon chardev=console)
  [ -z "$seconds" ] && [ ! -t 0 ] && seconds=600
  say "booting${init:+ init=$init}; Ctrl-A X quits QEMU"
  local rc
  set +e
  if [ -n "$seconds" ]; then timeout --foreground "$seconds" qemu-system-x86_64 "${args[@]}"; rc=$?
  else qemu-system-x86_64 "${args[@]}"; rc=$?; fi
  set -e
  [ $rc = 124 ] && [ -n "$seconds" ] && die "QEMU did not end within $seconds s (--timeout)"
  [ -z "$init" ] && return $rc
  # QEMU ends with (status << 1) | 1 when the kernel writes the init's status to isa-debug-exit;
  # 8 bits, so a status above 127 comes back from the kernel's log line.
  grep -aq "KERNEL PANIC" "$log" && die "the kernel panicked (see above)"
  [ $((rc & 1)) = 1 ] || die "QEMU ended with status $rc before the init did"
  local status=$(( (rc - 1) / 2 )) logged
  logged=$(tr -d '\r' < "$log" | sed -n 's/^init: exit status \([0-9]*\)$/\1/p' | tail -n 1)
  [ -n "$logged" ] && [ $((logged & 127)) = $status ] && status=$logged
  return $status
}

# ---------------------------------------------------------------- test
cmd_test() {
  cmd_setup
  cmd_check
  cmd_build --test
  cmd_build   # the reference image: ShellTests boot it through ./aurora run
  cmd_wasm    # WasmTests run what it makes in Node.js and headless Chromium
  cmd_build --arch aarch64   # Aarch64BootTests boot it
  cmd_build --arch aarch64 --test   # Aarch64KernelTests run its in-kernel suite
  say "running every test (host suites, then in-kernel suites in QEMU)"
  local log="$ART/test-results"; mkdir -p "$log"; rm -f "$log/qemu-boots.tsv"   # QemuBoot notes each run's time here
  set +e
  dotnet test "$ROOT/Aurora.sln" --nologo -c Release --logger "console;verbosity=normal" \
    --results-directory "$log" 2>&1 | tee "$log/dotnet-test.log" | grep -E --line-buffered '^\s*(Passed|Failed|Skipped)( |: )|^Total tests|error' 
  local rc=${PIPESTATUS[0]}
  set -e
  # Totals from each test project's own summary ("Total tests: N" then "Passed: P" ...):
  # per-test lines from projects running in parallel can interleave.
  local passed failed skipped
  read -r passed failed skipped < <(awk '/^ +Passed: +[0-9]+ *$/ {p+=$2} /^ +Failed: +[0-9]+ *$/ {f+=$2}
    /^ +Skipped: +[0-9]+ *$/ {s+=$2} END {print p+0, f+0, s+0}' "$log/dotnet-test.log")
  [ "$rc" = 0 ] || [ "$failed" != 0 ] || failed=1   # a build or run error counts as a failure
  echo
  if [ "$failed" != 0 ]; then
    # CI keeps only the end of the output: name what failed here, bounded, with the first
    # lines of each failure's message.
    echo "what failed (the whole log: $log/dotnet-test.log):"
    grep -E -A12 '^\s*Failed [A-Za-z]|error (CS|MSB|NU)[0-9]+' "$log/dotnet-test.log" | cut -c1-300 | head -n 120 || true
    echo
  fi
  if [ -s "$log/qemu-boots.tsv" ]; then
    # Where the half hour went (the budget is 30 minutes on a 2-core machine): the longest runs.
    echo "longest QEMU runs (seconds, exit, machine, image, options; all in $log/qemu-boots.tsv):"
    sort -rn "$log/qemu-boots.tsv" | head -n 8 | cut -c1-200
  fi
  echo "${passed} passed, ${failed} failed, ${skipped} skipped"
  return $rc
}

# Boot timing under TCG: seconds from QEMU start to the first kernel line and to the ready line.
cmd_measure() {
  cmd_setup
  local t0 t1 t2 t3
  say "cold build (kernel object removed, obj kept for restore)"
  rm -rf "$KERNEL_DIR/obj/release/native"
  t0=$(date +%s.%N); cmd_build >/dev/null; t1=$(date +%s.%N)
  cmd_build >/dev/null; t2=$(date +%s.%N)
  printf 'build: cold %.1f s, warm (no change) %.1f s\n' "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
  printf 'kernel ELF: %s bytes (stripped: %s bytes), ISO: %s bytes\n' "$(stat -c %s "$ART/aurora.elf")" \
    "$(strip -o "$ART/obj/aurora.stripped.elf" "$ART/aurora.elf" && stat -c %s "$ART/obj/aurora.stripped.elf")" "$(stat -c %s "$ART/aurora.iso")"
  # Boot: QEMU start to the kernel's first line and to its ready line (issue 17: under 1 s
  # through GRUB BIOS), through GRUB always and through Limine too when LIMINE_DIR is set, each
  # with BIOS and UEFI firmware; the same kernel and initramfs as aurora.iso.
  local loaders=(grub) loader iso
  [ -n "${LIMINE_DIR:-}" ] && loaders+=(limine)
  for loader in "${loaders[@]}"; do
    iso="$ART/obj/measure-$loader.iso"
    MODULES="$ART/obj/release/initramfs.cpio" make_iso "$ART/aurora.elf" "$iso" "$loader"
    for fw in bios uefi; do
      local args=(-M q35 -cpu max -m 256M -cdrom "$iso" -no-reboot -display none -serial stdio
                  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -fw_cfg name=opt/aurora/cmdline,string=exit-after-ready)
      [ $fw = uefi ] && args+=(-bios "$(ovmf_code)")
      local first="" ready=""
      t0=$(date +%s.%N)
      while IFS= read -r line; do
        t3=$(date +%s.%N)
        case $line in
          *"Aurora"*"kernel, booted by"*) [ -z "$first" ] && first=$(echo "$t3 - $t0" | bc) ;;
          *"Aurora ready."*) ready=$(echo "$t3 - $t0" | bc) ;;
        esac
      done < <(timeout 120 qemu-system-x86_64 "${args[@]}" 2>&1)
      printf '%s %s: first kernel line %.2f s, ready line %.2f s after QEMU start%s\n' "$loader" "$fw" "${first:-0}" "${ready:-0}" \
        "$([ -z "$ready" ] && echo ' (NO READY LINE)')"
    done
  done
  # The same GRUB BIOS boot in guest instructions, free of the host's load: under -icount
  # shift=0,sleep=off the TSC counts instructions since reset (idle waits jump ahead), and the
  # kernel option log-tsc starts each kernel line with it ("@N "). The initramfs check ends
  # at its "module N:" line, its unpacking at the line after "files: initramfs.cpio".
  # QEMU ends with the kernel's isa-debug-exit status (33), not 0.
  # Through Limine too when LIMINE_DIR is set.
  for loader in "${loaders[@]}"; do
    { timeout 600 qemu-system-x86_64 -icount shift=0,sleep=off -M q35 -cpu max -m 256M -cdrom "$ART/obj/measure-$loader.iso" \
        -no-reboot -display none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -fw_cfg "name=opt/aurora/cmdline,string=log-tsc exit-after-ready" 2>&1 || true; } | tr -d '\r' | awk '
      function m(x) { return sprintf("%.1f M", x / 1e6) }
      { sub(/^[^@]*@/, "@") }   # what the loader left on the line before the stamp
      /^@[0-9]+ / { n = substr($1, 2) + 0 } !/^@[0-9]+ / { next }
      /kernel, booted by/ && !first { first = n }
      /^@[0-9]+ module [0-9]+: / { check = n - previous }
      unpacking && !unpacked { unpacked = n - unpacking }
      /files: initramfs.cpio/ { unpacking = n }
      /Aurora ready\./ { ready = n }
      { previous = n }
      END { printf "%s bios, guest instructions (-icount shift=0): first kernel line %s, module signature checks %s, initramfs unpacking %s, ready line %s\n", loader, m(first), m(check), m(unpacked), m(ready) }' loader="$loader"
  done
  # System calls, switches, faults, fork, exec...: instructions per operation against Debian's
  # Linux in the same QEMU (./aurora bench). The cycle figures this printed before compared
  # TCG's real-time TSC with the host's native one, and its "process switch" timed
  # sched_yield, which need not switch (Linux's CFS keeps the caller).
  cmd_bench --no-build
}

# ---------------------------------------------------------------- bench
# Instructions per operation, Aurora against Debian's Linux (issue 17): both kernels run the same
# static program (kernel-image/userland/bench.c) as their first process in the same QEMU with
# -icount shift=0 (one virtual nanosecond per guest instruction, so rdtsc deltas count
# instructions; sleep=off makes an idle guest's clock jump to the next timer instead of following
# the host's). The RTC follows the virtual clock from a fixed date and the e1000 sits on a hub with
# no other port (the user network's ARP answers came at host-dependent moments): runs repeat to
# within a few per mille (RDRAND stays: layouts are random, as on hardware; docs/performance.md).
# Debian's kernel comes from its package, fetched here, never committed.
BENCH_DIR="$ART/bench"
BENCH_QEMU=(qemu-system-x86_64 -icount shift=0,sleep=off -M q35 -cpu max -m 256M -smp 1 -display none
            -rtc base=2026-01-01T00:00:00,clock=vm -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04
            -netdev hubport,id=net0,hubid=0 -device e1000,netdev=net0,romfile=)

bench_linux_kernel() { # prints the path of Debian's vmlinuz (linux-image-amd64's kernel), fetching it once
  local dir="$BENCH_DIR/linux" pkg
  if ! ls "$dir"/vmlinuz-* >/dev/null 2>&1; then
    command -v apt-get >/dev/null || die "bench needs apt-get (Debian) to fetch linux-image-amd64"
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    if [ -z "$pkg" ]; then need_root apt-get update -qq; pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); fi
    [ -n "$pkg" ] || die "apt-cache finds no kernel package behind linux-image-amd64"
    say "fetching Debian's kernel ($pkg) with apt-get download"
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" && apt-get download "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
    dpkg-deb --fsys-tarfile "$dir"/"$pkg"_*.deb | tar -x -C "$dir" --wildcards --strip-components=2 './boot/vmlinuz-*' \
      || die "no vmlinuz in $pkg"
    rm -f "$dir"/*.deb
  fi
  ls "$dir"/vmlinuz-* | head -n 1
}

cmd_bench() {
  case " $* " in *" --net "*) cmd_netbench "$@"; return ;; esac
  local build=1 runs=1
  while [ $# -gt 0 ]; do
    case $1 in
      --no-build) build=0 ;;
      --twice) runs=2 ;;
      *) usage_error "unknown option to bench: $1 (see ./aurora bench --help)" ;;
    esac
    shift
  done
  cmd_setup
  local vmlinuz; vmlinuz=$(bench_linux_kernel)
  [ $build = 1 ] && cmd_build >/dev/null
  [ -f "$ART/aurora.iso" ] && [ -f "$ART/obj/release/initramfs.cpio.unsigned" ] || die "no reference image yet: run ./aurora build"
  [ -f "$ART/tools/modsign/aurora-modsign.dll" ] && MODSIGN_BUILT=1
  # The program, built here (a change to bench.c needs no kernel build): /init of Linux's
  # initrd, /bench appended to the reference image's initramfs for Aurora.
  local work="$BENCH_DIR/work"; rm -rf "$work"; mkdir -p "$work/linux" "$work/aurora"
  generate_abi_header "$work/include"
  musl-gcc -static -O2 -Wall -I "$work/include" -o "$work/bench.elf" "$KERNEL_DIR/userland/bench.c" || die "compiling bench.c failed"
  install -m 755 "$work/bench.elf" "$work/linux/init"
  pack_cpio "$work/linux" > "$work/linux-initrd.cpio"
  install -m 755 "$work/bench.elf" "$work/aurora/bench"
  { cat "$ART/obj/release/initramfs.cpio.unsigned"; pack_cpio "$work/aurora" -mindepth 1; } > "$work/initramfs.cpio.unsigned"
  modsign sign --key "$(module_signing_key)" "$work/initramfs.cpio.unsigned" -o "$work/initramfs.cpio" >/dev/null \
    || die "signing the initramfs failed"
  MODULES="$work/initramfs.cpio" make_iso "$ART/aurora.elf" "$work/aurora.iso" grub
  local run
  for run in $(seq 1 $runs); do
    say "Aurora: booting with init=/bench (QEMU -icount shift=0)"
    timeout 900 "${BENCH_QEMU[@]}" -cdrom "$work/aurora.iso" -fw_cfg name=opt/aurora/cmdline,string=init=/bench 2>&1 | tr -d '\r' > "$BENCH_DIR/aurora-$run.log" || true
    say "Linux: booting $(basename "$vmlinuz") with the same program as /init (QEMU -icount shift=0)"
    timeout 900 "${BENCH_QEMU[@]}" -kernel "$vmlinuz" -initrd "$work/linux-initrd.cpio" \
      -append "console=ttyS0 panic=-1" 2>&1 | tr -d '\r' > "$BENCH_DIR/linux-$run.log" || true
    # A run that stops early still gives the figures it printed; the table says what is missing.
    local kernel
    for kernel in aurora linux; do
      grep -q '^bench: ' "$BENCH_DIR/$kernel-$run.log" || die "$kernel: the benchmark printed nothing: see $BENCH_DIR/$kernel-$run.log"
      grep -q '^bench: done' "$BENCH_DIR/$kernel-$run.log" ||
        say "$kernel did not finish (last line: $(grep -a . "$BENCH_DIR/$kernel-$run.log" | grep -av '^ ' | tail -n 1 | cut -c1-100)); see $BENCH_DIR/$kernel-$run.log"
    done
  done
  local version; version=$(basename "$vmlinuz"); version=${version#vmlinuz-}
  bench_table "$BENCH_DIR/aurora-1.log" "$BENCH_DIR/linux-1.log" "$version" | tee "$BENCH_DIR/table.md"
  if [ $runs = 2 ]; then
    if diff <(grep '^bench:' "$BENCH_DIR/aurora-1.log") <(grep '^bench:' "$BENCH_DIR/aurora-2.log") >/dev/null &&
       diff <(grep '^bench:' "$BENCH_DIR/linux-1.log") <(grep '^bench:' "$BENCH_DIR/linux-2.log") >/dev/null; then
      echo "Deterministic: the second run printed the same figures."
    else
      echo "The second run differs:"
      diff <(grep '^bench:' "$BENCH_DIR/aurora-1.log") <(grep '^bench:' "$BENCH_DIR/aurora-2.log") | sed 's/^/  aurora /' || true
      diff <(grep '^bench:' "$BENCH_DIR/linux-1.log") <(grep '^bench:' "$BENCH_DIR/linux-2.log") | sed 's/^/  linux /' || true
    fi
  fi
}

# bench_table AURORA_LOG LINUX_LOG VERSION: the Markdown table of both runs' "bench:" lines.
bench_table() {
  awk -v version="$3" '
    BEGIN {
      n = split("getpid pipe_pingpong futex_pingpong_threads thread_create_join sched_yield cow_fault demand_zero_fault fork_exit_wait fork_execve_wait mmap_munmap_1mib open_read4k_close msgqueue_64b_pingpong tcp_loopback_pingpong", order, " ")
      label["getpid"] = "raw `getpid` round trip"
      label["pipe_pingpong"] = "pipe ping-pong round trip (2 switches)"
      label["futex_pingpong_threads"] = "futex ping-pong round trip, two threads"
      label["thread_create_join"] = "pthread_create + pthread_join (empty thread)"
      label["sched_yield"] = "`sched_yield`, two runnable processes (per yield)"
      label["cow_fault"] = "copy-on-write fault, 4 KiB, forked child"
      label["demand_zero_fault"] = "demand-zero fault, 4 KiB"
      label["fork_exit_wait"] = "fork + `_exit` + waitpid"
      label["fork_execve_wait"] = "fork + execve + waitpid (static program)"
      label["mmap_munmap_1mib"] = "mmap + munmap, 1 MiB anonymous"
      label["open_read4k_close"] = "open + read 4 KiB + close (tmpfs)"
      label["msgqueue_64b_pingpong"] = "System V message queue, 64 B round trip"
      label["tcp_loopback_pingpong"] = "TCP round trip over loopback (1 B)"
      target["getpid"] = "0.5"; target["pipe_pingpong"] = "0.8"; target["cow_fault"] = "0.8"
      target["demand_zero_fault"] = "0.8"; target["fork_exit_wait"] = "0.8"
      target["fork_execve_wait"] = "1.0"; target["open_read4k_close"] = "1.0"
    }
    FNR == 1 { file++ }
    /^bench: / && $2 != "done" && $2 != "calibration" {
      name = $2; value = $3; note = ""
      for (i = 4; i <= NF; i++) note = note (note == "" ? "" : " ") $i
      if (file == 1) { a[name] = value; an[name] = note } else { l[name] = value; ln[name] = note }
    }
    /^bench: calibration/ { cal[file] = $3 }
    /^bench: done/ { done[file] = 1 }
    /KERNEL PANIC|Kernel panic/ { panic[file] = 1 }
    function group(v,   s, neg) {   # 12345 -> 12,345
      if (v !~ /^[0-9]+$/) return v
      s = ""
      while (length(v) > 3) { s = "," substr(v, length(v) - 2) s; v = substr(v, 1, length(v) - 3) }
      return v s
    }
    END {
      printf "| operation (instructions) | Aurora | Linux %s | ratio | target |\n", version
      print "|---|---:|---:|---:|---:|"
      for (i = 1; i <= n; i++) {
        k = order[i]
        av = (k in a) ? a[k] : "-"; lv = (k in l) ? l[k] : "-"
        ratio = (av ~ /^[0-9]+$/ && lv ~ /^[0-9]+$/ && lv > 0) ? sprintf("%.2f", av / lv) : "-"
        printf "| %s | %s | %s | %s | %s |\n", label[k], group(av), group(lv), ratio, (k in target) ? "≤ " target[k] : ""
      }
      print ""
      printf "Calibration (ticks per instruction, `dec; jnz` loop): Aurora %s, Linux %s.\n", cal[1], cal[2]
      for (f = 1; f <= 2; f++) if (!done[f])
        printf "%s did not finish%s: a - is an operation it never reached.\n", f == 1 ? "Aurora" : "Linux", panic[f] ? " (kernel panic)" : ""
      for (i = 1; i <= n; i++) {
        k = order[i]
        if (an[k] != "") printf "Aurora %s: %s\n", k, an[k]
        if (ln[k] != "") printf "Linux %s: %s\n", k, ln[k]
      }
    }' "$1" "$2"
}

cmd_check() {
  local failed=0
  for dir in "$ROOT"/components/*/; do
    local name; name=$(basename "$dir")
    [ "$name" = runtime ] && continue
    [ -d "$dir/src" ] || continue
    local log="$ART/freestanding/$name.log"; mkdir -p "$ART/freestanding"
    if dotnet build "$ROOT/build/freestanding-check/Aurora.FreestandingCheck.csproj" -c Release --nologo -v quiet \
      -p:ComponentDir="$dir/src/" -p:IntermediateOutputPath="$ART/freestanding/obj/$name/" \
      -p:OutputPath="$ART/freestanding/$name/" > "$log" 2>&1; then
      say "freestanding compile: $name ok"
    else
      grep -E "error" "$log" | sort -u >&2; say "freestanding compile: $name FAILED"; failed=1
    fi
  done
  [ $failed = 0 ] || die "a component does not compile freestanding"
}

# ./aurora docs: the API reference site. docfx (a .NET tool, pinned in .config/dotnet-tools.json)
# reads the components' host assemblies and XML docs (built into artifacts/obj/docs) and
# renders them with a page per component README; links that lead nowhere fail the build.
cmd_docs() {
  local work="$ART/obj/docs" dir name projects=()
  rm -rf "$work" "$ART/docs"; mkdir -p "$work/pages/components" "$work/bin"
  (cd "$ROOT" && dotnet tool restore >/dev/null) || die "dotnet tool restore failed (docfx, .config/dotnet-tools.json)"
  {
    echo "# Aurora components"
    echo
    echo "Kernel components for C# kernels compiled ahead of time with no runtime underneath; each"
    echo "is a NuGet package usable on the host and compiled into freestanding kernels."
    echo
    echo "| Component | |"
    echo "|---|---|"
  } > "$work/pages/index.md"
  printf -- '- name: Components
  href: index.md
- name: API reference
  href: api/
' > "$work/pages/toc.yml"
  for dir in "$ROOT"/components/*/; do
    name=$(basename "$dir")
    [ -f "$dir/README.md" ] || continue
    # The package README: links into the repository would lead nowhere here.
    cp "$dir/README.md" "$work/pages/components/$name.md"
    echo "| [Aurora.${name^}](components/$name.md) | $(sed -n 's/^# *//p' "$dir/README.md" | head -n 1) |" >> "$work/pages/index.md"
    printf -- '- name: Aurora.%s
  href: components/%s.md
' "${name^}" "$name" >> "$work/pages/toc.yml"
    [ "$name" != runtime ] && [ -d "$dir/src" ] && projects+=("$(ls "$dir"/src/Aurora.*.csproj)")
  done
  local sln="$work/Aurora.Docs.sln"
  dotnet new sln --format sln -n Aurora.Docs -o "$work" >/dev/null
  dotnet sln "$sln" add "${projects[@]}" >/dev/null
  say "building the components' host assemblies"
  dotnet build "$sln" -c Release --nologo -v quiet -p:OutDir="$work/bin/" >&2 || die "building the components failed"
  say "docfx: artifacts/docs"
  (cd "$ROOT/build/docs" && dotnet docfx metadata docfx.json --warningsAsErrors >&2 && dotnet docfx build docfx.json --warningsAsErrors >&2) \
    || die "docfx failed (a broken link or reference is an error)"
  [ -f "$ART/docs/index.html" ] || die "docfx made no artifacts/docs/index.html"
  say "built artifacts/docs (open artifacts/docs/index.html)"
}

cmd_sign() { modsign sign "$@"; }

# ./aurora module <modules/NAME> [-o OUT.ko] [--key PRIVATE.pem] [--arch ARCH] [MSBUILD ARGS...]: build and sign one module.
cmd_module() {
  local project=${1:-} out="" key="" extra=() arch=x86_64
  [ -n "$project" ] || usage_error "module needs a module folder, e.g. ./aurora module modules/edu (see ./aurora module --help)"
  [ -d "$project" ] || usage_error "module $project: not a folder (see ./aurora module --help)"
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      -o) need_value -o $#; shift; out=$1 ;;
      --key) need_value --key $#; shift; key=$1 ;;
      --arch) need_value --arch $#; shift; arch=$1; [[ $arch =~ ^(x86_64|aarch64)$ ]] || usage_error "--arch $arch: x86_64 or aarch64" ;;
      -p:*) extra+=("$1") ;;
      *) usage_error "unknown option to module: $1 (see ./aurora module --help)" ;;
    esac
    shift
  done
  project=$(cd "$project" && pwd)
  local suffix=""; [ "$arch" = aarch64 ] && suffix=-aarch64
  out=${out:-$ART/modules/$(basename "$project")$suffix.ko}
  mkdir -p "$(dirname "$out")"
  if [ -z "$key" ]; then key=$(module_signing_key); fi
  MODULE_ARCH=$arch build_module "$project" "$out.unsigned" "${extra[@]}"
  modsign sign --key "$key" "$out.unsigned" -o "$out" >/dev/null || die "signing the module failed"
  rm -f "$out.unsigned"
  say "built and signed $out"
}
cmd_verify() { modsign verify "$@"; }

# Every command answers --help (or -h) with its own usage and does nothing else; commands that
# take no options refuse any.
AURORA_COMMAND=${1:-help}
case $AURORA_COMMAND in
  setup|build|pack|run|test|check|measure|bench|sign|module|verify|symbolize|wasm|docs)
    for arg in "${@:2}"; do
      case $arg in -h|--help) command_usage "$AURORA_COMMAND"; exit 0 ;; esac
    done
    case $AURORA_COMMAND in
      setup|test|check|measure|docs) [ $# -le 1 ] || usage_error "unknown option to $AURORA_COMMAND: $2 (it takes none; see ./aurora $AURORA_COMMAND --help)" ;;
    esac ;;
esac

case "${1:-help}" in
  setup) shift; cmd_setup "$@" ;;
  build) shift; AURORA_SETUP_FIRST=1 cmd_build "$@" ;;
  pack) shift; cmd_pack "$@" ;;
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  check) shift; cmd_check "$@" ;;
  wasm) shift; cmd_wasm "$@" ;;
  docs) shift; cmd_docs "$@" ;;
  measure) shift; cmd_measure "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  sign) shift; cmd_sign "$@" ;;
  module) shift; cmd_module "$@" ;;
  verify) shift; cmd_verify "$@" ;;
  symbolize) shift; python3 "$ROOT/tools/symbolize.py" "$@" ;;
  help|-h|--help) usage ;;
  *) usage_error "unknown command: $1 (./aurora help lists the commands)" ;;
esac
