import { describe, expect, it } from 'vitest';
import { api as contract } from '../../../src-main/api/contract.js';
import { pipelineParamsSchema } from '../../../src-main/ml/pipeline/pipeline-params.js';
import { PIPELINE_PRESETS, PRESET_NAMES } from '../../../src-main/ml/pipeline/presets.js';
import type { LabelSetStats } from '../../../src-main/api/types.js';
import { parseBudgets, parseSeeds, parseSetting, settingFields } from '../../../renderer/src/lib/results/pipeline-request.js';
import { ErrorsState } from '../../../renderer/src/lib/state/errors.svelte.js';
import { JobsState } from '../../../renderer/src/lib/state/jobs-state.svelte.js';
import { PipelineFormState } from '../../../renderer/src/lib/state/pipeline-form.svelte.js';
import { fakeClient } from './fake-transport.js';
import { makeJob } from './job-fixture.js';

// The real endpoint's answer (it needs no project), so the form is tested against the presets and hints the core serves.
const presets = await contract['pipeline.presets'].handler(null as never, {});

const labelSets: LabelSetStats[] = [
  { id: 1, name: 'Empty set', patients: { labelled: 0, imagesPerPatient: null }, kind: 'multi_label', labels: [{ id: 1, name: 'A', positive: 0, negative: 0, uncertain: 0, unknown: 5, positivePatients: 0 }] },
  { id: 2, name: 'Biomarkers', patients: { labelled: 0, imagesPerPatient: null }, kind: 'multi_label', labels: [{ id: 2, name: 'DRT', positive: 3, negative: 2, uncertain: 0, unknown: 0, positivePatients: 3 }] },
];

async function loadedForm() {
  const { transport, api } = fakeClient();
  transport.answer('pipeline.presets', presets);
  const errors = new ErrorsState();
  const jobs = new JobsState(api, errors);
  const form = new PipelineFormState(api, errors, jobs);
  await form.load();
  form.setLabelSets(labelSets);
  return { transport, form, errors, jobs };
}

describe('pipeline form fields', () => {
  it("shows every setting of a preset, then the optional ones the preset leaves to the default", () => {
    const fields = settingFields(PIPELINE_PRESETS.quick.pretrain, presets.pretrainHints);
    const keys = fields.map((f) => f.key);
    expect(keys.slice(0, Object.keys(PIPELINE_PRESETS.quick.pretrain).length)).toEqual(Object.keys(PIPELINE_PRESETS.quick.pretrain));
    expect(keys).toEqual(expect.arrayContaining(['lr', 'teacherTemp', 'momentumTeacher', 'dropPath']));
    expect(keys).toEqual(expect.arrayContaining(['custom', 'resnetWidths']));
    expect(fields.find((f) => f.key === 'custom')).toMatchObject({ kind: 'json', inPreset: false });
    expect(fields.find((f) => f.key === 'resnetWidths')).toMatchObject({ kind: 'range', inPreset: false });
    expect(fields.find((f) => f.key === 'arch')).toMatchObject({ kind: 'choice', inPreset: true });
    expect(fields.find((f) => f.key === 'lr')).toMatchObject({ kind: 'number', inPreset: false });
    const downstream = settingFields(PIPELINE_PRESETS.quick.downstream, presets.downstreamHints);
    expect(downstream.find((f) => f.key === 'cropScale')?.kind).toBe('range');
    expect(parseSetting({ key: 'patch', kind: 'choice', options: ['16', '8'], inPreset: true }, '8')).toBe(8);
    expect(parseSetting({ key: 'lr', kind: 'number', inPreset: false }, ' ')).toBeUndefined();
    expect(parseSetting({ key: 'epochs', kind: 'number', inPreset: true }, '')).toBeInstanceOf(Error);
    expect(parseSetting({ key: 'cropScale', kind: 'range', inPreset: true }, '0.5 1')).toEqual([0.5, 1]);
    expect(parseSetting({ key: 'resnetWidths', kind: 'range', inPreset: false }, '16, 32, 64, 128')).toEqual([16, 32, 64, 128]);
    expect(parseSetting({ key: 'resnetWidths', kind: 'range', inPreset: false }, '16, 32')).toBeInstanceOf(Error);
    expect(parseSetting({ key: 'custom', kind: 'json', inPreset: false }, '{"embedDim": 32, "depth": 2, "numHeads": 2}')).toEqual({ embedDim: 32, depth: 2, numHeads: 2 });
    expect(parseSetting({ key: 'custom', kind: 'json', inPreset: false }, '[1]')).toBeInstanceOf(Error);
  });

  it('reads sweep budgets and seeds', () => {
    expect(parseBudgets('10 %, 50, 100%')).toEqual([
      { kind: 'fraction', value: 0.1 },
      { kind: 'count', value: 50 },
      { kind: 'fraction', value: 1 },
    ]);
    expect(parseBudgets('150 %')).toBeInstanceOf(Error);
    expect(parseBudgets('ten')).toBeInstanceOf(Error);
    expect(parseBudgets('')).toBeInstanceOf(Error);
    expect(parseSeeds('0, 1 2, 1')).toEqual([0, 1, 2]);
    expect(parseSeeds('-1')).toBeInstanceOf(Error);
  });
});

describe('PipelineFormState', () => {
  it('builds params the core accepts for every preset as shown', async () => {
    const { form } = await loadedForm();
    expect(form.labelSet).toBe('Biomarkers'); // the first set with positives
    for (const name of PRESET_NAMES) {
      form.choosePreset(name);
      const { params, problems } = form.request;
      expect(problems).toEqual([]);
      const parsed = pipelineParamsSchema.parse(params);
      expect(parsed.pretrain).toEqual(PIPELINE_PRESETS[name].pretrain);
      expect(parsed.downstream).toEqual(PIPELINE_PRESETS[name].downstream);
      expect(parsed).toMatchObject({ preset: name, labelSet: 'Biomarkers', labels: { kind: 'fraction', value: 1 }, seed: 0, arms: [...presets.arms] });
    }
  });

  it('sends the edited settings, budget, seed, arms and sweep', async () => {
    const { form } = await loadedForm();
    form.choosePreset('standard');
    form.pretrain.epochs = '7';
    form.pretrain.lr = '0.0003';
    form.downstream.cropScale = '0.5, 1';
    form.budgetKind = 'count';
    form.budgetValue = 40;
    form.seed = 3;
    form.arms = ['dino_linear', 'supervised'];
    form.sweep = true;
    form.sweepBudgets = '10 %, 100';
    form.sweepSeeds = '0, 1';
    const { params, problems } = form.request;
    expect(problems).toEqual([]);
    expect(pipelineParamsSchema.parse(params)).toMatchObject({
      preset: 'standard',
      labels: { kind: 'count', value: 40 },
      seed: 3,
      pretrain: { ...PIPELINE_PRESETS.standard.pretrain, epochs: 7, lr: 0.0003 },
      downstream: { ...PIPELINE_PRESETS.standard.downstream, cropScale: [0.5, 1] },
      arms: ['dino_linear', 'supervised'],
      sweep: { budgets: [{ kind: 'fraction', value: 0.1 }, { kind: 'count', value: 100 }], seeds: [0, 1] },
    });
    // A custom ViT needs its shape, and then is valid too.
    form.pretrain.arch = 'vit_custom';
    expect(form.request.problems).toEqual([expect.stringMatching(/vit_custom needs its shape/)]);
    form.pretrain.custom = '{"embedDim": 32, "depth": 2, "numHeads": 2}';
    expect(form.request.problems).toEqual([]);
    expect(pipelineParamsSchema.parse(form.request.params).pretrain.custom).toEqual({ embedDim: 32, depth: 2, numHeads: 2 });
    // Another preset shows its own values again.
    form.choosePreset('quick');
    expect(form.pretrain.epochs).toBe(String(PIPELINE_PRESETS.quick.pretrain.epochs));
  });

  it('lists the problems and sends nothing while any remains', async () => {
    const { form, transport } = await loadedForm();
    form.pretrain.epochs = 'many';
    form.budgetValue = 0;
    form.arms = [];
    expect(form.request.problems).toEqual(['epochs must be a number', 'The label budget must be above 0 % and at most 100 %.', 'Choose at least one arm.']);
    expect(await form.start()).toBeNull();
    expect(transport.calls.some((c) => c.method === 'jobs.start')).toBe(false);
  });

  it("starts the `pipeline` job with the params, or shows the core's refusal", async () => {
    const { form, transport, jobs, errors } = await loadedForm();
    transport.answer('jobs.start', makeJob({ id: 7, kind: 'pipeline', status: 'queued' }));
    expect(await form.start()).toBe(7);
    expect(transport.calls.at(-1)).toEqual({ method: 'jobs.start', input: { kind: 'pipeline', params: form.request.params } });
    expect(form.jobId).toBe(7);
    expect(jobs.get(7)?.status).toBe('queued');
    transport.fail('jobs.start', 'invalid_input', 'kind: Invalid option');
    expect(await form.start()).toBeNull();
    expect(errors.list.at(-1)).toMatchObject({ message: 'Could not start the pipeline', code: 'invalid_input' });
  });
});
