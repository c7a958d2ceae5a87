/**
 * psql's command line, in psql's syntax (getopt: clustered short options such as `-XAtc SQL`,
 * `--long=value` or `--long value`, then a database name and a user name as positional arguments).
 */

/** What to run, in command-line order: `-c` strings and `-f` files mix as psql runs them. */
export type Action = { kind: 'command'; text: string } | { kind: 'file'; path: string };

export interface ShellOptions {
  actions: Action[];
  /** -v / --set / --variable NAME=VALUE, in order (a NAME alone unsets it). */
  variables: [string, string | undefined][];
  /** -P / --pset NAME[=VALUE], in order. */
  psets: [string, string | undefined][];
  dbname?: string;
  username?: string;
  host?: string;
  port?: string;
  list: boolean;
  singleTransaction: boolean;
  noReadline: boolean;
  quiet: boolean;
  version: boolean;
  /** psql's "warning:" lines (extra arguments). */
  warnings: string[];
  help: boolean;
}

export class OptionError extends Error {}

// Short options taking a value.
const WITH_VALUE = new Set(['c', 'd', 'f', 'v', 'F', 'R', 'P', 'h', 'p', 'U', 'o', 'L', 'T']);
const LONG: Record<string, string> = {
  command: 'c',
  dbname: 'd',
  file: 'f',
  set: 'v',
  variable: 'v',
  'field-separator': 'F',
  'record-separator': 'R',
  pset: 'P',
  host: 'h',
  port: 'p',
  username: 'U',
  output: 'o',
  'log-file': 'L',
  'table-attr': 'T',
  list: 'l',
  version: 'V',
  'no-psqlrc': 'X',
  'single-transaction': '1',
  'echo-all': 'a',
  'echo-errors': 'b',
  'echo-queries': 'e',
  'echo-hidden': 'E',
  'no-readline': 'n',
  quiet: 'q',
  'single-step': 's',
  'single-line': 'S',
  'no-align': 'A',
  html: 'H',
  'tuples-only': 't',
  expanded: 'x',
  'field-separator-zero': 'z',
  'record-separator-zero': '0',
  'no-password': 'w',
  password: 'W',
  help: '?',
  csv: 'csv',
};

/** Options psql has that the built-in shell does not: refused with one line rather than ignored. */
const UNSUPPORTED: Record<string, string> = {
  o: '-o/--output',
  L: '-L/--log-file',
  T: '-T/--table-attr',
  H: '-H/--html',
  s: '-s/--single-step',
  S: '-S/--single-line',
};

// Long on purpose: one case per psql option (a list, not logic).
function apply(o: ShellOptions, flag: string, value: string | undefined): void {
  const v = value ?? '';
  if (flag in UNSUPPORTED) throw new OptionError(`${UNSUPPORTED[flag]} is not supported by the built-in shell`);
  switch (flag) {
    case 'c':
      o.actions.push({ kind: 'command', text: v });
      break;
    case 'f':
      o.actions.push({ kind: 'file', path: v });
      break;
    case 'd':
      o.dbname = v;
      break;
    case 'U':
      o.username = v;
      break;
    case 'h':
      o.host = v;
      break;
    case 'p':
      o.port = v;
      break;
    case 'v': {
      const eq = v.indexOf('=');
      if (eq <= 0) {
        if (eq === 0) throw new OptionError(`could not set variable "${v}"`);
        o.variables.push([v, undefined]);
      } else o.variables.push([v.slice(0, eq), v.slice(eq + 1)]);
      break;
    }
    case 'P': {
      const eq = v.indexOf('=');
      o.psets.push(eq < 0 ? [v, undefined] : [v.slice(0, eq), v.slice(eq + 1)]);
      break;
    }
    case 'F':
      o.psets.push(['fieldsep', v]);
      break;
    case 'R':
      o.psets.push(['recordsep', v]);
      break;
    case 'z':
      o.psets.push(['fieldsep_zero', undefined]);
      break;
    case '0':
      o.psets.push(['recordsep_zero', undefined]);
      break;
    case 'A':
      o.psets.push(['format', 'unaligned']);
      break;
    case 'csv':
      o.psets.push(['format', 'csv']);
      break;
    case 't':
      o.psets.push(['tuples_only', 'on']);
      break;
    case 'x':
      o.psets.push(['expanded', 'on']);
      break;
    case 'q':
      o.quiet = true;
      o.variables.push(['QUIET', 'on']);
      break;
    case 'a':
      o.variables.push(['ECHO', 'all']);
      break;
    case 'b':
      o.variables.push(['ECHO', 'errors']);
      break;
    case 'e':
      o.variables.push(['ECHO', 'queries']);
      break;
    case 'E':
      o.variables.push(['ECHO_HIDDEN', 'on']);
      break;
    case 'l':
      o.list = true;
      break;
    case '1':
      o.singleTransaction = true;
      break;
    case 'n':
      o.noReadline = true;
      break;
    case 'V':
      o.version = true;
      break;
    case '?':
      o.help = true;
      break;
    // -X (no psqlrc: the built-in shell reads none), -w, -W (the project socket needs no password)
  }
}

export function parseOptions(argv: string[]): ShellOptions {
  const o: ShellOptions = {
    actions: [],
    variables: [],
    psets: [],
    list: false,
    singleTransaction: false,
    noReadline: false,
    quiet: false,
    version: false,
    help: false,
    warnings: [],
  };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const flag = LONG[name];
      if (!flag) throw new OptionError(`unrecognized option '${arg}'`);
      let value = eq < 0 ? undefined : arg.slice(eq + 1);
      if (WITH_VALUE.has(flag) && value === undefined) {
        if (i + 1 >= argv.length) throw new OptionError(`option '--${name}' requires an argument`);
        value = argv[++i];
      }
      apply(o, flag, value);
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let k = 1; k < arg.length; k++) {
        const flag = arg[k]!;
        if (!WITH_VALUE.has(flag) && !(flag in LONG_SHORTS)) throw new OptionError(`invalid option -- '${flag}'`);
        if (WITH_VALUE.has(flag)) {
          let value = arg.slice(k + 1);
          if (value === '') {
            if (i + 1 >= argv.length) throw new OptionError(`option requires an argument -- '${flag}'`);
            value = argv[++i]!;
          }
          apply(o, flag, value);
          break;
        }
        apply(o, flag, undefined);
      }
    } else positional.push(arg);
  }
  // As psql: the first positional is the database (unless -d gave one), the next the user (unless -U did).
  if (positional.length > 0 && o.dbname === undefined) o.dbname = positional.shift();
  if (positional.length > 0 && o.username === undefined) o.username = positional.shift();
  for (const extra of positional) o.warnings.push(`extra command-line argument "${extra}" ignored`);
  return o;
}

/** Every single-letter flag psql knows (those without a value). */
const LONG_SHORTS: Record<string, true> = Object.fromEntries(
  ['l', 'V', 'X', '1', 'a', 'b', 'e', 'E', 'n', 'q', 's', 'S', 'A', 'H', 't', 'x', 'z', '0', 'w', 'W', '?'].map((f) => [
    f,
    true,
  ]),
);
