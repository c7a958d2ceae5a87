/**
 * Errors and notices as psql prints them (default verbosity): `ERROR:  message`, the statement line with
 * a caret under the error position (`LINE 2: …`, cut to 60 columns with `...` around a long line),
 * then DETAIL, HINT, QUERY and, for errors only, CONTEXT.
 */
import { charWidth } from './display-width.js';

export interface ServerMessage {
  severity?: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
  where?: string;
}

/** A line of the query is cut to this many screen columns around the error position... */
const DISPLAY_COLUMNS = 60;
/** ...keeping at least this many columns to the right of the caret. */
const RIGHT_MARGIN = 10;

function isNewline(chars: string[], k: number): boolean {
  return chars[k] === '\n' || chars[k] === '\r';
}

/** The `LINE n: …` line and the caret line under it, for a 1-based character position in `query`. */
export function errorPosition(query: string, position: number, label = 'LINE'): string {
  const chars = Array.from(query);
  const loc = Math.min(Math.max(position - 1, 0), chars.length);
  let lineNo = 1;
  let start = 0;
  for (let k = 0; k < loc; k++) {
    if (!isNewline(chars, k)) continue;
    if (chars[k] === '\r' && chars[k + 1] === '\n') continue; // \r\n is one line end
    lineNo++;
    start = k + 1;
  }
  let end = loc;
  while (end < chars.length && !isNewline(chars, end)) end++;
  // Screen column of each character of the line (a tab shows as one space).
  const col: number[] = [0];
  for (let k = start; k < end; k++) col.push(col[k - start]! + Math.max(1, charWidth(chars[k]!.codePointAt(0)!)));
  const at = (k: number) => col[k - start]!;
  let begin = start;
  let stop = end;
  if (at(stop) - at(begin) > DISPLAY_COLUMNS) {
    if (at(loc) + RIGHT_MARGIN <= DISPLAY_COLUMNS) {
      while (at(stop) - at(begin) > DISPLAY_COLUMNS) stop--;
    } else {
      while (stop > loc && at(stop) - at(loc) > RIGHT_MARGIN) stop--;
      while (at(stop) - at(begin) > DISPLAY_COLUMNS) begin++;
    }
  }
  const text = chars
    .slice(begin, stop)
    .map((c) => (c === '\t' ? ' ' : c))
    .join('');
  const prefix = `${label} ${lineNo}: ${begin > start ? '...' : ''}`;
  const caret = prefix.length + at(loc) - at(begin);
  return `${prefix}${text}${stop < end ? '...' : ''}\n${' '.repeat(caret)}^\n`;
}

/** The whole report; `query` is the statement as sent, for the caret. */
export function formatServerMessage(msg: ServerMessage, query: string | undefined, prefix = ''): string {
  const severity = msg.severity ?? 'ERROR';
  let out = `${prefix}${severity}:  ${msg.message}\n`;
  const position = Number(msg.position);
  const internal = Number(msg.internalPosition);
  if (position > 0 && query !== undefined) out += errorPosition(query, position);
  else if (internal > 0 && msg.internalQuery) out += errorPosition(msg.internalQuery, internal);
  if (msg.detail) out += `DETAIL:  ${msg.detail}\n`;
  if (msg.hint) out += `HINT:  ${msg.hint}\n`;
  if (msg.internalQuery) out += `QUERY:  ${msg.internalQuery}\n`;
  if (msg.where && /^(ERROR|FATAL|PANIC)$/.test(severity)) out += `CONTEXT:  ${msg.where}\n`;
  return out;
}
