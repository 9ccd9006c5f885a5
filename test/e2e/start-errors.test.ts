import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/gatehouse.js'
import { runCli } from '../helpers/cli.js'

// Tests may run as root, where chmod 000 does not stop a read: "unreadable" here is a folder
// where a file is expected, or a file where a folder is, which stops every user alike.
test('start-up problems are one line on stderr naming the problem, a non-zero exit, no stack trace', async (t) => {
  const dir = tempDir()
  const busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  t.after(() => { busy.close(); rmSync(dir, { recursive: true, force: true }) })
  const busyPort = (busy.address() as AddressInfo).port
  mkdirSync(join(dir, 'a-folder.json'))
  writeFileSync(join(dir, 'a-file'), 'not a folder')
  const conf = (name: string, fields: object): string => {
    const file = join(dir, `${name}.conf`)
    writeFileSync(file, JSON.stringify({ secret: 'start-errors-secret-1234', listen_address: '127.0.0.1', listen_port: busyPort, app_path: join(dir, 'apps'), storage: { path: join(dir, name) }, ...fields }))
    return file
  }
  const cases: Array<[what: string, args: string[], line: RegExp]> = [
    ['port in use', ['start', '--conf', conf('busy', {})], new RegExp(`^gatehouse: port ${busyPort} on 127\\.0\\.0\\.1 is already in use`)],
    ['storage.path whose parent is missing', ['start', '--conf', conf('no-parent', { storage: { path: join(dir, 'missing', 'data') } })], /^gatehouse: storage\.path .*missing\/data: its parent folder .*missing does not exist/],
    ['storage.path that is a file', ['start', '--conf', conf('file-store', { storage: { path: join(dir, 'a-file') } })], /^gatehouse: storage\.path .*a-file: it is a file, not a folder/],
    ['unreadable tyk.conf', ['start', '--conf', join(dir, 'a-folder.json')], /^gatehouse: .*a-folder\.json: cannot read the config file: it is a folder, not a file/],
    ['unreadable app_path', ['start', '--conf', conf('apps-file', { app_path: join(dir, 'a-file') })], /^gatehouse: API definitions: cannot read app_path .*a-file: ENOTDIR/],
    ['unreadable policy file', ['start', '--conf', conf('policies-folder', { policies: { policy_record_name: join(dir, 'a-folder.json') } })], /^gatehouse: policies: cannot read .*a-folder\.json/],
    ['unreadable policy folder', ['start', '--conf', conf('policy-path-file', { policies: { policy_path: join(dir, 'a-file') } })], /^gatehouse: policies: cannot read the folder .*a-file/]
  ]
  for (const [what, args, line] of cases) {
    const run = runCli(args)
    const code = await run.exited
    assert.notEqual(code, 0, `${what}: exits non-zero`)
    const stderr = run.stderr().trimEnd()
    assert.equal(stderr.split('\n').length, 1, `${what}: one line on stderr, got:\n${stderr}`)
    assert.match(stderr, line, what)
    assert.doesNotMatch(run.output(), /\n\s+at /, `${what}: no stack trace`)
  }
})
