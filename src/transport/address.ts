/** Where a member listens. Port 0 in a peer's address means "not known yet": it is not dialled until set. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** `host:port`, with IPv6 hosts bracketed: for logs and errors. */
export function formatAddress(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
