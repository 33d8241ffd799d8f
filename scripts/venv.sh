# Create .venv and install the project's dependencies (re-installs only when
# pyproject.toml changes). Source it; it exports VENV.
VENV="${VENV:-$PWD/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
_stamp="$VENV/.deps-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$_stamp" ]; then
  echo "Installing dependencies into $VENV ..."
  "$VENV/bin/pip" install -q --upgrade pip >/dev/null
  "$VENV/bin/pip" install -q -e ".[dev]"
  rm -f "$VENV"/.deps-*
  touch "$_stamp"
fi
export VENV PATH="$VENV/bin:$PATH"
