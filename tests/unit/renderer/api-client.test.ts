/**
 * The API client over the WebSocket transport, with a fake socket standing in for the browser's
 * (see fake-socket.ts), and over the IPC transport with a fake `window.octdino` bridge.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiEvent, JobView, OctdinoBridge } from '../../../src-main/api/types.js';
import { ApiClient, ApiClientError, removeTokenFromAddressBar, type ConnectionState } from '../../../renderer/src/lib/api/index.js';
import { IpcTransport } from '../../../renderer/src/lib/api/ipc-transport.js';
import { WsTransport } from '../../../renderer/src/lib/api/ws-transport.js';
import { fakeSocketFactory } from './fake-socket.js';

function connect(options: { connectWaitMs?: number } = {}) {
  const fake = fakeSocketFactory();
  const transport = new WsTransport({ url: 'ws://host/api/ws', imageBase: '/api/images/', createSocket: fake.factory, ...options });
  const states: ConnectionState['status'][] = [];
  transport.onConnection((state) => states.push(state.status));
  return { client: new ApiClient(transport), fake, states };
}

describe('ApiClient over WebSocket', () => {
  it('sends { id, method, input } and resolves with the result', async () => {
    const { client, fake } = connect();
    fake.latest().acceptOpen();
    const pending = client.call('jobs.list', { limit: 5 });
    expect(fake.latest().sent).toEqual([{ id: 1, method: 'jobs.list', input: { limit: 5 } }]);
    fake.latest().receive({ id: 1, ok: true, result: [] });
    await expect(pending).resolves.toEqual([]);
  });

  it('throws an ApiClientError with the core code on { ok: false }', async () => {
    const { client, fake } = connect();
    fake.latest().acceptOpen();
    const pending = client.call('projects.open', { dir: '/nowhere' });
    fake.latest().receive({ id: 1, ok: false, error: { code: 'not_a_project', message: '/nowhere is not a project' } });
    const error = await pending.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApiClientError);
    expect(error).toMatchObject({ code: 'not_a_project', message: '/nowhere is not a project' });
  });

  it('matches answers to calls by id, in any order', async () => {
    const { client, fake } = connect();
    fake.latest().acceptOpen();
    const first = client.call('jobs.cancel', { id: 10 });
    const second = client.call('jobs.cancel', { id: 20 });
    fake.latest().receive({ id: 2, ok: true, result: { id: 20 } });
    fake.latest().receive({ id: 1, ok: true, result: { id: 10 } });
    await expect(first).resolves.toEqual({ id: 10 });
    await expect(second).resolves.toEqual({ id: 20 });
  });

  it('delivers pushed events to listeners until they unsubscribe', () => {
    const { client, fake } = connect();
    fake.latest().acceptOpen();
    const events: ApiEvent[] = [];
    const stop = client.onEvent((event) => events.push(event));
    const event: ApiEvent = { type: 'project.changed', project: null };
    fake.latest().receive({ event });
    stop();
    fake.latest().receive({ event });
    expect(events).toEqual([event]);
  });

  it('queues calls made before the socket opens and sends them on open', async () => {
    const { client, fake } = connect();
    const pending = client.call('app.info', {});
    expect(fake.latest().sent).toEqual([]);
    fake.latest().acceptOpen();
    expect(fake.latest().sent).toEqual([{ id: 1, method: 'app.info', input: {} }]);
    fake.latest().receive({ id: 1, ok: true, result: { name: 'OCT DINO Studio' } });
    await expect(pending).resolves.toMatchObject({ name: 'OCT DINO Studio' });
  });

  describe('when the connection drops', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('rejects calls in flight with a clear "disconnected" error and reconnects with backoff', async () => {
      const { client, fake, states } = connect();
      fake.latest().acceptOpen();
      const pending = client.call('projects.current', {});
      const outcome = pending.catch((err: unknown) => err);
      fake.latest().drop();
      const error = await outcome;
      expect(error).toBeInstanceOf(ApiClientError);
      expect(error).toMatchObject({ code: 'disconnected' });
      expect((error as Error).message).toContain('projects.current');

      expect(states).toEqual(['connecting', 'open', 'reconnecting']);
      expect(fake.sockets).toHaveLength(1);
      vi.advanceTimersByTime(500); // first retry after 500 ms
      expect(fake.sockets).toHaveLength(2);
      fake.latest().drop();
      vi.advanceTimersByTime(999); // then 1 s: not yet
      expect(fake.sockets).toHaveLength(2);
      vi.advanceTimersByTime(1);
      expect(fake.sockets).toHaveLength(3);
      fake.latest().acceptOpen();
      expect(states.at(-1)).toBe('open');
    });

    it('fails a call that waited too long for a connection', async () => {
      const { client } = connect({ connectWaitMs: 2_000 });
      const outcome = client.call('app.info', {}).catch((err: unknown) => err);
      vi.advanceTimersByTime(2_000);
      expect(await outcome).toMatchObject({ code: 'disconnected' });
    });

    it('rejects everything and stops reconnecting once closed', async () => {
      const { client, fake, states } = connect();
      fake.latest().acceptOpen();
      const outcome = client.call('app.info', {}).catch((err: unknown) => err);
      client.close();
      expect(await outcome).toMatchObject({ code: 'disconnected' });
      expect(states.at(-1)).toBe('closed');
      vi.advanceTimersByTime(60_000);
      expect(fake.sockets).toHaveLength(1);
      await expect(client.call('app.info', {})).rejects.toMatchObject({ code: 'disconnected' });
    });
  });

  it('builds image URLs from the id only', () => {
    expect(connect().client.imageUrl(42, 'thumb')).toBe('/api/images/42/thumb');
    expect(connect().client.canPickPaths).toBe(false); // web mode: paths are typed
  });

  it('ignores answers it did not ask for and messages that are not JSON', async () => {
    const { client, fake } = connect();
    fake.latest().acceptOpen();
    const pending = client.call('app.info', {});
    fake.latest().receive({ id: 99, ok: true, result: 'stray' });
    fake.latest().receiveRaw('not json');
    fake.latest().receive({ id: 1, ok: true, result: 'mine' });
    await expect(pending).resolves.toBe('mine');
  });
});

describe('ApiClient over IPC', () => {
  function fakeBridge() {
    const listeners = new Set<(event: ApiEvent) => void>();
    const bridge: OctdinoBridge = {
      transport: 'ipc',
      call: vi.fn(async (method: string) =>
        method === 'jobs.list' ? { ok: true as const, result: [] as JobView[] } : { ok: false as const, error: { code: 'no_project' as const, message: 'No project is open.' } },
      ),
      onEvent: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      imageUrl: (id, variant) => `octdino-image://image/${id}/${variant}`,
      // Stands in for Electron's native open dialog (cannot run here): "chooses" a fixed folder.
      pickPath: vi.fn(async () => '/data/oct/scans'),
    };
    return { bridge, emit: (event: ApiEvent) => listeners.forEach((listener) => listener(event)) };
  }

  it('calls through the bridge and maps errors to ApiClientError', async () => {
    const { bridge } = fakeBridge();
    const client = new ApiClient(new IpcTransport(bridge));
    await expect(client.call('jobs.list', {})).resolves.toEqual([]);
    expect(bridge.call).toHaveBeenCalledWith('jobs.list', {});
    await expect(client.call('jobs.cancel', { id: 1 })).rejects.toMatchObject({ name: 'ApiClientError', code: 'no_project' });
  });

  it('offers the native path dialog only where the bridge has one', async () => {
    const { bridge } = fakeBridge();
    const client = new ApiClient(new IpcTransport(bridge));
    expect(client.canPickPaths).toBe(true);
    await expect(client.pickPath({ kind: 'folder', title: 'Image folder' })).resolves.toBe('/data/oct/scans');
    expect(bridge.pickPath).toHaveBeenCalledWith({ kind: 'folder', title: 'Image folder' });
  });

  it('passes events and image URLs through, and is always connected', () => {
    const { bridge, emit } = fakeBridge();
    const client = new ApiClient(new IpcTransport(bridge));
    const events: ApiEvent[] = [];
    client.onEvent((event) => events.push(event));
    emit({ type: 'project.changed', project: null });
    expect(events).toHaveLength(1);
    expect(client.imageUrl(3, 'pixels')).toBe('octdino-image://image/3/pixels');
    const states: string[] = [];
    client.onConnection((state) => states.push(state.status));
    expect(states).toEqual(['open']);
  });

  it('wraps a bridge that throws into a transport error', async () => {
    const { bridge } = fakeBridge();
    bridge.call = () => Promise.reject(new Error('IPC channel closed'));
    const client = new ApiClient(new IpcTransport(bridge));
    await expect(client.call('jobs.list', {})).rejects.toMatchObject({ code: 'transport', message: expect.stringContaining('IPC channel closed') });
  });
});

describe('removeTokenFromAddressBar', () => {
  it('drops ?token= and keeps the path, other parameters and the hash', () => {
    window.history.replaceState(null, '', '/?token=secret&lang=en#/dataset');
    removeTokenFromAddressBar(window);
    expect(window.location.pathname + window.location.search + window.location.hash).toBe('/?lang=en#/dataset');
  });

  it('leaves an address without a token alone', () => {
    window.history.replaceState(null, '', '/#/train');
    const replace = vi.spyOn(window.history, 'replaceState');
    removeTokenFromAddressBar(window);
    expect(replace).not.toHaveBeenCalled();
    replace.mockRestore();
  });
});
