/**
 * Multi-select in the batch grid, as file managers do it: a click selects one image, Ctrl/Cmd-
 * click adds or removes one, Shift-click selects the range from the last clicked image.
 */
export interface Selection {
  ids: ReadonlySet<number>;
  /** Index of the last plain or Ctrl click (where a Shift range starts). */
  anchor: number | null;
}

export const EMPTY_SELECTION: Selection = { ids: new Set(), anchor: null };

export function clickSelect(selection: Selection, order: readonly number[], index: number, mods: { shift?: boolean; toggle?: boolean }): Selection {
  const id = order[index];
  if (id === undefined) return selection;
  if (mods.shift && selection.anchor !== null) {
    const [from, to] = selection.anchor <= index ? [selection.anchor, index] : [index, selection.anchor];
    const ids = new Set(mods.toggle ? selection.ids : []);
    for (let i = from; i <= to; i++) ids.add(order[i]!);
    return { ids, anchor: selection.anchor };
  }
  if (mods.toggle) {
    const ids = new Set(selection.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, anchor: index };
  }
  return { ids: new Set([id]), anchor: index };
}

export function selectAll(order: readonly number[]): Selection {
  return { ids: new Set(order), anchor: order.length > 0 ? 0 : null };
}
