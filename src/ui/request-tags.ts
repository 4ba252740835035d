// The few words about a request that the lessons are about, read from the fields lab servers add
// to their request events: which backend answered and whether it was a retry, cache HIT/MISS,
// the worker pid, a static file, a rate or size limit, a filter. The log shows them after the
// status; the detail view shows every field.
import type { RequestEvent } from '../engine/types.js';

export interface Tag {
  text: string;
  tone?: 'pass' | 'warn' | 'fail' | 'muted';
}

export function requestTags(r: RequestEvent): Tag[] {
  const tags: Tag[] = [];
  const field = (name: string) => (r as unknown as Record<string, unknown>)[name];
  const cache = field('cache');
  if (typeof cache === 'string' && cache)
    tags.push({ text: `cache ${cache}`, tone: cache === 'HIT' ? 'pass' : 'muted' });
  const backend = field('backend');
  if (typeof backend === 'string') tags.push({ text: `→ ${backend}` });
  const retries = field('retries');
  if (Array.isArray(retries) && retries.length > 1)
    tags.push({ text: `retried: ${retries.join(' → ')}`, tone: 'warn' });
  const pid = field('pid');
  if (typeof pid === 'number') tags.push({ text: `pid ${pid}` });
  if (field('static') === true) tags.push({ text: 'static file', tone: 'muted' });
  if (field('rateLimited') === true) tags.push({ text: 'rate limited', tone: 'warn' });
  if (typeof field('bodyLimit') === 'string' && r.status === 413) tags.push({ text: 'body too large', tone: 'warn' });
  if (field('blocked') === true) tags.push({ text: 'blocked', tone: 'warn' });
  const auth = field('auth');
  if (typeof auth === 'string' && auth !== 'ok') tags.push({ text: `auth ${auth}`, tone: 'warn' });
  return tags;
}
