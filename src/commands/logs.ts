import { UserError } from '../errors.js';

export default async function logs(): Promise<number> {
  throw new UserError('`devenv logs` is not available yet');
}
