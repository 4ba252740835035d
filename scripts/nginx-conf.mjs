// The nginx.conf the interop tests and the benchmark run nginx with: one worker in the
// foreground, everything it writes kept under `prefix`, listening on 127.0.0.1:port only, with an
// upstream named "backend" (keep-alive connections) and the given locations.

/**
 * @param {{ prefix: string, port: number, upstream: string, keepalive?: number, locations: string }} options
 *   upstream: the inside of the upstream block ("server 127.0.0.1:8301;")
 *   locations: the inside of the server block ("location / { proxy_pass http://backend; }")
 */
export function nginxConf({ prefix, port, upstream, keepalive = 32, locations }) {
  // As root, nginx would drop its workers to "nobody", who cannot read the temporary prefix.
  const runAs = process.getuid?.() === 0 ? 'user root root;' : '';
  return `${runAs}
worker_processes 1;
daemon off;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  upstream backend { ${upstream} keepalive ${keepalive}; }
  server {
    listen 127.0.0.1:${port};
    ${locations}
  }
}
`;
}
