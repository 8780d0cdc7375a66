import { readOlivesSplit } from '../../import/olives/index.js';
import type { SqliteDatabase } from '../../project/database.js';
import { Project } from '../../project/project.js';
import { createPatientSplit, createSplitFromTrainTest, type SplitSummary } from '../../project/splits.js';
import { CliError } from '../cli-error.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const splitHelp = `Usage: octdino split --project DIR [--val 0.15] [--test 0.15] [--seed 0] [--label-set NAME] [--name NAME] [--json]
       octdino split --project DIR --olives-train CSV --olives-test CSV [--val 0.15] [--seed 0] ...
Assign whole patients to train/val/test, stratified on the label set's labels (the only label set
by default), and store the split. Images without a patient stay out of every subset.
With the official OLIVES split files (final_csvs_2 or _3), their test patients are the test set
and a validation share is carved out of their training patients.`;

/** Official OLIVES train/test files -> patient ids of this project; refuses splits that leak. */
async function officialParts(db: SqliteDatabase, train: string, test: string): Promise<{ parts: Map<number, 'train' | 'test'>; unmatched: number }> {
  const split = await readOlivesSplit({ train, test });
  if (split.patientsInBoth.length > 0) {
    throw new CliError(
      `These split files put ${split.patientsInBoth.length} patients (${split.patientsInBoth.slice(0, 4).join(', ')}…) in both train and test: the split is only eye-disjoint and would leak. Use final_csvs_2 or final_csvs_3.`,
    );
  }
  const ids = new Map((db.prepare('SELECT id, code FROM patients').all() as { id: number; code: string }[]).map((p) => [p.code, p.id]));
  const parts = new Map<number, 'train' | 'test'>();
  let unmatched = 0;
  for (const [code, part] of split.patients) {
    const id = ids.get(code);
    if (id === undefined) unmatched++;
    else parts.set(id, part);
  }
  if (parts.size === 0) throw new CliError('None of the split files\' patients are in this project. Import the OLIVES release first.');
  return { parts, unmatched };
}

function fraction(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (!Number.isFinite(x) || x < 0 || x >= 1) throw new CliError(`${flag} must be a number in [0, 1), got "${value}".`, 2);
  return x;
}

export async function splitCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, {
    project: option.string,
    val: option.string,
    test: option.string,
    seed: option.string,
    'label-set': option.string,
    name: option.string,
    'olives-train': option.string,
    'olives-test': option.string,
    json: option.boolean,
  });
  const official = values['olives-train'] !== undefined || values['olives-test'] !== undefined;
  if (official && (values['olives-train'] === undefined || values['olives-test'] === undefined)) {
    throw new CliError('--olives-train and --olives-test go together.', 2);
  }
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
    const name = values.name ?? `split ${new Date().toISOString().slice(0, 19).replace('T', ' ')} seed ${seed}`;
    let summary: SplitSummary;
    if (official) {
      const { parts, unmatched } = await officialParts(project.db, values['olives-train'] as string, values['olives-test'] as string);
      summary = createSplitFromTrainTest(project.db, { name, seed, valFraction: val, labelSetId, parts, source: `${values['olives-train']} + ${values['olives-test']}` });
      if (unmatched) io.err(`${unmatched} patients of the split files are not in this project.`);
    } else {
      summary = createPatientSplit(project.db, { name, seed, fractions: { train: 1 - val - test, val, test }, labelSetId });
    }
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
