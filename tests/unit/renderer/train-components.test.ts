import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ComparisonTable from '../../../renderer/src/features/train/ComparisonTable.svelte';
import PipelineProgress from '../../../renderer/src/features/train/PipelineProgress.svelte';
import RunsList from '../../../renderer/src/features/train/RunsList.svelte';
import { makeJob } from './job-fixture.js';
import { comparison, runItem } from './results-fixture.js';

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
