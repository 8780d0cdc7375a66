import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import type { Component } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api as contract } from '../../../src-main/api/contract.js';
import ComparisonTable from '../../../renderer/src/features/train/ComparisonTable.svelte';
import PipelineProgress from '../../../renderer/src/features/train/PipelineProgress.svelte';
import RunsList from '../../../renderer/src/features/train/RunsList.svelte';
import TrainView from '../../../renderer/src/features/train/TrainView.svelte';
import { createServices } from '../../../renderer/src/lib/state/services.js';
import { fakeClient } from './fake-transport.js';
import { makeJob } from './job-fixture.js';
import { comparison, runItem } from './results-fixture.js';
import ServicesHarness from './ServicesHarness.svelte';

afterEach(() => cleanup());

describe('PipelineProgress', () => {
  it('shows the stage, progress and ETA of a running pipeline, with Cancel and the run', async () => {
    const onCancel = vi.fn();
    const onShowRun = vi.fn();
    render(PipelineProgress, {
      job: makeJob({ id: 4, kind: 'pipeline', progress: 0.62, message: 'dino_linear (2/8, 25 %, seed 0) · epoch 3 of 100', etaSeconds: 125, runId: 9 }),
      onCancel,
      onResume: vi.fn(),
      onShowRun,
    });
    expect(screen.getByTestId('pipeline-stage')).toHaveTextContent('dino_linear (2/8, 25 %, seed 0) · epoch 3 of 100');
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '62');
    expect(screen.getByTestId('pipeline-eta')).toHaveTextContent('2 min 5 s left');
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalledWith(4);
    await fireEvent.click(screen.getByRole('button', { name: 'Show run 9' }));
    expect(onShowRun).toHaveBeenCalledWith(9);
  });

  it('offers Resume for an interrupted pipeline and shows why one failed', async () => {
    const onResume = vi.fn();
    const { rerender } = render(PipelineProgress, { job: makeJob({ id: 5, kind: 'pipeline', status: 'interrupted' }), onCancel: vi.fn(), onResume, onShowRun: vi.fn() });
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect(onResume).toHaveBeenCalledWith(5);
    await rerender({ job: makeJob({ id: 5, kind: 'pipeline', status: 'failed', error: { name: 'Error', message: 'No label set "X"' } }), onCancel: vi.fn(), onResume, onShowRun: vi.fn() });
    expect(screen.getByRole('alert')).toHaveTextContent('No label set "X"');
  });
});

describe('RunsList and ComparisonTable', () => {
  it('lists runs and selects one from the keyboard-reachable name button', async () => {
    const onSelect = vi.fn();
    render(RunsList, { runs: [runItem(9, { status: 'running' }), runItem(4)], selectedId: 4, onSelect });
    const rows = screen.getAllByTestId('run-row');
    expect(within(rows[0]!).getByTestId('run-status')).toHaveTextContent('running');
    expect(within(rows[1]!).getByRole('button')).toHaveAttribute('aria-current', 'true');
    await fireEvent.click(within(rows[0]!).getByRole('button', { name: 'Pipeline 9' }));
    expect(onSelect).toHaveBeenCalledWith(9);
  });

  it('marks the best arm of each row and shows intervals', () => {
    render(ComparisonTable, { comparison: comparison(9), onChoose: vi.fn() });
    const drt = screen.getAllByTestId('comparison-row')[0]!;
    const best = within(drt).getAllByTestId('comparison-cell').filter((c) => c.classList.contains('best'));
    expect(best.map((c) => c.dataset.arm)).toEqual(['dino_finetune']);
    expect(best[0]).toHaveTextContent('0.900 [0.850, 0.950]');
    expect(screen.getByText('(running)')).toBeInTheDocument();
  });
});

describe('TrainView', () => {
  it('explains what to do in a project without runs, next to the pipeline form', async () => {
    const { transport, api } = fakeClient();
    const services = createServices(api, window);
    services.app.applyProject({
      dir: '/study',
      id: 'p1',
      name: 'Study',
      createdAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 3,
      counts: { images: 10, importErrors: 0, patients: 2, eyes: 2, volumes: 2, sources: 1, labelSets: 1, labelledImages: 10, runs: 0, jobsRunning: 0 },
    });
    const presets = await contract['pipeline.presets'].handler(null as never, {});
    transport.answer('runs.list', []).answer('labels.stats', []).answer('pipeline.presets', presets).answer('jobs.list', []);
    render(ServicesHarness, { props: { services, component: TrainView as unknown as Component<Record<string, unknown>>, props: {} } });
    await waitFor(() => expect(screen.getByTestId('runs-empty')).toBeInTheDocument());
    expect(screen.getByTestId('runs-empty')).toHaveTextContent('Run pipeline');
    expect(screen.getByTestId('pipeline-form')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Run pipeline' })).toBeDisabled(); // no label set to train on
    expect(screen.getByTestId('pipeline-problems')).toBeInTheDocument();
  });
});
