# Runbook tests: real bash/curl/gzip for shell blocks and checks, PostgreSQL 15
# server + client for the restore-database and DR-drill runbooks. Idempotent.
rb_missing=()
command -v curl >/dev/null || rb_missing+=(curl)
command -v gzip >/dev/null || rb_missing+=(gzip)
command -v runuser >/dev/null || rb_missing+=(util-linux)
command -v psql >/dev/null || rb_missing+=(postgresql-client-15)
[ -x /usr/lib/postgresql/15/bin/initdb ] || rb_missing+=(postgresql-15)
if [ "${#rb_missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${rb_missing[@]}" >/dev/null
fi
unset rb_missing
