#!/bin/sh
# The whole test command: formatting, lint, types, import contracts, then the test suite.
# Run from the repository root inside the project's virtual environment (see README).
set -eu
cd "$(dirname "$0")/.."
bin=$(dirname "$(command -v python)")
[ -x .venv/bin/python ] && bin=.venv/bin
"$bin/ruff" format --check src tests bench screenshots
"$bin/ruff" check src tests bench screenshots
"$bin/mypy"
"$bin/lint-imports"
"$bin/python" -m pytest "$@"
