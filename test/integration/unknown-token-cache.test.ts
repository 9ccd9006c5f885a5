import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

test('a token refused as unknown (and remembered so) works on the very next request once its key is created', async (t) => {
  const upstream = await startEchoUpstream()
  const dir = tempDir()
  const apps = join(dir, 'apps')
  writeJson(apps, 'keyed.json', anApi({ api_id: 'keyed', listen_path: '/keyed/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  const status = async (token: string): Promise<number> => (await fetch(`${gh.url}/keyed/get`, { headers: { authorization: token } })).status
  const rights = { keyed: { api_id: 'keyed', versions: ['Default'] } }

  // a custom key is stored as org + name: the short name a client sends is looked up both ways
  // (names that differ early: legacy murmur32 names ignore a token's last 1-3 bytes, as Tyk's)
  for (const name of ['alatecomer', 'blatecomer']) {
    assert.equal(await status(name), 403)
    assert.equal(await status(name), 403)
    const created = await gh.admin('POST', `/tyk/keys/${name}`, { org_id: 'default', access_rights: rights })
    assert.equal(created.status, 200)
    assert.equal(await status(name), 200, name)
  }
  // and the full token returned by the API
  const full = ((await gh.admin('POST', '/tyk/keys/clatecomer', { org_id: 'default', access_rights: rights })).json as { key: string }).key
  assert.equal(await status(full), 200)
  assert.equal((await gh.admin('DELETE', `/tyk/keys/${full}`)).status, 200)
  assert.equal(await status(full), 403)
  assert.equal((await gh.admin('POST', '/tyk/keys/clatecomer', { org_id: 'default', access_rights: rights })).status, 200)
  assert.equal(await status(full), 200, 'recreated after being refused')
})
