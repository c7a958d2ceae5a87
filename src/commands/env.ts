import { UserError } from '../errors.js';
import { chooseDatabase, clientDatabase, clientEnvironment, openProject } from '../project/project.js';
import { readTcpPassword } from '../project/tcp.js';
import { SHELLS } from '../shell/registry.js';
import { stdout } from '../util/terminal.js';

const FORMATS = [...Object.keys(SHELLS), 'json'];

export function renderEnv(env: Record<string, string>, format: string): string {
  if (format === 'json') return `${JSON.stringify(env, null, 2)}\n`;
  const shell = SHELLS[format as keyof typeof SHELLS];
  return `${Object.entries(env)
    .map(([k, v]) => shell.exportVar(k, v))
    .join('\n')}\n`;
}

/**
 * The environment as the shell hook exports it; `--db` points it at another project database, `--reveal` adds
 * the TCP password.
 */
export default async function env(opts: { shell: string; db?: string; reveal?: boolean }): Promise<number> {
  if (!FORMATS.includes(opts.shell)) {
    throw new UserError(`unknown shell "${opts.shell}"; use one of: ${FORMATS.join(', ')}`);
  }
  const project = openProject(process.cwd());
  const database = chooseDatabase(project, opts.db);
  if (opts.reveal) {
    if (!project.tcp) throw new UserError('--reveal shows the TCP password, and postgres.tcp is off in devenv.json');
    if (!readTcpPassword(project.paths)) {
      throw new UserError(
        `no TCP password yet (${project.paths.tcpPassword}): it is made when the server first starts with ` +
          `postgres.tcp; run \`devenv up\` or \`devenv exec true\` once`,
      );
    }
  }
  const vars =
    database === clientDatabase(project) && !opts.reveal
      ? project.env
      : clientEnvironment(project, { database, password: opts.reveal });
  stdout.write(renderEnv(vars, opts.shell));
  return 0;
}
