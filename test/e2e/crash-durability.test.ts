import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { tempDir } from '../helpers/gatehouse.js'
import { freePort } from '../helpers/processes.js'

function startCli (conf: string): ChildProcess {
  return spawn(process.execPath, ['bin/gatehouse.js', 'start', '--conf', conf], { stdio: 'ignore' })
}

async function waitForHello (url: string, child: ChildProcess): Promise<void> {
  const until = Date.now() + 15_000
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error('gatehouse exited early')
    try {
      if ((await fetch(`${url}/hello`)).status === 200) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('gatehouse did not answer /hello within 15 s')
}

interface Written { key: string, body: { rate: number, alias: string, tags: string[], meta_data: Record<string, unknown> } }

/** Runs `count` writes, `concurrency` at a time; returns the ones acknowledged with 200. */
async function writeKeys (url: string, secret: string, from: number, count: number, concurrency: number, onAck?: (acked: number) => void): Promise<Written[]> {
  const acked: Written[] = []
  let next = from
  const worker = async (): Promise<void> => {
    while (next < from + count) {
      const i = next++
      const body = { rate: i, per: 1, alias: `alias-${i}`, tags: [`t${i % 7}`, 'crash'], meta_data: { i, note: `key number ${i}` }, access_rights: { api1: { api_id: 'api1', versions: ['Default'] } } }
      const path = i % 3 === 0 ? `/tyk/keys/custom-${i}-${randomBytes(4).toString('hex')}` : '/tyk/keys/create'
      try {
        const res = await fetch(url + path, { method: 'POST', headers: { 'x-tyk-authorization': secret }, body: JSON.stringify(body) })
        const json = await res.json() as { key?: string }
        if (res.status === 200 && json.key !== undefined) {
          acked.push({ key: json.key, body })
          onAck?.(acked.length)
        }
      } catch {
        return // the server died under us: this write was never acknowledged
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return acked
}

test('every acknowledged key write survives kill -9, unchanged', async (t) => {
  const dir = tempDir()
  const port = await freePort()
  const secret = randomBytes(16).toString('hex')
  const conf = join(dir, 'tyk.conf')
  writeFileSync(conf, JSON.stringify({ listen_address: '127.0.0.1', listen_port: port, secret, app_path: join(dir, 'apps'), storage: { type: 'embedded', path: join(dir, 'data') } }))
  const url = `http://127.0.0.1:${port}`
  let child = startCli(conf)
  t.after(() => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) })
  await waitForHello(url, child)

  const settled = await writeKeys(url, secret, 0, 1500, 32)
  assert.equal(settled.length, 1500)
  // policies and org sessions are acknowledged writes too
  const admin = { 'x-tyk-authorization': secret }
  for (let i = 0; i < 30; i++) {
    const policy = await fetch(`${url}/tyk/policies`, { method: 'POST', headers: admin, body: JSON.stringify({ id: `crash-policy-${i}`, org_id: 'o', rate: i + 1, per: 1 }) })
    assert.equal(policy.status, 200)
    const org = await fetch(`${url}/tyk/org/keys/crash-org-${i}`, { method: 'POST', headers: admin, body: JSON.stringify({ org_id: `crash-org-${i}`, quota_max: i + 1 }) })
    assert.equal(org.status, 200)
  }
  const sample = settled.filter((_, i) => i % 50 === 0)
  const before = new Map<string, unknown>()
  for (const { key } of sample) before.set(key, await (await fetch(`${url}/tyk/keys/${key}`, { headers: { 'x-tyk-authorization': secret } })).json())

  // More writes in flight; the process dies once some of them are acknowledged.
  const killed = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
  const inFlight = writeKeys(url, secret, 10_000, 2000, 32, (acked) => { if (acked === 25) child.kill('SIGKILL') })
  const lastAcked = await inFlight
  await killed
  assert.ok(lastAcked.length >= 25 && lastAcked.length < 2000, `killed mid-stream after ${lastAcked.length} acks`)

  child = startCli(conf)
  await waitForHello(url, child)
  for (const { key, body } of [...settled, ...lastAcked]) {
    const res = await fetch(`${url}/tyk/keys/${key}`, { headers: { 'x-tyk-authorization': secret } })
    assert.equal(res.status, 200, `acknowledged key ${key} lost`)
    const got = await res.json() as Record<string, unknown>
    assert.equal(got.rate, body.rate)
    assert.equal(got.alias, body.alias)
    assert.deepEqual(got.tags, body.tags)
    assert.deepEqual(got.meta_data, body.meta_data)
  }
  for (const [key, session] of before) {
    const after = await (await fetch(`${url}/tyk/keys/${key}`, { headers: { 'x-tyk-authorization': secret } })).json()
    assert.deepEqual(after, session, 'a key written before the crash reads back identical')
  }
  for (let i = 0; i < 30; i++) {
    const policy = await (await fetch(`${url}/tyk/policies/crash-policy-${i}`, { headers: { 'x-tyk-authorization': secret } })).json() as { rate: number }
    assert.equal(policy.rate, i + 1, `policy ${i} survived`)
  }
  assert.equal((await fetch(`${url}/hello`)).status, 200)
})
