#!/usr/bin/env bash
# Makes a command from Debian's packages available to the bench and the tests (redis-server for the Redis
# baseline, wrk for the HTTP runs, chromium and chromedriver for the browser tests, promtool for the alert rules'
# tests): installs the package when
# the command is missing and we are root. Exits non-zero, with the reason on stderr, when it cannot.
# io.flashsale.embedded.DebianPackages runs it from the classpath.
#   setup-package.sh <command> [package]   (package defaults to the command's name)
set -euo pipefail

command=$1
package=${2:-$1}
if command -v "$command" >/dev/null; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "$command is not installed and installing it needs root: sudo apt-get install -y $package" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "$command is not installed and there is no apt-get to install it with" >&2
  exit 1
fi
echo "Installing $package from the Debian packages ..."
# The package lists may be missing (slim images) or stale: refresh them once if the first try fails.
apt-get install -y -qq "$package" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$package" >/dev/null; }
command -v "$command" >/dev/null
