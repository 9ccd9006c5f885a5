/**
 * Millions of keys (issue 16): does Gatehouse stay as fast, and as small, with a real key base?
 * Starts the real CLI (built dist, --max-semi-space-size=8 as `npm start`, hash_keys on, the
 * default legacy hash, embedded store in a temp dir, analytics on, default cache settings) with
 * one API in front of an nginx upstream, then:
 *   1. creates BENCH_KEYS keys through the API (POST /tyk/keys/{id}, 32 connections) and prints
 *      the creation rate per 10% slice;
 *   2. proxy runs, interleaved pairs: keys drawn uniformly from the first 1,000 ids vs all ids;
 *   3. management reads (GET /tyk/keys/{id}), the same way;
 *   4. a soak over all keys (BENCH_SOAK_S) sampling the gateway's RSS every 5 s;
 *   5. one API vs 1,000 APIs (requests to the last), interleaved pairs on fresh gateways.
 * The gateway's RSS is sampled every 5 s from start to end. Ends with a table of every figure,
 * its target and whether it was met.
 *
 *   npm run bench:scale     BENCH_KEYS=1000000 BENCH_SOAK_S=180 DURATION=15 PAIRS=3 WARMUP=3
 * Needs wrk and nginx (apt-get install wrk nginx-light).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Pool } from 'undici'
import { freePort } from '../test/helpers/processes.js'

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000)
const SOAK_S = Number(process.env.BENCH_SOAK_S ?? 180)
const DURATION = Number(process.env.DURATION ?? 15)
const PAIRS = Number(process.env.PAIRS ?? 3)
const WARMUP = Number(process.env.WARMUP ?? 3)
const CREATE_CONNECTIONS = 32
const HOT_KEYS = Math.min(1000, KEYS)
const APIS = 1000
const SECRET = 'scale-bench-secret-0123456789abcdef'
const ORG = 'bench'
const RSS_EVERY_MS = 5000
const run = promisify(execFile)

interface WrkResult { readonly rps: number, readonly p99Ms: number, readonly errors: number }
interface Side { readonly name: string, readonly measure: (seconds: number) => Promise<WrkResult> }
interface Figure { readonly name: string, readonly value: string, readonly target: string, readonly met: boolean | undefined }

const figures: Figure[] = []
function figure (name: string, value: string, target = '', met: boolean | undefined = undefined): void {
  figures.push({ name, value, target, met })
}

/**
 * The id of key i, and the token a client sends (legacy format: org + id). Tokens of 16 bytes:
 * Tyk's legacy murmur32 skips the last length % 4 bytes, so ids differing there would collide.
 */
const idOf = (i: number): string => 's' + String(i).padStart(10, '0')
const tokenOf = (i: number): string => ORG + idOf(i)

function rssMiB (pid: number | undefined): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid ?? 0}/status`, 'utf8'))
    return match === null ? 0 : Number(match[1]) / 1024
  } catch {
    return 0
  }
}

function apiFile (apiId: string, listenPath: string, upstream: string): string {
  return JSON.stringify({
    name: apiId,
    api_id: apiId,
    org_id: ORG,
    auth: { auth_header_name: 'Authorization' },
    version_data: { not_versioned: true, versions: { Default: { name: 'Default' } } },
    proxy: { listen_path: listenPath, target_url: upstream, strip_listen_path: true }
  })
}

function keyBody (apiIds: readonly string[]): string {
  const rights = Object.fromEntries(apiIds.map((apiId) => [apiId, { api_id: apiId, api_name: apiId, versions: ['Default'] }]))
  return JSON.stringify({ org_id: ORG, rate: 1e9, per: 1, quota_max: -1, access_rights: rights, tags: ['scale'], meta_data: { team: 'bench' } })
}

/** A gateway process on its own config; `stop` waits for it to exit. */
class Gateway {
  readonly origin: string
  readonly child: ChildProcess
  readonly pool: Pool
  constructor (readonly dir: string, readonly port: number, apps: string, data: string) {
    const conf = join(dir, `tyk-${port}.conf`)
    writeFileSync(conf, JSON.stringify({ listen_address: '127.0.0.1', listen_port: port, secret: SECRET, app_path: apps, enable_analytics: true, storage: { type: 'embedded', path: data } }))
    this.child = spawn(process.execPath, ['--max-semi-space-size=8', '--max-old-space-size=256', 'bin/gatehouse.js', 'start', '--conf', conf], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } })
    this.origin = `http://127.0.0.1:${port}`
    this.pool = new Pool(this.origin, { connections: CREATE_CONNECTIONS, pipelining: 1 })
  }

  async ready (): Promise<void> {
    const deadline = Date.now() + 60_000
    for (;;) {
      try {
        const res = await this.pool.request({ method: 'GET', path: '/hello' })
        await res.body.dump()
        if (res.statusCode === 200) return
      } catch {}
      if (Date.now() > deadline) throw new Error('gatehouse did not start')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  async post (path: string, body: string): Promise<number> {
    const res = await this.pool.request({ method: 'POST', path, body, headers: { 'x-tyk-authorization': SECRET, 'content-type': 'application/json' } })
    await res.body.dump()
    return res.statusCode
  }

  async stop (): Promise<void> {
    await this.pool.close()
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.kill('SIGINT')
    await exited
  }
}

/** Creates keys 0..KEYS-1 with 32 concurrent clients; the rate per 10% slice; ids refused. */
async function createKeys (gateway: Gateway): Promise<{ slices: number[], refused: number[] }> {
  const body = keyBody(['bench'])
  const slice = Math.max(1, Math.floor(KEYS / 10))
  const marks: number[] = [performance.now()]
  const refused: number[] = []
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    while (next < KEYS) {
      const i = next++
      const status = await gateway.post(`/tyk/keys/${idOf(i)}`, body)
      if (status === 409) refused.push(i) // a murmur32 collision with an earlier key
      else if (status !== 200) throw new Error(`creating key ${i}: ${status}`)
      done++
      if (done % slice === 0) {
        marks.push(performance.now())
        const rate = slice / ((marks.at(-1) ?? 0) - (marks.at(-2) ?? 0)) * 1000
        console.log(`  keys ${done - slice}..${done}: ${Math.round(rate)}/s, RSS ${rssMiB(gateway.child.pid).toFixed(0)} MiB`)
      }
    }
  }
  await Promise.all(Array.from({ length: CREATE_CONNECTIONS }, worker))
  const slices = marks.slice(1).map((mark, k) => slice / (mark - (marks[k] ?? 0)) * 1000)
  return { slices, refused }
}

/** A wrk script sending each request with a key drawn uniformly from ids 0..n-1 (refused ids skipped). */
function keyScript (dir: string, name: string, n: number, refused: readonly number[], mode: 'proxy' | 'admin' | 'fixed', path: string): string {
  const file = join(dir, `${name}.lua`)
  const skip = refused.filter((i) => i < n).map((i) => `[${i}]=true`).join(',')
  const pick = mode === 'fixed'
    ? `request = function() return wrk.format("GET", "${path}") end`
    : `local n = ${n}
local skip = {${skip}}
request = function()
  local i = math.random(0, n - 1)
  while skip[i] do i = math.random(0, n - 1) end
  local token = string.format("${ORG}s%010d", i)
  ${mode === 'proxy' ? `return wrk.format("GET", "${path}", { ["Authorization"] = token })` : 'return wrk.format("GET", "/tyk/keys/" .. token)'}
end`
  const headers = mode === 'admin' ? `wrk.headers["X-Tyk-Authorization"] = "${SECRET}"\n` : mode === 'fixed' ? `wrk.headers["Authorization"] = "${tokenOf(0)}"\n` : ''
  writeFileSync(file, `math.randomseed(os.time())\n${headers}${pick}\n`)
  return file
}

async function wrk (origin: string, script: string, seconds: number): Promise<WrkResult> {
  const { stdout } = await run('wrk', ['-t1', '-c50', `-d${seconds}s`, '--latency', '-s', script, origin], { timeout: (seconds + 60) * 1000 })
  const number = (pattern: RegExp): number => Number(pattern.exec(stdout)?.[1] ?? 0)
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(stdout)
  const p99Ms = p99 === null ? 0 : Number(p99[1]) * (p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1)
  return { rps: number(/Requests\/sec:\s+([\d.]+)/), p99Ms, errors: number(/Non-2xx or 3xx responses: (\d+)/) + number(/Socket errors: connect (\d+)/) }
}

/** Interleaved pairs of A and B runs (each after a warm-up); sums up req/s and the p99s. */
async function pairs (label: string, a: Side, b: Side, target: number, warmup = WARMUP): Promise<void> {
  const results: Record<'a' | 'b', WrkResult[]> = { a: [], b: [] }
  for (let pair = 1; pair <= PAIRS; pair++) {
    for (const [side, run] of [['a', a], ['b', b]] as const) {
      if (warmup > 0) await run.measure(warmup)
      const result = await run.measure(DURATION)
      results[side].push(result)
      console.log(`  ${label} ${run.name} #${pair}: ${Math.round(result.rps)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.errors}`)
    }
  }
  const mean = (rows: WrkResult[]): number => rows.reduce((sum, r) => sum + r.rps, 0) / rows.length
  const worstP99 = (rows: WrkResult[]): number => Math.max(...rows.map((r) => r.p99Ms))
  const errors = [...results.a, ...results.b].reduce((sum, r) => sum + r.errors, 0)
  const ratio = mean(results.b) / mean(results.a)
  figure(`${label}: req/s ${a.name}`, `${Math.round(mean(results.a))} (p99 ≤ ${worstP99(results.a).toFixed(1)} ms)`)
  figure(`${label}: req/s ${b.name}`, `${Math.round(mean(results.b))} (p99 ≤ ${worstP99(results.b).toFixed(1)} ms)`)
  figure(`${label}: ratio ${b.name} / ${a.name}`, ratio.toFixed(2), `≥ ${target}`, ratio >= target)
  figure(`${label}: non-2xx and connect errors`, String(errors), '0', errors === 0)
}

/** One proxied request and one key read must answer 200 before anything is measured. */
async function sanityCheck (gateway: Gateway): Promise<void> {
  for (const [path, headers] of [['/bench/hello', { authorization: tokenOf(0) }], [`/tyk/keys/${tokenOf(0)}`, { 'x-tyk-authorization': SECRET }]] as const) {
    const res = await gateway.pool.request({ method: 'GET', path, headers })
    const text = await res.body.text()
    if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode} ${text}`)
  }
}

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-scale-'))
  const upstreamPort = await freePort()
  mkdirSync(join(dir, 'nginx-tmp'))
  const template = readFileSync('bench/harness/peers/nginx/upstream.conf.tmpl', 'utf8')
  writeFileSync(join(dir, 'upstream.conf'), template.replaceAll('@WORKERS@', '1').replaceAll('@RUNDIR@', dir).replaceAll('@PORT@', String(upstreamPort)))
  await run('nginx', ['-p', dir, '-c', join(dir, 'upstream.conf'), '-g', 'daemon on;'])
  const upstream = `http://127.0.0.1:${upstreamPort}`
  const oneApi = join(dir, 'apps-one')
  mkdirSync(oneApi)
  writeFileSync(join(oneApi, 'bench.json'), apiFile('bench', '/bench/', upstream))
  const manyApis = join(dir, 'apps-many')
  mkdirSync(manyApis)
  for (let n = 1; n <= APIS; n++) {
    const name = 'api' + String(n).padStart(4, '0')
    writeFileSync(join(manyApis, `${name}.json`), apiFile(name, `/${name}/`, upstream))
  }
  const lastApi = 'api' + String(APIS).padStart(4, '0')
  let rssMaxMiB = 0
  let gateway: Gateway | undefined
  const sampler = setInterval(() => { rssMaxMiB = Math.max(rssMaxMiB, rssMiB(gateway?.child.pid)) }, RSS_EVERY_MS)
  try {
    console.log(`Gatehouse at scale: ${KEYS} keys, node ${process.version}, ${availableParallelism()} CPUs`)
    gateway = new Gateway(dir, await freePort(), oneApi, join(dir, 'data'))
    await gateway.ready()
    console.log(`1. creating ${KEYS} keys through POST /tyk/keys/{id}, ${CREATE_CONNECTIONS} connections`)
    const { slices, refused } = await createKeys(gateway)
    const first = slices[0] ?? 0
    const last = slices.at(-1) ?? 0
    figure('creation: keys/s, first 10%', String(Math.round(first)))
    figure('creation: keys/s, last 10%', String(Math.round(last)))
    figure('creation: last 10% / first 10%', (last / first).toFixed(2), '≥ 0.7', last / first >= 0.7)
    figure('creation: refused as murmur32 collisions (409)', String(refused.length))
    const { origin } = gateway
    await sanityCheck(gateway)

    console.log(`2. proxy, keys from ${HOT_KEYS} vs ${KEYS} ids: ${PAIRS} pairs of ${DURATION} s`)
    const proxyHot = keyScript(dir, 'proxy-hot', HOT_KEYS, refused, 'proxy', '/bench/hello')
    const proxyAll = keyScript(dir, 'proxy-all', KEYS, refused, 'proxy', '/bench/hello')
    await pairs('proxy', { name: `${HOT_KEYS} keys`, measure: async (s) => await wrk(origin, proxyHot, s) }, { name: `${KEYS} keys`, measure: async (s) => await wrk(origin, proxyAll, s) }, 0.8)

    console.log('3. management reads, GET /tyk/keys/{id}')
    const readHot = keyScript(dir, 'read-hot', HOT_KEYS, refused, 'admin', '')
    const readAll = keyScript(dir, 'read-all', KEYS, refused, 'admin', '')
    await pairs('key reads', { name: `${HOT_KEYS} keys`, measure: async (s) => await wrk(origin, readHot, s) }, { name: `${KEYS} keys`, measure: async (s) => await wrk(origin, readAll, s) }, 0.8)

    console.log(`4. soak over ${KEYS} keys for ${SOAK_S} s, RSS every ${RSS_EVERY_MS / 1000} s`)
    const samples: Array<{ atS: number, mib: number }> = []
    const soakStart = performance.now()
    const soakSampler = setInterval(() => { samples.push({ atS: (performance.now() - soakStart) / 1000, mib: rssMiB(gateway?.child.pid) }) }, RSS_EVERY_MS)
    const soak = await wrk(origin, proxyAll, SOAK_S)
    clearInterval(soakSampler)
    console.log('  RSS MiB: ' + samples.map((s) => s.mib.toFixed(0)).join(' '))
    const mibs = samples.map((s) => s.mib)
    rssMaxMiB = Math.max(rssMaxMiB, ...mibs)
    // "minute 1 vs minute 3" of a 3-minute soak: the sample at a third of it vs the last
    const atThird = samples.find((s) => s.atS >= SOAK_S / 3)?.mib ?? 0
    const atEnd = samples.at(-1)?.mib ?? 0
    const growth = atEnd / atThird - 1
    figure('soak: req/s over all keys', `${Math.round(soak.rps)} (p99 ${soak.p99Ms.toFixed(1)} ms, errors ${soak.errors})`)
    figure('soak: RSS min / max MiB', `${Math.min(...mibs).toFixed(0)} / ${Math.max(...mibs).toFixed(0)}`, '≤ 300', Math.max(...mibs) <= 300)
    figure(`soak: RSS growth ${(SOAK_S / 3).toFixed(0)} s → ${SOAK_S} s`, `${(growth * 100).toFixed(1)}% (${atThird.toFixed(0)} → ${atEnd.toFixed(0)} MiB)`, '≤ 10%', growth <= 0.1)
    await gateway.stop()
    gateway = undefined
    figure('RSS max MiB, whole run at scale (creation included)', rssMaxMiB.toFixed(0), '≤ 300', rssMaxMiB <= 300)

    console.log(`5. one API vs ${APIS} APIs (requests to the last), fresh gateways, ${PAIRS} pairs`)
    const fixedOne = keyScript(dir, 'one-api', 1, [], 'fixed', '/bench/hello')
    const fixedLast = keyScript(dir, 'last-api', 1, [], 'fixed', `/${lastApi}/hello`)
    const onFresh = async (apps: string, script: string, seconds: number): Promise<WrkResult> => {
      const data = join(dir, 'data-apis')
      rmSync(data, { recursive: true, force: true })
      const fresh = new Gateway(dir, await freePort(), apps, data)
      gateway = fresh
      try {
        await fresh.ready()
        if (await fresh.post(`/tyk/keys/${idOf(0)}`, keyBody(['bench', lastApi])) !== 200) throw new Error('key for the API runs refused')
        if (WARMUP > 0) await wrk(fresh.origin, script, WARMUP)
        return await wrk(fresh.origin, script, seconds)
      } finally {
        await fresh.stop()
        gateway = undefined
      }
    }
    // each measurement starts its own gateway and warms it up itself
    await pairs('routing', { name: 'one API', measure: async (s) => await onFresh(oneApi, fixedOne, s) }, { name: `last of ${APIS} APIs`, measure: async (s) => await onFresh(manyApis, fixedLast, s) }, 0.9, 0)
  } finally {
    clearInterval(sampler)
    await gateway?.stop()
    try { process.kill(Number(readFileSync(join(dir, 'nginx-upstream.pid'), 'utf8').trim())) } catch {}
    rmSync(dir, { recursive: true, force: true })
  }
  console.log('\n| figure | value | target | met |')
  console.log('| --- | ---: | ---: | --- |')
  for (const f of figures) console.log(`| ${f.name} | ${f.value} | ${f.target} | ${f.met === undefined ? '' : f.met ? 'met' : 'MISSED'} |`)
  console.log(`\nreproduce: BENCH_KEYS=${KEYS} BENCH_SOAK_S=${SOAK_S} DURATION=${DURATION} PAIRS=${PAIRS} WARMUP=${WARMUP} npm run bench:scale`)
}

await main()
