#!/usr/bin/env bash
# Makes redis-server available for the Redis baseline of ./flashsale bench: installs Debian's package
# when it is missing and we are root. Exits non-zero, with the reason on stderr, when it cannot.
set -euo pipefail

if command -v redis-server >/dev/null; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "redis-server is not installed and installing it needs root: sudo apt-get install -y redis-server" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "redis-server is not installed and there is no apt-get to install it with" >&2
  exit 1
fi
echo "Installing redis-server from the Debian packages ..."
# The package lists may be missing (slim images) or stale: refresh them once if the first try fails.
apt-get install -y -qq redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
command -v redis-server >/dev/null
