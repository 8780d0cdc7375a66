/**
 * The `quick` preset end to end, as a user runs it: `octdino pipeline --preset quick` on the
 * full demo dataset (12 patients, 432 B-scans of 504 x 496), timing every stage from the
 * pipeline's child runs. The promise of the preset: minutes on a laptop CPU.
 *
 *   npx tsx tests/bench/pipeline-quick.bench.ts [--backend wasm] [--keep]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JobRunner } from '../../src-main/jobs/job-runner.js';
import { Project } from '../../src-main/project/project.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, keep: { type: 'boolean', default: false } } });
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'octdino-quick-'));
const projectDir = path.join(dir, 'demo');

const project = Project.create(projectDir);
const runner = new JobRunner(project);
const t0 = Date.now();
const demo = await runner.waitFor(runner.start('demo.generate', {}).id);
runner.shutdown();
if (demo.status !== 'completed') throw new Error(`demo: ${JSON.stringify(demo.error)}`);
const images = project.db.prepare('SELECT count(*) FROM images').pluck().get() as number;
project.close();
console.log(`demo dataset: ${images} images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const started = Date.now();
const out = execFileSync(process.execPath, [path.join(root, 'bin/octdino.js'), 'pipeline', '--project', projectDir, '--preset', 'quick', '--backend', values.backend as string, '--json'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 1 << 26,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const total = (Date.now() - started) / 1000;
const result = JSON.parse(out) as { pipeline: number; arms: Record<string, { macroAuroc: number | null; macroAurocCi95: [number, number] | null }>; backend: string };

const reopened = Project.open(projectDir);
const stages = reopened.db
  .prepare('SELECT name, kind, started_at AS s, finished_at AS f FROM runs WHERE parent_run_id = ? ORDER BY id')
  .all(result.pipeline) as { name: string; kind: string; s: string; f: string }[];
console.log(`quick preset on ${result.backend}: ${(total / 60).toFixed(1)} min in all`);
for (const st of stages) console.log(`  ${st.kind.padEnd(13)} ${st.name.padEnd(16)} ${((Date.parse(st.f) - Date.parse(st.s)) / 1000).toFixed(1)} s`);
for (const [arm, a] of Object.entries(result.arms)) {
  console.log(`  ${arm.padEnd(14)} test macro AUROC ${a.macroAuroc?.toFixed(3) ?? '-'} ${a.macroAurocCi95 ? `[${a.macroAurocCi95[0].toFixed(3)}, ${a.macroAurocCi95[1].toFixed(3)}]` : ''}`);
}
reopened.close();
if (!values.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`project kept at ${projectDir}`);
