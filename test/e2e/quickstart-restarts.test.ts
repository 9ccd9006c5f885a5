import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/gatehouse.js'
import { freePort, runCli, waitForOutput } from '../helpers/processes.js'

// Issue 15, point 7: the quickstart deletes the previous sample key with Content-Type:
// application/json and no body; that DELETE was refused as malformed, so every start added one.
test('issue 15: three quickstarts on one data dir leave exactly one sample key', async (t) => {
  const dir = tempDir()
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const keys: string[] = []
  for (let start = 1; start <= 3; start++) {
    const run = runCli(['quickstart', '--dir', dir, '--port', String(port)])
    t.after(() => { run.child.kill('SIGKILL') })
    const out = await waitForOutput(run, (output) => output.includes('Stop with Ctrl-C'))
    keys.push(/sample key:\s+(\S+)/.exec(out)?.[1] ?? '')
    if (start < 3) {
      run.child.kill('SIGTERM')
      assert.equal(await run.exited, 0, run.output())
      continue
    }
    const headers = { 'x-tyk-authorization': readFileSync(join(dir, 'secret'), 'utf8').trim() }
    const listed = await fetch(`${url}/tyk/keys`, { headers })
    assert.equal(listed.status, 200)
    assert.equal((await listed.json() as { keys: string[] }).keys.length, 1, 'one sample key, not one per start')
    assert.equal((await fetch(`${url}/tyk/keys/${keys[1] ?? ''}`, { headers })).status, 404, 'the previous start\'s key is gone')
    assert.equal((await fetch(`${url}/tyk/keys/${keys[2] ?? ''}`, { headers })).status, 200, 'this start\'s key works')
  }
})
