// `devenv export systemd`: one service unit per process, the environment file with DATABASE_URL,
// and the database provisioning pair. The units run as a dynamic user named like the database role,
// so PostgreSQL's peer authentication logs them in over /run/postgresql without a password.
import path from 'node:path';
import { keyPath } from '../project/schema-check.js';
import { literalText } from './command-line.js';
import { comment } from './comment.js';
import { type DeployModel, type DeployService, timeSpan } from './deploy-model.js';
import type { ExportFile, ExportResult } from './export-file.js';
import { provisionFiles } from './provision-db.js';
import { environmentLine, execArg, execProgram, execWord, unitValue } from './systemd-text.js';
import { commonNotes, exportedEnv, unmappedNotes } from './unmapped.js';

/** Where the units expect the app's files on the server. */
export function appDir(model: DeployModel): string {
  return `/opt/${model.name}`;
}

export function envFilePath(model: DeployModel): string {
  return `/etc/${model.name}/${model.name}.env`;
}

/** ExecStart= and the comment it needs, for one process. */
function execStart(model: DeployModel, s: DeployService, notes: string[]): { comment: string[]; line: string } {
  if (s.parsed.kind === 'shell') {
    notes.push(`${s.where}: the command uses shell syntax (${s.parsed.feature}); its unit runs it with /bin/sh -c`);
    if (s.program) notes.push(`${s.where}: --exec-start is not applied to a command that needs /bin/sh`);
    return {
      comment: comment(`The command needs a shell (${s.parsed.feature}): sh runs it, as \`devenv up\` does.`),
      line: `ExecStart=/bin/sh -c ${execArg(s.command, `${s.where}.command`)}`,
    };
  }
  const where = `${s.where}.command`;
  const [first, ...args] = s.parsed.words;
  const rest = args.map((word) => execWord(word, where));
  if (s.program)
    return { comment: [], line: [`ExecStart=${execProgram(s.program, '--exec-start')}`, ...rest].join(' ') };
  const program = literalText(first!)!;
  if (!program.includes('/')) {
    return {
      comment: comment(
        `\`${program}\` is looked up in systemd's fixed search path (/usr/local/bin, /usr/bin, /bin), not in $PATH: ` +
          `write its absolute path if it is installed elsewhere.`,
      ),
      line: [`ExecStart=${execProgram(program, where)}`, ...rest].join(' '),
    };
  }
  // systemd takes no relative path: this one is relative to the process's directory.
  const resolved = path.posix.isAbsolute(program) ? program : path.posix.join(appDir(model), s.cwd, program);
  return { comment: [], line: [`ExecStart=${execProgram(resolved, where)}`, ...rest].join(' ') };
}

function restartLines(s: DeployService): string[] {
  const pace = "3 s apart, which stays under systemd's start limit (5 starts in 10 s): it never gives up.";
  switch (s.restart) {
    case 'never':
      return [...comment('Not restarted when it exits (restart: never in devenv.json).'), 'Restart=no'];
    case 'always':
      return [
        ...comment(`Restarted whenever it exits, even cleanly (restart: always in devenv.json), ${pace}`),
        'Restart=always',
        'RestartSec=3s',
      ];
    default:
      return [
        ...comment(`Restarted when it fails (restart: on-failure in devenv.json), ${pace}`),
        'Restart=on-failure',
        'RestartSec=3s',
      ];
  }
}

const HARDENING = [
  'ProtectSystem=strict',
  'ProtectHome=yes',
  'PrivateTmp=yes',
  'PrivateDevices=yes',
  'NoNewPrivileges=yes',
  'RestrictSUIDSGID=yes',
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'LockPersonality=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'SystemCallArchitectures=native',
  'SystemCallFilter=@system-service',
  'SystemCallErrorNumber=EPERM',
  'UMask=0077',
];

// Long on purpose: the unit's text in output order, section by section.
function unitFile(model: DeployModel, s: DeployService, notes: string[]): string {
  const { name, role } = model;
  const exec = execStart(model, s, notes);
  const lines = [
    `# ${s.unit}.service: the "${s.process}" process of ${name}.`,
    `# Written by \`devenv export systemd\` from ${model.source}. To install, as root:`,
    `#   copy the app's files to ${appDir(model)} (readable by all: the service's user owns nothing there),`,
    `#   this file to /etc/systemd/system/ and ${name}.env to ${envFilePath(model)} (mode 600), then`,
    `#   sh provision-db.sh && systemctl daemon-reload && systemctl enable --now ${s.unit}`,
    '',
    '[Unit]',
    `Description=${unitValue(`${name}: ${s.process}`, s.where)}`,
    ...comment('On Debian, postgresql.service is up once its clusters (postgresql@<version>-main) are.'),
    'Requires=postgresql.service',
    'After=postgresql.service network.target',
    '',
    '[Service]',
    'Type=exec',
    `WorkingDirectory=${unitValue(path.posix.join(appDir(model), s.cwd), `${s.where}.cwd`)}`,
    ...exec.comment,
    exec.line,
  ];
  if (s.port !== undefined) lines.push(environmentLine('PORT', String(s.port), s.where));
  for (const [key, value] of exportedEnv(s, notes))
    lines.push(environmentLine(key, value, keyPath(`${s.where}.env`, key)));
  lines.push(
    ...comment('DATABASE_URL and your secrets (values there win over the Environment= lines above).'),
    `EnvironmentFile=${unitValue(envFilePath(model), '--name')}`,
    ...restartLines(s),
  );
  if (s.stopGraceMs !== undefined) {
    lines.push(
      ...comment('SIGKILL this long after SIGTERM (stopGraceMs in devenv.json).'),
      `TimeoutStopSec=${timeSpan(s.stopGraceMs)}`,
    );
  }
  lines.push(
    '',
    ...comment(
      `Runs as a user made for it at start and named like the database role "${role}": PostgreSQL's peer ` +
        `authentication on /run/postgresql then logs it in as that role without a password. (postgres finds the ` +
        `name through nss-systemd: the libnss-systemd package on Debian and Ubuntu.)`,
    ),
    'DynamicUser=yes',
    `User=${unitValue(role, 'postgres.role')}`,
    ...comment(`Its one writable directory, kept across restarts: /var/lib/${name} ($STATE_DIRECTORY).`),
    `StateDirectory=${unitValue(name, '--name')}`,
    '',
    ...comment('Hardening: read-only system, no home directories, private /tmp and /dev, no privileges.'),
    ...HARDENING,
  );
  if (s.port !== undefined && s.port < 1024) {
    lines.push(
      ...comment(`Port ${s.port} is below 1024: binding it takes this one capability.`),
      'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
    );
  } else {
    lines.push('CapabilityBoundingSet=');
  }
  lines.push(
    ...comment('No MemoryDenyWriteExecute: JIT runtimes (Node, the JVM) need memory both writable and executable.'),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  );
  return `${lines.join('\n')}\n`;
}

/** A value in an EnvironmentFile: plain when it is plain, else double-quoted. */
function envFileValue(value: string): string {
  return /^[A-Za-z0-9_%=:,./?@+-]*$/.test(value) ? value : `"${value.replace(/[\\"$`]/g, '\\$&')}"`;
}

function envFile(model: DeployModel): string {
  const lines = [
    ...comment(
      `${model.name}.env: the environment of ${model.name}'s services. Written by \`devenv export systemd\`, which ` +
        `never overwrites it. On the server: ${envFilePath(model)}, mode 600 (systemd reads it as root before it ` +
        `starts a service). Put production secrets here; its values win over the units' Environment= lines.`,
    ),
    '',
    ...comment(
      `The server's PostgreSQL over its socket in /run/postgresql, as role ${model.role} (peer authentication: no ` +
        `password).`,
    ),
    ...Object.entries(model.databaseEnv).map(([k, v]) => `${k}=${envFileValue(v)}`),
  ];
  if (model.dotenvKeys.length > 0) {
    lines.push(
      '',
      ...comment("Keys of the project's .env; its values are for development and are not copied: set yours."),
      ...model.dotenvKeys.map((key) => `#${key}=`),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function exportSystemd(model: DeployModel): ExportResult {
  const notes = commonNotes(model);
  const files: ExportFile[] = model.services.map((s) => ({
    name: `${s.unit}.service`,
    content: unitFile(model, s, notes),
    mode: 0o644,
  }));
  files.push({ name: `${model.name}.env`, content: envFile(model), mode: 0o600, keepExisting: true });
  files.push(...provisionFiles(model));
  notes.push(
    ...unmappedNotes(model, {
      watch: 'after a deploy, systemctl restart the units',
      settings: "the server's postgresql.conf",
      extension: 'install its package on the server before provision-db.sh',
    }),
  );
  return { files, notes };
}
