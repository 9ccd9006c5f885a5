// A session-cache hit: node --import tsx bench/micro/session-hit.ts
// TokenCache.get (two Map lookups and CLOCK's flag, on the value itself) against a plain
// nested Map (what the resolver had) and against LRU promotion (delete + set on every hit).
import { TokenCache, type CacheSlot } from '../../src/sessions/token-cache.js'

const KEYS = 100_000
const ROUNDS = 5_000_000
const tokens = Array.from({ length: KEYS }, (_, n) => `eyJvcmciOiJvcmcxIiwiaWQiOiJ${n.toString(36).padStart(8, '0')}`)
const values = tokens.map((token) => Object.freeze({ id: token }))
const cache = new TokenCache<CacheSlot & { id: string }>(Number.MAX_SAFE_INTEGER)
const plain = new Map([['org1', new Map<string, { id: string }>()]])
tokens.forEach((token, n) => {
  cache.set({ id: token, orgId: 'org1', token, tags: [], bytes: 1, used: false, live: true })
  plain.get('org1')?.set(token, values[n] ?? { id: '' })
})

// each hit reads the value, as the gateway reads key.session
function time (label: string, hit: (token: string) => { id: string } | undefined): void {
  let found = 0
  for (let n = 0; n < ROUNDS / 10; n++) if (hit(tokens[n % KEYS] ?? '')?.id !== undefined) found++
  const start = process.hrtime.bigint()
  for (let n = 0; n < ROUNDS; n++) if (hit(tokens[(n * 7919) % KEYS] ?? '')?.id !== undefined) found++
  console.log(`${label.padEnd(28)} ${(Number(process.hrtime.bigint() - start) / ROUNDS).toFixed(1)} ns (${found})`)
}

for (let round = 0; round < 2; round++) {
  time('plain nested Map', (token) => plain.get('org1')?.get(token))
  time('TokenCache (CLOCK flag)', (token) => cache.get('org1', token))
  time('nested Map + LRU promotion', (token) => {
    const byToken = plain.get('org1')
    const value = byToken?.get(token)
    if (byToken !== undefined && value !== undefined) {
      byToken.delete(token)
      byToken.set(token, value)
    }
    return value
  })
}
