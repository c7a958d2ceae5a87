import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OutputTail } from '../../src/supervisor/output-tail.js';

describe('OutputTail', () => {
  it('keeps the last lines of both streams in the order they came, partial lines joined across chunks', async () => {
    const tail = new OutputTail(4);
    const out = new PassThrough();
    const err = new PassThrough();
    tail.attach(out);
    tail.attach(err);
    out.write('one\ntw');
    err.write('E1\n');
    out.write('o\nthree\r\n');
    err.write('E2 without newline');
    expect(tail.last()).toEqual(['one', 'E1', 'two', 'three']);
    const ended = new Promise((r) => err.once('end', r));
    err.end();
    await ended;
    expect(tail.last()).toEqual(['E1', 'two', 'three', 'E2 without newline']);
    expect(tail.last(2)).toEqual(['three', 'E2 without newline']);
  });

  it('a flood in one chunk keeps only its last lines; a blank line is a line', () => {
    const tail = new OutputTail(3);
    const src = {};
    tail.push(src, 'partial-');
    tail.push(src, `start\n${Array.from({ length: 10_000 }, (_, i) => `line ${i}`).join('\n')}\n\nend`);
    expect(tail.last()).toEqual(['line 9998', 'line 9999', '']);
    tail.push(src, '\n');
    expect(tail.last()).toEqual(['line 9999', '', 'end']);
    const short = new OutputTail(5);
    short.push(src, 'a\n');
    short.push(src, '\nb\n');
    expect(short.last()).toEqual(['a', '', 'b']);
  });

  it('cuts a very long line', () => {
    const tail = new OutputTail();
    tail.push({}, `${'x'.repeat(10_000)}\n`);
    expect(tail.last()[0]!.length).toBe(500);
  });
});
