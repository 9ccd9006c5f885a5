// Heap per cached session: node --expose-gc --import tsx bench/micro/session-bytes.ts [apis]
// Fills a TokenCache the way the resolver does (merged, frozen sessions of the default shape,
// with their key:/org:/policy: tags) and compares the heap with the estimate of session-bytes.ts.
import { PolicyEngine } from '../../src/policies/policy-engine.js'
import { PolicyRegistry } from '../../src/policies/policy-registry.js'
import { sessionBytes } from '../../src/sessions/session-bytes.js'
import { TokenCache, type CacheSlot } from '../../src/sessions/token-cache.js'
import { aPolicy, aSession } from '../../test/helpers/builders.js'

const ENTRIES = 100_000
const apis = Number(process.argv[2] ?? 1)
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')

const rights: Record<string, unknown> = {}
for (let n = 0; n < apis; n++) rights[`api${n}`] = { api_id: `api${n}`, api_name: `api ${n}`, versions: ['Default'] }
const registry = new PolicyRegistry()
registry.replaceAll([aPolicy({ id: 'p1', org_id: 'org1', rate: 100, per: 60, quota_max: 1000, access_rights: rights })])
const engine = new PolicyEngine({ registry, orgDefaults: () => [] })
// as the store hands them over: parsed from JSON
const stored = JSON.stringify(aSession({ org_id: 'org1', apply_policies: ['p1'], meta_data: { user: 'someone@example.com' } }))

const cache = new TokenCache<CacheSlot & { id: string, session: unknown }>(Number.MAX_SAFE_INTEGER)
gc()
const before = process.memoryUsage().heapUsed
let estimated = 0
for (let n = 0; n < ENTRIES; n++) {
  const token = `eyJvcmciOiJvcmcxIiwiaWQiOiJ${n.toString(36).padStart(8, '0')}IiwiaCI6Im11cm11cjY0In0=`
  const id = n.toString(16).padStart(16, '0')
  const session = Object.freeze(engine.apply(JSON.parse(stored), 'org1'))
  const bytes = sessionBytes(session, token)
  estimated += bytes
  cache.set({ id, session, orgId: 'org1', token, tags: [`key:${id}`, 'org:org1', 'policy:p1'], bytes, used: false, live: true })
}
gc()
const measured = (process.memoryUsage().heapUsed - before) / ENTRIES
console.log(`${apis} API(s), ${cache.stats().entries} entries: ${Math.round(measured)} bytes/entry on the heap, estimated ${Math.round(estimated / ENTRIES)}`)
