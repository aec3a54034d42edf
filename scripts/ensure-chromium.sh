#!/usr/bin/env bash
# The real-browser test drives Debian's Chromium. Install it when missing and we may;
# otherwise say how (the browser test then skips outside CI and fails inside CI).
set -u
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the real-browser test..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null && exit 0
  echo "Could not install chromium with apt-get." >&2
else
  echo "Note: /usr/bin/chromium is missing; run 'sudo apt-get install chromium' to run the" \
       "real-browser test (it is skipped until then)." >&2
fi
exit 0
