import path from 'node:path';
import { UserError } from '../errors.js';
import { exportCaddy } from '../export/caddy.js';
import { buildDeployModel } from '../export/deploy-model.js';
import type { ExportResult } from '../export/export-file.js';
import { exportNixos } from '../export/nixos.js';
import { checkDomain } from '../export/sites.js';
import { exportSystemd } from '../export/systemd.js';
import { writeExportFiles } from '../export/write-files.js';
import { openProject } from '../project/project.js';
import { terminalOutput } from '../util/output.js';
import { shown as quoted } from '../util/show.js';
import { stdout } from '../util/terminal.js';

export interface ExportCommandOptions {
  out?: string;
  force?: boolean;
  stdout?: boolean;
  name?: string;
  execStart?: string[];
  domain?: string;
}

const TARGETS = ['systemd', 'caddy', 'nixos'];

export default async function exportCommand(target: string, opts: ExportCommandOptions): Promise<number> {
  if (!TARGETS.includes(target))
    throw new UserError(`unknown export target ${quoted(target)}; use one of: ${TARGETS.join(', ')}`);
  if (opts.execStart?.length && target !== 'systemd')
    throw new UserError('--exec-start is for `devenv export systemd`');
  if (opts.domain !== undefined && target === 'systemd') {
    throw new UserError('--domain is for `devenv export caddy` and `devenv export nixos`');
  }
  if (opts.stdout && opts.out !== undefined) throw new UserError('--stdout and --out exclude each other; choose one');
  const out = terminalOutput();
  const project = openProject(process.cwd());
  const model = buildDeployModel(project.root, project.config, { name: opts.name, execStart: opts.execStart });
  const domain = opts.domain === undefined ? undefined : checkDomain(opts.domain);
  const result: ExportResult =
    target === 'systemd'
      ? exportSystemd(model)
      : target === 'caddy'
        ? exportCaddy(model, domain)
        : exportNixos(model, domain);
  // Notes come once the export succeeded, so a refusal stays one line.
  if (opts.stdout) {
    const many = result.files.length > 1;
    for (const [i, f] of result.files.entries()) {
      stdout.write(`${many ? `${i > 0 ? '\n' : ''}==> ${f.name} <==\n` : ''}${f.content}`);
    }
    for (const note of result.notes) out.notice(note);
    return 0;
  }
  const dir = opts.out !== undefined ? path.resolve(opts.out) : path.join(project.root, 'deploy');
  const relative = path.relative(process.cwd(), dir);
  const shown = relative === '' ? '.' : relative.length < dir.length ? relative : dir;
  const report = writeExportFiles(dir, result.files, { force: Boolean(opts.force), shown });
  for (const f of report.written) out.info(`wrote ${path.join(shown, f)}`);
  for (const f of report.kept) out.info(`kept ${path.join(shown, f)} (it exists; never overwritten)`);
  for (const note of result.notes) out.notice(note);
  return 0;
}
