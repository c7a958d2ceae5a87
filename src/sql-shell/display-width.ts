/**
 * How psql shows a value on a terminal: screen width per character (East Asian wide and fullwidth
 * characters take two columns, combining marks none) and the cell text as printed (a tab moves to the
 * next multiple of 8, control characters become `\xHH`, `\r` or `\uHHHH`, a newline starts a new line
 * of the cell).
 */
import { eastAsianWidth } from 'get-east-asian-width';

const COMBINING = /^[\p{Mn}\p{Me}]$/u;

/** Screen columns of one code point: -1 for a control character (shown escaped), else 0, 1 or 2. */
export function charWidth(cp: number): number {
  if (cp === 0) return 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return -1;
  if (cp < 0x300) return 1;
  if (COMBINING.test(String.fromCodePoint(cp))) return 0;
  return eastAsianWidth(cp);
}

/** Screen width of a text without newlines, control characters counted as psql counts them in titles. */
export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0)!);
    width += w < 0 ? 1 : w;
  }
  return width;
}

export interface CellLine {
  text: string;
  width: number;
}

function hex(cp: number, digits: number): string {
  return cp.toString(16).toUpperCase().padStart(digits, '0');
}

/** A value as psql prints it in aligned and expanded output: its lines and their screen widths. */
export function cellLines(value: string): CellLine[] {
  const lines: CellLine[] = [];
  let text = '';
  let width = 0;
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (cp === 10) {
      lines.push({ text, width });
      text = '';
      width = 0;
    } else if (cp === 9) {
      do {
        text += ' ';
        width++;
      } while (width % 8 !== 0);
    } else if (cp === 13) {
      text += '\\r';
      width += 2;
    } else {
      const w = charWidth(cp);
      if (w >= 0) {
        text += ch;
        width += w;
      } else if (cp < 0x80) {
        text += `\\x${hex(cp, 2)}`;
        width += 4;
      } else if (cp <= 0xffff) {
        text += `\\u${hex(cp, 4)}`;
        width += 6;
      } else {
        text += `\\U${hex(cp, 8)}`;
        width += 10;
      }
    }
  }
  lines.push({ text, width });
  return lines;
}

/** The widest line of a cell. */
export function cellWidth(lines: CellLine[]): number {
  let max = 0;
  for (const l of lines) if (l.width > max) max = l.width;
  return max;
}
