import type { SettingValue } from '../project/config.js';
import { PG_PORT, type ProjectPaths } from '../project/paths.js';
import { writeOwnFile } from '../project/pgres-files.js';

/** Line postgresql.conf gets once at init; the included file is ours to rewrite. */
export const INCLUDE_LINE = "include_if_exists = 'devenv/settings.conf'";

function quote(value: SettingValue): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export function renderSettings(paths: ProjectPaths, settings: Record<string, SettingValue>): string {
  const lines = [
    '# Written by devenv at every start: edit postgres.settings in devenv.json instead.',
    "listen_addresses = ''",
    `unix_socket_directories = ${quote(paths.socketDir)}`,
    'unix_socket_permissions = 0700',
    `port = ${PG_PORT}`,
    ...Object.entries(settings).map(([k, v]) => `${k} = ${quote(v)}`),
    '',
  ];
  return lines.join('\n');
}

/** Atomically (re)write the settings file so config edits apply without re-init. */
export function writeSettings(file: string, paths: ProjectPaths, settings: Record<string, SettingValue>): void {
  writeOwnFile(file, renderSettings(paths, settings), 0o644);
}
