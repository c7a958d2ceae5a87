import type { CommandSpec } from './command-spec.js';

export default {
  name: 'psql',
  summary: 'psql into the project database as the superuser; other arguments go to psql',
  arguments: [{ name: 'args', summary: "psql's own options and arguments", optional: true, variadic: true }],
  options: [
    { long: 'as-app', summary: 'connect as postgres.role, like the app (first, before psql arguments)' },
    { long: 'builtin', summary: "devenv's built-in SQL shell (used anyway when no psql client is installed)" },
  ],
  passThrough: 'options',
  help: "Other options go to psql: devenv psql -c 'select 1'\npsql's own help: devenv psql -- --help",
  action: async () => (await import('./psql.js')).default,
} satisfies CommandSpec;
