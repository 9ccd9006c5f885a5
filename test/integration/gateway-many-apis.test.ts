import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

const APIS = 1_000

test('issue 16: 1,000 APIs from app_path: the first, a middle and the last reach their own upstream path; nested listen paths choose the longest', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  for (let i = 0; i < APIS; i++) {
    const id = `api-${String(i).padStart(4, '0')}`
    writeJson(apps, `${id}.json`, anApi({ api_id: id, listen_path: `/svc-${i}/`, target: `${upstream.url}/up-${i}`, keyless: true }))
  }
  writeJson(apps, 'nested.json', anApi({ api_id: 'nested', listen_path: '/svc-500/inner/', target: `${upstream.url}/inner`, keyless: true }))
  writeJson(apps, 'deeper.json', anApi({ api_id: 'deeper', listen_path: '/svc-500/inner/most/', target: `${upstream.url}/most`, keyless: true }))
  writeJson(apps, 'prefix.json', anApi({ api_id: 'prefix', listen_path: '/svc-', target: `${upstream.url}/prefix`, keyless: true }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })

  const cases: Array<[path: string, upstreamUrl: string | undefined]> = [
    ['/svc-0/orders?x=1', '/up-0/orders?x=1'],
    ['/svc-499/orders', '/up-499/orders'],
    ['/svc-999/orders/42', '/up-999/orders/42'],
    ['/svc-500/inner/x', '/inner/x'],
    ['/svc-500/inner/most/x', '/most/x'],
    ['/svc-500/inner/mos', '/inner/mos'],
    ['/svc-500/inne', '/up-500/inne'],
    ['/svc-5000/x', '/prefix/5000/x'],
    ['/svc-1', '/prefix/1'],
    ['/elsewhere/', undefined]
  ]
  for (const [path, want] of cases) {
    const res = await fetch(gh.url + path)
    const text = await res.text()
    if (want === undefined) {
      assert.equal(res.status, 404, path)
      assert.equal(text, 'Not Found', path)
      continue
    }
    assert.equal(res.status, 200, path)
    assert.equal((JSON.parse(text) as { url: string }).url, want, path)
  }
})
