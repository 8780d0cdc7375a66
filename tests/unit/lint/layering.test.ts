import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of the architecture is enforced by lint rules; this proves the rules fire on
 * exactly the imports they must forbid, and stay quiet on the allowed ones.
 */
const root = path.resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: root });

async function restrictedImports(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('layering lint rules', () => {
  it('forbid electron in src-main', async () => {
    expect(await restrictedImports("import { app } from 'electron';\nexport const a = app;\n", 'src-main/app/x.ts')).not.toEqual([]);
    expect(await restrictedImports("import { net } from 'electron/main';\nexport const a = net;\n", 'src-main/app/x.ts')).not.toEqual([]);
    expect(await restrictedImports("import { x } from '../../renderer/src/lib/x.js';\nexport const a = x;\n", 'src-main/app/x.ts')).not.toEqual([]);
  });

  it('allow electron in the shell', async () => {
    expect(await restrictedImports("import { app } from 'electron';\nexport const a = app;\n", 'electron/x.ts')).toEqual([]);
  });

  it('allow the renderer only type imports from src-main/api', async () => {
    const file = 'renderer/src/lib/x.ts';
    expect(await restrictedImports("import type { Api } from '../../../src-main/api/types.js';\nexport type A = Api;\n", file)).toEqual([]);
    expect(await restrictedImports("import { api } from '../../../src-main/api/contract.js';\nexport const a = api;\n", file)).not.toEqual([]);
    expect(await restrictedImports("import type { Project } from '../../../src-main/project/project.js';\nexport type P = Project;\n", file)).not.toEqual([]);
    expect(await restrictedImports("import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", file)).not.toEqual([]);
    expect(await restrictedImports("import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n", file)).not.toEqual([]);
  });

  it('apply to Svelte components too', async () => {
    const component = `<script lang="ts">\n  import { api } from '../../../src-main/api/contract.js';\n  const n = Object.keys(api).length;\n</script>\n<p>{n}</p>\n`;
    expect(await restrictedImports(component, 'renderer/src/features/X.svelte')).not.toEqual([]);
  });
});
