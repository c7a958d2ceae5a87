import type { CommandSpec } from './command-spec.js';

export default {
  name: 'allow',
  summary: "trust this project's .env",
  action: async () => (await import('./allow.js')).default,
} satisfies CommandSpec;
