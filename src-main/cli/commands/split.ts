import { Project } from '../../project/project.js';
import { createPatientSplit, type SplitSummary } from '../../project/splits.js';
import { CliError } from '../cli-error.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const splitHelp = `Usage: octdino split --project DIR [--val 0.15] [--test 0.15] [--seed 0] [--label-set NAME] [--name NAME] [--json]
Assign whole patients to train/val/test, stratified on the label set's labels (the only label set
by default), and store the split. Images without a patient stay out of every subset.`;

function fraction(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (!Number.isFinite(x) || x < 0 || x >= 1) throw new CliError(`${flag} must be a number in [0, 1), got "${value}".`, 2);
  return x;
}

export function splitCommand(argv: string[], io: CliIo): void {
  const { values } = parseCommand(argv, {
    project: option.string,
    val: option.string,
    test: option.string,
    seed: option.string,
    'label-set': option.string,
    name: option.string,
    json: option.boolean,
  });
  if (!values.project) throw new CliError(`split needs --project DIR.\n${splitHelp}`, 2);
  const val = fraction(values.val, 0.15, '--val');
  const test = fraction(values.test, 0.15, '--test');
  if (val + test >= 1) throw new CliError('--val and --test together must leave some patients for training.', 2);
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new CliError(`--seed must be an integer, got "${values.seed}".`, 2);
  const project = Project.open(values.project);
  try {
    const sets = project.db.prepare('SELECT id, name FROM label_sets ORDER BY id').all() as { id: number; name: string }[];
    let labelSetId: number | null = null;
    if (values['label-set'] !== undefined) {
      const set = sets.find((s) => s.name === values['label-set']);
      if (!set) throw new CliError(`No label set "${values['label-set']}". Label sets: ${sets.map((s) => `"${s.name}"`).join(', ') || 'none'}.`);
      labelSetId = set.id;
    } else if (sets.length === 1) {
      labelSetId = sets[0]?.id ?? null;
    }
    const summary: SplitSummary = createPatientSplit(project.db, {
      name: values.name ?? `split ${new Date().toISOString().slice(0, 19).replace('T', ' ')} seed ${seed}`,
      seed,
      fractions: { train: 1 - val - test, val, test },
      labelSetId,
    });
    if (values.json) {
      printJson(io, summary);
      return;
    }
    const s = summary.subsets;
    io.out(`Split "${summary.name}" (${summary.strategy}, seed ${seed}): train ${s.train.patients} patients (${s.train.images} images), val ${s.val.patients} (${s.val.images}), test ${s.test.patients} (${s.test.images}).`);
    if (summary.unassignedImages) io.out(`${summary.unassignedImages} images have no patient and are in no subset.`);
  } finally {
    project.close();
  }
}
