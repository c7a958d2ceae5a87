// A bounded log and a follower of it: rotation keeps `keep` old files, and a follower reading now and
// then gets every line once, in order, even when the log rotated several times between two reads.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRegular } from '../../src/util/no-follow.js';
import { capInPlace, RotatingLog } from '../../src/util/rotating-log.js';
import { FileTail } from '../../src/util/tail-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'devenv-rotate-'));
  dirs.push(dir);
  return path.join(dir, 'app.log');
}

describe('RotatingLog', () => {
  it('rotates past maxBytes into .1 … .keep and deletes older ones', () => {
    const file = tempFile();
    const log = new RotatingLog(file, { maxBytes: 100, keep: 2 });
    for (let i = 0; i < 50; i++) log.write(`line ${String(i).padStart(2, '0')}\n`); // 8 bytes each
    log.close();
    for (const f of [file, `${file}.1`, `${file}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(100);
    expect(existsSync(`${file}.3`)).toBe(false);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n').at(-1)).toBe('line 49');
    // The three files together are the newest lines, oldest first, with no gap.
    const kept = [`${file}.2`, `${file}.1`, file].map((f) => readFileSync(f, 'utf8')).join('');
    const n = kept.trimEnd().split('\n');
    expect(n).toEqual(Array.from({ length: n.length }, (_, i) => `line ${String(50 - n.length + i).padStart(2, '0')}`));
  });

  it('keep 0: the file starts over, nothing is kept beside it', () => {
    const file = tempFile();
    const log = new RotatingLog(file, { maxBytes: 20, keep: 0 });
    for (let i = 0; i < 10; i++) log.write(`${i}abcdefgh\n`);
    log.close();
    expect(existsSync(`${file}.1`)).toBe(false);
    expect(statSync(file).size).toBeLessThanOrEqual(20);
  });

  it('create() makes the file before any line and keeps what an earlier run wrote; a failed open is retried', () => {
    const file = tempFile();
    const failures: string[] = [];
    const log = new RotatingLog(file, { maxBytes: 100, keep: 1 }, { failed: (_f, err) => failures.push(String(err)) });
    log.create();
    expect(readFileSync(file, 'utf8')).toBe('');
    log.write('one\n');
    log.close();
    const again = new RotatingLog(file, { maxBytes: 100, keep: 1 });
    again.create();
    again.write('two\n');
    again.close();
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo\n');
    // Its directory is gone: create() reports it like a failed write, and the next write tries again.
    const missing = path.join(path.dirname(file), 'gone', 'app.log');
    const later = new RotatingLog(
      missing,
      { maxBytes: 100, keep: 1 },
      { failed: (_f, err) => failures.push(String(err)) },
    );
    later.create();
    expect(failures).toEqual([expect.stringMatching(/ENOENT/)]);
    expect(existsSync(missing)).toBe(false);
    mkdirSync(path.dirname(missing));
    later.write('three\n');
    later.close();
    expect(readFileSync(missing, 'utf8')).toBe('three\n');
  });

  it('capInPlace copies a log another process writes to .1 and empties it, the inode kept', () => {
    const file = tempFile();
    writeFileSync(file, 'x'.repeat(300));
    const ino = statSync(file).ino;
    expect(capInPlace(file, { maxBytes: 1000, keep: 2 })).toBe(false);
    expect(capInPlace(file, { maxBytes: 100, keep: 2 })).toBe(true);
    expect(statSync(file)).toMatchObject({ size: 0, ino });
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('x'.repeat(300));
  });
});

describe('FileTail', () => {
  it('follows from where it was made: a line written before the first read is not lost', () => {
    // `logs -f` makes its followers first, then prints the last lines up to where they begin; on a busy
    // machine the app writes in between.
    const file = tempFile();
    writeFileSync(file, 'shown by the tail\n');
    const tail = new FileTail(file, (l) => seen.push(l));
    const seen: string[] = [];
    expect(tail.startOffset).toBe(statSync(file).size);
    appendFileSync(file, 'in between\n');
    appendFileSync(file, 'later\n');
    tail.read();
    expect(seen).toEqual(['in between', 'later']);
  });

  it('follows across several rotations between two reads, and across a copy-truncate', () => {
    const file = tempFile();
    const log = new RotatingLog(file, { maxBytes: 64, keep: 5 });
    log.write('before\n');
    const seen: string[] = [];
    const tail = new FileTail(file, (l) => seen.push(l)); // from the current end; not started: we read by hand
    const expected: string[] = [];
    let n = 0;
    for (const burst of [3, 40, 1, 25]) {
      for (let i = 0; i < burst; i++) {
        const line = `line ${n++}`;
        expected.push(line);
        log.write(`${line}\n`);
      }
      tail.read(); // 40 lines of ~8 bytes: several rotations since the last read
    }
    expect(seen).toEqual(expected);
    log.close();
    capInPlace(file, { maxBytes: 1, keep: 1 });
    writeFileSync(file, 'after truncate\n', { flag: 'a' });
    tail.read();
    tail.stop();
    expect(seen.at(-1)).toBe('after truncate');
  });

  // The steps of a rotation with keep 2 are: .1 → .2, then the log → .1, then a new log. Under load a
  // follower can look between any two of them (issue 23, loaded run B6 lost lines 100–199 of 3000).
  it('a rotation half done when it looks: the rotated file past the missing number is read', () => {
    const file = tempFile();
    writeFileSync(file, 'a\n');
    const seen: string[] = [];
    const tail = new FileTail(file, (l) => seen.push(l), { fromStart: true });
    tail.read();
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'b\n');
    renameSync(`${file}.1`, `${file}.2`);
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'c\n');
    // A third rotation (keep 3), half done: .2 → .3 and .1 → .2, so there is no .1 now.
    renameSync(`${file}.2`, `${file}.3`);
    renameSync(`${file}.1`, `${file}.2`);
    tail.read();
    tail.stop();
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('the log renamed away between its stat and its open: the file that became .1 is read first', () => {
    const file = tempFile();
    writeFileSync(file, 'a\n');
    const seen: string[] = [];
    let between: (() => void) | null = null;
    const open: typeof openRegular = (f, owner) => {
      const step = f === file ? between : null;
      between = step ? null : between;
      step?.();
      return openRegular(f, owner);
    };
    const tail = new FileTail(file, (l) => seen.push(l), { fromStart: true, open });
    tail.read();
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'b\n');
    renameSync(`${file}.1`, `${file}.2`); // the next rotation's first step; the follower stats b's file now
    between = () => {
      renameSync(file, `${file}.1`);
      writeFileSync(file, 'c\n');
    };
    tail.read();
    tail.stop();
    expect(between).toBe(null);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('rotated after it measured the file, before its first read: the rest of the old file comes first', () => {
    const file = tempFile();
    writeFileSync(file, 'shown\n');
    const seen: string[] = [];
    const tail = new FileTail(file, (l) => seen.push(l));
    appendFileSync(file, 'new in the old file\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'new file\n');
    tail.read();
    tail.stop();
    expect(seen).toEqual(['new in the old file', 'new file']);
  });
});
