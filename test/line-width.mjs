// Part of `npm run lint`: no line of code longer than the formatter's width. Biome wraps code but
// never splits a string, so a long message would stay long: split it into parts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const width = Number(/"lineWidth":\s*(\d+)/.exec(readFileSync('biome.jsonc', 'utf8'))?.[1]);
if (!width) throw new Error('no formatter.lineWidth in biome.jsonc');
// The code Biome formats (JSON data and Markdown prose are not code; the shell hooks are not Biome's).
const code = ['src/*.ts', 'test/*.ts', 'test/*.mjs', 'examples/*.js'];
const files = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', '--deduplicate', '--', ...code],
  {
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter(Boolean);
let long = 0;
for (const file of files) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const length = [...line].length;
      if (length <= width) return;
      long++;
      process.stderr.write(`${file}:${i + 1}: ${length} characters (the limit is ${width})\n`);
    });
}
if (long) {
  process.stderr.write(`${long} line${long > 1 ? 's' : ''} over ${width} characters: split them\n`);
  process.exit(1);
}
