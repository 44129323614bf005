#!/usr/bin/env bash
# The test set-up (run by tools/test.sh, not by the main setup): what some tests compare against or run in:
# Debian's python3-torch and python3-torchvision (torchvision ResNets), python3-h5py (Keras-layout HDF5 files)
# and chromium (the viewer page, driven headless by playwright-core). Installed with apt where this user may
# (root or password-less sudo); elsewhere those tests skip and say why. A2D_TEST_SETUP=0 skips this step.
set -uo pipefail
[ "${A2D_TEST_SETUP:-1}" = "0" ] && exit 0
packages=(python3-torch python3-torchvision python3-h5py python3-numpy chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
if ! command -v apt-get >/dev/null; then
  echo "test-setup: no apt-get; the Python reference and browser tests will skip (they need ${missing[*]})"
  exit 0
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else
    echo "test-setup: not root and no password-less sudo; the Python reference and browser tests will skip (they need ${missing[*]})"
    exit 0
  fi
fi
echo "test-setup: installing Debian packages for the reference tests: ${missing[*]}"
if ! { "${sudo_cmd[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
  echo "test-setup: apt-get failed; the Python reference and browser tests will skip"
fi
exit 0
