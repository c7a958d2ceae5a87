// Writing Nix: strings, attribute names and indented blocks.

const KEYWORDS = new Set(['assert', 'else', 'if', 'in', 'inherit', 'let', 'or', 'rec', 'then', 'with']);

/** A Nix "..." string. */
export function nixString(text: string): string {
  return `"${text.replace(/[\\"]|\$\{|\n|\r|\t/g, (m) =>
    m === '\n' ? '\\n' : m === '\r' ? '\\r' : m === '\t' ? '\\t' : `\\${m}`,
  )}"`;
}

/** An attribute name: bare when it is an identifier, else quoted. */
export function nixAttr(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(name) && !KEYWORDS.has(name) ? name : nixString(name);
}

/** Text for a Nix ''...'' string: '' and ${ are escaped there as ''' and ''${. */
export function indentedText(text: string): string {
  return text.replaceAll("''", "'''").replaceAll('${', "''${");
}

export function indent(lines: string[], by: string): string[] {
  return lines.map((l) => (l === '' ? l : by + l));
}

export function attrLines(entries: [string, string][]): string[] {
  return entries.map(([k, v]) => `${nixAttr(k)} = ${v};`);
}
