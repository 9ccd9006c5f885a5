/**
 * Listen-path routing: the radix-tree ApiRouter against the linear prefix scan it replaced, for
 * 1, 100, 1,000 and 10,000 APIs, matching the first and the last API of the scan order.
 * Target (issue 16): the last of 1,000 APIs costs no more than the only one (ns/match within
 * 1/0.9 of it).
 *
 *   node --import tsx bench/micro/router.ts       BENCH_MS=100 (time per sample), best of 15 samples
 */
import { parseApiDefinition } from '../../src/core/parse-api-definition.js'
import { compileApi, type CompiledApi } from '../../src/gateway/compiled-api.js'
import { ApiRouter } from '../../src/gateway/router.js'

const SIZES = [1, 100, 1_000, 10_000]
const SAMPLE_MS = Number(process.env.BENCH_MS ?? 100)
const SAMPLES = 15

/** The router before issue 16: every API in one array, longest listen path first, scanned. */
class LinearRouter {
  private readonly apis: readonly CompiledApi[]
  constructor (apis: readonly CompiledApi[]) {
    this.apis = apis.filter((api) => !api.internal).sort((a, b) => b.listenPath.length - a.listenPath.length || a.apiId.localeCompare(b.apiId))
  }

  match (path: string): CompiledApi | undefined {
    for (const api of this.apis) {
      if (path.startsWith(api.listenPath)) return api
    }
    return undefined
  }
}

interface Matcher { match: (path: string) => CompiledApi | undefined }

function compiled (i: number): CompiledApi {
  const id = String(i).padStart(5, '0')
  const parsed = parseApiDefinition({ api_id: `api-${id}`, name: id, org_id: 'o', proxy: { listen_path: `/service-${id}/`, target_url: 'http://127.0.0.1:1' } })
  if (!parsed.ok) throw new Error(parsed.problem)
  return compileApi(parsed.api)
}

/** Best ns per match of SAMPLES samples of about SAMPLE_MS each (the box is shared: the best sample is the one least disturbed). */
function nsPerMatch (router: Matcher, path: string, want: string): number {
  if (router.match(path)?.apiId !== want) throw new Error(`${path} did not reach ${want}`)
  let batch = 1_000
  for (;;) { // size a batch to ~SAMPLE_MS (this also warms the function up)
    const started = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) router.match(path)
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    if (ms >= SAMPLE_MS / 4) { batch = Math.max(1, Math.round(batch * SAMPLE_MS / ms)); break }
    batch *= 4
  }
  const samples: number[] = []
  let sink = 0
  for (let s = 0; s < SAMPLES; s++) {
    const started = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) sink += router.match(path) === undefined ? 0 : 1
    samples.push(Number(process.hrtime.bigint() - started) / batch)
  }
  if (sink === 0) throw new Error('nothing matched')
  return Math.min(...samples)
}

const rows: string[] = ['| APIs | linear, first | linear, last | index, first | index, last |', '|---:|---:|---:|---:|---:|']
const indexLast = new Map<number, number>()
for (const size of SIZES) {
  const apis = Array.from({ length: size }, (_, i) => compiled(i))
  const first = apis[0] as CompiledApi
  const last = apis[size - 1] as CompiledApi
  const linear = new LinearRouter(apis)
  const index = new ApiRouter(apis)
  const path = (api: CompiledApi): string => `${api.listenPath}orders/42`
  const cells = [
    nsPerMatch(linear, path(first), first.apiId), nsPerMatch(linear, path(last), last.apiId),
    nsPerMatch(index, path(first), first.apiId), nsPerMatch(index, path(last), last.apiId)
  ]
  indexLast.set(size, cells[3] ?? 0)
  rows.push(`| ${size.toLocaleString('en')} | ${cells.map((ns) => `${ns.toFixed(1)} ns`).join(' | ')} |`)
}
console.log(rows.join('\n'))
const one = indexLast.get(1) ?? 0
const thousand = indexLast.get(1_000) ?? 0
const ratio = one / thousand
console.log(`\nindex: one API ${one.toFixed(1)} ns/match, last of 1,000 ${thousand.toFixed(1)} ns/match: throughput ${ratio.toFixed(2)}x of one API (target >= 0.9): ${ratio >= 0.9 ? 'met' : 'NOT met'}`)
