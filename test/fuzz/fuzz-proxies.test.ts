// The fuzz (define-fuzz.ts) of the first three lessons' servers: the origin and the two proxies.
import { defineFuzz, PROXY_LESSONS } from './define-fuzz.js';

defineFuzz((entry) => PROXY_LESSONS.includes(entry.lesson));
