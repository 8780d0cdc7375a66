import type { JobView } from '../../../src-main/api/types.js';

/** A running job with every field filled in; tests override what they look at. */
export function makeJob(overrides: Partial<JobView> = {}): JobView {
  return {
    id: 1,
    kind: 'demo.generate',
    status: 'running',
    params: {},
    runId: null,
    progress: 0,
    message: '',
    etaSeconds: null,
    metrics: {},
    result: null,
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
