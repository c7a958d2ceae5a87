// `devenv export nixos`: a NixOS module with options.services.<name> and, when enabled, one
// systemd service per process, services.postgresql with the role and databases, and Caddy in
// front of the ported processes when a domain is set.
import { UserError } from '../errors.js';
import { singleQuote } from '../shell/posix-quote.js';
import { literalText } from './command-line.js';
import { comment } from './comment.js';
import { type DeployModel, type DeployService, timeSpan } from './deploy-model.js';
import type { ExportResult } from './export-file.js';
import { attrLines, indent, indentedText, nixAttr, nixString, nixStringContent } from './nix-text.js';
import { moduleOptions, portOption } from './nixos-options.js';
import { dbnameConninfo, sqlIdent } from './provision-db.js';
import { checkDistinct, checkWildcardDomain, portedServices, subdomainLabel } from './sites.js';
import { specifiers, unitValue } from './systemd-text.js';
import { commonNotes, exportedEnv, nonContribExtensions, unmappedNotes } from './unmapped.js';

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
    lines.push(
      ...comment(`${ext} is not part of PostgreSQL's contrib: add its package, extensions = ps: [ ... ];`, '  # '),
    );
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
      const create = singleQuote(`CREATE EXTENSION IF NOT EXISTS ${sqlIdent(ext)}`);
      script.push(psql(['-d', singleQuote(dbnameConninfo(db)), '-c', create]));
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
      // Escaped as one body, line breaks included: whether a ' needs escaping depends on what follows it.
      ...indentedText(`${script.map((l) => `  ${l}`).join('\n')}\n`)
        .split('\n')
        .slice(0, -1),
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

// nixpkgs writes environment as Environment="NAME=value" (JSON-quoted) and serviceConfig values as they
// are, into a unit where systemd still expands % specifiers: values of ours with a % have it doubled.
function serviceLines(
  model: DeployModel,
  s: DeployService,
  portOpt: string | undefined,
  first: boolean,
  notes: string[],
): string[] {
  const env: [string, string][] = [];
  if (portOpt) env.push(['PORT', `toString cfg.${portOpt}`]);
  for (const [k, v] of exportedEnv(s, notes)) env.push([k, nixString(specifiers(v))]);
  const command =
    s.parsed.kind === 'words' && !/^exec\s/.test(s.command.trim()) ? `exec ${s.command.trim()}` : s.command.trim();
  // "/" stands for the package's path: the check is for the whole value, which ends with the cwd.
  const cwd = unitValue(`/${s.cwd}`, `${s.where}.cwd`).slice(1);
  const workingDir = cwd === '' ? '"${cfg.package}"' : `"\${cfg.package}/${nixStringContent(cwd)}"`;
  const lines = [
    `systemd.services.${nixAttr(s.unit)} = {`,
    `  description = ${nixString(unitValue(`${model.name}: ${s.process}`, s.where))};`,
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
    const host = i === 0 ? '${cfg.domain}' : `"${nixStringContent(subdomainLabel(s))}.\${cfg.domain}"`;
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

// Long on purpose: the module's text in output order.
export function exportNixos(model: DeployModel, domain: string | undefined): ExportResult {
  const notes = commonNotes(model);
  const ported = portedServices(model);
  if (domain !== undefined && ported.length === 0) {
    throw new UserError('--domain: no process declares a port, so there is nothing to serve on it');
  }
  checkWildcardDomain(domain, ported);
  checkDistinct(ported.slice(1), subdomainLabel, 'the subdomain');
  checkDistinct(ported, (s) => portOption(ported.indexOf(s), s), 'the NixOS option');
  // hasOwn: a program named constructor or __proto__ is not a runtime (and not Object's insides in the module).
  const runtimes = [
    ...new Set(model.services.map(programOf).flatMap((p) => (p && Object.hasOwn(RUNTIMES, p) ? [RUNTIMES[p]!] : []))),
  ];
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
    "  # systemd reads % in a unit's values as a specifier: %% here and in each environment is a %.",
    '  databaseEnv = {',
    ...indent(attrLines(Object.entries(model.databaseEnv).map(([k, v]) => [k, nixString(specifiers(v))])), '    '),
    '  };',
    '',
    `  # Each process runs as a user made for it at start and named like the database role, so PostgreSQL's`,
    `  # peer authentication logs it in as that role. /var/lib/${name} is its one writable directory.`,
    '  # The rest is hardening; no MemoryDenyWriteExecute: JIT runtimes (Node, the JVM) need that memory.',
    '  serviceDefaults = {',
    '    DynamicUser = true;',
    `    User = ${nixString(unitValue(role, 'postgres.role'))};`,
    `    StateDirectory = ${nixString(unitValue(name, '--name'))};`,
    '    EnvironmentFile = lib.optional (cfg.environmentFile != null) cfg.environmentFile;',
    ...indent(attrLines(SANDBOX), '    '),
    '  };',
    'in',
    '{',
    `  options.services.${nixAttr(name)} = {`,
    ...indent(moduleOptions(model, ported, runtimes, domain), '    '),
    '  };',
    '',
    '  config = lib.mkIf cfg.enable {',
    ...indent(postgresLines(model), '    '),
  ];
  model.services.forEach((s, n) => {
    const i = ported.indexOf(s);
    const portOpt = i === -1 ? undefined : portOption(i, s);
    lines.push('', ...indent(serviceLines(model, s, portOpt, n === 0, notes), '    '));
  });
  const caddy = caddyLines(ported);
  if (caddy.length > 0) lines.push('', ...indent(caddy, '    '));
  lines.push('  };', '}');

  notes.push(
    ...unmappedNotes(model, {
      watch: 'nixos-rebuild restarts changed units',
      settings: 'services.postgresql.settings',
      extension: 'add its package to services.postgresql.extensions',
    }),
  );
  return { files: [{ name: `${name}.nix`, content: `${lines.join('\n')}\n`, mode: 0o644 }], notes };
}
