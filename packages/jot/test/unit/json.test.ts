// The strict JSON reader behind every header, claims set and JWK: duplicate members are refused at
// any depth, after unescaping, and nothing inside strings is mistaken for structure.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseJSONObject } from '../../src/lib/json.js'

const accepts = (text: string) => assert.deepEqual(parseJSONObject(text, 'test'), JSON.parse(text))
const rejectsDuplicate = (text: string, member: string) =>
  assert.throws(() => parseJSONObject(text, 'test'), (e: { code?: string; member?: string }) => e.code === 'ERR_JSON_DUPLICATE_MEMBER' && e.member === member)

test('distinct members at every depth are accepted', () => {
  accepts('{"a":1,"b":{"a":2,"b":[{"a":3},{"a":4}]},"c":[1,{"c":1}]}')
  accepts('{}')
  accepts('{"a":[],"b":{}}')
})

test('strings holding structure characters, quotes and backslashes are skipped as strings', () => {
  accepts('{"a":"{\\"a\\":1,\\"a\\":2}","b":"x,y}]","c":"\\\\","d":"\\\\\\"","e":"[{,"}')
  accepts('{"\\\\":1,"\\\\\\\\":2}')
  accepts('{"a\\"b":1,"a":2,"b":3}')
})

test('duplicates are found at the top level, nested, inside arrays, and after unescaping', () => {
  rejectsDuplicate('{"a":1,"a":2}', 'a')
  rejectsDuplicate('{"x":{"b":1,"b":2}}', 'b')
  rejectsDuplicate('{"x":[{"c":1},{"c":1,"c":2}]}', 'c')
  rejectsDuplicate('{"a":1,"\\u0061":2}', 'a')
  rejectsDuplicate('{"a\\"":1,"a\\u0022":2}', 'a"')
  rejectsDuplicate('{"\\\\":1,"\\u005c":2}', '\\')
})

test('a key equal to a preceding string value is not a duplicate', () => {
  accepts('{"a":"b","b":"a"}')
  accepts('{"list":["a","a"],"a":1}')
})

test('non-objects and invalid JSON are JSON errors', () => {
  for (const text of ['[]', '1', '"x"', 'null', '{"a":1', '{"a":1}x', '\ufeff{}']) {
    assert.throws(() => parseJSONObject(text, 'test'), { code: 'ERR_JSON_INVALID' })
  }
})
