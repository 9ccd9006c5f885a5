/**
 * Key search over 1,000,000 stored keys (hashing on): fills a store directly (the management
 * API would take minutes), starts the real CLI on it and times pages of 100 through
 * GET /tyk/keys, first pages and pages deep behind a cursor. Target: a page in <= 50 ms.
 *
 *   npm run bench:search               BENCH_KEYS=1000000 BENCH_REPEAT=20 by default
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { request } from 'undici'
import { completeFields } from '../src/core/schema-fields.js'
import { SessionSchema, type Session } from '../src/model/session.js'
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { freePort } from '../test/helpers/processes.js'

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000)
const REPEAT = Number(process.env.BENCH_REPEAT ?? 20)
const TARGET_MS = 50
const NOW_S = Math.floor(Date.now() / 1000)

/** The mix: half the keys in one big org, policies, tags common and rare, some inactive or expiring. */
function sessionOf (i: number): Session {
  const big = i % 2 === 0
  const kind = i % 3
  const fields: Record<string, unknown> = {
    org_id: big ? 'acme' : `org${i % 99}`,
    rate: 100,
    per: 1,
    quota_max: 1000,
    quota_renewal_rate: 3600,
    tags: [`tier-${i % 10}`, ...(i % 1000 === 7 || i % 1000 === 8 ? ['rare'] : [])],
    is_inactive: i % 100 === 3,
    expires: i % 20 === 5 ? NOW_S + 86_400 + (i % 1000) : 0,
    alias: i % 10_000 === 11 ? `alias-${i}` : '',
    access_rights: {}
  }
  if (big && kind === 0) fields.apply_policies = ['gold']
  else if (big && kind === 1) fields.apply_policies = ['everything']
  else fields.access_rights = { [big ? 'a2' : 'b1']: { api_id: big ? 'a2' : 'b1', versions: ['Default'] } }
  return completeFields(SessionSchema, fields) as Session
}

async function fill (dataDir: string): Promise<void> {
  const store = new SqliteStore({ path: dataDir, cachedKeys: 0 })
  const started = performance.now()
  const CHUNK = 20_000
  for (let from = 0; from < KEYS; from += CHUNK) {
    const writes: Array<Promise<void>> = []
    for (let i = from; i < Math.min(KEYS, from + CHUNK); i++) writes.push(store.putKey(randomBytes(8).toString('hex'), { session: sessionOf(i), tokenCheck: '' }))
    await Promise.all(writes)
  }
  await store.close()
  console.log(`stored ${KEYS} keys in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-search-'))
  const dataDir = join(dir, 'data')
  const apps = join(dir, 'apps')
  const port = await freePort()
  const secret = randomBytes(16).toString('hex')
  const conf = join(dir, 'tyk.conf')
  writeFileSync(conf, JSON.stringify({ listen_address: '127.0.0.1', listen_port: port, secret, app_path: apps, storage: { type: 'embedded', path: dataDir } }))
  let child: ReturnType<typeof spawn> | undefined
  try {
    await fill(dataDir)
    const api = (id: string, org: string): string => JSON.stringify({ name: id, api_id: id, org_id: org, auth: { auth_header_name: 'Authorization' }, version_data: { not_versioned: true, versions: { Default: { name: 'Default' } } }, proxy: { listen_path: `/${id}/`, target_url: 'http://127.0.0.1:9', strip_listen_path: true } })
    rmSync(apps, { recursive: true, force: true })
    mkdirSync(apps, { recursive: true })
    writeFileSync(join(apps, 'a1.json'), api('a1', 'acme'))
    writeFileSync(join(apps, 'a2.json'), api('a2', 'acme'))
    writeFileSync(join(apps, 'b1.json'), api('b1', 'org1'))
    child = spawn(process.execPath, ['bin/gatehouse.js', 'start', '--conf', conf], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } })
    const origin = `http://127.0.0.1:${port}`
    const headers = { 'x-tyk-authorization': secret }
    const deadline = Date.now() + 60_000
    for (;;) {
      const ok = await request(`${origin}/hello`).then(async (res) => { await res.body.dump(); return res.statusCode === 200 }, () => false)
      if (ok) break
      if (Date.now() > deadline) throw new Error('gatehouse did not start')
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    for (const policy of [
      { id: 'gold', org_id: 'acme', rate: 10, per: 1, access_rights: { a1: { api_id: 'a1', versions: ['Default'] } } },
      { id: 'everything', org_id: 'acme', org_wide: true, rate: 10, per: 1, access_rights: {} }
    ]) {
      const res = await request(`${origin}/tyk/policies`, { method: 'POST', headers, body: JSON.stringify(policy) })
      await res.body.dump()
    }
    const get = async (query: string): Promise<{ ms: number, keys: string[], next: string }> => {
      const t0 = performance.now()
      const res = await request(`${origin}/tyk/keys?${query}`, { headers })
      const body = await res.body.json() as { keys?: string[], next_cursor?: string }
      const ms = performance.now() - t0
      if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${JSON.stringify(body)}`)
      return { ms, keys: body.keys ?? [], next: body.next_cursor ?? '' }
    }
    const queries = [
      'limit=100',
      'org_id=acme&limit=100',
      'org_id=org7&limit=100',
      'policy_id=gold&limit=100',
      'tag=tier-3&limit=100',
      'tag=rare&limit=100',
      'tag=rare&org_id=acme&limit=100',
      `alias=alias-${10_011}&limit=100`,
      'api_id=a1&limit=100',
      'api_id=a2&limit=100',
      'api_id=b1&limit=100',
      'inactive=true&limit=100',
      'inactive=false&org_id=acme&limit=100',
      `expires_before=${NOW_S + 86_400 + 500}&limit=100`
    ]
    console.log(`\nGatehouse key search, ${KEYS} keys stored hashed, node ${process.version}, ${availableParallelism()} CPUs; ${REPEAT} requests per row`)
    console.log('| query | keys on page | first page p50 ms | first page p99 ms | deep page p50 ms | deep page p99 ms | target |')
    console.log('| --- | --- | --- | --- | --- | --- | --- |')
    let misses = 0
    for (const query of queries) {
      const first: number[] = []
      const deep: number[] = []
      let size = 0
      // the cursor of a page halfway through the id space: searches resume from anywhere
      const middle = Buffer.from('1:8').toString('base64url')
      for (let i = 0; i < REPEAT; i++) {
        const page = await get(query)
        first.push(page.ms)
        size = page.keys.length
        deep.push((await get(`${query}&cursor=${middle}`)).ms)
      }
      first.sort((a, b) => a - b)
      deep.sort((a, b) => a - b)
      const worst = Math.max(percentile(first, 0.5), percentile(deep, 0.5))
      if (worst > TARGET_MS) misses++
      console.log(`| ${query} | ${size} | ${percentile(first, 0.5).toFixed(1)} | ${percentile(first, 0.99).toFixed(1)} | ${percentile(deep, 0.5).toFixed(1)} | ${percentile(deep, 0.99).toFixed(1)} | ${worst <= TARGET_MS ? 'PASS' : 'MISS'} (<= ${TARGET_MS} ms) |`)
    }
    // a policy edit preview walks every key of the policy through the policy index, merging each twice
    const previewStarted = performance.now()
    const previewRes = await request(`${origin}/tyk/policies/gold/preview`, { method: 'POST', headers, body: JSON.stringify({ id: 'gold', org_id: 'acme', rate: 20, per: 1, access_rights: {} }) })
    const preview = await previewRes.body.json() as { keys_using?: number, keys_changed?: number, keys_losing_access?: number }
    console.log(`\nPOST /tyk/policies/gold/preview: ${previewRes.statusCode}, ${preview.keys_using ?? '?'} keys using it, ${preview.keys_changed ?? '?'} changed, ${preview.keys_losing_access ?? '?'} losing access, ${((performance.now() - previewStarted) / 1000).toFixed(2)} s`)
    console.log(`\n${misses === 0 ? 'every' : `${queries.length - misses} of ${queries.length}`} median page times within ${TARGET_MS} ms`)
    console.log(`reproduce: BENCH_KEYS=${KEYS} BENCH_REPEAT=${REPEAT} npm run bench:search`)
  } finally {
    child?.kill('SIGINT')
    if (child !== undefined) await new Promise((resolve) => child?.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
