// Lint, including the layering rules the architecture depends on (checked, not remembered):
//   - src-main never imports electron (or the renderer / the shell);
//   - the renderer imports only *types* from src-main/api, nothing else from src-main,
//     and no Node or Electron modules (it runs in a sandboxed browser page).
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electronImport = { name: 'electron', message: 'src-main must stay Electron-free: put Electron code in electron/.' };

export const layering = {
  srcMain: {
    files: ['src-main/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [electronImport],
          patterns: [
            { group: ['electron/*'], message: 'src-main must stay Electron-free.' },
            { group: ['**/renderer/**', '**/electron/**'], message: 'src-main must not depend on the renderer or the Electron shell.' },
          ],
        },
      ],
    },
  },
  renderer: {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    ignores: ['renderer/vite.config.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer is a sandboxed page: talk to the core through the API client.' }],
          patterns: [
            {
              group: ['**/src-main/*', '!**/src-main/api', '**/src-main/*/**', '!**/src-main/api/**'],
              message: 'The renderer may import only from src-main/api (and only types).',
            },
            {
              group: ['**/src-main/api', '**/src-main/api/**'],
              allowTypeImports: true,
              message: 'The renderer may import only types from src-main/api: use `import type`.',
            },
            { regex: '^node:', message: 'The renderer runs in a browser sandbox: no Node modules.' },
          ],
        },
      ],
    },
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'native/**', '.test-results/**', 'tests/e2e/__output__/**', 'coverage/**', '.device/**', '.gl/**'] }, // .device, .gl: the GPU-check bundle (scripts/device)
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
    rules: {
      // State classes swap whole immutable Maps into $state.raw (one signal per update, as
      // STYLE.md asks for bulk data) and build throwaway URLs; SvelteMap/SvelteURL would add
      // fine-grained signals nobody reads.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  { files: ['renderer/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
  layering.srcMain,
  layering.renderer,
);
