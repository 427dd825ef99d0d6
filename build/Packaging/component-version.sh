#!/usr/bin/env bash
# component-version.sh COMPONENT_DIR: a component's version from its own git history
# (docs/components.md, "Versions"). Prints one line:
#
#   MAJOR.MINOR.PATCH COMMIT UNIX_TIME
#
# MAJOR.MINOR is the "version" of COMPONENT_DIR/version.json. PATCH counts the commits that
# changed the component's paths (its folder, the extra "pathFilters" of its version.json, and
# the version.json of every Aurora package it depends on) since the commit that set that MAJOR.MINOR, that commit included: the history before the
# component's version.json existed, or before its last bump, does not count (Nerdbank.GitVersioning
# alone counted it, because the root version.json carried the same number). COMMIT and
# UNIX_TIME are the last commit that changed those paths and its committer time: what a package
# stamps, so a commit elsewhere leaves the package's bytes alone.
#
# Dependencies: a package names each Aurora dependency by the range of its version line
# (Component.targets), and a public API change of a dependency moves that line (package
# validation fails the dependency's pack otherwise). So the dependency's version.json is one of
# the component's paths, found here rather than listed by hand: every component depends on
# Aurora.Runtime (Component.props), and on each component its src/*.csproj names in a
# ProjectReference. A commit inside a dependency that keeps its line moves nothing here.
#
# Outside a git work tree (a source archive) it prints MAJOR.MINOR.0 with no commit ("unknown 0").
set -euo pipefail

dir=$(cd "$1" && pwd)
file="$dir/version.json"
[ -f "$file" ] || { echo "component-version.sh: no $file" >&2; exit 1; }

# The "version" value of a version.json text on stdin ("" when absent).
version_of() { sed -n 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1; }

version=$(version_of < "$file")
[[ $version =~ ^[0-9]+\.[0-9]+$ ]] || { echo "component-version.sh: $file: \"version\" must be MAJOR.MINOR, not '$version'" >&2; exit 1; }

if ! root=$(git -C "$dir" rev-parse --show-toplevel 2>/dev/null) || ! git -C "$root" rev-parse -q --verify HEAD >/dev/null; then
  echo "$version.0 unknown 0"
  exit 0
fi
rel=${dir#"$root"/}

# The component's paths: its folder and its version.json's pathFilters (relative to the folder,
# or to the repository root with a ":/" prefix), as Nerdbank.GitVersioning reads them.
paths=("$rel")
filters=$(tr -d '\n' < "$file" | sed -n 's/.*"pathFilters"[[:space:]]*:[[:space:]]*\[\([^]]*\)\].*/\1/p')
while IFS= read -r f; do
  [ -z "$f" ] || [ "$f" = . ] && continue
  case $f in
    :/*) paths+=("${f#:/}") ;;
    *) paths+=("$(realpath -m --relative-to="$root" "$dir/$f")") ;;
  esac
done < <(grep -o '"[^"]*"' <<< "$filters" | tr -d '"')

# The version.json of each Aurora package the component depends on (see the top). A reference is
# relative to its project file's folder or starts with $(RepoRoot); a referenced project at
# components/<dep>/src or components/runtime/pack is the package of components/<dep>.
deps=()
[ "$rel" = components/runtime ] || deps+=(components/runtime)
for project in "$dir"/src/*.csproj; do
  [ -f "$project" ] || continue
  while IFS= read -r ref; do
    ref=${ref//\\//}
    case $ref in
      '$(RepoRoot)'*) target=$root/${ref#'$(RepoRoot)'} ;;
      /*) target=$ref ;;
      *) target=$(dirname "$project")/$ref ;;
    esac
    target=$(realpath -m --relative-to="$root" "$(dirname "$target")/..")
    [[ $target == components/* && $target != "$rel" ]] && deps+=("$target")
  done < <(sed -n 's/.*<ProjectReference[^>]*Include="\([^"]*\)".*/\1/p' "$project")
done
for dep in ${deps[@]+"${deps[@]}"}; do
  [ -f "$root/$dep/version.json" ] && paths+=("$dep/version.json")
done

# The oldest commit of the unbroken run of commits, newest first, whose version.json says the
# current MAJOR.MINOR: where this version line starts.
base=""
while IFS= read -r commit; do
  [ "$(git -C "$root" show "$commit:$rel/version.json" 2>/dev/null | version_of)" = "$version" ] || break
  base=$commit
done < <(git -C "$root" log --format=%H HEAD -- "$rel/version.json")

if [ -z "$base" ]; then
  patch=0 # the version.json is not committed yet
else
  patch=$(( $(git -C "$root" rev-list --count --full-history --no-merges "$base..HEAD" -- "${paths[@]}") + 1 ))
fi
last=$(git -C "$root" log -1 --full-history --no-merges --format='%H %ct' HEAD -- "${paths[@]}")
echo "$version.$patch ${last:-unknown 0}"
