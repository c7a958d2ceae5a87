// Process labels in colour: the n-th name of a run always gets the same one.
import kleur from 'kleur';

const PALETTE = ['cyan', 'yellow', 'green', 'magenta', 'blue', 'red'] as const;

/** `label` in the colour of the `index`-th name (the same palette for `up` and `devenv logs`). */
export function paintLabel(label: string, index: number): string {
  const paint = kleur[PALETTE[index % PALETTE.length]!];
  // kleur reads its global `enabled` flag at call time; the caller has decided to colour.
  const saved = kleur.enabled;
  kleur.enabled = true;
  try {
    return paint(label);
  } finally {
    kleur.enabled = saved;
  }
}
