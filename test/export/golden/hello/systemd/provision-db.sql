-- provision-db.sql: the PostgreSQL role and database of hello.
-- Written by `devenv export systemd`. Safe to run again: it creates what is missing and changes
-- nothing that exists. provision-db.sh runs it as the superuser; by hand:
--   sudo -u postgres psql < provision-db.sql
\set ON_ERROR_STOP on

-- The app's role (named like the database: devenv.json sets no postgres.role). It may log in,
-- nothing more: no superuser, no CREATEDB, no CREATEROLE. No password: its service runs as a system
-- user of the same name, and peer authentication on the local socket accepts that.
SELECT 'CREATE ROLE "hello" LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hello') \gexec

-- The database, owned by the role so that the app's migrations can create tables. CREATE DATABASE
-- cannot run in a transaction or a DO block: \gexec runs the statement the SELECT returns, only
-- when it is missing. (devenv.json sets no postgres.database: on the server it is named after the
-- app.)
SELECT 'CREATE DATABASE "hello" OWNER "hello"'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'hello') \gexec
