/** Generated files are read and edited by people: their comments wrap at this width. */
export const COMMENT_WIDTH = 100;

/** `text` as comment lines starting with `prefix` ("# ", "-- "), wrapped at word boundaries. */
export function comment(text: string, prefix = '# ', width = COMMENT_WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(prefix + line);
  return lines;
}
