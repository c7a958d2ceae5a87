// systemd's unit file syntax in one place: every value devenv writes into a unit passes through one of
// these functions, which quote it or refuse it with one line. What systemd does (systemd.syntax(7),
// systemd.service(5), and its v252 parser):
// - a line ends at a line feed, a carriage return or a NUL; a line ending in a backslash goes on with the
//   next one; a value loses its leading and trailing whitespace;
// - `%` starts a specifier in nearly every setting (`%%` is a `%`), even after unquoting;
// - ExecStart= splits into words, unquoting and C-unescaping them, and only then reads `- @ : + !` (and
//   `!!`) at the start of the first word as prefixes, so quoting cannot make them literal; a lone `;`
//   separates commands; `$NAME` and `${NAME}` are substituted in the arguments (`$$` is a `$`), never in
//   the program path.
import { UserError } from '../errors.js';
import { shown } from '../util/show.js';
import type { Word } from './command-line.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for
const CONTROL = /[\u0000-\u001f\u007f]/;

function cut(text: string): string {
  return shown(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/** A literal `%` in any setting systemd expands specifiers in. */
export function specifiers(text: string): string {
  return text.replaceAll('%', '%%');
}

/**
 * A value written as it is: settings that take no quoting (WorkingDirectory=, Description=, User=).
 * What such a value cannot hold is refused; `where` names it in devenv.json.
 */
export function unitValue(text: string, where: string): string {
  const problem = CONTROL.test(text)
    ? 'has a control character'
    : text.trim() !== text
      ? 'starts or ends with whitespace, which systemd drops'
      : text.endsWith('\\')
        ? 'ends with a backslash, which would join the next line to it'
        : null;
  if (problem) throw new UserError(`${where}: ${cut(text)} ${problem}; a unit file cannot hold it as it is`);
  return specifiers(text);
}

const C_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r' };

/** Text for inside "...": C escapes for the quote, the backslash and every control character. */
function cEscape(text: string, where: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are escaped
  return text.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    if (c === '\0') throw new UserError(`${where}: has a NUL character, which no program argument can hold`);
    return C_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** Text systemd would split, unquote or unescape, or read as a separator (a lone `;`). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters need the quotes
const NEEDS_QUOTES = /[\s"'\\;\u0000-\u001f\u007f]/;

/** One argument of ExecStart= (never the program): literal text and ${NAME} references, as sh meant them. */
export function execWord(word: Word, where: string): string {
  const only = word.parts[0];
  // An unquoted $NAME alone: systemd splits its value at whitespace, as sh does.
  if (word.splits && only && 'variable' in only) return `$${only.variable}`;
  let out = '';
  let quote = false;
  for (const part of word.parts) {
    if ('variable' in part) {
      // ${NAME} is one argument whatever its value holds, quoted or not.
      out += `\${${part.variable}}`;
    } else {
      if (NEEDS_QUOTES.test(part.text)) quote = true;
      out += specifiers(cEscape(part.text, where)).replaceAll('$', '$$$$');
    }
  }
  return quote || out === '' ? `"${out}"` : out;
}

/** One literal argument of ExecStart=. */
export function execArg(text: string, where: string): string {
  return execWord({ parts: [{ text }], splits: false }, where);
}

/** Why `program` cannot be the first word of ExecStart=, or null. */
export function programProblem(program: string): string | null {
  if (program === '' || program === ';' || program === '.' || program === '..') return 'is not a program';
  if (/^[-@:+!]/.test(program)) {
    return `starts with ${program[0]}, which ExecStart= reads as a prefix (+ would run it as root, unsandboxed)`;
  }
  if (CONTROL.test(program) || /[$"'\\]/.test(program)) {
    return `has a character systemd takes in no program path ($, quotes, backslash or a control character)`;
  }
  if (program.endsWith('/')) return 'ends with /';
  return null;
}

/** The program of ExecStart=: an absolute path, or a name systemd looks up in its fixed search path. */
export function execProgram(program: string, where: string): string {
  const problem = programProblem(program);
  if (problem) {
    throw new UserError(
      `${where}: the program ${cut(program)} ${problem}; rename it, or give its path on the server with ` +
        '--exec-start',
    );
  }
  const out = specifiers(program);
  return NEEDS_QUOTES.test(program) ? `"${out}"` : out;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** systemd takes letters, digits and _ in a variable name (and no digit first). */
export function isEnvName(key: string): boolean {
  return ENV_NAME.test(key);
}

/** An Environment= line: plain when the value is plain, else quoted and C-escaped. */
export function environmentLine(key: string, value: string, where: string): string {
  if (!isEnvName(key)) throw new UserError(`${where}: ${cut(key)} is not a variable name systemd takes`);
  const assignment = `${key}=${value}`;
  const plain = /^[A-Za-z0-9_=:,./@%+-]*$/.test(value);
  return `Environment=${plain ? specifiers(assignment) : `"${specifiers(cEscape(assignment, where))}"`}`;
}
