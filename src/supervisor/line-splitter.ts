// A byte stream cut into lines, in bounded memory: what the supervisor reads from each process.
import { StringDecoder } from 'node:string_decoder';

/** Longest piece of a line held in memory; longer lines are emitted in pieces of this size. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Splits a byte stream into lines. Holds a partial line until its newline (or end()), and never
 * more than `maxChars` of it: an endless line comes out in pieces instead of growing memory.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8'); // never cuts a multi-byte character
  private partial = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxChars = MAX_LINE_CHARS,
  ) {}

  push(chunk: Buffer | string): void {
    let text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
      this.emitLine(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    while (text.length >= this.maxChars) {
      const cut = safeCut(text, this.maxChars);
      this.onLine(text.slice(0, cut));
      text = text.slice(cut);
    }
    this.partial = text;
  }

  /** Emit whatever partial line is held (the stream ended or the process exited). */
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.emitLine(rest);
  }

  private emitLine(line: string): void {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    // A single chunk can carry a long line before its newline: split it too.
    while (line.length > this.maxChars) {
      const cut = safeCut(line, this.maxChars);
      this.onLine(line.slice(0, cut));
      line = line.slice(cut);
    }
    this.onLine(line);
  }
}

// Do not split a UTF-16 surrogate pair.
function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}
