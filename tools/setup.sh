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

# The native backend (--backend=native: wasm with oneDNN convolutions) is optional: Debian's libdnnl-dev and the
# addon in packages/engine/native, rebuilt when its sources change. Either failing prints one line; the rest works.
native=packages/engine/native
addon="$native/build/Release/a2d_dnnl.node"
native_stamp="$native/build/.a2d-source-hash"
native_want=$(cat "$native/binding.gyp" "$native"/src/* | sha256sum | cut -d' ' -f1)
if [ ! -f "$addon" ] || [ ! -f "$native_stamp" ] || [ "$(cat "$native_stamp")" != "$native_want" ]; then
  if ! dpkg-query -W -f='${Status}' libdnnl-dev 2>/dev/null | grep -q 'install ok installed'; then
    echo "setup: installing Debian package: libdnnl-dev (the native backend's oneDNN)"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    { "${sudo_cmd[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends libdnnl-dev; } >/dev/null 2>&1 || true
  fi
  # node-gyp ships inside npm; Node's headers come from the Debian nodejs package (/usr/include/node).
  node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  if ! dpkg-query -W -f='${Status}' libdnnl-dev 2>/dev/null | grep -q 'install ok installed'; then
    echo "setup: libdnnl-dev could not be installed, so the native addon is not built (--backend=native unavailable; everything else works)"
  elif [ ! -f "$node_gyp" ]; then
    echo "setup: node-gyp not found next to npm, so the native addon is not built (--backend=native unavailable; everything else works)"
  elif build_log=$(cd "$native" && npm_config_nodedir="${npm_config_nodedir:-/usr}" node "$node_gyp" rebuild --loglevel=error 2>&1); then
    echo "$native_want" > "$native_stamp"
    echo "setup: built the native backend's addon ($addon)"
  else
    first_error=$(printf '%s\n' "$build_log" | grep -m1 -E 'error:|^gyp: ' || printf '%s\n' "$build_log" | grep -m1 'ERR!' || printf '%s\n' "$build_log" | tail -n1)
    echo "setup: the native addon failed to build (--backend=native unavailable; everything else works): ${first_error:0:240}"
  fi
fi
