import type { CommandSpec } from './command-spec.js';

export default {
  name: 'export',
  summary: 'production files from devenv.json: systemd units, a Caddyfile or a NixOS module',
  arguments: [{ name: 'target', summary: 'systemd, caddy or nixos' }],
  options: [
    { long: 'out', value: 'dir', summary: 'where to write the files (default: deploy/ in the project)' },
    { long: 'force', summary: 'overwrite files an earlier export wrote (never the environment file)' },
    { long: 'stdout', summary: 'print the files instead of writing them' },
    {
      long: 'name',
      value: 'name',
      summary: 'app name for units, module and directories (default: the project directory)',
    },
    {
      long: 'exec-start',
      value: '[process=]path',
      summary: "systemd: the program's absolute path on the server, instead of the command's first word (repeatable)",
      repeatable: true,
    },
    { long: 'domain', value: 'domain', summary: 'caddy, nixos: the domain the web process is served on' },
  ],
  action: async () => (await import('./export.js')).default,
} satisfies CommandSpec;
