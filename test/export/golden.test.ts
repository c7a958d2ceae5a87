// The generated files, byte for byte, for the hello example and a richer project (role, extra
// database, extensions, two processes, a .env). UPDATE_GOLDEN=1 rewrites the golden files; review
// the diff like code: people read and edit these files.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/project.js';
import { CASE_ARGS, exportTo, FIXTURES, GOLDEN, modeOf, notes, readTree } from './helpers.js';

let tmp: string;
beforeAll(() => {
  tmp = tempDir('export-golden');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const WATCH_SYSTEMD =
  'note: watch is not exported: restart on file change is for development; after a deploy, systemctl restart the units';
const WATCH_NIXOS =
  'note: watch is not exported: restart on file change is for development; nixos-rebuild restarts changed units';
const EXPECTED_NOTES: Record<string, string[]> = {
  'hello/systemd': [WATCH_SYSTEMD],
  'hello/caddy': [],
  'hello/nixos': [WATCH_NIXOS],
  'shop/systemd': [WATCH_SYSTEMD],
  'shop/caddy': [],
  'shop/nixos': [WATCH_NIXOS],
};

describe.each(Object.keys(CASE_ARGS))('%s', (key) => {
  const [fixture, target] = key.split('/') as [keyof typeof FIXTURES, string];

  it('matches the golden files byte for byte, with the modes they need', async () => {
    const out = path.join(tmp, fixture, target);
    const r = await exportTo(FIXTURES[fixture], target, out, CASE_ARGS[key]);
    expect(r.stderr).not.toMatch(/^devenv:/m);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(notes(r.stderr)).toEqual(EXPECTED_NOTES[key]);
    const golden = path.join(GOLDEN, fixture, target);
    if (process.env.UPDATE_GOLDEN) {
      rmSync(golden, { recursive: true, force: true });
      mkdirSync(path.dirname(golden), { recursive: true });
      cpSync(out, golden, { recursive: true });
    }
    expect(readTree(out)).toEqual(readTree(golden));
    for (const name of Object.keys(readTree(out))) {
      const mode = name.endsWith('.env') ? 0o600 : name.endsWith('.sh') ? 0o755 : 0o644;
      expect([name, modeOf(path.join(out, name))]).toEqual([name, mode]);
    }
  });
});
