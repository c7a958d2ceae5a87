import type { CommandSpec } from './command-spec.js';

export default {
  name: 'stop',
  summary: 'stop processes of the running `devenv up` (the apps that need them first)',
  arguments: [{ name: 'name', summary: 'an app', variadic: true }],
  help: 'They stay stopped until `devenv start NAME`; `devenv down` stops everything.',
  action: async () => (await import('./stop.js')).default,
} satisfies CommandSpec;
