/**
 * Key creations/s and key reads/s through the management API, durable store on (WAL +
 * synchronous=FULL), hashing on. Starts the real CLI as a child process on loopback.
 *
 *   npm run bench:admin            BENCH_SECONDS=10 BENCH_CONNECTIONS=64 by default
 *   BENCH_PROFILE=1 npm run bench:admin   also writes a CPU profile of the server to /tmp/prof
 *   BENCH_ONLY=read BENCH_PROFILE=1 npm run bench:admin   profiles reads alone
 *
 * The load comes from wrk (one thread) when it is installed (`apt-get install wrk`): it costs
 * the 2-core machine far less CPU than a Node client, so the numbers are the server's. Without
 * wrk an undici client in this process does the same work (and the numbers come out lower).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Pool } from 'undici'
import { freePort } from '../test/helpers/processes.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64)
/** BENCH_ONLY=create or BENCH_ONLY=read runs one of the two (e.g. to profile it alone). */
const ONLY = process.env.BENCH_ONLY ?? ''
const TARGETS = { create: 5_000, read: 15_000 }

interface Result { name: keyof typeof TARGETS, requests: number, errors: number, seconds: number, latenciesMs: number[], cpuUsPerRequest?: number }

/** CPU seconds (user + system, all threads) the process has used, from /proc; 0 where there is none. */
function cpuSecondsOf (pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid ?? 0}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, in clock ticks of 1/100 s
  } catch {
    return 0
  }
}

/** Runs one measurement and adds the server's CPU time per request: steadier than req/s on a shared box. */
async function withServerCpu<R extends Result> (pid: number | undefined, measure: () => R | Promise<R>): Promise<R> {
  const before = cpuSecondsOf(pid)
  const result = await measure()
  const used = cpuSecondsOf(pid) - before
  return { ...result, cpuUsPerRequest: result.requests === 0 ? 0 : used * 1e6 / result.requests }
}

async function run (name: keyof typeof TARGETS, pool: Pool, seconds: number, request: (i: number) => Promise<number>): Promise<Result> {
  const latenciesMs: number[] = []
  let requests = 0
  let errors = 0
  let i = 0
  const started = performance.now()
  const until = started + seconds * 1000
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const t0 = performance.now()
      const status = await request(i++).catch(() => 0)
      latenciesMs.push(performance.now() - t0)
      requests++
      if (status < 200 || status >= 300) errors++
    }
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, worker))
  return { name, requests, errors, seconds: (performance.now() - started) / 1000, latenciesMs }
}

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}

function hasWrk (): boolean {
  return spawnSync('wrk', ['--version']).error === undefined
}

/** wrk with a Lua script; returns requests, non-2xx responses, seconds and latency quantiles. */
function runWrk (name: keyof typeof TARGETS, origin: string, script: string, seconds: number): Result & { p50Ms: number, p99Ms: number } {
  const out = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, origin], { encoding: 'utf8', timeout: (seconds + 30) * 1000 })
  const number = (pattern: RegExp): number => Number(pattern.exec(out)?.[1] ?? 0)
  const latencyMs = (quantile: string): number => {
    const match = new RegExp(`\\s${quantile}%\\s+([\\d.]+)(us|ms|s)`).exec(out)
    if (match === null) return 0
    const value = Number(match[1])
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value
  }
  return { name, requests: number(/(\d+) requests in/), errors: number(/Non-2xx or 3xx responses: (\d+)/) + number(/Socket errors: connect (\d+)/), seconds, latenciesMs: [], p50Ms: latencyMs('50'), p99Ms: latencyMs('99') }
}

function luaString (value: string): string {
  return JSON.stringify(value) // a JSON string literal is a valid Lua string literal for this text
}

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'))
  const port = await freePort()
  const secret = randomBytes(16).toString('hex')
  const conf = join(dir, 'tyk.conf')
  writeFileSync(conf, JSON.stringify({ listen_address: '127.0.0.1', listen_port: port, secret, app_path: join(dir, 'apps'), storage: { type: 'embedded', path: join(dir, 'data') } }))
  const nodeArgs = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []
  const child = spawn(process.execPath, [...nodeArgs, 'bin/gatehouse.js', 'start', '--conf', conf], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } })
  const stop = (): void => { child.kill('SIGINT') }
  process.once('SIGINT', () => { stop(); process.exit(130) })
  const origin = `http://127.0.0.1:${port}`
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 })
  try {
    const deadline = Date.now() + 20_000
    for (;;) {
      try {
        if ((await pool.request({ method: 'GET', path: '/hello' }).then(async (res) => { await res.body.dump(); return res.statusCode })) === 200) break
      } catch {}
      if (Date.now() > deadline) throw new Error('gatehouse did not start')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const headers = { 'x-tyk-authorization': secret, 'content-type': 'application/json' }
    const body = JSON.stringify({ org_id: 'bench', rate: 100, per: 1, quota_max: 1000, quota_renewal_rate: 3600, access_rights: { api1: { api_id: 'api1', versions: ['Default'] } }, tags: ['bench'] })
    const keys: string[] = []
    const create = async (): Promise<number> => {
      const res = await pool.request({ method: 'POST', path: '/tyk/keys/create', headers, body })
      const json = await res.body.json() as { key?: string }
      if (json.key !== undefined && keys.length < 200_000) keys.push(json.key)
      return res.statusCode
    }
    const read = async (i: number): Promise<number> => {
      const res = await pool.request({ method: 'GET', path: `/tyk/keys/${keys[i % keys.length] ?? ''}`, headers })
      await res.body.dump()
      return res.statusCode
    }
    await run('create', pool, Math.min(2, SECONDS), create) // warm-up, and keys to read
    const rows: Array<Result & { p50Ms: number, p99Ms: number }> = []
    const withQuantiles = (r: Result): Result & { p50Ms: number, p99Ms: number } => {
      const sorted = r.latenciesMs.sort((a, b) => a - b)
      return { ...r, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) }
    }
    const wrk = hasWrk()
    if (wrk) {
      const headerLua = `wrk.headers[${luaString('X-Tyk-Authorization')}] = ${luaString(secret)}\nwrk.headers["Content-Type"] = "application/json"\n`
      const createScript = join(dir, 'create.lua')
      writeFileSync(createScript, `${headerLua}wrk.method = "POST"\nwrk.path = "/tyk/keys/create"\nwrk.body = ${luaString(body)}\n`)
      const readScript = join(dir, 'read.lua')
      writeFileSync(readScript, `${headerLua}local keys = {${keys.slice(0, 50_000).map(luaString).join(',')}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", "/tyk/keys/" .. keys[(i % #keys) + 1])\nend\n`)
      if (ONLY !== 'read') rows.push(await withServerCpu(child.pid, () => runWrk('create', origin, createScript, SECONDS)))
      if (ONLY !== 'create') runWrk('read', origin, readScript, Math.min(2, SECONDS))
      if (ONLY !== 'create') rows.push(await withServerCpu(child.pid, () => runWrk('read', origin, readScript, SECONDS)))
    } else {
      if (ONLY !== 'read') rows.push(withQuantiles(await withServerCpu(child.pid, async () => await run('create', pool, SECONDS, create))))
      if (ONLY !== 'create') await run('read', pool, Math.min(2, SECONDS), read)
      if (ONLY !== 'create') rows.push(withQuantiles(await withServerCpu(child.pid, async () => await run('read', pool, SECONDS, read))))
    }

    console.log(`\nGatehouse management API, load from ${wrk ? 'wrk -t1' : 'an undici client (install wrk for server-bound numbers)'}, ${CONNECTIONS} connections, ${SECONDS} s each, node ${process.version}, ${availableParallelism()} CPUs, synchronous=FULL, hash_keys on`)
    console.log('| operation | requests | seconds | req/s | p50 ms | p99 ms | server CPU us/req | errors | target |')
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for (const r of rows) {
      const rps = r.requests / r.seconds
      const target = TARGETS[r.name]
      console.log(`| ${r.name} | ${r.requests} | ${r.seconds.toFixed(1)} | ${Math.round(rps)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${(r.cpuUsPerRequest ?? 0).toFixed(0)} | ${r.errors} | ${rps >= target ? 'PASS' : 'MISS'} (>= ${target}) |`)
    }
    console.log('\nreproduce: BENCH_SECONDS=%d BENCH_CONNECTIONS=%d npm run bench:admin', SECONDS, CONNECTIONS)
  } finally {
    await pool.close()
    stop()
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
