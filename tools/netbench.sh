# ./aurora bench --net: Aurora's network against Debian's Linux in the same QEMU, wall-clock
# (sourced by tools/aurora.sh; docs/performance.md, "The network"). Both kernels run the same
# static server, kernel-image/userland/netserve.c: Aurora's reference image boots it as
# init=/netserve, Linux as /init of an initrd that also holds the virtio-net and e1000 modules of
# the same Debian package (netserve loads them and sets eth0's address when it is process 1).
# tools/netbench.py boots them back to back on QEMU's user network (hostfwd) and drives them
# from the host with curl and sockets. No -icount here: these are network figures, so the
# medians of several runs are reported, and the host's load shows in them.

NETBENCH_MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net e1000)

# netbench_linux_modules DIR: the modules above, from the package bench_linux_kernel took
# vmlinuz from (fetched again once: that function keeps only the kernel).
netbench_linux_modules() {
  local dir=$1 vmlinuz version pkg tmp name
  vmlinuz=$(bench_linux_kernel); version=$(basename "$vmlinuz"); version=${version#vmlinuz-}
  if [ ! -f "$dir/order" ]; then
    pkg="linux-image-$version"
    say "fetching $pkg again for its network modules (apt-get download)"
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
    dpkg-deb --fsys-tarfile "$tmp"/"$pkg"_*.deb | tar -x -C "$tmp" --wildcards './lib/modules/*.ko' || die "no modules in $pkg"
    mkdir -p "$dir"
    for name in "${NETBENCH_MODULES[@]}"; do
      find "$tmp/lib/modules" -name "$name.ko" -exec install -m 644 {} "$dir/" \;
      [ -f "$dir/$name.ko" ] || die "$pkg has no $name.ko"
    done
    printf '%s.ko\n' "${NETBENCH_MODULES[@]}" > "$dir/order"
    rm -rf "$tmp"
  fi
}

# cmd_netbench [--no-build] [--runs N] [--nic virtio-net-pci|e1000]
cmd_netbench() {
  local build=1 runs=3 nic=virtio-net-pci
  while [ $# -gt 0 ]; do
    case $1 in
      --no-build) build=0 ;;
      --runs) need_value "$1" $#; shift; runs=$1 ;;
      --nic) need_value "$1" $#; shift; nic=$1 ;;
      --net) ;;
      *) die "unknown option to bench --net: $1" ;;
    esac
    shift
  done
  case $nic in virtio-net-pci|e1000) ;; *) die "--nic is virtio-net-pci or e1000" ;; esac
  cmd_setup
  command -v curl >/dev/null || die "bench --net needs curl"
  command -v python3 >/dev/null || die "bench --net needs python3"
  local vmlinuz; vmlinuz=$(bench_linux_kernel)
  local work="$BENCH_DIR/net"; rm -rf "$work"; mkdir -p "$work/linux/modules" "$work/aurora"
  netbench_linux_modules "$BENCH_DIR/linux/modules"
  [ $build = 1 ] && cmd_build >/dev/null
  [ -f "$ART/aurora.iso" ] && [ -f "$ART/obj/release/initramfs.cpio.unsigned" ] || die "no reference image yet: run ./aurora build"
  [ -f "$ART/tools/modsign/aurora-modsign.dll" ] && MODSIGN_BUILT=1
  musl-gcc -static -O2 -Wall -o "$work/netserve.elf" "$KERNEL_DIR/userland/netserve.c" || die "compiling netserve.c failed"
  install -m 755 "$work/netserve.elf" "$work/linux/init"
  cp "$BENCH_DIR/linux/modules/"* "$work/linux/modules/"
  pack_cpio "$work/linux" > "$work/linux-initrd.cpio"
  install -m 755 "$work/netserve.elf" "$work/aurora/netserve"
  { cat "$ART/obj/release/initramfs.cpio.unsigned"; pack_cpio "$work/aurora" -mindepth 1; } > "$work/initramfs.cpio.unsigned"
  modsign sign --key "$(module_signing_key)" "$work/initramfs.cpio.unsigned" -o "$work/initramfs.cpio" >/dev/null \
    || die "signing the initramfs failed"
  MODULES="$work/initramfs.cpio" make_iso "$ART/aurora.elf" "$work/aurora.iso" grub
  local version; version=$(basename "$vmlinuz"); version=${version#vmlinuz-}
  python3 "$ROOT/tools/netbench.py" --aurora-iso "$work/aurora.iso" --linux-kernel "$vmlinuz" \
    --linux-initrd "$work/linux-initrd.cpio" --runs "$runs" --nic "$nic" --out "$BENCH_DIR" --label "$version" \
    | tee "$BENCH_DIR/net-table.md"
}
