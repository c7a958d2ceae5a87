// The background `up` writes each app line after its time, from the raw bytes of the app's pipe.
import { describe, expect, it } from 'vitest';
import { ChunkStamper } from '../../src/supervisor/chunk-stamper.js';
import { formatStamp } from '../../src/supervisor/log-stamp.js';

const T = Date.UTC(2026, 11, 3, 10, 4, 14, 123);
const at = (ms: number) => `${formatStamp(ms)} `;
const text = (b: Buffer | null) => (b ? b.toString('utf8') : null);

describe('ChunkStamper', () => {
  it('puts the time before every line of a chunk, short lines and long ones, and holds the partial rest', () => {
    const s = new ChunkStamper(1 << 16);
    const long = 'L'.repeat(200); // copied natively; the short ones byte by byte
    expect(text(s.push(Buffer.from(`a\n\n${long}\r\nhalf`), T))).toBe(`${at(T)}a\n${at(T)}\n${at(T)}${long}\r\n`);
    expect(s.push(Buffer.from(' of it'), T + 5)).toBeNull();
    // A held line gets the time it is written at: a file's times only go forward.
    expect(text(s.push(Buffer.from(' done\nnext'), T + 9))).toBe(`${at(T + 9)}half of it done\n`);
    expect(text(s.end(T + 12))).toBe(`${at(T + 12)}next\n`);
    expect(s.end(T + 13)).toBeNull();
  });

  it('keeps the bytes as they came (invalid UTF-8, a character split between chunks)', () => {
    const s = new ChunkStamper(1 << 16);
    const euro = Buffer.from('€\n'); // 3 bytes and a newline
    const out = Buffer.concat([
      s.push(Buffer.from([0xff, 0x0a]), T)!,
      s.push(euro.subarray(0, 1), T) ?? Buffer.alloc(0),
      s.push(euro.subarray(1), T)!,
    ]);
    expect(out).toEqual(Buffer.concat([Buffer.from(at(T)), Buffer.from([0xff, 0x0a]), Buffer.from(at(T)), euro]));
  });

  it('writes an endless line in pieces of at most maxLine bytes', () => {
    const s = new ChunkStamper(1000);
    const pieces: string[] = [];
    for (let i = 0; i < 10; i++) {
      const out = s.push(Buffer.from('x'.repeat(300)), T);
      if (out) pieces.push(text(out)!);
    }
    expect(pieces).toEqual([`${at(T)}${'x'.repeat(1200)}\n`, `${at(T)}${'x'.repeat(1200)}\n`]);
    expect(text(s.end(T))).toBe(`${at(T)}${'x'.repeat(600)}\n`);
  });

  it('stamps a flood of tiny lines (more newlines in one chunk than it first has room for)', () => {
    const s = new ChunkStamper(1 << 16);
    const out = text(s.push(Buffer.from('y\n'.repeat(10_000)), T))!;
    expect(out).toBe(`${at(T)}y\n`.repeat(10_000));
  });
});
