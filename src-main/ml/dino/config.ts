/**
 * DINO hyper-parameters: one typed, frozen object with the reference defaults
 * (`facebookresearch/dino` `main_dino.py` `get_args_parser`) and a one-line tuning hint per field.
 *
 * Product defaults differ from the reference where a CPU/wasm desktop and 1-channel OCT call for
 * it, and each such field says so: out_dim 4096 (not 65536), 112/48 px crops (not 224/96),
 * 4 local crops (not 8), batch 32 (not 64 per GPU). `REFERENCE_DINO_CONFIG` keeps the paper's
 * values for comparison runs.
 */

export interface DinoConfig {
  // ---- projection head (vision_transformer.py DINOHead) ----
  /** K, the number of prototypes (softmax dimensions). */
  readonly outDim: number;
  /** Freeze the weight-norm gain g of the last layer at 1. */
  readonly normLastLayer: boolean;
  readonly headLayers: number;
  readonly headHiddenDim: number;
  readonly headBottleneckDim: number;
  // ---- teacher: EMA, centring, sharpening ----
  /** Base EMA momentum of the teacher; a cosine takes it to 1 at the end. */
  readonly momentumTeacher: number;
  readonly warmupTeacherTemp: number;
  readonly teacherTemp: number;
  readonly warmupTeacherTempEpochs: number;
  readonly studentTemp: number;
  readonly centerMomentum: number;
  // ---- optimisation ----
  readonly weightDecay: number;
  readonly weightDecayEnd: number;
  /** Per-parameter gradient norm limit; 0 disables clipping. */
  readonly clipGrad: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly freezeLastLayer: number;
  /** Learning rate at batch 256; the effective peak is lr × batchSize / 256 (linear scaling). */
  readonly lr: number;
  readonly warmupEpochs: number;
  readonly minLr: number;
  readonly dropPathRate: number;
  // ---- multi-crop ----
  readonly globalCropsScale: readonly [number, number];
  readonly localCropsNumber: number;
  readonly localCropsScale: readonly [number, number];
  readonly globalCropSize: number;
  readonly localCropSize: number;
}

/** One line per field, shown next to the setting (dino's argparse help, shortened). */
export const DINO_CONFIG_HINTS: Readonly<Record<keyof DinoConfig, string>> = Object.freeze({
  outDim: 'Reference 65536 for ImageNet; 4096 suffices for OCT and keeps the head small. Raise it for large, diverse data.',
  normLastLayer: 'true is more stable; false can train slightly better for small ViTs but may collapse.',
  headLayers: '3 as in the paper; fewer layers make the head cheaper but the features slightly worse.',
  headHiddenDim: '2048 as in the paper; 512-1024 is fine for small backbones and makes steps faster.',
  headBottleneckDim: '256 as in the paper; rarely worth changing.',
  momentumTeacher: '0.996 for long runs (a run of T steps defaults to at most 1 − 10/T, so the teacher moves within the run); raise towards 0.9995 for small batches.',
  warmupTeacherTemp: '0.04 works well; lower it if the loss does not decrease at the start.',
  teacherTemp: '0.04 default; up to 0.07 can be better, but above ~0.07 training becomes unstable (collapse).',
  warmupTeacherTempEpochs: '0 in the reference; use ~30 when teacherTemp > warmupTeacherTemp.',
  studentTemp: '0.1; keep it above the teacher temperature, which is what sharpens the targets.',
  centerMomentum: '0.9; the center must move (momentum < 1), else one dimension takes over (collapse).',
  weightDecay: 'Start of the cosine weight-decay schedule; 0.04 as in the paper.',
  weightDecayEnd: 'End of the cosine weight-decay schedule; 0.4 as in the paper; lower it for short runs.',
  clipGrad: '3.0; lower (0.3-1) if the loss spikes or goes non-finite; 0 turns clipping off.',
  batchSize: '32 fits wasm memory; larger batches give the centre a better estimate of the mean.',
  epochs: '100 as in the reference; few-thousand-image OCT sets may need more epochs to converge.',
  freezeLastLayer: '1 epoch; raise to 2-3 if the loss is unstable at the very start.',
  lr: '0.0005 at batch 256 (scaled linearly with batch size); halve it if the loss is unstable.',
  warmupEpochs: '10 as in the paper; keep about a tenth of the run.',
  minLr: '1e-6 end of the cosine learning-rate schedule.',
  dropPathRate: '0.1 stochastic depth for ViT-S; 0 for tiny backbones or very short runs.',
  globalCropsScale: 'Area fraction of the 2 global crops; [0.4, 1] as in the paper; widen to [0.14, 1] without local crops.',
  localCropsNumber: 'Reference 8; product 4 to halve the cost of the local views on CPU. 0 disables multi-crop.',
  localCropsScale: 'Area fraction of the local crops; [0.05, 0.4] as in the paper; must stay below the global range.',
  globalCropSize: 'Reference 224 px; product 112 px (OCT cache is 256 px, and a ViT step is 4x cheaper).',
  localCropSize: 'Reference 96 px; product 48 px, keeping the paper’s global/local ratio ~2.3.',
});

/** Product defaults (see the module comment for where they differ from the reference). */
export const DEFAULT_DINO_CONFIG: DinoConfig = deepFreeze({
  outDim: 4096,
  normLastLayer: true,
  headLayers: 3,
  headHiddenDim: 2048,
  headBottleneckDim: 256,
  momentumTeacher: 0.996,
  warmupTeacherTemp: 0.04,
  teacherTemp: 0.04,
  warmupTeacherTempEpochs: 0,
  studentTemp: 0.1,
  centerMomentum: 0.9,
  weightDecay: 0.04,
  weightDecayEnd: 0.4,
  clipGrad: 3.0,
  batchSize: 32,
  epochs: 100,
  freezeLastLayer: 1,
  lr: 0.0005,
  warmupEpochs: 10,
  minLr: 1e-6,
  dropPathRate: 0.1,
  globalCropsScale: [0.4, 1],
  localCropsNumber: 4,
  localCropsScale: [0.05, 0.4],
  globalCropSize: 112,
  localCropSize: 48,
});

/** The paper's values (ViT-S/16, ImageNet), for comparison runs. */
export const REFERENCE_DINO_CONFIG: DinoConfig = deepFreeze({
  ...DEFAULT_DINO_CONFIG,
  outDim: 65536,
  batchSize: 64,
  localCropsNumber: 8,
  globalCropSize: 224,
  localCropSize: 96,
});

export class DinoConfigError extends Error {
  override readonly name = 'DinoConfigError';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid DINO configuration: ${issues.join('; ')}`);
  }
}

/** Peak learning rate after the linear scaling rule (reference: lr × batch / 256). */
export function effectiveLr(config: DinoConfig): number {
  return (config.lr * config.batchSize) / 256;
}

/** Total number of crops per image: 2 global + the local ones. */
export function cropCount(config: DinoConfig): number {
  return 2 + config.localCropsNumber;
}

/** Defaults with `overrides` applied, validated and frozen. */
export function makeDinoConfig(overrides: Partial<DinoConfig> = {}): DinoConfig {
  return validateDinoConfig({ ...DEFAULT_DINO_CONFIG, ...overrides });
}

/** Returns a frozen copy of `config`, or throws DinoConfigError listing every problem. */
export function validateDinoConfig(config: DinoConfig): DinoConfig {
  const issues: string[] = [];
  const int = (key: keyof DinoConfig, min: number): void => {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) issues.push(`${key} must be an integer >= ${min}, got ${String(v)}`);
  };
  const num = (key: keyof DinoConfig, lo: number, hi: number, open = false): void => {
    const v = config[key];
    const ok = typeof v === 'number' && Number.isFinite(v) && (open ? v > lo : v >= lo) && v <= hi;
    if (!ok) issues.push(`${key} must be in ${open ? '(' : '['}${lo}, ${hi}], got ${String(v)}`);
  };
  const range = (key: 'globalCropsScale' | 'localCropsScale'): void => {
    const r = config[key];
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] > 0 && r[0] <= r[1] && r[1] <= 1)) {
      issues.push(`${key} must be [lo, hi] with 0 < lo <= hi <= 1, got ${JSON.stringify(r)}`);
    }
  };
  int('outDim', 2);
  if (typeof config.normLastLayer !== 'boolean') issues.push('normLastLayer must be a boolean');
  int('headLayers', 1);
  int('headHiddenDim', 1);
  int('headBottleneckDim', 1);
  num('momentumTeacher', 0, 1);
  num('warmupTeacherTemp', 0, 10, true);
  num('teacherTemp', 0, 10, true);
  int('warmupTeacherTempEpochs', 0);
  num('studentTemp', 0, 10, true);
  num('centerMomentum', 0, 1);
  num('weightDecay', 0, 10);
  num('weightDecayEnd', 0, 10);
  num('clipGrad', 0, Infinity);
  int('batchSize', 1);
  int('epochs', 1);
  int('freezeLastLayer', 0);
  num('lr', 0, 1);
  int('warmupEpochs', 0);
  num('minLr', 0, 1);
  num('dropPathRate', 0, 1);
  range('globalCropsScale');
  range('localCropsScale');
  int('localCropsNumber', 0);
  int('globalCropSize', 8);
  int('localCropSize', 8);
  // The reference builds its schedules with np.linspace over these many epochs: more warm-up
  // epochs than epochs would make them longer than the run (numpy raises there, too).
  if (config.warmupEpochs > config.epochs) issues.push(`warmupEpochs (${config.warmupEpochs}) must not exceed epochs (${config.epochs})`);
  if (config.warmupTeacherTempEpochs > config.epochs) {
    issues.push(`warmupTeacherTempEpochs (${config.warmupTeacherTempEpochs}) must not exceed epochs (${config.epochs})`);
  }
  if (issues.length > 0) throw new DinoConfigError(issues);
  return deepFreeze({ ...config, globalCropsScale: [...config.globalCropsScale], localCropsScale: [...config.localCropsScale] } as DinoConfig);
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) Object.freeze(v);
  return Object.freeze(value);
}
