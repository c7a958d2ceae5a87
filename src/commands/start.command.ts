import type { CommandSpec } from './command-spec.js';

export default {
  name: 'start',
  summary: 'start processes in the running `devenv up` (and what they need)',
  arguments: [{ name: 'name', summary: 'an app', variadic: true }],
  help: 'Waits until each is ready (or completed); a failure is its reason and last lines, and a non-zero exit.',
  action: async () => (await import('./start.js')).default,
} satisfies CommandSpec;
