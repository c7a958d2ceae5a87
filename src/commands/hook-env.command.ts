import type { CommandSpec } from './command-spec.js';

/** Internal: run by the shell hook on entering a project whose cached answer is missing or stale. */
export default {
  name: 'hook-env',
  summary: "the shell hook's answer for a project (run by the hook)",
  arguments: [{ name: 'shell' }, { name: 'cache-dir' }, { name: 'root' }],
  hidden: true,
  action: async () => (await import('./hook-env.js')).default,
} satisfies CommandSpec;
