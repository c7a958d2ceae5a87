// The marks devenv puts in the logs it writes, and how they are read back: every line begins with its
// time (RFC 3339, UTC, milliseconds, then one space; the process's bytes follow as it wrote them), and
// devenv.log gets one line at the start of each run. Postgres writes its own log; its lines begin with
// its log_line_prefix (`%m`, which devenv passes), read here too.

/** `2026-12-03T10:04:14.123Z`: the width of a time, without the space after it. */
export const STAMP_WIDTH = 24;

/** The time `ms` as it begins a log line (without the space). */
export function formatStamp(ms: number): string {
  return new Date(ms).toISOString();
}

let cachedMs = Number.NaN;
let cachedPrefix = '';
let cachedBytes = Buffer.alloc(0);

/** `<time> `, the prefix of a line written at `ms`: built once per millisecond (a flood writes many lines in one). */
export function stampPrefix(ms: number): string {
  if (ms !== cachedMs) {
    cachedMs = ms;
    cachedPrefix = `${formatStamp(ms)} `;
    cachedBytes = Buffer.from(cachedPrefix);
  }
  return cachedPrefix;
}

/** The same prefix as bytes. */
export function stampPrefixBytes(ms: number): Buffer {
  stampPrefix(ms);
  return cachedBytes;
}

const OURS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z $/;

/** A line of a log devenv wrote: its time and the text after it, or time null (an older devenv wrote no time). */
export function splitStamp(line: string): { time: number | null; text: string } {
  if (line.length > STAMP_WIDTH && line.charCodeAt(STAMP_WIDTH) === 32 && OURS.test(line.slice(0, STAMP_WIDTH + 1))) {
    return { time: Date.parse(line.slice(0, STAMP_WIDTH)), text: line.slice(STAMP_WIDTH + 1) };
  }
  return { time: null, text: line };
}

/** Postgres' `%m` (or `%t`, without milliseconds): `2026-12-03 10:04:14.123 UTC`, then a space. */
const POSTGRES =
  /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? ([A-Za-z][A-Za-z0-9/_+-]*|[+-]\d\d(?::?\d\d)?) /;
const UTC_NAMES = new Set(['UTC', 'GMT', 'Z', 'UCT', 'Etc/UTC', 'Universal', 'Zulu']);

/**
 * The time a line of postgres' log begins with, or null (a line continuing the one before, or a prefix
 * without a time). devenv passes log_timezone=UTC; a zone name postgres wrote under another setting (an
 * older devenv left the machine's zone) is read as this machine's local time, where initdb took it from.
 */
export function postgresTime(line: string): number | null {
  const m = POSTGRES.exec(line);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms] as const;
  const utc = Date.UTC(...fields);
  if (UTC_NAMES.has(zone!)) return utc;
  const offset = /^([+-])(\d\d):?(\d\d)?$/.exec(zone!);
  if (offset) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3] ?? 0);
    return utc - (offset[1] === '-' ? -minutes : minutes) * 60_000;
  }
  return new Date(...fields).getTime();
}

/** The line devenv.log gets at the start of each `devenv up`: the separator of `devenv logs` comes from it. */
export function runStartLine(pid: number): string {
  return `devenv up started (pid ${pid})`;
}

/** The pid of a run's start line, or null for any other line. */
export function runStartPid(text: string): number | null {
  const m = /^devenv up started \(pid (\d+)\)$/.exec(text);
  return m ? Number(m[1]) : null;
}
