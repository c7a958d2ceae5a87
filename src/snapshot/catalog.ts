import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ProjectPaths } from '../project/paths.js';
import { readRegular } from '../util/no-follow.js';
import { checkName, DATA, MANIFEST, snapshotDir, snapshotsDir } from './layout.js';

/** What a snapshot records about itself (snapshot.json), written last before it is renamed into place. */
export interface SnapshotManifest {
  format: 1;
  /** Random, per save: ties a ready copy to this snapshot and not to a later one of the same name. */
  id: string;
  name: string;
  createdAt: string;
  /** PostgreSQL major and full server version that made it: a restore needs the same major. */
  major: number;
  serverVersion: string;
  /** Bytes and files of the copy (logical sizes: a reflinked copy may use less disk). */
  bytes: number;
  files: number;
  /** Databases in it (known when the server was running; null for a copy of a stopped cluster). */
  databases: string[] | null;
  /** 'online': copied in backup mode while the server ran; 'offline': copied while it was stopped. */
  method: 'online' | 'offline';
  copy: 'reflink' | 'copy';
  tookMs: number;
}

export interface SnapshotEntry extends SnapshotManifest {
  dir: string;
}

/**
 * Whoever owns the cluster owns its snapshots (as root: the account postgres runs as). Root reads their
 * manifests only as regular files of that owner, never through a link the account could plant.
 */
function clusterOwner(paths: ProjectPaths): number | undefined {
  try {
    return lstatSync(paths.pgdata).uid;
  } catch {
    return undefined;
  }
}

function readManifest(dir: string, owner: number | undefined): SnapshotManifest | null {
  try {
    // A snapshot is a real directory holding its manifest and its data directory.
    if (!lstatSync(dir).isDirectory() || !lstatSync(path.join(dir, DATA)).isDirectory()) return null;
    const text = readRegular(path.join(dir, MANIFEST), owner);
    if (text === null) return null;
    const m = JSON.parse(text) as SnapshotManifest;
    return m && m.format === 1 && typeof m.major === 'number' && typeof m.createdAt === 'string' ? m : null;
  } catch {
    return null;
  }
}

/** Usable snapshots, oldest first. Work dirs (hidden names) and anything without a manifest are not listed. */
export function listSnapshots(paths: ProjectPaths): SnapshotEntry[] {
  let names: string[];
  try {
    names = readdirSync(snapshotsDir(paths));
  } catch {
    return [];
  }
  const out: SnapshotEntry[] = [];
  const owner = clusterOwner(paths);
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const dir = snapshotDir(paths, name);
    const m = readManifest(dir, owner);
    if (m) out.push({ ...m, name, dir });
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
}

/** The snapshot of that name, or one line naming the snapshots there are. */
export function findSnapshot(paths: ProjectPaths, name: string): SnapshotEntry {
  checkName(name);
  const all = listSnapshots(paths);
  const found = all.find((s) => s.name === name);
  if (found) return found;
  throw new UserError(
    all.length
      ? `no snapshot named "${name}"; there are: ${all.map((s) => s.name).join(', ')}`
      : `no snapshot named "${name}"; there are no snapshots yet (make one with \`devenv snapshot save [NAME]\`)`,
  );
}

/** PG_VERSION inside a snapshot's data (a regular file, like the manifest), or null. */
export function snapshotDataMajor(entry: SnapshotEntry): number | null {
  const n = Number(readRegular(path.join(entry.dir, DATA, 'PG_VERSION'))?.trim());
  return Number.isInteger(n) && n > 0 ? n : null;
}
