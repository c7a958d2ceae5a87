import type { CommandSpec } from './command-spec.js';

export default {
  name: 'up',
  summary: 'run postgres and the app processes; restart on change and on crash',
  arguments: [{ name: 'command', summary: 'one ad-hoc app command (after --)', optional: true, variadic: true }],
  options: [{ long: 'detach', short: 'd', summary: 'run in the background; return once everything is started' }],
  passThrough: 'arguments',
  help:
    "The apps: devenv.json's processes, else Procfile.dev or Procfile.\n" +
    'One ad-hoc app instead: devenv up -- node server.js',
  action: async () => (await import('./up.js')).default,
} satisfies CommandSpec;
