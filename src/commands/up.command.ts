import type { CommandSpec } from './command-spec.js';

export default {
  name: 'up',
  summary: 'run postgres and the app processes; restart on change and on crash',
  arguments: [
    {
      name: 'name',
      summary: 'only these processes and what they need (in a running up: start them there)',
      optional: true,
      variadic: true,
    },
  ],
  options: [{ long: 'detach', short: 'd', summary: 'run in the background; return once every process is ready' }],
  keepDashDash: true,
  help:
    "The apps: devenv.json's processes, else Procfile.dev or Procfile.\n" +
    'One ad-hoc app instead: devenv up -- node server.js',
  action: async () => (await import('./up.js')).default,
} satisfies CommandSpec;
