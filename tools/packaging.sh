#!/usr/bin/env bash
# Component packages: `./aurora pack` and the kernel built from pinned packages
# (`./aurora build --from-packages`). tools/aurora.sh sources this file; it also runs on its own:
#
#   bash tools/packaging.sh pack [--output DIR] [--pin] [--release]
#
# pack: one .nupkg (and .snupkg) per component into artifacts/packages (or DIR): Aurora.Runtime
#   from components/runtime/pack, Aurora.<Name> from every components/<name>/src project. The
#   packaging itself is MSBuild (build/Packaging/); this only finds the projects, runs one
#   `dotnet pack` over them, and drops stale copies of the same versions from the NuGet cache
#   (a rebuilt package keeps its version until the component's next commit). --pin writes the
#   versions just packed into kernel-image/component-pins.props. --release packs the versions
#   main makes (no "-g<commit>" suffix) on any branch.
#
# Packing is reproducible (build/Packaging/component-version.sh): a package is a function of its
# component's history, so a pinned package missing from the feed is packed again from the commit
# its pin names (ensure_pinned_packages), byte for byte what was pinned. Every component package
# is validated against its pinned version (the SDK's package validation; Component.props): a
# public API that breaks without a new version line (a major bump; a minor bump before 1.0)
# fails the pack.
set -euo pipefail

ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
ART="${ART:-$ROOT/artifacts}"
KERNEL_DIR="${KERNEL_DIR:-$ROOT/kernel-image}"
if ! declare -F say >/dev/null; then
  say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }
  die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
  usage_error() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 2; }
fi

# What the kernel build adds for package mode (use_pinned_packages); empty in project mode.
KERNEL_BUILD_ARGS=()
KERNEL_OBJ_SUFFIX=""

# Every project that produces a component package.
package_projects() {
  local p
  for p in "$ROOT"/components/runtime/pack/Aurora.Runtime.Package.csproj "$ROOT"/components/*/src/Aurora.*.csproj; do
    [ -f "$p" ] && echo "$p"
  done
  return 0
}

nuget_global_packages() {
  dotnet nuget locals global-packages --list 2>/dev/null | sed -n 's/^global-packages: //p'
}

cmd_pack() {
  local out="$ART/packages" pin=0 release=()
  while [ $# -gt 0 ]; do
    case $1 in
      --output) [ $# -ge 2 ] || usage_error "--output needs a value (see ./aurora pack --help)"; shift; out=$1 ;;
      --pin) pin=1 ;;
      --release) release=(-p:PublicRelease=true) ;;
      *) usage_error "unknown option to pack: $1 (see ./aurora pack --help)" ;;
    esac
    shift
  done
  mkdir -p "$out"; out="$(cd "$out" && pwd)"
  # The pinned versions are the validation baselines: they must be in the feed first.
  ensure_pinned_packages "$KERNEL_DIR/component-pins.props" except-current
  local projects; mapfile -t projects < <(package_projects)
  [ ${#projects[@]} -gt 0 ] || die "no component package projects found"

  # One solution over exactly these projects: one restore and one build graph for all of them.
  local work="$ART/obj/packaging"
  rm -rf "$work"; mkdir -p "$work"
  dotnet new sln --format sln -n Aurora.Packages -o "$work" >/dev/null
  dotnet sln "$work/Aurora.Packages.sln" add "${projects[@]}" >/dev/null

  # Into a fresh folder first: NuGet does not rewrite a package whose inputs did not change, so
  # only a fresh folder tells what this pack made.
  local fresh="$work/out"; mkdir -p "$fresh"
  say "packing ${#projects[@]} components into ${out#"$ROOT/"}"
  dotnet pack "$work/Aurora.Packages.sln" -c Release --nologo -v quiet -p:PackageOutputPath="$fresh/" ${release[@]+"${release[@]}"} >&2 \
    || die "packing failed"

  local cache; cache="$(nuget_global_packages)"
  local nupkg name id version lines=()
  while IFS= read -r nupkg; do
    name=$(basename "$nupkg" .nupkg)
    [[ $name =~ ^(Aurora\.[A-Za-z0-9]+)\.([0-9].*)$ ]] || continue
    id=${BASH_REMATCH[1]}; version=${BASH_REMATCH[2]}
    # The NuGet cache keeps the first copy of an id+version it extracted; drop it so the next
    # restore takes this one.
    [ -n "$cache" ] && rm -rf "${cache%/}/${id,,}/$version"
    lines+=("$id $version $(package_commit "$nupkg")")
  done < <(find "$fresh" -maxdepth 1 -name 'Aurora.*.nupkg' | sort)
  [ "$fresh" = "$out" ] || cp -f "$fresh"/Aurora.* "$out/"
  [ ${#lines[@]} -gt 0 ] || die "dotnet pack produced no package in $out"
  printf '%s\n' "${lines[@]% *}"
  [ $pin = 1 ] && write_pins "$KERNEL_DIR/component-pins.props" "${lines[@]}"
  return 0
}

# package_commit NUPKG: the commit its nuspec names (the last commit that changed the component).
package_commit() {
  unzip -p "$1" '*.nuspec' 2>/dev/null | sed -n 's/.*<repository [^>]*commit="\([0-9a-f]*\)".*/\1/p' | head -n 1
}

# pins_of FILE: "Id Version Commit" per pin (Commit empty when the pin names none).
pins_of() {
  sed -n 's/.*<AuroraPin Include="\([^"]*\)" Version="\([^"]*\)"\( Commit="\([0-9a-f]*\)"\)\{0,1\}.*/\1 \2 \4/p' "$1"
}

# ensure_pinned_packages PINS [except-current]: every package PINS names that artifacts/packages lacks is packed
# again from the commit its pin names: a temporary work tree of that commit with today's
# packaging (build/Packaging, Directory.*.props), which gives the pinned version's bytes.
# except-current: not those pinned at their component's current commit (the pack about to run
# makes them).
ensure_pinned_packages() {
  local pins=$1 feed="$ART/packages" id version commit folder project tree
  [ -f "$pins" ] || return 0
  mkdir -p "$feed"
  while read -r id version commit; do
    [ -f "$feed/$id.$version.nupkg" ] && continue
    folder=${id#Aurora.}; folder=${folder,,}
    # Pinned at the component's current state: the pack about to run makes it.
    [ -n "${2:-}" ] && [ -n "$commit" ] && [ -d "$ROOT/components/$folder" ] &&
      [ "$(bash "$ROOT/build/Packaging/component-version.sh" "$ROOT/components/$folder" | cut -d' ' -f2)" = "$commit" ] && continue
    if [ -z "$commit" ] || ! git -C "$ROOT" cat-file -e "$commit^{commit}" 2>/dev/null; then
      say "pinned $id $version is not in ${feed#"$ROOT/"} and its pin names no commit of this repository to pack it from"
      continue
    fi
    project="components/$folder/src/$id.csproj"
    [ "$id" = Aurora.Runtime ] && project=components/runtime/pack/Aurora.Runtime.Package.csproj
    tree="$ART/obj/pinned/$id-$version"
    say "packing pinned $id $version again from commit ${commit:0:10}"
    rm -rf "$tree"; git -C "$ROOT" worktree prune
    git -C "$ROOT" worktree add -q --detach "$tree" "$commit" >&2 || die "cannot check out $commit for $id $version"
    cp -R "$ROOT/build/Packaging/." "$tree/build/Packaging/"
    cp "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" "$ROOT/nuget.config" "$tree/"
    local public=()
    [[ $version == *-* ]] || public=(-p:PublicRelease=true)
    # Released sources as they were: no new rule about them (XML docs on every member) applies.
    dotnet pack "$tree/$project" -c Release --nologo -v quiet -p:PackageOutputPath="$feed/" \
      -p:EnablePackageValidation=false -p:AuroraRequireXmlDocs=false ${public[@]+"${public[@]}"} >&2 || say "packing $id from $commit failed"
    git -C "$ROOT" worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"
    git -C "$ROOT" worktree prune
    [ -f "$feed/$id.$version.nupkg" ] || say "packing $id at ${commit:0:10} did not make version $version"
  done < <(pins_of "$pins")
  return 0
}

# write_pins FILE "Id Version Commit"... : the pins file kernel-image/Components.props imports.
write_pins() {
  local file=$1; shift
  {
    echo '<Project>'
    echo '  <!--'
    echo '    The component versions the kernel is built from in package mode'
    echo '    ("aurora build" with its from-packages option, or -p:AuroraComponentSource=package). Edit'
    echo '    a Version to take another release of that component; restore takes exactly these versions'
    echo '    from the feeds in nuget.config (artifacts/packages is where "aurora pack" puts packages,'
    echo '    and "aurora pack" with its pin option rewrites this file with what it just packed). The'
    echo '    restore records each package'"'"'s content hash in component-pins.lock.json beside this file.'
    echo '    Commit is the commit that last changed the component: a pinned package missing from the'
    echo '    feed is packed again from it. The pinned versions are also the baselines that package'
    echo '    validation checks each new package against (build/Packaging/Component.props).'
    echo '  -->'
    echo '  <ItemGroup>'
    local line id version commit
    for line in "$@"; do
      read -r id version commit <<< "$line"
      echo "    <AuroraPin Include=\"$id\" Version=\"$version\"${commit:+ Commit=\"$commit\"} />"
    done
    echo '  </ItemGroup>'
    echo '</Project>'
  } > "$file"
  # The lock file recorded the content hashes of the packages pinned before; these are new.
  rm -f "${file%.props}.lock.json"
  say "pinned: ${file#"$ROOT/"}"
}

# use_pinned_packages [PINS]: the next kernel build compiles the components from packages at
# the versions in PINS (default kernel-image/component-pins.props), into obj/<flavour>-packages.
use_pinned_packages() {
  KERNEL_BUILD_ARGS=(-p:AuroraComponentSource=package)
  local pins="$KERNEL_DIR/component-pins.props"
  if [ -n "${1:-}" ]; then
    [ -f "$1" ] || die "no pins file at $1"
    pins="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
    KERNEL_BUILD_ARGS+=("-p:AuroraComponentPins=$pins")
  fi
  ensure_pinned_packages "$pins"
  KERNEL_OBJ_SUFFIX=-packages
}

# runtime_native_dir FLAVOUR: where the runtime's assembly sources for that build are: the tree,
# or (package mode) the copy the Aurora.Runtime package's build put into the publish folder.
runtime_native_dir() {
  if [ -n "$KERNEL_OBJ_SUFFIX" ]; then
    echo "$ART/obj/$1$KERNEL_OBJ_SUFFIX/publish/aurora/native/x86_64"
  else
    echo "$ROOT/components/runtime/native/x86_64"
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  case "${1:-}" in
    pack) shift; cmd_pack "$@" ;;
    *) echo "usage: bash tools/packaging.sh pack [--output DIR] [--pin]" >&2; exit 2 ;;
  esac
fi
