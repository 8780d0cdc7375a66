import path from 'node:path';
import { AppCore } from '../../api/core.js';
import { startWebHost } from '../../api/web-host.js';
import { defaultAppHome, packageRoot } from '../../app/paths.js';
import { APP_NAME } from '../../app/version.js';
import type { CliIo } from '../output.js';
import { option, parseCommand, parsePort } from '../parse.js';

export const serveHelp = `Usage: octdino serve [--project DIR] [--port N] [--host HOST --allow-remote]
Serve the app in a browser (web mode) on 127.0.0.1, guarded by a token in the printed URL.
Without --project it opens the built-in demo project.`;

export function rendererDir(): string {
  return process.env.OCTDINO_RENDERER_DIR ?? path.join(packageRoot(), 'dist', 'renderer');
}

export async function serveCommand(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(argv, {
    project: option.string,
    port: option.string,
    host: option.string,
    'allow-remote': option.boolean,
  });
  const core = new AppCore({ appHome: defaultAppHome() });
  try {
    if (values.project) core.openProject(values.project);
    else core.openDemoProject();
    const host = await startWebHost({
      core,
      rendererDir: rendererDir(),
      ...(values.host ? { host: values.host } : {}),
      ...(values.port !== undefined ? { port: parsePort(values.port) } : {}),
      allowRemote: values['allow-remote'] ?? false,
    });
    io.out(`${APP_NAME} at ${host.url}`);
    io.err(`Project: ${core.project?.dir}. Press Ctrl+C to stop.`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await host.close();
  } finally {
    core.dispose();
  }
}
