import { describe, expect, it, vi } from 'vitest';
import { comparisonRows, configSummary, budgetLabel, formatInterval } from '../../../renderer/src/lib/results/results-view.js';
import { efficiencyData } from '../../../renderer/src/lib/results/efficiency-chart.js';
import { ErrorsState } from '../../../renderer/src/lib/state/errors.svelte.js';
import { JobsState } from '../../../renderer/src/lib/state/jobs-state.svelte.js';
import { PREDICTIONS_PAGE_SIZE, PredictionsState } from '../../../renderer/src/lib/state/predictions-state.svelte.js';
import { TrainState } from '../../../renderer/src/lib/state/train-state.svelte.js';
import { fakeClient, type FakeTransport } from './fake-transport.js';
import { makeJob } from './job-fixture.js';
import { comparison, efficiency, predictionPage, runDetail, runItem } from './results-fixture.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const callsOf = (transport: FakeTransport, method: string) => transport.calls.filter((c) => c.method === method);

function answerAll(transport: FakeTransport): void {
  transport
    .answer('runs.list', [runItem(9), runItem(4)])
    .answer('labels.stats', [])
    .answer('pipeline.presets', { presetNames: ['quick'], presets: { quick: { name: 'quick', description: '', pretrain: {}, downstream: {} } }, arms: ['dino_linear'], pretrainHints: {}, downstreamHints: {} })
    .answer('runs.get', runDetail(9))
    .answer('results.comparison', comparison(9))
    .answer('results.efficiency', efficiency(9))
    .answer('results.predictions', predictionPage(11));
}

function newTrain() {
  const { transport, api } = fakeClient();
  const errors = new ErrorsState();
  const train = new TrainState(api, errors, new JobsState(api, errors));
  return { transport, train, errors };
}

describe('TrainState', () => {
  it('loads the runs when activated and shows the newest with its results and first arm’s predictions', async () => {
    const { transport, train } = newTrain();
    answerAll(transport);
    train.activate();
    train.activate(); // a second activation loads nothing again
    await settle();
    await settle();
    expect(callsOf(transport, 'runs.list')).toHaveLength(1);
    expect(train.loaded).toBe(true);
    expect(train.runs.map((r) => r.id)).toEqual([9, 4]);
    expect(train.selectedId).toBe(9);
    expect(train.detail?.run.id).toBe(9);
    expect(train.comparison?.arms).toHaveLength(3);
    expect(train.efficiency?.arms).toHaveLength(2);
    expect(train.arm).toBe('dino_linear');
    expect(callsOf(transport, 'results.predictions')[0]?.input).toEqual({ evaluationId: 11, sort: 'confidence_desc', offset: 0, limit: PREDICTIONS_PAGE_SIZE });
    expect(train.predictions.page?.rows).toHaveLength(1);
  });

  it('switches arm and sweep table; an arm without predictions falls back to the first with them', async () => {
    const { transport, train } = newTrain();
    answerAll(transport);
    train.activate();
    await settle();
    await settle();
    await train.chooseArm('dino_finetune');
    expect(train.predictions.evaluationId).toBe(12);
    await train.chooseArm('supervised');
    expect(train.arm).toBe('dino_linear');
    await train.chooseTable({ kind: 'count', value: 50 }, 2);
    expect(callsOf(transport, 'results.comparison').at(-1)?.input).toEqual({ runId: 9, budget: { kind: 'count', value: 50 }, seed: 2 });
  });

  it("loads a stage's curves by the names worth plotting among those it recorded", async () => {
    const { transport, train } = newTrain();
    answerAll(transport);
    transport.answer('runs.metrics', [{ name: 'loss', total: 3, steps: [0, 1, 2], values: [3, 2, 1] }]);
    const child = { ...comparison(9).arms[0]!, id: 21, kind: 'pretrain' as const, name: 'DINO', error: null, arm: null, createdAt: '', startedAt: null, finishedAt: null, val: null, test: null, metricNames: ['grad_norm', 'loss', 'lr', 'teacher_entropy'] };
    await train.showCurves(child);
    expect(callsOf(transport, 'runs.metrics')[0]?.input).toEqual({ id: 21, names: ['loss', 'teacher_entropy', 'lr'] });
    expect(train.curves).toMatchObject({ runId: 21, title: 'DINO' });
    await train.showCurves(null);
    expect(train.curves).toBeNull();
  });

  it('says when there are no runs, and reports a failure through the error path', async () => {
    const { transport, train, errors } = newTrain();
    answerAll(transport);
    transport.answer('runs.list', []);
    train.activate();
    await settle();
    expect(train.loaded).toBe(true);
    expect(train.runs).toEqual([]);
    expect(train.selectedId).toBeNull();
    transport.fail('runs.get', 'not_found', 'No run 3.');
    await train.select(3);
    expect(errors.list.at(-1)).toMatchObject({ message: 'Could not load run 3', code: 'not_found' });
  });

  it('refreshes when a pipeline job ends, throttled while it runs, and ignores other jobs', async () => {
    vi.useFakeTimers();
    try {
      const { transport, train } = newTrain();
      answerAll(transport);
      train.activate();
      await vi.runAllTimersAsync();
      const lists = () => callsOf(transport, 'runs.list').length;
      const before = lists();
      train.jobUpdated(makeJob({ kind: 'import', status: 'completed' }));
      await vi.runAllTimersAsync();
      expect(lists()).toBe(before);
      train.jobUpdated(makeJob({ kind: 'pipeline', status: 'running' }));
      train.jobUpdated(makeJob({ kind: 'pipeline', status: 'running' }));
      await vi.advanceTimersByTimeAsync(2500);
      expect(lists()).toBe(before + 1);
      train.jobUpdated(makeJob({ kind: 'pipeline', status: 'completed' }));
      await vi.advanceTimersByTimeAsync(1);
      expect(lists()).toBe(before + 2);
      expect(callsOf(transport, 'runs.get').length).toBeGreaterThanOrEqual(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows the run of the pipeline the form started once it has one', async () => {
    const { transport, train } = newTrain();
    answerAll(transport);
    train.activate();
    await settle();
    await settle();
    transport.answer('jobs.start', makeJob({ id: 30, kind: 'pipeline', status: 'queued' }));
    train.form.setLabelSets([{ id: 1, name: 'B', patients: { labelled: 0, imagesPerPatient: null }, kind: 'multi_label', labels: [] }]);
    // The fake presets are empty, so the request has no settings to complain about.
    expect(await train.form.start()).toBe(30);
    transport.answer('runs.get', runDetail(4));
    train.jobUpdated(makeJob({ id: 30, kind: 'pipeline', status: 'running', runId: 4 }));
    await settle();
    expect(train.selectedId).toBe(4);
    await train.select(9);
    train.jobUpdated(makeJob({ id: 30, kind: 'pipeline', status: 'running', runId: 4 }));
    expect(train.selectedId).toBe(9); // followed once, then the user's choice stands
  });

  it('forgets everything on reset (another project)', async () => {
    const { transport, train } = newTrain();
    answerAll(transport);
    train.activate();
    await settle();
    await settle();
    const epoch = train.epoch;
    train.reset();
    expect(train.epoch).toBe(epoch + 1);
    expect(train.runs).toEqual([]);
    expect(train.loaded).toBe(false);
    expect(train.comparison).toBeNull();
    expect(train.predictions.page).toBeNull();
  });
});

describe('PredictionsState', () => {
  it('sends label and sort, pages by the page size, and drops stale answers', async () => {
    const { transport, api } = fakeClient();
    const predictions = new PredictionsState(api, new ErrorsState());
    transport.answer('results.predictions', predictionPage(11));
    await predictions.show(11);
    expect(predictions.hasNext).toBe(true);
    await predictions.turn(1);
    expect(callsOf(transport, 'results.predictions').at(-1)?.input).toMatchObject({ offset: PREDICTIONS_PAGE_SIZE, label: 1 });
    await predictions.setSort('most_wrong');
    expect(callsOf(transport, 'results.predictions').at(-1)?.input).toMatchObject({ offset: 0, sort: 'most_wrong' });
    await predictions.setLabel(2);
    expect(callsOf(transport, 'results.predictions').at(-1)?.input).toMatchObject({ label: 2 });

    // A slow answer for the previous evaluation must not replace the newer one.
    let release: (() => void) | null = null;
    transport.handlers.set('results.predictions', (input) => {
      const { evaluationId } = input as { evaluationId: number };
      const answer = { ok: true as const, result: predictionPage(evaluationId, { labelId: 2, total: evaluationId }) };
      return evaluationId === 12 ? new Promise((resolve) => (release = () => resolve(answer))) : answer;
    });
    const slow = predictions.show(12);
    await predictions.show(13);
    release!();
    await slow;
    expect(predictions.page?.evaluationId).toBe(13);
  });
});

describe('results helpers', () => {
  it('builds the comparison rows with the best arm of each row and the macro row', () => {
    const rows = comparisonRows(comparison(9));
    expect(rows.map((r) => r.label)).toEqual(['DRT', 'IRF', 'Macro AUROC']);
    expect(rows[0]!.best).toEqual([1]); // fine-tuning on DRT
    expect(rows[1]!.best).toEqual([0]); // linear on IRF
    expect(rows[2]!.best).toEqual([0, 1]); // a tie marks both
    expect(rows[0]!.cells[2]).toEqual({ auroc: null, ci: null }); // still running
    expect(formatInterval(rows[0]!.cells[0]!.ci)).toBe('[0.750, 0.850]');
  });

  it('summarises a run’s config and budgets', () => {
    expect(configSummary(runItem(1))).toBe('preset quick · Biomarkers · 25 % · seed 0');
    expect(configSummary(runItem(2, { kind: 'sweep', summary: { ...runItem(2).summary, sweep: { budgets: [{ kind: 'count', value: 5 }], seeds: [0, 1] } } }))).toBe('preset quick · Biomarkers · 1 budgets × 2 seeds');
    expect(budgetLabel({ kind: 'count', value: 1200 })).toBe('1,200 images');
  });

  it('turns the efficiency curve into chart series with bands', () => {
    const data = efficiencyData(efficiency(9));
    expect(data.xAxis).toBe('images');
    expect(data.series[0]).toMatchObject({ arm: 'dino_linear', mean: [{ x: 4, y: 0.7 }, { x: 8, y: 0.8 }] });
    expect(data.series[0]!.lower[1]!.y).toBeCloseTo(0.75);
    expect(data.series[1]!.mean).toEqual([]);
    const noImages = efficiency(9);
    noImages.arms[0]!.points[0]!.images = null;
    expect(efficiencyData(noImages).xAxis).toBe('fraction');
  });
});
