#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then lint and run it.
#   Debian: PostgreSQL 15 + PostGIS, Chromium (browser tests), poppler-utils (PDF checks),
#           fonts-noto-cjk (CJK fallback font).
#   Python: a virtualenv in .venv with requirements-dev.txt and the project itself
#           (editable, so bench/ scripts import it).
#   Lints, before the suite; any finding fails the run: ruff, mypy, lint-imports
#           (import contracts), all configured in pyproject.toml.
# Extra arguments go to pytest (e.g. scripts/test.sh -k routing). As the first argument,
# --lint runs the set-up and the lints only, --no-lint the set-up and the suite only.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=all
case "${1:-}" in
  --lint) mode=lint; shift ;;
  --no-lint) mode=tests; shift ;;
esac

DEBIAN_PACKAGES=(postgresql postgresql-15-postgis-3 chromium poppler-utils fonts-noto-cjk)
missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# PostgreSQL must be up for the PostGIS half of the suite.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -n | tail -1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .

if [ "$mode" != tests ]; then
  echo "ruff"; .venv/bin/ruff check .
  echo "mypy"; .venv/bin/mypy
  echo "lint-imports"; .venv/bin/lint-imports --no-cache
fi
[ "$mode" = lint ] && exit 0
exec .venv/bin/python -m pytest "$@"
