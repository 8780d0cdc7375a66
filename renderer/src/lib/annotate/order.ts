/**
 * The order images are labelled in: the newest "what to label next" queue of the label set
 * when there is one (by rank, with each item's reason), else the images nobody has labelled yet
 * for the set's first label, in volume order (each volume's slices together), fetched a page at a
 * time as the annotator gets to the end of what is loaded.
 */
import type { ApiClient } from '../api/api-client.js';
import type { Queue } from './types.js';

export interface OrderItem {
  imageId: number;
  /** Rank in the queue (1 = label first); null outside a queue. */
  rank: number | null;
  /** Why the queue chose it (e.g. "typical of cluster 3"); null outside a queue. */
  reason: string | null;
  /** Labelled (by anyone, for this set) when the order was made. */
  labelled: boolean;
}

export const UNLABELLED_PAGE = 500;

export function queueOrder(queue: Queue): OrderItem[] {
  return queue.items.map((item) => ({ imageId: item.imageId, rank: item.rank, reason: item.reason, labelled: item.labelled }));
}

/** Where a session starts: the first item not labelled yet (the queue may be half done). */
export function firstOpen(order: readonly OrderItem[]): number {
  const i = order.findIndex((item) => !item.labelled);
  return i < 0 ? 0 : i;
}

/**
 * More unlabelled images, none of those in `seen`. Images labelled meanwhile drop out of the
 * "unknown" filter and offsets shift under us, so this pages from the start and keeps the new ids
 * (skipped images stay unlabelled and would otherwise come back).
 */
export async function fetchUnlabelled(api: ApiClient, labelId: number, seen: ReadonlySet<number>, want = UNLABELLED_PAGE): Promise<OrderItem[]> {
  const fresh: OrderItem[] = [];
  for (let offset = 0; fresh.length < want; offset += UNLABELLED_PAGE) {
    const page = await api.call('images.query', { filter: { status: 'ok', label: { id: labelId, value: 'unknown' } }, offset, limit: UNLABELLED_PAGE });
    for (const item of page.items) if (!seen.has(item.id) && fresh.length < want) fresh.push({ imageId: item.id, rank: null, reason: null, labelled: false });
    if (page.items.length < UNLABELLED_PAGE || offset + UNLABELLED_PAGE >= page.total) break;
  }
  return fresh;
}
