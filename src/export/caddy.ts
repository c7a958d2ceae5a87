// `devenv export caddy`: a Caddyfile with one site per process that declares a port.
import { UserError } from '../errors.js';
import { comment } from './comment.js';
import { type DeployModel, portedServices, siteAddress } from './deploy-model.js';
import type { ExportResult } from './export-file.js';

/** The site address when --domain is not given: valid, served locally, obviously to be replaced. */
export const DEFAULT_DOMAIN = 'localhost';

const DOMAIN = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** --domain is written into a Caddyfile and a Nix string: a host name, nothing else. */
export function checkDomain(domain: string): string {
  if (!DOMAIN.test(domain) || domain.length > 253) {
    throw new UserError(`--domain ${JSON.stringify(domain)}: give a host name, e.g. --domain example.com`);
  }
  return domain.toLowerCase();
}

export function exportCaddy(model: DeployModel, domain: string | undefined): ExportResult {
  const ported = portedServices(model);
  if (ported.length === 0) {
    throw new UserError(
      `no process declares a port, so there is nothing for Caddy to forward to: set processes.<name>.port in ` +
        `devenv.json`,
    );
  }
  const site = domain ?? DEFAULT_DOMAIN;
  const lines = [
    `# Caddyfile for ${model.name}.`,
    ...comment(
      `Written by \`devenv export caddy\` from ${model.source}. Caddy is the public side: it gets and renews the TLS ` +
        `certificate of each site below by itself and forwards requests to the app on this machine (keep the app's ` +
        `ports closed to the outside). On the server: /etc/caddy/Caddyfile (or \`import\` this file there), then: ` +
        `systemctl reload caddy`,
    ),
  ];
  if (domain === undefined) {
    lines.push(
      '#',
      ...comment(`Replace ${DEFAULT_DOMAIN} with your domain (its DNS pointing at this server), or pass --domain.`),
    );
  }
  ported.forEach((s, i) => {
    lines.push(
      '',
      ...comment(`The "${s.process}" process (port ${s.port})${i === 0 ? '' : ', on a subdomain'}.`),
      `${siteAddress(site, i, s)} {`,
      `\treverse_proxy localhost:${s.port}`,
      '}',
    );
  });
  return { files: [{ name: 'Caddyfile', content: `${lines.join('\n')}\n`, mode: 0o644 }], notes: [] };
}
