// What cannot stand in a generated file is refused before anything is written, in one line naming the
// key: control characters at config load (per field: tab and line break are kept only where they mean
// something, in commands and env values), and at export what a format cannot hold (an ExecStart= prefix
// on a program, a working directory systemd would trim, a wildcard site with subdomains). Values no
// export carries never show up in one.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { exportCaddy } from '../../src/export/caddy.js';
import { buildDeployModel, type ExportOptions } from '../../src/export/deploy-model.js';
import { exportNixos } from '../../src/export/nixos.js';
import { checkDomain } from '../../src/export/sites.js';
import { exportSystemd } from '../../src/export/systemd.js';
import { loadConfig } from '../../src/project/config.js';
import { shown } from '../../src/util/show.js';
import { devenv, tempDir } from '../helpers/project.js';
import { CONTROL, MULTILINE, PRINTABLE } from './hostile.js';

let dir: string;
beforeEach(() => {
  dir = path.join(tempDir('export-refusals'), 'app');
  mkdirSync(dir);
});
afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

function write(config: object): void {
  writeFileSync(path.join(dir, 'devenv.json'), JSON.stringify(config));
}

/** The UserError message of `fn`, checked to be one printable line. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: one line holds no control character
    expect(message).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
    return message;
  }
  throw new Error('expected a refusal');
}

const web = (extra: object) => ({ processes: { web: { command: 'node s.js', ...extra } } });

/** Each field that takes text: where devenv.json holds it, and what it takes. */
const FIELDS: [string, (v: string) => object, 'text' | 'name'][] = [
  ['processes.web.command', (v) => ({ processes: { web: { command: v } } }), 'text'],
  ['processes.web.cwd', (v) => web({ cwd: v }), 'name'],
  ['processes.web.env', (v) => web({ env: { [v]: 'x' } }), 'name'],
  ['processes.web.env.V', (v) => web({ env: { V: v } }), 'text'],
  ['processes.web.watch[0]', (v) => web({ watch: [v] }), 'name'],
  ['watch.paths[0]', (v) => ({ watch: { paths: [v] } }), 'name'],
  ['watch.ignore[0]', (v) => ({ watch: { ignore: [v] } }), 'name'],
  ['postgres.database', (v) => ({ postgres: { database: v } }), 'name'],
  ['postgres.databases[0]', (v) => ({ postgres: { databases: [v] } }), 'name'],
  ['postgres.role', (v) => ({ postgres: { role: v } }), 'name'],
  ['postgres.extensions[0]', (v) => ({ postgres: { extensions: [v] } }), 'name'],
  ['postgres.setup[0]', (v) => ({ postgres: { setup: [v] } }), 'name'],
  ['postgres.setup[0].command', (v) => ({ postgres: { setup: [{ command: v }] } }), 'text'],
  ['postgres.binaries', (v) => ({ postgres: { binaries: v } }), 'name'],
  ['postgres.runAs', (v) => ({ postgres: { runAs: v } }), 'name'],
];

describe('config load', () => {
  it.each(FIELDS)('%s: refuses control characters (a text field keeps tab and line break)', (where, put, rule) => {
    for (const [label, value] of rule === 'text' ? CONTROL : [...CONTROL, ...MULTILINE]) {
      write(put(`a${value}`));
      const message = refusal(() => loadConfig(dir));
      expect(message, label).toMatch(`${path.join(dir, 'devenv.json')}: ${where}: `);
      expect(message, label).toMatch(/ contains a control character \(| has half a surrogate pair/);
    }
    if (rule === 'text') {
      for (const [, value] of MULTILINE) {
        write(put(value));
        expect(() => loadConfig(dir)).not.toThrow();
      }
    }
  });

  it('a process name, a port or a settings name that is not one is refused by the schema, in one line', () => {
    for (const [, value] of [...CONTROL, ...MULTILINE, ...PRINTABLE]) {
      write({ processes: { [value]: { command: 'x' } } });
      expect(refusal(() => loadConfig(dir))).toContain(`processes[${shown(value)}]: invalid name`);
      write({ postgres: { settings: { [value]: 'x' } } });
      expect(refusal(() => loadConfig(dir))).toContain(`postgres.settings[${shown(value)}]: invalid name`);
    }
    for (const port of ['80', 80.5, 0, 70000, '80\nExecStartPre=/bin/true']) {
      write(web({ port }));
      expect(refusal(() => loadConfig(dir))).toMatch(/processes\.web\.port: (expected integer|must be)/);
    }
  });

  it('a Procfile command with a control character is refused with its line', () => {
    write({});
    writeFileSync(path.join(dir, 'Procfile'), 'web: node s.js\nworker: node w.js\rExecStartPre=+/bin/true\n');
    expect(refusal(() => buildDeployModel(dir, loadConfig(dir)))).toMatch(
      'Procfile:2: the command of "worker": "node w.js\\rExecStartPre=+/bin/true" contains a control character ' +
        '(carriage return, \\u000d); of those only tab and line break are taken here: remove it',
    );
  });
});

describe('export', () => {
  function exports(config: object, options: ExportOptions = {}, domain?: string) {
    write(config);
    const model = () => buildDeployModel(dir, loadConfig(dir), options);
    return {
      systemd: () => exportSystemd(model()),
      caddy: () => exportCaddy(model(), domain),
      nixos: () => exportNixos(model(), domain),
    };
  }

  it.each([
    ['+node s.js', '+'],
    ['-@!!node x', '-'],
    [':node $X', ':'],
    ['!node x', '!'],
    ['@node node x', '@'],
  ])(
    'systemd refuses the program of %j, which ExecStart= would read as a prefix; NixOS runs it with bash',
    (command, c) => {
      const { systemd, nixos } = exports({ processes: { web: { command } } });
      expect(refusal(systemd)).toMatch(
        `processes.web.command: the program "${command.split(' ')[0]}" starts with ${c}, which ExecStart= reads as ` +
          'a prefix (+ would run it as root, unsandboxed); rename it, or give its path on the server with --exec-start',
      );
      const module = nixos().files[0]!.content;
      expect(module).toContain(`script = "exec ${command}";`);
    },
  );

  it('systemd refuses programs its ExecStart= cannot name; a path quoted or with % stays literal', () => {
    for (const program of [`';'`, `'a"b'`, `'a\\b'`, `'a$b'`, `'..'`, `''`]) {
      expect(refusal(exports({ processes: { web: { command: `${program} x` } } }).systemd)).toMatch(
        /^processes\.web\.command: the program ".*" (is not a program|has a character systemd takes in no program)/,
      );
    }
    const ok = exports({ processes: { web: { command: `'/opt/my app/50%' x` } } }).systemd();
    expect(ok.files[0]!.content).toContain('\nExecStart="/opt/my app/50%%" x\n');
  });

  it('refuses a --exec-start path systemd cannot take, a directory it would trim or that leaves the project', () => {
    for (const value of ['/x/a$b', '/x/a"b', "/x/a'b", '/x/a\\b', '/x/a\nb', '/x/', 'web=/x/a\u0001']) {
      expect(refusal(exports(web({}), { execStart: [value] }).systemd)).toMatch(/^--exec-start ".*": the path /);
    }
    expect(refusal(exports(web({}), { execStart: ['a\nb=/x'] }).systemd)).toBe(
      '--exec-start: there is no process "a\\nb" (processes: web)',
    );
    for (const target of ['systemd', 'nixos'] as const) {
      expect(refusal(exports(web({ cwd: 'app ' }))[target])).toBe(
        `processes.web.cwd: "${target === 'systemd' ? '/opt/app/app ' : '/app '}" starts or ends with whitespace, ` +
          'which systemd drops; a unit file cannot hold it as it is',
      );
      expect(refusal(exports(web({ cwd: 'a/../../x' }))[target])).toMatch(
        /^processes\.web\.cwd "a\/\.\.\/\.\.\/x" leads out of the project/,
      );
    }
  });

  it('refuses a domain that is not a host name, a wildcard with subdomains, and two processes on one name', () => {
    for (const [, value] of [...CONTROL, ...MULTILINE, ...PRINTABLE]) {
      expect(refusal(() => checkDomain(`a${value}.com`))).toMatch(/^--domain ".*": give a host name/);
    }
    for (const value of ['*', '*.*.x', 'a..b', '-a.com', 'a-.com', 'é.com', 'x.com.', '{$HOME}', 'a.com {']) {
      expect(refusal(() => checkDomain(value))).toMatch(/^--domain ".*": give a host name/);
    }
    const two = { processes: { web: { command: 'x', port: 1 }, api: { command: 'x', port: 2 } } };
    for (const target of ['caddy', 'nixos'] as const) {
      expect(refusal(exports(two, {}, '*.example.com')[target])).toBe(
        '--domain "*.example.com": a wildcard site serves one process, and 2 declare a port (web, api), each on its ' +
          'own subdomain: give a host name, e.g. --domain example.com',
      );
      const clash = {
        processes: { web: { command: 'x', port: 1 }, a_b: { command: 'x', port: 2 }, 'a-b': { command: 'x', port: 3 } },
      };
      expect(refusal(exports(clash)[target])).toBe(
        'processes "a_b" and "a-b" would both get the subdomain "a-b"; rename one',
      );
    }
  });

  it('values no export carries never reach a file; a variable name systemd refuses is a note', () => {
    const mark = 'MARK\n[Service]\nExecStartPre=+/bin/true';
    const { systemd, caddy, nixos } = exports({
      postgres: { settings: { work_mem: mark }, setup: ['MARK.sql', { command: mark }] },
      processes: { web: { command: 'x', port: 3000, watch: ['MARK'], env: { 'A B': 'MARK', OK: 'y' } } },
      watch: { paths: ['MARK'], ignore: ['MARK'] },
    });
    for (const result of [systemd(), caddy(), nixos()]) {
      for (const f of result.files) expect(f.content, f.name).not.toContain('MARK');
      for (const note of result.notes) expect(note).not.toMatch(/[\n\r]/);
    }
    expect(systemd().notes).toContain(
      'processes.web.env["A B"] is not exported: systemd takes letters, digits and _ in variable names',
    );
    expect(nixos().notes).toContain(
      'processes.web.env["A B"] is not exported: systemd takes letters, digits and _ in variable names',
    );
  });
});

describe('devenv export, as run', () => {
  /** One line on stderr naming the problem, exit 1, and nothing written. */
  async function expectRefused(args: string[], message: RegExp) {
    const r = await devenv(dir, ['export', ...args]);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
    expect(existsSync(path.join(dir, 'deploy'))).toBe(false);
  }

  it('refuses the values of issue 18 in one line and writes nothing', async () => {
    write(web({ port: 3000, cwd: 'app\nExecStartPre=+/bin/sh -c "id > /root/owned"' }));
    await expectRefused(['systemd'], /devenv\.json: processes\.web\.cwd: "app\\nExecStartPre=.*" contains a control/);
    write({ postgres: { extensions: ['x\nauthentication="host all all 0.0.0.0/0 trust";#'] }, ...web({}) });
    await expectRefused(
      ['nixos'],
      /devenv\.json: postgres\.extensions\[0\]: "x\\nauthentication=.*" contains a control/,
    );
    for (const command of ['+node s.js', '-@!!node x', ':node $X']) {
      write(web({ command }));
      await expectRefused(['systemd'], /^devenv: processes\.web\.command: the program ".*" starts with/);
    }
    write({ processes: { web: { command: 'x', port: 1 }, api: { command: 'x', port: 2 } } });
    await expectRefused(['caddy', '--domain', '*.example.com'], /^devenv: --domain "\*\.example\.com": a wildcard/);
    await expectRefused(['systemd', '--name', 'a\nb'], /^devenv: --name "a\\nb": use a lower-case letter/);
    await expectRefused(['nixos', '--domain', 'a\nb.com'], /^devenv: --domain "a\\nb\.com": give a host name/);
  });
});
