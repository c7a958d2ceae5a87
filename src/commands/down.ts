import { UserError } from '../errors.js';

export default async function down(): Promise<number> {
  throw new UserError('`devenv down` is not available yet');
}
