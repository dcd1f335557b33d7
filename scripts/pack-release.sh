#!/usr/bin/env bash
# Packs every published (non-private) workspace into DIR (default: artifacts/) and writes each
# one's CycloneDX SBOM beside its tarball: <name>-<version>.tgz and <name>-<version>.cdx.json.
# Needs a build first (npm run build); npm ≥ 10 for `npm sbom`.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts}"
mkdir -p "$out"
node -e '
  const fs = require("node:fs");
  for (const dir of JSON.parse(fs.readFileSync("package.json", "utf8")).workspaces) {
    const p = JSON.parse(fs.readFileSync(`${dir}/package.json`, "utf8"));
    if (!p.private) console.log(`${p.name} ${p.version}`);
  }
' | while read -r name version; do
  base="$(echo "${name#@}" | tr / -)-$version"
  npm pack --workspace "$name" --pack-destination "$out" --ignore-scripts --silent >/dev/null
  npm sbom --workspace "$name" --sbom-format cyclonedx --omit dev > "$out/$base.cdx.json"
  echo "$out/$base.tgz  $out/$base.cdx.json"
done
