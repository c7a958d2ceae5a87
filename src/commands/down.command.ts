import type { CommandSpec } from './command-spec.js';

export default {
  name: 'down',
  summary: 'stop a background `devenv up`',
  action: async () => (await import('./down.js')).default,
} satisfies CommandSpec;
