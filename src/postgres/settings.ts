import type { SettingValue } from '../project/config.js';
import { PG_PORT, type ProjectPaths } from '../project/paths.js';
import { removeOwnFile, writeOwnFile } from '../project/pgres-files.js';

/** Line postgresql.conf gets once at init; the included file is ours to rewrite. */
export const INCLUDE_LINE = "include_if_exists = 'devenv/settings.conf'";

/** postgres.tcp at this start: the port and the loopback addresses to listen on. */
export interface ListenSettings {
  port: number;
  addresses: string[];
}

function quote(value: SettingValue): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export function renderSettings(
  paths: ProjectPaths,
  settings: Record<string, SettingValue>,
  tcp: ListenSettings | null = null,
): string {
  const connection = tcp
    ? [
        `listen_addresses = ${quote(tcp.addresses.join(','))}`,
        `port = ${tcp.port}`,
        // Our pg_hba.conf: the initdb one rejects TCP. scram-sha-256 is not the default before PostgreSQL 14.
        `hba_file = ${quote(paths.hbaConf)}`,
        "password_encryption = 'scram-sha-256'",
      ]
    : ["listen_addresses = ''", `port = ${PG_PORT}`];
  const lines = [
    '# Written by devenv at every start: edit postgres.settings in devenv.json instead.',
    `unix_socket_directories = ${quote(paths.socketDir)}`,
    'unix_socket_permissions = 0700',
    ...connection,
    ...Object.entries(settings).map(([k, v]) => `${k} = ${quote(v)}`),
    '',
  ];
  return lines.join('\n');
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

/** Atomically (re)write the settings file so config edits apply without re-init. */
export function writeSettings(
  file: string,
  paths: ProjectPaths,
  settings: Record<string, SettingValue>,
  tcp: ListenSettings | null = null,
): void {
  writeOwnFile(file, renderSettings(paths, settings, tcp));
}

/** Before each start: settings.conf, and our pg_hba.conf while postgres.tcp is on. */
export function writeServerConfig(
  paths: ProjectPaths,
  settings: Record<string, SettingValue>,
  tcp: ListenSettings | null,
): void {
  if (tcp) writeOwnFile(paths.hbaConf, renderHba());
  else removeOwnFile(paths.hbaConf);
  writeSettings(paths.settingsConf, paths, settings, tcp);
}
