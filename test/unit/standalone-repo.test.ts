import { test } from 'node:test'
import assert from 'node:assert/strict'
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')
const SKIPPED = new Set(['node_modules', 'dist', '.git', 'data', '.run', 'results'])
// Tyk's sample files stay out of the repository (MPL-2.0, and we never copy Tyk's files):
// the tests read them from the shared folder next to the checkout (issue 15, point 23).
const ALLOWED = new Set(['test/unit/standalone-repo.test.ts'])

function files (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED.has(name)) return []
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
}

test('nothing in the repository points outside it at ../shared (README, bench scripts, docs, config)', () => {
  const offenders = files(ROOT)
    .filter((path) => !ALLOWED.has(relative(ROOT, path)))
    .filter((path) => /\.\.\/shared|\/work\/shared/.test(readFileSync(path, 'utf8')))
    .map((path) => relative(ROOT, path))
  assert.deepEqual(offenders, [])
})

test('npm run bench finds its harness, peers and architecture notes inside the repository', () => {
  for (const script of ['bench/gateway.sh', 'bench/quick.sh']) {
    assert.match(readFileSync(join(ROOT, script), 'utf8'), /^HARNESS=\$\{BENCH_HARNESS:-\$REPO\/bench\/harness\}$/m, script)
  }
  accessSync(join(ROOT, 'bench/harness/run.sh'), constants.X_OK)
  for (const file of ['package.json', 'package-lock.json', 'lib/report.js', 'peers/node/undici-proxy.js', 'peers/nginx/upstream.conf.tmpl', 'upstream/node-upstream.js', 'wrk/bench.lua']) {
    statSync(join(ROOT, 'bench/harness', file))
  }
  assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /\(docs\/architecture\.md\)/)
  statSync(join(ROOT, 'docs/architecture.md'))
})
