#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks, then the npm dependencies. Idempotent; quiet when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: ffmpeg (decoding, the synthetic generator), DejaVu fonts (text in plots and contact sheets: the
# same font on every machine) and the cairo/pango headers that the
# `canvas` package (under chartjs-node-canvas) builds against when no prebuilt binary can be fetched.
apt_packages=(ffmpeg fonts-dejavu-core build-essential pkg-config libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies: reinstall only when package-lock.json changed since the last install.
stamp=node_modules/.a2d-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci"
  # canvas builds from source where its prebuilt binary cannot be downloaded; node-gyp needs Node's headers.
  npm_config_nodedir="${npm_config_nodedir:-/usr}" npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
