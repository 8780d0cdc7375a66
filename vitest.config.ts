import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

/**
 * Three projects, one per kind of test (see README "Tests"): unit (pure and fast, plus Svelte
 * components in jsdom), integration (a real temporary project folder, real SQLite, real worker
 * processes) and e2e (the real UI in headless Chromium through web mode).
 */
// Test files already run side by side on every core: a wasm thread pool in each would only
// oversubscribe them. tests/integration/ml/engine/wasm-threads.test.ts sets its own.
const env = { OCTDINO_WASM_THREADS: '1' };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          exclude: ['tests/unit/renderer/**'],
          environment: 'node',
          env,
          // A few unit tests run real (tiny) networks on the cpu backend: seconds on an idle
          // 2-core machine, more when the suite's files run side by side.
          testTimeout: 20_000,
        },
      },
      {
        plugins: [svelte()],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          include: ['tests/unit/renderer/**/*.test.ts'],
          environment: 'jsdom',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          env,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          env,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
