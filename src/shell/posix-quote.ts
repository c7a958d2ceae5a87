/** Single quotes take every byte literally in bash and zsh; a quote itself is closed, escaped, reopened. */
export function singleQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
