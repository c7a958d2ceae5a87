/** Generated files are read and edited by people: their comments wrap at this width. */
export const COMMENT_WIDTH = 100;

/**
 * `text` as comment lines starting with `prefix` ("# ", "-- "), wrapped at word boundaries. Every
 * format here ends a comment at a line break: whitespace of any kind becomes a space, and any other
 * control character is written as its \uXXXX escape, so no text can end the comment early.
 */
export function comment(text: string, prefix = '# ', width = COMMENT_WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we replace
  const visible = text.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    /\s/.test(c) ? ' ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  for (const word of visible.split(/\s+/).filter(Boolean)) {
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
