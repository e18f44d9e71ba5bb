# Workloads tests: the kmock Kubernetes API emulator (PyPI) in a venv at a
# fixed path, used by tests/support/kmock.rs. Sourced by .ci/run as root.
WARROOM_VENV=/opt/warroom-venv
if ! "$WARROOM_VENV/bin/python" -c 'import kmock' >/dev/null 2>&1; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
  fi
  rm -rf "$WARROOM_VENV"
  python3 -m venv "$WARROOM_VENV"
  "$WARROOM_VENV/bin/pip" install -q --disable-pip-version-check kmock
fi
