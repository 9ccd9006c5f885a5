import { test } from 'node:test'
import assert from 'node:assert/strict'
import { hashToken, hashWith, murmur128Hex, murmur32Legacy, murmur64Hex, sha256Hex } from '../../src/core/hash.js'
import { generateToken } from '../../src/core/token.js'

// spec management-api 1.7: input -> murmur32 (Tyk's legacy variant), murmur64, murmur128
const VECTORS: Array<[input: string, murmur32: string | undefined, murmur64: string, murmur128: string]> = [
  ['abc', '00000000', 'b4963f3f3fad7867', 'b4963f3f3fad78673ba2744126ca2d52'],
  ['abcd', '86a7049e', 'b87bb7d64656cd4f', 'b87bb7d64656cd4ff2003e886073e875'],
  ['abcde', '86a7049e', '2036d091f496bbb8', '2036d091f496bbb8c5c7eea04bcfec8c'],
  ['abcdefgh', 'a6c877af', 'cc8a0ab037ef8c02', 'cc8a0ab037ef8c0248890d60eb6940a1'],
  ['hello', undefined, 'cbd8a7b341bd9b02', 'cbd8a7b341bd9b025b1e906a48ae1d19']
]

test('each hash function matches the spec vectors', () => {
  for (const [input, murmur32, murmur64, murmur128] of VECTORS) {
    if (murmur32 !== undefined) assert.equal(murmur32Legacy(input), murmur32, `murmur32 ${input}`)
    assert.equal(murmur64Hex(input), murmur64, `murmur64 ${input}`)
    assert.equal(murmur128Hex(input), murmur128, `murmur128 ${input}`)
  }
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  assert.equal(murmur32Legacy(''), '00000000')
  assert.equal(hashWith('murmur64', 'abc'), 'b4963f3f3fad7867')
})

// spec 1.7: what key_hash holds for a token; the algorithm comes from the token itself
const TOKENS: Array<[token: string, hash: string]> = [
  ['5e9d9544a1dcd60001d0ed20customKey', '17c21bdd'],
  ['default4f2a6c1e9b8d4e7fa0c3b5d7e9f1a2b3', 'd0d9529b'],
  ['eyJvcmciOiJkZWZhdWx0IiwiaWQiOiI0ZjJhNmMxZTliOGQ0ZTdmYTBjM2I1ZDdlOWYxYTJiMyIsImgiOiJtdXJtdXI2NCJ9', '0bb929983bf78ef1'],
  ['eyJvcmciOiI1ZTlkOTU0NGExZGNkNjAwMDFkMGVkMjAiLCJpZCI6ImN1c3RvbUtleSIsImgiOiJtdXJtdXI2NCJ9', '0cf253ad0217362c'],
  ['eyJvcmciOiI1ZTlkOTU0NGExZGNkNjAwMDFkMGVkMjAiLCJpZCI6ImN1c3RvbUtleSIsImgiOiJzaGEyNTYifQ==', 'f32ea0405447849595a9315c6397653bfbe0d563e0eb0793a497670d62f96e56'],
  ['key-access-api-one', 'bf876d38']
]

test('a token hashes with the algorithm it names, legacy tokens with murmur32', () => {
  for (const [token, hash] of TOKENS) assert.equal(hashToken(token), hash, token)
})

test('hash lengths follow hash_key_function, unknown names falling back to murmur64 (spec case 16)', () => {
  const lengths: Array<[fn: string, length: number]> = [['', 8], ['murmur32', 8], ['murmur64', 16], ['murmur128', 32], ['sha256', 64], ['wrong', 16]]
  for (const [fn, length] of lengths) {
    const hash = hashToken(generateToken('default', '', fn))
    assert.match(hash, new RegExp(`^[0-9a-f]{${length}}$`), fn)
  }
})

test('Tyk\'s murmur32 ignores the trailing len%4 bytes: its collision is reproduced', () => {
  const token = generateToken('default', '', 'murmur32')
  assert.equal(token.length % 4, 0)
  assert.equal(hashToken(token + 'abc'), hashToken(token))
  const strong = generateToken('default', '', 'murmur64')
  assert.notEqual(hashToken(strong + 'abc'), hashToken(strong))
})
