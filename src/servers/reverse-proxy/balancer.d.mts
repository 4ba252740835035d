// Types for balancer.mjs, so the TypeScript tests can import it. The lab server itself is plain JS.
export class Backend {
  constructor(name: string, url: string);
  name: string;
  url: string;
  host: string;
  port: number;
  state: 'up' | 'down';
  active: number;
  served: number;
}
export class Balancer {
  constructor(backends: Backend[], strategy?: 'round-robin' | 'least-conn');
  pick(exclude?: Set<Backend>): Backend | undefined;
}
