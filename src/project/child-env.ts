// The one builder of the environment of a process devenv starts for the user: an app under `up`, the
// command of `devenv exec`, a postgres.setup command, psql. In layers, each over the ones before: our
// own environment (less what devenv set for itself), the project's .env, the environment contract
// (PGDATA, DATABASE_URL, ...), then what the caller adds (an app's own variables go on top of that).
import { readDotenv } from './dotenv-file.js';
import { clientEnvironment, type Project } from './project.js';

/** Set by `up -d` for the background `up` it starts: it is ours, and nothing devenv starts inherits it. */
export const DETACHED_ENV = 'PGRES_UP_DETACHED';

export interface ChildEnvOptions {
  /** The database the contract points at (default: the one clients use, e.g. a git branch's). */
  database?: string;
  /** Put the TCP password in DATABASE_URL_TCP (apps and commands get it; psql needs none). */
  password?: boolean;
  /** The project's .env under the contract (default yes; psql connects, it runs no project code). */
  dotenv?: boolean;
  /** Variables over all of that (what a control request asked for, PGRES_IN_SETUP, psql's PGUSER). */
  extra?: Record<string, string>;
}

export function childEnvironment(project: Project, opts: ChildEnvOptions = {}): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  delete inherited[DETACHED_ENV];
  return {
    ...inherited,
    ...(opts.dotenv === false ? {} : readDotenv(project.root)),
    ...clientEnvironment(project, { database: opts.database, password: opts.password }),
    ...opts.extra,
  };
}
