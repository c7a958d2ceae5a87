import type { CommandSpec } from './command-spec.js';

export default {
  name: 'init',
  summary: 'create .pgres (idempotent)',
  action: async () => (await import('./init.js')).default,
} satisfies CommandSpec;
