// The layers of the stack a lesson can live in, declared once: the lesson type takes its `layer`
// from here, and the lesson map draws these boxes, left to right, in this order.
export const LAYERS = [
  { id: 'client', lines: ['client', 'curl'] },
  { id: 'proxy', lines: ['web server', 'reverse proxy'] },
  { id: 'gateway', lines: ['gateway', 'CGI FastCGI WSGI ASGI'] },
  { id: 'app', lines: ['app', 'Python'] },
] as const;

/** A layer of the drawing, or 'journey': a lesson that goes through all of them. */
export type Layer = (typeof LAYERS)[number]['id'] | 'journey';
