#!/usr/bin/env bash
# Installs the peer allocators the benchmark launcher compares hakmem with:
# mimalloc, jemalloc and tcmalloc (minimal), from Debian's packages.
#
# Quiet and does nothing when all three libraries are present. When some are missing and
# we are root with apt-get, runs `apt-get update` once and installs each missing package;
# a package that fails to install only prints a note (the launcher then skips that
# allocator). Otherwise it prints what is missing and how to install it.
# Exit status is 0 in every case: the peers are optional.
set -u

# package name | library file the launcher preloads
PEERS=(
  "libmimalloc2.0|libmimalloc.so.2"
  "libjemalloc2|libjemalloc.so.2"
  "libtcmalloc-minimal4|libtcmalloc_minimal.so.4"
)

have_lib() {
  local lib=$1 dir
  for dir in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /lib/x86_64-linux-gnu; do
    [ -e "$dir/$lib" ] && return 0
  done
  command -v ldconfig >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q "[[:space:]]$lib " && return 0
  return 1
}

missing=()
for entry in "${PEERS[@]}"; do
  pkg=${entry%%|*}
  lib=${entry##*|}
  have_lib "$lib" || missing+=("$entry")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-peers: missing peer allocators (the launcher will skip them):"
  for entry in "${missing[@]}"; do
    echo "  ${entry##*|}  (Debian/Ubuntu package ${entry%%|*})"
  done
  echo "install-peers: as root: apt-get update && apt-get install -y $(for e in "${missing[@]}"; do printf '%s ' "${e%%|*}"; done)"
  exit 0
fi

echo "install-peers: installing $(for e in "${missing[@]}"; do printf '%s ' "${e%%|*}"; done)"
if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1; then
  echo "install-peers: note: apt-get update failed; trying to install from the cached lists"
fi
for entry in "${missing[@]}"; do
  pkg=${entry%%|*}
  lib=${entry##*|}
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1 && have_lib "$lib"; then
    echo "install-peers: installed $pkg ($lib)"
  else
    echo "install-peers: note: could not install $pkg; the launcher will skip $lib"
  fi
done
exit 0
