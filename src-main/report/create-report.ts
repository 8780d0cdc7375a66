/**
 * One report, end to end, for the CLI (`octdino report`) and the API (`reports.create`): gather
 * the data, add the attention examples, render the HTML, print it to PDF when asked, and write
 * the file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../api/errors.js';
import type { Project } from '../project/project.js';
import { addAttentionExamples } from './attention-examples.js';
import { collectReportData, ReportInputError } from './report-data.js';
import { renderReportHtml } from './report-html.js';
import { ChromiumNotFoundError, renderPdf } from './report-pdf.js';
import type { ReportScope } from './report-types.js';

export type ReportFormat = 'html' | 'pdf';

export interface ReportResult {
  path: string;
  format: ReportFormat;
  bytes: number;
  runIds: number[];
  sections: number;
  attentionExamples: number;
}

/** The format an output file's extension asks for, or null. */
export function formatOfPath(file: string): ReportFormat | null {
  const ext = path.extname(file).toLowerCase();
  return ext === '.pdf' ? 'pdf' : ext === '.html' || ext === '.htm' ? 'html' : null;
}

/** A file name under the project's reports/ folder, e.g. reports/report-pipeline-3-20260101-120000.pdf. */
export function defaultReportPath(projectDir: string, scope: ReportScope, format: ReportFormat, now = new Date()): string {
  const what = 'pipelineId' in scope ? `pipeline-${scope.pipelineId}` : `runs-${scope.runIds.join('-')}`;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.join(projectDir, 'reports', `report-${what}-${stamp}.${format}`);
}

export async function createReport(project: Project, scope: ReportScope, out: string, format: ReportFormat, options: { attention?: boolean } = {}): Promise<ReportResult> {
  const data = collectReportData(project, scope);
  if (options.attention !== false) await addAttentionExamples(project, data);
  const html = renderReportHtml(data);
  const bytes = format === 'pdf' ? await renderPdf(html) : Buffer.from(html, 'utf8');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, bytes);
  return { path: out, format, bytes: bytes.length, runIds: data.runIds, sections: (html.match(/<h2>/g) ?? []).length, attentionExamples: data.attention.examples.length };
}

/**
 * The API's form (`reports.create`): the file goes into the project's reports/ folder under a
 * dated name; input problems come back as `invalid_input` with the reason.
 */
export async function reportIntoProject(project: Project, input: { pipelineId?: number | undefined; runIds?: number[] | undefined; format: ReportFormat }): Promise<ReportResult> {
  const scope: ReportScope = input.pipelineId !== undefined ? { pipelineId: input.pipelineId } : { runIds: input.runIds ?? [] };
  try {
    return await createReport(project, scope, defaultReportPath(project.dir, scope, input.format), input.format);
  } catch (err) {
    if (err instanceof ReportInputError || err instanceof ChromiumNotFoundError) throw new ApiError('invalid_input', err.message);
    throw err;
  }
}
