import type { CommandSpec } from './command-spec.js';

export default {
  name: 'deny',
  summary: "stop trusting this project's .env",
  action: async () => (await import('./deny.js')).default,
} satisfies CommandSpec;
