// A process command is a /bin/sh command line. Production formats run programs directly (systemd's
// ExecStart= splits words itself), so a command is read here as plain words when sh would do nothing
// more than split, unquote and substitute variables; anything else is named, and the caller keeps sh.

/** Literal text, or a reference to an environment variable ($NAME or ${NAME}). */
export type Part = { text: string } | { variable: string };

export interface Word {
  parts: Part[];
  /** The word is one unquoted $NAME: sh splits its value at whitespace. */
  splits: boolean;
}

export type ParsedCommand =
  | { kind: 'words'; words: Word[] }
  /** `feature` names the first shell construct found, for a message ("a pipe (|)"). */
  | { kind: 'shell'; feature: string };

/** Shell words that are builtins or keywords, not programs. */
const SHELL_WORDS = new Set([
  '.',
  ':',
  '!',
  '[',
  '[[',
  'alias',
  'case',
  'cd',
  'eval',
  'export',
  'for',
  'if',
  'read',
  'set',
  'source',
  'trap',
  'ulimit',
  'umask',
  'unset',
  'until',
  'wait',
  'while',
]);

const OPERATORS: Record<string, string> = {
  '|': 'a pipe (|)',
  '&': 'a control operator (&)',
  ';': 'a command separator (;)',
  '<': 'a redirection (<)',
  '>': 'a redirection (>)',
  '(': 'a subshell (()',
  ')': 'a subshell ())',
  '`': 'a command substitution (`)',
  '*': 'a glob (*)',
  '?': 'a glob (?)',
  '[': 'a glob ([)',
  '{': 'a brace ({)',
  '}': 'a brace (})',
};

class ShellSyntax extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Reads $NAME or ${NAME} at text[i] (a '$'); returns the name and the index after it. */
function readVariable(text: string, i: number): { name: string; end: number } {
  if (text[i + 1] === '{') {
    const close = text.indexOf('}', i + 2);
    const inner = close === -1 ? '' : text.slice(i + 2, close);
    const m = NAME.exec(inner);
    if (!m || m[0] !== inner) throw new ShellSyntax('a parameter expansion (${...})');
    return { name: inner, end: close + 1 };
  }
  const m = NAME.exec(text.slice(i + 1));
  if (!m) {
    if (text[i + 1] === '(') throw new ShellSyntax('a command substitution ($(...))');
    throw new ShellSyntax(`a special parameter ($${text[i + 1] ?? ''})`);
  }
  return { name: m[0], end: i + 1 + m[0].length };
}

/** Split a command line the way sh would, or say which shell feature it needs. */
export function parseCommand(command: string): ParsedCommand {
  try {
    const words = splitWords(command.trim());
    if (words.length === 0) throw new ShellSyntax('no command');
    // `exec prog args` is `prog args` for a process of its own.
    if (isLiteral(words[0]!, 'exec') && words.length > 1) words.shift();
    const first = words[0]!;
    const firstText = literalText(first);
    if (firstText === null) throw new ShellSyntax('a variable as the program');
    if (SHELL_WORDS.has(firstText)) throw new ShellSyntax(`the shell builtin ${firstText}`);
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(firstText)) throw new ShellSyntax('a variable assignment (NAME=value)');
    return { kind: 'words', words };
  } catch (err) {
    if (err instanceof ShellSyntax) return { kind: 'shell', feature: err.message };
    throw err;
  }
}

function isLiteral(word: Word, text: string): boolean {
  return literalText(word) === text;
}

/** The word's text when it has no variable in it, else null. */
export function literalText(word: Word): string | null {
  let out = '';
  for (const p of word.parts) {
    if ('variable' in p) return null;
    out += p.text;
  }
  return out;
}

function splitWords(line: string): Word[] {
  const words: Word[] = [];
  let parts: Part[] | null = null;
  let onlyBareVariable = false;
  const add = (part: Part) => {
    parts ??= [];
    if ('text' in part && part.text === '' && parts.length > 0) return;
    const last = parts[parts.length - 1];
    if (last && 'text' in last && 'text' in part) last.text += part.text;
    else parts.push(part);
  };
  const end = () => {
    if (parts) words.push({ parts, splits: onlyBareVariable && parts.length === 1 && 'variable' in parts[0]! });
    parts = null;
    onlyBareVariable = false;
  };
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      end();
      i++;
    } else if (c === '\n' || c === '\r') {
      throw new ShellSyntax('a line break');
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close === -1) throw new ShellSyntax("an unterminated quote (')");
      add({ text: line.slice(i + 1, close) });
      i = close + 1;
    } else if (c === '"') {
      i = readDoubleQuoted(line, i + 1, add);
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new ShellSyntax('a trailing backslash');
      add({ text: line[i + 1]! });
      i += 2;
    } else if (c === '$') {
      const v = readVariable(line, i);
      if (parts === null) onlyBareVariable = true;
      add({ variable: v.name });
      i = v.end;
    } else if (OPERATORS[c]) {
      throw new ShellSyntax(OPERATORS[c]);
    } else if (parts === null && (c === '~' || c === '#')) {
      throw new ShellSyntax(c === '~' ? 'a home directory (~)' : 'a comment (#)');
    } else {
      add({ text: c });
      i++;
    }
  }
  end();
  return words;
}

/** Reads a "..." string from `i` (after the opening quote); returns the index after the closing quote. */
function readDoubleQuoted(line: string, i: number, add: (p: Part) => void): number {
  while (i < line.length) {
    const c = line[i]!;
    if (c === '"') {
      // An empty "" is still a word.
      add({ text: '' });
      return i + 1;
    }
    if (c === '\\' && i + 1 < line.length && '$`"\\'.includes(line[i + 1]!)) {
      add({ text: line[i + 1]! });
      i += 2;
    } else if (c === '$') {
      const v = readVariable(line, i);
      add({ variable: v.name });
      i = v.end;
    } else if (c === '`') {
      throw new ShellSyntax('a command substitution (`)');
    } else {
      add({ text: c });
      i++;
    }
  }
  throw new ShellSyntax('an unterminated quote (")');
}
