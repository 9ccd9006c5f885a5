#!/usr/bin/env node
// Node 20's test runner takes no globs and tsx --test finds no .ts files, so we list
// the files ourselves and refuse to report success when there are none.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

function findTests (dir) {
  const found = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found.push(...findTests(path))
    else if (name.endsWith('.test.ts')) found.push(path)
  }
  return found
}

const roots = process.argv.slice(2)
const files = roots.flatMap(findTests).sort()
if (files.length === 0) {
  console.error(`no test files found under ${roots.join(', ')}`)
  process.exit(1)
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' })
process.exit(result.status ?? 1)
