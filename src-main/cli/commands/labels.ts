import { ExportError, exportLabels } from '../../export/index.js';
import { importLabelsCsv } from '../../project/labels-csv.js';
import { Project } from '../../project/project.js';
import { CliError } from '../cli-error.js';
import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const labelsHelp = `Usage: octdino labels export --project DIR [--label-set NAME] [--annotator NAME] --out FILE.csv [--json]
       octdino labels import --project DIR --file FILE.csv|FILE.xlsx [--label-set NAME] [--annotator NAME] [--human]
                             [--single-label] [--json]
export: one row per image — image_id,path,patient,eye,visit,slice, then one column per label:
        1 present, 0 absent, "uncertain", blank = unknown. The labels training uses (adjudicated,
        else human, else imported), or one annotator's with --annotator.
import: the same format, or OLIVES-style label files; rows find images by image_id, else by path.
        Into the named label set (created from the columns if new; default: the file's name), as
        an imported source named after the file, or as a human annotator with --human --annotator NAME.`;

export async function labelsCommand(argv: string[], io: CliIo): Promise<void> {
  const [what, ...rest] = argv;
  const { values } = parseCommand(rest, {
    project: option.string,
    'label-set': option.string,
    annotator: option.string,
    out: option.string,
    file: option.string,
    human: option.boolean,
    'single-label': option.boolean,
    json: option.boolean,
  });
  if (what !== 'export' && what !== 'import') throw new CliError(`labels needs export or import.\n${labelsHelp}`, 2);
  if (typeof values.project !== 'string') throw new CliError(`labels ${what} needs --project DIR.\n${labelsHelp}`, 2);
  const project = Project.open(values.project);
  try {
    if (what === 'export') {
      if (values.out === undefined) throw new CliError(`labels export needs --out FILE.csv.\n${labelsHelp}`, 2);
      try {
        const result = await exportLabels(project, {
          out: values.out,
          ...(values['label-set'] !== undefined ? { labelSetName: values['label-set'] } : {}),
          ...(values.annotator !== undefined ? { annotatorName: values.annotator } : {}),
        });
        if (values.json) printJson(io, { labelSet: result.labelSet, out: values.out, rows: result.rows, labels: result.labels });
        else io.out(`Wrote ${result.rows} images × ${result.labels} labels of "${result.labelSet}" to ${values.out}.`);
      } catch (err) {
        if (err instanceof ExportError) throw new CliError(err.message);
        throw err;
      }
      return;
    }
    if (values.file === undefined) throw new CliError(`labels import needs --file FILE.\n${labelsHelp}`, 2);
    if (values.human && values.annotator === undefined) throw new CliError('labels import --human needs --annotator NAME (the person the labels come from).', 2);
    const result = await importLabelsCsv(project.db, {
      file: values.file,
      ...(values['label-set'] !== undefined ? { labelSet: values['label-set'] } : {}),
      ...(values.annotator !== undefined ? { annotator: values.annotator } : {}),
      ...(values.human ? { human: true } : {}),
      ...(values['single-label'] ? { kind: 'single_label' as const } : {}),
    });
    if (values.json) printJson(io, result);
    else {
      io.out(`Imported ${result.values} labels from ${result.matchedRows} of ${result.rows} rows into "${result.labelSet}"${result.createdLabelSet ? ' (new label set)' : ''} as ${result.annotator}.`);
      for (const u of result.unmatched.slice(0, 10)) io.out(`  line ${u.line}: ${u.path}: ${u.reason}`);
      if (result.unmatched.length > 10) io.out(`  … and ${result.rows - result.matchedRows - 10} more rows without an image`);
    }
  } finally {
    project.close();
  }
}
