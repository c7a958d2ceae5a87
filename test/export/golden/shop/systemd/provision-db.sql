-- provision-db.sql: the PostgreSQL role and databases of shop.
-- Written by `devenv export systemd`. Safe to run again: it creates what is missing and changes
-- nothing that exists. provision-db.sh runs it as the superuser; by hand:
--   sudo -u postgres psql < provision-db.sql
\set ON_ERROR_STOP on

-- The app's role (postgres.role in devenv.json). It may log in, nothing more: no superuser, no
-- CREATEDB, no CREATEROLE. No password: its service runs as a system user of the same name, and
-- peer authentication on the local socket accepts that.
SELECT 'CREATE ROLE "shop_app" LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shop_app') \gexec

-- The database, owned by the role so that the app's migrations can create tables. CREATE DATABASE
-- cannot run in a transaction or a DO block: \gexec runs the statement the SELECT returns, only
-- when it is missing.
SELECT 'CREATE DATABASE "shop" OWNER "shop_app"'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'shop') \gexec

-- postgres.databases: delete those production does not need (a test database, say).
SELECT 'CREATE DATABASE "shop_jobs" OWNER "shop_app"'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'shop_jobs') \gexec

-- postgres.extensions, in each database (creating most extensions takes the superuser).
\connect -reuse-previous=on "dbname=shop"
CREATE EXTENSION IF NOT EXISTS "pgcrypto";
CREATE EXTENSION IF NOT EXISTS "citext";
\connect -reuse-previous=on "dbname=shop_jobs"
CREATE EXTENSION IF NOT EXISTS "pgcrypto";
CREATE EXTENSION IF NOT EXISTS "citext";
