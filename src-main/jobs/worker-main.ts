/**
 * Entry point of a job's worker process (forked by JobRunner). It receives one `start`
 * message, runs that job with its own connection to the project database, reports progress,
 * and exits. If the parent goes away (the app was killed), the IPC channel closes and the
 * worker stops too, rather than writing to a project nobody is watching.
 */
import { Project } from '../project/project.js';
import type { JobContext, JobHandler } from './job-context.js';
import { JOB_KINDS, isJobKind } from './job-kinds.js';
import { JobCancelledError, serializeError, toWorkerSchema, type FromWorker, type Progress } from './protocol.js';

let seq = 0;
const controller = new AbortController();
let started = false;

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

/** At most ~10 progress messages a second reach the parent; the last one always does. */
function throttledProgress(): (progress: Progress) => void {
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (now - last < 100 && progress.fraction < 1) return;
    last = now;
    void send({ type: 'progress', seq: ++seq, progress });
  };
}

async function runJob(jobId: number, kind: string, projectDir: string, rawParams: unknown): Promise<void> {
  if (!isJobKind(kind)) throw new Error(`Unknown job kind "${kind}"`);
  const definition = JOB_KINDS[kind];
  const params: unknown = definition.params.parse(rawParams);
  // Each kind's handler takes exactly its own schema's output; TypeScript cannot follow that
  // correlation through the union of kinds, so the call goes through a widened type.
  const handler = (await definition.load()) as JobHandler<unknown, unknown>;
  const project = Project.open(projectDir);
  try {
    const ctx: JobContext = { jobId, project, signal: controller.signal, progress: throttledProgress() };
    const result = await handler(ctx, params);
    await send({ type: 'done', seq: ++seq, result: result ?? null });
  } finally {
    project.close();
  }
}

process.on('message', (raw) => {
  const parsed = toWorkerSchema.safeParse(raw);
  if (!parsed.success) return; // the parent is trusted code; ignore anything malformed
  const message = parsed.data;
  if (message.type === 'cancel') {
    controller.abort(new JobCancelledError());
    return;
  }
  if (started) return;
  started = true;
  runJob(message.jobId, message.kind, message.projectDir, message.params)
    .catch(async (err: unknown) => {
      if (controller.signal.aborted) await send({ type: 'cancelled', seq: ++seq });
      else await send({ type: 'error', seq: ++seq, error: serializeError(err) });
    })
    .finally(() => {
      process.disconnect?.();
      process.exitCode = 0;
    });
});

process.on('disconnect', () => {
  if (!controller.signal.aborted) controller.abort(new JobCancelledError());
  // Give job code a moment to stop at its next checkpoint, then leave.
  setTimeout(() => process.exit(0), 2000).unref();
});

void send({ type: 'ready', seq: ++seq });
