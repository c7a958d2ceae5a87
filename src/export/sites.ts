// The sites a deployment serves: which processes get one (those with a port), the host name each
// is served on, and the --domain they hang from.
import { UserError } from '../errors.js';
import { shown } from '../util/show.js';
import type { DeployModel, DeployService } from './deploy-model.js';

/** The site address when --domain is not given: valid, served locally, obviously to be replaced. */
export const DEFAULT_DOMAIN = 'localhost';

const DOMAIN = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** --domain is written into a Caddyfile and a Nix string: a host name, nothing else. */
export function checkDomain(domain: string): string {
  if (!DOMAIN.test(domain) || domain.length > 253) {
    throw new UserError(`--domain ${shown(domain)}: give a host name, e.g. --domain example.com`);
  }
  return domain.toLowerCase();
}

/** The processes that declare a port; the first is the one a bare domain goes to ("web" if it has a port). */
export function portedServices(model: DeployModel): DeployService[] {
  const ported = model.services.filter((s) => s.port !== undefined);
  const web = ported.findIndex((s) => s.process === 'web');
  if (web > 0) ported.unshift(...ported.splice(web, 1));
  return ported;
}

/** A host name label for a process (process names may hold '_', host names may not). */
export function subdomainLabel(service: DeployService): string {
  return (
    service.process
      .toLowerCase()
      .replace(/_/g, '-')
      .replace(/^-+|-+$/g, '') || 'app'
  );
}

/** A wildcard domain can serve one process: the others' sites would be `<label>.*.<domain>`, no host name. */
export function checkWildcardDomain(domain: string | undefined, ported: DeployService[]): void {
  if (!domain?.startsWith('*.') || ported.length < 2) return;
  throw new UserError(
    `--domain ${shown(domain)}: a wildcard site serves one process, and ${ported.length} declare a port ` +
      `(${ported.map((s) => s.process).join(', ')}), each on its own subdomain: give a host name, e.g. ` +
      `--domain ${domain.slice(2)}`,
  );
}

/** The site address of a ported process: the domain for the first, `<process>.<domain>` for the others. */
export function siteAddress(domain: string, index: number, service: DeployService): string {
  return index === 0 ? domain : `${subdomainLabel(service)}.${domain}`;
}

/**
 * Two processes whose names map to one name in a generated file (web_x and web-x are both served on
 * web-x.<domain>; Web and web too) would make that file invalid: refused, naming both.
 */
export function checkDistinct(services: DeployService[], nameOf: (s: DeployService) => string, what: string): void {
  const seen = new Map<string, string>();
  for (const s of services) {
    const name = nameOf(s);
    const other = seen.get(name);
    if (other !== undefined) {
      throw new UserError(`processes "${other}" and "${s.process}" would both get ${what} ${shown(name)}; rename one`);
    }
    seen.set(name, s.process);
  }
}
