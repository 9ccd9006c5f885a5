import { test } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { startTestGatehouse, uid, type TestGatehouse } from '../helpers/gatehouse.js'

// Issue 15, point 18: a client's mistake is one warn line with its route and status and no
// stack; a stack is for our own faults. Log lines name route patterns, never URLs: key ids in
// /tyk/keys/... URLs are raw keys.

interface LogLine { level: number, msg: string, status?: number, route?: string | null, err?: { stack?: string } }

async function withLogs (t: { after: (fn: () => Promise<void>) => void }): Promise<{ gh: TestGatehouse, lines: () => LogLine[], raw: () => string }> {
  const chunks: string[] = []
  const logger = pino({ level: 'info' }, { write: (line: string) => { chunks.push(line) } })
  const gh = await startTestGatehouse({}, { logger })
  t.after(() => gh.close())
  const raw = (): string => chunks.join('')
  return { gh, raw, lines: () => chunks.map((line) => JSON.parse(line) as LogLine) }
}

test('issue 15: client errors are warn lines with route and status, no stack, and no raw key', async (t) => {
  const { gh, lines, raw } = await withLogs(t)
  const rawKey = `secretkey${uid()}${uid()}`
  const cases: Array<[method: string, path: string, body: string | undefined, status: number, route: string | null, secret?: string]> = [
    ['POST', '/tyk/keys/create', '{not json', 400, '/tyk/keys/create'],
    ['POST', '/tyk/keys/create', '{"org_id":1}', 400, '/tyk/keys/create'],
    ['GET', `/tyk/keys/${rawKey}`, undefined, 404, '/tyk/keys/:keyID'],
    ['PUT', `/tyk/keys/${rawKey}`, `{"org_id":"o","access_rights":{"a":{"api_id":"a"}},"meta_data":${'['.repeat(100)}${']'.repeat(100)}}`, 400, '/tyk/keys/:keyID'],
    ['GET', `/tyk/keys/${rawKey}`, undefined, 403, '/tyk/keys/:keyID', 'wrong secret'],
    ['GET', `/tyk/nothing/${rawKey}`, undefined, 404, null]
  ]
  for (const [method, path, body, status, route, secret] of cases) {
    const before = lines().length
    const res = await gh.admin(method, path, undefined, { rawBody: body, secret })
    assert.equal(res.status, status, `${method} ${path}: ${res.text}`)
    const logged = lines().slice(before)
    assert.equal(logged.length, 1, `${method} ${path}: one line, got ${JSON.stringify(logged)}`)
    const [line] = logged
    assert.equal(line?.level, 40, `${method} ${path}: warn`)
    assert.equal(line?.status, status)
    assert.equal(line?.route, route)
    assert.equal(line?.err, undefined, 'no error object, so no stack')
  }
  assert.doesNotMatch(raw(), new RegExp(rawKey), 'the raw key is in no log line')
  assert.doesNotMatch(raw(), /"stack"/)
})

test('issue 15: our own fault is an error line with its stack, and the client gets only the catalogue text', async (t) => {
  const { gh, lines } = await withLogs(t)
  await gh.store.close() // the store goes away under the API: a fault of ours, not the client's
  const res = await gh.admin('GET', `/tyk/keys/key${uid()}${uid()}`)
  assert.deepEqual([res.status, res.json], [500, { status: 'error', message: 'Internal server error' }])
  const faults = lines().filter((line) => line.level === 50)
  assert.equal(faults.length, 1, JSON.stringify(lines()))
  assert.equal(faults[0]?.route, '/tyk/keys/:keyID')
  assert.match(faults[0]?.err?.stack ?? '', /\n\s+at /)
})
