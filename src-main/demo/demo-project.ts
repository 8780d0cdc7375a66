import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Project } from '../project/project.js';

export const DEMO_PROJECT_NAME = 'Demo project (synthetic OCT)';

/** Where the built-in demo project lives inside the app's home folder. */
export function demoProjectDir(appHome: string): string {
  return path.join(appHome, 'demo-project');
}

/** Opens the demo project, creating its folder and database the first time. */
export function openOrCreateDemoProject(appHome: string): Project {
  const dir = demoProjectDir(appHome);
  mkdirSync(appHome, { recursive: true }); // first start: the app's home folder may not exist yet
  return Project.isProject(dir) ? Project.open(dir) : Project.create(dir, DEMO_PROJECT_NAME);
}

/** True when the demo images still need generating (first start, or a killed generation). */
export function demoNeedsGeneration(project: Project): boolean {
  const images = project.db.prepare("SELECT count(*) FROM images WHERE status = 'ok'").pluck().get() as number;
  const expected = project.db.prepare("SELECT value FROM project_meta WHERE key = 'demoImages'").pluck().get() as string | undefined;
  return images === 0 || (expected !== undefined && images < Number(expected));
}
