# Backups tests: restic (real repositories) and PostgreSQL 15 (dump/restore round trip).
# Sourced by .ci/run as root; idempotent and quiet.
_backups_pkgs=()
command -v restic >/dev/null 2>&1 || _backups_pkgs+=(restic)
[ -x /usr/lib/postgresql/15/bin/initdb ] || _backups_pkgs+=(postgresql-15)
command -v runuser >/dev/null 2>&1 || _backups_pkgs+=(util-linux)
if [ "${#_backups_pkgs[@]}" -gt 0 ]; then
  if ! apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${_backups_pkgs[@]}" >/dev/null 2>&1; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${_backups_pkgs[@]}" >/dev/null
  fi
fi
unset _backups_pkgs
