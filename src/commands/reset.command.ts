import type { CommandSpec } from './command-spec.js';

export default {
  name: 'reset',
  summary: 'stop everything and delete .pgres',
  options: [{ long: 'yes', short: 'y', summary: 'do not ask for confirmation' }],
  destructive: true,
  action: async () => (await import('./reset.js')).default,
} satisfies CommandSpec;
