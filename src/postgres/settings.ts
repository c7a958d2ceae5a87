import type { SettingValue } from '../project/config.js';
import { PG_PORT, type ProjectPaths } from '../project/paths.js';
import type { ClusterFs } from './cluster-fs.js';

/**
 * What init appends to postgresql.conf: the socket-only defaults for a server started by hand (`pg_ctl
 * start`). devenv itself passes its settings on the command line, where they also win over ALTER SYSTEM.
 */
export function confNote(paths: ProjectPaths): string {
  const dir = listElement(paths.socketDir).replace(/\\/g, '\\\\').replace(/'/g, "''");
  return [
    '',
    '# devenv passes its settings (socket only, postgres.settings) on the postgres command line;',
    '# these are the defaults for a server started without it.',
    "listen_addresses = ''",
    `unix_socket_directories = '${dir}'`,
    'unix_socket_permissions = 0700',
    '',
  ].join('\n');
}

/** postgres.tcp at this start: the port and the loopback addresses to listen on. */
export interface ListenSettings {
  port: number;
  addresses: string[];
}

/** unix_socket_directories is a list: a path with a comma, space or quote in it is quoted as one element. */
function listElement(value: string): string {
  return /[\s,"]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * How postgres begins each line of its log: the time first (in UTC, like the time devenv writes before
 * every line of its own logs), so `devenv logs` can merge postgres' lines with the others by time.
 * These come before postgres.settings: a project may choose others (a prefix not starting with `%m`
 * or `%t` leaves postgres' lines without a time to merge by).
 */
const LOG_DEFAULTS: [string, string][] = [
  ['log_line_prefix', '%m [%p] '],
  ['log_timezone', 'UTC'],
];

/**
 * The settings devenv decides (who can connect, and where) and postgres.settings, as `name=value`
 * pairs. devenv's come last, so on the command line they win over anything before them; its log
 * defaults come first, so postgres.settings can change them.
 */
export function renderSettings(
  paths: ProjectPaths,
  settings: Readonly<Record<string, SettingValue>>,
  tcp: ListenSettings | null = null,
): [string, string][] {
  const connection: [string, string][] = tcp
    ? [
        ['listen_addresses', tcp.addresses.join(',')],
        ['port', String(tcp.port)],
        // Our pg_hba.conf: the initdb one rejects TCP. scram-sha-256 is not the default before PostgreSQL 14.
        ['hba_file', paths.hbaConf],
        ['password_encryption', 'scram-sha-256'],
      ]
    : [
        ['listen_addresses', ''],
        ['port', String(PG_PORT)],
      ];
  return [
    ...LOG_DEFAULTS,
    ...Object.entries(settings).map(([k, v]): [string, string] => [k, String(v)]),
    ['unix_socket_directories', listElement(paths.socketDir)],
    ['unix_socket_permissions', '0700'],
    ...connection,
  ];
}

/** The same as `-c name=value` arguments for `postgres` (the value is taken literally there, no quoting). */
export function settingsArgs(
  paths: ProjectPaths,
  settings: Readonly<Record<string, SettingValue>>,
  tcp: ListenSettings | null = null,
): string[] {
  return renderSettings(paths, settings, tcp).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

/** With postgres.tcp: the socket stays trust; TCP, on loopback only, needs the password. */
export function renderHba(): string {
  return [
    '# Written by devenv at every start (postgres.tcp): the socket trusts local users, TCP needs the password.',
    'local all all trust',
    'local replication all trust',
    'host all all 127.0.0.1/32 scram-sha-256',
    'host all all ::1/128 scram-sha-256',
    'host replication all 127.0.0.1/32 scram-sha-256',
    'host replication all ::1/128 scram-sha-256',
    '',
  ].join('\n');
}

/**
 * Before each start: our pg_hba.conf while postgres.tcp is on. The settings.conf an older devenv
 * rewrote at every start (postgresql.conf still includes it, if it exists) goes: it would keep old values.
 */
export function writeServerConfig(paths: ProjectPaths, tcp: ListenSettings | null, fs: ClusterFs): void {
  if (tcp) fs.write(paths.hbaConf, renderHba());
  else fs.remove(paths.hbaConf);
  fs.remove(paths.settingsConf);
}
