// The app list a supervisor accepts: unique, valid names, none of them taken by devenv's own lines, and
// dependencies that name apps of the list without a cycle.
import { type AppDefinition, DATABASE_NAME, isProcessName, SELF_NAME } from '../app-definition.js';
import { dependencyProblem } from '../app-graph.js';

/** Throws the first problem of the list. `databaseName`: the supervised database's name (null: none). */
export function checkAppList(specs: AppDefinition[], databaseName: string | null): void {
  const names = specs.map((a) => a.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`process "${dup}" is defined twice`);
  if (names.includes(SELF_NAME) || (databaseName !== null && names.includes(databaseName))) {
    throw new Error(`process names "${SELF_NAME}" and "${databaseName ?? DATABASE_NAME}" are reserved`);
  }
  const bad = names.find((n) => !isProcessName(n));
  if (bad !== undefined) throw new Error(`invalid process name ${JSON.stringify(bad)}`);
  const graph = dependencyProblem(specs);
  if (graph) throw new Error(`processes.${graph}`);
}
