import { printJson, type CliIo } from '../output.js';
import { option, parseCommand } from '../parse.js';

export const engineHelp = `Usage: octdino engine [--json]
Show which TensorFlow.js backend is used, on which device, and why the better ones are not.`;

export async function engineCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, { json: option.boolean });
  const { detectEngine, formatEngineReport } = await import('../../ml/engine/index.js');
  const report = await detectEngine();
  if (values.json) printJson(io, report);
  else io.out(formatEngineReport(report));
}
