import type { CommandSpec } from './command-spec.js';

export default {
  name: 'restart',
  summary: 'restart processes of the running `devenv up` (every app when none is named)',
  arguments: [
    { name: 'name', summary: 'an app, or postgres (the apps stop around it)', optional: true, variadic: true },
  ],
  help:
    'Waits until each new instance is ready (its probe passed, or it completed); a failure is its reason\n' +
    'and last lines, and a non-zero exit. Apps that wait for it to complete restart after it.',
  action: async () => (await import('./restart.js')).default,
} satisfies CommandSpec;
