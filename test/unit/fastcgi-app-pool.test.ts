// The front's pool of connections to the app (app-pool.mjs): takeIdle() hands out an idle
// connection at once when a slot is free, and never the slot a waiting request was promised.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppPool } from '../../src/servers/fastcgi/app-pool.mjs';

describe('AppPool.takeIdle', () => {
  let app: Server;
  let address: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Any listener will do: the pool only connects; no record is sent in these tests.
    app = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(app.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => app.close(resolve));
  });

  it('has nothing before a connection was used, then gives back the one released', async () => {
    const pool = new AppPool(address, { limit: 2 });
    expect(pool.takeIdle()).toBeNull();
    const first = await pool.acquire();
    expect(first.reused).toBe(false);
    pool.release(first, true);
    const again = pool.takeIdle();
    expect(again).toBe(first);
    expect(again?.reused).toBe(true);
    pool.release(first, true);
    pool.closeAll();
  });

  it('takes no slot past the limit, nor the one handed to a waiting request', async () => {
    const pool = new AppPool(address, { limit: 1, queueMs: 2000 });
    const only = await pool.acquire();
    expect(pool.takeIdle()).toBeNull(); // the one slot is in use
    const waiting = pool.acquire(); // waits for the slot
    pool.release(only, true); // the slot goes to the waiting request, the connection to the idle list
    expect(pool.takeIdle()).toBeNull();
    const handed = await waiting;
    expect(handed).toBe(only);
    pool.release(handed, false);
    pool.closeAll();
  });

  it('skips connections that closed while idle', async () => {
    const pool = new AppPool(address, { limit: 2 });
    const connection = await pool.acquire();
    pool.release(connection, true);
    connection.close('closed by the test');
    expect(pool.takeIdle()).toBeNull();
    pool.closeAll();
  });

  it('acquire({ fresh: true }) opens a new connection even when one is idle', async () => {
    const pool = new AppPool(address, { limit: 2 });
    const kept = await pool.acquire();
    pool.release(kept, true);
    const fresh = await pool.acquire({ fresh: true });
    expect(fresh).not.toBe(kept);
    expect(fresh.reused).toBe(false);
    pool.release(fresh, false);
    pool.closeAll();
  });
});
