/**
 * The "Run pipeline" form: the presets from the core, the chosen preset's every setting as an
 * editable field (reset when another preset is chosen), the label set, budget, seed, arms and
 * an optional sweep, and the `pipeline` job it starts. The form's inputs bind to the public
 * fields; what is sent is derived, with the problems that keep the Run button disabled.
 */
import type { ApiInput, LabelSetStats } from '../../../../src-main/api/types.js';
import type { ApiClient } from '../api/api-client.js';
import { parseBudgets, parseSeeds, readSettings, settingFields, settingTexts, type PipelineRequest, type PresetName, type SettingField } from '../results/pipeline-request.js';
import type { PipelinePresets } from '../results/results-view.js';
import type { ErrorsState } from './errors.svelte.js';
import type { JobsState } from './jobs-state.svelte.js';

// The core validates the params against the kind's schema (pipelineParamsSchema) before a worker starts.
const PIPELINE_KIND: ApiInput<'jobs.start'>['kind'] = 'pipeline';

export class PipelineFormState {
  #presets = $state.raw<PipelinePresets | null>(null);
  #labelSets = $state.raw<readonly LabelSetStats[]>([]);
  #starting = $state(false);
  #jobId = $state<number | null>(null);

  // ---- bound by the form ----
  preset = $state<PresetName>('quick');
  labelSet = $state('');
  budgetKind = $state<'fraction' | 'count'>('fraction');
  /** Percent of the labelled patients (fraction) or a number of labelled images (count). */
  budgetValue = $state(100);
  seed = $state(0);
  arms = $state<string[]>([]);
  pretrain = $state<Record<string, string>>({});
  downstream = $state<Record<string, string>>({});
  sweep = $state(false);
  sweepBudgets = $state('10 %, 25 %, 50 %, 100 %');
  sweepSeeds = $state('0, 1, 2');

  #pretrainFields = $derived(this.#presets ? settingFields(this.#presets.presets[this.preset].pretrain, this.#presets.pretrainHints) : []);
  #downstreamFields = $derived(this.#presets ? settingFields(this.#presets.presets[this.preset].downstream, this.#presets.downstreamHints) : []);
  #request = $derived(this.build());

  constructor(
    private readonly api: ApiClient,
    private readonly errors: ErrorsState,
    private readonly jobs: JobsState,
  ) {}

  get presets(): PipelinePresets | null {
    return this.#presets;
  }
  get labelSets(): readonly LabelSetStats[] {
    return this.#labelSets;
  }
  get pretrainFields(): readonly SettingField[] {
    return this.#pretrainFields;
  }
  get downstreamFields(): readonly SettingField[] {
    return this.#downstreamFields;
  }
  /** What Run sends, and the problems that keep it from being sent. */
  get request(): { params: PipelineRequest; problems: string[] } {
    return this.#request;
  }
  get starting(): boolean {
    return this.#starting;
  }
  /** The pipeline job this form started last. */
  get jobId(): number | null {
    return this.#jobId;
  }

  async load(): Promise<void> {
    try {
      const presets = await this.api.call('pipeline.presets', {});
      this.#presets = presets;
      this.arms = [...presets.arms];
      this.choosePreset(this.preset);
    } catch (err) {
      this.errors.handleError(err, 'Could not load the pipeline presets');
    }
  }

  /** Label sets that can train (at least one positive label); the first becomes the default. */
  setLabelSets(sets: readonly LabelSetStats[]): void {
    this.#labelSets = sets;
    if (!sets.some((s) => s.name === this.labelSet)) this.labelSet = sets.find((s) => s.labels.some((l) => l.positive > 0))?.name ?? sets[0]?.name ?? '';
  }

  /** Shows `name`'s settings in the fields (edits of the previous preset are dropped). */
  choosePreset(name: PresetName): void {
    this.preset = name;
    const preset = this.#presets?.presets[name];
    if (!preset) return;
    this.pretrain = settingTexts(preset.pretrain);
    this.downstream = settingTexts(preset.downstream);
  }

  async start(): Promise<number | null> {
    const { params, problems } = this.#request;
    if (problems.length > 0) return null;
    this.#starting = true;
    try {
      const job = await this.api.call('jobs.start', { kind: PIPELINE_KIND, params });
      const known = this.jobs.get(job.id);
      if (!known || known.updatedAt <= job.updatedAt) this.jobs.apply(job);
      this.#jobId = job.id;
      return job.id;
    } catch (err) {
      this.errors.handleError(err, 'Could not start the pipeline');
      return null;
    } finally {
      this.#starting = false;
    }
  }

  private build(): { params: PipelineRequest; problems: string[] } {
    const problems: string[] = [];
    const pretrain = readSettings(this.#pretrainFields, this.pretrain);
    const downstream = readSettings(this.#downstreamFields, this.downstream);
    problems.push(...pretrain.problems, ...downstream.problems);
    if (pretrain.values.arch === 'vit_custom' && pretrain.values.custom === undefined) problems.push('vit_custom needs its shape in custom, e.g. {"embedDim": 192, "depth": 12, "numHeads": 3}.');
    const value = Number(this.budgetValue);
    if (this.budgetKind === 'fraction' && !(value > 0 && value <= 100)) problems.push('The label budget must be above 0 % and at most 100 %.');
    if (this.budgetKind === 'count' && !(Number.isInteger(value) && value >= 1)) problems.push('The number of labelled images must be a whole number of at least 1.');
    const seed = Number(this.seed);
    if (!(Number.isInteger(seed) && seed >= 0)) problems.push('The seed must be a whole number ≥ 0.');
    if (this.arms.length === 0) problems.push('Choose at least one arm.');
    if (!this.#presets) problems.push('The presets are not loaded yet.');
    if (this.#labelSets.length === 0) problems.push('This project has no labels yet: import a label file on the Dataset page first.');
    const params: PipelineRequest = {
      ...(this.labelSet ? { labelSet: this.labelSet } : {}),
      labels: this.budgetKind === 'fraction' ? { kind: 'fraction', value: Number((value / 100).toFixed(6)) } : { kind: 'count', value },
      preset: this.preset,
      seed,
      pretrain: pretrain.values,
      downstream: downstream.values,
      arms: [...this.arms],
    };
    if (this.sweep) {
      const budgets = parseBudgets(this.sweepBudgets);
      const seeds = parseSeeds(this.sweepSeeds);
      if (budgets instanceof Error) problems.push(budgets.message);
      if (seeds instanceof Error) problems.push(seeds.message);
      if (!(budgets instanceof Error) && !(seeds instanceof Error)) params.sweep = { budgets, seeds };
    }
    return { params, problems };
  }
}
