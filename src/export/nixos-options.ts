// The options a generated NixOS module declares: enable, package, path, one port per ported process,
// environment, environmentFile and, with ports, the domain Caddy serves.
import { comment } from './comment.js';
import type { DeployModel, DeployService } from './deploy-model.js';
import { nixAttr, nixString } from './nix-text.js';

/** The option name of a port: `port` for the first ported process, `<process>Port` for the others. */
export function portOption(index: number, s: DeployService): string {
  if (index === 0) return 'port';
  const camel = s.process.toLowerCase().replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return nixAttr(`${camel.replace(/[-_]/g, '')}Port`);
}

// Long on purpose: the options in the order the module lists them, one block each.
export function moduleOptions(
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
