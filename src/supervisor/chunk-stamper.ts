import { stampPrefixBytes } from './log-stamp.js';

const NEWLINE = Buffer.from('\n');

/**
 * Turns what one process stream sends into whole log lines, each beginning with the time it was
 * written (the bytes themselves stay as the process wrote them). A partial last line is held until
 * its newline, so two streams writing the same file never share a line, and never beyond `maxLine`
 * bytes: an endless line is written in pieces. A held line gets the time it is written at, so the
 * times in a file only go forward. Byte work, no decoding: a process flooding its output (`yes`)
 * costs a copy and a few bytes a line, not a string per line.
 */
export class ChunkStamper {
  private held: Buffer | null = null;
  /** Where each newline of the chunk at hand is (reused: no allocation per chunk). */
  private ends = new Int32Array(4096);

  constructor(private readonly maxLine: number) {}

  /** The lines `chunk` completes (what was held first), each after the time `now`, or null for none. */
  push(chunk: Buffer, now: number): Buffer | null {
    const count = this.findEnds(chunk);
    if (count === 0) {
      this.held = this.held ? Buffer.concat([this.held, chunk]) : Buffer.from(chunk);
      return this.held.length >= this.maxLine ? this.end(now) : null;
    }
    const prefix = stampPrefixBytes(now);
    const held = this.held;
    const last = this.ends[count - 1]!;
    const out = Buffer.allocUnsafe((held?.length ?? 0) + last + 1 + count * prefix.length);
    let at = 0;
    let pos = 0;
    for (let n = 0; n < count; n++) {
      at = copyBytes(prefix, out, at, 0, prefix.length);
      if (n === 0 && held) at += held.copy(out, at);
      const end = this.ends[n]! + 1;
      at = copyBytes(chunk, out, at, pos, end);
      pos = end;
    }
    this.held = pos < chunk.length ? Buffer.from(chunk.subarray(pos)) : null;
    return out;
  }

  /** The held partial line after the time `now`, ended with a newline (the stream ended), or null. */
  end(now: number): Buffer | null {
    const held = this.held;
    this.held = null;
    return held ? Buffer.concat([stampPrefixBytes(now), held, NEWLINE]) : null;
  }

  private findEnds(chunk: Buffer): number {
    let count = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
      if (count === this.ends.length) {
        const more = new Int32Array(this.ends.length * 2);
        more.set(this.ends);
        this.ends = more;
      }
      this.ends[count++] = i;
    }
    return count;
  }
}

/** Copy bytes [from, to) of `src` into `dst` at `at`; short runs by hand (a native call costs more). */
function copyBytes(src: Buffer, dst: Buffer, at: number, from: number, to: number): number {
  if (to - from > 48) return at + src.copy(dst, at, from, to);
  for (let i = from; i < to; i++) dst[at++] = src[i]!;
  return at;
}
