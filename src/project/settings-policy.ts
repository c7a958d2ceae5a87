/**
 * postgres.settings keys devenv decides itself. They choose who can connect and where (the
 * socket-only promise, the trust over the socket), or which files postgres reads as its
 * configuration; a devenv.json setting one of them is refused rather than silently obeyed.
 */
const DECIDED_BY_DEVENV: Record<string, string> = {
  listen_addresses: 'use "postgres.tcp": true (or a port) for loopback TCP with a password',
  port: 'use "postgres.tcp": <port> to choose a TCP port; the socket needs no port',
  unix_socket_directories: 'the socket lives in the project (see PGHOST); devenv chooses the directory',
  unix_socket_group: 'the socket is private to the account that runs postgres',
  unix_socket_permissions: 'the socket is private to the account that runs postgres',
  hba_file: 'devenv writes the authentication rules (trust on the socket only)',
  ident_file: 'devenv writes the authentication rules (trust on the socket only)',
  data_directory: 'the data directory is .pgres',
  config_file: 'the configuration file is .pgres/postgresql.conf, with postgres.settings on top',
  external_pid_file: 'devenv tracks the server through .pgres/postmaster.pid',
  bonjour: 'the server is not announced on the network',
  bonjour_name: 'the server is not announced on the network',
};

/** Directives that would pull other files into the configuration. */
const INCLUDES = ['include', 'include_if_exists', 'include_dir'];

/**
 * Why `key` may not be set through postgres.settings (with what to do instead), or null.
 * postgres treats setting names case-insensitively, so do we.
 */
export function refusedSetting(key: string): string | null {
  const name = key.toLowerCase();
  if (Object.hasOwn(DECIDED_BY_DEVENV, name)) return DECIDED_BY_DEVENV[name]!;
  if (INCLUDES.includes(name)) return 'configuration includes are not supported; put the settings in postgres.settings';
  if (name.startsWith('ssl'))
    return 'the server speaks no TCP to strangers, so it has no TLS settings; devenv manages them';
  return null;
}
