/**
 * Device check: the tiny DINO parity run on cpu, then on webgpu, in one process, and the
 * comparison as JSON on stdout (gpu-check.sh saves it as parity.json). Exit code 0 when they
 * agree, 1 when they do not, 2 when webgpu cannot run at all.
 *
 *   npx tsx scripts/device/device-main.ts parity [--resnet] [--tolerance 1e-3]
 */
import { compareParity, runParity, TINY_RESNET_PARITY, TINY_VIT_PARITY, type ParityRun } from '../../src-main/ml/bench/backend-parity.js';

export async function webgpuParity(args: string[]): Promise<number> {
const setting = args.includes('--resnet') ? TINY_RESNET_PARITY : TINY_VIT_PARITY;
const tolIndex = args.indexOf('--tolerance');
const tolerance = tolIndex >= 0 ? Number(args[tolIndex + 1]) : 1e-3;

const runs: Record<string, ParityRun | { error: string }> = {};
for (const backend of ['cpu', 'webgpu'] as const) {
  try {
    runs[backend] = await runParity(backend, setting);
  } catch (err) {
    runs[backend] = { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}
const cpu = runs.cpu;
const gpu = runs.webgpu;
const comparison = cpu && gpu && !('error' in cpu) && !('error' in gpu) ? compareParity(cpu, gpu, tolerance) : null;
const brief = (r: ParityRun | { error: string } | undefined) =>
  r && !('error' in r) ? { backend: r.backend, device: r.device, seconds: r.seconds, steps: r.steps } : r;
process.stdout.write(
  JSON.stringify({ setting, tolerance, cpu: brief(cpu), webgpu: brief(gpu), comparison }, null, 2) + '\n',
);
return comparison === null ? 2 : comparison.ok ? 0 : 1;
}
