import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateToken, hashAlgorithmOfToken, orgOfToken, randomKeyId } from '../../src/core/token.js'

const ORG = '5e9d9544a1dcd60001d0ed20'

test('tokens are built as Tyk builds them (spec 1.6)', () => {
  const cases: Array<[org: string, id: string, fn: string, want: string]> = [
    [ORG, 'customKey', '', `${ORG}customKey`],
    [ORG, 'customKey', 'murmur64', 'eyJvcmciOiI1ZTlkOTU0NGExZGNkNjAwMDFkMGVkMjAiLCJpZCI6ImN1c3RvbUtleSIsImgiOiJtdXJtdXI2NCJ9'],
    [ORG, 'customKey', 'sha256', 'eyJvcmciOiI1ZTlkOTU0NGExZGNkNjAwMDFkMGVkMjAiLCJpZCI6ImN1c3RvbUtleSIsImgiOiJzaGEyNTYifQ=='],
    [ORG, `${ORG}customKey`, '', `${ORG}customKey`], // no double prefix
    ['', 'customKey', '', 'customKey'],
    ['default', 'defaultuser', '', 'defaultuser'] // the prefix rule is a plain startsWith
  ]
  for (const [org, id, fn, want] of cases) assert.equal(generateToken(org, id, fn), want, `${org} ${id} ${fn}`)
  const unknown = Buffer.from(generateToken('o', 'i', 'md5'), 'base64').toString()
  assert.equal(unknown, '{"org":"o","id":"i","h":"murmur64"}', 'unknown algorithms become murmur64')
})

test('generated ids are 32 random hex characters', () => {
  const seen = new Set<string>()
  for (let i = 0; i < 1000; i++) {
    const id = randomKeyId()
    assert.match(id, /^[0-9a-f]{32}$/)
    seen.add(id)
  }
  assert.equal(seen.size, 1000)
  assert.match(generateToken(ORG, '', ''), new RegExp(`^${ORG}[0-9a-f]{32}$`))
  assert.equal(generateToken(ORG, '', '').length, 56)
})

test('the org and algorithm of a token are read back, and garbage never throws', () => {
  const cases: Array<[token: string, org: string, algorithm: string]> = [
    [generateToken(ORG, 'customKey', 'murmur64'), ORG, 'murmur64'],
    [generateToken('default', 'k', 'sha256'), 'default', 'sha256'],
    [`${ORG}customKey`, ORG, ''], // 24 hex + more: a Mongo-style org
    [ORG, '', ''], // exactly 24: not longer than 24
    ['5e9d9544a1dcd60001d0ed2Xcustom', '', ''],
    ['short', '', ''],
    ['', '', ''],
    ['ey!!!', '', ''],
    ['eyJ', '', ''],
    [Buffer.from('{"org":').toString('base64'), '', ''], // not JSON inside
    [Buffer.from('{"org":5,"h":true}').toString('base64'), '', ''], // not strings
    [Buffer.from('["org"]').toString('base64'), '', ''],
    [Buffer.from('{"org":"a","id":"b","h":"murmur64"}').toString('base64').replace(/=+$/, ''), '', ''] // padding required
  ]
  for (const [token, org, algorithm] of cases) {
    assert.equal(orgOfToken(token), org, `org of ${token}`)
    assert.equal(hashAlgorithmOfToken(token), algorithm, `algorithm of ${token}`)
  }
})
