// Load balancing: which backend gets the next request (the "traffic cop").
//
//   round robin        app-1, app-2, app-3, app-1, … — fair when requests cost about the same
//   least connections  the backend with the fewest requests in flight right now — better when
//                      some requests are slow, because a busy backend stops getting new work
//
// Only backends the health checker believes are up take part. `exclude` lets the proxy retry a
// request on a different backend from the one that just failed it.

export class Backend {
  constructor(name, url) {
    this.name = name;
    this.url = url;
    const { hostname, port } = new URL(url);
    this.host = hostname;
    this.port = Number(port);
    /** 'up' or 'down', set by the health checker (health.mjs). */
    this.state = 'up';
    /** Requests being served right now: what least-connections looks at. */
    this.active = 0;
    /** Requests this backend has answered since the proxy started. */
    this.served = 0;
  }
}

export class Balancer {
  /** @param {Backend[]} backends @param {'round-robin' | 'least-conn'} strategy */
  constructor(backends, strategy = 'round-robin') {
    if (!['round-robin', 'least-conn'].includes(strategy)) throw new Error(`unknown balancing strategy ${strategy}`);
    this.backends = backends;
    this.strategy = strategy;
    this.next = 0;
  }

  /** The backend for the next request, or undefined when none is up (the proxy answers 503). */
  pick(exclude = NONE) {
    if (this.strategy === 'round-robin') return this.nextUp(exclude);
    const candidates = this.backends.filter((backend) => backend.state === 'up' && !exclude.has(backend));
    if (candidates.length === 0) return undefined;
    return this.leastConnections(candidates); // least-conn
  }

  /** Round robin without building a candidate list (every request asks): the first backend from
   * where we stopped that is up and not excluded, the one roundRobin(candidates) would pick. */
  nextUp(exclude) {
    const count = this.backends.length;
    for (let step = 0; step < count; step++) {
      const index = (this.next + step) % count;
      const backend = this.backends[index];
      if (backend.state !== 'up' || exclude.has(backend)) continue;
      this.next = (index + 1) % count;
      return backend;
    }
    return undefined;
  }

  roundRobin(candidates) {
    // Walk the full list from where we stopped, so a backend that comes back takes its turn again.
    for (let step = 0; step < this.backends.length; step++) {
      const backend = this.backends[(this.next + step) % this.backends.length];
      if (candidates.includes(backend)) {
        this.next = (this.backends.indexOf(backend) + 1) % this.backends.length;
        return backend;
      }
    }
    return undefined;
  }

  leastConnections(candidates) {
    // Ties go round robin too, or an idle lab would always send everything to app-1.
    const fewest = Math.min(...candidates.map((backend) => backend.active));
    return this.roundRobin(candidates.filter((backend) => backend.active === fewest));
  }
}

/** @type {Set<Backend>} */
const NONE = new Set();
