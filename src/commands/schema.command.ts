import type { CommandSpec } from './command-spec.js';

export default {
  name: 'schema',
  summary: 'print the JSON schema of devenv.json (for editors)',
  options: [{ long: 'path', summary: 'print where the installed schema file is instead' }],
  action: async () => (await import('./schema.js')).default,
} satisfies CommandSpec;
