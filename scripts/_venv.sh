# Sourced by scripts/test and bench/run: make .venv with the dev extras (once per pyproject change).
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/pytest ] || [ pyproject.toml -nt .venv/.dev-installed ]; then
  echo "== creating .venv with the dev extras" >&2
  [ -d .venv ] || "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch .venv/.dev-installed
fi
