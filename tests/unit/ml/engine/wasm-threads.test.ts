import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePrivateDir, planWasmThreads, readSmtActive, WASM_MAX_THREADS } from '../../../../src-main/ml/engine/wasm-threads.js';

describe('planWasmThreads', () => {
  it('uses one thread per physical core: logical cores halved unless the OS says SMT is off', () => {
    expect(planWasmThreads({}, { logicalCores: 2, smtActive: false })).toEqual({ threads: 2, reason: 'one per physical core (2 logical, no SMT)' });
    expect(planWasmThreads({}, { logicalCores: 8, smtActive: true }).threads).toBe(4);
    expect(planWasmThreads({}, { logicalCores: 8, smtActive: null })).toEqual({ threads: 4, reason: 'one per physical core (8 logical, SMT assumed)' });
    expect(planWasmThreads({}, { logicalCores: 1, smtActive: null }).threads).toBe(1);
    expect(planWasmThreads({}, { logicalCores: 0, smtActive: null }).threads).toBe(1);
  });

  it('stops at the pool Emscripten pre-spawns', () => {
    expect(planWasmThreads({}, { logicalCores: 64, smtActive: false }).threads).toBe(WASM_MAX_THREADS);
    expect(planWasmThreads({ OCTDINO_WASM_THREADS: '32' }, { logicalCores: 2, smtActive: false }).threads).toBe(WASM_MAX_THREADS);
  });

  it('follows OCTDINO_WASM_THREADS and refuses what is not a count', () => {
    expect(planWasmThreads({ OCTDINO_WASM_THREADS: '1' }, { logicalCores: 16, smtActive: false })).toEqual({ threads: 1, reason: 'OCTDINO_WASM_THREADS=1' });
    expect(planWasmThreads({ OCTDINO_WASM_THREADS: ' ' }, { logicalCores: 4, smtActive: false }).threads).toBe(4);
    for (const bad of ['0', '-2', '1.5', 'all']) {
      expect(() => planWasmThreads({ OCTDINO_WASM_THREADS: bad }, { logicalCores: 4, smtActive: false })).toThrow(`OCTDINO_WASM_THREADS=${bad}: expected a whole number of threads`);
    }
  });
});

describe('readSmtActive', () => {
  it.runIf(process.platform === 'linux')("reads Linux's SMT switch and gives null for anything else", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'smt-'));
    try {
      const file = path.join(dir, 'active');
      writeFileSync(file, '1\n');
      expect(readSmtActive(file)).toBe(true);
      writeFileSync(file, '0\n');
      expect(readSmtActive(file)).toBe(false);
      writeFileSync(file, 'forceoff\n');
      expect(readSmtActive(file)).toBeNull();
      expect(readSmtActive(path.join(dir, 'missing'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ensurePrivateDir', () => {
  it.runIf(process.platform !== 'win32')('makes a 0700 folder, and refuses one that others can write to or that is a link', () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'private-'));
    const uid = process.getuid!();
    try {
      const mine = path.join(base, 'mine');
      ensurePrivateDir(mine, uid);
      expect(statSync(mine).mode & 0o777).toBe(0o700);
      ensurePrivateDir(mine, uid); // again: fine
      const open = path.join(base, 'open');
      mkdirSync(open);
      chmodSync(open, 0o777);
      expect(() => ensurePrivateDir(open, uid)).toThrow('is not a private folder of this user');
      const link = path.join(base, 'link');
      symlinkSync(mine, link);
      expect(() => ensurePrivateDir(link, uid)).toThrow('is not a private folder of this user');
      expect(() => ensurePrivateDir(mine, uid + 1)).toThrow('is not a private folder of this user');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
