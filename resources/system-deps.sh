#!/bin/sh
# System libraries Qt 6 (PySide6) needs on Debian/Ubuntu, plus python3-venv.
# With --test, also the tools the X11 end-to-end tests use (a virtual X server, a window
# manager, xdotool): sh resources/system-deps.sh --test
# Installs what is missing (with sudo when not root); does nothing when all are present.
set -e
PKGS="python3-venv libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 \
libxcb-render-util0 libxcb-image0"
TEST_PKGS="xvfb xauth openbox xdotool x11-utils"
for arg in "$@"; do
  case "$arg" in
    --test) PKGS="$PKGS $TEST_PKGS" ;;
    *) echo "usage: sh resources/system-deps.sh [--test]" >&2; exit 2 ;;
  esac
done
command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian/Ubuntu system; install Qt 6's runtime libraries yourself" >&2; exit 0; }
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "system-deps: installing$missing" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
