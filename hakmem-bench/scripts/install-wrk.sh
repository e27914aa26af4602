#!/usr/bin/env bash
# Installs wrk, the HTTP load generator the Netty benchmark (Launcher --suite netty) drives its
# servers with, from Debian's package `wrk`.
#
# Quiet and does nothing when wrk is on the PATH. Otherwise, as root with apt-get, runs
# `apt-get update` and installs it; else prints what to install. Exit status is 0 in every
# case: the suite itself skips with a message when wrk is still missing.
set -u

command -v wrk >/dev/null 2>&1 && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-wrk: wrk is missing; install the Debian/Ubuntu package 'wrk' (sudo apt-get install wrk)"
  exit 0
fi

echo "install-wrk: installing wrk with apt-get ..."
if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1; then
  echo "install-wrk: apt-get update failed; install the package 'wrk' by hand"
  exit 0
fi
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; then
  echo "install-wrk: apt-get install wrk failed; install the package 'wrk' by hand"
  exit 0
fi
command -v wrk >/dev/null 2>&1 && echo "install-wrk: installed $(command -v wrk)"
exit 0
