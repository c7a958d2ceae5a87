// What a production deployment of the project consists of, read once from devenv.json (or the
// Procfile): the targets (systemd, caddy, nixos) only render this model.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RESERVED_NAMES } from '../app-definition.js';
import { UserError } from '../errors.js';
import type { Config } from '../project/config.js';
import { readDotenv } from '../project/dotenv-file.js';
import { databaseUrl } from '../project/environment.js';
import { parseVersion } from '../project/postgres-version.js';
import { type CompleteProcessConfig, overlayProcfile, overlaysProcfile } from '../project/process-overlay.js';
import { type ProcfileEntry, ProcfileError, parseProcfile } from '../project/procfile.js';
import { keyPath } from '../project/schema-check.js';
import { shown } from '../util/show.js';
import { type ParsedCommand, parseCommand } from './command-line.js';
import { programProblem } from './systemd-text.js';

/** Where the server's PostgreSQL listens (Debian, Ubuntu, Fedora, NixOS). */
export const SERVER_SOCKET_DIR = '/run/postgresql';

export interface DeployService {
  /** The process name in devenv.json or the Procfile. */
  process: string;
  /** `<app>-<process>`: the systemd unit name without .service. */
  unit: string;
  /** Where it is defined, for messages: "processes.web" or "Procfile: web". */
  where: string;
  /** The command as written. */
  command: string;
  parsed: ParsedCommand;
  /** --exec-start for this process: the program on the server, replacing the command's first word. */
  program?: string;
  /** Working directory relative to the app's directory ('' for the app's directory itself). */
  cwd: string;
  /** The process's own env from devenv.json (PORT is separate). */
  env: Record<string, string>;
  port?: number;
  restart: 'always' | 'on-failure' | 'never';
  stopGraceMs?: number;
  /** Restarts on file change in development. */
  watches: boolean;
}

export interface DeployModel {
  /** Names the units, the module, the state directory and /opt/<name>. */
  name: string;
  source: 'devenv.json' | 'Procfile' | 'Procfile.dev';
  database: string;
  /** postgres.database was set; otherwise the database is named after the app. */
  databaseFromConfig: boolean;
  /** postgres.databases: extra databases, also owned by the role. */
  extraDatabases: string[];
  role: string;
  /** postgres.role was set; otherwise the role is named like the database (or the app). */
  roleFromConfig: boolean;
  extensions: string[];
  /** The major of postgres.version, when the project asks for one. */
  postgresVersion?: number;
  services: DeployService[];
  /** Keys of the project's .env (values are development values and are never exported). */
  dotenvKeys: string[];
  /** Config the production files do not carry, as devenv.json names it ("postgres.setup"). */
  unexported: string[];
  /** The environment every process gets to reach PostgreSQL on the server. */
  databaseEnv: Record<string, string>;
}

export interface ExportOptions {
  name?: string;
  /** --exec-start values: "PATH" for every process or "PROCESS=PATH". */
  execStart?: string[];
}

/** Linux user names systemd accepts for User=: the service's user is named like the role. */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}$/;
const APP_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** The app name from the project directory: lower case, other characters as '-'. */
function nameFromRoot(root: string): string {
  return path
    .basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 32);
}

function appName(root: string, given: string | undefined): string {
  if (given !== undefined) {
    if (!APP_NAME.test(given)) {
      throw new UserError(`--name ${shown(given)}: use a lower-case letter, then letters, digits, _ or - (at most 32)`);
    }
    return given;
  }
  const name = nameFromRoot(root);
  if (!APP_NAME.test(name)) {
    throw new UserError(`cannot make an app name from the directory ${root}; pass --name NAME (e.g. --name myapp)`);
  }
  return name;
}

function chooseRole(config: Config, database: string, name: string): { role: string; fromConfig: boolean } {
  const file = config.file ?? 'devenv.json';
  const role = config.postgres.role;
  if (role !== undefined) {
    if (role === 'postgres' || role === 'root') {
      throw new UserError(
        `${file}: postgres.role "${role}" is the server's superuser; give the app a role of its own (e.g. "${name}")`,
      );
    }
    if (!USER_NAME.test(role)) {
      throw new UserError(
        `${file}: postgres.role "${role}" cannot name a Linux user, which peer authentication needs (the service ` +
          `runs as a user of that name); use lower-case letters, digits, _ and - (at most 31)`,
      );
    }
    return { role, fromConfig: true };
  }
  // Named like the database, as NixOS's ensureDBOwnership expects, when that is a valid user name.
  const fallback = USER_NAME.test(database) && database !== 'postgres' && database !== 'root' ? database : name;
  return { role: fallback, fromConfig: false };
}

function servicesFromConfig(config: Config, name: string, root: string): DeployService[] {
  const watchAll = config.watch.paths === undefined || config.watch.paths.length > 0;
  const processes = config.processes ?? {};
  // Entries without a command add settings to the Procfile's processes (process-overlay.ts).
  let entries: [string, CompleteProcessConfig][];
  try {
    entries = overlayProcfile(processes, overlaysProcfile(processes) ? readProcfile(root) : null);
  } catch (err) {
    throw new UserError(`${config.file ?? 'devenv.json'}: ${(err as Error).message}`);
  }
  return entries.map(([process, p]) => {
    const cwd = path.posix.normalize((p.cwd ?? '.').replaceAll('\\', '/'));
    if (cwd === '..' || cwd.startsWith('../')) {
      throw new UserError(
        `${keyPath('processes', process)}.cwd ${shown(p.cwd ?? '.')} leads out of the project, which the export ` +
          `puts in one directory on the server; use a directory inside the project`,
      );
    }
    return {
      process,
      unit: `${name}-${process}`,
      where: `processes.${process}`,
      command: p.command,
      parsed: parseCommand(p.command),
      cwd: cwd === '.' ? '' : cwd.replace(/\/$/, ''),
      env: { ...p.env },
      port: p.port,
      restart: p.restart ?? 'on-failure',
      stopGraceMs: p.stopGraceMs,
      watches: p.watch === false ? false : Array.isArray(p.watch) ? p.watch.length > 0 : watchAll,
    };
  });
}

/** The production side prefers Procfile (Heroku's production file) over Procfile.dev. */
function servicesFromProcfile(
  root: string,
  name: string,
): { file: 'Procfile' | 'Procfile.dev'; services: DeployService[] } | null {
  const procfile = readProcfile(root);
  if (procfile) {
    const { file, entries } = procfile;
    return {
      file,
      services: entries.map((e) => ({
        process: e.name,
        unit: `${name}-${e.name}`,
        where: `${file}: ${e.name}`,
        command: e.command,
        parsed: parseCommand(e.command),
        cwd: '',
        env: {},
        restart: 'on-failure' as const,
        watches: true,
      })),
    };
  }
  return null;
}

function readProcfile(root: string): { file: 'Procfile' | 'Procfile.dev'; entries: ProcfileEntry[] } | null {
  for (const file of ['Procfile', 'Procfile.dev'] as const) {
    const full = path.join(root, file);
    if (!existsSync(full)) continue;
    try {
      return { file, entries: parseProcfile(readFileSync(full, 'utf8'), full) };
    } catch (err) {
      if (err instanceof ProcfileError) throw new UserError(err.message);
      throw new UserError(`cannot read ${full}: ${(err as Error).message}`);
    }
  }
  return null;
}

function applyExecStart(services: DeployService[], values: string[]): void {
  for (const value of values) {
    const eq = value.startsWith('/') ? -1 : value.indexOf('=');
    const target = eq === -1 ? null : value.slice(0, eq);
    const program = eq === -1 ? value : value.slice(eq + 1);
    const problem = programProblem(program);
    if (path.posix.isAbsolute(program) && problem) {
      throw new UserError(`--exec-start ${shown(value)}: the path ${problem}; give another path`);
    }
    if (!path.posix.isAbsolute(program) || /\s/.test(program)) {
      throw new UserError(
        `--exec-start ${shown(value)}: give the program's absolute path on the server, for every process ` +
          `(/usr/bin/node) or one (web=/usr/local/bin/web)`,
      );
    }
    const chosen = target === null ? services : services.filter((s) => s.process === target);
    if (chosen.length === 0) {
      throw new UserError(
        `--exec-start: there is no process ${shown(String(target))} ` +
          `(processes: ${services.map((s) => s.process).join(', ')})`,
      );
    }
    for (const s of chosen) s.program = path.posix.normalize(program);
  }
}

export function buildDeployModel(root: string, config: Config, options: ExportOptions = {}): DeployModel {
  const name = appName(root, options.name);
  let source: DeployModel['source'] = 'devenv.json';
  let services = servicesFromConfig(config, name, root);
  if (services.length === 0) {
    const fromProcfile = servicesFromProcfile(root, name);
    if (fromProcfile) ({ file: source, services } = fromProcfile);
  }
  if (services.length === 0) {
    throw new UserError(
      'nothing to export: no processes in devenv.json and no Procfile (a command given to `devenv up -- CMD` is not ' +
        'kept; add it to devenv.json "processes")',
    );
  }
  const reserved = services.find((s) => RESERVED_NAMES.includes(s.process));
  if (reserved) throw new UserError(`${reserved.where}: the process name "${reserved.process}" is reserved; rename it`);
  applyExecStart(services, options.execStart ?? []);

  const pg = config.postgres;
  const database = pg.database ?? name;
  const { role, fromConfig: roleFromConfig } = chooseRole(config, database, name);
  const extraDatabases = [...new Set(pg.databases ?? [])].filter((d) => d !== database);
  const unexported: string[] = [];
  if (pg.setup?.length) unexported.push('postgres.setup');
  if (Object.keys(pg.settings).length > 0) unexported.push('postgres.settings');
  return {
    name,
    source,
    database,
    databaseFromConfig: pg.database !== undefined,
    extraDatabases,
    role,
    roleFromConfig,
    extensions: [...new Set(pg.extensions ?? [])],
    postgresVersion: pg.version === undefined ? undefined : parseVersion(pg.version)?.major,
    services,
    dotenvKeys: Object.keys(readDotenv(root)),
    unexported,
    databaseEnv: {
      DATABASE_URL: databaseUrl(role, database, SERVER_SOCKET_DIR),
      PGHOST: SERVER_SOCKET_DIR,
      PGUSER: role,
      PGDATABASE: database,
    },
  };
}

/** Milliseconds as a systemd time span ("10s", "1500ms"). */
export function timeSpan(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
