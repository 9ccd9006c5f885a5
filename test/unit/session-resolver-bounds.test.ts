import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Policy } from '../../src/model/policy.js'
import { OrgDefaultPolicies } from '../../src/sessions/org-default-policies.js'
import { KeyNaming } from '../../src/sessions/key-naming.js'
import { SessionResolver, type SessionResolverStats } from '../../src/sessions/session-resolver.js'
import { PolicyEngine } from '../../src/policies/policy-engine.js'
import { PolicyRegistry } from '../../src/policies/policy-registry.js'
import { LocalBus } from '../../src/store/memory/local-bus.js'
import type { Store } from '../../src/store/ports.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { aPolicy, aSession } from '../helpers/builders.js'

const KEYS = 200_000
const ORGS = 40
const POLICIES_PER_ORG = 25

const orgOf = (n: number): string => `org${n % ORGS}`
const policyOf = (n: number): string => `p${n % (ORGS * POLICIES_PER_ORG)}`
const policyRate = (id: string, rate: number): Policy => {
  const n = Number(id.slice(1))
  return aPolicy({ id, org_id: orgOf(n), rate, per: 60, access_rights: { api1: { api_id: 'api1', api_name: 'api1', versions: ['Default'] } } })
}

describe('session resolver: bounded under any number of keys', () => {
  let dir: string
  let store: SqliteStore
  const naming = new KeyNaming({ hashKeys: true, hashKeyFunction: 'murmur64' })
  const registry = new PolicyRegistry()
  const tokens: string[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-bounds-'))
    store = new SqliteStore({ path: dir, cachedKeys: 0 })
    const policies: Policy[] = []
    for (let n = 0; n < ORGS * POLICIES_PER_ORG; n++) policies.push(policyRate(`p${n}`, 100))
    registry.replaceAll(policies)
    const writes: Array<Promise<void>> = []
    for (let n = 0; n < KEYS; n++) {
      // policy n % 1000 belongs to org (n % 1000) % 40 = n % 40: the key's own org
      const token = naming.newToken(orgOf(n), `k${n}`)
      const name = naming.fromToken(token)
      tokens.push(token)
      writes.push(store.putKey(name.id, { session: aSession({ org_id: orgOf(n), apply_policies: [policyOf(n)] }), tokenCheck: naming.tokenCheckOf(name) }))
      if (writes.length === 20_000) await Promise.all(writes.splice(0))
    }
    await Promise.all(writes)
  })

  after(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  const resolverOver = (bus: LocalBus, source: Store = store, options: { maxBytes?: number, maxUnknownTokens?: number, clock?: () => number } = {}): SessionResolver => {
    const engine = new PolicyEngine({ registry, orgDefaults: new OrgDefaultPolicies().of.bind(new OrgDefaultPolicies()) })
    return new SessionResolver({ store: source, naming, bus, applyPolicies: engine.apply, maxBytes: 1024 * 1024, maxUnknownTokens: 1_000, ...options })
  }

  const assertBounded = (stats: SessionResolverStats): void => {
    const { sessions, unknown } = stats
    assert.ok(sessions.bytes <= sessions.maxBytes, `bytes ${sessions.bytes}`)
    assert.ok(sessions.entries > 0 && sessions.entries < 1_000, `entries ${sessions.entries}`)
    assert.ok(sessions.orgs <= sessions.entries, `orgs ${sessions.orgs}`)
    // each entry is under key:, org: and policy: (its org is the API's): 3 tags at most
    assert.ok(sessions.tagMembers <= 3 * sessions.entries, `tag members ${sessions.tagMembers} for ${sessions.entries}`)
    assert.ok(sessions.tags <= sessions.tagMembers, `tags ${sessions.tags}`)
    assert.ok(sessions.queue <= 2 * sessions.entries + 1024, `queue ${sessions.queue}`)
    assert.ok(unknown.entries <= 1_000 && unknown.ids <= 2 * 1_000, `unknown ${unknown.entries}/${unknown.ids}`)
    assert.equal(stats.inflight, 0)
  }

  it(`keeps every internal map bounded while ${KEYS} distinct keys and half as many unknown tokens go through a 1 MiB cache`, async () => {
    const resolver = resolverOver(new LocalBus())
    for (let n = 0; n < KEYS; n++) {
      const resolved = await resolver.resolve(tokens[n] ?? '', orgOf(n))
      assert.equal(resolved?.session.rate, 100)
      // a spray of tokens that match nothing: each is new, none may stay beyond the bound
      if (n % 2 === 0) assert.equal(await resolver.resolve(`random${n}`, orgOf(n)), undefined)
      if (n % 10_000 === 9_999) assertBounded(resolver.stats())
    }
  })

  it('still delivers a policy edit and a key change to cached keys after many evictions', async () => {
    const bus = new LocalBus()
    const resolver = resolverOver(bus)
    for (let n = 0; n < 20_000; n++) await resolver.resolve(tokens[n] ?? '', orgOf(n))
    const last = 19_999
    const token = tokens[last] ?? ''
    assert.equal((await resolver.resolve(token, orgOf(last)))?.session.rate, 100)
    assert.equal(resolver.resolve(token, orgOf(last)) instanceof Promise, false, 'a hit answers synchronously')

    registry.upsert(policyRate(policyOf(last), 7))
    await bus.publish({ kind: 'policy', id: policyOf(last) })
    assert.equal((await resolver.resolve(token, orgOf(last)))?.session.rate, 7)
    registry.upsert(policyRate(policyOf(last), 100))
    await bus.publish({ kind: 'policy', id: policyOf(last) })

    const id = naming.fromToken(token).id
    await store.putKey(id, { session: aSession({ org_id: orgOf(last), apply_policies: [policyOf(last)], alias: 'renamed' }), tokenCheck: naming.tokenCheckOf(naming.fromToken(token)) })
    await bus.publish({ kind: 'key', id })
    assert.equal((await resolver.resolve(token, orgOf(last)))?.session.alias, 'renamed')
    assertBounded(resolver.stats())
    await bus.publish({ kind: 'reload' })
    assert.equal(resolver.stats().sessions.entries, 0)
    assert.equal(resolver.stats().sessions.tags, 0)
  })
})
