/**
 * A label set as a table (one row per image, one column per label): the labels training uses
 * (adjudicated, else human, else imported), or one annotator's. Shared by `octdino labels
 * export` and the `exports.labels` endpoint.
 */
import { AnnotationsRepository } from '../project/annotations.js';
import { exportLabelsCsv } from '../project/labels-csv.js';
import type { Project } from '../project/project.js';
import { ExportError, exportPath, exportResult, type ExportResult } from './export-files.js';

export interface LabelsExportRequest {
  /** The label set by id or name; the project's first set when neither is given. */
  labelSetId?: number;
  labelSetName?: string;
  /** One annotator's labels (by id or name) instead of the effective ones. */
  annotatorId?: number;
  annotatorName?: string;
  out?: string;
}

export interface LabelsExportResult extends ExportResult {
  labelSet: string;
  annotator: string | null;
  rows: number;
  labels: number;
}

export async function exportLabels(project: Project, request: LabelsExportRequest): Promise<LabelsExportResult> {
  const repo = new AnnotationsRepository(project.db);
  const sets = repo.labelSets();
  const set =
    request.labelSetId !== undefined ? sets.find((s) => s.id === request.labelSetId) : request.labelSetName !== undefined ? sets.find((s) => s.name === request.labelSetName) : sets[0];
  if (!set) {
    if (request.labelSetId !== undefined) throw new ExportError('not_found', `No label set ${request.labelSetId}.`);
    if (request.labelSetName !== undefined) throw new ExportError('not_found', `No label set "${request.labelSetName}" (the project has ${sets.map((s) => `"${s.name}"`).join(', ') || 'none'}).`);
    throw new ExportError('invalid', 'The project has no label sets.');
  }
  const annotators = repo.annotators();
  const annotator =
    request.annotatorId !== undefined ? annotators.find((a) => a.id === request.annotatorId) : request.annotatorName !== undefined ? annotators.find((a) => a.name === request.annotatorName) : undefined;
  if ((request.annotatorId !== undefined || request.annotatorName !== undefined) && !annotator) {
    throw new ExportError('not_found', `No annotator ${request.annotatorName !== undefined ? `"${request.annotatorName}"` : request.annotatorId} in this project.`);
  }
  const slug = `${set.name}${annotator ? `-${annotator.name}` : ''}`.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || `set-${set.id}`;
  const out = request.out ?? exportPath(project.dir, `labels-${slug}`, '.csv');
  const result = await exportLabelsCsv(project.db, { labelSetId: set.id, file: out, ...(annotator ? { annotatorId: annotator.id } : {}) });
  const whose = annotator ? `${annotator.name}'s` : 'effective';
  return {
    ...(await exportResult(project.dir, out, `${result.rows} images × ${result.labels} labels of "${set.name}" (${whose} labels)`)),
    labelSet: set.name,
    annotator: annotator?.name ?? null,
    ...result,
  };
}
