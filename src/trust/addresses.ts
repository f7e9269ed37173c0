/**
 * Address allow and deny lists, like zauth's `ALLOW` and `DENY`. They read only
 * `request.address`, which an adapter sets to the peer's IP address after taking it from the
 * transport itself, never from anything the peer sent. A request without an address (a
 * transport with none, such as stdio) or with one that is not an IP address is denied by both
 * lists: a list that cannot check must not let anyone pass.
 *
 * zauth checks the address before the credentials, and ignores its deny list when an allow list
 * exists; compose the same with `allOf(allowAddresses(...), certStore(...))`.
 *
 * @module
 */
import { BlockList, isIP } from 'node:net';
import { allow, deny, type Authorizer } from '../auth';

/**
 * Allows only peers whose address is in `addresses` (IPv4 or IPv6 addresses, or subnets in
 * CIDR form such as `10.0.0.0/8`); an IPv4 entry also matches its IPv4-mapped IPv6 form
 * (`::ffff:10.1.2.3`), as dual-stack sockets report it. A match is an allow without a user id,
 * meant to be combined with a credential check through `allOf`.
 *
 * @throws {@link TypeError} when `addresses` is not an iterable of strings, RangeError naming
 *   `addresses[i]` for an entry that is not an address or subnet
 */
export function allowAddresses(addresses: Iterable<string>): Authorizer {
  const list = blockList(addresses);
  return (request) => {
    const found = match(list, request.address);
    if (found === undefined) return deny('No verified address');
    return found ? allow() : deny('Address not allowed');
  };
}

/**
 * Denies peers whose address is in `addresses` (same forms as {@link allowAddresses}) and
 * allows the others, without a user id.
 *
 * @throws as {@link allowAddresses}
 */
export function denyAddresses(addresses: Iterable<string>): Authorizer {
  const list = blockList(addresses);
  return (request) => {
    const found = match(list, request.address);
    if (found === undefined) return deny('No verified address');
    return found ? deny('Address denied') : allow();
  };
}

/** True or false when `address` is an IP address in or out of `list`; `undefined` when it is not one. */
function match(list: BlockList, address: string | undefined): boolean | undefined {
  if (address === undefined) return undefined;
  const family = isIP(address);
  if (family === 0) return undefined;
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function blockList(addresses: Iterable<string>): BlockList {
  if (addresses === null || typeof (addresses as Partial<Iterable<string>>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError('"addresses" expected an iterable of strings');
  }
  const list = new BlockList();
  [...addresses].forEach((entry, i) => addEntry(list, entry, `addresses[${i}]`));
  return list;
}

function addEntry(list: BlockList, entry: string, name: string): void {
  if (typeof entry !== 'string') throw new TypeError(`"${name}" expected a string`);
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? undefined : Number(prefix);
  const max = family === 4 ? 32 : 128;
  const goodPrefix = prefix === undefined || (/^\d+$/.test(prefix) && bits! <= max);
  if (family === 0 || extra !== undefined || !goodPrefix) {
    throw new RangeError(`"${name}" expected an IP address or CIDR subnet, got ${JSON.stringify(entry)}`);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) list.addAddress(address, type);
  else list.addSubnet(address, bits, type);
}
