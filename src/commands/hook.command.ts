import type { CommandSpec } from './command-spec.js';

export default {
  name: 'hook',
  summary: 'print the shell hook (eval "$(devenv hook bash)")',
  arguments: [{ name: 'shell', summary: 'bash, zsh or fish' }],
  action: async () => (await import('./hook.js')).default,
} satisfies CommandSpec;
