import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte';
import type { Component } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ImportDialog from '../../../renderer/src/features/dataset/import/ImportDialog.svelte';
import { createServices } from '../../../renderer/src/lib/state/services.js';
import { fakeClient } from './fake-transport.js';
import { makeJob } from './job-fixture.js';
import ServicesHarness from './ServicesHarness.svelte';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup() {
  const { transport, api } = fakeClient();
  const services = createServices(api, window);
  // What startServices wires for the whole app: job events into the jobs state.
  api.onEvent((event) => {
    if (event.type === 'job.updated') services.jobs.apply(event.job);
  });
  const onClose = vi.fn();
  const onShowErrors = vi.fn();
  render(ServicesHarness, { props: { services, component: ImportDialog as unknown as Component<Record<string, unknown>>, props: { onClose, onShowErrors } } });
  return { transport, services, onClose, onShowErrors };
}

const job = (overrides: Parameters<typeof makeJob>[0]) => makeJob({ id: 9, kind: 'import', ...overrides });

afterEach(() => cleanup());

describe('ImportDialog', () => {
  it('starts an import job with the params of the form', async () => {
    const { transport } = setup();
    transport.answer('jobs.start', job({ status: 'queued' }));
    await fireEvent.input(screen.getByRole('textbox', { name: 'Image folder' }), { target: { value: '/data/scans' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Start import' }));
    await settle();
    expect(transport.calls.find((c) => c.method === 'jobs.start')?.input).toEqual({ kind: 'import', params: { kind: 'folder', root: '/data/scans', layout: 'auto' } });
    expect(screen.getByTestId('import-progress')).toBeInTheDocument();
  });

  it('shows live progress, cancels, and cannot be closed with Escape while running', async () => {
    const { transport, onClose } = setup();
    transport.answer('jobs.start', job({ status: 'queued' })).answer('jobs.cancel', job({ status: 'cancelled' }));
    await fireEvent.input(screen.getByRole('textbox', { name: 'Image folder' }), { target: { value: '/data/scans' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Start import' }));
    await settle();
    transport.emit({
      type: 'job.updated',
      job: job({ status: 'running', progress: 0.2, etaSeconds: 40, metrics: { files: 12, total: 60, added: 11, skipped: 0, failed: 1, filesPerSecond: 6 }, updatedAt: '2026-01-01T00:00:01.000Z' }),
    });
    await settle();
    expect(screen.getByTestId('import-files')).toHaveTextContent('12 of 60 files');
    expect(screen.getByText('6.0 files/s')).toBeInTheDocument();
    expect(screen.getByText('40 s left')).toBeInTheDocument();
    expect(screen.getByTestId('import-failed')).toHaveTextContent('1');
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '20');

    await fireEvent.keyDown(screen.getByTestId('import-dialog'), { key: 'Escape' });
    expect(onClose).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel import' }));
    await settle();
    expect(transport.calls.at(-1)).toEqual({ method: 'jobs.cancel', input: { id: 9 } });
    expect(screen.getByTestId('import-stopped')).toHaveTextContent('cancelled');
  });

  it('lists every failure with its reason when the import ends, then closes with Escape', async () => {
    const { transport, onClose, onShowErrors } = setup();
    transport.answer('jobs.start', job({ status: 'queued' }));
    await fireEvent.input(screen.getByRole('textbox', { name: 'Image folder' }), { target: { value: '/data/scans' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Start import' }));
    await settle();
    const failed = Array.from({ length: 40 }, (_, i) => ({ path: `bad-${i}.png`, reason: `truncated ${i}` }));
    transport.emit({
      type: 'job.updated',
      job: job({
        status: 'completed',
        progress: 1,
        updatedAt: '2026-01-01T00:00:05.000Z',
        result: { added: 20, skipped: 0, failed, skippedFiles: [{ relPath: 'a.txt', reason: 'not an image' }], rowsWithoutImage: [], imagesWithoutLabels: 0, warnings: ['w1'], seconds: 2 },
      }),
    });
    await settle();
    const list = screen.getByTestId('import-failures');
    expect(within(list).getAllByRole('listitem')).toHaveLength(40);
    expect(within(list).getByText('bad-39.png')).toBeInTheDocument();
    expect(within(list).getByText('truncated 39')).toBeInTheDocument();
    expect(screen.getByTestId('import-skipped-files')).toHaveTextContent('a.txt');
    expect(screen.getByTestId('import-warnings')).toHaveTextContent('w1');

    await fireEvent.click(screen.getByRole('button', { name: 'Show failed files in the grid' }));
    expect(onShowErrors).toHaveBeenCalled();
    await fireEvent.keyDown(screen.getByTestId('import-dialog'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalled();
  });

  it('reports a refused start through the one error path', async () => {
    const { transport, services } = setup();
    transport.fail('jobs.start', 'invalid_input', 'root: a folder path is required');
    await fireEvent.input(screen.getByRole('textbox', { name: 'Image folder' }), { target: { value: '  x' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Start import' }));
    await settle();
    expect(services.errors.list.map((e) => [e.message, e.code])).toEqual([['Could not start the import', 'invalid_input']]);
    expect(screen.getByTestId('import-form')).toBeInTheDocument();
  });

  it('keeps Tab inside the dialog, both ways', async () => {
    setup();
    const dialog = screen.getByTestId('import-dialog');
    const close = within(dialog).getByRole('button', { name: 'Close dialog' });
    const start = within(dialog).getByRole('button', { name: 'Start import' });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Image folder' }), { target: { value: '/scans' } });
    start.focus();
    await fireEvent.keyDown(start, { key: 'Tab' });
    expect(document.activeElement).toBe(close);
    await fireEvent.keyDown(close, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(start);
  });
});
