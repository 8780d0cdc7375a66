import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobView } from '../../../src-main/api/types.js';
import JobsPanel from '../../../renderer/src/features/jobs/JobsPanel.svelte';
import { makeJob } from './job-fixture.js';

function job(overrides: Partial<JobView>): JobView {
  return makeJob(overrides);
}

afterEach(() => cleanup());

describe('JobsPanel', () => {
  it('shows a running job with its progress, percent, message, ETA and metrics', () => {
    render(JobsPanel, {
      jobs: [job({ id: 7, progress: 0.4, message: 'Demo B-scan 173 of 432', etaSeconds: 80, metrics: { created: 173, loss: 0.123456 } })],
      onCancel: vi.fn(),
      onResume: vi.fn(),
    });
    const item = screen.getByTestId('job-7');
    expect(within(item).getByText('Generate demo dataset')).toBeInTheDocument();
    expect(within(item).getByText('running')).toBeInTheDocument();
    expect(within(item).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '40');
    expect(within(item).getByText('40 %')).toBeInTheDocument();
    expect(within(item).getByText('1 min 20 s left')).toBeInTheDocument();
    expect(within(item).getByText('Demo B-scan 173 of 432')).toBeInTheDocument();
    expect(within(item).getByText('created')).toBeInTheDocument();
    expect(within(item).getByText('0.1235')).toBeInTheDocument();
  });

  it('calls onCancel with the job id', async () => {
    const onCancel = vi.fn();
    render(JobsPanel, { jobs: [job({ id: 3, status: 'running' })], onCancel, onResume: vi.fn() });
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalledWith(3);
  });

  it('offers Resume (not Cancel) for interrupted and failed jobs, and shows why it failed', async () => {
    const onResume = vi.fn();
    render(JobsPanel, {
      jobs: [
        job({ id: 5, status: 'interrupted', progress: 0.5, etaSeconds: 30 }),
        job({ id: 4, status: 'failed', error: { name: 'Error', message: 'disk full' } }),
      ],
      onCancel: vi.fn(),
      onResume,
    });
    const interrupted = screen.getByTestId('job-5');
    expect(within(interrupted).queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(within(interrupted).queryByText('30 s left')).toBeNull(); // no ETA for a job that is not running
    await fireEvent.click(within(interrupted).getByRole('button', { name: 'Resume' }));
    expect(onResume).toHaveBeenCalledWith(5);
    expect(within(screen.getByTestId('job-4')).getByText('disk full')).toBeInTheDocument();
  });

  it('offers no button for a completed job', () => {
    render(JobsPanel, { jobs: [job({ status: 'completed', progress: 1 })], onCancel: vi.fn(), onResume: vi.fn() });
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  });

  it('says so when there are no jobs', () => {
    render(JobsPanel, { jobs: [], onCancel: vi.fn(), onResume: vi.fn() });
    expect(screen.getByText(/No jobs in this project yet/)).toBeInTheDocument();
  });
});
