// The fuzz (define-fuzz.ts) of every other lesson's servers: CGI, FastCGI, WSGI, ASGI, and any
// lesson added to targets.ts later.
import { defineFuzz, PROXY_LESSONS } from './define-fuzz.js';

defineFuzz((entry) => !PROXY_LESSONS.includes(entry.lesson));
