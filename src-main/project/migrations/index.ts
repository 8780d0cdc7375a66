import { initialSchema } from './001-initial.js';
import { displayWindow } from './002-display-window.js';
import { effectiveAnnotations } from './003-effective-annotations.js';
import { annotationTime } from './004-annotation-time.js';
import { annotationQueues } from './005-annotation-queues.js';
import type { Migration } from './types.js';

export type { Migration } from './types.js';

/** Every schema step, oldest first. Append only: a shipped migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [initialSchema, displayWindow, effectiveAnnotations, annotationTime, annotationQueues];

/** The schema version this build of the app writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
