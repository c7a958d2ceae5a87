import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type CliResult, devenv, REPO } from '../helpers/project.js';

export const GOLDEN = path.join(REPO, 'test', 'export', 'golden');
export const NIX_DIR = path.join(REPO, 'test', 'export', 'nix');

/** The projects the golden files are made from. */
export const FIXTURES = {
  hello: path.join(REPO, 'examples', 'hello'),
  shop: path.join(REPO, 'test', 'export', 'fixtures', 'shop'),
};

/** Extra arguments per golden case (shop shows a real domain, hello the placeholder). */
export const CASE_ARGS: Record<string, string[]> = {
  'hello/systemd': [],
  'hello/caddy': [],
  'hello/nixos': [],
  'shop/systemd': [],
  'shop/caddy': ['--domain', 'shop.example.com'],
  'shop/nixos': ['--domain', 'shop.example.com'],
};

export function exportTo(cwd: string, target: string, out: string, args: string[] = []): Promise<CliResult> {
  return devenv(cwd, ['export', target, '--out', out, ...args]);
}

/** File name -> content of every file in a directory. */
export function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) files[name] = readFileSync(path.join(dir, name), 'utf8');
  return files;
}

export function modeOf(file: string): number {
  return statSync(file).mode & 0o777;
}

/** The lines devenv prints as notes (what it could not carry over). */
export function notes(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('note: '));
}
