#!/usr/bin/env bash
# Builds the consumer kernel and, with `run`, boots it in QEMU.
#
#   ./build.sh [--feed DIR]        ISO at out/consumer-kernel.iso (ELF: out/consumer-kernel.elf)
#   ./build.sh run [--feed DIR]    build, then boot it; QEMU's exit status is the kernel's verdict
#                                  (33 = all checks passed, 35 = a check failed)
#
# --feed DIR points the "aurora" package source in nuget.config at DIR (a folder of .nupkg
# files, e.g. an Aurora clone's artifacts/packages after `./aurora pack`).
# Needs: the .NET 10 SDK, gcc and binutils (the NativeAOT compiler wants them too), and for the
# ISO and the boot grub-mkrescue (grub-pc-bin, grub-common, xorriso, mtools) and
# qemu-system-x86_64.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/out"
run=0
while [ $# -gt 0 ]; do
  case $1 in
    run) run=1 ;;
    --feed) shift; dotnet nuget update source aurora --source "$(cd "$1" && pwd)" --configfile "$HERE/nuget.config" >/dev/null ;;
    *) echo "usage: ./build.sh [run] [--feed DIR]" >&2; exit 2 ;;
  esac
  shift
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$OUT"
obj="$HERE/obj/Release/net10.0/linux-x64/native/ConsumerKernel.o"
rm -f "$obj"   # a failed compile must not leave the previous object to be linked

echo "==> compiling (NativeAOT): the kernel, Aurora.Runtime, Aurora.Pmm and Aurora.Heap as one object" >&2
dotnet publish "$HERE/ConsumerKernel.csproj" -c Release --nologo -v quiet -o "$OUT/publish" >&2
[ -f "$obj" ] || { echo "error: the compiler left no object at $obj" >&2; exit 1; }

echo "==> assembling and linking" >&2
objects=("$obj")
for src in "$HERE/entry.S" "$OUT/publish/aurora/native/x86_64/"*.S; do
  o="$OUT/$(basename "${src%.S}").o"
  gcc -c -nostdlib -ffreestanding -o "$o" "$src"
  objects+=("$o")
done
ld -static --no-dynamic-linker -z max-page-size=0x1000 -z noexecstack --gc-sections \
   -T "$HERE/linker.ld" -o "$OUT/consumer-kernel.elf" "${objects[@]}"

echo "==> making the GRUB ISO" >&2
stage="$OUT/iso"
rm -rf "$stage"; mkdir -p "$stage/boot/grub"
cp "$OUT/consumer-kernel.elf" "$stage/boot/"
cat > "$stage/boot/grub/grub.cfg" <<'CFG'
serial --unit=0 --speed=115200
terminal_output serial
set timeout=0
menuentry "consumer kernel" {
  multiboot2 /boot/consumer-kernel.elf
  boot
}
CFG
grub-mkrescue -o "$OUT/consumer-kernel.iso" "$stage" >/dev/null 2>&1 || { echo "error: grub-mkrescue failed" >&2; exit 1; }
echo "built $OUT/consumer-kernel.iso ($(stat -c %s "$OUT/consumer-kernel.elf") byte kernel)" >&2

if [ $run = 1 ]; then
  set +e
  timeout 120 qemu-system-x86_64 -M q35 -cpu max -m 256M -cdrom "$OUT/consumer-kernel.iso" \
    -display none -serial stdio -monitor none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04
  status=$?
  set -e
  echo "QEMU exit status $status ($([ $status = 33 ] && echo "all checks passed" || echo "FAILED"))" >&2
  exit $([ $status = 33 ] && echo 0 || echo 1)
fi
