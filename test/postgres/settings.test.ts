import { expect, test } from 'vitest';
import { settingsArgs } from '../../src/postgres/settings.js';
import { projectPaths } from '../../src/project/paths.js';

test("log defaults, then postgres.settings, then devenv's connection settings (the last one wins)", () => {
  const paths = projectPaths('/srv/app', {}, 5432, false);
  const args = settingsArgs(paths, { work_mem: '8MB', jit: false, application_name: "it's, quoted" });
  expect(args).toEqual([
    ...['-c', 'log_line_prefix=%m [%p] ', '-c', 'log_timezone=UTC'],
    ...['-c', 'work_mem=8MB', '-c', 'jit=false', '-c', "application_name=it's, quoted"],
    ...['-c', 'unix_socket_directories=/srv/app/.pgres', '-c', 'unix_socket_permissions=0700'],
    ...['-c', 'listen_addresses=', '-c', 'port=5432'],
  ]);
});

test('a socket dir with a comma or space is one quoted element of unix_socket_directories', () => {
  const paths = projectPaths('/srv/my app, 2', {}, 5432, false);
  expect(settingsArgs(paths, {})).toContain('unix_socket_directories="/srv/my app, 2/.pgres"');
});

test('with postgres.tcp: loopback addresses, the port, our pg_hba.conf, SCRAM', () => {
  const paths = projectPaths('/srv/app', {}, 25432, false);
  const args = settingsArgs(paths, {}, { port: 25432, addresses: ['127.0.0.1', '::1'] });
  expect(args.filter((a) => a !== '-c').slice(4)).toEqual([
    'listen_addresses=127.0.0.1,::1',
    'port=25432',
    'hba_file=/srv/app/.pgres/devenv/pg_hba.conf',
    'password_encryption=scram-sha-256',
  ]);
});
