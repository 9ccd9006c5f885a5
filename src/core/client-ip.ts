import { BlockList, isIP } from 'node:net'

/**
 * Tyk's "real IP" (spec gateway 1.3.3): X-Real-IP when it is an IP, else the X-Forwarded-For
 * entry `xffDepth` names (0: the first; d > 0: the d-th from the right, for a known number of
 * proxies in front) when it is one, else the TCP peer. It trusts what the client sends, as Tyk
 * does: IP lists are only as strong as the proxies in front that set these headers.
 */
export function realClientIp (realIp: string | undefined, forwardedFor: string | undefined, peer: string, xffDepth = 0): string {
  if (realIp !== undefined && isIP(realIp) !== 0) return realIp
  if (forwardedFor !== undefined && forwardedFor !== '') {
    const chosen = forwardedEntry(forwardedFor, xffDepth)
    if (isIP(chosen) !== 0) return chosen
  }
  return peer
}

function forwardedEntry (forwardedFor: string, xffDepth: number): string {
  if (xffDepth === 0) {
    const comma = forwardedFor.indexOf(',')
    return (comma === -1 ? forwardedFor : forwardedFor.slice(0, comma)).trim()
  }
  const entries = forwardedFor.split(',')
  // out of range: no entry, so the peer is used
  return xffDepth > entries.length ? '' : (entries[entries.length - xffDepth] ?? '').trim()
}

/** An allow or deny list of single addresses and CIDR ranges, IPv4 and IPv6 compared by value. */
export class IpList {
  private readonly list = new BlockList()

  /** Entries that are neither an IP nor a CIDR range are skipped, as Tyk does. */
  constructor (entries: readonly string[]) {
    for (const entry of entries) {
      const text = entry.trim()
      const slash = text.indexOf('/')
      const address = slash === -1 ? text : text.slice(0, slash)
      const family = isIP(address)
      if (family === 0) continue
      const type = family === 4 ? 'ipv4' : 'ipv6'
      if (slash === -1) {
        this.list.addAddress(address, type)
        continue
      }
      const prefix = Number(text.slice(slash + 1))
      if (Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128)) this.list.addSubnet(address, prefix, type)
    }
  }

  has (ip: string): boolean {
    // an IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d
    const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip
    const family = isIP(address)
    if (family === 0) return false
    return this.list.check(address, family === 4 ? 'ipv4' : 'ipv6')
  }
}
