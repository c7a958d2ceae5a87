#!/bin/sh
# provision-db.sh: creates the PostgreSQL role and database of hello on this server.
# Written by `devenv export systemd`. Safe to run again (see provision-db.sql). As root or postgres:
#   sh provision-db.sh
set -eu
cd "$(dirname "$0")"
# psql logs in as the superuser by peer authentication (it runs as the postgres system user) and
# reads the SQL from stdin, so that user needs no access to this directory.
as_postgres=''
[ "$(id -un)" = postgres ] || as_postgres='runuser -u postgres --'
PGOPTIONS='-c client_min_messages=warning' $as_postgres psql -X -q -d postgres -f - <provision-db.sql
printf '%s\n' 'provision-db.sh: role hello and database hello are in place'
