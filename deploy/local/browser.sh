#!/usr/bin/env bash
# Chromium and its WebDriver from the operating system's packages, for the console's browser tests (Selenium,
# headless). Installed with apt-get when missing, as postgres.sh installs PostgreSQL. Also axe-core (the accessibility
# check the tests run in the page), the npm tarball of the version pinned in pom.xml, checked against its integrity,
# unpacked to .keyway/browser/axe-core-<version>/axe.min.js (no Maven artifact of axe-core is reachable here).
#   browser.sh up | status
source "$(dirname "$0")/lib.sh"

AXE_VERSION="$(sed -n 's:.*<axe-core.version>\(.*\)</axe-core.version>.*:\1:p' "$KEYWAY_ROOT/pom.xml" | head -1)"
# npm's dist.integrity of axe-core@4.10.3; a version bump in pom.xml must update it here.
AXE_INTEGRITY="sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
AXE_DIR="$KEYWAY_STATE/browser/axe-core-$AXE_VERSION"

found() { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }

axe_up() {
  [ -f "$AXE_DIR/axe.min.js" ] && { say "browser: axe-core $AXE_VERSION in $AXE_DIR"; return 0; }
  command -v npm >/dev/null 2>&1 || die "axe-core: npm is needed once to fetch axe-core $AXE_VERSION"
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null) || { rm -rf "$tmp"; die "axe-core: npm pack axe-core@$AXE_VERSION failed"; }
  local tgz="$tmp/axe-core-$AXE_VERSION.tgz" got
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [ "$got" = "$AXE_INTEGRITY" ] || { rm -rf "$tmp"; die "axe-core: the tarball's integrity $got is not the pinned one"; }
  mkdir -p "$AXE_DIR"
  tar -xzf "$tgz" -C "$tmp" package/axe.min.js package/LICENSE && mv "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$AXE_DIR/"
  rm -rf "$tmp"
  say "browser: axe-core $AXE_VERSION in $AXE_DIR"
}

case "${1:-status}" in
  up)
    if found; then
      say "browser: $(chromium --version 2>/dev/null | head -1), chromedriver at $(command -v chromedriver)"
      axe_up
      exit 0
    fi
    [ "$(id -u)" = 0 ] || die "chromium or chromedriver is missing and we are not root: install the 'chromium' and 'chromium-driver' packages"
    say "browser: installing Debian's chromium and chromium-driver packages"
    apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
      || die "apt-get install chromium chromium-driver failed"
    found || die "chromium or chromedriver still missing after the install"
    say "browser: $(chromium --version 2>/dev/null | head -1)"
    axe_up
    ;;
  status) if found && [ -f "$AXE_DIR/axe.min.js" ]; then say "browser: chromium and chromedriver installed"; else say "browser: not installed"; exit 3; fi ;;
  *) die "usage: browser.sh up|status" ;;
esac
