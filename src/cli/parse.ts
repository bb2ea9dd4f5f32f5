import { InvalidArgumentError } from 'commander';
import type { Address } from '../node/index.js';

/** Parses `host:port` (IPv6 as `[::1]:7001`); throws commander's InvalidArgumentError with a one-line reason. */
export function parseAddress(value: string): Address {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !(port >= 0 && port <= 65535)) {
    throw new InvalidArgumentError(`"${value}" is not host:port`);
  }
  return { host, port };
}

/** Parses a member id: a positive integer. */
export function parseId(value: string): number {
  const id = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id < 1) {
    throw new InvalidArgumentError(`"${value}" is not a member id (a positive integer)`);
  }
  return id;
}

/** Parses a positive integer option. */
export function parsePositive(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  }
  return n;
}

/** Parses `1=127.0.0.1:7001,2=127.0.0.1:7002,...` into a map; ids and addresses must not repeat. */
export function parsePeers(value: string): Map<number, Address> {
  const peers = new Map<number, Address>();
  const seen = new Set<string>();
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) throw new InvalidArgumentError(`"${item}" is not id=host:port`);
    const id = parseId(item.slice(0, eq));
    const address = parseAddress(item.slice(eq + 1));
    if (peers.has(id)) throw new InvalidArgumentError(`member ${id} is listed twice`);
    const key = `${address.host}:${address.port}`;
    if (seen.has(key)) throw new InvalidArgumentError(`address ${key} is listed twice`);
    seen.add(key);
    peers.set(id, address);
  }
  return peers;
}
