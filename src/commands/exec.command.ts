import type { CommandSpec } from './command-spec.js';

export default {
  name: 'exec',
  summary: 'run a command inside the project environment, with the server running',
  arguments: [{ name: 'command', variadic: true }],
  options: [
    {
      long: 'db',
      value: 'name',
      summary: 'point PGDATABASE and the URLs at this project database (postgres.databases)',
    },
    { long: 'no-server', summary: 'do not start a server for the command' },
  ],
  passThrough: 'arguments',
  help: "Options after the command are its own: devenv exec -- pg_dump --help\nshows pg_dump's help.",
  action: async () => (await import('./exec.js')).default,
} satisfies CommandSpec;
