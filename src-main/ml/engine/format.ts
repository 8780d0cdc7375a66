/**
 * The engine report as text for people: the CLI's `doctor`, the log at the top of a training
 * run, a bug report. One line per candidate, so a user sees at once why their GPU is not used.
 */
import type { CandidateReport, EngineReport } from './types.js';

export const GPU_INSTALL_HINT =
  'How to enable the GPU engine: npm install @tensorflow/tfjs-node-gpu (needs CUDA 11.x + cuDNN 8; see README)';

/** "tensorflow (tfjs-node-gpu)": two candidates share the backend name `tensorflow`. */
export function candidateLabel(candidate: Pick<CandidateReport, 'name' | 'package'>): string {
  return candidate.name === 'tensorflow' ? `tensorflow (${candidate.package.replace(/^@tensorflow\//, '')})` : candidate.name;
}

export function formatEngineReport(report: EngineReport): string {
  const { active } = report;
  const pkg = active.version === null ? active.package : `${active.package} ${active.version}`;
  const device = active.device === null ? '' : ` — device: ${active.device}`;
  const lines = [`Compute engine: ${active.name} (${pkg})${device}`];
  if (active.reason.startsWith('forced')) lines.push(`  (${active.reason})`);
  for (const c of report.candidates) {
    const isActive = c.name === active.name && c.package === active.package;
    const detail = c.available && c.device !== null && !isActive ? ` (${c.device})` : '';
    lines.push(`  ${c.available ? '✓' : '✗'} ${candidateLabel(c)}: ${c.reason}${detail}${isActive ? '  ← active' : ''}`);
  }
  if (report.notes.length === 1) lines.push(`Notes: ${report.notes[0]}`);
  if (report.notes.length > 1) lines.push('Notes:', ...report.notes.map((n) => `  - ${n}`));
  lines.push(`TensorFlow.js ${report.tfjsVersion}`);
  if (active.package !== '@tensorflow/tfjs-node-gpu') lines.push(GPU_INSTALL_HINT);
  return lines.join('\n');
}
