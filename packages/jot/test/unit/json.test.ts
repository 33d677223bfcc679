// The strict JSON reader behind every header, claims set and JWK: duplicate members are refused at
// any depth, after unescaping, and nothing inside strings is mistaken for structure.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
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

test('a duplicate whose losing value holds objects is found (those objects vanish from the parse)', () => {
  rejectsDuplicate('{"a":{"x":1,"y":{"z":2}},"a":{}}', 'a')
  rejectsDuplicate('{"a":{"x":1},"a":{"x":1}}', 'a')
  rejectsDuplicate('{"a":[{"b":1}],"c":[{"b":1,"d":{"e":1,"e":1}}]}', 'e')
})

test('"__proto__" is an ordinary member name', () => {
  accepts('{"__proto__":{"a":1},"a":1}')
  rejectsDuplicate('{"__proto__":1,"__proto__":2}', '__proto__')
})

test('an enumerable property on Object.prototype hides no duplicate and invents none', () => {
  const proto = Object.prototype as Record<string, unknown>
  proto.polluted = 1
  try {
    rejectsDuplicate('{"a":1,"a":2,"b":3}', 'a')
    assert.equal(parseJSONObject('{"a":1,"b":{"c":2}}', 'test').a, 1)
  } finally {
    delete proto.polluted
  }
})

test('property: JSON.stringify output is accepted; the same text with one member repeated, at any depth, is not', () => {
  const member = fc.tuple(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }))
  fc.assert(
    fc.property(fc.object({ maxDepth: 3 }), fc.uniqueArray(member, { minLength: 1, maxLength: 4, selector: ([name]) => name }), fc.nat(3), fc.nat(), (outer, members, depth, pick) => {
      accepts(JSON.stringify(outer))
      const [name, value] = members[pick % members.length]!
      const object = JSON.stringify(Object.fromEntries(members))
      let text = `{${JSON.stringify(name)}:${JSON.stringify(value)},${object.slice(1)}`
      for (let i = 0; i < depth; i++) text = i % 2 ? `{"w":${text},"v":1}` : `[1,${text}]`
      if (text.startsWith('[')) text = `{"top":${text}}`
      rejectsDuplicate(text, name)
    }),
  )
})
