import type { CommandSpec } from './command-spec.js';

export default {
  name: 'env',
  summary: 'print the project environment',
  options: [
    { long: 'shell', value: 'shell', summary: 'bash, zsh, fish or json', default: 'bash' },
    {
      long: 'db',
      value: 'name',
      summary: 'point PGDATABASE and the URLs at this project database (postgres.databases)',
    },
    { long: 'reveal', summary: 'include the TCP password in DATABASE_URL_TCP (postgres.tcp)' },
  ],
  action: async () => (await import('./env.js')).default,
} satisfies CommandSpec;
