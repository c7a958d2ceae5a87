// `devenv export caddy`: a Caddyfile with one site per process that declares a port.
import { UserError } from '../errors.js';
import { shown } from '../util/show.js';
import { comment } from './comment.js';
import type { DeployModel } from './deploy-model.js';
import type { ExportResult } from './export-file.js';
import {
  checkDistinct,
  checkWildcardDomain,
  DEFAULT_DOMAIN,
  portedServices,
  siteAddress,
  subdomainLabel,
} from './sites.js';

/**
 * A token of the Caddyfile: a site address or an upstream. Caddy reads whitespace, quotes, `#` and
 * braces as syntax and replaces `{$NAME}` with an environment variable, so no quoting makes any text
 * literal there: what is not a host name, port or wildcard is refused.
 */
function caddyToken(text: string, where: string): string {
  if (!/^[A-Za-z0-9.*:_-]+$/.test(text)) {
    throw new UserError(`${where}: ${shown(text)} cannot be written as a Caddyfile address`);
  }
  return text;
}

export function exportCaddy(model: DeployModel, domain: string | undefined): ExportResult {
  const ported = portedServices(model);
  if (ported.length === 0) {
    throw new UserError(
      `no process declares a port, so there is nothing for Caddy to forward to: set processes.<name>.port in ` +
        `devenv.json`,
    );
  }
  checkWildcardDomain(domain, ported);
  checkDistinct(ported.slice(1), subdomainLabel, 'the subdomain');
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
      `${caddyToken(siteAddress(site, i, s), '--domain')} {`,
      `\treverse_proxy ${caddyToken(`localhost:${s.port}`, `${s.where}.port`)}`,
      '}',
    );
  });
  return { files: [{ name: 'Caddyfile', content: `${lines.join('\n')}\n`, mode: 0o644 }], notes: [] };
}
