/** Where a member listens. Port 0 in a peer's address means "not known yet": it is not dialled until set. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** `host:port`, with IPv6 hosts bracketed: for logs and errors. */
export function formatAddress(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Throws a RangeError unless `address` has a non-empty host and a port in [0, 65535]. */
export function checkAddress(address: Address): Address {
  if (typeof address.host !== 'string' || address.host === '')
    throw new RangeError('an address needs a host');
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 65535) {
    throw new RangeError(`port ${String(address.port)} is not in [0, 65535]`);
  }
  return address;
}
