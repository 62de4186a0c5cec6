#!/usr/bin/env bash
# Chromium and its WebDriver from the operating system's packages, for the console's browser tests (Selenium,
# headless). Installed with apt-get when missing, as postgres.sh installs PostgreSQL.
#   browser.sh up | status
source "$(dirname "$0")/lib.sh"

found() { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }

case "${1:-status}" in
  up)
    if found; then
      say "browser: $(chromium --version 2>/dev/null | head -1), chromedriver at $(command -v chromedriver)"
      exit 0
    fi
    [ "$(id -u)" = 0 ] || die "chromium or chromedriver is missing and we are not root: install the 'chromium' and 'chromium-driver' packages"
    say "browser: installing Debian's chromium and chromium-driver packages"
    apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
      || die "apt-get install chromium chromium-driver failed"
    found || die "chromium or chromedriver still missing after the install"
    say "browser: $(chromium --version 2>/dev/null | head -1)"
    ;;
  status) if found; then say "browser: chromium and chromedriver installed"; else say "browser: not installed"; exit 3; fi ;;
  *) die "usage: browser.sh up|status" ;;
esac
