#!/usr/bin/env bash
# Install the Debian font packages that data/katakana/make_katakana.py draws katakana from.
# Idempotent: when every package is already installed it neither updates nor installs.
# Keep this list equal to required_packages() in make_katakana.py (a test checks it).
set -euo pipefail

PACKAGES=(
  fonts-aoyagi-kouzan-t
  fonts-aoyagi-soseki
  fonts-dejima-mincho
  fonts-hanazono
  fonts-horai-umefont
  fonts-ipaexfont-gothic
  fonts-ipafont-mincho
  fonts-kiloji
  fonts-klee
  fonts-konatu
  fonts-kouzan-mouhitsu
  fonts-motoya-l-cedar
  fonts-motoya-l-maruberi
  fonts-mplus
  fonts-noto-cjk
  fonts-sawarabi-gothic
  fonts-sawarabi-mincho
  fonts-seto
  fonts-yozvox-yozfont-cute
  fonts-yozvox-yozfont-standard-kana
  fonts-yusei-magic
)

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "katakana fonts: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
echo "katakana fonts: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
