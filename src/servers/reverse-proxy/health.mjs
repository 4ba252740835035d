// Knowing which backends are alive.
//
// Passive detection: a real request failed to connect (refused, reset) → the backend is marked
// down at once, and the request is retried elsewhere.
// Active checks: every `intervalMs` the proxy asks each backend `GET /health` on the side. A
// backend that fails a check goes down; a down backend that answers 2xx comes back up and takes
// requests again. Checks run faster while something is down, so a repaired backend rejoins soon.
//
// Every change is reported as a lab event: {"event":"health","backend":"app-2","state":"down"}.
//
// Active checks can be paused (stdin command {"cmd":"health-checks","paused":true}), so that only
// real requests find out a backend is gone: handy to watch passive detection on its own, and how
// the tests make "the last backend dies under a request" happen every time rather than racing
// the next check.
import http from 'node:http';

export class HealthChecker {
  /**
   * @param {import('./balancer.mjs').Backend[]} backends
   * @param {{ intervalMs: number, timeoutMs: number, emit: (event: import('./events.js').ReverseProxyEvent) => void, log: (line: string) => void }} options
   */
  constructor(backends, { intervalMs = 1000, timeoutMs = 800, emit, log = () => {} }) {
    this.backends = backends;
    this.intervalMs = intervalMs;
    this.timeoutMs = timeoutMs;
    this.emit = emit;
    this.log = log;
    /** @type {NodeJS.Timeout | undefined} */
    this.timer = undefined;
    this.stopped = false;
    this.paused = false;
    /** The round of checks under way, if any: pause() waits for it. */
    this.round = null;
  }

  start() {
    this.tick();
  }

  /** One round of checks, then the next round: sooner while a backend is down. */
  async tick() {
    this.timer = undefined;
    this.round = Promise.all(this.backends.map((backend) => this.checkOnce(backend)));
    await this.round;
    this.round = null;
    const anyDown = this.backends.some((backend) => backend.state === 'down');
    this.schedule(anyDown ? Math.min(250, this.intervalMs) : this.intervalMs);
  }

  schedule(delayMs) {
    if (this.stopped || this.paused) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  /**
   * Before the proxy says it is ready: give backends that are still starting up to `timeoutMs` to
   * answer a first check, so the lab does not begin with a burst of "down, up again" events.
   */
  async waitForBackends(timeoutMs = 3000) {
    const deadline = performance.now() + timeoutMs;
    let waiting = this.backends;
    while (waiting.length > 0 && performance.now() < deadline) {
      const results = await Promise.all(waiting.map((backend) => probe(backend, this.timeoutMs)));
      waiting = waiting.filter((_, index) => results[index] !== true);
      if (waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const backend of waiting) this.markDown(backend, 'active', 'did not answer /health at start-up');
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * No more active checks until resume(). Resolves once a round already under way has finished,
   * so nothing checked before the pause can still mark a backend down after it.
   */
  async pause() {
    this.paused = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
    this.emit({ event: 'health-checks', paused: true });
  }

  /** Active checks again, starting now. */
  resume() {
    if (!this.paused) return;
    this.paused = false;
    this.emit({ event: 'health-checks', paused: false });
    if (!this.stopped && !this.round) this.tick();
  }

  /** One active check: GET /health, a 2xx within the timeout means up. */
  async checkOnce(backend) {
    const ok = await probe(backend, this.timeoutMs);
    if (ok === true) this.markUp(backend, 'active');
    else this.markDown(backend, 'active', ok);
  }

  /** Passive detection: a live request could not reach the backend. */
  reportFailure(backend, reason) {
    this.markDown(backend, 'passive', reason);
  }

  markDown(backend, via, reason) {
    if (backend.state === 'down') return;
    backend.state = 'down';
    this.log(`${backend.name} is DOWN (${via} check: ${reason})`);
    this.emit({ event: 'health', backend: backend.name, state: 'down', via, reason });
    // Something is down: check again soon rather than at the next regular interval.
    if (this.timer) this.schedule(Math.min(250, this.intervalMs));
  }

  markUp(backend, via) {
    if (backend.state === 'up') return;
    backend.state = 'up';
    this.log(`${backend.name} is UP again (${via} check)`);
    this.emit({ event: 'health', backend: backend.name, state: 'up', via });
  }
}

/** Resolves true for a 2xx answer, or a short reason why the check failed. */
function probe(backend, timeoutMs) {
  return new Promise((resolve) => {
    const request = http.get(
      { host: backend.host, port: backend.port, path: '/health', agent: false, timeout: timeoutMs },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        resolve(status >= 200 && status < 300 ? true : `status ${status}`);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    request.on('error', (/** @type {NodeJS.ErrnoException} */ error) => resolve(error.code ?? error.message));
  });
}
