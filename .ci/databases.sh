#!/usr/bin/env bash
# Makes sure the PostgreSQL (127.0.0.1:5432, trust) and MariaDB (127.0.0.1:3306, root) servers that this
# machine kind starts before a session are up, starting them with the kind's own commands if one stopped.
# The store tests create and drop their own databases in them. Idempotent; a few ms when both run.
set -uo pipefail

wait_for() { # name, command...
  local name=$1; shift
  for _ in $(seq 1 50); do "$@" >/dev/null 2>&1 && { echo "databases: $name is up"; return 0; }; sleep 0.2; done
  echo "databases: $name did not come up" >&2; return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start 2>/dev/null || true
fi
wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432 -q

if ! mysqladmin -h 127.0.0.1 -uroot ping >/dev/null 2>&1; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd 2>/dev/null || true
fi
wait_for MariaDB mysqladmin -h 127.0.0.1 -uroot ping

# A PostgreSQL role that must give a password (scram), so the store tests can check that a wrong one is a
# clear error that never shows it; every other login keeps the kind's trust rule. Idempotent.
hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | head -1)
if [ -n "$hba" ] && ! grep -q '^host all cm_password_test ' "$hba"; then
  sed -i '1i host all cm_password_test 127.0.0.1/32 scram-sha-256' "$hba"
  psql -h 127.0.0.1 -U postgres -d postgres -qAtc 'SELECT pg_reload_conf()' >/dev/null || echo "databases: could not reload pg_hba.conf" >&2
fi
psql -h 127.0.0.1 -U postgres -d postgres -qAt >/dev/null <<'SQL' || echo "databases: could not create the password test role" >&2
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cm_password_test') THEN
    SET LOCAL password_encryption = 'scram-sha-256';
    CREATE ROLE cm_password_test LOGIN PASSWORD 'cm-right-password';
  END IF;
END $$;
SQL
