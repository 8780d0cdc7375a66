/** Exports in one place: run results, labels and the project archive (see each module). */
export { DOWNLOAD_FOLDERS, downloadTarget, ExportError, listExports, type ExportedFile, type ExportResult, type ListedFile } from './export-files.js';
export { exportLabels, type LabelsExportRequest, type LabelsExportResult } from './labels-export.js';
export { exportProjectArchive, type ArchiveOptions, type ArchiveResult } from './project-archive.js';
export { exportBackbone, exportClassifier, exportMetrics, exportPredictions, type RunExportKind, type RunExportResult } from './run-exports.js';
