import type { Project } from './project.js';

export interface ProjectCounts {
  images: number;
  /** Files that could not be imported (each has its reason in the dataset view). */
  importErrors: number;
  patients: number;
  eyes: number;
  volumes: number;
  sources: number;
  labelSets: number;
  labelledImages: number;
  runs: number;
  jobsRunning: number;
}

export interface ProjectSummary {
  dir: string;
  id: string;
  name: string;
  createdAt: string;
  schemaVersion: number;
  counts: ProjectCounts;
}

/** What the Projects view and `octdino status` show: identity plus counts, in one read. */
export function summarizeProject(project: Project): ProjectSummary {
  const count = (sql: string): number => (project.db.prepare(sql).pluck().get() as number | null) ?? 0;
  const meta = project.meta;
  return {
    dir: project.dir,
    id: meta.id,
    name: meta.name,
    createdAt: meta.createdAt,
    schemaVersion: project.schemaVersion,
    counts: {
      images: count("SELECT count(*) FROM images WHERE status = 'ok'"),
      importErrors: count("SELECT count(*) FROM images WHERE status = 'error'"),
      patients: count('SELECT count(*) FROM patients'),
      eyes: count('SELECT count(*) FROM (SELECT DISTINCT patient_id, eye FROM volumes WHERE eye IS NOT NULL)'),
      volumes: count('SELECT count(*) FROM volumes'),
      sources: count('SELECT count(*) FROM sources'),
      labelSets: count('SELECT count(*) FROM label_sets'),
      labelledImages: count('SELECT count(DISTINCT image_id) FROM annotations'),
      runs: count('SELECT count(*) FROM runs'),
      jobsRunning: count("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"),
    },
  };
}
