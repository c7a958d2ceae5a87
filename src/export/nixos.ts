// `devenv export nixos`: a NixOS module with options.services.<name> and, when enabled, one
// systemd service per process, services.postgresql with the role and databases, and Caddy in
// front of the ported processes when a domain is set.
import { UserError } from '../errors.js';
import { singleQuote } from '../shell/posix-quote.js';
import { literalText } from './command-line.js';
import { comment } from './comment.js';
import {
  commonNotes,
  type DeployModel,
  type DeployService,
  nonContribExtensions,
  portedServices,
  subdomainLabel,
  timeSpan,
} from './deploy-model.js';
import type { ExportResult } from './export-file.js';
import { sqlIdent } from './provision-db.js';

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
function indentedText(text: string): string {
  return text.replaceAll("''", "'''").replaceAll('${', "''${");
}

/** Interpreters whose nixpkgs package is a safe guess for the `path` option's default. */
const RUNTIMES: Record<string, string> = {
  node: 'nodejs',
  npm: 'nodejs',
  npx: 'nodejs',
  python: 'python3',
  python3: 'python3',
  ruby: 'ruby',
  bun: 'bun',
  deno: 'deno',
  php: 'php',
  java: 'jre',
};

function programOf(s: DeployService): string | null {
  return s.parsed.kind === 'words' ? literalText(s.parsed.words[0]!) : null;
}

/** The option name of a port: `port` for the first ported process, `<process>Port` for the others. */
function portOption(index: number, s: DeployService): string {
  if (index === 0) return 'port';
  const camel = s.process.toLowerCase().replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return nixAttr(`${camel.replace(/[-_]/g, '')}Port`);
}

function indent(lines: string[], by: string): string[] {
  return lines.map((l) => (l === '' ? l : by + l));
}

function attrLines(entries: [string, string][]): string[] {
  return entries.map(([k, v]) => `${nixAttr(k)} = ${v};`);
}

function options(
  model: DeployModel,
  ported: DeployService[],
  runtimes: string[],
  domain: string | undefined,
): string[] {
  const lines = [
    `enable = lib.mkEnableOption ${nixString(model.name)};`,
    '',
    'package = lib.mkOption {',
    '  type = lib.types.package;',
    `  description = "The app's files: its processes run in them and find its bin/ on their PATH.";`,
    '};',
    '',
    'path = lib.mkOption {',
    '  type = lib.types.listOf lib.types.package;',
  ];
  if (runtimes.length > 0) {
    const list = `[ ${runtimes.map((r) => `pkgs.${r}`).join(' ')} ]`;
    lines.push(
      `  default = ${list};`,
      `  defaultText = lib.literalExpression ${nixString(list)};`,
      `  description = "More packages on the processes' PATH (the default is guessed from their commands).";`,
    );
  } else {
    lines.push(
      '  default = [ ];',
      `  description = "More packages on the processes' PATH (the runtime your commands need).";`,
    );
  }
  lines.push('};');
  ported.forEach((s, i) => {
    lines.push(
      '',
      `${portOption(i, s)} = lib.mkOption {`,
      '  type = lib.types.port;',
      `  default = ${s.port};`,
      `  description = ${nixString(portDescription(s.process, i === 0))};`,
      '};',
    );
  });
  lines.push(
    '',
    'environment = lib.mkOption {',
    '  type = lib.types.attrsOf lib.types.str;',
    '  default = { };',
    '  description = "More environment for every process; it wins over the values below. Not for secrets: the Nix ' +
      'store is world-readable.";',
    '};',
    '',
  );
  if (model.dotenvKeys.length > 0) {
    lines.push(
      ...comment(`The project's .env has ${model.dotenvKeys.join(', ')}: production values go in this file.`, '# ', 96),
    );
  }
  lines.push(
    'environmentFile = lib.mkOption {',
    '  type = lib.types.nullOr lib.types.path;',
    '  default = null;',
    '  description = "A file of KEY=value lines (secrets), read by systemd when a process starts.";',
    '};',
  );
  if (ported.length > 0) {
    lines.push(
      '',
      'domain = lib.mkOption {',
      '  type = lib.types.nullOr lib.types.str;',
      `  default = ${domain === undefined ? 'null' : nixString(domain)};`,
      `  description = ${nixString(domainDescription(ported[0]!.process, ported.length > 1))};`,
      '};',
    );
  }
  return lines;
}

function postgresLines(model: DeployModel): string[] {
  const { role, database } = model;
  const databases = [database, ...model.extraDatabases];
  const lines = ['services.postgresql = {', '  enable = true;'];
  if (model.postgresVersion !== undefined) {
    lines.push(
      `  # postgres.version in devenv.json.`,
      `  package = lib.mkDefault pkgs.postgresql_${model.postgresVersion};`,
    );
  }
  lines.push(`  ensureDatabases = [ ${databases.map(nixString).join(' ')} ];`);
  if (role === database) {
    lines.push(`  ensureUsers = [ { name = ${nixString(role)}; ensureDBOwnership = true; } ];`);
  } else {
    lines.push(`  ensureUsers = [ { name = ${nixString(role)}; } ];`);
  }
  for (const ext of nonContribExtensions(model)) {
    lines.push(`  # ${ext} is not part of PostgreSQL's contrib: add its package, extensions = ps: [ ... ];`);
  }
  lines.push('};');

  const psql = (args: string[]) => `psql -v ON_ERROR_STOP=1 ${args.join(' ')}`;
  const script: string[] = [];
  for (const db of databases) {
    if (db === role) continue; // ensureDBOwnership does that one
    script.push(psql(['-c', singleQuote(`ALTER DATABASE ${sqlIdent(db)} OWNER TO ${sqlIdent(role)}`)]));
  }
  for (const db of model.extensions.length > 0 ? databases : []) {
    for (const ext of model.extensions) {
      script.push(psql(['-d', singleQuote(db), '-c', singleQuote(`CREATE EXTENSION IF NOT EXISTS ${sqlIdent(ext)}`)]));
    }
  }
  if (script.length > 0) {
    lines.push(
      '',
      ...comment(
        `What ensureDatabases and ensureUsers do not do (${[
          databases.some((d) => d !== role) ? 'owners other than a same-named role' : null,
          model.extensions.length > 0 ? 'extensions' : null,
        ]
          .filter(Boolean)
          .join(', ')}), as postgres right after them, at every start:`,
        '# ',
        96,
      ),
      "systemd.services.postgresql-setup.script = lib.mkAfter ''",
      ...script.map((l) => `  ${indentedText(l)}`),
      "'';",
    );
  }
  return lines;
}

function restartLines(s: DeployService): string[] {
  switch (s.restart) {
    case 'never':
      return ['# restart: never in devenv.json.', 'Restart = "no";'];
    case 'always':
      return ['# restart: always in devenv.json, also after a clean exit.', 'Restart = "always";', 'RestartSec = 3;'];
    default:
      return ['Restart = "on-failure";', 'RestartSec = 3;'];
  }
}

function serviceLines(model: DeployModel, s: DeployService, portOpt: string | undefined, first: boolean): string[] {
  const env: [string, string][] = [];
  if (portOpt) env.push(['PORT', `toString cfg.${portOpt}`]);
  for (const [k, v] of Object.entries(s.env)) env.push([k, nixString(v)]);
  const command =
    s.parsed.kind === 'words' && !/^exec\s/.test(s.command.trim()) ? `exec ${s.command.trim()}` : s.command.trim();
  const workingDir = s.cwd === '' ? '"${cfg.package}"' : `"\${cfg.package}/${nixString(s.cwd).slice(1, -1)}"`;
  const lines = [
    `systemd.services.${nixAttr(s.unit)} = {`,
    `  description = ${nixString(`${model.name}: ${s.process}`)};`,
    '  wantedBy = [ "multi-user.target" ];',
    ...(first ? ['  # postgresql.target: the server, and postgresql-setup done with the role and databases.'] : []),
    '  requires = [ "postgresql.target" ];',
    '  after = [ "postgresql.target" ];',
    '  path = [ cfg.package ] ++ cfg.path;',
  ];
  if (env.length > 0) {
    lines.push('  environment = databaseEnv // {', ...indent(attrLines(env), '    '), '  } // cfg.environment;');
  } else {
    lines.push('  environment = databaseEnv // cfg.environment;');
  }
  lines.push(
    `  script = ${nixString(command)};`,
    '  serviceConfig = serviceDefaults // {',
    `    WorkingDirectory = ${workingDir};`,
  );
  lines.push(...indent(restartLines(s), '    '));
  if (s.stopGraceMs !== undefined) {
    lines.push(`    TimeoutStopSec = ${nixString(timeSpan(s.stopGraceMs))}; # stopGraceMs in devenv.json`);
  }
  if (s.port !== undefined && s.port < 1024) {
    lines.push(
      `    # Port ${s.port} is below 1024: binding it takes this one capability.`,
      '    AmbientCapabilities = "CAP_NET_BIND_SERVICE";',
      '    CapabilityBoundingSet = "CAP_NET_BIND_SERVICE";',
    );
  }
  lines.push('  };', '};');
  return lines;
}

function caddyLines(ported: DeployService[]): string[] {
  if (ported.length === 0) return [];
  const hosts = ported.map((s, i) => {
    const host = i === 0 ? '${cfg.domain}' : `"${subdomainLabel(s)}.\${cfg.domain}"`;
    return `virtualHosts.${host}.extraConfig = "reverse_proxy localhost:\${toString cfg.${portOption(i, s)}}";`;
  });
  return [
    '# Caddy is the public side, TLS certificates included; open ports 80 and 443 in the firewall.',
    'services.caddy = lib.mkIf (cfg.domain != null) {',
    '  enable = true;',
    ...indent(hosts, '  '),
    '};',
  ];
}

const SANDBOX: [string, string][] = [
  ['ProtectSystem', '"strict"'],
  ['ProtectHome', 'true'],
  ['PrivateTmp', 'true'],
  ['PrivateDevices', 'true'],
  ['NoNewPrivileges', 'true'],
  ['RestrictSUIDSGID', 'true'],
  ['RestrictAddressFamilies', '[ "AF_UNIX" "AF_INET" "AF_INET6" ]'],
  ['RestrictNamespaces', 'true'],
  ['RestrictRealtime', 'true'],
  ['LockPersonality', 'true'],
  ['ProtectClock', 'true'],
  ['ProtectHostname', 'true'],
  ['ProtectKernelTunables', 'true'],
  ['ProtectKernelModules', 'true'],
  ['ProtectKernelLogs', 'true'],
  ['ProtectControlGroups', 'true'],
  ['SystemCallArchitectures', '"native"'],
  ['SystemCallFilter', '[ "@system-service" ]'],
  ['SystemCallErrorNumber', '"EPERM"'],
  ['UMask', '"0077"'],
  ['CapabilityBoundingSet', '""'],
];

export function exportNixos(model: DeployModel, domain: string | undefined): ExportResult {
  const notes = commonNotes(model);
  const ported = portedServices(model);
  if (domain !== undefined && ported.length === 0) {
    throw new UserError('--domain: no process declares a port, so there is nothing to serve on it');
  }
  const runtimes = [...new Set(model.services.map(programOf).flatMap((p) => (p && RUNTIMES[p] ? [RUNTIMES[p]] : [])))];
  const { name, role } = model;
  const lines = [
    `# ${name}.nix: a NixOS module for ${name}.`,
    `# Written by \`devenv export nixos\` from ${model.source}. Use it: put it next to configuration.nix,`,
    `# add ./${name}.nix to \`imports\`, set`,
    `#   services.${nixAttr(name)} = { enable = true; package = <the app's files, as a package>; };`,
    '# and run nixos-rebuild switch. Needs NixOS 25.11 or later (postgresql.target).',
    '{',
    '  config,',
    '  lib,',
    '  pkgs,',
    '  ...',
    '}:',
    '',
    'let',
    `  cfg = config.services.${nixAttr(name)};`,
    '',
    `  # The server's PostgreSQL over its socket, as role ${role} (peer authentication: no password).`,
    '  databaseEnv = {',
    ...indent(attrLines(Object.entries(model.databaseEnv).map(([k, v]) => [k, nixString(v)])), '    '),
    '  };',
    '',
    `  # Each process runs as a user made for it at start and named like the database role, so PostgreSQL's`,
    `  # peer authentication logs it in as that role. /var/lib/${name} is its one writable directory.`,
    '  # The rest is hardening; no MemoryDenyWriteExecute: JIT runtimes (Node, the JVM) need that memory.',
    '  serviceDefaults = {',
    '    DynamicUser = true;',
    `    User = ${nixString(role)};`,
    `    StateDirectory = ${nixString(name)};`,
    '    EnvironmentFile = lib.optional (cfg.environmentFile != null) cfg.environmentFile;',
    ...indent(attrLines(SANDBOX), '    '),
    '  };',
    'in',
    '{',
    `  options.services.${nixAttr(name)} = {`,
    ...indent(options(model, ported, runtimes, domain), '    '),
    '  };',
    '',
    '  config = lib.mkIf cfg.enable {',
    ...indent(postgresLines(model), '    '),
  ];
  model.services.forEach((s, n) => {
    const i = ported.indexOf(s);
    lines.push('', ...indent(serviceLines(model, s, i === -1 ? undefined : portOption(i, s), n === 0), '    '));
  });
  const caddy = caddyLines(ported);
  if (caddy.length > 0) lines.push('', ...indent(caddy, '    '));
  lines.push('  };', '}');

  if (model.services.some((s) => s.watches)) {
    notes.push(
      'watch is not exported: restart on file change is for development; nixos-rebuild restarts changed units',
    );
  }
  if (model.unexported.includes('postgres.settings')) {
    notes.push('postgres.settings is not exported: server settings belong in services.postgresql.settings');
  }
  for (const ext of nonContribExtensions(model)) {
    notes.push(
      `extension ${ext} is not part of PostgreSQL's contrib: add its package to services.postgresql.extensions`,
    );
  }
  return { files: [{ name: `${name}.nix`, content: `${lines.join('\n')}\n`, mode: 0o644 }], notes };
}

function portDescription(process: string, first: boolean): string {
  return `Port of the ${process} process (its PORT)${first ? '; Caddy forwards the domain to it' : ''}.`;
}

function domainDescription(process: string, more: boolean): string {
  const others = more ? ' (the other ported processes on subdomains)' : '';
  return (
    `Serve the ${process} process on this domain through Caddy, which also gets its TLS certificate${others}; ` +
    'null: no Caddy.'
  );
}
