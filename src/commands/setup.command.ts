import type { CommandSpec } from './command-spec.js';

export default {
  name: 'setup',
  summary: 'run postgres.setup again (SQL files and commands) on the project database',
  action: async () => (await import('./setup.js')).default,
} satisfies CommandSpec;
