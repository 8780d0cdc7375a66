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

export class Router {
  #current = $state<RouteId>(DEFAULT_ROUTE);
  #stop: (() => void) | null = null;

  constructor(private readonly win: Window = window) {}

  get current(): RouteId {
    return this.#current;
  }

  /** Follows the address bar from now on; an unknown or empty hash is replaced by the default. */
  start(): () => void {
    const sync = (): void => {
      const route = parseRoute(this.win.location.hash);
      if (route) {
        this.#current = route;
      } else {
        this.#current = DEFAULT_ROUTE;
        // replaceState, not an assignment: a bad link must not add a history entry to go back to.
        const url = new URL(this.win.location.href);
        url.hash = routeHref(DEFAULT_ROUTE);
        this.win.history.replaceState(this.win.history.state, '', url.href);
      }
    };
    sync();
    this.win.addEventListener('hashchange', sync);
    this.#stop = () => this.win.removeEventListener('hashchange', sync);
    return () => this.stop();
  }

  navigate(id: RouteId): void {
    this.win.location.hash = routeHref(id);
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
  }
}
