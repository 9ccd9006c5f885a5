// What a session-cache miss costs above the store: node --import tsx bench/micro/session-miss.ts
// JSON.parse (the store's part, for scale), the policy merge, then deepFreeze against freezing
// the top level only.
import { PolicyEngine } from '../../src/policies/policy-engine.js'
import { PolicyRegistry } from '../../src/policies/policy-registry.js'
import type { Session } from '../../src/model/session.js'
import { aPolicy, aSession } from '../../test/helpers/builders.js'

const ROUNDS = 200_000

/** What the resolver did before: freeze everything a merged session holds. */
function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
const registry = new PolicyRegistry()
registry.replaceAll([aPolicy({ id: 'p1', org_id: 'org1', rate: 100, per: 60, quota_max: 1000, access_rights: { api1: { api_id: 'api1', api_name: 'api 1', versions: ['Default'] } } })])
const engine = new PolicyEngine({ registry, orgDefaults: () => [] })
const stored = JSON.stringify(aSession({ org_id: 'org1', apply_policies: ['p1'], meta_data: { user: 'someone@example.com' } }))

function time (label: string, work: (n: number) => unknown): void {
  let sink = 0
  for (let n = 0; n < ROUNDS / 10; n++) if (work(n) !== undefined) sink++ // warm up
  const start = process.hrtime.bigint()
  for (let n = 0; n < ROUNDS; n++) if (work(n) !== undefined) sink++
  const ns = Number(process.hrtime.bigint() - start) / ROUNDS
  console.log(`${label.padEnd(34)} ${(ns / 1000).toFixed(2)} µs${sink === 0 ? '' : ''}`)
}

const parsed = (): Session => JSON.parse(stored) as Session
time('JSON.parse (store)', parsed)
time('parse + merge', () => engine.apply(parsed(), 'org1'))
time('parse + merge + deepFreeze', () => deepFreeze(engine.apply(parsed(), 'org1')))
time('parse + merge + top-level freeze', () => Object.freeze(engine.apply(parsed(), 'org1')))

// the freezes alone, over sessions merged beforehand
for (const [label, freeze] of [['deepFreeze alone', deepFreeze], ['top-level freeze alone', (session: Session) => Object.freeze(session)]] as Array<[string, (session: Session) => unknown]>) {
  const sessions = Array.from({ length: ROUNDS }, () => engine.apply(parsed(), 'org1'))
  const start = process.hrtime.bigint()
  for (const session of sessions) freeze(session)
  console.log(`${label.padEnd(34)} ${(Number(process.hrtime.bigint() - start) / ROUNDS / 1000).toFixed(2)} µs`)
}
