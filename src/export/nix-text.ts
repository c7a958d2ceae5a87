// Writing Nix: strings, attribute names and indented blocks. Every value devenv writes into a Nix file
// goes through nixString (or its content, inside a "..." of ours) or indentedText.

const KEYWORDS = new Set(['assert', 'else', 'if', 'in', 'inherit', 'let', 'or', 'rec', 'then', 'with']);

/** What goes between the quotes of a Nix "..." string: `"`, `\` and `${` escaped, line breaks as \n. */
export function nixStringContent(text: string): string {
  if (text.includes('\0')) throw new Error('a Nix string cannot hold a NUL character');
  return text.replace(/[\\"]|\$\{|\n|\r|\t/g, (m) =>
    m === '\n' ? '\\n' : m === '\r' ? '\\r' : m === '\t' ? '\\t' : `\\${m}`,
  );
}

/** A Nix "..." string. */
export function nixString(text: string): string {
  return `"${nixStringContent(text)}"`;
}

/** An attribute name: bare when it is an identifier, else quoted. */
export function nixAttr(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(name) && !KEYWORDS.has(name) ? name : nixString(name);
}

/**
 * The body of a Nix ''...'' string that holds `text` as it is. There `''` ends the string, `${`
 * interpolates, and `'''`, `''$` and `''\` + a character are the escapes. Every `$` is written `''$`,
 * and a `'` as `''\'` where it would otherwise join what follows into one of those (a `'` or `$` next,
 * or the string's closing `''` right after it). Escaping the two sequences one after the other is not
 * enough: `'${` would come out as `'''${`, an escaped `''` and then an interpolation.
 */
export function indentedText(text: string): string {
  if (text.includes('\0')) throw new Error('a Nix string cannot hold a NUL character');
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '$') out += "''$";
    else if (c === "'" && (next === undefined || next === "'" || next === '$')) out += "''\\'";
    else out += c;
  }
  return out;
}

export function indent(lines: string[], by: string): string[] {
  return lines.map((l) => (l === '' ? l : by + l));
}

export function attrLines(entries: [string, string][]): string[] {
  return entries.map(([k, v]) => `${nixAttr(k)} = ${v};`);
}
