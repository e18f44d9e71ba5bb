# Alerts tests run the real Prometheus and Alertmanager from Debian.
# Sourced by .ci/run as root; idempotent and quiet.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v prometheus-alertmanager >/dev/null 2>&1; then
  if ! apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null
  fi
fi
# The packages start system services where an init system runs; the tests start
# their own instances on free loopback ports, so stop those to free 9090/9093.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl stop prometheus prometheus-alertmanager >/dev/null 2>&1 || true
fi
