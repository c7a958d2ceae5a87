import allow from './allow.command.js';
import branch from './branch.command.js';
import cache from './cache.command.js';
import type { Declared } from './command-spec.js';
import deleteCommand from './delete.command.js';
import deny from './deny.command.js';
import down from './down.command.js';
import env from './env.command.js';
import exec from './exec.command.js';
import exportCommand from './export.command.js';
import hook from './hook.command.js';
import hookEnv from './hook-env.command.js';
import init from './init.command.js';
import logs from './logs.command.js';
import psql from './psql.command.js';
import refill from './refill.command.js';
import reset from './reset.command.js';
import restart from './restart.command.js';
import schema from './schema.command.js';
import setup from './setup.command.js';
import snapshot from './snapshot.command.js';
import start from './start.command.js';
import status from './status.command.js';
import stop from './stop.command.js';
import up from './up.command.js';
import upgrade from './upgrade.command.js';

/**
 * Every command, in the order `devenv --help` lists them. A new command is its declaration
 * (`<verb>.command.ts`, beside its action) and one entry here.
 */
export const COMMANDS: readonly Declared[] = [
  init,
  up,
  down,
  restart,
  stop,
  start,
  status,
  logs,
  setup,
  psql,
  reset,
  snapshot,
  upgrade,
  env,
  exec,
  branch,
  cache,
  hook,
  schema,
  hookEnv,
  refill,
  deleteCommand,
  exportCommand,
  allow,
  deny,
];
