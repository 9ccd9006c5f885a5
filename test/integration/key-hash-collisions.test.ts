import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { murmur32Legacy } from '../../src/core/hash.js'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

/** Two random-looking key ids whose legacy tokens ('acme' + id) share a murmur32 hash. */
function collidingIds (): [string, string] {
  const seen = new Map<string, string>()
  for (let i = 0; ; i++) {
    const id = i.toString(16).padStart(32, '0')
    const hash = murmur32Legacy('acme' + id)
    const earlier = seen.get(hash)
    if (earlier !== undefined) return [earlier, id]
    seen.set(hash, id)
  }
}

/** A generator that hands out the given ids in order (a test's stand-in for the CSPRNG). */
function sequence (ids: string[]): () => string {
  return () => {
    const id = ids.shift()
    assert.ok(id !== undefined, 'the test ran out of ids')
    return id
  }
}

interface Modify { key: string, key_hash: string }

test('generated keys draw again on a taken murmur32 name, never fail or overwrite; imports get 409; explain and the key API name each key\'s hash', async (t) => {
  const [idA, idB] = collidingIds()
  const idC = 'c'.repeat(32)
  const idD = 'd'.repeat(32)
  const upstream = await startEchoUpstream()
  const dataDir = tempDir()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a.json', anApi({ api_id: 'a', org_id: 'acme', listen_path: '/a/', target: upstream.url }))
  const config = { app_path: apps, hash_keys: true, hash_key_function: '' }
  let gh: TestGatehouse | undefined
  t.after(async () => { await gh?.close(); await upstream.close(); rmSync(dataDir, { recursive: true, force: true }) })
  // idB collides with idA, and is drawn again seven times (more than the five draws there were)
  gh = await startTestGatehouse(config, { dataDir, randomKeyId: sequence([idA, idB, idB, idB, idB, idB, idB, idB, idC, idB, idD]) })
  const body = (n: number): unknown => ({ org_id: 'acme', meta_data: { n }, access_rights: { a: { api_id: 'a', api_name: 'a', versions: ['Default'] } } })

  const first = await gh.admin('POST', '/tyk/keys/create', body(1))
  assert.equal(first.status, 200, first.text)
  assert.equal((first.json as Modify).key, 'acme' + idA)
  const second = await gh.admin('POST', '/tyk/keys/create', body(2))
  assert.equal(second.status, 200, second.text)
  assert.equal((second.json as Modify).key, 'acme' + idC)
  // POST /tyk/keys without an id generates one too: draws past the taken name as well
  const third = await gh.admin('POST', '/tyk/keys', body(3))
  assert.equal(third.status, 200, third.text)
  assert.equal((third.json as Modify).key, 'acme' + idD)

  // the first key was not overwritten, and each authenticates as itself
  for (const [token, n] of [['acme' + idA, 1], ['acme' + idC, 2], ['acme' + idD, 3]] as const) {
    const got = await gh.admin('GET', `/tyk/keys/${token}`)
    assert.equal(got.status, 200)
    assert.equal((got.json as { meta_data: { n: number } }).meta_data.n, n)
    assert.equal(got.headers.get('x-gatehouse-key-hash'), 'murmur32')
    const proxied: Response = await fetch(`${gh.url}/a/`, { headers: { authorization: token } })
    assert.equal(proxied.status, 200)
  }
  // importing the colliding token under its chosen id is refused, as Tyk users see it: 409
  const imported = await gh.admin('POST', `/tyk/keys/acme${idB}`, body(9))
  assert.equal(imported.status, 409)
  assert.equal((imported.json as { message: string }).message, 'A different key is already stored under this key hash; choose another key ID')

  const explained = await gh.admin('GET', `/tyk/keys/acme${idA}/explain`)
  assert.equal((explained.json as { key_hash_function: string }).key_hash_function, 'murmur32')
  await gh.close()

  // after a switch to murmur128, new keys use it and the old keep murmur32
  gh = await startTestGatehouse({ ...config, hash_key_function: 'murmur128' }, { dataDir })
  const fresh = await gh.admin('POST', '/tyk/keys/create', body(4))
  assert.equal(fresh.status, 200, fresh.text)
  const freshKey = (fresh.json as Modify).key
  const freshExplained = await gh.admin('GET', `/tyk/keys/${freshKey}/explain`)
  assert.equal((freshExplained.json as { key_hash_function: string }).key_hash_function, 'murmur128')
  assert.equal((await gh.admin('GET', `/tyk/keys/${freshKey}`)).headers.get('x-gatehouse-key-hash'), 'murmur128')
  const old = await gh.admin('GET', `/tyk/keys/acme${idA}/explain`)
  assert.equal((old.json as { key_hash_function: string }).key_hash_function, 'murmur32')
})

test('with hash_keys off the key API and explain say the key is stored in clear', async (t) => {
  const gh = await startTestGatehouse({ hash_keys: false, allow_master_keys: true })
  t.after(async () => { await gh.close() })
  const created = await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', access_rights: {} })
  assert.equal(created.status, 200, created.text)
  const key = (created.json as Modify).key
  assert.equal((await gh.admin('GET', `/tyk/keys/${key}`)).headers.get('x-gatehouse-key-hash'), 'none')
  assert.equal(((await gh.admin('GET', `/tyk/keys/${key}/explain`)).json as { key_hash_function: string }).key_hash_function, 'none')
})
