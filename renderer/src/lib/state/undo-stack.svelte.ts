/**
 * The Annotate view's undo: each entry is one key press or one batch action, holding the values
 * its writes replaced (the core returns them), so `annotations.revert` restores them exactly.
 * Shared by the labelling screen and the batch grid: Ctrl+Z undoes the newest of either.
 */
import type { AnnotationChange } from '../annotate/types.js';

export interface UndoEntry {
  /** The image the change was made on (the first one, for a batch). */
  imageId: number;
  /** The replaced values; rejects when the write failed (it was rolled back then). */
  changes: Promise<AnnotationChange[]>;
  /** What the entry did, for the screen ("DRT present on 12 images"). */
  description?: string;
}

const MAX_ENTRIES = 200;

export class UndoStack {
  #entries = $state.raw<readonly UndoEntry[]>([]);

  get size(): number {
    return this.#entries.length;
  }
  get last(): UndoEntry | undefined {
    return this.#entries.at(-1);
  }

  push(entry: UndoEntry): void {
    this.#entries = [...this.#entries, entry].slice(-MAX_ENTRIES);
  }

  pop(): UndoEntry | undefined {
    const last = this.#entries.at(-1);
    if (last) this.#entries = this.#entries.slice(0, -1);
    return last;
  }

  /** Puts back an entry whose undo failed. */
  restore(entry: UndoEntry): void {
    this.push(entry);
  }

  /** Removes the entry of a failed write. */
  drop(changes: Promise<AnnotationChange[]>): void {
    this.#entries = this.#entries.filter((e) => e.changes !== changes);
  }

  clear(): void {
    this.#entries = [];
  }
}
