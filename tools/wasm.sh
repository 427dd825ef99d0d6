# ./aurora wasm (sourced by tools/aurora.sh): the pure components built for WebAssembly with
# .NET's browser-wasm target (Mono runtime pack from NuGet; no workload), docs/wasm.md.
#   artifacts/wasm/tests/       the components' xunit suites + runner: node artifacts/wasm/tests/run.mjs
#   artifacts/wasm/playground/  the static page (index.html) and the runtime it loads
WASM_OUT="$ART/wasm"

wasm_publish() { # $1 = project, $2 = output dir, $3 = log name
  rm -rf "$2"
  dotnet publish "$1" -c Release --nologo -v quiet -o "$2" > "$WASM_OUT/$3.log" 2>&1 \
    || { tail -c 4000 "$WASM_OUT/$3.log" >&2; die "building $1 for WebAssembly failed (log: $WASM_OUT/$3.log)"; }
}

cmd_wasm() {
  local serve=0 port=8000
  while [ $# -gt 0 ]; do
    case $1 in
      --serve) serve=1; if [[ ${2:-} =~ ^[0-9]+$ ]]; then port=$2; shift; fi ;;
      *) usage_error "unknown option to wasm: $1 (see ./aurora wasm --help)" ;;
    esac
    shift
  done
  mkdir -p "$WASM_OUT"
  say "building the components' test suites for WebAssembly (artifacts/wasm/tests)"
  wasm_publish "$ROOT/wasm/tests/Aurora.Wasm.Tests.csproj" "$WASM_OUT/tests" tests-build
  cp "$ROOT/wasm/tests/run.mjs" "$WASM_OUT/tests/run.mjs"

  say "building the playground (artifacts/wasm/playground)"
  wasm_publish "$ROOT/wasm/playground/Aurora.Wasm.Playground.csproj" "$WASM_OUT/playground.publish" playground-build
  rm -rf "$WASM_OUT/playground"
  mv "$WASM_OUT/playground.publish/wwwroot" "$WASM_OUT/playground"
  rm -rf "$WASM_OUT/playground.publish"
  # The signature panel trusts the kernel's module key; two sample modules show both answers.
  ensure_dev_keys
  local key=${AURORA_MODULE_KEY:-$DEV_KEYS/public.pem} signing=${AURORA_MODULE_SIGNING_KEY:-$DEV_KEYS/private.pem}
  cp "$key" "$WASM_OUT/playground/trusted-key.pem"
  mkdir -p "$WASM_OUT/playground/samples"
  printf 'an Aurora module payload, signed for the playground\n' > "$WASM_OUT/playground/samples/payload"
  modsign sign --key "$signing" "$WASM_OUT/playground/samples/payload" -o "$WASM_OUT/playground/samples/signed.ko" >/dev/null \
    || die "signing the playground's sample module failed"
  # corrupt.ko: the same module with one payload byte changed (a digest mismatch).
  cp "$WASM_OUT/playground/samples/signed.ko" "$WASM_OUT/playground/samples/corrupt.ko"
  printf 'X' | dd of="$WASM_OUT/playground/samples/corrupt.ko" bs=1 seek=0 conv=notrunc status=none
  rm -f "$WASM_OUT/playground/samples/payload"
  say "built artifacts/wasm/tests (node artifacts/wasm/tests/run.mjs) and artifacts/wasm/playground/index.html"

  if [ $serve = 1 ]; then
    say "serving the playground on http://127.0.0.1:$port/ (Ctrl-C stops)"
    exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$WASM_OUT/playground"
  fi
}
