import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE, parseRoute, parseSubpath, Router, ROUTES } from '../../../renderer/src/lib/state/router.svelte.js';

function setHash(hash: string): void {
  window.location.hash = hash;
  // jsdom fires hashchange asynchronously like browsers; tests dispatch it to stay synchronous.
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

describe('parseRoute', () => {
  it('reads every route from its hash', () => {
    for (const route of ROUTES) expect(parseRoute(`#/${route.id}`)).toBe(route.id);
  });

  it('ignores a trailing path or query and rejects unknown names', () => {
    expect(parseRoute('#/dataset/12')).toBe('dataset');
    expect(parseRoute('#/train?run=3')).toBe('train');
    expect(parseRoute('#/nope')).toBeNull();
    expect(parseRoute('')).toBeNull();
  });
});

describe('Router', () => {
  let router: Router | null = null;
  afterEach(() => {
    router?.stop();
    window.history.replaceState(null, '', '/');
  });

  it('starts on #/projects when the hash is empty, and writes it to the address bar', () => {
    window.history.replaceState(null, '', '/');
    router = new Router(window);
    router.start();
    expect(router.current).toBe(DEFAULT_ROUTE);
    expect(window.location.hash).toBe('#/projects');
  });

  it('starts on the route in the address bar', () => {
    window.history.replaceState(null, '', '/#/settings');
    router = new Router(window);
    router.start();
    expect(router.current).toBe('settings');
  });

  it('follows hash changes and falls back to the default for unknown routes', () => {
    router = new Router(window);
    router.start();
    setHash('#/inspect');
    expect(router.current).toBe('inspect');
    setHash('#/unknown');
    expect(router.current).toBe('projects');
    expect(window.location.hash).toBe('#/projects');
  });

  it('navigates by setting the hash, and stops listening when stopped', () => {
    router = new Router(window);
    router.start();
    router.navigate('reports');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    expect(router.current).toBe('reports');
    router.stop();
    setHash('#/dataset');
    expect(router.current).toBe('reports');
  });
});

describe('Router sub-paths', () => {
  let router: Router | null = null;
  afterEach(() => {
    router?.stop();
    window.history.replaceState(null, '', '/');
  });

  it('reads the path after the route (the viewer reads its image id from it)', () => {
    expect(parseSubpath('#/dataset/image/42')).toEqual(['image', '42']);
    expect(parseSubpath('#/dataset')).toEqual([]);
    expect(parseSubpath('#/dataset/image/7?x=1')).toEqual(['image', '7']);
  });

  it('goes to a sub-path, replacing the history entry when asked', () => {
    window.history.replaceState(null, '', '/#/dataset');
    router = new Router(window);
    router.start();
    const length = window.history.length;
    router.go('dataset', ['image', 5], true);
    expect(window.location.hash).toBe('#/dataset/image/5');
    expect(router.current).toBe('dataset');
    expect(router.subpath).toEqual(['image', '5']);
    expect(window.history.length).toBe(length);
  });
});
