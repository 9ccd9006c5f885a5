import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type AddressInfo } from 'node:net'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { drainBody } from '../../src/admin/drain-body.js'
import { startTestGatehouse } from '../helpers/gatehouse.js'

// Issue 15, point 17: a body over the 2 MiB limit gets its 413 even when the client writes the
// whole body before it reads anything (as Python's http.client and curl do). Answering at once
// and closing made such a client fail with EPIPE or a reset and never see the answer.

const EIGHT_MIB = Buffer.alloc(8 * 1024 * 1024, 0x20)

/** Writes the request in full, and only then reads the answer; rejects on any socket error. */
async function writeAllThenRead (port: number, head: string, body: Buffer, chunked: boolean): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    socket.pause()
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.write(head)
      if (chunked) {
        for (let at = 0; at < body.length; at += 64 * 1024) {
          const part = body.subarray(at, at + 64 * 1024)
          socket.write(`${part.length.toString(16)}\r\n`)
          socket.write(part)
          socket.write('\r\n')
        }
      }
      socket.write(chunked ? '0\r\n\r\n' : body, (err) => {
        if (err != null) return
        let answer = ''
        socket.on('data', (chunk: Buffer) => { answer += chunk.toString() })
        socket.once('end', () => { resolve(answer) })
        socket.resume()
      })
    })
  })
}

for (const chunked of [false, true]) {
  test(`issue 15: an 8 MiB ${chunked ? 'chunked body' : 'body with its content-length'} gets 413 JSON and connection: close, written in full before the client reads`, async (t) => {
    const gh = await startTestGatehouse()
    t.after(() => gh.close())
    for (const path of ['/tyk/keys/a-custom-key-123', '/tyk/policies', '/tyk/keys/create']) {
      const framing = chunked ? 'transfer-encoding: chunked' : `content-length: ${EIGHT_MIB.length}`
      const head = `POST ${path} HTTP/1.1\r\nhost: gatehouse\r\nx-tyk-authorization: ${gh.secret}\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`
      const answer = await writeAllThenRead(gh.port, head, EIGHT_MIB, chunked)
      const [headers = '', body = ''] = answer.split('\r\n\r\n')
      assert.match(headers, /^HTTP\/1\.1 413 /, path)
      assert.match(headers, /\r\nconnection: close\r\n/i, path)
      assert.deepEqual(JSON.parse(body), { status: 'error', message: 'Request body too large' }, path)
    }
    assert.equal((await gh.admin('GET', '/hello')).status, 200)
  })
}

test('issue 15: drainBody stops at its byte bound and at its time bound, and reports a body read to its end', async (t) => {
  const results: boolean[] = []
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    results.push(await drainBody(req, 1024, 300))
    res.writeHead(413, { connection: 'close' }).end()
  }
  const server = createServer((req, res) => { answer(req, res).catch((err: unknown) => { res.destroy(err as Error) }) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  const { port } = server.address() as AddressInfo
  const send = async (head: string, body: string): Promise<void> => {
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.write(head + body) })
      socket.on('data', () => {})
      socket.on('error', () => { resolve() })
      socket.on('close', () => { resolve() })
    })
  }
  await send('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n', '0123456789')
  await send('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n', 'x'.repeat(100_000))
  await send('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n', 'stalls')
  assert.deepEqual(results, [true, false, false])
})
