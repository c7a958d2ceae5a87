import { describe, expect, it } from 'vitest';
import { ProcfileError, parseProcfile } from '../../src/project/procfile.js';

describe('Procfile', () => {
  it('parses entries, skipping comments and blank lines, keeping the command verbatim', () => {
    const text = [
      '# dev processes',
      '',
      'web: node server.js --port $PORT',
      '   ',
      "  worker_2-b:bundle exec sidekiq -q 'a:b' # shell comment stays",
      '\t# indented comment',
      'css: npx tailwind -w\r',
    ].join('\n');
    expect(parseProcfile(text, 'Procfile.dev')).toEqual([
      { name: 'web', command: 'node server.js --port $PORT', line: 3 },
      { name: 'worker_2-b', command: "bundle exec sidekiq -q 'a:b' # shell comment stays", line: 5 },
      { name: 'css', command: 'npx tailwind -w', line: 7 },
    ]);
  });

  it.each([
    ['web node server.js', 'Procfile:2: expected "name: command", got "web node server.js"'],
    ['we b: x', 'Procfile:2: invalid process name "we b" (use letters, digits, _ and -, at most 32)'],
    ['web.1: x', 'Procfile:2: invalid process name "web.1" (use letters, digits, _ and -, at most 32)'],
    [': x', 'Procfile:2: invalid process name "" (use letters, digits, _ and -, at most 32)'],
    ['web:   ', 'Procfile:2: process "web" has no command'],
    [
      `${'a'.repeat(300)}: x`,
      `Procfile:2: invalid process name "${'a'.repeat(40)}…" (use letters, digits, _ and -, at most 32)`,
    ],
    ['ok: again', 'Procfile:2: process "ok" is already defined on line 1'],
  ])('rejects %j naming file and line', (bad, msg) => {
    let err: unknown;
    try {
      parseProcfile(`ok: true\n${bad}\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProcfileError);
    expect((err as ProcfileError).message).toBe(msg);
    expect((err as ProcfileError).line).toBe(2);
  });

  it('ignores a byte-order mark an editor put first', () => {
    expect(parseProcfile('\uFEFFweb: echo hi\n')).toEqual([{ name: 'web', command: 'echo hi', line: 1 }]);
  });

  it('an empty Procfile has no processes', () => {
    expect(parseProcfile('# nothing yet\n\n')).toEqual([]);
  });
});
