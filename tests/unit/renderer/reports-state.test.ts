import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import type { Component } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import FirstRunGuide from '../../../renderer/src/features/first-run/FirstRunGuide.svelte';
import { FIRST_RUN_KEY, FIRST_RUN_STEPS, FirstRunState } from '../../../renderer/src/features/first-run/first-run-state.svelte.js';
import GpuHelp from '../../../renderer/src/features/settings/GpuHelp.svelte';
import { ErrorsState } from '../../../renderer/src/lib/state/errors.svelte.js';
import { downloadUrl, formatBytes, ReportsState, reportableRuns } from '../../../renderer/src/lib/state/reports-state.svelte.js';
import { createServices } from '../../../renderer/src/lib/state/services.js';
import { fakeClient, type FakeTransport } from './fake-transport.js';
import { runDetail, runItem } from './results-fixture.js';
import ServicesHarness from './ServicesHarness.svelte';

afterEach(() => cleanup());

const settle = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};
const callsOf = (transport: FakeTransport, method: string) => transport.calls.filter((c) => c.method === method);
const file = (relative: string, bytes = 10) => ({ path: `/p/${relative}`, relative, bytes });

function setup() {
  const { transport, api } = fakeClient();
  const errors = new ErrorsState();
  const detail = runDetail(9);
  const arm = { ...detail.self, id: 12, kind: 'linear_probe' as const, arm: 'dino_linear' };
  const pretrain = { ...detail.self, id: 10, kind: 'pretrain' as const, arm: null };
  transport
    .answer('runs.list', [runItem(3, { kind: 'pretrain' }), runItem(9), runItem(4, { kind: 'sweep' })])
    .answer('labelSets.list', [{ id: 1, name: 'Biomarkers', kind: 'multi_label', description: null, labels: [] }])
    .answer('annotators.list', [{ id: 2, name: 'Alice', kind: 'human' }])
    .answer('exports.list', [{ ...file('reports/old.html'), folder: 'reports', modified: '2026-01-01T00:00:00.000Z' }])
    .answer('runs.get', { ...detail, children: [pretrain, arm] });
  return { transport, errors, reports: new ReportsState(api, errors) };
}

describe('ReportsState', () => {
  it('lists pipelines and sweeps first, newest first, and selects one with its stages', async () => {
    const { transport, reports } = setup();
    await reports.load();
    await settle();
    expect(reports.runs.map((r) => r.id)).toEqual([9, 4, 3]);
    expect(reports.selectedId).toBe(9);
    expect(reports.children.map((c) => c.id)).toEqual([10, 12]);
    expect(reports.labelSets.map((s) => s.name)).toEqual(['Biomarkers']);
    expect(reports.listed).toEqual([{ name: 'old.html', relative: 'reports/old.html', path: '/p/reports/old.html', bytes: 10, url: '/api/files/reports/old.html' }]);
    expect(callsOf(transport, 'runs.get')).toEqual([{ method: 'runs.get', input: { id: 9 } }]);
  });

  it('writes a pipeline report by pipelineId and a single run report by runIds, with a download link', async () => {
    const { transport, reports } = setup();
    transport.answer('reports.create', { path: '/p/reports/report-pipeline-9-x.html', format: 'html', bytes: 2048, runIds: [9, 10], sections: 7, attentionExamples: 2 });
    await reports.load();
    const done = await reports.run({ kind: 'report', format: 'html' });
    expect(callsOf(transport, 'reports.create').at(-1)?.input).toEqual({ pipelineId: 9, format: 'html' });
    expect(done?.files).toEqual([{ name: 'report-pipeline-9-x.html', relative: 'reports/report-pipeline-9-x.html', path: '/p/reports/report-pipeline-9-x.html', bytes: 2048, url: '/api/files/reports/report-pipeline-9-x.html' }]);
    expect(reports.done).toHaveLength(1);
    await reports.select(3);
    await reports.run({ kind: 'report', format: 'pdf' });
    expect(callsOf(transport, 'reports.create').at(-1)?.input).toEqual({ runIds: [3], format: 'pdf' });
    expect(reports.done.map((d) => d.title)).toEqual(['Report (PDF)', 'Report (HTML)']);
  });

  it('calls the matching export endpoint for each action and refreshes the list', async () => {
    const { transport, reports } = setup();
    const answer = (relative: string) => ({ path: `/p/${relative}`, files: [file(relative)], bytes: 10, summary: 'ok', runId: 9, count: 1 });
    transport
      .answer('exports.predictions', answer('exports/predictions-run-9.csv'))
      .answer('exports.metrics', answer('exports/metrics-run-9.csv'))
      .answer('exports.classifier', { ...answer('exports/classifier-run-12'), files: [file('exports/classifier-run-12/model.json'), file('exports/classifier-run-12/weights.bin')] })
      .answer('exports.backbone', answer('exports/backbone-run-10.safetensors'))
      .answer('exports.labels', { ...answer('exports/labels-Biomarkers.csv'), labelSet: 'Biomarkers', annotator: 'Alice', rows: 3, labels: 2 })
      .answer('exports.archive', { ...answer('exports/demo-archive.zip'), entries: ['project.sqlite'], images: 3 });
    await reports.load();
    await reports.run({ kind: 'predictions', runId: 9 });
    await reports.run({ kind: 'metrics', runId: 9 });
    const cls = await reports.run({ kind: 'classifier', runId: 12 });
    await reports.run({ kind: 'backbone', runId: 10 });
    await reports.run({ kind: 'labels', labelSetId: 1, annotatorId: 2 });
    await reports.run({ kind: 'labels', labelSetId: 1, annotatorId: null });
    await reports.run({ kind: 'archive', withCheckpoints: true });
    expect(transport.calls.filter((c) => c.method.startsWith('exports.') && c.method !== 'exports.list').map((c) => [c.method, c.input])).toEqual([
      ['exports.predictions', { runId: 9 }],
      ['exports.metrics', { runId: 9 }],
      ['exports.classifier', { runId: 12 }],
      ['exports.backbone', { runId: 10 }],
      ['exports.labels', { labelSetId: 1, annotatorId: 2 }],
      ['exports.labels', { labelSetId: 1 }],
      ['exports.archive', { withCheckpoints: true }],
    ]);
    expect(cls?.files.map((f) => [f.name, f.url])).toEqual([
      ['classifier-run-12/model.json', '/api/files/exports/classifier-run-12/model.json'],
      ['classifier-run-12/weights.bin', '/api/files/exports/classifier-run-12/weights.bin'],
    ]);
    await settle();
    expect(callsOf(transport, 'exports.list').length).toBe(8);
  });

  it('shows a failed export in the error banner, runs one export at a time, and forgets everything on reload', async () => {
    const { transport, errors, reports } = setup();
    transport.fail('exports.classifier', 'invalid_input', 'Run 9 is not a downstream run.');
    await reports.load();
    expect(await reports.run({ kind: 'classifier', runId: 9 })).toBeNull();
    expect(errors.list.map((e) => [e.message, e.detail])).toEqual([['Could not export: Classifier of run 9 (TensorFlow.js)', 'Run 9 is not a downstream run.']]);
    expect(reports.busy).toBeNull();

    let release: () => void = () => {};
    transport.handlers.set('exports.metrics', () => new Promise((resolve) => (release = () => resolve({ ok: true, result: { path: '/p/x', files: [], bytes: 0, summary: '', runId: 9, count: 0 } }))));
    const first = reports.run({ kind: 'metrics', runId: 9 });
    await settle();
    expect(reports.busy).toBe(JSON.stringify({ kind: 'metrics', runId: 9 }));
    expect(await reports.run({ kind: 'metrics', runId: 9 })).toBeNull();
    release();
    await first;
    expect(reports.done).toHaveLength(1);
    await reports.load();
    expect(reports.done).toEqual([]);
  });

  it('shows paths instead of links on the desktop (IPC)', async () => {
    const { transport, reports } = setup();
    Object.defineProperty(transport, 'kind', { value: 'ipc' });
    await reports.load();
    expect(reports.downloads).toBe(false);
    expect(reports.listed[0]?.url).toBeNull();
  });

  it('helpers: run order, download URLs, sizes', () => {
    expect(reportableRuns([runItem(1, { kind: 'pretrain' }), runItem(2), runItem(5)]).map((r) => r.id)).toEqual([5, 2, 1]);
    expect(downloadUrl('exports/a b/c#.csv')).toBe('/api/files/exports/a%20b/c%23.csv');
    expect([formatBytes(512), formatBytes(1500), formatBytes(12_345_678), formatBytes(3e9)]).toEqual(['512 B', '1.5 kB', '12 MB', '3.0 GB']);
  });
});

describe('first-run guide', () => {
  function memoryStorage(initial: Record<string, string> = {}) {
    const data = new Map(Object.entries(initial));
    return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data };
  }

  it('is shown until dismissed, and remembers the dismissal', () => {
    const storage = memoryStorage();
    const guide = new FirstRunState(storage);
    expect(guide.visible).toBe(true);
    guide.dismiss();
    expect(guide.visible).toBe(false);
    expect(storage.data.get(FIRST_RUN_KEY)).toBe('1');
    expect(new FirstRunState(storage).visible).toBe(false);
  });

  it('survives a storage that throws (shown again next time)', () => {
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    const guide = new FirstRunState(broken);
    expect(guide.visible).toBe(true);
    guide.dismiss();
    expect(guide.visible).toBe(false);
  });

  it('links each step to its view with a line of what to do, and hides on dismiss', async () => {
    const { api, transport } = fakeClient();
    transport.answer('projects.openDemo', { dir: '/demo', name: 'Demo', id: 'x', createdAt: '', schemaVersion: 1, counts: {} });
    const services = createServices(api, window);
    const storage = memoryStorage();
    render(ServicesHarness, { props: { services, component: FirstRunGuide as unknown as Component<Record<string, unknown>>, props: { storage } } });
    const steps = screen.getAllByTestId('first-run-step');
    expect(steps.map((s) => s.querySelector('a')?.getAttribute('href'))).toEqual(['#/dataset', '#/annotate', '#/train', '#/reports']);
    expect(steps.map((s) => s.querySelector('a')?.textContent)).toEqual(FIRST_RUN_STEPS.map((s) => s.title));
    await fireEvent.click(screen.getByTestId('first-run-demo'));
    expect(transport.calls.some((c) => c.method === 'projects.openDemo')).toBe(true);
    await fireEvent.click(screen.getByTestId('first-run-dismiss'));
    expect(screen.queryByTestId('first-run-guide')).toBeNull();
    expect(storage.data.get(FIRST_RUN_KEY)).toBe('1');
  });
});

describe('GpuHelp', () => {
  const report = (activePackage: string, device: string) => ({
    active: { name: 'wasm', package: activePackage, version: '4.22.0', device, reason: 'fallback', available: true },
    candidates: [{ name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', version: null, available: false, device: null, reason: 'not installed' }],
    tfjsVersion: '4.22.0',
    notes: [],
  });

  it('says how to enable the CUDA engine when it is not in use', () => {
    render(GpuHelp, { report: report('@tensorflow/tfjs-backend-wasm', 'cpu') as never });
    const help = screen.getByTestId('gpu-help');
    expect(screen.getByTestId('gpu-status')).toHaveTextContent('Not in use: not installed');
    expect(help).toHaveTextContent('CUDA 11.x');
    expect(help).toHaveTextContent('cuDNN 8');
    expect(help).toHaveTextContent('npm install @tensorflow/tfjs-node-gpu@4.22.0');
  });

  it('says the GPU is in use when it is', () => {
    render(GpuHelp, { report: report('@tensorflow/tfjs-node-gpu', 'NVIDIA H100') as never });
    expect(screen.getByTestId('gpu-status')).toHaveTextContent('Training runs on the GPU (NVIDIA H100)');
    expect(screen.getByTestId('gpu-help')).not.toHaveTextContent('npm install');
  });
});
