/**
 * A tiny hash router: `#/projects`, `#/dataset`, ... Hash routes need no server support, so the
 * same URLs work from the web host and from file:// in the Electron window.
 */
export const ROUTES = [
  { id: 'projects', label: 'Projects' },
  { id: 'dataset', label: 'Dataset' },
  { id: 'annotate', label: 'Annotate' },
  { id: 'train', label: 'Train' },
  { id: 'inspect', label: 'Inspect' },
  { id: 'reports', label: 'Reports' },
  { id: 'settings', label: 'Settings' },
] as const;

export type RouteId = (typeof ROUTES)[number]['id'];
export const DEFAULT_ROUTE: RouteId = 'projects';

export function routeHref(id: RouteId): string {
  return `#/${id}`;
}

/** The route a location hash names, or null when it names none. */
export function parseRoute(hash: string): RouteId | null {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return ROUTES.find((route) => route.id === id)?.id ?? null;
}

/** The path segments after the route: `#/dataset/image/42` → `['image', '42']`. */
export function parseSubpath(hash: string): string[] {
  const path = hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  return path.split('/').slice(1).filter(Boolean).map(decodeURIComponent);
}

export class Router {
  #current = $state<RouteId>(DEFAULT_ROUTE);
  #subpath = $state.raw<readonly string[]>([]);
  #stop: (() => void) | null = null;

  constructor(private readonly win: Window = window) {}

  get current(): RouteId {
    return this.#current;
  }

  /** Segments after the route id (a view's own location, e.g. the image the viewer shows). */
  get subpath(): readonly string[] {
    return this.#subpath;
  }

  /** Follows the address bar from now on; an unknown or empty hash is replaced by the default. */
  start(): () => void {
    const sync = (): void => this.sync();
    sync();
    this.win.addEventListener('hashchange', sync);
    this.#stop = () => this.win.removeEventListener('hashchange', sync);
    return () => this.stop();
  }

  navigate(id: RouteId): void {
    this.win.location.hash = routeHref(id);
  }

  /**
   * Goes to `#/<id>/<subpath…>`. With `replace` the current history entry is replaced (scrolling
   * through slices must not leave one entry per slice to go back through).
   */
  go(id: RouteId, subpath: readonly (string | number)[] = [], replace = false): void {
    const hash = [routeHref(id), ...subpath.map((part) => encodeURIComponent(String(part)))].join('/');
    if (!replace) {
      this.win.location.hash = hash;
      return;
    }
    const url = new URL(this.win.location.href);
    url.hash = hash;
    this.win.history.replaceState(this.win.history.state, '', url.href);
    this.sync(); // replaceState fires no hashchange
  }

  private sync(): void {
    const hash = this.win.location.hash;
    const route = parseRoute(hash);
    if (route) {
      this.#current = route;
      const subpath = parseSubpath(hash);
      if (subpath.join('/') !== this.#subpath.join('/')) this.#subpath = subpath;
    } else {
      this.#current = DEFAULT_ROUTE;
      this.#subpath = [];
      // replaceState, not an assignment: a bad link must not add a history entry to go back to.
      const url = new URL(this.win.location.href);
      url.hash = routeHref(DEFAULT_ROUTE);
      this.win.history.replaceState(this.win.history.state, '', url.href);
    }
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
  }
}
