#!/usr/bin/env bash
# Debian packages the tests use, installed when missing and we may (as root, with apt-get):
#   chromium    the real-browser test drives it (skipped outside CI when missing)
#   bubblewrap  confines learners' kernels while grading (the hostile-submission tests skip,
#               and grading warns that submissions are not isolated, when it is missing)
#   npm         installs configurable-http-proxy, JupyterHub's proxy (pmtech hub)
#   python3     a Python every account can run, for the hub's shared environment
#   postgresql  the gradebook-in-PostgreSQL tests start a server of their own
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/bin/python3 ] || missing+=(python3)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages for the tests: ${missing[*]}..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null && exit 0
  echo "Could not install ${missing[*]} with apt-get." >&2
else
  echo "Note: missing ${missing[*]}; run 'sudo apt-get install ${missing[*]}' for the" \
       "real-browser and sandbox tests (they are skipped until then)." >&2
fi
exit 0
