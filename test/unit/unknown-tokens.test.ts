import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KeyNaming } from '../../src/sessions/key-naming.js'
import { SessionResolver } from '../../src/sessions/session-resolver.js'
import { LocalBus } from '../../src/store/memory/local-bus.js'
import type { Store } from '../../src/store/ports.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { aSession } from '../helpers/builders.js'

const naming = new KeyNaming({ hashKeys: true, hashKeyFunction: 'murmur64' })

/** A real store whose key reads are counted. */
function countingStore (): { store: SqliteStore, counted: Store, reads: () => number } {
  const store = new SqliteStore({ path: ':memory:' })
  let reads = 0
  const counted = new Proxy(store, {
    get (target, property, receiver) {
      if (property === 'getKey') return (id: string) => { reads++; return target.getKey(id) }
      const value: unknown = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return { store, counted, reads: () => reads }
}

describe('session resolver: unknown tokens', () => {
  it('does not read the store again for a repeated unknown token, and forgets it after its time', async () => {
    const { store, counted, reads } = countingStore()
    let nowMs = 1_000_000
    const resolver = new SessionResolver({ store: counted, naming, bus: new LocalBus(), applyPolicies: (session) => session, unknownTtlMs: 10_000, clock: () => nowMs })
    assert.equal(await resolver.resolve('nosuchtoken', 'org1'), undefined)
    const first = reads()
    assert.ok(first >= 1)
    for (let n = 0; n < 100; n++) assert.equal(await resolver.resolve('nosuchtoken', 'org1'), undefined)
    assert.equal(reads(), first)
    nowMs += 10_000
    assert.equal(await resolver.resolve('nosuchtoken', 'org1'), undefined)
    assert.equal(reads(), 2 * first)
    await store.close()
  })

  it('answers a key created after its token was refused on the very next request, in either storage name', async () => {
    const { store, counted } = countingStore()
    const bus = new LocalBus()
    const resolver = new SessionResolver({ store: counted, naming, bus, applyPolicies: (session) => session })
    // a short name is looked up as org + name first, then as sent: both storage ids are remembered
    for (const token of ['later1', naming.newToken('org1', 'later2')]) {
      assert.equal(await resolver.resolve(token, 'org1'), undefined)
      assert.equal(await resolver.resolve(token, 'org1'), undefined)
      const name = naming.fromToken(token)
      await store.putKey(name.id, { session: aSession({ org_id: 'org1' }), tokenCheck: naming.tokenCheckOf(name) })
      await bus.publish({ kind: 'key', id: name.id })
      assert.equal((await resolver.resolve(token, 'org1'))?.id, name.id)
    }
    assert.equal(resolver.stats().unknown.entries, 0)
    assert.equal(resolver.stats().unknown.ids, 0)
    await store.close()
  })

  it('remembers at most its bound of a spray of random tokens', async () => {
    const { store, counted, reads } = countingStore()
    const resolver = new SessionResolver({ store: counted, naming, bus: new LocalBus(), applyPolicies: (session) => session, maxUnknownTokens: 500 })
    for (let n = 0; n < 50_000; n++) await resolver.resolve(`spray${n}`, 'org1')
    const stats = resolver.stats().unknown
    assert.equal(stats.entries, 500)
    // two storage ids each at most (legacy murmur32 names of short tokens collide, as in Tyk)
    assert.ok(stats.ids > 0 && stats.ids <= 1_000, `ids ${stats.ids}`)
    const before = reads()
    assert.equal(await resolver.resolve('spray49999', 'org1'), undefined)
    assert.equal(reads(), before, 'the newest are kept')
    await store.close()
  })

  it('keeps no unknown token when set to 0', async () => {
    const { store, counted } = countingStore()
    const resolver = new SessionResolver({ store: counted, naming, bus: new LocalBus(), applyPolicies: (session) => session, maxUnknownTokens: 0 })
    await resolver.resolve('nosuchtoken', 'org1')
    assert.equal(resolver.stats().unknown.entries, 0)
    await store.close()
  })
})
