#!/usr/bin/env bash
# Runs a command on the official Node.js binary of the given major (22 or 24), whatever Node the
# machine has: the npm registry's `node-linux-<arch>` package carries that binary in its tarball.
# The unpacked binary is cached under ${KEYMESH_NODE_CACHE:-$HOME/.cache/keymesh-node}, so only
# the first run downloads it. npm itself is a script and runs on whichever `node` is first on PATH.
#   bash scripts/with-node.sh 24 npm test
#   eval "$(bash scripts/with-node.sh 24 --print-path)"   # this shell now uses Node 24
set -euo pipefail
major="${1:?usage: with-node.sh <22|24> <command…> | --print-path}"; shift
case "$major" in 22|24) ;; *) echo "with-node.sh: Node $major is not a supported line (22 or 24)" >&2; exit 2 ;; esac
case "$(uname -m)" in x86_64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "with-node.sh: unsupported architecture $(uname -m)" >&2; exit 2 ;; esac
cache="${KEYMESH_NODE_CACHE:-$HOME/.cache/keymesh-node}"
dir="$cache/node-linux-$arch-$major"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  (cd "$tmp" && npm pack "node-linux-$arch@$major" --silent >/dev/null) || { rm -rf "$tmp"; echo "with-node.sh: could not fetch node-linux-$arch@$major from the npm registry" >&2; exit 1; }
  tar xzf "$tmp"/*.tgz -C "$tmp"
  rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
fi
if [ "${1:-}" = "--print-path" ]; then echo "export PATH=\"$dir/bin:\$PATH\""; exit 0; fi
export PATH="$dir/bin:$PATH"
exec "$@"
