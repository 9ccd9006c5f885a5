// Resident memory of a gateway whose traffic spreads over many keys:
//   node --import tsx bench/memory.ts [keys=200000] [session_cache_bytes=268435456]
// Writes `keys` keys straight into a fresh SQLite store (murmur64 tokens, one policy-less API
// right each), starts `bin/gatehouse.js` on it (analytics on), calls every key once over HTTP,
// 32 at a time, and prints the gateway's RSS as it goes (VmRSS of the child, Linux).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyNaming } from '../src/sessions/key-naming.js'
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { aSession } from '../test/helpers/builders.js'
import { anApi, startEchoUpstream, writeJson } from '../test/helpers/upstream.js'

const KEYS = Number(process.argv[2] ?? 200_000)
const CACHE_BYTES = Number(process.argv[3] ?? 128 * 1024 * 1024)
const PORT = 18_000 + Math.floor(Math.random() * 1000)
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-memory-'))
const upstream = await startEchoUpstream()
writeJson(join(dir, 'apps'), 'keyed.json', anApi({ api_id: 'keyed', listen_path: '/keyed/', target: upstream.url }))
writeJson(dir, 'policies.json', {})
writeFileSync(join(dir, 'tyk.conf'), JSON.stringify({
  listen_port: PORT,
  secret: 'bench',
  app_path: join(dir, 'apps'),
  hash_keys: true,
  hash_key_function: 'murmur64',
  policies: { policy_source: 'file', policy_record_name: join(dir, 'policies.json') },
  storage: { type: 'embedded', path: join(dir, 'data') },
  enable_analytics: true,
  log_level: 'error',
  session_cache_bytes: CACHE_BYTES
}))

const naming = new KeyNaming({ hashKeys: true, hashKeyFunction: 'murmur64' })
const tokens: string[] = []
const store = new SqliteStore({ path: join(dir, 'data'), cachedKeys: 0 })
const writes: Array<Promise<void>> = []
for (let n = 0; n < KEYS; n++) {
  const token = naming.newToken('default', `bench${n}`)
  const name = naming.fromToken(token)
  tokens.push(token)
  writes.push(store.putKey(name.id, { session: aSession({ org_id: 'default', access_rights: { keyed: { api_id: 'keyed', api_name: 'keyed', versions: ['Default'] } } }), tokenCheck: naming.tokenCheckOf(name) }))
  if (writes.length === 20_000) await Promise.all(writes.splice(0))
}
await Promise.all(writes)
await store.close()

const child = spawn(process.execPath, ['--max-semi-space-size=8', '--max-old-space-size=256', 'bin/gatehouse.js', 'start', '--conf', join(dir, 'tyk.conf')], { stdio: 'inherit' })
const rssMiB = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid ?? 0}/status`, 'utf8'))?.[1] ?? 0) / 1024
const url = `http://127.0.0.1:${PORT}/keyed/get`
for (const deadline = Date.now() + 30_000; ;) {
  try { if ((await fetch(`http://127.0.0.1:${PORT}/hello`)).ok) break } catch {}
  if (Date.now() > deadline) throw new Error('gateway did not start')
  await new Promise((resolve) => setTimeout(resolve, 100))
}
console.log(`${KEYS} keys, session_cache_bytes ${CACHE_BYTES}: RSS at start ${rssMiB().toFixed(0)} MiB`)
let next = 0
let failed = 0
const step = Math.max(1, Math.floor(KEYS / 4))
const worker = async (): Promise<void> => {
  while (next < KEYS) {
    const n = next++
    const res = await fetch(url, { headers: { authorization: tokens[n] ?? '' } })
    await res.arrayBuffer()
    if (res.status !== 200) failed++
    if (n % step === step - 1) console.log(`after ${n + 1} distinct keys: RSS ${rssMiB().toFixed(0)} MiB`)
  }
}
const started = Date.now()
await Promise.all(Array.from({ length: 32 }, worker))
console.log(`${KEYS} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ${failed} not 200; RSS ${rssMiB().toFixed(0)} MiB`)
await new Promise((resolve) => setTimeout(resolve, 2000))
console.log(`2 s later: RSS ${rssMiB().toFixed(0)} MiB`)
child.kill('SIGTERM')
await upstream.close()
