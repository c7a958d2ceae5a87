import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_CHARS } from '../../src/supervisor/line-splitter.js';

describe('LineSplitter', () => {
  it('holds a partial line until its newline and flushes the rest on end()', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push(Buffer.from('hel'));
    expect(lines).toEqual([]);
    s.push(Buffer.from('lo\nwor'));
    expect(lines).toEqual(['hello']);
    s.push(Buffer.from('ld\r\n\n'));
    expect(lines).toEqual(['hello', 'world', '']);
    s.push(Buffer.from('tail without newline'));
    s.end();
    expect(lines).toEqual(['hello', 'world', '', 'tail without newline']);
  });

  it('does not cut a multi-byte character split across chunks', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('héllo €\n');
    for (const b of bytes) s.push(Buffer.from([b])); // one byte at a time
    expect(lines).toEqual(['héllo €']);
  });

  it('splits an endless line into bounded pieces instead of growing memory', () => {
    const pieces: string[] = [];
    const s = new LineSplitter((l) => pieces.push(l), 1000);
    const chunk = Buffer.from('x'.repeat(300));
    for (let i = 0; i < 100; i++) s.push(chunk); // 30,000 chars, no newline
    expect(pieces).toHaveLength(30);
    expect(pieces.every((p) => p.length === 1000)).toBe(true);
    s.push(Buffer.from('\n'));
    s.end();
    expect(pieces.join('')).toBe('x'.repeat(30_000));
  });

  it('splits a long line that arrives in one chunk, keeping surrogate pairs whole', () => {
    const pieces: string[] = [];
    const s = new LineSplitter((l) => pieces.push(l), 4);
    s.push('abc😀def\n');
    expect(pieces).toEqual(['abc', '😀de', 'f']);
    expect(MAX_LINE_CHARS).toBe(64 * 1024);
  });
});
