import { hash } from 'node:crypto'
import { hashAlgorithmOfToken } from './token.js'

export type HashAlgorithm = 'murmur32' | 'murmur64' | 'murmur128' | 'sha256'

const MASK64 = 0xffffffffffffffffn
const C1 = 0x87c37b91114253d5n
const C2 = 0x4cf5ad432745937fn

/**
 * Tyk's legacy murmur32 (its murmur3 fork, spec 1.7): MurmurHash3 x86_32 block mixing from h=0,
 * then it stops: the trailing 0-3 bytes, the length and the final avalanche are all skipped.
 * Reproduced bit for bit so hashes match Tyk's, collisions included.
 */
export function murmur32Legacy (input: string): string {
  const bytes = Buffer.from(input, 'utf8')
  let h = 0
  const blocks = bytes.length - (bytes.length % 4)
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes.readUInt32LE(i)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  return (h >>> 0).toString(16).padStart(8, '0')
}

function rotl64 (x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK64
}

function fmix64 (k: bigint): bigint {
  k ^= k >> 33n
  k = (k * 0xff51afd7ed558ccdn) & MASK64
  k ^= k >> 33n
  k = (k * 0xc4ceb9fe1a85ec53n) & MASK64
  return k ^ (k >> 33n)
}

function mixK1 (k1: bigint): bigint {
  return (rotl64((k1 * C1) & MASK64, 31n) * C2) & MASK64
}

function mixK2 (k2: bigint): bigint {
  return (rotl64((k2 * C2) & MASK64, 33n) * C1) & MASK64
}

function readTail (bytes: Buffer, from: number, to: number): bigint {
  let k = 0n
  for (let i = to - 1; i >= from; i--) k = (k << 8n) | BigInt(bytes[i] ?? 0)
  return k
}

/** MurmurHash3 x64_128, seed 0: [h1, h2]. Only runs on a session-cache miss, so BigInt is fine. */
function murmur3x64128 (input: string): [bigint, bigint] {
  const bytes = Buffer.from(input, 'utf8')
  const length = bytes.length
  const blocks = length - (length % 16)
  let h1 = 0n
  let h2 = 0n
  for (let i = 0; i < blocks; i += 16) {
    h1 ^= mixK1(bytes.readBigUInt64LE(i))
    h1 = (((rotl64(h1, 27n) + h2) & MASK64) * 5n + 0x52dce729n) & MASK64
    h2 ^= mixK2(bytes.readBigUInt64LE(i + 8))
    h2 = (((rotl64(h2, 31n) + h1) & MASK64) * 5n + 0x38495ab5n) & MASK64
  }
  const tail = length - blocks
  if (tail > 8) h2 ^= mixK2(readTail(bytes, blocks + 8, length))
  if (tail > 0) h1 ^= mixK1(readTail(bytes, blocks, blocks + Math.min(tail, 8)))
  h1 ^= BigInt(length)
  h2 ^= BigInt(length)
  h1 = (h1 + h2) & MASK64
  h2 = (h2 + h1) & MASK64
  h1 = fmix64(h1)
  h2 = fmix64(h2)
  h1 = (h1 + h2) & MASK64
  h2 = (h2 + h1) & MASK64
  return [h1, h2]
}

const hex64 = (value: bigint): string => value.toString(16).padStart(16, '0')

export function murmur64Hex (input: string): string {
  return hex64(murmur3x64128(input)[0])
}

export function murmur128Hex (input: string): string {
  const [h1, h2] = murmur3x64128(input)
  return hex64(h1) + hex64(h2)
}

export function sha256Hex (input: string): string {
  return hash('sha256', input, 'hex')
}

export function hashWith (algorithm: HashAlgorithm, input: string): string {
  switch (algorithm) {
    case 'murmur32': return murmur32Legacy(input)
    case 'murmur64': return murmur64Hex(input)
    case 'murmur128': return murmur128Hex(input)
    case 'sha256': return sha256Hex(input)
  }
}

/**
 * The storage name of a token. The algorithm comes from the token itself (its `h` field), not
 * from config, so changing hash_key_function never strands old keys; legacy tokens and unknown
 * names use murmur32.
 */
export function hashToken (token: string): string {
  const algorithm = hashAlgorithmOfToken(token)
  return hashWith(algorithm === 'murmur64' || algorithm === 'murmur128' || algorithm === 'sha256' ? algorithm : 'murmur32', token)
}
