// Reading the output of ps, lsof and df as both their BSD (macOS) and their Linux (procps, lsof, GNU
// coreutils) versions write it: only the columns and forms POSIX or both manuals define.
import type { Filesystem, ProcessFacts } from './platform.js';
import { startStamp } from './start-stamp.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `ps -o lstart` in the C locale with TZ=UTC0: strftime's `%c` on macOS, ctime(3) in procps, the same text
 * ("Thu Dec  3 11:20:47 2026"). Seconds since the epoch, or null for anything else.
 */
export function parseLstart(text: string): number | null {
  const m = /^[A-Z][a-z]{2} +([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(text.trim());
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) return null;
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) / 1000;
}

/** A line of `ps -o pid= -o ppid= -o pgid= -o uid= -o stat= -o lstart=`, or null if it is not one. */
export function parseFactsLine(line: string): (ProcessFacts & { pid: number }) | null {
  const f = line.trim().split(/\s+/);
  const started = parseLstart(f.slice(5).join(' '));
  if (f.length !== 10 || started === null) return null;
  const [pid, ppid, pgid, uid] = f.slice(0, 4).map(Number) as [number, number, number, number];
  // The first letter of the state is the run state in both: Z for a zombie (procps also has X, dead).
  return { pid, ppid, pgid, uid, zombie: /^[ZX]/.test(f[4]!), start: startStamp(started) };
}

/** Lines of `ps -o pid= -o REST=` (REST last: it may hold spaces): pid → REST. */
export function parsePidLines(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+) (.*)$/.exec(line);
    if (m) out.set(Number(m[1]), m[2]!.trimEnd());
  }
  return out;
}

const C_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * A name as lsof prints it in the C locale: every byte it does not count printable written as `\xHH`,
 * `\[bfnrt]` or `^X` (lsof(8), "OUTPUT"); UTF-8 names come back whole. A name that itself holds such a
 * sequence (a literal backslash-x-hex or caret-capital) cannot be told apart from one and is misread.
 */
export function decodeLsofName(raw: string): string {
  const bytes = raw.replace(/\\x([0-9a-fA-F]{2})|\\([bfnrt])|\^([@A-Z[\\\]^_?])/g, (_, hex, c, ctl) => {
    if (hex) return String.fromCharCode(Number.parseInt(hex, 16));
    if (c) return C_ESCAPES[c]!;
    return String.fromCharCode(ctl === '?' ? 0x7f : ctl.charCodeAt(0) - 0x40);
  });
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/**
 * `lsof -F n` output: a `p<pid>` line starts each process, an `n<name>` line names each of its files (other
 * field lines, such as `f<fd>`, are skipped). pid → names.
 */
export function parseLsofNames(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let names: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('p')) {
      names = [];
      out.set(Number(line.slice(1)), names);
    } else if (line.startsWith('n')) {
      names.push(decodeLsofName(line.slice(1)));
    }
  }
  return out;
}

/**
 * `df -P -k PATH`: a header, then "Filesystem 1024-blocks Used Available Capacity Mounted-on" on one line.
 * The filesystem's name may hold spaces (macOS's "map auto_home"), so the numbers are found from its end;
 * the mount point is the rest of the line.
 */
export function parseDf(text: string): Filesystem | null {
  const line = text.split('\n')[1] ?? '';
  const m = /^.*?\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:\d+%|-)\s+(\/.*)$/.exec(line);
  if (!m) return null;
  return { mount: m[4]!, free: Number(m[3]) * 1024, total: Number(m[1]) * 1024 };
}
