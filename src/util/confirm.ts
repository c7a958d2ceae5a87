import { createInterface } from 'node:readline/promises';

/** Ask a yes/no question on the terminal (stderr); only "y" or "yes" agrees. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
