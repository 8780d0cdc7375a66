import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api } from '../../../src-main/api/contract.js';
import { AppCore, type ApiEvent } from '../../../src-main/api/core.js';
import { dispatch } from '../../../src-main/api/dispatch.js';
import { makeTempDir } from '../../fixtures/temp-dir.js';

describe('API dispatch (the one door every transport uses)', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let core: AppCore;
  let events: ApiEvent[];

  beforeEach(() => {
    temp = makeTempDir();
    core = new AppCore({ appHome: path.join(temp.dir, 'home') });
    events = [];
    core.on('event', (e) => events.push(e));
  });
  afterEach(() => {
    core.dispose();
    temp.cleanup();
  });

  it('refuses unknown methods and invalid input with a code and a readable message', async () => {
    expect(await dispatch(core, 'projects.delete_everything', {})).toEqual({
      ok: false,
      error: { code: 'unknown_method', message: 'Unknown API method "projects.delete_everything".' },
    });
    const missing = await dispatch(core, 'projects.create', {});
    expect(missing).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(!missing.ok && missing.error.message).toMatch(/dir/);
    const extra = await dispatch(core, 'projects.open', { dir: '/x', evil: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const wrongType = await dispatch(core, 'jobs.cancel', { id: 'one' });
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await dispatch(core, 'jobs.start', { kind: 'rm -rf', params: {} })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await dispatch(core, 'app.info', 'not an object')).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('inherits methods only from the contract object itself', async () => {
    expect(await dispatch(core, 'constructor', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await dispatch(core, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(Object.keys(api)).toContain('projects.create');
  });

  it('needs an open project for project methods, and says so', async () => {
    expect(await dispatch(core, 'jobs.list', {})).toEqual({
      ok: false,
      error: { code: 'no_project', message: 'No project is open. Create or open a project first.' },
    });
  });

  it('creates, lists and reopens projects, and pushes project.changed events', async () => {
    const dir = path.join(temp.dir, 'p1');
    const created = await dispatch(core, 'projects.create', { dir, name: 'Pilot' });
    expect(created).toMatchObject({ ok: true, result: { name: 'Pilot', dir, counts: { images: 0 } } });
    expect(events.at(-1)).toMatchObject({ type: 'project.changed', project: { name: 'Pilot' } });
    const recent = await dispatch(core, 'projects.recent', {});
    expect(recent).toMatchObject({ ok: true, result: [{ dir, name: 'Pilot', exists: true }] });
    await dispatch(core, 'projects.close', {});
    expect(await dispatch(core, 'projects.current', {})).toEqual({ ok: true, result: null });
    expect(await dispatch(core, 'projects.open', { dir })).toMatchObject({ ok: true, result: { name: 'Pilot' } });
    expect(await dispatch(core, 'images.query', {})).toEqual({ ok: true, result: { total: 0, items: [] } });
  });

  it('opens the demo project on first start (creating the app home) and starts generating its images', async () => {
    const opened = await dispatch(core, 'projects.openDemo', {});
    expect(opened).toMatchObject({ ok: true, result: { name: 'Demo project (synthetic OCT)' } });
    const jobs = await dispatch(core, 'jobs.list', {});
    expect(jobs).toMatchObject({ ok: true, result: [{ kind: 'demo.generate', status: 'running' }] });
    // Opening it again does not start a second generation.
    await dispatch(core, 'projects.openDemo', {});
    expect(core.requireProject().jobs.list()).toHaveLength(1);
  });

  it('maps project errors to their codes', async () => {
    expect(await dispatch(core, 'projects.open', { dir: temp.dir })).toMatchObject({ ok: false, error: { code: 'not_a_project' } });
    expect(await dispatch(core, 'projects.create', { dir: path.join(temp.dir, 'a', 'b', 'c') })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('reports app info and the compute engine', async () => {
    const info = await dispatch(core, 'app.info', {});
    expect(info).toMatchObject({ ok: true, result: { name: 'OCT DINO Studio' } });
    const engine = await dispatch(core, 'engine.info', {});
    expect(engine.ok).toBe(true);
    expect(engine.ok && (engine.result as { active: { name: string } }).active.name).toMatch(/wasm|cpu|tensorflow|webgpu/);
  });
});
