/**
 * The report's sentences, written from its numbers: the question the experiment asks, the answer
 * in one paragraph (best arm, its interval, the paired difference to the supervised baseline) and
 * the limitations (evaluation warnings, collapse warnings, one seed, synthetic data…).
 */
import type { ReportData } from './report-types.js';

const f3 = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(3));
const ci = (c: [number, number] | null | undefined): string => (c ? `95 % CI ${f3(c[0])} to ${f3(c[1])}` : 'no interval');

export const ARM_TITLES: Readonly<Record<string, string>> = {
  dino_linear: 'DINO linear probe',
  dino_finetune: 'DINO fine-tuning',
  dino_knn: 'DINO k-NN',
  supervised: 'Supervised baseline',
};
export const armTitle = (arm: string): string => ARM_TITLES[arm] ?? arm;

type Base = Omit<ReportData, 'question' | 'answer' | 'limitations'>;

export function questionOf(d: Base): string {
  const set = d.dataset.labelSet?.name ?? 'the labels';
  const budget = d.results.budgetText ? ` with ${d.results.budgetText}` : '';
  return `Does DINO self-supervised pretraining on unlabelled OCT B-scans improve the classification of ${set}${budget} over the same backbone trained from scratch (the supervised baseline)?`;
}

export function answerParagraph(d: Base): string {
  const scored = d.results.arms.filter((a) => a.metrics?.macroAuroc !== null && a.metrics?.macroAuroc !== undefined);
  if (scored.length === 0) return 'No arm has a test macro AUROC yet, so there is no answer: finish the runs and make the report again.';
  const best = scored.reduce((a, b) => (b.metrics!.macroAuroc! > a.metrics!.macroAuroc! ? b : a));
  const test = best.metrics!;
  const parts = [
    `On the held-out test split (${test.images} images of ${test.patients} patients), the best arm is ${armTitle(best.arm)} with a macro AUROC of ${f3(test.macroAuroc)} (${ci(test.ci.macroAuroc)}).`,
  ];
  const sig = d.significance;
  if (sig.length === 0) {
    parts.push('There is no supervised baseline among these runs, so no paired comparison was made.');
  } else {
    const better = sig.filter((s) => s.significant && (s.difference ?? 0) > 0).map((s) => armTitle(s.arm));
    const worse = sig.filter((s) => s.significant && (s.difference ?? 0) < 0).map((s) => armTitle(s.arm));
    const each = sig.map((s) => `${armTitle(s.arm)} ${s.difference !== null && s.difference >= 0 ? '+' : ''}${f3(s.difference)} (${ci(s.ci95)})`).join('; ');
    parts.push(`Against the supervised baseline (paired bootstrap over patients, difference in macro AUROC): ${each}.`);
    if (sig.some((s) => !s.assessable)) {
      parts.push(`With only ${sig[0]!.patients} test patients no difference can be called significant: a bootstrap over so few patients means little.`);
    } else if (better.length === 0 && worse.length === 0) {
      parts.push('No difference is significant: every interval includes 0, so on these data the answer is "not shown".');
    } else {
      if (better.length > 0) parts.push(`${better.join(' and ')} ${better.length === 1 ? 'is' : 'are'} significantly better than the baseline (the interval excludes 0): on these data the answer is yes for ${better.length === 1 ? 'it' : 'them'}.`);
      if (worse.length > 0) parts.push(`${worse.join(' and ')} ${worse.length === 1 ? 'is' : 'are'} significantly worse.`);
    }
  }
  return parts.join(' ');
}

export function limitationsOf(d: Base, evaluationWarnings: readonly string[]): string[] {
  const out = [...evaluationWarnings];
  const collapse = d.curves.reduce((n, c) => n + c.collapseSteps.length, 0);
  if (collapse > 0) out.push(`The DINO collapse monitor warned at ${collapse} step${collapse === 1 ? '' : 's'} (marked on the pretraining curves): the representation may have collapsed there.`);
  if (d.reproducibility.seeds.length <= 1) out.push('One seed only: the variation between training runs is not part of the intervals, which cover the test sampling only.');
  if (d.dataset.sources.some((s) => s.kind === 'demo')) out.push('The data include the built-in synthetic demo: numbers on them say nothing about real OCT scans.');
  if (d.significance.length > 0) out.push('Significance is one paired bootstrap per DINO arm against the baseline, without correction for multiple comparisons.');
  out.push('The truth is each label\'s effective annotation at the time of this report; labels edited after training change it.');
  return out;
}
