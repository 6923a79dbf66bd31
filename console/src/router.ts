import { useEffect, useState } from 'preact/hooks';

/** The console's pages, addressed by the URL fragment so the API keeps every real path. */
export type Route =
  | { page: 'deployments' }
  | { page: 'new' }
  | { page: 'deployment'; id: string }
  | { page: 'playground'; id: string | null };

const ID = '([A-Za-z0-9_-]{1,64})';

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  if (h === '/new') return { page: 'new' };
  let m = new RegExp(`^/deployments/${ID}$`).exec(h);
  if (m?.[1]) return { page: 'deployment', id: m[1] };
  if (h === '/playground') return { page: 'playground', id: null };
  m = new RegExp(`^/playground/${ID}$`).exec(h);
  if (m?.[1]) return { page: 'playground', id: m[1] };
  return { page: 'deployments' };
}

export const href = {
  deployments: '#/',
  new: '#/new',
  deployment: (id: string) => `#/deployments/${id}`,
  playground: (id?: string) => (id ? `#/playground/${id}` : '#/playground'),
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = (): void => {
      setRoute(parseRoute(location.hash));
    };
    addEventListener('hashchange', on);
    return () => {
      removeEventListener('hashchange', on);
    };
  }, []);
  return route;
}

export function navigate(to: string): void {
  location.hash = to.replace(/^#/, '');
}
