import { randomFillSync } from 'node:crypto'
import { isPlainObject } from './plain-object.js'

const KNOWN_ALGORITHMS = new Set(['murmur32', 'murmur64', 'murmur128', 'sha256'])
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const HEX24 = /^[0-9a-fA-F]{24}$/

// CSPRNG bytes drawn 4 KiB at a time (as node's randomUUID does): one call per 256 keys
const randomPool = Buffer.allocUnsafe(4096)
let randomOffset = randomPool.length

/** 32 lowercase hex characters from the CSPRNG: the id part of a generated key. */
export function randomKeyId (): string {
  if (randomOffset + 16 > randomPool.length) {
    randomFillSync(randomPool)
    randomOffset = 0
  }
  const id = randomPool.toString('hex', randomOffset, randomOffset + 16)
  randomOffset += 16
  return id
}

/**
 * Tyk's token for a key (spec 1.6): org + id in the legacy format, or the Base64 of
 * {"org":…,"id":…,"h":…} when a hash function is configured. An id that already starts with
 * the org is not prefixed twice; an empty id is a random one.
 */
export function generateToken (orgId: string, keyId: string, hashFunction: string): string {
  let id = orgId !== '' && keyId.startsWith(orgId) ? keyId.slice(orgId.length) : keyId
  if (id === '') id = randomKeyId()
  if (hashFunction === '') return orgId + id
  const algorithm = KNOWN_ALGORITHMS.has(hashFunction) ? hashFunction : 'murmur64'
  // Tyk formats this with a format string: the values are not JSON-escaped.
  return Buffer.from(`{"org":"${orgId}","id":"${id}","h":"${algorithm}"}`).toString('base64')
}

/** The JSON inside a Base64 token, or undefined for a legacy token. Never throws. */
function decodeToken (token: string): Record<string, unknown> | undefined {
  if (!token.startsWith('ey') || token.length % 4 !== 0 || !BASE64.test(token)) return undefined
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'))
    return isPlainObject(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

/** The org a token belongs to: its `org` field, else a leading 24-hex ObjectId, else ''. */
export function orgOfToken (token: string): string {
  const decoded = decodeToken(token)
  if (decoded !== undefined && typeof decoded.org === 'string') return decoded.org
  if (token.length > 24 && HEX24.test(token.slice(0, 24))) return token.slice(0, 24)
  return ''
}

/** The hash algorithm named inside a Base64 token, '' for a legacy one. */
export function hashAlgorithmOfToken (token: string): string {
  const decoded = decodeToken(token)
  return decoded !== undefined && typeof decoded.h === 'string' ? decoded.h : ''
}
