import { openProject } from '../project/project.js';
import { preparePostgres } from '../postgres/prepare.js';
import { refill } from '../postgres/spares.js';

/** Internal (`devenv __refill`): started in the background after an init to prepare the next one. */
export default async function refillCommand(): Promise<number> {
  await refill(preparePostgres(openProject(process.cwd())));
  return 0;
}
