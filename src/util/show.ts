// User text inside a message: a message is one line of plain text on a terminal, whatever the text holds.

/**
 * `text` as a JSON string with every control character escaped: JSON.stringify leaves DEL, the C1
 * controls and the Unicode line and paragraph separators as they are.
 */
export function shown(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
