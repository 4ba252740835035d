export function nginxConf(options: {
  prefix: string;
  port: number;
  upstream: string;
  keepalive?: number;
  locations: string;
}): string;
