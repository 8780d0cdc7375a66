/**
 * The labelling screen's keyboard, as pure functions: a key press → a command, and a label
 * command → the writes it makes for the image's current values. Kept apart from the state so the
 * rules ("0 = nothing present", "U = the label last touched is uncertain") are tested directly.
 */
import type { AnnotationValue, LabelSetKind } from './types.js';

export type Command =
  | { type: 'toggle'; index: number }
  | { type: 'none' }
  | { type: 'uncertain' }
  | { type: 'clear' }
  | { type: 'select'; delta: number }
  | { type: 'next' }
  | { type: 'prev' }
  | { type: 'skip' }
  | { type: 'undo' }
  | { type: 'slice'; delta: number }
  | { type: 'zoom'; factor: number }
  | { type: 'fit' };

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** The shortcuts as the screen lists them (one source for the help line and the mapping). */
export const SHORTCUTS: readonly { keys: string; does: string }[] = [
  { keys: '1–9', does: 'toggle label present / absent (single-label: choose the class)' },
  { keys: '0', does: 'none present (all absent)' },
  { keys: 'U', does: 'last touched label uncertain' },
  { keys: 'X', does: 'clear the last touched label' },
  { keys: '↑ ↓', does: 'select a label' },
  { keys: 'Enter / →', does: 'next image' },
  { keys: '←', does: 'previous image' },
  { keys: 'S', does: 'skip' },
  { keys: 'Ctrl+Z', does: 'undo' },
  { keys: 'PgUp / PgDn', does: 'neighbouring slice (context)' },
  { keys: '+ − F', does: 'zoom, fit' },
];

export function commandFor(event: KeyLike): Command | null {
  const mod = Boolean(event.ctrlKey || event.metaKey);
  if (event.altKey) return null;
  if (mod) return event.key === 'z' || event.key === 'Z' ? { type: 'undo' } : null;
  const key = event.key;
  if (/^[1-9]$/.test(key)) return { type: 'toggle', index: Number(key) - 1 };
  switch (key) {
    case '0':
      return { type: 'none' };
    case 'u':
    case 'U':
      return { type: 'uncertain' };
    case 'x':
    case 'X':
      return { type: 'clear' };
    case 'ArrowUp':
      return { type: 'select', delta: -1 };
    case 'ArrowDown':
      return { type: 'select', delta: 1 };
    case 'Enter':
    case 'ArrowRight':
      return { type: 'next' };
    case 'ArrowLeft':
      return { type: 'prev' };
    case 's':
    case 'S':
      return { type: 'skip' };
    case 'PageUp':
      return { type: 'slice', delta: -1 };
    case 'PageDown':
      return { type: 'slice', delta: 1 };
    case '+':
    case '=':
      return { type: 'zoom', factor: 1.25 };
    case '-':
      return { type: 'zoom', factor: 1 / 1.25 };
    case 'f':
    case 'F':
      return { type: 'fit' };
    default:
      return null;
  }
}

export interface Write {
  labelId: number;
  value: AnnotationValue | null;
}

/**
 * The writes a label command makes. `values` are the annotator's current values in label order;
 * `selected` is the label last touched or selected. Writes that would change nothing are left
 * out, so a repeated key costs no call and leaves no empty undo step.
 */
export function writesFor(command: Command, kind: LabelSetKind, labels: readonly { labelId: number; value: AnnotationValue | null }[], selected: number | null): Write[] {
  const at = (i: number | null) => (i === null ? undefined : labels[i]);
  switch (command.type) {
    case 'toggle': {
      const label = at(command.index);
      if (!label) return [];
      // Single-label: the key chooses the class (the core marks the other classes absent).
      if (kind === 'single_label') return label.value === 'present' ? [] : [{ labelId: label.labelId, value: 'present' }];
      return [{ labelId: label.labelId, value: label.value === 'present' ? 'absent' : 'present' }];
    }
    case 'none':
      return labels.filter((l) => l.value !== 'absent').map((l) => ({ labelId: l.labelId, value: 'absent' as const }));
    case 'uncertain': {
      const label = at(selected);
      return label && label.value !== 'uncertain' ? [{ labelId: label.labelId, value: 'uncertain' }] : [];
    }
    case 'clear': {
      const label = at(selected);
      return label && label.value !== null ? [{ labelId: label.labelId, value: null }] : [];
    }
    default:
      return [];
  }
}

/**
 * The values after writes, as the core will store them: in a single-label set a class marked
 * present makes the other classes absent (the optimistic view must match what the core does).
 */
export function applyWrites(kind: LabelSetKind, labels: readonly { labelId: number; value: AnnotationValue | null }[], writes: readonly Write[]): Map<number, AnnotationValue | null> {
  const next = new Map(labels.map((l) => [l.labelId, l.value] as const));
  for (const w of writes) {
    next.set(w.labelId, w.value);
    if (kind === 'single_label' && w.value === 'present') for (const l of labels) if (l.labelId !== w.labelId) next.set(l.labelId, 'absent');
  }
  return next;
}
